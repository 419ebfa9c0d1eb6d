"""Run configuration: ``[tool.migration-fixer]`` in the nearest pyproject.toml, merged with
the command line (which wins)."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

from migration_fixer.dialect import DialectError
from migration_fixer.dialect import parse as parse_dialect
from migration_fixer.field_classes import configured_class
from migration_fixer.rules import DEFAULT_CODES, RULES_BY_CODE


class Mode(str, Enum):
    FIX = "fix"
    CHECK = "check"
    DIFF = "diff"


class ConfigError(Exception):
    """Invalid configuration or options: reported as a usage error (exit 2)."""


@dataclass(frozen=True)
class Config:
    paths: tuple[Path, ...] = (Path("."),)
    mode: Mode = Mode.FIX
    select: frozenset[str] = DEFAULT_CODES
    exclude: tuple[str, ...] = ()
    extend_include: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    since: str | None = None
    allow_dirty: bool = False
    cache: bool = True
    jobs: int | None = None
    output_format: str = "text"
    strategy: str = "nullable"
    #: Write unsafe fixes too (``--unsafe-fixes``; see :class:`migration_fixer.rule.Applicability`).
    unsafe_fixes: bool = False
    #: The SQL dialects MF002 writes for (``--dialect``, ``dialect``), and where they come
    #: from; None: detected from the settings files (:mod:`migration_fixer.dialect`).
    dialect: tuple[str, ...] | None = None
    dialect_source: str = ""
    #: MF003: field classes the project declares (dotted path -> Django class name).
    field_classes: tuple[tuple[str, str], ...] = ()
    #: ``[tool.migration-fixer] line-length`` of the run's configuration file: the line
    #: length for every file; None: each file's from its project's formatter settings
    #: (:mod:`migration_fixer.line_length`).
    line_length: int | None = None
    root: Path = field(default_factory=Path.cwd)


_KEYS = {
    "select",
    "ignore",
    "exclude",
    "extend-include",
    "per-file-ignores",
    "strategy",
    "unsafe-fixes",
    "dialect",
    "field-classes",
    "line-length",
}


def parse_codes(value: str | Sequence[str], where: str) -> frozenset[str]:
    """``"MF001,MF002"`` or a list of codes -> a set of known codes (prefixes allowed:
    ``MF`` selects every rule, ``MF00`` the first nine)."""
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ConfigError(f"{where}: expected a list of rule codes, got {value!r}")
    codes: set[str] = set()
    for raw in items:
        if not isinstance(raw, str):
            raise ConfigError(f"{where}: expected rule codes, got {raw!r}")
        item = raw.strip().upper()
        if not item:
            continue
        if item == "ALL":
            codes.update(RULES_BY_CODE)
            continue
        matched = {c for c in RULES_BY_CODE if c.startswith(item)}
        if not matched:
            known = ", ".join(sorted(RULES_BY_CODE))
            raise ConfigError(f"{where}: unknown rule code {raw.strip()!r} (known: {known})")
        codes.update(matched)
    return frozenset(codes)


def find_pyproject(start: Path) -> Path | None:
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else start.parents:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _show(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def load_file_settings(pyproject: Path) -> dict[str, Any]:
    shown = _show(pyproject)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot read: {exc}") from exc
    tool = data.get("tool", {})
    section = tool.get("migration-fixer", {}) if isinstance(tool, dict) else {}
    if not isinstance(section, dict):
        raise ConfigError(f"{shown}: [tool.migration-fixer] must be a table")
    unknown = sorted(set(section) - _KEYS)
    if unknown:
        close = difflib.get_close_matches(unknown[0].replace("_", "-"), sorted(_KEYS), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(
            f"{shown}: [tool.migration-fixer] unknown key {unknown[0]!r} "
            f"({hint}known: {', '.join(sorted(_KEYS))})"
        )
    return section


def _str_list(settings: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = settings.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} {key}: expected a list of strings, got {value!r}")
    return tuple(value)


def build_config(
    *,
    paths: Sequence[Path],
    mode: Mode,
    select: str | None,
    ignore: str | None,
    since: str | None = None,
    allow_dirty: bool = False,
    cache: bool = True,
    jobs: int | None = None,
    output_format: str = "text",
    strategy: str | None = None,
    config_file: Path | None = None,
    unsafe_fixes: bool | None = None,
    dialect: str | None = None,
) -> Config:
    """Merge pyproject settings (if any) with command-line options.

    Rule selection: ``--select`` on the command line replaces the file's ``select`` and
    ``ignore`` (asking for a rule by name runs it); ``--ignore`` removes rules from
    whatever is selected. ``per-file-ignores`` always applies.
    """
    roots = list(paths) or [Path(".")]
    pyproject = config_file or find_pyproject(roots[0])
    settings: dict[str, Any] = load_file_settings(pyproject) if pyproject else {}
    where = f"{_show(pyproject) if pyproject else 'pyproject.toml'}: [tool.migration-fixer]"
    if select is not None:
        chosen = parse_codes(select, "--select")
    else:
        chosen = (
            parse_codes(settings["select"], f"{where} select")
            if "select" in settings
            else DEFAULT_CODES
        )
        if "ignore" in settings:
            chosen -= parse_codes(settings["ignore"], f"{where} ignore")
    if ignore is not None:
        chosen -= parse_codes(ignore, "--ignore")
    per_file = settings.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(
            f"{where} per-file-ignores: expected a table of glob = [codes], got {per_file!r}"
        )
    per_file_ignores = tuple(
        (pattern, parse_codes(codes, f"{where} per-file-ignores {pattern!r}"))
        for pattern, codes in per_file.items()
    )
    chosen_strategy = strategy or settings.get("strategy", "nullable")
    if chosen_strategy not in ("nullable", "db-default"):
        raise ConfigError(
            f"{where} strategy: expected 'nullable' or 'db-default', got {chosen_strategy!r}"
        )
    if unsafe_fixes is None:
        unsafe_fixes = settings.get("unsafe-fixes", False)
        if not isinstance(unsafe_fixes, bool):
            raise ConfigError(f"{where} unsafe-fixes: expected true or false, got {unsafe_fixes!r}")
    dialects, dialect_source = None, ""
    try:
        if dialect is not None:
            dialects, dialect_source = parse_dialect(dialect, "--dialect"), "--dialect"
        elif "dialect" in settings:
            dialect_source = f"{where} dialect"
            dialects = parse_dialect(settings["dialect"], dialect_source)
    except DialectError as exc:
        raise ConfigError(str(exc)) from exc
    line_length = settings.get("line-length")
    if line_length is not None and not (
        isinstance(line_length, int) and not isinstance(line_length, bool) and line_length > 0
    ):
        raise ConfigError(f"{where} line-length: expected a positive integer, got {line_length!r}")
    return Config(
        field_classes=_field_classes(settings.get("field-classes", {}), f"{where} field-classes"),
        paths=tuple(roots),
        mode=mode,
        select=chosen,
        exclude=_str_list(settings, "exclude", where),
        extend_include=_str_list(settings, "extend-include", where),
        per_file_ignores=per_file_ignores,
        since=since,
        allow_dirty=allow_dirty,
        cache=cache,
        jobs=jobs,
        output_format=output_format,
        strategy=chosen_strategy,
        unsafe_fixes=unsafe_fixes,
        dialect=dialects,
        dialect_source=dialect_source,
        line_length=line_length,
        root=pyproject.parent if pyproject else Path.cwd(),
    )


def _field_classes(value: object, where: str) -> tuple[tuple[str, str], ...]:
    """``field-classes = {"pkg.fields.MyField" = "CharField"}``: each value names a Django
    field class (``"CharField"`` or ``"django.db.models.CharField"``)."""
    if not isinstance(value, dict):
        raise ConfigError(
            f'{where}: expected a table of "dotted.path" = "DjangoClass", got {value!r}'
        )
    found: list[tuple[str, str]] = []
    for path, django in value.items():
        if not all(part.isidentifier() for part in path.split(".")) or "." not in path:
            raise ConfigError(f"{where}: {path!r} is not a dotted path to a class")
        cls = configured_class(django) if isinstance(django, str) else None
        if cls is None:
            raise ConfigError(
                f"{where} {path!r}: {django!r} is not a Django field class this tool knows "
                '(e.g. "CharField" or "django.db.models.CharField")'
            )
        found.append((path, cls))
    return tuple(sorted(found))


def anchor_per_file_ignores(
    ignores: Sequence[tuple[str, frozenset[str]]], root: Path
) -> tuple[tuple[str, frozenset[str]], ...]:
    """``per-file-ignores`` globs are relative to the pyproject.toml's folder; the
    runner matches them (fnmatch, where ``*`` crosses folders) against paths as
    displayed: relative to the working directory below it, absolute elsewhere. Rewrite
    each glob for that (a glob without a slash, like ``"0001_*.py"`` or ``"legacy"``,
    also matches a file name or folder anywhere; a glob naming a folder matches what
    is below it)."""
    root = root.resolve()
    cwd = Path.cwd().resolve()
    anchored: list[tuple[str, frozenset[str]]] = []
    for pattern, codes in ignores:
        pattern = pattern.strip().removeprefix("./").rstrip("/")
        name = pattern.removeprefix("**/")
        if "/" in name:
            globs = [pattern, name] if pattern != name else [pattern]
        else:
            globs = [name, f"*/{name}"]
        globs += [g + "/*" for g in globs]
        for glob in globs:
            for variant in _from_cwd(glob, root, cwd):
                anchored.append((variant, codes))
    return tuple(dict.fromkeys(anchored))


def _from_cwd(glob: str, root: Path, cwd: Path) -> list[str]:
    """A root-relative glob as the working directory sees it (see above)."""
    variants = [f"{root.as_posix().rstrip('/')}/{glob}"]  # files displayed absolute
    if root == cwd:
        variants.insert(0, glob)
    elif cwd in root.parents:
        variants.insert(0, f"{root.relative_to(cwd).as_posix()}/{glob}")
    elif root in cwd.parents:
        below = cwd.relative_to(root).as_posix() + "/"
        if glob.startswith(below):
            variants.insert(0, glob[len(below) :])
        elif glob.startswith("*"):
            variants.insert(0, glob)
    return variants
