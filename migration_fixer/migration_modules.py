"""Migrations that live outside a folder named ``migrations``: the project's
``MIGRATION_MODULES`` setting, read from its settings files without importing them.

``MIGRATION_MODULES = {"dojo": "dojo.db_migrations"}`` (DefectDojo) makes Django load the
``dojo`` app's migrations from ``dojo/db_migrations``: a run that looked only for folders
named ``migrations`` found none of them and said "No findings in 0 migration files". The
settings files are parsed (``ast``, nothing runs) for assignments of a dict literal to
``MIGRATION_MODULES`` and of a string to ``MIGRATION_MODULES["label"]``; a value that is not
a string literal (``None``, which turns an app's migrations off, a comprehension, a name) is
left out. Each module path names the folder it is in, looked for below the settings file's
folders, nearest first (a module of an installed package has no folder in the project: left
out).
"""

from __future__ import annotations

import ast
import glob
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from migration_fixer.source import read_text_file

_NAME = "MIGRATION_MODULES"


@dataclass(frozen=True)
class MigrationModule:
    label: str
    module: str  # dotted, as the setting writes it
    folder: Path
    #: Where the setting says so (``path:line``, relative to the project's folder).
    where: str


def migration_modules(project: Path, settings: Sequence[Path]) -> list[MigrationModule]:
    """The folders ``MIGRATION_MODULES`` names in the ``settings`` files of ``project``
    (see the module's docstring), each once, in the order found."""
    found: dict[Path, MigrationModule] = {}
    for path in settings:
        try:
            text = read_text_file(path, errors="replace")
        except OSError:
            continue
        if _NAME not in text:
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for label, module, line in _entries(tree):
            folder = _folder(path, module, project)
            if folder is not None and folder not in found:
                where = f"{_shown(path, project)}:{line}"
                found[folder] = MigrationModule(label, module, folder, where)
    return list(found.values())


def _entries(tree: ast.Module) -> Iterator[tuple[str, str, int]]:
    """(app label, module path, line) of each string entry the module gives the setting."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id == _NAME:
                if isinstance(value, ast.Dict):
                    for key, item in zip(value.keys, value.values, strict=True):
                        entry = _entry(key, item)
                        if entry is not None:
                            yield (*entry, item.lineno)
            elif (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == _NAME
            ):
                entry = _entry(target.slice, value)
                if entry is not None:
                    yield (*entry, value.lineno)


def _entry(key: ast.expr | None, value: ast.expr) -> tuple[str, str] | None:
    if (
        isinstance(key, ast.Constant)
        and isinstance(key.value, str)
        and isinstance(value, ast.Constant)
        and isinstance(value.value, str)
        and all(part.isidentifier() for part in value.value.split("."))
    ):
        return key.value, value.value
    return None


def _folder(settings: Path, module: str, project: Path) -> Path | None:
    """The folder of the package ``module``, below one of the folders of ``settings`` from
    its own up to ``project``'s, nearest first."""
    relative = Path(*module.split("."))
    top = project.resolve()
    for base in settings.resolve().parents:
        candidate = base / relative
        if candidate.is_dir():
            return candidate
        if base == top or top not in base.parents:
            return None
    return None  # pragma: no cover - the loop ends at the project's folder


def _shown(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:  # pragma: no cover - the settings files are below the project
        return path.as_posix()


def include_patterns(modules: Sequence[MigrationModule], root: Path) -> list[str]:
    """``extend-include`` globs (relative to ``root``) for the folders of ``modules`` that
    are inside ``root``."""
    top = root.resolve()
    patterns = []
    for module in modules:
        try:
            relative = module.folder.relative_to(top)
        except ValueError:
            continue
        patterns.append(f"{glob.escape(relative.as_posix())}/*.py")
    return patterns
