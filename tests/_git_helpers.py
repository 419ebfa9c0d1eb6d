"""Helpers for tests that need real git repositories and migration files."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from migration_fixer.cli import cli

BAD = (
    "from django.db import migrations\n"
    "\n"
    "\n"
    "def forwards(apps, schema_editor):\n"
    "    pass\n"
    "\n"
    "\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = []\n"
    "    operations = [migrations.RunPython(forwards)]\n"
)
#: BAD fixed: the line is longer than 88 columns with the reverse, so it is split.
FIXED = BAD.replace(
    "    operations = [migrations.RunPython(forwards)]\n",
    "    operations = [\n"
    "        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)\n"
    "    ]\n",
)
CLEAN = (
    "from django.db import migrations\n"
    "\n"
    "\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = []\n"
    "    operations = []\n"
)
#: A migration with a RunSQL without reverse_sql (MF002).
RUNSQL = (
    "from django.db import migrations\n"
    "\n"
    "\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = []\n"
    "    operations = [migrations.RunSQL('SELECT 1')]\n"
)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str, input: str | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def init_repo(path: Path, branch: str = "main") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    git(path, "config", "core.autocrlf", "false")
    return path


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def project_outside_git(
    root: Path, monkeypatch: pytest.MonkeyPatch, files: Mapping[str, str | bytes]
) -> Path:
    """``root`` as a project outside git, made the current folder: an empty pyproject.toml
    (the project root) and ``files`` (paths relative to ``root``, text or bytes)."""
    monkeypatch.chdir(root)
    (root / "pyproject.toml").write_text("")
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return root


def commit_all(repo: Path, message: str = "commit") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def copy_package(root: Path, dest: Path) -> Path:
    """A copy of this working tree's installable package (what pip needs to build it)."""
    import shutil

    dest.mkdir(parents=True)
    for name in ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "action.yml", "LICENSE"]:
        if (root / name).exists():
            shutil.copy2(root / name, dest / name)
    shutil.copytree(
        root / "migration_fixer",
        dest / "migration_fixer",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return dest


#: A hook around one write of a run: the path and the keyword arguments (``create``...).
WriteHook = Callable[[Path, Mapping[str, object]], None]


def hook_writes(
    monkeypatch: pytest.MonkeyPatch,
    before: WriteHook = lambda path, options: None,
    after: WriteHook = lambda path, options: None,
) -> None:
    """Every file a run writes goes through ``before`` (which may raise: the write is then
    not made), the real write, then ``after``."""
    from migration_fixer import api

    real = api.write_atomic

    def hooked(path: Path, data: bytes, **kwargs: object) -> None:
        before(path, kwargs)
        real(path, data, **kwargs)  # type: ignore[arg-type]
        after(path, kwargs)

    monkeypatch.setattr(api, "write_atomic", hooked)


#: The first migration of an app: ``Product(id, sku)``, ``sku`` NOT NULL.
INITIAL = (
    "from django.db import migrations, models\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = []\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            name="Product",\n'
    '            fields=[("id", models.AutoField(primary_key=True)), '
    '("sku", models.CharField(max_length=9))],\n'
    "        ),\n"
    "    ]\n"
)


def remove_sku(label: str) -> str:
    """The second migration of app ``label``: removes ``Product.sku`` (MF003's case)."""
    return (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f'    dependencies = [("{label}", "0001_initial")]\n'
        '    operations = [migrations.RemoveField(model_name="product", name="sku")]\n'
    )


def invoke(*args: str) -> tuple[int, str, str]:
    """The CLI through click's runner (an exception is raised, not caught): its exit
    code, stdout and stderr."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr
