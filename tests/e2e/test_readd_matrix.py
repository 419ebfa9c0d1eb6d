"""docs/readd-matrix.md for real: what rolling back a RemoveField does, per field shape and
database.

For every shape: 0001 creates a model with the field, 0002 inserts two rows, a later migration
removes the field; then the removal is unapplied with the real `migrate` command and the outcome
recorded: "works" (Django re-added the column with its effective default), "fails: <database
error>", or "silently filled: <values>" (the migration succeeded although Django had no value to
give: the database made one up, and the application reads it back as shown after "->").

The expectations below were recorded on SQLite 3 (Python's), PostgreSQL 15 and MariaDB 10.11
(sql_mode STRICT_TRANS_TABLES) with Django 5.2; if a version changes this behaviour, this test says
so. Set MIGRATION_FIXER_READD_MATRIX_DIR to keep the raw results, and regenerate
docs/readd-matrix.md with `python -m tests.e2e.readd_project DIR > docs/readd-matrix.md`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from .harness import DbBackend, run_manage
from .readd_project import SHAPES, build_readd_project, outcome

NOT_NULL = {
    "sqlite": "fails: NOT NULL constraint failed",
    "postgresql": "fails: contains null values",
}


def filled(values: str) -> dict[str, str]:
    return {**NOT_NULL, "mariadb": f"silently filled: {values}"}


def everywhere(result: str) -> dict[str, str]:
    return {"sqlite": result, "postgresql": result, "mariadb": result}


EMPTY = "['', ''] -> ['', '']"
ZERO = "[0, 0] -> [0, 0]"

# "fails: X" matches an error containing X; "works" matches any values, "works: V" exactly V.
EXPECTED: dict[str, dict[str, str]] = {
    "char": filled(EMPTY),
    "text": filled(EMPTY),
    "slug": filled(EMPTY),
    "integer": filled(ZERO),
    "float": filled("[0.0, 0.0] -> [0.0, 0.0]"),
    "boolean": filled("[0, 0] -> [False, False]"),
    "datetime": filled(
        "['0000-00-00 00:00:00.000000', '0000-00-00 00:00:00.000000'] -> [None, None]"
    ),
    "date": filled("['0000-00-00', '0000-00-00'] -> [None, None]"),
    "json": filled(EMPTY),
    "binary": filled("[\"b''\", \"b''\"] -> [b'', b'']"),
    "integer_blank": filled(ZERO),
    "decimal_blank": filled("['0.00', '0.00'] -> [Decimal('0.00'), Decimal('0.00')]"),
    "char_blank_default_none": filled(EMPTY),
    "foreign_key": {**NOT_NULL, "mariadb": "fails: (1452, 'Cannot add or update a child row"},
    "one_to_one": {**NOT_NULL, "mariadb": "fails: (1452, 'Cannot add or update a child row"},
    "char_unique_default": {
        "sqlite": "fails: UNIQUE constraint failed",
        "postgresql": "fails: could not create unique index",
        "mariadb": "fails: (1062, \"Duplicate entry 'x' for key 'value'\")",
    },
    "uuid_unique_default": {
        "sqlite": "fails: UNIQUE constraint failed",
        "postgresql": "fails: could not create unique index",
        "mariadb": "fails: (1062, \"Duplicate entry '",
    },
    "char_null": everywhere("works: [None, None]"),
    "foreign_key_null": everywhere("works: [None, None]"),
    "char_default": everywhere("works: ['x', 'x']"),
    "integer_default": everywhere("works: [7, 7]"),
    "integer_db_default": everywhere("works: [7, 7]"),
    "char_blank": everywhere("works: ['', '']"),
    "text_blank": everywhere("works: ['', '']"),
    "email_blank": everywhere("works: ['', '']"),
    "binary_blank": everywhere("works: [\"b''\", \"b''\"]"),
    "datetime_auto_now": everywhere("works (same value in every row)"),
    "datetime_auto_now_add": everywhere("works (same value in every row)"),
    "json_default_dict": everywhere("works: ['{}', '{}']"),
    "uuid_default": everywhere("works (same value in every row)"),
    "char_preserve_default_false": filled(EMPTY),
}


def server_version(db: DbBackend) -> str:
    if db.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    if db.vendor == "postgresql":
        return str(db.query("SHOW server_version")[0][0])
    version, sql_mode = db.query("SELECT VERSION(), @@SESSION.sql_mode")[0]
    return f"{version} (sql_mode {sql_mode})"


def matches(expected: str, observed: str) -> bool:
    if expected.startswith("fails: "):
        return observed.startswith("fails: ") and expected.removeprefix("fails: ") in observed
    return observed == expected


def test_readd_matrix(db_backend: DbBackend, tmp_path: Path) -> None:
    assert set(EXPECTED) == {shape.key for shape in SHAPES}
    started = time.perf_counter()
    spec = build_readd_project(tmp_path / "project")
    project = spec.parent

    forward = run_manage(project, "migrate", "readd", db=db_backend, settings="readd_settings")
    assert forward.returncode == 0, forward.describe()
    # every removal ran with two rows in its table
    assert {db_backend.count(f"readd_{shape.model.lower()}") for shape in SHAPES} == {2}

    rollback = run_manage(
        project, "readd_rollback", str(spec), db=db_backend, settings="readd_settings"
    )
    assert rollback.returncode == 0, rollback.describe()
    results: list[dict[str, Any]] = json.loads(rollback.stdout)
    elapsed = time.perf_counter() - started

    record = {
        "backend": db_backend.name,
        "version": server_version(db_backend),
        "seconds": round(elapsed, 2),
        "results": results,
    }
    out_dir = os.environ.get("MIGRATION_FIXER_READD_MATRIX_DIR")
    if out_dir:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / f"{db_backend.name}.json").write_text(json.dumps(record, indent=1))

    observed = {result["key"]: outcome(result) for result in results}
    mismatches = {
        key: f"expected {EXPECTED[key][db_backend.name]!r}, observed {observed[key]!r}"
        for key in EXPECTED
        if not matches(EXPECTED[key][db_backend.name], observed[key])
    }
    assert not mismatches, "\n".join(f"{key}: {why}" for key, why in mismatches.items())
