"""Which migration's unapply lost the rows present at the start: the rehearsal's
:class:`~migration_fixer.django.rehearsal.RowWatch` on an in-memory SQLite database, and how
the failure names it (the line of lost rows, the operations, their rank before the
suspects of the code). The real runs are in tests/e2e/test_rehearse_rollback.py."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, migrations, models, transaction
from django.db.migrations.state import ModelState, ProjectState

from migration_fixer.django.rehearsal import (
    LostRows,
    RowWatch,
    _certain_suspects,
    lost_while,
    unapplied_suspects,
    with_certain,
)

# Settings with an in-memory SQLite database, for this module only.
pytestmark = pytest.mark.usefixtures("django_in_memory")

NOOP = migrations.RunPython.noop
PYTHON = "RunPython: Raw Python operation"
TAG_ROWS = LostRows("shop.Tag", "shop_tag", ("Tag",))


def test_the_line_of_lost_rows_names_the_migrations() -> None:
    assert lost_while([], 4) == ""
    assert lost_while([("shop.0004_cleanup", 3)], 3) == " while unapplying shop.0004_cleanup"
    # Some lost elsewhere (by the deploy itself): how many while unapplying it.
    assert lost_while([("shop.0004_cleanup", 2)], 3) == ", 2 while unapplying shop.0004_cleanup"
    assert lost_while([("shop.0004_cleanup", 2), ("shop.0003_load", 1)], 3) == (
        ", 2 while unapplying shop.0004_cleanup, 1 while unapplying shop.0003_load"
    )


def _state() -> ProjectState:
    state = ProjectState()
    key = ("id", models.AutoField(primary_key=True))
    state.add_model(ModelState("shop", "Tag", [key, ("name", models.CharField(max_length=9))]))
    state.add_model(ModelState("shop", "Item", [key, ("name", models.CharField(max_length=9))]))
    return state


@pytest.fixture
def tables() -> Any:
    """The apps of a state whose two tables hold four rows each (keys 1 to 4)."""
    apps = _state().apps
    with connection.schema_editor() as editor:
        for name in ("Tag", "Item"):
            editor.create_model(apps.get_model("shop", name))
    for name in ("Tag", "Item"):
        model = apps.get_model("shop", name)
        model.objects.bulk_create([model(id=pk, name=f"row{pk}") for pk in range(1, 5)])
    yield apps
    with connection.schema_editor() as editor:
        for name in ("Tag", "Item"):
            editor.delete_model(apps.get_model("shop", name))


def _sql(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def test_the_watch_names_the_migration_whose_unapply_lost_each_row(tables: Any) -> None:
    start = {"shop.Tag": {1, 2, 3}, "shop.Item": {1, 2, 3, 4}}  # (Tag 4: inserted later)
    watch = RowWatch("default", SimpleNamespace(apps=tables), start)
    watch.look(None)
    _sql("DELETE FROM shop_tag WHERE id IN (1, 4)", "DELETE FROM shop_item WHERE id = 2")
    watch.look("shop.0005_e")
    # Item 2 comes back: not lost. Item 3 goes.
    _sql(
        "INSERT INTO shop_item (id, name) VALUES (2, 'again')",
        "DELETE FROM shop_item WHERE id = 3",
    )
    watch.look("shop.0004_d")
    # The table renamed away (not looked at), then back: rows that vanished meanwhile are
    # named with no migration.
    _sql("ALTER TABLE shop_item RENAME TO shop_thing")
    watch.look("shop.0003_c")
    _sql("DELETE FROM shop_thing WHERE id = 4", "ALTER TABLE shop_thing RENAME TO shop_item")
    watch.look("shop.0002_b")
    _sql("DELETE FROM shop_tag WHERE id = 2")
    watch.look("shop.0001_a")
    assert watch.order == [
        "shop.0005_e",
        "shop.0004_d",
        "shop.0003_c",
        "shop.0002_b",
        "shop.0001_a",
    ]
    assert watch.lost("shop.Tag", {1, 2}) == [("shop.0005_e", 1), ("shop.0001_a", 1)]
    assert watch.lost("shop.Item", {3, 4}) == [("shop.0004_d", 1)]
    assert watch.lost("shop.Item", {2}) == []


def test_a_table_whose_key_column_is_renamed_is_not_looked_at(tables: Any) -> None:
    watch = RowWatch("default", SimpleNamespace(apps=tables), {"shop.Tag": {1, 2, 3}})
    with transaction.atomic():  # (a savepoint around the query that fails)
        watch.look(None)
        _sql(
            "ALTER TABLE shop_tag RENAME COLUMN id TO ident", "DELETE FROM shop_tag WHERE ident = 1"
        )
        watch.look("shop.0003_c")
        assert (watch.stopped, watch.seen) == (False, {"shop.Tag": None})
        _sql("ALTER TABLE shop_tag RENAME COLUMN ident TO id", "DELETE FROM shop_tag WHERE id = 2")
        watch.look("shop.0002_b")
        _sql("DELETE FROM shop_tag WHERE id = 3")
        watch.look("shop.0001_a")
    assert watch.lost("shop.Tag", {1, 2, 3}) == [("shop.0001_a", 1)]


def test_a_failed_look_stops_the_watch(tables: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    watch = RowWatch("default", SimpleNamespace(apps=tables), {"shop.Tag": {1, 2}})
    watch.look(None)
    _sql("DELETE FROM shop_tag WHERE id = 1")
    watch.look("shop.0003_c")
    assert watch.lost("shop.Tag", {1}) == [("shop.0003_c", 1)]

    def fails(cursor: Any) -> list[str]:
        raise RuntimeError("gone")

    monkeypatch.setattr(connection.introspection, "table_names", fails)
    watch.look("shop.0002_b")  # (no exception: the rehearsal goes on)
    assert (watch.stopped, watch.order, watch.lost("shop.Tag", {1})) == (True, [], [])
    monkeypatch.undo()
    _sql("DELETE FROM shop_tag WHERE id = 2")
    watch.look("shop.0001_a")
    assert watch.lost("shop.Tag", {1, 2}) == []


def _load_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    Tag.objects.create(name="fixture")


def _unload_all_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    Tag.objects.all().delete()


def _count_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    Tag.objects.count()


def _purge_items(apps: Any, schema_editor: Any) -> None:
    Item = apps.get_model("shop", "Item")
    Item.objects.all().delete()


def _noop_reverse(apps: Any, schema_editor: Any) -> None:
    pass


def _migration(name: str, *operations: Any) -> migrations.Migration:
    migration = migrations.Migration(name, "shop")
    migration.operations = list(operations)
    return migration


def test_the_operations_of_the_migration_that_lost_the_rows() -> None:
    # Of the operations whose unapply does something, the reverse that names the model and
    # deletes rows; a no-op reverse (it did nothing in the rollback) is never named, whatever
    # its forward code deletes.
    found = unapplied_suspects(
        _migration(
            "0004_reload",
            migrations.RunPython(_unload_all_tags, NOOP),
            migrations.RunPython(_load_tags, _count_tags),
            migrations.RunPython(_load_tags, _unload_all_tags),
            migrations.RunSQL("SELECT 1", "DELETE FROM shop_item"),
        ),
        [TAG_ROWS],
    )
    assert found == [f"shop.0004_reload, operation 3, {PYTHON}"]
    sql = migrations.RunSQL("INSERT INTO shop_tag (name) VALUES ('x')", "DELETE FROM shop_tag")
    found = unapplied_suspects(
        _migration("0004_sql", migrations.RunPython(_load_tags, _count_tags), sql), [TAG_ROWS]
    )
    assert found == ["shop.0004_sql, operation 2, RunSQL: Raw SQL operation"]
    # No code names the rows: the only operation whose unapply does something...
    only = _migration(
        "0004_other",
        migrations.AddField("tag", "rank", models.IntegerField(null=True)),
        migrations.RunPython(_load_tags, _purge_items),
    )
    assert unapplied_suspects(only, [TAG_ROWS]) == [f"shop.0004_other, operation 2, {PYTHON}"]
    # ... else none (the migration is named alone).
    two = _migration(
        "0004_two",
        migrations.RunPython(_load_tags, _purge_items),
        migrations.RunPython(_load_tags, _noop_reverse),
    )
    assert unapplied_suspects(two, [TAG_ROWS]) == []
    graph = SimpleNamespace(nodes={("shop", "0004_two"): two, ("shop", "0004_other"): only})
    certain = {"shop.0004_two": [TAG_ROWS], "shop.0004_other": [TAG_ROWS]}
    assert _certain_suspects(graph, certain, ["shop.0004_other", "shop.0004_two"]) == [
        f"shop.0004_other, operation 2, {PYTHON}",
        "shop.0004_two",
    ]


def test_what_the_watch_saw_ranks_before_the_code() -> None:
    sure = [f"shop.0004_reload, operation 1, {PYTHON}", "shop.0003_two"]
    by_code = [
        f"shop.0005_purge, operation 1, {PYTHON}",
        f"shop.0004_reload, operation 1, {PYTHON}",
        f"shop.0003_two, operation 2, {PYTHON}",
    ]
    # Every row that is missing was lost while unapplying them, nothing else differs: they
    # alone.
    assert with_certain(sure, by_code, alone=True) == sure
    # Else first, then the others the code ranks (not those it already names).
    assert with_certain(sure, by_code, alone=False) == [
        *sure,
        f"shop.0005_purge, operation 1, {PYTHON}",
    ]
