"""Which databases the project runs on (for MF002's inverse SQL), learnt without importing
anything: ``--dialect``, else ``dialect`` in ``[tool.migration-fixer]``, else the project's
settings files when exactly one database engine appears in them (an ``ENGINE`` string
literal, or a dj-database-url / django-environ default URL), else unknown (then only
inverses that are the same on PostgreSQL, MySQL/MariaDB and SQLite are written)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from migration_fixer.source import read_text_file

DIALECTS = ("postgresql", "mysql", "sqlite")
_ALIASES = {"postgres": "postgresql", "mariadb": "mysql"}

_ENGINE = re.compile(
    r"""["']django(?:\.contrib\.gis)?\.db\.backends\.(postgresql(?:_psycopg2)?|postgis|mysql|"""
    r"""sqlite3|spatialite|oracle)["']"""
)
_URL = re.compile(
    r"""["'](postgres|postgresql|pgsql|postgis|mysql|mysql2|mysqlgis|mariadb|sqlite|spatialite|oracle)://"""
)
_ENGINES = {
    "postgresql": "postgresql",
    "postgresql_psycopg2": "postgresql",
    "postgis": "postgresql",
    "postgres": "postgresql",
    "pgsql": "postgresql",
    "mysql": "mysql",
    "mysql2": "mysql",
    "mysqlgis": "mysql",
    "mariadb": "mysql",
    "sqlite3": "sqlite",
    "sqlite": "sqlite",
    "spatialite": "sqlite",
    "oracle": "oracle",
}
_SKIP = {".git", ".hg", ".tox", ".nox", ".venv", "venv", "node_modules", "site-packages", ".eggs"}
#: Folders that hold no settings: a migration whose name ends in ``settings.py``
#: (``0008_usersettings.py``) is not read as one (a data migration may name an engine).
_NO_SETTINGS = {"migrations", "__pycache__"}
_DEPTH = 5
#: Folders of test, example, template and documentation projects: their settings say which database
#: the tests run on (often SQLite), not which one the project is deployed on (a reusable
#: app's ``t/proj/settings.py``, django-celery-beat's, named SQLite and got it SQLite's
#: inverse, which MySQL refused).
_TEST_FOLDERS = {
    "t",
    "test",
    "tests",
    "testing",
    "testproject",
    "test_project",
    "testapp",
    "test_app",
    "example",
    "examples",
    "example_project",
    "sandbox",
    "docs",
    # ``startproject``/``startapp`` templates (wagtail's names SQLite for new sites)
    "project_template",
    "app_template",
}
_TEST_NAME = re.compile(r"(?:^|_)(?:tests?|testing)(?=_|$|settings)")


class DialectError(ValueError):
    pass


def parse(value: object, where: str) -> tuple[str, ...]:
    """``"postgresql"``, ``"postgresql,sqlite"`` or a list of names -> known dialects."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise DialectError(f"{where}: expected a dialect or a list of dialects, got {value!r}")
    chosen: list[str] = []
    for raw in items:
        name = _ALIASES.get(raw.strip().lower(), raw.strip().lower())
        if name not in DIALECTS:
            raise DialectError(
                f"{where}: unknown dialect {raw.strip()!r} (known: {', '.join(DIALECTS)})"
            )
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def settings_files(root: Path) -> list[Path]:
    """The settings files below ``root`` (at most :data:`_DEPTH` folders down, outside
    virtualenvs and migrations folders), in the order of a sorted top-down walk. Folders
    are followed as text, their depths counted along the walk (a ``Path`` per folder and
    per subfolder took most of the time on a tree of thousands of folders)."""
    found: list[Path] = []
    depths = {os.fspath(root): 0}
    for folder, dirs, files in os.walk(root):
        depth = depths.pop(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIP
            and d not in _NO_SETTINGS
            and not d.startswith(".")
            and depth < _DEPTH
            and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
        )
        for d in dirs:
            depths[os.path.join(folder, d)] = depth + 1
        in_settings = os.path.basename(folder) == "settings"
        for name in sorted(files):
            if name.endswith(".py") and (
                in_settings or name.startswith("settings") or name.endswith("settings.py")
            ):
                found.append(Path(folder, name))
    return found


def project_folder(path: Path, fallback: Path) -> Path:
    """The Django project ``path`` belongs to: the nearest folder at or above it holding a
    ``manage.py``, else ``fallback`` (the configuration's folder) when ``path`` is inside
    it, else ``path`` itself (the settings of the folder the tool runs from say nothing of
    a project elsewhere)."""
    start = path.resolve()
    for folder in [start, *start.parents] if start.is_dir() else start.parents:
        if (folder / "manage.py").is_file():
            return folder
    root = fallback.resolve()
    if start == root or root in start.parents:
        return fallback
    return start if start.is_dir() else start.parent


def detect(root: Path, settings: Sequence[Path] | None = None) -> tuple[tuple[str, ...], str]:
    """The dialect the settings files below ``root`` (``settings``, when the caller has
    listed them) name, and where it was found; or ``()`` and why not."""
    engines: dict[str, str] = {}
    skipped: list[str] = []
    for path in settings_files(root) if settings is None else settings:
        shown = path.relative_to(root).as_posix()
        if for_tests(shown):
            skipped.append(shown)
            continue
        try:
            text = read_text_file(path, errors="replace")  # (a FIFO is not read)
        except OSError:
            continue
        for match in [*_ENGINE.finditer(text), *_URL.finditer(text)]:
            engine = _ENGINES[match.group(1)]
            line = text.count("\n", 0, match.start()) + 1
            engines.setdefault(engine, f"{shown}:{line}")
    if len(engines) == 1:
        engine, where = next(iter(engines.items()))
        if engine in DIALECTS:
            return (engine,), f"the database engine in {where}"
        return (), f"{engine} (in {where}) is not a dialect the fixer writes SQL for"
    if engines:
        listed = ", ".join(f"{e} ({w})" for e, w in sorted(engines.items()))
        return (), f"several database engines in the settings: {listed}"
    if skipped:
        return (), (
            "no database engine found in the settings files, test settings aside "
            f"({', '.join(skipped[:3])}{', ...' if len(skipped) > 3 else ''})"
        )
    return (), "no database engine found in the settings files"


def for_tests(relative: str) -> bool:
    """Whether the settings file at ``relative`` (a path below the project's folder, with
    ``/``) configures tests, an example or the docs: it is in a folder of those
    (:data:`_TEST_FOLDERS`), or its name says tests (``test_settings.py``,
    ``settings/test.py``, ``settings_tests.py``, ``testsettings.py``). (Even when
    ``manage.py`` names it: a reusable app's ``manage.py`` runs its test project.)"""
    *folders, name = relative.lower().split("/")
    return bool(_TEST_FOLDERS.intersection(folders)) or bool(_TEST_NAME.search(name[:-3]))


def describe(dialects: Sequence[str], source: str) -> str:
    """The ``--verbose`` line."""
    if dialects:
        return f"SQL dialect: {', '.join(dialects)} (from {source})"
    return (
        f"SQL dialect: unknown ({source}); only inverses that are the same on "
        f"{', '.join(DIALECTS)} are written"
    )
