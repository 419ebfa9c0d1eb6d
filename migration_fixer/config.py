"""Run configuration: ``[tool.migration-fixer]`` in the nearest pyproject.toml, merged with
the command line (which wins)."""

from __future__ import annotations

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

from migration_fixer.rules import RULES_BY_CODE


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
    select: frozenset[str] = frozenset(RULES_BY_CODE)
    exclude: tuple[str, ...] = ()
    extend_include: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    since: str | None = None
    allow_dirty: bool = False
    jobs: int | None = None
    output_format: str = "text"
    strategy: str = "nullable"
    root: Path = field(default_factory=Path.cwd)


_KEYS = {"select", "ignore", "exclude", "extend-include", "per-file-ignores", "strategy"}


def parse_codes(value: str | Sequence[str], where: str) -> frozenset[str]:
    """``"MF001,MF002"`` or a list of codes -> a set of known codes (prefixes allowed:
    ``MF`` selects every rule, ``MF00`` the first nine)."""
    items = value.split(",") if isinstance(value, str) else list(value)
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


def load_file_settings(pyproject: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{pyproject}: cannot read: {exc}") from exc
    section = data.get("tool", {}).get("migration-fixer", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.migration-fixer] must be a table")
    unknown = sorted(set(section) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{pyproject}: unknown key {unknown[0]!r} in [tool.migration-fixer] "
            f"(known: {', '.join(sorted(_KEYS))})"
        )
    return section


def _str_list(settings: Mapping[str, Any], key: str, where: Path) -> tuple[str, ...]:
    value = settings.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: [tool.migration-fixer] {key} must be a list of strings")
    return tuple(value)


def build_config(
    *,
    paths: Sequence[Path],
    mode: Mode,
    select: str | None,
    ignore: str | None,
    since: str | None = None,
    allow_dirty: bool = False,
    jobs: int | None = None,
    output_format: str = "text",
    strategy: str | None = None,
    config_file: Path | None = None,
) -> Config:
    """Merge pyproject settings (if any) with command-line options."""
    roots = list(paths) or [Path(".")]
    pyproject = config_file or find_pyproject(roots[0])
    settings: dict[str, Any] = load_file_settings(pyproject) if pyproject else {}
    where = pyproject or Path("pyproject.toml")
    chosen = (
        parse_codes(select, "--select")
        if select is not None
        else parse_codes(settings["select"], f"{where}: select")
        if "select" in settings
        else frozenset(RULES_BY_CODE)
    )
    ignored: frozenset[str] = frozenset()
    if "ignore" in settings:
        ignored |= parse_codes(settings["ignore"], f"{where}: ignore")
    if ignore is not None:
        ignored |= parse_codes(ignore, "--ignore")
    per_file = settings.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{where}: [tool.migration-fixer] per-file-ignores must be a table")
    per_file_ignores = tuple(
        (pattern, parse_codes(codes, f"{where}: per-file-ignores[{pattern!r}]"))
        for pattern, codes in per_file.items()
    )
    chosen_strategy = strategy or settings.get("strategy", "nullable")
    if chosen_strategy not in ("nullable", "db-default"):
        raise ConfigError(f"{where}: strategy must be 'nullable' or 'db-default'")
    return Config(
        paths=tuple(roots),
        mode=mode,
        select=chosen - ignored,
        exclude=_str_list(settings, "exclude", where),
        extend_include=_str_list(settings, "extend-include", where),
        per_file_ignores=per_file_ignores,
        since=since,
        allow_dirty=allow_dirty,
        jobs=jobs,
        output_format=output_format,
        strategy=chosen_strategy,
        root=pyproject.parent if pyproject else Path.cwd(),
    )
