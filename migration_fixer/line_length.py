"""The line length the project's formatter keeps, read from its configuration.

For a file, the configuration is found the way ruff and black find theirs: from the file's
folder upwards, the first folder with a ``.ruff.toml``, a ``ruff.toml``, or a
``pyproject.toml`` that has a ``[tool.migration-fixer]``, ``[tool.black]`` or
``[tool.ruff]`` table (the search stops at the repository root, a folder holding
``.git``). In that folder, the first of:

1. ``[tool.migration-fixer] line-length`` (pyproject.toml);
2. ``[tool.black] line-length``, 88 when the table has none: a project that configures
   black formats with black (ruff is then often only its linter);
3. ruff's ``line-length`` (``.ruff.toml`` over ``ruff.toml`` over ``[tool.ruff]``, as ruff
   reads them; ``[tool.ruff.format]`` has no line length of its own), 88 when unset.

Otherwise (no configuration up to the root) 88, both formatters' default. Answers are
cached per folder; an unreadable or invalid file is skipped, not an error (the run's own
configuration errors come from :mod:`migration_fixer.config`).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, TypeGuard, cast

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

from migration_fixer.layout import DEFAULT_LINE_LENGTH
from migration_fixer.source import read_text_file

_RUFF_FILES = (".ruff.toml", "ruff.toml")


def project_line_length(folder: Path) -> int:
    """The line length for the files of ``folder`` (see the module's docstring)."""
    return _folder_line_length(folder.resolve())


@functools.lru_cache(maxsize=1024)
def _folder_line_length(folder: Path) -> int:
    found = folder_line_length(folder)
    if found is not None:
        return found
    if (folder / ".git").exists() or folder.parent == folder:
        return DEFAULT_LINE_LENGTH
    return _folder_line_length(folder.parent)


def folder_line_length(folder: Path) -> int | None:
    """The line length configured in ``folder`` itself, or None when no configuration
    file there says anything about formatting."""
    pyproject = _load(folder / "pyproject.toml")
    tool = pyproject.get("tool", {})
    tool = tool if isinstance(tool, dict) else {}
    ours = tool.get("migration-fixer")
    if isinstance(ours, dict) and _valid(ours.get("line-length")):
        return cast(int, ours["line-length"])
    black = tool.get("black")
    if isinstance(black, dict):
        return _length(black)
    for name in _RUFF_FILES:
        if (folder / name).is_file():
            return _length(_load(folder / name))
    ruff = tool.get("ruff")
    if isinstance(ruff, dict):
        return _length(ruff)
    return None


def _length(section: dict[str, Any]) -> int:
    value = section.get("line-length")
    return value if _valid(value) else DEFAULT_LINE_LENGTH


def _valid(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000


def _load(path: Path) -> dict[str, Any]:
    try:
        return cast(dict[str, Any], tomllib.loads(read_text_file(path)))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
