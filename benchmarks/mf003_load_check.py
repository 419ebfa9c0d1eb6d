"""MF003 splits on a corpus of real migrations: do the files it writes load in Django?

    python benchmarks/mf003_load_check.py --corpus /work/corpus/migrations [--only netbox saleor]

Needs Django (`pip install -e '.[django]'`). For every project of the corpus:

1. the project is copied into a temporary git repository whose only commit is empty, so every
   migration is new relative to the git base and MF003 may split it;
2. `migration-fixer --select MF003` fixes the copy (a subprocess, as a user runs it);
3. every migrations folder that got a new drop migration is checked in a fresh Python process
   with Django set up, twice (the original files, then the fixed ones): each folder of the
   project becomes an installed app (its label is the folder's parent name, as Django's
   default), beside Django's contrib apps. The check imports every written module alone
   (``importlib.import_module``, the `python -c "import <module>"` test), builds the
   migration graph with Django's ``MigrationLoader``, requires one leaf for the app, and
   replays the whole project state (``loader.project_state()``), which runs every operation's
   ``state_forwards``: an ``AlterField`` on a field that does not exist, or a drop migration
   that depends on a missing node, fails there.

A split counts as loading when the fixed folder passes everything the original passed. Where
the original itself does not load (a dependency on an app outside the corpus, a migration that
imports the project's own code), the split cannot be checked this way and is counted apart.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_CONTRIB = (
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.admin",
    "django.contrib.messages",
    "django.contrib.flatpages",
    "django.contrib.redirects",
)

#: Runs in a child process: argv = [root, json list of (package, label, app folder)] and the
#: labels to check; prints one JSON object.
_CHILD = r"""
import ast, importlib, importlib.abc, importlib.machinery, json, sys, types
root, apps, wanted = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
sys.path.insert(0, root)
import django
from django.conf import settings
contrib = json.loads(sys.argv[4])
from django.conf import global_settings


class _Defaults:
    # A setting the project defines (``settings.FILER_IMAGE_MODEL``) reads as a model
    # label: swappable dependencies then point at an installed app.
    def __getattr__(self, name):
        if name.isupper():
            return getattr(global_settings, name, "auth.User")
        raise AttributeError(name)


settings.configure(
    _Defaults(),
    INSTALLED_APPS=[*contrib, *[f"{pkg}.mfl_apps.Config" for pkg, _label, _folder in apps]],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    SITE_ID=1,
    USE_TZ=True,
)
out = {"imports": {}, "graph": "", "state": "", "leaves": {}, "stubbed": []}
try:
    django.setup()
except Exception as exc:
    print(json.dumps({"setup": f"{type(exc).__name__}: {exc}"[:300]}))
    raise SystemExit(0)

# The project's own code and its third-party packages are not installed: a module that
# cannot be found is replaced by a stub whose every attribute is a permissive field class,
# so a migration that imports them still loads (its operations keep their shape).
from django.db import models


class _StubType(type):
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _StubType(name, (_Anything,), {"__module__": cls.__module__})


class _Anything(models.Field, metaclass=_StubType):
    def __init__(self, *args, **kwargs):
        super().__init__()

    def __call__(self, *args, **kwargs):
        return self

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "django.db.models.Field", args, kwargs


class _StubModule(types.ModuleType):
    __path__ = []

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _StubType(name, (_Anything,), {"__module__": self.__name__})


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        for finder in sys.meta_path:
            if finder is self:
                continue
            try:
                if finder.find_spec(fullname, path, target) is not None:
                    return None
            except Exception:
                continue
        if fullname.split(".")[0] in ("django", "mfl_stub") or not self._from_corpus():
            return None
        out["stubbed"].append(fullname)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    @staticmethod
    def _from_corpus():
        # Stub only what the copied migrations (or a stub) import: an optional import
        # inside an installed package must keep failing as it does.
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_code.co_filename
            if not name.startswith("<frozen") and "importlib" not in name:
                module = frame.f_globals.get("__name__", "")
                return name.startswith(root) or isinstance(sys.modules.get(module), _StubModule)
            frame = frame.f_back
        return False

    def create_module(self, spec):
        return _StubModule(spec.name)

    def exec_module(self, module):
        pass


sys.meta_path.append(_StubFinder())
import builtins


def _stub_attribute(name, module):
    if name.startswith("__"):
        raise AttributeError(name)
    return _StubType(name, (_Anything,), {"__module__": module})


builtins.mfl_stub = _stub_attribute
labels = {label: pkg for pkg, label, _ in apps}
for label, modules in wanted.items():
    for module in modules:
        try:
            importlib.import_module(f"{labels[label]}.migrations.{module}")
            out["imports"][f"{label}.{module}"] = ""
        except Exception as exc:
            out["imports"][f"{label}.{module}"] = f"{type(exc).__name__}: {exc}"[:300]
from django.db.migrations.loader import MigrationLoader
try:
    loader = MigrationLoader(None, ignore_no_migrations=True)
except Exception as exc:
    out["graph"] = f"{type(exc).__name__}: {exc}"[:300]
else:
    for label in wanted:
        out["leaves"][label] = len(loader.graph.leaf_nodes(label))
    try:
        loader.project_state()
    except Exception as exc:
        out["state"] = f"{type(exc).__name__}: {exc}"[:300]
out["stubbed"] = sorted(set(m.split(".")[0] for m in out["stubbed"]))
print(json.dumps(out))
"""


def _digests(root: Path) -> dict[Path, str]:
    return {
        p.relative_to(root): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*.py")
        if ".git" not in p.parts
    }


def _app_folders(root: Path) -> list[Path]:
    return sorted({p.parent for p in root.rglob("migrations/*.py") if p.name != "__init__.py"})


def _django_tree(project: Path, where: Path) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """One installed app per migrations folder of ``project``, under ``where``."""
    apps: list[tuple[str, str, str]] = []
    label_of: dict[str, str] = {}
    taken = {name.rsplit(".", 1)[-1] for name in _CONTRIB}
    used: set[str] = set()
    for folder in _app_folders(project):
        label = folder.parent.name
        # The app at its own dotted path (the longest tail of identifiers), so that the
        # migrations' relative imports (``from ..fields import X``) resolve as in the project.
        parts = folder.relative_to(project).parts[:-1]
        tail: list[str] = []
        for part in reversed(parts):
            if not part.isidentifier():
                break
            tail.insert(0, part)
        dotted = ".".join(tail)
        if label in taken or not label.isidentifier() or not tail or dotted in used:
            continue
        taken.add(label)
        used.add(dotted)
        package = where.joinpath(*tail)
        shutil.copytree(
            folder, package / "migrations", ignore=shutil.ignore_patterns("__pycache__")
        )
        (package / "migrations" / "__init__.py").write_text("")
        for level in range(1, len(tail) + 1):
            # The project's own modules are absent: a name read from a package is a stub.
            where.joinpath(*tail[:level], "__init__.py").write_text(
                "def __getattr__(name):\n    import builtins\n\n"
                "    return builtins.mfl_stub(name, __name__)\n"
            )
        (package / "mfl_apps.py").write_text(
            "from django.apps import AppConfig\n\n\n"
            f"class Config(AppConfig):\n    name = {dotted!r}\n    label = {label!r}\n"
        )
        apps.append((dotted, label, str(folder.relative_to(project))))
        label_of[str(folder.relative_to(project))] = label
    # Apps outside the corpus that the migrations depend on: an empty app holding the named
    # migrations, so that the graph can be built (their models are not needed by the state).
    missing: dict[str, set[str]] = {}
    for path in project.rglob("migrations/*.py"):
        for label, name in _dependencies(path):
            if label not in taken:
                missing.setdefault(label, set()).add(name)
    for number, (label, names) in enumerate(sorted(missing.items())):
        package = where / f"mfl_stub_{number}"
        (package / "migrations").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "migrations" / "__init__.py").write_text("")
        for name in {n for n in names if not n.startswith("__")} or {"0001_stub"}:
            (package / "migrations" / f"{name}.py").write_text(
                "from django.db import migrations\n\n\n"
                "class Migration(migrations.Migration):\n    operations = []\n"
            )
        (package / "mfl_apps.py").write_text(
            "from django.apps import AppConfig\n\n\n"
            f"class Config(AppConfig):\n    name = {package.name!r}\n    label = {label!r}\n"
        )
        apps.append((package.name, label, ""))
    return apps, label_of


def _dependencies(path: Path) -> list[tuple[str, str]]:
    """The literal ``(app, name)`` pairs of a migration's ``dependencies``."""
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return []
    pairs = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple) and len(node.elts) == 2:
            first, second = node.elts
            if (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and isinstance(second, ast.Constant)
                and isinstance(second.value, str)
                and first.value.isidentifier()
                and (second.value[:4].isdigit() or second.value.startswith("__"))
            ):
                pairs.append((first.value, second.value))
    return pairs


def _check(project: Path, wanted: dict[str, list[str]]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        apps, label_of = _django_tree(project, Path(scratch))
        by_label = {label_of[f]: mods for f, mods in wanted.items() if f in label_of}
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                _CHILD,
                scratch,
                json.dumps(apps),
                json.dumps(by_label),
                json.dumps(_CONTRIB),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        try:
            report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            report = {"setup": (result.stderr.strip().splitlines() or ["no output"])[-1]}
        report["labels"] = label_of
        return report


def _passes(report: dict[str, object], label: str, modules: list[str]) -> tuple[bool, str]:
    if report.get("setup"):
        return False, f"setup: {report['setup']}"
    imports = report.get("imports", {})
    assert isinstance(imports, dict)
    for module in modules:
        error = imports.get(f"{label}.{module}", "not imported")
        if error:
            return False, f"import {module}: {error}"
    if report.get("graph"):
        return False, f"graph: {report['graph']}"
    leaves = report.get("leaves", {})
    assert isinstance(leaves, dict)
    if leaves.get(label) != 1:
        return False, f"{leaves.get(label)} leaves"
    if report.get("state"):
        return False, f"state: {report['state']}"
    return True, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--only", nargs="*", default=[], help="project name prefixes")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    # The venv's own script first: run as `.venv/bin/python benchmarks/...` without the venv
    # on PATH, `migration-fixer` is not found (or another install's is).
    beside = Path(sys.executable).with_name("migration-fixer")
    executable = str(beside) if beside.exists() else shutil.which("migration-fixer")
    if executable is None:
        parser.error("migration-fixer is not installed in this Python's environment")
    projects = sorted(
        p
        for p in args.corpus.iterdir()
        if p.is_dir()
        and not p.name.startswith(("_", "."))
        and (not args.only or p.name.startswith(tuple(args.only)))
    )
    splits = loads = unverifiable = broken = 0
    for project in projects:
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / project.name
            shutil.copytree(project, copy)
            env = {
                **os.environ,
                "GIT_AUTHOR_NAME": "b",
                "GIT_AUTHOR_EMAIL": "b@b",
                "GIT_COMMITTER_NAME": "b",
                "GIT_COMMITTER_EMAIL": "b@b",
            }
            subprocess.run(["git", "init", "-q", str(copy)], check=True, env=env)
            subprocess.run(
                ["git", "-C", str(copy), "commit", "-q", "--allow-empty", "-m", "base"],
                check=True,
                env=env,
            )
            before = _digests(copy)
            original = Path(scratch) / "original"
            shutil.copytree(copy, original, ignore=shutil.ignore_patterns(".git"))
            subprocess.run(
                [executable, "--select", "MF003", "--no-cache", "--quiet", str(copy)],
                capture_output=True,
                check=False,
                cwd=scratch,
            )
            after = _digests(copy)
            new = [p for p in after if p not in before]
            if not new:
                continue
            wanted: dict[str, list[str]] = {}
            for path in sorted(set(new) | {p for p in before if after.get(p) != before[p]}):
                wanted.setdefault(str(path.parent), []).append(path.stem)
            fixed_report = _check(copy, wanted)
            original_report = _check(original, {k: [] for k in wanted})
            labels = fixed_report.get("labels", {})
            assert isinstance(labels, dict)
            for folder, modules in wanted.items():
                count = sum(1 for p in new if str(p.parent) == folder)
                splits += count
                label = labels.get(folder)
                if label is None:
                    unverifiable += count
                    print(f"{project.name}/{folder}: not an installable app label", flush=True)
                    continue
                ok_before, why_before = _passes(original_report, label, [])
                ok_after, why_after = _passes(fixed_report, label, modules)
                if not ok_before:
                    unverifiable += count
                    status = f"original does not load ({why_before})"
                elif ok_after:
                    loads += count
                    status = "loads"
                else:
                    broken += count
                    status = f"BROKEN: {why_after}"
                if args.verbose or not ok_after:
                    print(f"{project.name}/{folder}: {count} split(s): {status}", flush=True)
    print(
        f"\n{splits} drop migrations written; {loads} load in Django with everything else, "
        f"{broken} do not, {unverifiable} cannot be checked (the original folder does not load)"
    )
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
