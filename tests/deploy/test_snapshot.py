"""migration_fixer.django.snapshot: the comparison and the JSON file (the snapshot of real
databases is tested end to end in tests/e2e/test_deploy_snapshot.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migration_fixer.django.snapshot import (
    Column,
    Constraint,
    Snapshot,
    SnapshotError,
    Table,
    compare_snapshots,
    read_snapshot,
    write_snapshot,
)


def product(**changes: object) -> Table:
    columns = {
        "id": Column("bigint", False, None),
        "sku": Column("varchar(32)", False, None),
        "qty": Column("integer", False, "0"),
    }
    constraints = {
        "shop_product_pkey": Constraint("primary key", ("id",)),
        "shop_product_sku_key": Constraint("unique", ("sku",)),
        "shop_product_owner_fk": Constraint("foreign key", ("owner_id",), "auth_user.id"),
        "shop_qty_idx": Constraint("index", ("qty", "sku"), None, "btree", ("ASC", "DESC")),
    }
    for name, value in changes.items():
        target = columns if name in columns or isinstance(value, Column) else constraints
        if value is None:
            del target[name]
        else:
            target[name] = value  # type: ignore[assignment]
    return Table("table", columns, constraints)


BEFORE = Snapshot("postgresql", {"shop_product": product(), "shop_order": Table("table")})


def test_equal_snapshots_have_no_difference() -> None:
    assert compare_snapshots(BEFORE, BEFORE) == []
    assert compare_snapshots(BEFORE, Snapshot.from_json(BEFORE.to_json())) == []


def test_every_difference_is_named() -> None:
    after = Snapshot(
        "sqlite",
        {
            "shop_product": product(
                sku=Column("varchar(32)", True, None),  # came back nullable
                qty=Column("bigint", False, "1"),
                id=None,
                extra=Column("text", True, "x"),
                shop_product_sku_key=None,
                shop_qty_idx=Constraint("index", ("qty",), None, "btree"),
                shop_product_sku_idx=Constraint("index", ("sku",), None, "hash"),
            ),
            "shop_view": Table("view"),
        },
    )
    assert compare_snapshots(BEFORE, after) == [
        "database vendor: was postgresql, is sqlite",
        "table shop_order: missing (present before)",
        "column shop_product.extra: added (absent before; text, NULL, default 'x')",
        "column shop_product.id: missing (present before; bigint, NOT NULL)",
        "column shop_product.qty: type was integer, is bigint",
        "column shop_product.qty: default was '0', is '1'",
        "column shop_product.sku: null was False, is True",
        "index shop_product_sku_idx on shop_product: added (index (sku) hash)",
        "constraint shop_product_sku_key on shop_product: missing (was unique (sku))",
        "index shop_qty_idx on shop_product: was index (qty, sku) btree [ASC, DESC], "
        "is index (qty) btree",
        "view shop_view: added (absent before)",
    ]
    assert compare_snapshots(
        Snapshot("sqlite", {"t": Table("table")}), Snapshot("sqlite", {"t": Table("view")})
    ) == ["table t: was a table, is a view"]


def test_foreign_key_description() -> None:
    after = Snapshot("postgresql", {"shop_product": product(shop_product_owner_fk=None)})
    assert compare_snapshots(BEFORE, after)[-1] == (
        "constraint shop_product_owner_fk on shop_product: missing (was foreign key (owner_id) "
        "-> auth_user.id)"
    )


def test_json_round_trip_and_file(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    write_snapshot(BEFORE, path)
    assert read_snapshot(path) == BEFORE
    data = json.loads(path.read_text())
    assert data["format"] == 1
    assert list(data["tables"]) == ["shop_order", "shop_product"]
    assert data["tables"]["shop_product"]["constraints"]["shop_qty_idx"] == {
        "kind": "index",
        "columns": ["qty", "sku"],
        "index_type": "btree",
        "orders": ["ASC", "DESC"],
    }
    assert data["tables"]["shop_product"]["columns"]["qty"] == {
        "type": "integer",
        "null": False,
        "default": "0",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]  # no temporary file left


def test_mariadbs_bare_null_default_is_no_default(tmp_path: Path) -> None:
    # MariaDB's information schema says NULL for a nullable column without a default (a
    # string default is quoted): it showed as "default 'NULL'", a string. Files written
    # before read the same.
    path = tmp_path / "snap.json"
    table = {
        "kind": "table",
        "columns": {"note": {"type": "longtext", "null": True, "default": "NULL"}},
    }
    path.write_text(
        json.dumps({"format": 1, "vendor": "mysql", "tables": {"t": {**table, "constraints": {}}}})
    )
    assert read_snapshot(path).tables["t"].columns["note"] == Column("longtext", True, None)
    empty = Snapshot("mysql", {})
    assert compare_snapshots(read_snapshot(path), empty) == ["table t: missing (present before)"]
    path.write_text(path.read_text().replace('"mysql"', '"postgresql"'))
    assert read_snapshot(path).tables["t"].columns["note"].default == "NULL"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{",
            "f.json: not a JSON file (Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1))",
        ),
        (
            "[]",
            "f.json: not a schema snapshot written by migration-fixer (ValueError('format None'))",
        ),
        (
            '{"format": 2}',
            "f.json: not a schema snapshot written by migration-fixer (ValueError('format 2'))",
        ),
        (
            '{"format": 1, "vendor": "x", "tables": []}',
            "f.json: not a schema snapshot written by "
            "migration-fixer (TypeError('expected an object, got list'))",
        ),
        (
            '{"format": 1, "vendor": "x", "tables": {"t": {"kind": "table", "columns": '
            '{"c": {"type": "int", "null": "no", "default": null}}, "constraints": {}}}}',
            'f.json: not a schema snapshot written by migration-fixer (TypeError("expected '
            "true/false, got 'no'\"))",
        ),
        (
            '{"format": 1, "vendor": "x", "tables": {"t": {"kind": "table", "columns": {}, '
            '"constraints": {"c": {"kind": "index", "columns": "a"}}}}}',
            "f.json: not a schema snapshot written by migration-fixer (TypeError('expected a "
            "list, got str'))",
        ),
        (
            '{"format": 1, "tables": {}}',
            "f.json: not a schema snapshot written by migration-fixer (KeyError('vendor'))",
        ),
    ],
)
def test_bad_snapshot_files(text: str, message: str) -> None:
    with pytest.raises(SnapshotError) as info:
        Snapshot.from_json(text, "f.json")
    assert str(info.value) == message


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError) as info:
        read_snapshot(tmp_path / "missing.json")
    assert str(info.value) == (
        f"{tmp_path / 'missing.json'}: cannot read the snapshot ([Errno 2] No such file or "
        f"directory: '{tmp_path / 'missing.json'}')"
    )
