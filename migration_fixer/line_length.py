"""The line length the project's formatter keeps, read from its configuration.

For a file, the configuration is found the way ruff and black find theirs: from the file's
folder upwards, the first folder whose configuration says anything about line length or
formatting (the search stops at the repository root, a folder holding ``.git``). In that
folder, the first of:

1. ``[tool.migration-fixer] line-length`` (pyproject.toml);
2. ``[tool.black] line-length``, 88 when the table has none: a project that configures
   black formats with black (ruff is then often only its linter);
3. ruff's ``line-length`` (``.ruff.toml`` over ``ruff.toml`` over ``[tool.ruff]``, as ruff
   reads them; ``[tool.ruff.format]`` has no line length of its own), 88 when unset;
4. yapf's ``column_limit`` (``.style.yapf``'s ``[style]`` over ``setup.cfg``'s ``[yapf]``
   over ``[tool.yapf]``, yapf's order), when set: the formatter of a project without black
   or ruff;
5. flake8's ``max-line-length`` (``setup.cfg`` over ``tox.ini`` over ``.flake8``, flake8's
   order),
   79 (flake8's default) when its section has none: the longest line the project's linter
   lets through.

Otherwise (no configuration up to the root) 88, black's and ruff's default. Answers are
cached per folder; an unreadable or invalid file is skipped, not an error (the run's own
configuration errors come from :mod:`migration_fixer.config`).
"""

from __future__ import annotations

import configparser
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
#: yapf's and flake8's INI files and sections, in the order each tool reads them.
_YAPF_INI = ((".style.yapf", "style"), ("setup.cfg", "yapf"))
_FLAKE8_INI = ("setup.cfg", "tox.ini", ".flake8")
#: flake8's default ``max-line-length`` (pycodestyle's).
_FLAKE8_DEFAULT = 79


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
    for name, section in _YAPF_INI:
        found = _ini_length(folder / name, section, ("column_limit",), default=None)
        if found is not None:
            return found
    yapf = tool.get("yapf")
    if isinstance(yapf, dict) and _valid(yapf.get("column_limit")):
        return cast(int, yapf["column_limit"])
    for name in _FLAKE8_INI:
        keys = ("max-line-length", "max_line_length")
        found = _ini_length(folder / name, "flake8", keys, default=_FLAKE8_DEFAULT)
        if found is not None:
            return found
    return None


def _ini_length(
    path: Path, section: str, keys: tuple[str, ...], *, default: int | None
) -> int | None:
    """The integer under one of ``keys`` in ``[section]`` of the INI file ``path``;
    ``default`` when the section has no valid one (the tool's own default), None when the
    file or the section is missing."""
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(read_text_file(path))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    if not parser.has_section(section):
        return None
    for key in keys:
        value = parser.get(section, key, fallback="").strip()
        if value.isdigit() and _valid(int(value)):
            return int(value)
    return default


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
