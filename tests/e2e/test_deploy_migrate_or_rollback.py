"""`manage.py migrate_or_rollback` for real, on SQLite, PostgreSQL and MariaDB, with rows in the
tables: a failing deploy ends where it started (same migrations, same schema, same rows), a
second database alias, an app going back to zero, a migration applied earlier out of order kept,
the plan check, MariaDB's half-applied migration, a leftover index named, Ctrl-C, the output."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .deploy_helpers import DeployProject, migration_source
from .harness import CommandResult, DbBackend, run_fixer, scratch_database, subprocess_env

ROWS_SQL = (
    "INSERT INTO beta_owner (email) VALUES ('a@example.com')",  # id 1
    "INSERT INTO alpha_item (name, qty, owner_id) VALUES ('one', 1, 1)",
    "INSERT INTO gamma_tag (label) VALUES ('t')",  # id 1
)

ALPHA_0002 = migration_source(
    [("alpha", "0001_initial")],
    """\
    migrations.AddField("item", "price", models.IntegerField(default=1)),
    migrations.AddIndex("item", models.Index(fields=["price"], name="alpha_price_idx")),
    """,
)
BETA_0002 = migration_source(
    [("beta", "0001_initial")],
    """\
    migrations.AddField("owner", "nick", models.CharField(max_length=10, default="x")),
    """,
)
#: The last migration of the plan: its first operation works, its second fails while
#: gamma_tag holds the row with id 1.
GAMMA_0002 = migration_source(
    [("gamma", "0001_initial"), ("alpha", "0002_price"), ("beta", "0002_nick")],
    """\
    migrations.AddField("tag", "weight", models.IntegerField(default=0)),
    migrations.RunSQL(
        "INSERT INTO gamma_tag (id, label, weight) VALUES (1, 'dup', 0)",
        reverse_sql="DELETE FROM gamma_tag WHERE label = 'dup'",
    ),
    """,
)

#: An operation that fails on every backend.
BOOM = 'migrations.RunSQL("INSERT INTO no_such_table VALUES (1)", migrations.RunSQL.noop),\n'

DUPLICATE = {
    "sqlite": "IntegrityError: UNIQUE constraint failed: gamma_tag.id",
    "postgresql": 'IntegrityError: duplicate key value violates unique constraint "gamma_tag_pkey" '
    "DETAIL: Key (id)=(1) already exists.",
    "mariadb": "IntegrityError: (1062, \"Duplicate entry '1' for key 'PRIMARY'\")",
}


def timeless(text: str) -> str:
    """Timings vary: `(0.123s)` becomes `(T)`."""
    return re.sub(r"\(\d+\.\d{3}s\)", "(T)", text)


def rows(db: DbBackend) -> list[tuple[object, ...]]:
    return [
        *db.query("SELECT id, email FROM beta_owner ORDER BY id"),
        *db.query("SELECT name, qty, owner_id FROM alpha_item ORDER BY id"),
        *db.query("SELECT id, label FROM gamma_tag ORDER BY id"),
    ]


def seeded(tmp_path: Path, db: DbBackend, other: DbBackend | None = None) -> DeployProject:
    project = DeployProject.create(tmp_path, db, other)
    result = project.manage("migrate", "-v0")
    assert result.returncode == 0, result.describe()
    for sql in ROWS_SQL:
        db.query(sql)
    return project


def snapshot_equal(project: DeployProject, path: Path, *args: str) -> CommandResult:
    return project.manage("schema_snapshot", "--compare", str(path), *args)


def test_failing_deploy_ends_at_the_starting_point(db_backend: DbBackend, tmp_path: Path) -> None:
    project = seeded(tmp_path, db_backend)
    before_rows = rows(db_backend)
    project.write("alpha", "0002_price", ALPHA_0002)
    project.write("beta", "0002_nick", BETA_0002)
    project.write("gamma", "0002_boom", GAMMA_0002)
    snap = tmp_path / "before.json"
    result = project.manage("migrate_or_rollback", "--snapshot-file", str(snap))
    undo = ""
    if db_backend.name == "mariadb":
        # No transactional DDL: the AddField that ran is undone first.
        undo = "  Undoing gamma.0002_boom operation 1 (Add field weight to tag)... OK (T)\n"
    assert (result.returncode, timeless(result.stdout), timeless(result.stderr)) == (
        1,
        "Starting point on database 'default': alpha 0001_initial; beta 0001_initial; "
        "gamma 0001_initial\n"
        f"  Schema snapshot: 4 tables (T), written to {snap}\n"
        "Operations to perform:\n"
        "  Apply all migrations: alpha, beta, gamma\n"
        "Running migrations:\n"
        "  Applying alpha.0002_price... OK (T)\n"
        "  Applying beta.0002_nick... OK (T)\n"
        "  Applying gamma.0002_boom... FAILED\n",
        "gamma.0002_boom, operation 2 (Raw SQL operation) failed: "
        f"{DUPLICATE[db_backend.name]}\n"
        "Rolling back what this run applied on database 'default':\n"
        f"{undo}"
        "  Unapplying beta.0002_nick... OK (T)\n"
        "  Unapplying alpha.0002_price... OK (T)\n"
        "Final state of database 'default': alpha 0001_initial; beta 0001_initial; "
        "gamma 0001_initial\n"
        "Schema: identical to the snapshot taken before migrating.\n"
        "CommandError: migration failed; rolled back to the starting point\n",
    )
    assert project.applied() == ["alpha.0001_initial", "beta.0001_initial", "gamma.0001_initial"]
    assert rows(db_backend) == before_rows
    same = snapshot_equal(project, snap)
    assert same.returncode == 0, same.describe()
    # The cause removed, the retry works (on MariaDB: no "Duplicate column 'weight'").
    db_backend.query("DELETE FROM gamma_tag WHERE id = 1")
    retry = project.manage("migrate_or_rollback", "-v0")
    assert (retry.returncode, retry.stdout, retry.stderr) == (0, "", "")
    assert project.applied()[-3:] == ["beta.0002_nick", "gamma.0001_initial", "gamma.0002_boom"]
    assert db_backend.query("SELECT label, weight FROM gamma_tag") == [("dup", 0)]
    assert db_backend.query("SELECT name, price FROM alpha_item") == [("one", 1)]


@contextmanager
def second_database(backend: str, tmp_path: Path) -> Iterator[DbBackend]:
    folder = tmp_path / "other"
    folder.mkdir()
    with scratch_database(backend, folder) as db:
        yield db


def test_other_alias_app_back_to_zero_and_out_of_order_kept(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    """`--database other`: migrated and rolled back there, `default` untouched; gamma had
    nothing applied and goes back to zero; alpha.0002_b, applied before the run (out of order
    with 0002_a), stays applied while 0002_a and the merge are unapplied."""
    with second_database(db_backend.name, tmp_path) as other:
        project = seeded(tmp_path, db_backend, other)
        default_applied = project.applied()
        default_rows = rows(db_backend)
        default_snap = tmp_path / "default.json"
        assert project.manage("schema_snapshot", "-o", str(default_snap)).returncode == 0
        project.write(
            "alpha",
            "0002_a",
            migration_source(
                [("alpha", "0001_initial")],
                'migrations.AddField("item", "a", models.IntegerField(default=1)),\n',
            ),
        )
        project.write(
            "alpha",
            "0002_b",
            migration_source(
                [("alpha", "0001_initial")],
                'migrations.AddField("item", "b", models.IntegerField(null=True)),\n',
            ),
        )
        project.write(
            "alpha", "0003_merge", migration_source([("alpha", "0002_a"), ("alpha", "0002_b")], "")
        )
        project.write(
            "gamma",
            "0002_boom",
            migration_source(
                [("gamma", "0001_initial"), ("alpha", "0003_merge")],
                BOOM,
            ),
        )
        for args in (("beta",), ("alpha", "0002_b")):
            done = project.manage("migrate", *args, "--database", "other", "-v0")
            assert done.returncode == 0, done.describe()
        other.query("INSERT INTO beta_owner (id, email) VALUES (7, 'o@example.com')")
        other.query("INSERT INTO alpha_item (name, qty, owner_id, b) VALUES ('x', 2, 7, 5)")
        start = project.applied(other)
        assert start == ["alpha.0001_initial", "alpha.0002_b", "beta.0001_initial"]
        snap = tmp_path / "other.json"
        result = project.manage(
            "migrate_or_rollback", "--database", "other", "--snapshot-file", str(snap)
        )
        assert result.returncode == 1, result.describe()
        assert timeless(result.stdout).splitlines()[0] == (
            "Starting point on database 'other': alpha 0002_b; gamma zero"
        )
        stderr = timeless(result.stderr)
        assert "Rolling back what this run applied on database 'other':\n" in stderr
        assert stderr.endswith(
            "  Unapplying gamma.0001_initial... OK (T)\n"
            "  Unapplying alpha.0003_merge... OK (T)\n"
            "  Unapplying alpha.0002_a... OK (T)\n"
            "Final state of database 'other': alpha 0002_b; gamma zero\n"
            "Schema: identical to the snapshot taken before migrating.\n"
            "CommandError: migration failed; rolled back to the starting point\n"
        )
        assert project.applied(other) == start
        assert "gamma_tag" not in other.tables()
        assert other.query("SELECT name, qty, owner_id, b FROM alpha_item") == [("x", 2, 7, 5)]
        # `default` was not touched.
        assert project.applied() == default_applied
        assert rows(db_backend) == default_rows
        assert snapshot_equal(project, default_snap).returncode == 0
        assert snapshot_equal(project, snap, "--database", "other").returncode == 0


SKU_FIELD = '''\
from django.db import models


class SkuField(models.CharField):
    """Non-null with no default: only the loaded class knows (the migration says SkuField())."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)


class NoteField(models.TextField):
    """Always nullable: safe to remove, though the migration says NoteField()."""

    def __init__(self, *args, **kwargs):
        kwargs["null"] = True
        super().__init__(*args, **kwargs)
'''


def write_fields(project: DeployProject, more: str = "") -> None:
    """alpha.0002_fields: a ``SkuField`` (a project field class, whose module the migration
    imports) added with a one-off default, then ``more`` operations."""
    (project.root / "alpha" / "fields.py").write_text(SKU_FIELD)
    operations = (
        "migrations.AddField(\n"
        '    "item", "sku", alpha.fields.SkuField(default="?"), preserve_default=False\n'
        "),\n" + more
    )
    project.write(
        "alpha",
        "0002_fields",
        migration_source([("alpha", "0001_initial")], operations, header="import alpha.fields\n"),
    )


def test_irreversible_plan_is_refused_and_the_database_untouched(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    project = seeded(tmp_path, db_backend)
    write_fields(project, 'migrations.AddField("item", "memo", alpha.fields.NoteField()),\n')
    migrate = project.manage("migrate", "alpha", "-v0")
    assert migrate.returncode == 0, migrate.describe()
    project.write(
        "alpha",
        "0003_cleanup",
        migration_source(
            [("alpha", "0002_fields")],
            """\
            migrations.RemoveField("item", "memo"),
            migrations.RemoveField("item", "sku"),
            migrations.RemoveField("item", "note"),
            """,
        ),
    )
    project.write(
        "beta",
        "0002_data",
        migration_source(
            [("beta", "0001_initial")],
            "migrations.RunPython(forwards),\n",
            header="\n\ndef forwards(apps, schema_editor):\n    pass\n",
        ),
    )
    snap = tmp_path / "before.json"
    assert project.manage("schema_snapshot", "-o", str(snap)).returncode == 0
    before = project.applied()
    result = project.manage("migrate_or_rollback")
    assert (result.returncode, timeless(result.stdout), result.stderr) == (
        1,
        "Starting point on database 'default': alpha 0002_fields; beta 0001_initial\n",
        "The rollback of this plan would not work; nothing was applied:\n"
        "  alpha.0003_cleanup: operation 2: RemoveField item.sku: non-null `SkuField` (a "
        "CharField) with no default: re-adding it fails on SQLite and PostgreSQL, and "
        "MySQL/MariaDB silently fill every row with ''\n"
        "  beta.0002_data: operation 1: RunPython has no reverse_code: Django cannot unapply it\n"
        "Fix the migrations (then review and commit the result):\n"
        "  migration-fixer alpha/migrations/0003_cleanup.py beta/migrations/0002_data.py\n"
        "or run anyway with --allow-irreversible (a rollback would stop there).\n"
        "CommandError: the plan cannot be rolled back (see above)\n",
    )
    assert project.applied() == before
    assert snapshot_equal(project, snap).returncode == 0
    # --plan, a dry run, says what the run would refuse (and exits 0, as migrate --plan).
    plan = project.manage("migrate_or_rollback", "--plan")
    assert (plan.returncode, plan.stderr) == (
        0,
        "A run would refuse this plan: its rollback would not work (--allow-irreversible runs "
        "it anyway):\n"
        "  alpha.0003_cleanup: operation 2: RemoveField item.sku: non-null `SkuField` (a "
        "CharField) with no default: re-adding it fails on SQLite and PostgreSQL, and "
        "MySQL/MariaDB silently fill every row with ''\n"
        "  beta.0002_data: operation 1: RunPython has no reverse_code: Django cannot unapply it\n",
    )
    assert plan.stdout.startswith("Planned operations:\n"), plan.describe()
    assert project.applied() == before
    # Anyway, with a failure after the irreversible ones: the rollback stops at the first.
    project.write(
        "gamma",
        "0002_boom",
        migration_source(
            [("gamma", "0001_initial"), ("alpha", "0003_cleanup"), ("beta", "0002_data")],
            BOOM,
        ),
    )
    forced = project.manage("migrate_or_rollback", "--allow-irreversible", "-v0")
    assert forced.returncode == 2, forced.describe()
    stderr = timeless(forced.stderr)
    assert stderr.startswith(
        "Warning: the rollback of this plan would stop at these operations "
        "(--allow-irreversible):\n"
        "  alpha.0003_cleanup: operation 2: RemoveField item.sku: non-null `SkuField` (a "
        "CharField) with no default: re-adding it fails on SQLite and PostgreSQL, and "
        "MySQL/MariaDB silently fill every row with ''\n"
        "  beta.0002_data: operation 1: RunPython has no reverse_code: Django cannot unapply it\n"
        "gamma.0002_boom, operation 1 (Raw SQL operation) failed: "
    )
    assert stderr.endswith(
        "Rolling back what this run applied on database 'default':\n"
        "  Stopping at beta.0002_data: its rollback would not work (beta.0002_data: operation 1: "
        "RunPython has no reverse_code: Django cannot unapply it)\n"
        "Final state of database 'default': alpha 0003_cleanup; beta 0002_data; gamma "
        "0001_initial\n"
        "The rollback did not finish; still applied by this run: beta.0002_data, "
        "alpha.0003_cleanup\n"
        "To return to the starting point, make beta.0002_data reversible (migration-fixer "
        "beta/migrations/0002_data.py), then run:\n"
        "  python manage.py migrate beta 0001_initial\n"
        "  python manage.py migrate alpha 0002_fields\n"
        "CommandError: the rollback failed: the database is not at its starting point\n"
    )


def _half_applied(db: DbBackend) -> str:
    """A failing migration's attributes that leave its first operations in the database: on
    MariaDB (no transactional DDL) none are needed; elsewhere ``atomic = False``."""
    return "" if db.name == "mariadb" else "atomic = False\n"


def test_half_applied_migration_with_an_irreversible_operation(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    """--allow-irreversible; the failing migration ran a RunPython without reverse, then an
    AddField: the AddField is undone, the undo stops at the RunPython, and the report says
    that the database is not at the start (it said "rolled back to the starting point", the
    failed step glued to the next line, and listed the undone AddField as left)."""
    project = seeded(tmp_path, db_backend)
    project.write("alpha", "0002_price", ALPHA_0002)
    project.write(
        "gamma",
        "0002_boom",
        migration_source(
            [("gamma", "0001_initial"), ("alpha", "0002_price")],
            "migrations.RunPython(forwards),\n"
            'migrations.AddField("tag", "weight", models.IntegerField(default=0)),\n' + BOOM,
            header="\n\ndef forwards(apps, schema_editor):\n    pass\n",
            attributes=_half_applied(db_backend),
        ),
    )
    snap = tmp_path / "before.json"
    result = project.manage(
        "migrate_or_rollback", "--allow-irreversible", "--snapshot-file", str(snap)
    )
    assert result.returncode == 2, result.describe()
    assert timeless(result.stdout).endswith(
        "  Applying alpha.0002_price... OK (T)\n  Applying gamma.0002_boom... FAILED\n"
    )
    head, failed, tail = timeless(result.stderr).partition(
        "gamma.0002_boom, operation 3 (Raw SQL operation) failed: "
    )
    assert head == (
        "Warning: the rollback of this plan would stop at these operations "
        "(--allow-irreversible):\n"
        "  gamma.0002_boom: operation 1: RunPython has no reverse_code: Django cannot unapply it\n"
    ), result.stderr
    assert failed, result.stderr
    assert tail.split("\n", 1)[1] == (
        "Rolling back what this run applied on database 'default':\n"
        "  Undoing gamma.0002_boom operation 2 (Add field weight to tag)... OK (T)\n"
        "  Stopping at gamma.0002_boom operation 1 (Raw Python operation): it cannot be undone "
        "(RunPython has no reverse_code: Django cannot unapply it)\n"
        "Final state of database 'default': alpha 0002_price; gamma 0001_initial (plus what "
        "gamma.0002_boom operation 1 did, not undone)\n"
        "The rollback did not finish; gamma.0002_boom operation 1 ran and was not undone; "
        "still applied by this run: alpha.0002_price\n"
        "To return to the starting point, undo it by hand, then run:\n"
        "  python manage.py migrate alpha 0001_initial\n"
        "CommandError: the rollback failed: the database is not at its starting point\n"
    ), result.stderr
    # The RunPython did nothing to undo: the command printed is all it takes.
    done = project.manage("migrate", "alpha", "0001_initial", "-v0")
    assert done.returncode == 0, done.describe()
    assert project.applied() == AT_THE_START
    assert snapshot_equal(project, snap).returncode == 0


def test_half_applied_migration_whose_undo_fails(db_backend: DbBackend, tmp_path: Path) -> None:
    """The undo of an operation of the failed migration fails: its line ends with FAILED (the
    error was glued to it), the operation is named as not undone (not the one undone before
    it), and the run exits 2 (it said "rolled back to the starting point", exit 1)."""
    project = seeded(tmp_path, db_backend)
    project.write(
        "gamma",
        "0002_boom",
        migration_source(
            [("gamma", "0001_initial")],
            'migrations.RunSQL("SELECT 1", reverse_sql="DELETE FROM no_such_table"),\n'
            'migrations.AddField("tag", "weight", models.IntegerField(default=0)),\n' + BOOM,
            attributes=_half_applied(db_backend),
        ),
    )
    result = project.manage("migrate_or_rollback", "-v0")
    assert (result.returncode, result.stdout) == (2, ""), result.describe()
    lines = timeless(result.stderr).splitlines()
    assert lines[0].startswith("gamma.0002_boom, operation 3 (Raw SQL operation) failed: ")
    assert lines[1:4] == [
        "Rolling back what this run applied on database 'default':",
        "  Undoing gamma.0002_boom operation 2 (Add field weight to tag)... OK (T)",
        "  Undoing gamma.0002_boom operation 1 (Raw SQL operation)... FAILED",
    ], result.stderr
    assert lines[4].startswith("  Undoing the operations of gamma.0002_boom that ran failed: ")
    assert "no_such_table" in lines[4]
    assert lines[5:] == [
        "Final state of database 'default': gamma 0001_initial (plus what gamma.0002_boom "
        "operation 1 did, not undone)",
        "The rollback did not finish; gamma.0002_boom operation 1 ran and was not undone",
        "To return to the starting point, undo it by hand.",
        "CommandError: the rollback failed: the database is not at its starting point",
    ], result.stderr
    assert project.applied() == AT_THE_START
    assert "weight" not in {
        str(row[0]) for row in db_backend.query(_columns_sql(db_backend, "gamma_tag"))
    }


def _columns_sql(db: DbBackend, table: str) -> str:
    if db.vendor == "sqlite":
        return f"SELECT name FROM pragma_table_info('{table}')"
    schema = "DATABASE()" if db.vendor == "mysql" else "'public'"
    return (
        "SELECT column_name FROM information_schema.columns "
        f"WHERE table_name = '{table}' AND table_schema = {schema}"
    )


def test_a_blocked_removal_gets_what_works_by_hand(db_backend: DbBackend, tmp_path: Path) -> None:
    """--allow-irreversible; the rollback stops at a RemoveField of a non-null column without
    a default. migration-fixer cannot make an applied removal reversible (its MF003 fix changes
    what the migration does): the advice is the AlterField to insert, which works."""
    project = seeded(tmp_path, db_backend)
    write_fields(project)
    assert project.manage("migrate", "alpha", "-v0").returncode == 0
    project.write(
        "alpha",
        "0003_cleanup",
        migration_source([("alpha", "0002_fields")], 'migrations.RemoveField("item", "sku"),\n'),
    )
    project.write(
        "gamma",
        "0002_boom",
        migration_source([("gamma", "0001_initial"), ("alpha", "0003_cleanup")], BOOM),
    )
    snap = tmp_path / "before.json"
    result = project.manage(
        "migrate_or_rollback", "--allow-irreversible", "-v0", "--snapshot-file", str(snap)
    )
    assert result.returncode == 2, result.describe()
    assert timeless(result.stderr).endswith(
        "Rolling back what this run applied on database 'default':\n"
        "  Stopping at alpha.0003_cleanup: its rollback would not work (alpha.0003_cleanup: "
        "operation 1: RemoveField item.sku: non-null `SkuField` (a CharField) with no default: "
        "re-adding it fails on SQLite and PostgreSQL, and MySQL/MariaDB silently fill every row "
        "with '')\n"
        "Final state of database 'default': alpha 0003_cleanup; gamma 0001_initial\n"
        "The rollback did not finish; still applied by this run: alpha.0003_cleanup\n"
        "To return to the starting point, make the rollback of alpha.0003_cleanup work "
        "(alpha/migrations/0003_cleanup.py):\n"
        "  operation 1, Remove field sku from item: insert before it an AlterField that gives "
        "item.sku a default, which unapplying then writes into every row\n"
        "Then run:\n"
        "  python manage.py migrate alpha 0002_fields\n"
        "CommandError: the rollback failed: the database is not at its starting point\n"
    ), result.stderr
    # What it says, done.
    project.write(
        "alpha",
        "0003_cleanup",
        migration_source(
            [("alpha", "0002_fields")],
            """\
            migrations.AlterField("item", "sku", alpha.fields.SkuField(default="?")),
            migrations.RemoveField("item", "sku"),
            """,
            header="import alpha.fields\n",
        ),
    )
    done = project.manage("migrate", "alpha", "0002_fields", "-v0")
    assert done.returncode == 0, done.describe()
    assert project.applied() == [
        "alpha.0001_initial",
        "alpha.0002_fields",
        "beta.0001_initial",
        "gamma.0001_initial",
    ]
    assert db_backend.query("SELECT name, sku FROM alpha_item") == [("one", "?")]
    same = snapshot_equal(project, snap)
    assert same.returncode == 0, same.describe()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_blocked_migration_gets_migration_fixer_only_for_what_it_fixes(
    backend: str, tmp_path: Path
) -> None:
    """The rollback stops at a migration with two operations without reverse: migration-fixer
    writes one (a RunPython: MF001), not the other (a DROP TABLE it has no definition for:
    MF002's hint is passed on). Both done, the command printed works."""
    with scratch_database(backend, tmp_path) as db:
        project = seeded(tmp_path, db)
        db.query("CREATE TABLE legacy_log (id integer)")
        project.write(
            "beta",
            "0002_legacy",
            migration_source(
                [("beta", "0001_initial")],
                'migrations.RunSQL("DROP TABLE legacy_log"),\nmigrations.RunPython(forwards),\n',
                header="\n\ndef forwards(apps, schema_editor):\n    pass\n",
            ),
        )
        project.write(
            "gamma",
            "0002_boom",
            migration_source([("gamma", "0001_initial"), ("beta", "0002_legacy")], BOOM),
        )
        result = project.manage("migrate_or_rollback", "--allow-irreversible", "-v0")
        assert result.returncode == 2, result.describe()
        assert result.stderr.endswith(
            "The rollback did not finish; still applied by this run: beta.0002_legacy\n"
            "To return to the starting point, make the rollback of beta.0002_legacy work "
            "(beta/migrations/0002_legacy.py):\n"
            "  operation 1, Raw SQL operation: write its reverse by hand (migration-fixer has no "
            "fix: no certain inverse for `DROP TABLE legacy_log`: `DROP TABLE legacy_log` "
            "cannot be undone without the object's definition (no earlier `RunSQL` of this "
            "migrations folder creates it); a no-op reverse would leave the schema changed after "
            "a rollback that reports success: write `reverse_sql=` by hand)\n"
            "  operation 2, Raw Python operation: migration-fixer beta/migrations/0002_legacy.py "
            "writes its reverse\n"
            "Then run:\n"
            "  python manage.py migrate beta 0001_initial\n"
            "CommandError: the rollback failed: the database is not at its starting point\n"
        ), result.stderr
        path = project.root / "beta" / "migrations" / "0002_legacy.py"
        fixed = run_fixer(path, cwd=project.root)
        assert fixed.returncode == 1, fixed.describe()  # (the DROP TABLE is left)
        path.write_text(
            path.read_text().replace(
                '"DROP TABLE legacy_log"',
                '"DROP TABLE legacy_log", reverse_sql="CREATE TABLE legacy_log (id integer)"',
            )
        )
        done = project.manage("migrate", "beta", "0001_initial", "-v0")
        assert done.returncode == 0, done.describe()
        assert project.applied() == AT_THE_START
        assert "legacy_log" in db.tables()


def test_a_removal_from_a_table_the_run_creates(db_backend: DbBackend, tmp_path: Path) -> None:
    """A first install: the plan creates gamma_tag, then removes a non-null column of it.
    Not refused (django-oscar's catalogue 0002 was); the rollback re-adds the column to the
    empty table. With a row in it, the rollback stops there, before it would fail."""
    project = DeployProject.create(tmp_path, db_backend)
    add_code = (
        'migrations.AddField("tag", "code", models.CharField(max_length=5, default="x"), '
        "preserve_default=False),\n"
    )
    project.write("gamma", "0002_code", migration_source([("gamma", "0001_initial")], add_code))
    project.write(
        "gamma",
        "0003_remove_code",
        migration_source([("gamma", "0002_code")], 'migrations.RemoveField("tag", "code"),\n'),
    )
    project.write("gamma", "0004_boom", migration_source([("gamma", "0003_remove_code")], BOOM))
    done = project.manage("migrate_or_rollback")
    assert done.returncode == 1, done.describe()
    assert "  Unapplying gamma.0003_remove_code... OK" in done.stderr, done.describe()
    assert project.applied() == []
    # A row in the table by then (a data migration whose reverse does nothing).
    seed = "INSERT INTO gamma_tag (label, code) VALUES ('t', 'c')"
    project.write(
        "gamma",
        "0002_code",
        migration_source(
            [("gamma", "0001_initial")],
            add_code + f'migrations.RunSQL("{seed}", migrations.RunSQL.noop),\n',
        ),
    )
    stopped = project.manage("migrate_or_rollback")
    assert stopped.returncode == 2, stopped.describe()
    assert (
        "  Stopping at gamma.0003_remove_code: its rollback would not work "
        "(gamma.0003_remove_code: operation 1: RemoveField tag.code: non-null `CharField` with no "
        "default: "
    ) in stopped.stderr, stopped.describe()
    assert "; its table gamma_tag holds rows)" in stopped.stderr
    assert project.applied() == [
        "alpha.0001_initial",
        "beta.0001_initial",
        "gamma.0001_initial",
        "gamma.0002_code",
        "gamma.0003_remove_code",
    ]
    # Not "make gamma.0003_remove_code reversible (migration-fixer ...)": it has nothing to
    # fix there. Emptying the table lets the rollback through.
    advice = stopped.stderr.split("The rollback did not finish; ")[1].splitlines()
    assert advice[1:-1] == [
        "To return to the starting point, make the rollback of gamma.0003_remove_code work "
        "(gamma/migrations/0003_remove_code.py):",
        "  operation 1, Remove field code from tag: empty the table gamma_tag (this run created "
        "it, and the rollback drops it)",
        "Then run:",
        "  python manage.py migrate gamma zero",
        "  python manage.py migrate alpha zero",
        "  python manage.py migrate beta zero",
    ], stopped.stderr
    db_backend.query("DELETE FROM gamma_tag")
    for line in advice[4:-1]:
        done = project.manage(*line.split()[2:], "-v0")
        assert done.returncode == 0, done.describe()
    assert project.applied() == []


#: A data migration whose reverse does nothing while its forward function creates rows
#: (MF004).
SEED = migration_source(
    [("gamma", "0001_initial")],
    "migrations.RunPython(seed, migrations.RunPython.noop),\n",
    header="""
    def seed(apps, schema_editor):
        Tag = apps.get_model("gamma", "Tag")
        Tag.objects.create(label="seeded")
    """,
)


def test_rows_a_noop_reverse_leaves_are_named(db_backend: DbBackend, tmp_path: Path) -> None:
    """A data migration whose reverse does nothing while its forward function creates rows
    (MF004): warned about before the run; after the rollback, named as left in the database
    rather than "rolled back to the starting point" alone (django-oscar's customer 0008)."""
    project = seeded(tmp_path, db_backend)
    project.write("gamma", "0002_seed", SEED)
    project.write("gamma", "0003_boom", migration_source([("gamma", "0002_seed")], BOOM))
    done = project.manage("migrate_or_rollback")
    assert done.returncode == 1, done.describe()
    hazard = (
        "  gamma.0002_seed: operation 1: `RunPython` has a no-op reverse, but `seed` creates rows "
        "without checking for existing ones (`Tag.objects.create`, line 5): after a rollback, "
        "migrating again creates them twice or fails on a unique key\n"
    )
    assert (
        "Warning: a rollback would unapply these, but leave what they did in the database "
        "(their reverse does nothing):\n" + hazard
    ) in done.stderr, done.describe()
    assert timeless(done.stderr).endswith(
        "The rollback unapplied these, but what they did is still in the database (their "
        "reverse does nothing):\n" + hazard + "CommandError: migration failed; rolled back to "
        "the starting point, except what the operations listed above did\n"
    ), done.describe()
    assert db_backend.query("SELECT label FROM gamma_tag ORDER BY id") == [("t",), ("seeded",)]


def test_rows_in_a_table_the_plan_creates_go_with_it(db_backend: DbBackend, tmp_path: Path) -> None:
    """The same data migration on a database from zero: the plan creates gamma_tag, and its
    rollback drops the table with the rows; nothing is left (wagtailcore's ``initial_data``
    was warned about on every first install). No warning, and a plain final message."""
    project = DeployProject.create(tmp_path, db_backend)
    project.write("gamma", "0002_seed", SEED)
    project.write("gamma", "0003_boom", migration_source([("gamma", "0002_seed")], BOOM))
    planned = project.manage("migrate_or_rollback", "--plan")
    assert planned.returncode == 0, planned.describe()
    assert "Warning" not in planned.stdout + planned.stderr, planned.describe()
    assert "gamma.0002_seed\n    Raw Python operation\n" in planned.stdout, planned.describe()
    done = project.manage("migrate_or_rollback")
    assert done.returncode == 1, done.describe()
    assert "Warning" not in done.stdout + done.stderr, done.describe()
    assert "  Unapplying gamma.0002_seed... OK" in done.stderr, done.describe()
    assert timeless(done.stderr).endswith(
        "CommandError: migration failed; rolled back to the starting point\n"
    ), done.describe()
    assert project.applied() == []


def test_an_exception_without_a_message_is_named_by_its_line(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    """A data migration's bare ``assert`` raises an ``AssertionError`` without a message:
    the report names the line that raised it, not ``AssertionError: AssertionError``."""
    project = seeded(tmp_path, db_backend)
    written = project.write(
        "gamma",
        "0002_check",
        migration_source(
            [("gamma", "0001_initial")],
            "migrations.RunPython(check, migrations.RunPython.noop),\n",
            header="""
            def check(apps, schema_editor):
                Tag = apps.get_model("gamma", "Tag")
                assert not Tag.objects.filter(label="t").exists()
            """,
        ),
    )
    line = (
        written.read_text()
        .splitlines()
        .index('    assert not Tag.objects.filter(label="t").exists()')
    )
    done = project.manage("migrate_or_rollback")
    assert done.returncode == 1, done.describe()
    assert timeless(done.stderr).startswith(
        "gamma.0002_check, operation 1 (Raw Python operation) failed: AssertionError at "
        f"gamma/migrations/0002_check.py:{line + 1} "
        '(assert not Tag.objects.filter(label="t").exists())\n'
        "Rolling back what this run applied on database 'default':\n"
    ), done.describe()
    assert project.applied() == ["alpha.0001_initial", "beta.0001_initial", "gamma.0001_initial"]


#: Before a run that drops gamma_tag and alpha_item_tags, both holding rows.
DROPPED_WARNING = (
    "Warning: these drop a table that holds rows; if the run fails after one of them, the "
    "rollback re-creates the table empty (Django cannot restore its rows):\n"
    "  alpha.0003_untag: operation 1: RemoveField item.tags drops the table alpha_item_tags (its "
    "many-to-many table)\n"
    "  gamma.0002_drop: operation 1: DeleteModel Tag drops the table gamma_tag\n"
)
#: After a rollback that created them again.
DROPPED_FINAL = (
    "Final state of database 'default': alpha 0002_tags; gamma 0001_initial\n"
    "Schema: identical to the snapshot taken before migrating.\n"
    "CommandError: migration failed; rolled back to the starting point, except the rows of "
    "alpha_item_tags and gamma_tag, which the rollback re-created empty\n"
)


def test_a_dropped_table_that_held_rows_comes_back_empty(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    """A DeleteModel, and the RemoveField of a many-to-many field, whose tables hold rows
    before the run: warned about before it; when a later migration (or a later operation of
    a half-applied one) fails, the rollback creates the tables again, empty, and its final
    message says so (it said "rolled back to the starting point", the rows gone)."""
    project = seeded(tmp_path, db_backend)
    project.write(
        "alpha",
        "0002_tags",
        migration_source(
            [("alpha", "0001_initial"), ("gamma", "0001_initial")],
            'migrations.AddField("item", "tags", models.ManyToManyField("gamma.tag")),\n',
        ),
    )
    done = project.manage("migrate", "-v0")
    assert done.returncode == 0, done.describe()

    def fill() -> None:
        if not db_backend.query("SELECT id FROM gamma_tag"):
            db_backend.query("INSERT INTO gamma_tag (id, label) VALUES (1, 't')")
        db_backend.query("INSERT INTO alpha_item_tags (item_id, tag_id) VALUES (1, 1)")

    fill()
    project.write(
        "alpha",
        "0003_untag",
        migration_source([("alpha", "0002_tags")], 'migrations.RemoveField("item", "tags"),\n'),
    )
    drop = 'migrations.DeleteModel("Tag"),\n'
    project.write(
        "gamma",
        "0002_drop",
        migration_source([("gamma", "0001_initial"), ("alpha", "0003_untag")], drop),
    )
    project.write("gamma", "0003_boom", migration_source([("gamma", "0002_drop")], BOOM))
    # --plan, a dry run, says it too.
    plan = project.manage("migrate_or_rollback", "--plan")
    assert (plan.returncode, plan.stderr) == (0, DROPPED_WARNING), plan.describe()
    snap = tmp_path / "before.json"
    result = project.manage("migrate_or_rollback", "--snapshot-file", str(snap))
    assert result.returncode == 1, result.describe()
    head, failed, tail = timeless(result.stderr).partition(
        "gamma.0003_boom, operation 1 (Raw SQL operation) failed: "
    )
    assert (head, bool(failed)) == (DROPPED_WARNING, True), result.stderr
    assert tail.split("\n", 1)[1] == (
        "Rolling back what this run applied on database 'default':\n"
        "  Unapplying gamma.0002_drop... OK (T)\n"
        "  Unapplying alpha.0003_untag... OK (T)\n" + DROPPED_FINAL
    ), result.stderr
    start = ["alpha.0001_initial", "alpha.0002_tags", "beta.0001_initial", "gamma.0001_initial"]
    assert project.applied() == start
    assert db_backend.query("SELECT id FROM gamma_tag") == []
    assert db_backend.query("SELECT id FROM alpha_item_tags") == []
    assert db_backend.query("SELECT name FROM alpha_item") == [("one",)]

    # The DeleteModel ran in the migration that failed (its later operation): undone on
    # MariaDB (no transactional DDL), as on the others with atomic = False.
    fill()
    project.remove("gamma", "0003_boom")
    project.write(
        "gamma",
        "0002_drop",
        migration_source(
            [("gamma", "0001_initial"), ("alpha", "0003_untag")],
            drop + BOOM,
            attributes=_half_applied(db_backend),
        ),
    )
    result = project.manage("migrate_or_rollback")
    assert result.returncode == 1, result.describe()
    head, failed, tail = timeless(result.stderr).partition(
        "gamma.0002_drop, operation 2 (Raw SQL operation) failed: "
    )
    assert (head, bool(failed), tail.split("\n", 1)[1]) == (
        DROPPED_WARNING,
        True,
        "Rolling back what this run applied on database 'default':\n"
        "  Undoing gamma.0002_drop operation 1 (Delete model Tag)... OK (T)\n"
        "  Unapplying alpha.0003_untag... OK (T)\n" + DROPPED_FINAL,
    ), result.stderr
    assert project.applied() == start
    assert db_backend.query("SELECT id FROM gamma_tag") == []
    assert db_backend.query("SELECT id FROM alpha_item_tags") == []

    # Empty tables: nothing to warn about, nothing lost.
    project.write(
        "gamma",
        "0002_drop",
        migration_source([("gamma", "0001_initial"), ("alpha", "0003_untag")], drop),
    )
    retry = project.manage("migrate_or_rollback", "-v0")
    assert (retry.returncode, retry.stdout, retry.stderr) == (0, "", "")
    assert "gamma_tag" not in db_backend.tables()


@pytest.mark.parametrize(
    ("rename", "model"),
    [
        ('migrations.AlterModelTable("tag", "gamma_label")', "Tag"),
        # RenameModel renames the table (gamma_tag -> gamma_label) and the model.
        ('migrations.RenameModel("Tag", "Label")', "Label"),
    ],
    ids=["AlterModelTable", "RenameModel"],
)
def test_a_table_renamed_then_dropped_is_named_as_it_was(
    db_backend: DbBackend, tmp_path: Path, rename: str, model: str
) -> None:
    """An AlterModelTable or a RenameModel, then a DeleteModel, in one plan: the rows are in
    the table under its name before the run; that one is looked at, warned about, and named
    after the rollback (the warning was missing, and the final message said the database was
    back)."""
    project = seeded(tmp_path, db_backend)
    if not db_backend.query("SELECT id FROM gamma_tag"):
        db_backend.query("INSERT INTO gamma_tag (id, label) VALUES (1, 't')")
    project.write(
        "gamma",
        "0002_rename",
        migration_source([("gamma", "0001_initial")], f"{rename},\n"),
    )
    project.write(
        "gamma",
        "0003_drop",
        migration_source([("gamma", "0002_rename")], f'migrations.DeleteModel("{model}"),\n'),
    )
    project.write("gamma", "0004_boom", migration_source([("gamma", "0003_drop")], BOOM))
    result = project.manage("migrate_or_rollback")
    stderr = timeless(result.stderr)
    assert stderr.startswith(
        "Warning: these drop a table that holds rows; if the run fails after one of them, the "
        "rollback re-creates the table empty (Django cannot restore its rows):\n"
        f"  gamma.0003_drop: operation 1: DeleteModel {model} drops the table gamma_label, "
        "called gamma_tag before this run\n"
    ), result.describe()
    if db_backend.name == "postgresql":
        # The table re-created as gamma_label, then renamed back, keeps its new key's name
        # (PostgreSQL renames no constraint with its table): exit 3, the difference named.
        assert result.returncode == 3, result.describe()
        assert stderr.endswith(
            "The schema differs from the snapshot taken before migrating (2 differences):\n"
            "  constraint gamma_label_pkey on gamma_tag: added (primary key (id))\n"
            "  constraint gamma_tag_pkey on gamma_tag: missing (was primary key (id))\n"
            "CommandError: rolled back to the starting point, except the rows of gamma_tag, "
            "which the rollback re-created empty, but the schema differs from the snapshot\n"
        ), result.describe()
    else:
        assert result.returncode == 1, result.describe()
        assert stderr.endswith(
            "CommandError: migration failed; rolled back to the starting point, except the "
            "rows of gamma_tag, which the rollback re-created empty\n"
        ), result.describe()
    assert project.applied()[-1] == "gamma.0001_initial"
    assert db_backend.query("SELECT id FROM gamma_tag") == []


def test_leftover_index_after_a_noop_reverse_exits_3(db_backend: DbBackend, tmp_path: Path) -> None:
    project = seeded(tmp_path, db_backend)
    project.write(
        "alpha",
        "0002_index",
        migration_source(
            [("alpha", "0001_initial")],
            """\
            migrations.RunSQL(
                "CREATE INDEX alpha_item_extra ON alpha_item (qty)",
                reverse_sql=migrations.RunSQL.noop,
            ),
            """,
        ),
    )
    project.write(
        "gamma",
        "0002_boom",
        migration_source(
            [("gamma", "0001_initial"), ("alpha", "0002_index")],
            BOOM,
        ),
    )
    result = project.manage("migrate_or_rollback", "-v0")
    assert result.returncode == 3, result.describe()
    assert timeless(result.stderr).endswith(
        "Rolling back what this run applied on database 'default':\n"
        "  Unapplying alpha.0002_index... OK (T)\n"
        "Final state of database 'default': alpha 0001_initial; gamma 0001_initial\n"
        "The schema differs from the snapshot taken before migrating (1 difference):\n"
        "  index alpha_item_extra on alpha_item: added (index (qty) btree)\n"
        "CommandError: rolled back to the starting point, but the schema differs from the "
        "snapshot\n"
    )
    assert project.applied() == ["alpha.0001_initial", "beta.0001_initial", "gamma.0001_initial"]


SLOW = """\
import os
import time


def slow(apps, schema_editor):
    Tag = apps.get_model("gamma", "Tag")
    Tag.objects.get_or_create(label="ran")  # (safe to run twice: no warning about it)
    open(os.environ["MF_TEST_STARTED"], "w").close()
    deadline = time.monotonic() + float(os.environ.get("MF_TEST_SLEEP", "30"))
    while time.monotonic() < deadline:
        time.sleep(0.05)
"""


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        if proc.poll() is not None:
            raise AssertionError("the run ended early:\n" + "\n".join(proc.communicate()))
        time.sleep(0.05)


def _slow_deploy(project: DeployProject, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    """``migrate_or_rollback ARGS`` started on alpha's 0002_price and gamma's slow 0002,
    once it is running gamma's 0002 (alpha's applied)."""
    project.write("alpha", "0002_price", ALPHA_0002)
    project.write(
        "gamma",
        "0002_slow",
        migration_source(
            [("gamma", "0001_initial"), ("alpha", "0002_price")],
            "migrations.RunPython(slow, migrations.RunPython.noop),\n",
            header=SLOW,
        ),
    )
    started = tmp_path / "started"
    project.extra_env = {"MF_TEST_STARTED": str(started)}
    proc = project.popen("migrate_or_rollback", *args)
    _wait_for(started, proc)
    return proc


#: How an interrupted `_slow_deploy` ends.
ROLLED_BACK = (
    "Rolling back what this run applied on database 'default':\n"
    "  Unapplying alpha.0002_price... OK (T)\n"
    "Final state of database 'default': alpha 0001_initial; gamma 0001_initial\n"
    "Schema: identical to the snapshot taken before migrating.\n"
    "CommandError: interrupted; rolled back to the starting point\n"
)
AT_THE_START = ["alpha.0001_initial", "beta.0001_initial", "gamma.0001_initial"]


def test_ctrl_c_rolls_back(db_backend: DbBackend, tmp_path: Path) -> None:
    project = seeded(tmp_path, db_backend)
    proc = _slow_deploy(project, tmp_path)
    project.interrupt(proc)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stdout + stderr
    assert timeless(stdout).endswith(
        "  Applying alpha.0002_price... OK (T)\n  Applying gamma.0002_slow... FAILED\n"
    )
    assert timeless(stderr) == (
        "gamma.0002_slow, operation 1 (Raw Python operation): interrupted\n" + ROLLED_BACK
    )
    assert project.applied() == AT_THE_START
    assert db_backend.query("SELECT label FROM gamma_tag ORDER BY id") == [("t",)]


def test_two_concurrent_runs(db_backend: DbBackend, tmp_path: Path) -> None:
    """One waits for the other's lock, then finds nothing to apply; a third gives up after its
    --lock-timeout. The slow migration ran once."""
    project = seeded(tmp_path, db_backend)
    project.write(
        "gamma",
        "0002_slow",
        migration_source(
            [("gamma", "0001_initial")],
            "migrations.RunPython(slow, migrations.RunPython.noop),\n",
            header=SLOW,
        ),
    )
    # An after-deploy migration that waits for 0002: deferred by both runs (the second one,
    # a replica of the same deploy, found 0002 applied by the first while it waited).
    project.write(
        "gamma",
        "0003_after",
        migration_source(
            [("gamma", "0002_slow")],
            'migrations.RunSQL("SELECT 1", migrations.RunSQL.noop),\n',
            attributes="post_deploy = True\n",
        ),
    )
    started = tmp_path / "started"
    project.extra_env = {"MF_TEST_STARTED": str(started), "MF_TEST_SLEEP": "6"}
    first = project.popen("migrate_or_rollback")
    _wait_for(started, first)
    second = project.popen("migrate_or_rollback")
    impatient = project.manage("migrate_or_rollback", "--lock-timeout", "0.5")
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    assert (first.returncode, err1) == (0, ""), out1 + err1
    deferred = (
        "Deferred to the next run (after-deploy migrations whose dependencies are applied in "
        "this run; --include-after-deploy applies them now):\n"
        "  gamma.0003_after: post_deploy = True; gamma.0002_slow is applied {}\n"
    )
    assert timeless(out1).endswith(
        "  Applying gamma.0002_slow... OK (T)\n"
        + deferred.format("in this run")
        + "Applied 1 migration on database 'default' (T).\n"
    )
    assert (second.returncode, err2) == (0, ""), out2 + err2
    assert out2.startswith(
        "Waiting for another migrate_or_rollback on database 'default' (up to 300 s)...\n"
        "Operations to perform:\n"
        "  Apply all migrations: alpha, beta, gamma\n"
        "Running migrations:\n"
        "  No migrations to apply.\n"
    )
    assert out2.endswith(deferred.format("by a concurrent run of this deploy")), out2
    assert (impatient.returncode, impatient.stdout, impatient.stderr) == (
        1,
        "Waiting for another migrate_or_rollback on database 'default' (up to 0.5 s)...\n",
        "CommandError: another migrate_or_rollback has held the lock of database 'default' for "
        "more than 0.5 s: giving up (raise --lock-timeout to wait longer)\n",
    )
    assert db_backend.query("SELECT label FROM gamma_tag ORDER BY id") == [("t",), ("ran",)]
    assert project.applied()[-1] == "gamma.0002_slow"
    # The next run (the next deploy) applies it.
    third = project.manage("migrate_or_rollback")
    assert third.returncode == 0, third.describe()
    assert project.applied()[-1] == "gamma.0003_after"


def test_a_failing_first_deploy_leaves_a_new_database_as_it_was(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    """On a new database, Django creates its table of applied migrations: the rollback leaves it
    empty, which is no difference from the start (the run exits 1, not 3)."""
    project = DeployProject.create(tmp_path, db_backend)
    project.write(
        "gamma",
        "0002_boom",
        migration_source([("gamma", "0001_initial")], BOOM),
    )
    done = project.manage("migrate_or_rollback")
    assert done.returncode == 1, done.describe()
    assert (
        "Schema: identical to the snapshot taken before migrating.\n" in done.stdout + done.stderr
    )
    assert project.applied() == []
    # (SQLite's own sqlite_sequence stays too: it is not the project's.)
    assert db_backend.tables() - {"sqlite_sequence"} == {"django_migrations"}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_quiet_and_plan_and_check(backend: str, tmp_path: Path) -> None:
    """-v0 prints nothing on success; --plan and --check behave like migrate's; no colour when
    the output is not a terminal."""
    with scratch_database(backend, tmp_path) as db:
        project = DeployProject.create(tmp_path, db)
        check = project.manage("migrate_or_rollback", "--check")
        assert (check.returncode, check.stdout, check.stderr) == (1, "", "")
        plan = project.manage("migrate_or_rollback", "--plan")
        assert plan.returncode == 0
        assert plan.stdout.startswith(
            "Planned operations:\nbeta.0001_initial\n    Create model Owner\n"
        )
        assert "\x1b[" not in plan.stdout
        quiet = project.manage("migrate_or_rollback", "-v0")
        assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
        again = project.manage("migrate_or_rollback", "--check")
        assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_colour_only_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal (a pseudo-terminal here) the output has ANSI colours; in a pipe, none."""
    with scratch_database("sqlite", tmp_path) as db:
        project = DeployProject.create(tmp_path, db)
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "migrate_or_rollback"],
            cwd=project.root,
            env=subprocess_env(project.env()),
            stdout=slave,
            stderr=slave,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal's other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        text = b"".join(chunks).decode()
        assert proc.wait(timeout=120) == 0, text
        assert "Applying gamma.0001_initial...\x1b[32;1m OK (" in text, text
        piped = project.manage("migrate_or_rollback", "gamma", "zero")
        assert piped.returncode == 0, piped.describe()
        assert "Unapplying gamma.0001_initial... OK (" in piped.stdout
        assert "\x1b[" not in piped.stdout + piped.stderr


def test_sigterm_rolls_back_like_ctrl_c(tmp_path: Path) -> None:
    """A pod being stopped (SIGTERM) during the forward run: the same rollback."""
    import signal

    with scratch_database("sqlite", tmp_path) as db:
        project = seeded(tmp_path, db)
        proc = _slow_deploy(project, tmp_path, "-v0")
        os.kill(proc.pid, signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=120)
        assert (proc.returncode, stdout, timeless(stderr)) == (
            130,
            "",
            "gamma.0002_slow, operation 1 (Raw Python operation): terminated (SIGTERM)\n"
            + ROLLED_BACK,
        )
        assert project.applied() == AT_THE_START


#: A reverse that waits for the test: it says it started (MF_TEST_BACK), then waits for
#: MF_TEST_GO to exist.
SLOW_BACK = """\
import os
import time


def back(apps, schema_editor):
    open(os.environ["MF_TEST_BACK"], "w").close()
    deadline = time.monotonic() + 120
    while not os.path.exists(os.environ["MF_TEST_GO"]) and time.monotonic() < deadline:
        time.sleep(0.05)
"""

IGNORED = (
    "{} ignored: the rollback runs to its end (stopping it halfway would leave the database "
    "half-done).\n"
)


def _wait_for_text(path: Path, text: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while text not in path.read_text():
        assert time.monotonic() < deadline, f"never written: {text!r}\n{path.read_text()}"
        assert proc.poll() is None, f"the run ended early:\n{path.read_text()}"
        time.sleep(0.05)


def _rollback_waits(project: DeployProject, tmp_path: Path, then: str) -> dict[str, Path]:
    """alpha.0002_back, whose reverse waits for the test, then gamma.0002_``then`` (``slow``:
    SLOW's migration, to be interrupted; ``boom``: one that fails)."""
    project.write(
        "alpha",
        "0002_back",
        migration_source(
            [("alpha", "0001_initial")],
            "migrations.RunPython(migrations.RunPython.noop, back),\n",
            header=SLOW_BACK,
        ),
    )
    project.write(
        "gamma",
        f"0002_{then}",
        migration_source(
            [("gamma", "0001_initial"), ("alpha", "0002_back")],
            "migrations.RunPython(slow, migrations.RunPython.noop),\n" if then == "slow" else BOOM,
            header=SLOW if then == "slow" else "",
        ),
    )
    files = {name: tmp_path / name for name in ("started", "back", "go", "out", "err")}
    project.extra_env = {
        "MF_TEST_STARTED": str(files["started"]),
        "MF_TEST_BACK": str(files["back"]),
        "MF_TEST_GO": str(files["go"]),
    }
    return files


def test_ctrl_c_during_the_rollback_is_ignored_and_said(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    """Ctrl-C stops the forward run; more Ctrl-C (and SIGTERM) during the rollback are ignored,
    the first of each said on standard error at once, the step's line written again after it;
    the rollback ends, exit 130."""
    import signal

    project = seeded(tmp_path, db_backend)
    files = _rollback_waits(project, tmp_path, "slow")
    with files["out"].open("w") as out, files["err"].open("w") as err:
        proc = project.popen("migrate_or_rollback", stdout=out, stderr=err)
        try:
            _wait_for(files["started"], proc)
            project.interrupt(proc)
            _wait_for(files["back"], proc)
            project.interrupt(proc)
            _wait_for_text(files["err"], IGNORED.format("Ctrl-C"), proc)
            project.interrupt(proc)
            os.kill(proc.pid, signal.SIGTERM)
            _wait_for_text(files["err"], IGNORED.format("SIGTERM"), proc)
            project.interrupt(proc)
            os.kill(proc.pid, signal.SIGTERM)
            time.sleep(0.5)
            files["go"].touch()
            assert proc.wait(timeout=120) == 130, files["err"].read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
    assert timeless(files["out"].read_text()).endswith(
        "  Applying alpha.0002_back... OK (T)\n  Applying gamma.0002_slow... FAILED\n"
    )
    assert timeless(files["err"].read_text()) == (
        "gamma.0002_slow, operation 1 (Raw Python operation): interrupted\n"
        "Rolling back what this run applied on database 'default':\n"
        "  Unapplying alpha.0002_back...\n"
        + IGNORED.format("Ctrl-C")
        + "  Unapplying alpha.0002_back...\n"
        + IGNORED.format("SIGTERM")
        + "  Unapplying alpha.0002_back... OK (T)\n"
        "Final state of database 'default': alpha 0001_initial; gamma 0001_initial\n"
        "Schema: identical to the snapshot taken before migrating.\n"
        "CommandError: interrupted; rolled back to the starting point\n"
    )
    assert project.applied() == AT_THE_START


def test_sigterm_during_the_rollback_of_a_failure(tmp_path: Path) -> None:
    """A pod stopped while a failed migration is being rolled back: the rollback ends, and the
    exit status is the failure's (1)."""
    import signal

    with scratch_database("sqlite", tmp_path) as db:
        project = seeded(tmp_path, db)
        files = _rollback_waits(project, tmp_path, "boom")
        with files["out"].open("w") as out, files["err"].open("w") as err:
            proc = project.popen("migrate_or_rollback", "-v0", stdout=out, stderr=err)
            try:
                _wait_for(files["back"], proc)
                os.kill(proc.pid, signal.SIGTERM)
                _wait_for_text(files["err"], IGNORED.format("SIGTERM"), proc)
                os.kill(proc.pid, signal.SIGTERM)
                time.sleep(0.5)
                files["go"].touch()
                assert proc.wait(timeout=120) == 1, files["err"].read_text()
            finally:
                if proc.poll() is None:
                    proc.kill()
        assert files["out"].read_text() == ""
        stderr = timeless(files["err"].read_text())
        assert stderr.startswith("gamma.0002_boom, operation 1 (Raw SQL operation) failed: ")
        assert stderr.endswith(
            "Rolling back what this run applied on database 'default':\n"
            "  Unapplying alpha.0002_back...\n"
            + IGNORED.format("SIGTERM")
            + "  Unapplying alpha.0002_back... OK (T)\n"
            "Final state of database 'default': alpha 0001_initial; gamma 0001_initial\n"
            "Schema: identical to the snapshot taken before migrating.\n"
            "CommandError: migration failed; rolled back to the starting point\n"
        ), stderr
        assert project.applied() == AT_THE_START


def test_failing_backward_plan_is_applied_again(db_backend: DbBackend, tmp_path: Path) -> None:
    """`migrate_or_rollback gamma 0001_initial` unapplies 0003, then fails on 0002's reverse:
    0003 is applied again, the database ends where it started."""
    project = seeded(tmp_path, db_backend)
    project.write(
        "gamma",
        "0002_step",
        migration_source(
            [("gamma", "0001_initial")],
            'migrations.RunSQL("SELECT 1", reverse_sql="DELETE FROM no_such_table"),\n',
        ),
    )
    project.write(
        "gamma",
        "0003_more",
        migration_source(
            [("gamma", "0002_step")],
            'migrations.AddField("tag", "weight", models.IntegerField(default=0)),\n',
        ),
    )
    assert project.manage("migrate", "-v0").returncode == 0
    db_backend.query("UPDATE gamma_tag SET weight = 5")
    result = project.manage("migrate_or_rollback", "gamma", "0001_initial")
    assert result.returncode == 1, result.describe()
    assert timeless(result.stdout).endswith(
        "  Unapplying gamma.0003_more... OK (T)\n  Unapplying gamma.0002_step... FAILED\n"
    )
    head, _, tail = timeless(result.stderr).partition("\n")
    assert head.startswith("gamma.0002_step failed: "), result.stderr
    assert tail == (
        "Rolling back what this run applied on database 'default':\n"
        "  Re-applying gamma.0003_more... OK (T)\n"
        "Final state of database 'default': gamma 0003_more\n"
        "Schema: identical to the snapshot taken before migrating.\n"
        "CommandError: migration failed; rolled back to the starting point\n"
    )
    assert project.applied()[-2:] == ["gamma.0002_step", "gamma.0003_more"]
    # The column came back (with its default: the old values are gone, as with any rollback).
    assert db_backend.query("SELECT label, weight FROM gamma_tag") == [("t", 0)]
