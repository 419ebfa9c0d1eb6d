"""The rehearsal's comparison with the start, on an in-memory SQLite database: which rows are
expected back after the rollback (only those of tables that existed at the start, of models
with a table of their own), and a table that cannot be read said alone, the others read. The
real runs are in tests/e2e/test_rehearse_rollback.py."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, migrations, models
from django.db.migrations.state import ModelState, ProjectState

from migration_fixer.django.rehearsal import Rehearsal, Report, RowWatch
from migration_fixer.django.snapshot import take_snapshot

# Settings with an in-memory SQLite database, for this module only.
pytestmark = pytest.mark.usefixtures("django_in_memory")

NODE = ("shop", "0003_admin_table")
TABLES = ("Tag", "Item")


def _state(*, item: dict[str, Any] | None = None, note: bool = False) -> ProjectState:
    """The start: ``Tag`` and ``Item`` (four rows each), ``Admin`` ``managed = False``
    without a table (wagtailadmin's 0002; its 0003 makes it a real table), a proxy of
    ``Tag``, and ``Ghost``, whose table does not exist (a state-only ``CreateModel``).
    ``item``: other options of ``Item``; ``note``: ``Item`` with a field whose column is
    not in the database."""
    state = ProjectState()

    def key() -> tuple[str, models.Field[Any, Any]]:
        return ("id", models.AutoField(primary_key=True))

    def name() -> tuple[str, models.Field[Any, Any]]:
        return ("name", models.CharField(max_length=9))

    fields = [key(), name()] + ([("note", models.TextField(null=True))] if note else [])
    state.add_model(ModelState("shop", "Tag", [key(), name()]))
    state.add_model(ModelState("shop", "Item", fields, item or {}))
    state.add_model(ModelState("shop", "Admin", [key()], {"managed": False}))
    state.add_model(ModelState("shop", "Alias", [], {"proxy": True}, bases=("shop.tag",)))
    state.add_model(ModelState("shop", "Ghost", [key()]))
    return state


@pytest.fixture
def start() -> Iterator[Any]:
    """The start's state, its two tables with four rows each (keys 1 to 4)."""
    state = _state()
    apps = state.apps
    with connection.schema_editor() as editor:
        for name in TABLES:
            editor.create_model(apps.get_model("shop", name))
    for name in TABLES:
        model = apps.get_model("shop", name)
        model.objects.bulk_create([model(id=pk, name=f"row{pk}") for pk in range(1, 5)])
    yield state
    with connection.schema_editor() as editor:
        for name in TABLES:
            editor.delete_model(apps.get_model("shop", name))


def _rehearsal() -> Rehearsal:
    """A rehearsal of one migration (which makes ``Admin`` a table), on the database as it
    is: rows inserted at the start and, into ``Admin``'s table then, after the deploy."""
    rehearsal = Rehearsal.__new__(Rehearsal)  # (_expected and _compare read only these)
    rehearsal.scratch = SimpleNamespace(ensure=lambda: None)  # type: ignore[assignment]
    rehearsal.using = "default"
    rehearsal.clock = lambda: 0.0
    rehearsal.on_step = None
    rehearsal.report = Report("sqlite", ":memory:", 0)
    migration = migrations.Migration(NODE[1], "shop")
    migration.operations = [migrations.AlterModelOptions("admin", {})]
    rehearsal.graph = SimpleNamespace(graph=SimpleNamespace(nodes={NODE: migration}))  # type: ignore[assignment]
    rehearsal.inserted = {
        "shop.Tag": {1, 2, 3, 4},
        "shop.Item": {1, 2, 3, 4},
        "shop.Admin": {1, 2},  # (after the deploy, into the table its 0003 created)
        "shop.Ghost": {1},
    }
    return rehearsal


def _compare(
    rehearsal: Rehearsal, start: Any, back: Any, *rollback: str
) -> tuple[bool, str, str | None]:
    """Compare the database, after the SQL of ``rollback``, with the start (``back``: the
    state after the rollback): (ok, the step's detail, the failure's text)."""
    snapshot = take_snapshot("default")
    expected = rehearsal._expected(start)
    values = rehearsal._values(start, expected)
    kept = {label: frozenset({"name"}) for label in expected}
    with connection.cursor() as cursor:
        for statement in rollback:
            cursor.execute(statement)
    ok = rehearsal._compare(1, snapshot, expected, back, [NODE], (values, kept))
    (step,) = rehearsal.report.steps
    return ok, step.detail, step.failure.describe() if step.failure else None


def test_rows_are_expected_only_of_tables_that_existed_at_the_start(start: Any) -> None:
    # ``Admin`` (managed = False at the start, no table), its rows inserted after the deploy,
    # ``Ghost`` (no table), the proxy: none of their rows are looked for after the rollback
    # (they were, and the missing table discarded every row read: "schema differs from the
    # start: cannot read the rows back: OperationalError: no such table: shop_admin", then
    # every row of every table "lost").
    rehearsal = _rehearsal()
    assert rehearsal._expected(start) == {"shop.Item": {1, 2, 3, 4}, "shop.Tag": {1, 2, 3, 4}}
    assert _compare(rehearsal, start, start) == (True, "schema and 8 rows unchanged", None)
    # The rollback's watch skips them the same way.
    rows = {"shop.Admin": {1, 2}, "shop.Alias": {1}, "shop.Tag": {1, 2}}
    assert list(RowWatch("default", start, rows).models) == ["shop.Tag"]


def test_a_table_that_cannot_be_read_is_said_alone(start: Any) -> None:
    # After the rollback, ``Item``'s rows cannot be read (its model names another table);
    # ``Tag``'s are read: one is lost. The schema is the start's: nothing "differs".
    rehearsal = _rehearsal()
    back = _state(item={"db_table": "shop_gone"})
    assert _compare(rehearsal, start, back, "DELETE FROM shop_tag WHERE id = 2") == (
        False,
        "8 rows expected",
        "shop.0003_admin_table: cannot read the rows of shop.Item (shop_gone) back: "
        "OperationalError: no such table: shop_gone; shop.Tag: 1 row(s) lost (pk 2)",
    )


def test_a_table_whose_values_cannot_be_read_is_said_alone(start: Any) -> None:
    # ``Item``'s keys are read, not its values (a column its model has is not in the
    # table); ``Tag``'s values are compared.
    rehearsal = _rehearsal()
    back = _state(note=True)
    change = "UPDATE shop_tag SET name = 'other' WHERE id = 3"
    assert _compare(rehearsal, start, back, change) == (
        False,
        "8 rows expected",
        "shop.0003_admin_table: cannot read the rows of shop.Item (shop_item) back: "
        "OperationalError: no such column: shop_item.note; "
        "shop.Tag: 1 row(s) changed in `name` (pk 3: name 'row3' -> 'other')",
    )


def _left_by(operations: list[Any], start: Any, *rollback: str) -> tuple[bool, str, str | None]:
    """:func:`_compare` of a rehearsal whose migration has ``operations``, after the SQL of
    ``rollback`` (what their rollback left), the state back as at the start."""
    rehearsal = _rehearsal()
    rehearsal.graph.graph.nodes[NODE].operations = operations
    return _compare(rehearsal, start, start, *rollback)


def test_a_rename_names_only_its_own_table_s_differences(start: Any) -> None:
    # The rollback of a RenameModel (Tag to Label) leaves an index under the new table's
    # name on ``shop_tag`` (PostgreSQL, MariaDB); another index is left on ``shop_item`` by
    # an AlterField: each difference said with its own cause (MariaDB, wagtail 0070 and
    # 0087: the rename was named for both).
    operations = [
        migrations.RenameModel("Tag", "Label"),
        migrations.AlterField("item", "name", models.CharField(max_length=9, db_index=True)),
    ]
    ok, detail, failure = _left_by(
        operations,
        start,
        "CREATE INDEX shop_label_name_4e5f6a7b ON shop_tag (name)",
        "CREATE INDEX shop_item_name_0a1b2c3d ON shop_item (name)",
    )
    assert (ok, detail) == (False, "8 rows expected")
    assert failure == (
        "shop.0003_admin_table: schema differs from the start: "
        "index shop_label_name_4e5f6a7b on shop_tag: added (index (name) btree) "
        "(by shop.0003_admin_table, operation 1 (RenameModel)); "
        "index shop_item_name_0a1b2c3d on shop_item: added (index (name) btree) "
        "(by shop.0003_admin_table, operation 2 (AlterField))"
    )


def test_differences_of_two_tables_with_causes_of_their_own(start: Any) -> None:
    # No rename: an AlterUniqueTogether leaves an index on ``shop_tag`` (MariaDB: removing
    # a unique group that starts with a foreign key adds one for the key), an AlterField
    # one on ``shop_item``: each table's difference said with its own cause, not "one of"
    # both for all of them.
    operations = [
        migrations.AlterUniqueTogether("tag", set()),
        migrations.AlterField("item", "name", models.CharField(max_length=9, db_index=True)),
    ]
    ok, detail, failure = _left_by(
        operations,
        start,
        "CREATE INDEX shop_tag_name_4e5f6a7b ON shop_tag (name)",
        "CREATE INDEX shop_item_name_0a1b2c3d ON shop_item (name)",
    )
    assert (ok, detail) == (False, "8 rows expected")
    assert failure == (
        "shop.0003_admin_table: schema differs from the start: "
        "index shop_item_name_0a1b2c3d on shop_item: added (index (name) btree) "
        "(by shop.0003_admin_table, operation 2 (AlterField)); "
        "index shop_tag_name_4e5f6a7b on shop_tag: added (index (name) btree) "
        "(by shop.0003_admin_table, operation 1 (AlterUniqueTogether))"
    )
    # Both on one table: one ranking, as before.
    ok, detail, failure = _left_by(
        operations,
        start,
        "CREATE INDEX shop_tag_name_5f6a7b8c ON shop_tag (name)",
        "CREATE INDEX shop_tag_id_6a7b8c9d ON shop_tag (id)",
    )
    assert failure == (
        "shop.0003_admin_table, operation 1, AlterUniqueTogether: Alter unique_together for "
        "tag (0 constraint(s)): schema differs from the start: index shop_tag_id_6a7b8c9d "
        "on shop_tag: added (index (id) btree); "
        "index shop_tag_name_5f6a7b8c on shop_tag: added (index (name) btree)"
    )
