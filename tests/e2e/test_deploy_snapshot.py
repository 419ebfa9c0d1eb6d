"""`manage.py schema_snapshot` on SQLite, PostgreSQL and MariaDB: what a snapshot holds, a
reversible migration rolled back compares equal (even where Django rebuilds the table), and a
rollback through a no-op `RunSQL` reverse is caught (the leftover index is named)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .deploy_helpers import DeployProject, migration_source
from .harness import DbBackend

#: alpha_item as each backend spells it.
ITEM_COLUMNS = {
    "sqlite": {
        "id": {"type": "integer", "null": False, "default": None},
        "name": {"type": "varchar(32)", "null": False, "default": None},
        "qty": {"type": "integer", "null": False, "default": "0"},
        "note": {"type": "text", "null": True, "default": None},
        "owner_id": {"type": "bigint", "null": False, "default": None},
    },
    "postgresql": {
        "id": {"type": "bigint", "null": False, "default": None},
        "name": {"type": "character varying(32)", "null": False, "default": None},
        "qty": {"type": "integer", "null": False, "default": "0"},
        "note": {"type": "text", "null": True, "default": None},
        "owner_id": {"type": "bigint", "null": False, "default": None},
    },
    "mariadb": {
        "id": {"type": "bigint(20)", "null": False, "default": None},
        "name": {"type": "varchar(32)", "null": False, "default": None},
        "qty": {"type": "int(11)", "null": False, "default": "0"},
        "note": {"type": "longtext", "null": True, "default": None},  # (its bare NULL)
        "owner_id": {"type": "bigint(20)", "null": False, "default": None},
    },
}
FK = {"kind": "foreign key", "columns": ["owner_id"], "references": "beta_owner.id"}
CHECK = {"kind": "check", "columns": ["qty"]}
QTY_IDX = {
    "kind": "index",
    "columns": ["qty", "name"],
    "index_type": "btree",
    "orders": ["ASC", "DESC"],
}
OWNER_IDX = {"kind": "index", "columns": ["owner_id"], "index_type": "btree"}
ITEM_CONSTRAINTS = {
    "sqlite": {
        "<unnamed foreign key (owner_id) -> beta_owner.id>": FK,
        "<unnamed primary key (id)>": {"kind": "primary key", "columns": ["id"]},
        "<unnamed unique (name)>": {"kind": "unique", "columns": ["name"]},
        "alpha_item_owner_id_74ab6bc0": OWNER_IDX,
        "alpha_qty_gte_0": CHECK,
        "alpha_qty_idx": QTY_IDX,
    },
    "postgresql": {
        "alpha_item_name_8c76b68e_like": {
            "kind": "index",
            "columns": ["name"],
            "index_type": "btree",
        },
        "alpha_item_name_key": {"kind": "unique", "columns": ["name"]},
        "alpha_item_owner_id_74ab6bc0": OWNER_IDX,
        "alpha_item_owner_id_74ab6bc0_fk_beta_owner_id": FK,
        "alpha_item_pkey": {"kind": "primary key", "columns": ["id"]},
        "alpha_qty_gte_0": CHECK,
        "alpha_qty_idx": QTY_IDX,
    },
    "mariadb": {
        "PRIMARY": {"kind": "primary key", "columns": ["id"]},
        "alpha_item_owner_id_74ab6bc0_fk_beta_owner_id": FK,
        "alpha_qty_gte_0": CHECK,
        "alpha_qty_idx": QTY_IDX,
        "name": {"kind": "unique", "columns": ["name"], "index_type": "btree"},
    },
}


def test_snapshot_holds_columns_and_constraints(db_backend: DbBackend, tmp_path: Path) -> None:
    project = DeployProject.create(tmp_path, db_backend)
    assert project.manage("migrate", "-v0").returncode == 0
    result = project.manage("schema_snapshot")
    assert result.returncode == 0, result.describe()
    snapshot = json.loads(result.stdout)
    assert snapshot["vendor"] == db_backend.vendor
    assert sorted(snapshot["tables"]) == [
        "alpha_item",
        "beta_owner",
        "django_migrations",
        "gamma_tag",
    ]
    item = snapshot["tables"]["alpha_item"]
    assert item["kind"] == "table"
    assert item["columns"] == ITEM_COLUMNS[db_backend.name]
    assert item["constraints"] == ITEM_CONSTRAINTS[db_backend.name]


def test_rollback_compares_equal_and_a_noop_reverse_is_caught(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    project = DeployProject.create(tmp_path, db_backend)
    assert project.manage("migrate", "-v0").returncode == 0
    db_backend.query("INSERT INTO beta_owner (id, email) VALUES (1, 'a@example.com')")
    db_backend.query("INSERT INTO alpha_item (name, qty, owner_id) VALUES ('one', 1, 1)")
    before = tmp_path / "before.json"
    result = project.manage("schema_snapshot", "--output", str(before))
    assert (result.returncode, result.stdout) == (
        0,
        f"Schema of database 'default' (4 tables) written to {before}\n",
    )
    # A reversible change that SQLite performs by rebuilding the table.
    project.write(
        "alpha",
        "0002_more",
        migration_source(
            [("alpha", "0001_initial")],
            """\
            migrations.AddField("item", "price", models.IntegerField(default=5)),
            migrations.AlterField("item", "note", models.TextField(default="")),
            """,
        ),
    )
    assert project.manage("migrate", "-v0").returncode == 0
    changed = project.manage("schema_snapshot", "--compare", str(before))
    assert changed.returncode == 1
    assert "column alpha_item.price: added (absent before; " in changed.stdout
    assert project.manage("migrate", "alpha", "0001", "-v0").returncode == 0
    same = project.manage("schema_snapshot", "--compare", str(before))
    assert (same.returncode, same.stdout) == (
        0,
        f"Schema of database 'default' matches {before}.\n",
    )
    # A RunSQL with a no-op reverse: the rollback "works" and leaves the index behind.
    project.write(
        "alpha",
        "0002_more",
        migration_source(
            [("alpha", "0001_initial")],
            """\
            migrations.RunSQL(
                "CREATE INDEX alpha_item_note_extra ON alpha_item (qty)",
                reverse_sql=migrations.RunSQL.noop,
            ),
            """,
        ),
    )
    assert project.manage("migrate", "-v0").returncode == 0
    assert project.manage("migrate", "alpha", "0001", "-v0").returncode == 0
    leftover = project.manage("schema_snapshot", "--compare", str(before))
    assert (leftover.returncode, leftover.stdout, leftover.stderr) == (
        1,
        f"Schema of database 'default' differs from {before} (1 difference):\n"
        "  index alpha_item_note_extra on alpha_item: added (index (qty) btree)\n",
        "",
    )
    assert db_backend.query("SELECT name, qty FROM alpha_item") == [("one", 1)]


def test_schema_snapshot_bad_file_and_other_database(db_backend: DbBackend, tmp_path: Path) -> None:
    project = DeployProject.create(tmp_path, db_backend)
    # manage.py runs the Django under test (the oldest supported one in the rerun of
    # tests/deploy/test_django_versions.py).
    version = project.manage("version").stdout.strip()
    assert version == os.environ.get("MIGRATION_FIXER_DJANGO_UNDER_TEST", version)
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    result = project.manage("schema_snapshot", "--compare", str(bad))
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"CommandError: {bad}: not a schema snapshot written by migration-fixer "
        "(ValueError('format None'))\n",
    )
    # The `other` alias (an SQLite file here) is snapshotted, not `default`.
    assert project.manage("migrate", "--database", "other", "-v0").returncode == 0
    other = json.loads(project.manage("schema_snapshot", "--database", "other").stdout)
    assert (other["vendor"], sorted(other["tables"])[:2]) == (
        "sqlite",
        ["alpha_item", "beta_owner"],
    )
    default = json.loads(project.manage("schema_snapshot").stdout)
    assert default["tables"] == {}
