"""The tables a plan drops (``DeleteModel``, the removal of a many-to-many field): which ones
:func:`migration_fixer.django.plan.dropped_tables` finds, which of them ``migrate_or_rollback``
warns about (those holding rows before the run) and how its final message names them after a
rollback that created them again, empty. The real runs, on SQLite, PostgreSQL and MariaDB, are
in tests/e2e/test_deploy_migrate_or_rollback.py."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connections, migrations, models
from django.db.migrations.state import ModelState, ProjectState

from migration_fixer.django.management.commands import migrate_or_rollback
from migration_fixer.django.plan import DroppedTable, dropped_tables

pytestmark = pytest.mark.usefixtures("django_in_memory")


def make(app: str, name: str, *operations: Any) -> migrations.Migration:
    cls = type("Migration", (migrations.Migration,), {"operations": list(operations)})
    return cls(name, app)


def _state() -> ProjectState:
    state = ProjectState()
    key = ("id", models.AutoField(primary_key=True))
    state.add_model(ModelState("shop", "Tag", [key, ("label", models.CharField(max_length=9))]))
    state.add_model(
        ModelState(
            "shop",
            "Product",
            [
                key,
                ("sku", models.CharField(max_length=9)),
                ("tags", models.ManyToManyField("shop.tag")),
                ("extras", models.ManyToManyField("shop.tag", db_table="shop_extra")),
                ("labels", models.ManyToManyField("shop.tag", through="shop.Labelling")),
            ],
        )
    )
    state.add_model(
        ModelState(
            "shop",
            "Labelling",
            [
                key,
                ("product", models.ForeignKey("shop.product", models.CASCADE)),
                ("tag", models.ForeignKey("shop.tag", models.CASCADE)),
            ],
        )
    )
    state.add_model(ModelState("shop", "Cheap", [], {"proxy": True}, ("shop.product",)))
    state.add_model(ModelState("shop", "Legacy", [key], {"managed": False}))
    return state


def test_the_tables_a_plan_drops() -> None:
    removals = make(
        "shop",
        "0002_removals",
        migrations.RemoveField("product", "tags"),
        migrations.RemoveField("product", "labels"),  # its through model is a model of its own
        migrations.RemoveField("product", "sku"),  # a column
        migrations.DeleteModel("Cheap"),  # a proxy: no table
        migrations.DeleteModel("Legacy"),  # not managed: no table
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RemoveField("labelling", "tag"),
                migrations.DeleteModel("Labelling"),
            ]
        ),
    )
    deletion = make("shop", "0003_delete", migrations.DeleteModel("Product"))
    backwards = make("shop", "0004_back", migrations.DeleteModel("Tag"))
    state = _state()
    found = dropped_tables(
        [(removals, False), (deletion, False), (backwards, True)], state, connections["default"]
    )
    assert [item.line() for item in found] == [
        "shop.0002_removals: operation 1: RemoveField product.tags drops the table "
        "shop_product_tags (its many-to-many table)",
        "shop.0002_removals: operation 6 (database operation 2): DeleteModel Labelling drops "
        "the table shop_labelling",
        "shop.0003_delete: operation 1: DeleteModel Product drops the table shop_product",
        "shop.0003_delete: operation 1: DeleteModel Product drops the table shop_extra (the "
        "many-to-many table of Product.extras)",
    ]
    assert [item.table for item in found] == [
        "shop_product_tags",
        "shop_labelling",
        "shop_product",
        "shop_extra",
    ]
    assert found[0].operation is removals.operations[0]
    assert found[1].operation is removals.operations[5].database_operations[1]
    assert [item.now for item in found] == [item.table for item in found]
    # Read from the model states: no model rendered (seconds on a big project's plan).
    assert "apps" not in state.__dict__


def test_a_table_renamed_before_it_is_dropped_is_named_as_it_is_now() -> None:
    """The rows are in the table as it is called before the run: that is the one to look
    at, and the one the rollback creates again, empty."""
    renames = make(
        "shop",
        "0002_renames",
        migrations.AlterModelTable("tag", "shop_label"),
        migrations.RenameModel("Product", "Item"),
        migrations.RenameField("item", "tags", "labels_now"),
    )
    deletions = make(
        "shop",
        "0003_deletions",
        migrations.RemoveField("item", "labels_now"),
        migrations.DeleteModel("Tag"),
        migrations.DeleteModel("Item"),
    )
    plan = [(renames, False), (deletions, False)]
    found = dropped_tables(plan, _state(), connections["default"])
    assert [(item.table, item.now) for item in found] == [
        ("shop_item_labels_now", "shop_product_tags"),
        ("shop_label", "shop_tag"),
        ("shop_item", "shop_product"),
        ("shop_extra", "shop_extra"),
    ]
    assert [item.line() for item in found][:2] == [
        "shop.0003_deletions: operation 1: RemoveField item.labels_now drops the table "
        "shop_item_labels_now (its many-to-many table), called shop_product_tags before this "
        "run",
        "shop.0003_deletions: operation 2: DeleteModel Tag drops the table shop_label, called "
        "shop_tag before this run",
    ]


def test_a_table_renamed_by_database_operations_is_followed() -> None:
    """``SeparateDatabaseAndState``: the database operations rename the table; the plan
    goes on with that name."""
    rename = migrations.AlterModelTable("tag", "shop_label")
    moved = make(
        "shop",
        "0002_moved",
        migrations.SeparateDatabaseAndState(
            database_operations=[rename], state_operations=[rename]
        ),
    )
    deletion = make("shop", "0003_delete", migrations.DeleteModel("Tag"))
    plan = [(moved, False), (deletion, False)]
    found = dropped_tables(plan, _state(), connections["default"])
    assert [(item.table, item.now) for item in found] == [("shop_label", "shop_tag")]


def test_a_swapped_model_and_another_vendor_drop_nothing() -> None:
    from django.test.utils import override_settings

    state = _state()
    key = ("id", models.AutoField(primary_key=True))
    state.add_model(ModelState("shop", "Member", [key], {"swappable": "SHOP_MEMBER_MODEL"}))
    state.add_model(ModelState("shop", "Pg", [key], {"required_db_vendor": "postgresql"}))
    drop = make("shop", "0002_drop", migrations.DeleteModel("Member"), migrations.DeleteModel("Pg"))
    plan = [(drop, False)]
    with override_settings(SHOP_MEMBER_MODEL="other.Member"):
        assert dropped_tables(plan, state.clone(), connections["default"]) == []
    with override_settings(SHOP_MEMBER_MODEL="shop.MEMBER"):
        found = dropped_tables(plan, state.clone(), connections["default"])
    assert [item.table for item in found] == ["shop_member"]


def test_only_the_tables_that_hold_rows_are_warned_about() -> None:
    connection = connections["default"]
    with connection.cursor() as cursor:
        for table in ("shop_product", "shop_tag"):
            cursor.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
        cursor.execute("INSERT INTO shop_tag (id) VALUES (1)")
    migration = make("shop", "0002_drop")
    operation = migrations.DeleteModel("Tag")
    dropped = [
        DroppedTable(migration, "1", operation, table, f"DeleteModel X drops the table {table}")
        for table in ("shop_product", "shop_tag", "shop_gone", "SHOP_TAG")
    ]
    held = migrate_or_rollback._holding_rows(connection, dropped)
    # (SQLite ignores the case of table names: SHOP_TAG is shop_tag.)
    assert [item.table for item in held] == ["shop_tag", "SHOP_TAG"]
    err = io.StringIO()
    command = migrate_or_rollback.Command(stdout=io.StringIO(), stderr=err, no_color=True)
    command._listed(migrate_or_rollback._DROPPED, held[:1], None)
    assert err.getvalue() == (
        "Warning: these drop a table that holds rows; if the run fails after one of them, the "
        "rollback re-creates the table empty (Django cannot restore its rows):\n"
        "  shop.0002_drop: operation 1: DeleteModel X drops the table shop_tag\n"
    )
    assert migrate_or_rollback._holding_rows(connection, []) == []


def test_the_final_message_names_the_tables_the_rollback_created_again() -> None:
    """The tables of a migration this run applied (the rollback unapplied it), and of an
    operation of the half-applied migration that ran (the rollback undid it); not those of
    a migration that did not run, nor of an operation that did not."""
    applied = make("shop", "0002_drop")
    half = make("shop", "0003_half", migrations.DeleteModel("A"), migrations.DeleteModel("B"))
    later = make("shop", "0004_later")
    command = migrate_or_rollback.Command(stdout=io.StringIO(), stderr=io.StringIO())
    run = command.run = migrate_or_rollback._Run("default")
    run.applied = [("shop", "0002_drop")]
    run.failure = migrate_or_rollback._Failure(half, started=1)
    run.failure.done = [(0, half.operations[0], ProjectState(), ProjectState())]
    operation = migrations.DeleteModel("X")
    run.dropped = [
        DroppedTable(applied, "1", operation, "shop_b", ""),
        DroppedTable(applied, "2 (database operation 1)", operation, "shop_a", ""),
        DroppedTable(half, "1 (database operation 2)", operation, "shop_c", ""),
        DroppedTable(half, "2", operation, "shop_d", ""),  # failed: nothing dropped
        DroppedTable(later, "1", operation, "shop_e", ""),
        DroppedTable(applied, "3", operation, "shop_b", ""),
    ]
    emptied = command._emptied()
    assert emptied == ["shop_b", "shop_a", "shop_c"]
    except_ = migrate_or_rollback._except
    lingered = ["what the operations listed above did"]
    assert except_([], emptied) == (
        ", except the rows of shop_b, shop_a and shop_c, which the rollback re-created empty"
    )
    assert except_([], ["shop_b"]) == (
        ", except the rows of shop_b, which the rollback re-created empty"
    )
    assert except_(lingered, ["shop_a", "shop_b"]) == (
        ", except what the operations listed above did, and the rows of shop_a and shop_b, "
        "which the rollback re-created empty"
    )
    assert except_(lingered, []) == ", except what the operations listed above did"
    assert except_([], []) == ""
