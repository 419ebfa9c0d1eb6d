"""Which files are migrations: ``*/migrations/*.py`` (minus ``__init__.py``), plus
configured extra globs, minus excludes; in a git repository, as git lists them (so
``.gitignore`` is honoured), elsewhere by walking the tree without entering virtualenvs,
VCS folders or caches. Always sorted, so every run sees the same order."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from migration_fixer.git import Repository

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".eggs",
        "__pycache__",
        "node_modules",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "site-packages",
        "build",
        "dist",
        ".direnv",
    }
)


def is_migration(path: Path, extend_include: Sequence[str] = ()) -> bool:
    if path.suffix != ".py" or path.name == "__init__.py":
        return False
    if path.parent.name == "migrations":
        return True
    posix = path.as_posix()
    return any(fnmatch.fnmatch(posix, pattern) for pattern in extend_include)


def is_excluded(path: Path, root: Path, exclude: Sequence[str]) -> bool:
    if not exclude:
        return False
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    parts = rel.split("/")
    return any(
        fnmatch.fnmatch(rel, pattern) or any(fnmatch.fnmatch(p, pattern) for p in parts)
        for pattern in exclude
    )


def _walk(root: Path) -> Iterable[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
        )
        for name in files:
            if name.endswith(".py"):
                yield Path(folder, name)


def discover(
    paths: Sequence[Path],
    *,
    repo: Repository | None,
    root: Path,
    extend_include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> tuple[list[Path], list[Path]]:
    """Return (migration files, paths that do not exist)."""
    found: set[Path] = set()
    missing: list[Path] = []
    folders: list[Path] = []
    for path in paths:
        if not path.exists():
            missing.append(path)
        elif path.is_file():
            if path.suffix == ".py":  # named explicitly: always taken
                found.add(path)
        else:
            folders.append(path)
    if folders:
        inside = [p for p in folders if _within(p, repo.root)] if repo is not None else []
        outside = [p for p in folders if p not in inside]
        candidates: list[Path] = repo.ls_files(inside) if repo and inside else []
        for folder in outside:
            candidates.extend(_walk(folder))
        for candidate in candidates:
            shown = _display(candidate)
            if (
                is_migration(shown, extend_include)
                and not is_excluded(candidate, root, exclude)
                and candidate.is_file()
            ):
                found.add(shown)
    return sorted(found), missing


def _within(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def _display(path: Path) -> Path:
    """Paths relative to the working directory when they are below it."""
    if not path.is_absolute():
        return path
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
