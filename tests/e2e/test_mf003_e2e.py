"""MF003 for real: a non-null field removal, split by the fixer, deployed and rolled back.

The project (tests/e2e/mf003_project.py) is a git repository whose uncommitted migration 0003
removes, from a model with rows, a non-null `ForeignKey`, a `CharField`, an `IntegerField`, a
`BooleanField` (added by 0002 with a one-off default, `preserve_default=False`) and a blank
`CharField` (safe to re-add: no finding). On SQLite, PostgreSQL and MariaDB:

a) before the fix, rolling 0003 back fails with the database's error (MariaDB first fills the
   plain columns with ''/0 and then fails on the foreign key: half-applied);
b) the fixer splits 0003 (nullable step + backfills) and writes the deferred drop 0004; its output,
   the FK's "manual value" hint included, is asserted line by line; makemigrations sees no change;
c) deploy 1 (0003), new rows written without the fields, roll back: refused by the database while
   the FK is NULL (why the hint exists); after filling the FK by hand as the hint says, it works:
   every row kept, placeholders where NULLs were;
d) deploy 1 again, deploy 2 (0004), roll back to 0003, forward again: every step works, no row
   is lost, and the final schema equals the one the unfixed migration produced.
"""

from __future__ import annotations

import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from .harness import DbBackend, run_fixer, scratch_database
from .mf003_project import (
    ITEM,
    NEW_ITEMS,
    OLD_ITEMS,
    SUPPLIER,
    Project,
    Step,
    build_project,
    insert_new_rows,
    insert_old_rows,
)

BASE = "0002_item_active"

#: Rolling the unfixed removal back (its last operation, `active`, is reversed first).
UNFIXED_ROLLBACK_ERROR = {
    "sqlite": "IntegrityError: NOT NULL constraint failed: new__inventory_item.active",
    "postgresql": 'column "active" of relation "inventory_item" contains null values',
    "mariadb": "IntegrityError: (1452, 'Cannot add or update a child row",
}
#: Rolling deploy 1 back while rows have a NULL foreign key.
FK_NULL_ROLLBACK_ERROR = {
    "sqlite": "IntegrityError: NOT NULL constraint failed: new__inventory_item.supplier_id",
    "postgresql": 'column "supplier_id" of relation "inventory_item" contains null values',
    "mariadb": "(1265, \"Data truncated for column 'supplier_id'",
}

FK_BACKFILL = """
def backfill_item_supplier(apps, schema_editor):
    # MF003: `supplier` is a foreign key: there is no placeholder for rows written
    # while it was nullable. Before rolling this migration back, point them at a
    # row, e.g.:
    # Item.objects.filter(supplier__isnull=True).update(supplier=<an instance>)
    # Run the deferred foreign key checks now: ALTER TABLE refuses pending ones.
    if schema_editor.connection.vendor == 'postgresql':
        schema_editor.execute('SET CONSTRAINTS ALL IMMEDIATE')
        schema_editor.execute('SET CONSTRAINTS ALL DEFERRED')
"""

ACTIVE_NULLABLE = """
        migrations.AlterField(
            model_name='item',
            name='active',
            field=models.BooleanField(default=True, null=True),
            preserve_default=False,
        ),
"""


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row with booleans as bool (SQLite and MariaDB return 0/1) and no id."""
    out = {k: v for k, v in row.items() if k != "id"}
    if out.get("active") is not None:
        out["active"] = bool(out["active"])
    return out


def _ids(suppliers: list[dict[str, Any]]) -> dict[str, int]:
    return {row["name"]: row["id"] for row in suppliers}


def _names(rows: list[dict[str, Any]]) -> list[str]:
    return [row["name"] for row in rows]


def _old_rows(supplier_ids: dict[str, int], note: str | None) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "supplier_id": supplier_ids[("Acme", "Globex")[supplier]],
            "code": code,
            "quantity": quantity,
            "active": active,
            "note": f"{name}!" if note is None else note,
        }
        for name, supplier, code, quantity, active in OLD_ITEMS
    ]


def _columns(schema: dict[str, Any]) -> dict[str, bool]:
    """{column: nullable}."""
    return {name: null for name, _, _, null, _ in schema["columns"]}


def _unordered(schema: dict[str, Any]) -> dict[str, Any]:
    return {"columns": sorted(schema["columns"]), "constraints": schema["constraints"]}


def _expected_output(project: Project, drop: str) -> str:
    removal = project.removal
    path = f"inventory/migrations/{removal}.py"
    plan = (
        f"deploy {removal}.py (the field stays, nullable) in this release; {drop}.py drops it "
        "and is marked to run after the deploy: ship it in a later release, once no running "
        "code reads the column"
    )
    no_default = "re-adding it fails on SQLite and PostgreSQL, and MySQL/MariaDB silently fill"
    return (
        f"{path}:17:9: MF003 removing `item.supplier` cannot be rolled back: non-null "
        "`ForeignKey` has no value for existing rows: re-adding it fails on every database "
        "(a foreign key cannot be filled with a placeholder) [fixed]\n"
        f"  hint: a foreign key has no placeholder: before rolling {removal} back, give rows "
        f"with NULL `supplier` a value by hand (see `backfill_item_supplier`). {plan}\n"
        f"{path}:21:9: MF003 removing `item.code` cannot be rolled back: non-null `CharField` "
        f"with no default: {no_default} every row with '' [fixed]\n"
        f"  hint: {plan}\n"
        f"{path}:25:9: MF003 removing `item.quantity` cannot be rolled back: non-null "
        f"`IntegerField` with no default: {no_default} every row with 0 [fixed]\n"
        f"  hint: {plan}\n"
        f"{path}:29:9: MF003 removing `item.active` cannot be rolled back: non-null "
        "`BooleanField` with no default (its default has preserve_default=False): "
        f"{no_default} every row with 0 [fixed]\n"
        f"  hint: {plan}\n"
        "Found 4 findings in 3 migration files (4 fixed, 0 remaining).\n"
    )


def test_mf003_split_deploys_and_rolls_back(
    db_backend: DbBackend, tmp_path: Path, record_property: Any
) -> None:
    started = time.perf_counter()
    backend = db_backend.name
    project = build_project(tmp_path / "project")
    removal = project.removal
    assert removal == "0003_remove_item_note_remove_item_supplier_and_more"
    unfixed_text = (project.migrations / f"{removal}.py").read_text()

    # -- a) before the fix, on a database of its own --------------------------------------------
    (tmp_path / "unfixed").mkdir()
    with scratch_database(backend, tmp_path / "unfixed") as unfixed_db:
        unfixed = project.steps(
            unfixed_db,
            [
                ("", "migrate", BASE),
                *insert_old_rows(),
                ("", "migrate", removal),
                ("schema_item", "schema", ITEM),
                ("schema_supplier", "schema", SUPPLIER),
                ("rows", "rows", ITEM),
                ("!rollback", "migrate", BASE),
                ("applied", "applied", None),
                ("rows_after", "rows", ITEM),
            ],
        )
    assert _names(unfixed["rows"]) == [name for name, *_ in OLD_ITEMS]
    assert _columns(unfixed["schema_item"]) == {"id": False, "name": False}
    assert UNFIXED_ROLLBACK_ERROR[backend] in unfixed["!rollback"], unfixed["!rollback"]
    assert unfixed["applied"][-1] == removal  # still applied: the rollback is stuck
    if backend == "mariadb":
        # Before failing on the foreign key (error 1452), MariaDB re-added the other columns,
        # inventing '' and 0 for every existing row: the rollback is half-applied, and had the
        # migration not removed a foreign key it would have "succeeded" with these values.
        assert [_plain(row) for row in unfixed["rows_after"]] == [
            {"name": name, "code": "", "quantity": 0, "active": False} for name, *_ in OLD_ITEMS
        ]
    else:
        assert unfixed["rows_after"] == unfixed["rows"]  # atomic: nothing changed

    # -- b) the fix ------------------------------------------------------------------------------
    fixed = run_fixer(".", cwd=project.root)
    names = project.migration_names()
    assert names[:3] == ["0001_initial", BASE, removal]
    assert len(names) == 4, names
    drop = names[3]
    assert drop == "0004_remove_item_supplier_remove_item_code_and_more"
    # MF003 flags all four on every database, MariaDB's silent '' / 0 included; `note`
    # (a blank CharField) is safe to re-add and not reported.
    assert fixed.returncode == 0, fixed.describe()
    assert fixed.stdout == _expected_output(project, drop), fixed.describe()
    fixed_text = (project.migrations / f"{removal}.py").read_text()
    drop_text = (project.migrations / f"{drop}.py").read_text()
    assert fixed_text != unfixed_text
    assert FK_BACKFILL in fixed_text, fixed_text  # nothing automatic for the foreign key
    # the one-off default of 0002 stays out of the state, as in 0002
    assert ACTIVE_NULLABLE in fixed_text, fixed_text
    assert "post_deploy = True" in drop_text
    # quoted as makemigrations quoted the migration it comes from
    assert f"('inventory', '{removal}')" in drop_text

    again = run_fixer("--check", ".", cwd=project.root)
    assert again.returncode == 0, again.describe()
    check = project.manage(db_backend, "makemigrations", "--check", "--dry-run")
    assert check.returncode == 0, check.describe()
    assert "No changes detected" in check.stdout, check.describe()

    # -- c) and d): deploy 1, roll back, deploy 1, deploy 2, roll back, forward --------------------
    steps: list[Step] = [
        ("", "migrate", BASE),  # production, before the release
        *insert_old_rows(),
        ("suppliers", "rows", SUPPLIER),
        ("", "migrate", removal),  # deploy 1
        ("deploy1_schema", "schema", ITEM),
        insert_new_rows(project.removed),  # the new code writes rows without the fields
        ("deploy1_rows", "rows", ITEM),
        ("!rollback_fk_null", "migrate", BASE),  # the FK's backfill has no value to give
        ("failed_applied", "applied", None),
        ("failed_rows", "rows", ITEM),
        # What the hint asks for: give the rows with a NULL foreign key a value by hand.
        (
            "",
            "sql",
            [
                f"UPDATE {ITEM} SET supplier_id = (SELECT id FROM {SUPPLIER} WHERE name = %s) "
                "WHERE supplier_id IS NULL",
                ["Acme"],
            ],
        ),
        ("", "migrate", BASE),  # roll deploy 1 back
        ("rolled_back_applied", "applied", None),
        ("rolled_back_schema", "schema", ITEM),
        ("rolled_back_rows", "rows", ITEM),
        ("", "migrate", removal),  # deploy 1 again
        ("", "migrate", drop),  # deploy 2
        ("deploy2_rows", "rows", ITEM),
        ("", "migrate", removal),  # roll deploy 2 back
        ("rolled_back2_applied", "applied", None),
        ("rolled_back2_schema", "schema", ITEM),
        ("rolled_back2_rows", "rows", ITEM),
        ("", "migrate", drop),  # forward again
        ("final_applied", "applied", None),
        ("final_rows", "rows", ITEM),
        ("final_schema_item", "schema", ITEM),
        ("final_schema_supplier", "schema", SUPPLIER),
    ]
    out = project.steps(db_backend, steps)
    supplier_ids = _ids(out["suppliers"])
    all_names = [name for name, *_ in OLD_ITEMS] + list(NEW_ITEMS)
    nullable = {"supplier_id", "code", "quantity", "active"}

    # deploy 1: the fields are still there, nullable; the new code's rows have NULLs in them
    assert _columns(out["deploy1_schema"]) == {
        "id": False,
        "name": False,
        **dict.fromkeys(nullable, True),
    }
    deploy1 = [_plain(row) for row in out["deploy1_rows"]]
    assert deploy1 == [
        {k: v for k, v in row.items() if k != "note"} for row in _old_rows(supplier_ids, "")
    ] + [dict.fromkeys(["name", *sorted(nullable)]) | {"name": n} for n in NEW_ITEMS]

    # c) rolling deploy 1 back while the foreign key is NULL: the database refuses
    assert FK_NULL_ROLLBACK_ERROR[backend] in out["!rollback_fk_null"], out["!rollback_fk_null"]
    assert out["failed_applied"][-1] == removal
    failed = [_plain(row) for row in out["failed_rows"]]
    assert _names(out["failed_rows"]) == all_names
    if backend == "mariadb":
        # No transactional DDL: the backfills and ALTERs reversed before the foreign key's
        # stay applied; the second attempt below picks up from there.
        assert [(r["code"], r["quantity"], r["active"]) for r in failed[3:]] == [("", 0, True)] * 2
    else:
        assert failed == deploy1

    # ... after the hint's manual step it works: no row lost, placeholders where NULLs were
    assert out["rolled_back_applied"][-1] == BASE
    assert _columns(out["rolled_back_schema"]) == {
        "id": False,
        "name": False,
        "supplier_id": False,
        "code": False,
        "quantity": False,
        "active": False,
        "note": False,
    }
    placeholders = {"supplier_id": supplier_ids["Acme"], "code": "", "quantity": 0}
    # `active`: the backfill uses the one-off default given to 0002 (True), not False.
    assert [_plain(row) for row in out["rolled_back_rows"]] == _old_rows(supplier_ids, "") + [
        {"name": name, **placeholders, "active": True, "note": ""} for name in NEW_ITEMS
    ]

    # d) deploy 2 drops the columns; rolling it back re-adds them (empty: that is why the drop
    # belongs to a later deploy than the nullable step); forward again
    assert [_plain(row) for row in out["deploy2_rows"]] == [{"name": n} for n in all_names]
    assert out["rolled_back2_applied"][-1] == removal
    # the same columns (re-added at the end of the table) and constraints as in deploy 1
    assert _unordered(out["rolled_back2_schema"]) == _unordered(out["deploy1_schema"])
    assert [_plain(row) for row in out["rolled_back2_rows"]] == [
        dict.fromkeys(["name", *sorted(nullable)]) | {"name": n} for n in all_names
    ]
    assert out["final_applied"] == ["0001_initial", BASE, removal, drop]
    assert [_plain(row) for row in out["final_rows"]] == [{"name": n} for n in all_names]
    # the final schema is the one the unfixed migration produced
    assert out["final_schema_item"] == unfixed["schema_item"]
    assert out["final_schema_supplier"] == unfixed["schema_supplier"]

    record_property("seconds", round(time.perf_counter() - started, 2))


@pytest.mark.skipif(
    int(version("django").split(".")[0]) < 5, reason="db_default needs Django 5.0 or newer"
)
def test_mf003_without_foreign_key_db_default(db_backend: DbBackend, tmp_path: Path) -> None:
    """The same removal without the foreign key: before the fix, MariaDB's rollback "succeeds"
    by inventing '' / 0 / False (MF003 flags it all the same); SQLite and PostgreSQL refuse.
    With `--strategy db-default` the columns stay NOT NULL with a database default, so the new
    code's rows get that value on INSERT, and rolling deploy 1 back needs no backfill."""
    backend = db_backend.name
    removed = ("code", "quantity", "active")
    project = build_project(tmp_path / "project", removed)
    removal = project.removal
    assert removal == "0003_remove_item_code_remove_item_quantity_and_more"

    (tmp_path / "unfixed").mkdir()
    with scratch_database(backend, tmp_path / "unfixed") as unfixed_db:
        label = "rollback" if backend == "mariadb" else "!rollback"
        unfixed = project.steps(
            unfixed_db,
            [
                ("", "migrate", BASE),
                *insert_old_rows(),
                ("", "migrate", removal),
                (label, "migrate", BASE),
                ("suppliers", "rows", SUPPLIER),
                ("rows", "rows", ITEM),
            ],
        )
    if backend == "mariadb":
        # "Succeeded": every row now has '' / 0 / False, whatever it had before.
        assert [_plain(row) for row in unfixed["rows"]] == [
            {**row, "code": "", "quantity": 0, "active": False}
            for row in _old_rows(_ids(unfixed["suppliers"]), None)
        ]
    else:
        assert UNFIXED_ROLLBACK_ERROR[backend] in unfixed["!rollback"], unfixed["!rollback"]

    before = project.steps(
        db_backend, [("", "migrate", BASE), *insert_old_rows(), ("suppliers", "rows", SUPPLIER)]
    )
    supplier_ids = _ids(before["suppliers"])

    fixed = run_fixer("--strategy", "db-default", ".", cwd=project.root)
    assert fixed.returncode == 0, fixed.describe()
    lines = fixed.stdout.splitlines()
    assert [line.split(": MF003 ")[1].split(":")[0] for line in lines if " MF003 " in line] == [
        f"removing `item.{name}` cannot be rolled back" for name in removed
    ]
    assert lines[-1] == "Found 3 findings in 3 migration files (3 fixed, 0 remaining)."
    text = (project.migrations / f"{removal}.py").read_text()
    for expression in (
        "models.CharField(max_length=20, db_default='')",
        "models.IntegerField(db_default=0)",
        "models.BooleanField(default=True, db_default=True)",
    ):
        assert expression in text, text
    assert "RunPython" not in text, text
    assert "null=True" not in text, text

    out = project.steps(
        db_backend,
        [
            ("", "migrate", removal),  # deploy 1
            ("deploy1_schema", "schema", ITEM),
            insert_new_rows(removed),
            ("deploy1_rows", "rows", ITEM),
            ("", "migrate", BASE),  # roll deploy 1 back
            ("applied", "applied", None),
            ("rows", "rows", ITEM),
        ],
    )
    assert all(not null for null in _columns(out["deploy1_schema"]).values())
    # no NULL is ever written: the database fills the columns the new code leaves out
    assert [_plain(row) for row in out["deploy1_rows"]] == [_plain(row) for row in out["rows"]]
    assert out["applied"][-1] == BASE
    assert [_plain(row) for row in out["rows"]] == _old_rows(supplier_ids, None) + [
        {
            "name": name,
            "supplier_id": supplier_ids["Acme"],
            "code": "",
            "quantity": 0,
            "active": True,
            "note": "",
        }
        for name in NEW_ITEMS
    ]
