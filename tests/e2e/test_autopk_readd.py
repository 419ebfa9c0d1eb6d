"""Rolling back the removal of an auto-generated primary key, for real, and MF003's verdict on
the same migrations (docs/readd-matrix.md, "Auto-generated keys").

The project (tests/e2e/autopk_project.py) gives each scenario a model with an `id` auto field
and three rows (their keys 2, 3, 4: a first row is deleted), then a migration that gives the
model another primary key and removes `id`, in the shapes released projects use. Each migration
is applied, then all are unapplied newest first with the real `migrate` command, and each
outcome recorded: "works: ids [...]" (the re-added key's values for the rows, ordered by `code`,
and the key of a row created afterwards through the restored model), "fails: <error>" (the
rollback), or "cannot be applied: <error>" (the forward migration).

Recorded on SQLite 3 (Python's), PostgreSQL 15 and MariaDB 10.11 with Django 5.2. Then MF003
runs on the same migrations folder with `--dialect` set to the database's: it must report
exactly the migrations whose rollback fails there, say "cannot determine" exactly for the ones
the database cannot apply, and pass the others. Set MIGRATION_FIXER_AUTOPK_DIR to keep the raw
results, and print the docs table with `python -m tests.e2e.autopk_project DIR`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .autopk_project import SCENARIOS, build_autopk_project, outcome
from .harness import DbBackend, run_fixer, run_manage

WORKS = "works: ids [1, 2, 3], a new row gets 4"

EXPECTED: dict[str, dict[str, str]] = {
    "auto_pk_after": {"sqlite": WORKS, "postgresql": WORKS, "mariadb": WORKS},
    "big_auto_pk_after": {"sqlite": WORKS, "postgresql": WORKS, "mariadb": WORKS},
    "small_auto_pk_after": {"sqlite": WORKS, "postgresql": WORKS, "mariadb": WORKS},
    "auto_pk_then_rename_after": {"sqlite": WORKS, "postgresql": WORKS, "mariadb": WORKS},
    "auto_rename_after": {
        "sqlite": "fails: OperationalError: duplicate column name: id",
        "postgresql": WORKS,
        "mariadb": WORKS,
    },
    "big_auto_rename_after": {
        "sqlite": "fails: OperationalError: duplicate column name: id",
        "postgresql": WORKS,
        "mariadb": WORKS,
    },
    "auto_add_after": dict.fromkeys(
        ("sqlite", "postgresql", "mariadb"), "works: ids [1], a new row gets 2"
    ),
    "auto_pk_before": {
        "sqlite": WORKS,
        "postgresql": "cannot be applied: ProgrammingError: multiple primary keys for table "
        '"autopk_pkautopkbefore" are not allowed',
        "mariadb": "cannot be applied: OperationalError: (1068, 'Multiple primary key defined')",
    },
}

DIALECT = {"sqlite": "sqlite", "postgresql": "postgresql", "mariadb": "mysql"}


def test_autopk_readd(db_backend: DbBackend, tmp_path: Path) -> None:
    assert set(EXPECTED) == {scenario.key for scenario in SCENARIOS}
    spec_path = build_autopk_project(tmp_path / "project")
    project = spec_path.parent
    spec: list[dict[str, Any]] = json.loads(spec_path.read_text())

    done = run_manage(
        project, "autopk_rollback", str(spec_path), db=db_backend, settings="autopk_settings"
    )
    assert done.returncode == 0, done.describe()
    results: list[dict[str, Any]] = json.loads(done.stdout)
    out_dir = os.environ.get("MIGRATION_FIXER_AUTOPK_DIR")
    if out_dir:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        record = {"backend": db_backend.name, "results": results}
        (Path(out_dir) / f"{db_backend.name}.json").write_text(json.dumps(record, indent=1))

    observed = {result["key"]: outcome(result) for result in results}
    assert observed == {key: by_backend[db_backend.name] for key, by_backend in EXPECTED.items()}

    # MF003 on the same migrations, for this database.
    checked = run_fixer(
        "--check",
        "--no-cache",
        "--select",
        "MF003",
        "--dialect",
        DIALECT[db_backend.name],
        "--output-format",
        "json",
        "autopk/migrations",
        cwd=project,
    )
    findings = json.loads(checked.stdout)["findings"]
    by_migration = {Path(f["path"]).stem: f["message"] for f in findings}
    assert len(by_migration) == len(findings), findings
    migration = {item["key"]: item["migration"] for item in spec}
    expected_findings = {
        migration[key]: observed[key].partition(":")[0]
        for key in EXPECTED
        if not observed[key].startswith("works")
    }
    assert {
        name: "cannot be applied" if message.startswith("cannot determine") else "fails"
        for name, message in by_migration.items()
    } == expected_findings
