"""`manage.py rehearse_rollback` for real, on SQLite, PostgreSQL and MariaDB.

The project (tests/e2e/rehearse_project.py) has one app per scenario. The rehearsal must fail,
naming the migration and the operation, on each broken one (a non-null foreign key removal that
an empty table would let through, a CREATE INDEX with a no-op reverse, a RunPython with a no-op
reverse that creates a unique row, a reverse that leaves a column nullable, a RunSQL without a
reverse, a reverse that deletes rows its forward function did not create: named with the
migration whose unapply lost them); and pass on the same migrations once migration-fixer fixed
them where a fix exists, with MF003's split rehearsed as two deploys.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from _git_helpers import commit_all, git

from .harness import (
    CommandResult,
    DbBackend,
    run_fixer,
    run_manage,
    run_python,
    scratch_database,
)
from .rehearse_project import (
    SCENARIOS,
    SECONDS,
    SETTINGS,
    SHAPES_SETTINGS,
    UNMANAGED_SETTINGS,
    build_project,
)

TIME = re.compile(r" +\d+\.\d{3}s  ")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("rehearse") / "project")


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "project"
    shutil.copytree(template, dest, symlinks=True)
    return dest


def rehearse(project: Path, db: DbBackend, *args: str, settings: str = SETTINGS) -> CommandResult:
    return run_manage(project, "rehearse_rollback", *args, db=db, settings=settings)


def rehearse_json(
    project: Path, db: DbBackend, *args: str, settings: str = SETTINGS
) -> tuple[int, dict[str, Any]]:
    result = rehearse(project, db, *args, "--output-format", "json", settings=settings)
    assert result.returncode in (0, 1), result.describe()
    return result.returncode, json.loads(result.stdout)


def failure(report: dict[str, Any]) -> tuple[str, str, str, str]:
    """(step, migration, operation, message) of the failed step."""
    (step,) = [s for s in report["steps"] if not s["ok"]]
    failed = step["failure"]
    label = f"deploy {step['deploy']}: {step['name']}" if step["deploy"] else step["name"]
    return label, failed["migration"], failed["operation"], failed["message"]


def names(report: dict[str, Any]) -> list[str]:
    return [f"{s['deploy']}:{s['name']}:{'ok' if s['ok'] else 'FAILED'}" for s in report["steps"]]


DEPLOY = [
    "1:rows at the start:ok",
    "1:forward:ok",
    "1:rows after the deploy:ok",
    "1:back:ok",
    "1:compare with the start:ok",
    "1:forward again:ok",
]

#: The database's message when deploy 1 is rolled back over rows (prefixes: MariaDB names a
#: temporary table).
FK_READD = {
    "sqlite": "IntegrityError: NOT NULL constraint failed: new__fkdrop_item.supplier_id",
    "postgresql": 'IntegrityError: column "supplier_id" of relation "fkdrop_item" contains null '
    "values",
    "mariadb": "IntegrityError: (1452, 'Cannot add or update a child row: a foreign key "
    "constraint fails",
}
QUANTITY_READD = {
    "sqlite": "IntegrityError: NOT NULL constraint failed: new__coldrop_item.quantity",
    "postgresql": 'IntegrityError: column "quantity" of relation "coldrop_item" contains null '
    "values",
}
DUPLICATE_TAG = {
    "sqlite": "IntegrityError: UNIQUE constraint failed: dataseed_tag.name",
    "postgresql": 'IntegrityError: duplicate key value violates unique constraint "dataseed_tag_'
    'name_key" DETAIL: Key (name)=(default) already exists.',
    "mariadb": "IntegrityError: (1062, \"Duplicate entry 'default' for key 'name'\")",
}
DATAFIX = (
    "datafix.Item: 4 row(s) changed in `name` (pk 1: name 'Row5di' -> 'ROW5DI'; "
    "pk 2: name 'Row5do' -> 'ROW5DO'; ...)"
)
#: (On MariaDB the nullable column's bare NULL default is no default: it is the same
#: difference.)
NULLABLE_NOTE = dict.fromkeys(
    ("sqlite", "postgresql", "mariadb"), "column nullable_item.note: null was False, is True"
)


def test_each_broken_migration_fails_naming_migration_and_operation(
    project: Path, db_backend: DbBackend
) -> None:
    backend = db_backend.name
    # A non-null foreign key removal: the rows make the rollback fail.
    code, report = rehearse_json(project, db_backend, "fkdrop:0001")
    assert code == 1
    assert names(report) == ["0:start:ok", *DEPLOY[:3], "1:back:FAILED"]
    step, migration, operation, message = failure(report)
    assert (step, migration, operation) == (
        "deploy 1: back",
        "fkdrop.0002_remove_item_supplier",
        "operation 1, RemoveField: Remove field supplier from item",
    )
    assert message.startswith(FK_READD[backend]), message

    # RunSQL("CREATE INDEX ...", RunSQL.noop): the index stays after the rollback.
    code, report = rehearse_json(project, db_backend, "rawsql:0001")
    assert code == 1
    assert failure(report) == (
        "deploy 1: compare with the start",
        "rawsql.0002_item_name_index",
        "operation 1, RunSQL: Raw SQL operation",
        "schema differs from the start: index rawsql_item_name_idx on rawsql_item: added "
        "(index (name) btree)",
    )

    # RunPython creating a unique row, no-op reverse: the next forward meets the row.
    code, report = rehearse_json(project, db_backend, "dataseed:0001")
    assert code == 1
    assert names(report)[-2:] == ["1:compare with the start:ok", "1:forward again:FAILED"]
    assert failure(report) == (
        "deploy 1: forward again",
        "dataseed.0002_default_tag",
        "operation 1, RunPython: Raw Python operation",
        DUPLICATE_TAG[backend],
    )

    # A reverse that leaves the column nullable: a schema difference.
    code, report = rehearse_json(project, db_backend, "nullable:0001")
    assert code == 1
    assert failure(report) == (
        "deploy 1: compare with the start",
        "nullable.0002_relax_note",
        "operation 1, RunPython: Raw Python operation",
        f"schema differs from the start: {NULLABLE_NOTE[backend]}",
    )

    # RunPython deleting the rows, no-op reverse: they are lost, and of the deploy's two
    # RunPython operations the one whose code deletes rows of that model is named.
    code, report = rehearse_json(project, db_backend, "datapurge:0001")
    assert code == 1
    assert failure(report) == (
        "deploy 1: compare with the start",
        "datapurge.0002_purge_items",
        "operation 2, RunPython: Raw Python operation",
        "datapurge.Item: 4 row(s) lost (pk 1, 2, 3, 4)",
    )

    # RunPython changing the values, no-op reverse: the rows are there, with other values,
    # and of the two RunPython operations the one whose code changes rows of that model is
    # named.
    code, report = rehearse_json(project, db_backend, "datafix:0001")
    assert code == 1
    assert failure(report) == (
        "deploy 1: compare with the start",
        "datafix.0002_upper_names",
        "operation 2, RunPython: Raw Python operation",
        DATAFIX,
    )

    # RunSQL without a reverse: Django refuses to unapply it.
    code, report = rehearse_json(project, db_backend, "rawview:0001")
    assert code == 1
    assert failure(report) == (
        "deploy 1: back",
        "rawview.0002_item_view",
        "operation 1, RunSQL: Raw SQL operation",
        "IrreversibleError: Operation <RunSQL 'CREATE VIEW rawview_names AS SELECT name FROM "
        "rawview_item'> in rawview.0002_item_view is not reversible",
    )

    # Non-null CharField/IntegerField removal: SQLite and PostgreSQL refuse the re-add over
    # rows; MariaDB fills '' and 0: the rollback "succeeds", the values are gone.
    code, report = rehearse_json(project, db_backend, "coldrop:0001")
    assert code == 1
    if backend == "mariadb":
        drop = "coldrop.0002_remove_item_code_remove_item_quantity, operation"
        assert failure(report) == (
            "deploy 1: compare with the start",
            None,
            f"one of: {drop} 1, RemoveField: Remove field code from item; "
            f"{drop} 2, RemoveField: Remove field quantity from item",
            "coldrop.Item: 4 row(s) changed in `code`, `quantity` (pk 1: code 'Row5cr' -> ''; "
            "pk 2: code 'Row5dg' -> ''; ...)",
        )
    else:
        assert failure(report) == (
            "deploy 1: back",
            "coldrop.0002_remove_item_code_remove_item_quantity",
            "operation 2, RemoveField: Remove field quantity from item",
            QUANTITY_READD[backend],
        )


RELOAD = "datareload.0002_load_items"
RELOAD_LOST = f"datareload.Item: 4 row(s) lost (pk 1, 2, 3, 4) while unapplying {RELOAD}"
#: A later migration whose code deletes rows of the same model, with a no-op reverse: by the
#: code alone, as likely a cause as 0002's reverse (it did not run in the rollback).
OBSOLETE = """\
from django.db import migrations


def drop_obsolete(apps, schema_editor):
    Item = apps.get_model('datareload', 'Item')
    Item.objects.filter(name='obsolete').delete()


class Migration(migrations.Migration):
    dependencies = [('datareload', '0002_load_items')]
    operations = [migrations.RunPython(drop_obsolete, migrations.RunPython.noop)]
"""


def test_rows_lost_while_unapplying_a_migration_are_named_with_it(
    project: Path, db_backend: DbBackend
) -> None:
    """datareload.0002's reverse deletes every row of the model, not only the two its forward
    function loaded: the rows present at the start vanish while it is unapplied, which the
    rehearsal saw (it looks at the tables after each migration it unapplies)."""
    code, report = rehearse_json(project, db_backend, "datareload:0001")
    assert code == 1
    assert names(report) == ["0:start:ok", *DEPLOY[:4], "1:compare with the start:FAILED"]
    assert failure(report) == (
        "deploy 1: compare with the start",
        RELOAD,
        "operation 1, RunPython: Raw Python operation",
        RELOAD_LOST,
    )
    # With a later migration whose code deletes rows of the model too (no-op reverse), the
    # code alone named both ("one of: ..."); what the rollback did names 0002 alone.
    (project / "datareload" / "migrations" / "0003_drop_obsolete.py").write_text(OBSOLETE)
    result = rehearse(project, db_backend, "datareload:0001")
    assert result.returncode == 1, result.describe()
    assert result.stdout.splitlines()[-1] == (
        f"FAILED at deploy 1: compare with the start: {RELOAD}, operation 1, RunPython: "
        f"Raw Python operation: {RELOAD_LOST}"
    )


def test_models_that_get_their_table_in_the_deploy(project: Path, db_backend: DbBackend) -> None:
    """unmanaged.0001's ``Legacy`` and ``Archive`` are ``managed = False``, without a table;
    0002 makes them real tables (``Legacy`` as wagtailadmin's 0003 does its ``Admin``:
    ``DeleteModel``, ``CreateModel``; ``Archive``: ``AlterModelOptions``, then a ``RunPython``
    that creates the table), into which rows go after the deploy. The rollback drops both
    tables, as it must: their rows are not looked for. (They were: the missing table threw
    away every row read, and every row of every table was said lost, after "schema differs
    from the start: cannot read the rows back: ... no such table".)"""
    result = rehearse(project, db_backend, "unmanaged:0001", settings=UNMANAGED_SETTINGS)
    assert (result.returncode, result.stderr) == (0, ""), result.describe()
    lines = [TIME.sub(" <t> ", line) for line in result.stdout.splitlines()]
    unfilled = "managed = False: its table is not created by migrations"
    assert lines[1:] == [
        "deploy 1: unmanaged.0002_legacy_archive_tables",
        "start (migrate to the starting point: 21 migrations) <t> ok",
        "deploy 1: rows at the start (48 rows in 12 tables, 2 not filled) <t> ok",
        "deploy 1: forward (migrate: 1 migration) <t> ok",
        # (Four rows in each of the two new tables.)
        "deploy 1: rows after the deploy (56 rows in 14 tables) <t> ok",
        "deploy 1: back (migrate: 1 migration) <t> ok",
        "deploy 1: compare with the start (schema and 48 rows unchanged) <t> ok",
        "deploy 1: forward again (migrate: 1 migration) <t> ok",
        f"not filled: unmanaged.Archive (unmanaged_archive): {unfilled}",
        f"not filled: unmanaged.Legacy (unmanaged_legacy): {unfilled}",
        "Rollback rehearsal passed: 1 deploy, forward, back and forward again.",
    ]


def test_the_foreign_key_removal_passes_on_empty_tables(
    project: Path, db_backend: DbBackend
) -> None:
    """What django-test-migrations checks (forward, back, forward, no rows) lets it through."""
    for target in ("0002", "0001", "0002"):
        done = run_manage(project, "migrate", "fkdrop", target, db=db_backend, settings=SETTINGS)
        assert done.returncode == 0, done.describe()


def fix(project: Path, *apps: str) -> None:
    # --unsafe-fixes: MF004's reverse that deletes the rows it created is an unsafe fix.
    fixed = run_fixer("--unsafe-fixes", *apps, cwd=project)
    assert fixed.returncode == 0, fixed.describe()
    assert fixed.stdout.endswith(" fixed, 0 remaining).\n"), fixed.stdout


def test_passes_once_migration_fixer_fixed_them(project: Path, db_backend: DbBackend) -> None:
    fix(project, "coldrop", "rawview", "dataseed")
    assert (project / "coldrop/migrations/0003_remove_item_code_remove_item_quantity.py").exists()

    # MF003's split: both deploys rehearsed (deploy 2 = the deferred drop, post_deploy = True).
    result = rehearse(project, db_backend, "coldrop:0001")
    assert result.returncode == 0, result.describe()
    lines = [TIME.sub(" <t> ", line) for line in result.stdout.splitlines()]
    rows = "44 rows in 11 tables"
    assert lines[1:] == [
        "deploy 1: coldrop.0002_remove_item_code_remove_item_quantity",
        "deploy 2: coldrop.0003_remove_item_code_remove_item_quantity",
        "start (migrate to the starting point: 19 migrations) <t> ok",
        f"deploy 1: rows at the start ({rows}) <t> ok",
        "deploy 1: forward (migrate: 1 migration) <t> ok",
        f"deploy 1: rows after the deploy ({rows}) <t> ok",
        "deploy 1: back (migrate: 1 migration) <t> ok",
        "deploy 1: compare with the start (schema and 44 rows unchanged) <t> ok",
        "deploy 1: forward again (migrate: 1 migration) <t> ok",
        f"deploy 2: rows at the start ({rows}) <t> ok",
        "deploy 2: forward (migrate: 1 migration) <t> ok",
        f"deploy 2: rows after the deploy ({rows}) <t> ok",
        "deploy 2: back (migrate: 1 migration) <t> ok",
        "deploy 2: compare with the start (schema and 132 rows unchanged) <t> ok",
        "deploy 2: forward again (migrate: 1 migration) <t> ok",
        "Rollback rehearsal passed: 2 deploys, forward, back and forward again.",
    ]
    assert result.stdout.startswith(f"Rehearsing rollbacks on {db_backend.vendor} (scratch ")

    # MF002's DROP VIEW IF EXISTS, MF004's reverse deleting the row it created.
    for target in ("rawview:0001", "dataseed:0001"):
        code, report = rehearse_json(project, db_backend, target)
        assert (code, names(report)) == (0, ["0:start:ok", *DEPLOY])


def test_rows_a_data_migration_inserted_with_their_keys(
    project: Path, db_backend: DbBackend
) -> None:
    # seededids.0001 inserts ids 1 to 3 with their keys (a RunPython whose reverse deletes
    # them): PostgreSQL's sequence stays at 1, and the generated rows collided with them
    # ("the database refused a row: duplicate key value violates unique constraint
    # ..._pkey", the table reported not filled). The sequence is moved forward past them;
    # MariaDB's AUTO_INCREMENT and SQLite move past explicit keys by themselves. (Moved
    # forward only: datapurge's lost rows keep their keys, see the test above.)
    code, report = rehearse_json(project, db_backend, "seededids:0001", "--keep-db")
    kept = report["database"]
    try:
        assert report["not_filled"] == []
        assert (code, names(report)) == (0, ["0:start:ok", *DEPLOY]), report
        assert report["deploys"] == [{"deploy": 1, "migrations": ["seededids.0002_item_note"]}]
        # The seeded rows, then the rehearsal's: four at the start, four after the deploy.
        scratch = DbBackend(db_backend.name, db_backend.vendor, kept, {}, db_backend.server)
        ids = scratch.query("SELECT id, name FROM seededids_item ORDER BY id")
        assert [row[0] for row in ids] == list(range(1, 12))
        assert [row[1] for row in ids[:3]] == ["one", "two", "three"]
        if db_backend.vendor != "sqlite":  # (a new temporary file each time there)
            # The kept database is in the way of the next rehearsal: Django's "Got an error
            # creating the test database: ... already exists" is said as what it is.
            again = rehearse(project, db_backend, "seededids:0001")
            assert again.returncode == 0, again.describe()
            assert again.stderr == (
                f"note: the scratch database {kept} was left by an earlier rehearsal "
                "(--keep-db): dropped and created again\n"
            )
    finally:
        drop_kept(db_backend, kept)


#: A data migration that knows the rows it meets (the three seededids.0001 loads): the
#: generated rows are not among them, as a tree's paths or a document's structure are not
#: what real rows hold (wagtailcore's data migrations failed so on generated pages).
KNOWN_NAMES = """\
from django.db import migrations

NUMBERS = {'one': 1, 'two': 2, 'three': 3}


def check_numbers(apps, schema_editor):
    Item = apps.get_model('seededids', 'Item')
    for item in Item.objects.order_by('id'):
        NUMBERS[item.name]


class Migration(migrations.Migration):
    dependencies = [('seededids', '0002_item_note')]
    operations = [migrations.RunPython(check_numbers, migrations.RunPython.noop)]
"""


def test_tables_left_empty_for_rows_a_data_migration_cannot_meet(
    project: Path, db_backend: DbBackend
) -> None:
    (project / "seededids" / "migrations" / "0003_check_numbers.py").write_text(KNOWN_NAMES)
    code, report = rehearse_json(project, db_backend, "seededids:0002")
    assert code == 1
    step, migration, operation, message = failure(report)
    assert (step, migration, operation) == (
        "deploy 1: forward",
        "seededids.0003_check_numbers",
        "operation 1, RunPython: Raw Python operation",
    )
    assert message.startswith("KeyError: 'Row"), message
    (failed,) = [s["failure"] for s in report["steps"] if not s["ok"]]
    assert failed["hint"] == (
        "if the generated rows are not rows this migration can meet (a tree's paths, a "
        "document's structure, names it looks up), leave those tables empty: "
        "--no-rows seededids.Item"
    )
    result = rehearse(project, db_backend, "seededids:0002", "--no-rows", "seededids.Item")
    assert (result.returncode, result.stderr) == (0, ""), result.describe()
    lines = [TIME.sub(" <t> ", line) for line in result.stdout.splitlines()]
    assert lines[1:] == [
        "deploy 1: seededids.0003_check_numbers",
        "start (migrate to the starting point: 20 migrations) <t> ok",
        "deploy 1: rows at the start (40 rows in 10 tables, 1 not filled) <t> ok",
        "deploy 1: forward (migrate: 1 migration) <t> ok",
        "deploy 1: rows after the deploy (40 rows in 10 tables, 1 not filled) <t> ok",
        "deploy 1: back (migrate: 1 migration) <t> ok",
        "deploy 1: compare with the start (schema and 40 rows unchanged) <t> ok",
        "deploy 1: forward again (migrate: 1 migration) <t> ok",
        "not filled: seededids.Item (seededids_item): left empty (--no-rows)",
        "Rollback rehearsal passed: 1 deploy, forward, back and forward again.",
    ]
    # An app label leaves every table of the app empty; one not installed is refused.
    assert rehearse(project, db_backend, "seededids:0002", "--no-rows", "seededids").returncode == 0
    refused = rehearse(project, db_backend, "seededids:0002", "--no-rows", "seeded")
    assert (refused.returncode, refused.stderr) == (
        2,
        "CommandError: --no-rows seeded: no installed app 'seeded'\n",
    )


def drop_kept(db: DbBackend, name: str) -> None:
    """Drop a scratch database that ``--keep-db`` kept."""
    if db.vendor == "sqlite":
        shutil.rmtree(Path(name).parent, ignore_errors=True)
        return
    force = " WITH (FORCE)" if db.vendor == "postgresql" else ""
    admin = db.connect()
    try:
        cursor = admin.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS {db.quote(name)}{force}")
        cursor.close()
    finally:
        admin.close()


def test_since_and_the_unapplied_plan(project: Path, db_backend: DbBackend) -> None:
    """--since REF: the migrations added since the merge-base; no argument: those not applied
    on the configured database, which is only read."""
    for app in SCENARIOS:
        if app not in {"coldrop", "rawview"}:
            (project / app / "migrations" / f"{SECONDS[app][0]}.py").unlink()
    fix(project, "coldrop", "rawview")
    code, report = rehearse_json(project, db_backend, "--since", "HEAD")
    assert code == 0
    deploys = [
        {
            "deploy": 1,
            "migrations": [
                "coldrop.0002_remove_item_code_remove_item_quantity",
                "rawview.0002_item_view",
            ],
        },
        {"deploy": 2, "migrations": ["coldrop.0003_remove_item_code_remove_item_quantity"]},
    ]
    assert report["deploys"] == deploys
    # Run from another folder (`python /srv/app/manage.py ...`): manage.py's repository.
    elsewhere = run_python(
        [
            str(project / "manage.py"),
            "rehearse_rollback",
            "--since",
            "HEAD",
            "--output-format",
            "json",
        ],
        cwd=project.parent,
        env={**db_backend.env, "DJANGO_SETTINGS_MODULE": SETTINGS},
    )
    assert elsewhere.returncode == 0, elsewhere.describe()
    assert json.loads(elsewhere.stdout)["deploys"] == deploys

    for args in (("migrate",), ("migrate", "coldrop", "0001"), ("migrate", "rawview", "0001")):
        done = run_manage(project, *args, db=db_backend, settings=SETTINGS)
        assert done.returncode == 0, done.describe()
    before = db_backend.query("SELECT app, name FROM django_migrations ORDER BY app, name")
    code, report = rehearse_json(project, db_backend)
    assert code == 0
    assert [d["migrations"] for d in report["deploys"]] == [
        [
            "coldrop.0002_remove_item_code_remove_item_quantity",
            "rawview.0002_item_view",
        ],
        ["coldrop.0003_remove_item_code_remove_item_quantity"],
    ]
    assert report["database"] != db_backend.database
    # The real database: same migrations applied, no rows inserted.
    assert db_backend.query("SELECT app, name FROM django_migrations ORDER BY app, name") == before
    assert db_backend.count("coldrop_item") == 0
    assert db_backend.count("dataseed_tag") == 0

    # Everything applied: nothing to rehearse, and no scratch database is created.
    done = run_manage(project, "migrate", db=db_backend, settings=SETTINGS)
    assert done.returncode == 0, done.describe()
    nothing = rehearse(project, db_backend)
    assert nothing.returncode == 0, nothing.describe()
    assert nothing.stdout.splitlines() == [
        f"Rehearsing rollbacks on {db_backend.vendor}, seed 0",
        "Nothing to rehearse: no migration in the plan.",
    ]


def test_rows_for_every_shape(project: Path, db_backend: DbBackend) -> None:
    done = run_manage(project, "rows_probe", "--seed", "7", db=db_backend, settings=SHAPES_SETTINGS)
    assert done.returncode == 0, done.describe()
    probe = json.loads(done.stdout)
    filled = {
        f"shapes.{name}": 4
        for name in (
            "Account",
            "Book",
            "Book_tags",
            "Category",
            "Club",
            "Everything",
            "Membership",
            "Pairing",
            "Period",
            "Person",
            "Place",
            "Profile",
            "Restaurant",
            "Tag",
        )
    }
    unfilled = [
        "shapes.Impossible (shapes_impossible): no generated row satisfies CheckConstraint "
        "'never' ((AND: ('value__gt', 10), ('value__lt', 5)))",
        "shapes.Node (shapes_node): non-null foreign key `parent` points to its own model: the "
        "first row has no row to point to",
        "shapes.Painting (shapes_painting): `colour` is a Colour, for which no value is known",
    ]
    batch2_unfilled = unfilled  # the self reference still has no first row to point to
    assert probe["batches"] == [
        {"rows": filled, "unfilled": unfilled},
        {"rows": filled, "unfilled": batch2_unfilled},
    ]
    tables = probe["tables"]
    assert {t: len(rows) for t, rows in tables.items()} == {
        "shapes_account": 8,
        "shapes_book": 8,
        "shapes_book_tags": 8,
        "shapes_category": 8,
        "shapes_club": 8,
        "shapes_everything": 8,
        "shapes_impossible": 0,
        "shapes_membership": 8,
        "shapes_node": 0,
        "shapes_painting": 0,
        "shapes_pairing": 8,
        "shapes_period": 8,
        "shapes_person": 8,
        "shapes_place": 16,  # its own rows and the restaurants' parent rows
        "shapes_profile": 8,
        "shapes_restaurant": 8,
        "shapes_tag": 8,
    }
    every = tables["shapes_everything"]
    for row in every:
        assert len(row["char"]) <= 6
        assert row["choice"] in {"a", "b"}
        assert row["grouped"] in {1, 2, 9}
        assert len(row["text"]) >= 12
        assert re.fullmatch(r"[-a-zA-Z0-9_]{1,10}", row["slug"])
        assert re.fullmatch(r"Row[0-9a-z]+@example\.com", row["email"])
        assert row["url"].startswith("https://example.com/")
        assert 100 <= row["integer"] <= 120
        assert 0 < row["positive_small"] <= 32767
        assert re.fullmatch(r"\d+\.\d\d", str(row["decimal"]))
    # Row 1 of each batch has NULL in every nullable column, the others a value.
    assert [row["maybe"] is None for row in every] == [False, True, False, False] * 2
    assert len({row["positive_small"] for row in every}) == 8  # unique
    assert len({row["uuid"] for row in every}) == 8
    # Parents before children, in both directions; self references point to earlier rows.
    people = {row["id"] for row in tables["shapes_person"]}
    assert all(row["author_id"] in people for row in tables["shapes_book"])
    books = {row["id"] for row in tables["shapes_book"]}
    favourites = [row["favourite_book_id"] for row in tables["shapes_person"]]
    assert favourites[:4] == [None] * 4  # no book yet in the first batch
    assert {f for f in favourites[4:] if f is not None} <= books
    assert None not in (favourites[4], favourites[6], favourites[7])
    categories = tables["shapes_category"]
    assert all(row["parent_id"] is None or row["parent_id"] < row["id"] for row in categories)
    assert any(row["parent_id"] is not None for row in categories)
    # One-to-one: distinct parents. M2M, automatic and through: distinct pairs.
    assert len({row["person_id"] for row in tables["shapes_profile"]}) == 8
    for table, pair in (
        ("shapes_book_tags", ("book_id", "tag_id")),
        ("shapes_membership", ("person_id", "club_id")),
        ("shapes_pairing", ("left_id", "right_id")),
    ):
        assert len({tuple(row[c] for c in pair) for row in tables[table]}) == 8
    # The CheckConstraint that can be satisfied is.
    assert all(row["start"] < row["end"] for row in tables["shapes_period"])
    # Unique strings: the last row of a batch is the case-swapped twin of the first, where the
    # database tells them apart (MariaDB's collation does not: an ordinary row instead).
    emails = [row["email"] for row in tables["shapes_account"]]
    if db_backend.name == "mariadb":
        assert len({e.lower() for e in emails}) == 8
    else:
        assert emails[3] == emails[0].swapcase()
        assert emails[7] == emails[4].swapcase()


def _strip_created(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in {"created", "id"}} for row in rows]


def test_rows_are_deterministic(project: Path, tmp_path: Path) -> None:
    def probe(seed: int, name: str) -> dict[str, Any]:
        env = {
            "DJANGO_SETTINGS_MODULE": SHAPES_SETTINGS,
            "MF_DB_ENGINE": "sqlite",
            "MF_DB_NAME": str(tmp_path / f"{name}.sqlite3"),
        }
        done = run_python(["manage.py", "rows_probe", "--seed", str(seed)], cwd=project, env=env)
        assert done.returncode == 0, done.describe()
        tables: dict[str, Any] = json.loads(done.stdout)["tables"]
        return {t: _strip_created(rows) for t, rows in tables.items()}

    first, same, other = probe(3, "a"), probe(3, "b"), probe(4, "c")
    assert first == same
    assert first["shapes_everything"] != other["shapes_everything"]


def test_output_formats_and_usage_errors(project: Path, tmp_path: Path) -> None:
    db = DbBackend(
        name="sqlite",
        vendor="sqlite",
        database=str(tmp_path / "db.sqlite3"),
        env={"MF_DB_ENGINE": "sqlite", "MF_DB_NAME": str(tmp_path / "db.sqlite3")},
    )
    result = rehearse(project, db, "dataseed:0001", "--output-format", "junit")
    assert result.returncode == 1, result.describe()
    suites = ET.fromstring(result.stdout)
    assert suites.tag == "testsuites"
    assert (suites.get("tests"), suites.get("failures")) == ("7", "1")
    cases = [(c.get("classname"), c.get("name")) for c in suites.iter("testcase")]
    assert cases == [
        ("rehearse_rollback.start", "start"),
        ("rehearse_rollback.deploy1", "rows at the start"),
        ("rehearse_rollback.deploy1", "forward"),
        ("rehearse_rollback.deploy1", "rows after the deploy"),
        ("rehearse_rollback.deploy1", "back"),
        ("rehearse_rollback.deploy1", "compare with the start"),
        ("rehearse_rollback.deploy1", "forward again"),
    ]
    (failed,) = suites.iter("failure")
    assert failed.get("message") == (
        "dataseed.0002_default_tag, operation 1, RunPython: Raw Python operation: "
        "IntegrityError: UNIQUE constraint failed: dataseed_tag.name"
    )

    code, report = rehearse_json(
        project, db, "dataseed:0001", "--seed", "5", settings=SHAPES_SETTINGS
    )
    assert code == 1
    assert (report["version"], report["seed"], report["ok"], report["exit_code"]) == (
        1,
        5,
        False,
        1,
    )
    assert report["not_filled"][0] == {
        "model": "shapes.Impossible",
        "table": "shapes_impossible",
        "reason": "no generated row satisfies CheckConstraint 'never' "
        "((AND: ('value__gt', 10), ('value__lt', 5)))",
    }

    for args, message in (
        (("nosuch:0001",), "'nosuch:0001': app 'nosuch' has no migrations"),
        (
            ("coldrop:0009",),
            "'coldrop:0009': There is no migration for 'coldrop' with the prefix '0009'",
        ),
        (("coldrop",), "'coldrop': expected APP:MIGRATION (or APP:zero)"),
        (
            ("--since", "nosuchref"),
            "--since nosuchref: unknown revision 'nosuchref' (no "
            "branch, tag or commit has that name)",
        ),
        (
            ("--since", "HEAD", "coldrop:0001"),
            "give --since REF or APP:MIGRATION arguments, not both",
        ),
        (("--database", "other"), "unknown database alias 'other'"),
    ):
        done = rehearse(project, db, *args)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", f"CommandError: {message}\n")

    # --keep-db keeps the temporary SQLite file and says where it is.
    kept = rehearse(project, db, "rawview:0001", "--keep-db")
    assert kept.returncode == 1
    path = re.search(r"Kept the scratch database (\S+)\.\n", kept.stdout)
    assert path is not None, kept.stdout
    assert Path(path.group(1)).is_file()
    shutil.rmtree(Path(path.group(1)).parent)


def test_an_ordering_that_names_a_removed_field(project: Path, db_backend: DbBackend) -> None:
    # A historical ``Meta.ordering`` keeps naming a field removed since (Django does not drop
    # it from the state): the rows were looked for in that order and the rehearsal ended in a
    # traceback (FieldError: Cannot resolve keyword 'rank' into field).
    migrations = project / "rawview" / "migrations"
    (migrations / "0003_item_rank.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('rawview', '0002_item_view')]\n"
        "    operations = [\n"
        "        migrations.AddField('item', 'rank', models.IntegerField(null=True)),\n"
        "        migrations.AlterModelOptions('item', {'ordering': ['rank']}),\n"
        "    ]\n"
    )
    (migrations / "0004_remove_item_rank.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('rawview', '0003_item_rank')]\n"
        "    operations = [migrations.RemoveField('item', 'rank')]\n"
    )
    (migrations / "0005_item_note.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('rawview', '0004_remove_item_rank')]\n"
        "    operations = [migrations.AddField('item', 'note', models.TextField(null=True))]\n"
    )
    done = rehearse(project, db_backend, "rawview:0004")
    assert (done.returncode, done.stderr) == (0, ""), done.describe()
    assert done.stdout.endswith(
        "Rollback rehearsal passed: 1 deploy, forward, back and forward again.\n"
    )


def test_a_migration_of_another_app_depending_on_the_target_is_not_rehearsed(
    project: Path, tmp_path: Path
) -> None:
    # `migrate coldrop 0001` leaves rawview.0003, which depends on coldrop.0001 itself,
    # applied: `rehearse_rollback coldrop:0001` rehearsed it too.
    (project / "rawview" / "migrations" / "0003_after_coldrop.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('rawview', '0002_item_view'), ('coldrop', '0001_initial')]\n"
        "    operations = [migrations.RunSQL('SELECT 1', 'SELECT 1')]\n"
    )
    with scratch_database("sqlite", tmp_path) as db:
        _, report = rehearse_json(project, db, "coldrop:0001")
        assert report["deploys"] == [
            {"deploy": 1, "migrations": ["coldrop.0002_remove_item_code_remove_item_quantity"]}
        ]
        _, report = rehearse_json(project, db, "rawview:0002")
        assert report["deploys"] == [{"deploy": 1, "migrations": ["rawview.0003_after_coldrop"]}]


def test_never_the_real_database(project: Path, db_backend: DbBackend) -> None:
    # The alias' TEST NAME is the real database's: the scratch one is that name plus
    # "_rehearsal".
    (project / "same_settings.py").write_text(
        f"from {SETTINGS} import *  # noqa: F403\n\n"
        "DATABASES['default']['TEST'] = {'NAME': DATABASES['default']['NAME']}  # noqa: F405\n"
    )
    done = run_manage(
        project,
        "rehearse_rollback",
        "rawview:0001",
        "--noinput",  # (accepted, as migrate accepts it: the rehearsal asks nothing)
        db=db_backend,
        settings="same_settings",
    )
    assert done.returncode == 1, done.describe()
    first = done.stdout.splitlines()[0]
    if db_backend.name == "sqlite":
        # SQLite always rehearses on a new temporary file: the real one is never created.
        assert "/rehearse_rollback_" in first
        assert not Path(db_backend.database).exists()
        return
    assert f"(scratch database {db_backend.database}_rehearsal)" in first
    assert db_backend.tables() == set()  # nothing was written to the real database
    # A real database whose name is the scratch database's is refused.
    (project / "same_settings.py").write_text(
        f"from {SETTINGS} import *  # noqa: F403\n\n"
        "DATABASES['default']['TEST'] = {'NAME': DATABASES['default']['NAME']}  # noqa: F405\n"
        "DATABASES['default']['NAME'] += '_rehearsal'  # noqa: F405\n"
    )
    done = run_manage(
        project, "rehearse_rollback", "rawview:0001", db=db_backend, settings="same_settings"
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"CommandError: database 'default': the test database name "
        f"'{db_backend.database}_rehearsal' is the real database's name; refusing to use it\n"
    )


def test_a_kept_test_database_is_left_alone(project: Path, db_backend: DbBackend) -> None:
    # ``manage.py test --keepdb`` keeps ``test_<name>``: the rehearsal's scratch database is
    # ``test_<name>_rehearsal``, and one a killed rehearsal left behind is replaced.
    if db_backend.name == "sqlite":
        pytest.skip("SQLite rehearses on a temporary file, never on a kept test database")
    assert db_backend.server is not None
    quote = db_backend.quote
    kept, leftover = f"test_{db_backend.database}", f"test_{db_backend.database}_rehearsal"
    create = "CREATE DATABASE {}" + (
        " WITH TEMPLATE template0" if db_backend.vendor == "postgresql" else ""
    )
    admin = db_backend.connect()
    try:
        cursor = admin.cursor()
        for name in (kept, leftover):
            cursor.execute(create.format(quote(name)))
        cursor.close()
        for name in (kept, leftover):
            marked = DbBackend(db_backend.name, db_backend.vendor, name, {}, db_backend.server)
            marked.query("CREATE TABLE marker (n integer)")
            marked.query("INSERT INTO marker VALUES (7)")
        done = rehearse(project, db_backend, "coldrop:0001")
        assert f"(scratch database {leftover})" in done.stdout.splitlines()[0], done.describe()
        kept_db = DbBackend(db_backend.name, db_backend.vendor, kept, {}, db_backend.server)
        assert kept_db.query("SELECT n FROM marker") == [(7,)]
        cursor = admin.cursor()
        cursor.execute(
            "SELECT datname FROM pg_database"
            if db_backend.vendor == "postgresql"
            else "SELECT schema_name FROM information_schema.schemata"
        )
        assert leftover not in {row[0] for row in cursor.fetchall()}  # replaced, then dropped
        cursor.close()
    finally:
        cursor = admin.cursor()
        for name in (kept, leftover):
            force = " WITH (FORCE)" if db_backend.vendor == "postgresql" else ""
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}{force}")
        cursor.close()
        admin.close()


def test_pytest_plugin_and_fixture(project: Path, tmp_path: Path) -> None:
    for app in SCENARIOS:
        if app not in {"coldrop", "dataseed"}:
            (project / app / "migrations" / f"{SECONDS[app][0]}.py").unlink()
    fix(project, "coldrop")
    env = {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "MF_DB_ENGINE": "sqlite",
        "MF_DB_NAME": str(tmp_path / "db.sqlite3"),
    }
    pytest_args = ["-m", "pytest", "-p", "no:cacheprovider", "-p", "no:cov", "-v", "-rA"]
    done = run_python([*pytest_args, "--rehearse-rollback=HEAD"], cwd=project, env=env)
    assert done.returncode == 1, done.describe()
    outcomes = [line for line in done.stdout.splitlines() if line.startswith("rehearse_rollback")]
    assert [TIME.sub(" ", o).split("[")[0].rstrip() for o in outcomes] == [
        "rehearse_rollback::deploy 1 FAILED",
        "rehearse_rollback::deploy 2 SKIPPED (deploy 1 failed)",
    ]
    assert "rehearse-rollback: migrations added since HEAD (database default)" in done.stdout
    assert (
        "FAILED at deploy 1: forward again: dataseed.0002_default_tag, operation 1, RunPython: "
        "Raw Python operation: IntegrityError: UNIQUE constraint failed: dataseed_tag.name"
    ) in done.stdout

    (project / "dataseed/migrations/0002_default_tag.py").unlink()
    (project / "test_rollbacks.py").write_text(
        "def test_rollback_of_coldrop(rehearse_rollback):\n"
        "    report = rehearse_rollback('coldrop:0001', seed=2)\n"
        "    assert report.ok\n"
        "    assert len(report.phases) == 2\n"
        "\n\n"
        "def test_rollback_of_coldrop_without_its_rows(rehearse_rollback):\n"
        "    report = rehearse_rollback('coldrop:0001', no_rows=['coldrop'])\n"
        "    assert report.ok\n"
        "    assert [u.describe() for u in report.unfilled] == [\n"
        "        'coldrop.Item (coldrop_item): left empty (--no-rows)'\n"
        "    ]\n"
    )
    done = run_python([*pytest_args, "--rehearse-rollback=HEAD"], cwd=project, env=env)
    assert done.returncode == 0, done.describe()
    assert "4 passed" in done.stdout
    for item in ("deploy 1", "deploy 2"):
        assert f"rehearse_rollback::{item} PASSED" in done.stdout
    assert "test_rollbacks.py::test_rollback_of_coldrop PASSED" in done.stdout

    assert "test_rollbacks.py::test_rollback_of_coldrop_without_its_rows PASSED" in done.stdout
    unknown = ["--rehearse-rollback=HEAD", "--rehearse-rollback-no-rows", "nosuch"]
    refused = run_python([*pytest_args, *unknown], cwd=project, env=env)
    assert refused.returncode == 4, refused.describe()
    assert "ERROR: --rehearse-rollback-no-rows nosuch: no installed app 'nosuch'" in refused.stderr

    # Without the option the plugin adds nothing; without settings it says what is missing.
    plain = run_python([*pytest_args], cwd=project, env=env)
    assert plain.returncode == 0, plain.describe()
    assert "rehearse_rollback::" not in plain.stdout
    bare = run_python([*pytest_args, "--rehearse-rollback"], cwd=project, env={})
    assert bare.returncode == 4, bare.describe()
    assert (
        "ERROR: --rehearse-rollback needs Django settings: set DJANGO_SETTINGS_MODULE "
        "(or pytest-django's --ds)"
    ) in bare.stderr
    commit_all(project, "all")
    assert git(project, "status", "--short") == ""
