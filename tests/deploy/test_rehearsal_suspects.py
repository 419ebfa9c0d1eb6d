"""Which operations a failed comparison names: the rehearsal's ``_suspects`` and
``lost_rows_of``, on migrations built here (the end-to-end tests run them on databases)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db import migrations, models

from migration_fixer.django.rehearsal import (
    ChangedRows,
    LostRows,
    _by_table,
    _caused_by,
    _compared_fields,
    _default_table,
    _shown,
    _suspects,
    each_difference_by,
    each_table_by,
    lost_rows_of,
)

NOOP = migrations.RunPython.noop
NO_SQL = migrations.RunSQL.noop
TAG_ROWS = LostRows("shop.Tag", "shop_tag", ("Tag",))


def _read_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    Tag.objects.count()


def _purge_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    Tag.objects.filter(name="old").delete()


def _unrelated(apps: Any, schema_editor: Any) -> None:
    Item = apps.get_model("shop", "Item")
    Item.objects.filter(name="old").delete()


def _migration(name: str, *operations: Any) -> migrations.Migration:
    migration = migrations.Migration(name, "shop")
    migration.operations = list(operations)
    return migration


PYTHON = "RunPython: Raw Python operation"


def test_lost_rows_name_the_python_that_deletes_them() -> None:
    found = _suspects(
        [
            _migration(
                "0002_data",
                migrations.RunPython(_read_tags, NOOP),
                migrations.RunPython(_purge_tags, NOOP),
                migrations.RunPython(_unrelated, NOOP),
            )
        ],
        [],
        [TAG_ROWS],
    )
    assert found == [f"shop.0002_data, operation 2, {PYTHON}"]


def test_code_that_only_names_the_model_comes_next() -> None:
    operations = [migrations.RunPython(_unrelated, NOOP), migrations.RunPython(_read_tags, NOOP)]
    assert _suspects([_migration("0002_data", *operations)], [], [TAG_ROWS]) == [
        f"shop.0002_data, operation 2, {PYTHON}"
    ]


def test_a_dropped_table_is_certain() -> None:
    deleting = [
        migrations.RunPython(_purge_tags, NOOP),
        migrations.RunSQL("DELETE FROM shop_tag", migrations.RunSQL.noop),
    ]
    found = _suspects(
        [
            _migration("0002_data", *deleting),
            _migration("0003_drop", migrations.DeleteModel("Tag")),
        ],
        [],
        [TAG_ROWS],
    )
    assert found == ["shop.0003_drop, operation 1, DeleteModel: Delete model Tag"]
    # A many-to-many field's table, which Django made: its RemoveField.
    through = LostRows("shop.Item_tags", "shop_item_tags", ("Item_tags", "Item"))
    found = _suspects(
        [_migration("0004_untag", migrations.RemoveField("item", "tags"), *deleting)],
        [],
        [through],
    )
    assert found == ["shop.0004_untag, operation 1, RemoveField: Remove field tags from item"]


def test_raw_sql_that_deletes_the_rows() -> None:
    found = _suspects(
        [
            _migration(
                "0002_sql",
                migrations.RunSQL("UPDATE shop_tag SET name = ''", migrations.RunSQL.noop),
                migrations.RunSQL("DELETE FROM shop_tag WHERE name = ''", migrations.RunSQL.noop),
                migrations.RunSQL("DELETE FROM shop_item", migrations.RunSQL.noop),
            )
        ],
        [],
        [TAG_ROWS],
    )
    assert found == ["shop.0002_sql, operation 2, RunSQL: Raw SQL operation"]


def test_schema_differences_alone_rank_as_before() -> None:
    """Without lost rows, deleting SQL is no likelier than other SQL naming the table."""
    found = _suspects(
        [
            _migration(
                "0002_sql",
                migrations.RunSQL(
                    "CREATE INDEX tag_idx ON shop_tag (name)", migrations.RunSQL.noop
                ),
                migrations.RunSQL("DELETE FROM shop_tag", migrations.RunSQL.noop),
                migrations.RunPython(_purge_tags, NOOP),
            )
        ],
        ["index tag_idx on shop_tag: added (index (name) btree)"],
    )
    assert found == [
        "shop.0002_sql, operation 1, RunSQL: Raw SQL operation",
        "shop.0002_sql, operation 2, RunSQL: Raw SQL operation",
    ]


def test_lost_rows_of_a_model_and_of_a_many_to_many_table() -> None:
    Item = type("Item", (), {})  # (Django's auto_created: the model class holding the field)
    through = SimpleNamespace(_meta=SimpleNamespace(auto_created=Item, db_table="shop_item_tags"))
    tag = SimpleNamespace(_meta=SimpleNamespace(auto_created=False, db_table="shop_tag"))
    known = {"shop.Item_tags": through, "shop.Tag": tag}

    def get_model(label: str) -> Any:
        if label not in known:
            raise LookupError(label)
        return known[label]

    state = SimpleNamespace(apps=SimpleNamespace(get_model=get_model))
    assert lost_rows_of(state, "shop.Item_tags") == LostRows(
        "shop.Item_tags", "shop_item_tags", ("Item_tags", "Item")
    )
    assert lost_rows_of(state, "shop.Tag") == TAG_ROWS
    assert lost_rows_of(state, "shop.Gone") == LostRows("shop.Gone", "", ("Gone",))


def _backfill(apps: Any, schema_editor: Any) -> None:
    Folder = apps.get_model("shop", "Folder")
    Folder.objects.filter(level=None).update(level=0)


def test_a_check_constraint_lost_by_an_alter_field() -> None:
    """MariaDB drops a column's CHECK whenever Django alters the column (MF003's nullable
    step on a ``PositiveIntegerField``, django-filer): the ``AlterField`` is named, not the
    backfill beside it, whose reverse is real."""
    operations = [
        migrations.AlterField("folder", "level", models.PositiveIntegerField(null=True)),
        migrations.RunPython(NOOP, _backfill),
        migrations.AlterField("folder", "name", models.CharField(max_length=9, null=True)),
    ]
    lost_check = "constraint <unnamed check (level)> on shop_folder: missing (was check (level))"
    found = _suspects([_migration("0002_nullable", *operations)], [lost_check])
    assert found == ["shop.0002_nullable, operation 1, AlterField: Alter field level on folder"]
    # A model whose table is not the default one.
    found = _suspects(
        [_migration("0002_nullable", *operations)],
        [lost_check.replace("shop_folder", "filer_folder")],
        table_of=lambda app, model: "filer_folder",
    )
    assert found == ["shop.0002_nullable, operation 1, AlterField: Alter field level on folder"]
    # Raw code whose reverse is a no-op comes first.
    raw = migrations.RunSQL("SELECT 1", NO_SQL)
    found = _suspects([_migration("0002_nullable", *operations, raw)], [lost_check])
    assert found == ["shop.0002_nullable, operation 4, RunSQL: Raw SQL operation"]
    # Nothing that can have left the difference: no operation named.
    assert _suspects([_migration("0002_data", operations[1])], [lost_check]) == []


def _load_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    Tag.objects.create(name="fixture")


def _unload_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    Tag.objects.filter(pk__in=[1, 2, 3]).delete()


def test_lost_rows_name_a_reverse_that_deletes_them() -> None:
    """django-helpdesk's 0003 loads a fixture and its reverse deletes the fixture's keys,
    whatever rows hold them by then: its forward function (``obj.save()``) does not name the
    model, and a later migration whose forward function creates rows was named instead."""
    found = _suspects(
        [
            _migration("0003_fixture", migrations.RunPython(_load_tags, _unload_tags)),
            _migration("0004_more", migrations.RunPython(_load_tags, _read_tags)),
        ],
        [],
        [TAG_ROWS],
    )
    assert found == [f"shop.0003_fixture, operation 1, {PYTHON}"]


TAG_VALUES = ChangedRows("shop.Tag", "shop_tag", ("Tag",), ("name",))


def _rename_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    for tag in Tag.objects.all():
        tag.name = tag.name.upper()
        tag.save()


def test_changed_values_name_the_code_that_changes_them() -> None:
    operations = [
        migrations.RunPython(_read_tags, NOOP),
        migrations.RunPython(_rename_tags, NOOP),
        migrations.RunPython(_purge_tags, NOOP),  # (deletes: not what changes values)
    ]
    found = _suspects([_migration("0002_data", *operations)], [], changed=[TAG_VALUES])
    assert found == [f"shop.0002_data, operation 2, {PYTHON}"]
    sql = [
        migrations.RunSQL("DELETE FROM shop_tag WHERE name = ''", NO_SQL),
        migrations.RunSQL("UPDATE shop_tag SET name = upper(name)", NO_SQL),
    ]
    found = _suspects([_migration("0002_sql", *sql)], [], changed=[TAG_VALUES])
    assert found == ["shop.0002_sql, operation 2, RunSQL: Raw SQL operation"]


def test_changed_values_of_a_dropped_or_altered_column() -> None:
    # MariaDB re-adds a dropped NOT NULL column over the rows with '' or 0: its RemoveField
    # is certain, above code that changes the values.
    drop = migrations.RemoveField("tag", "name")
    found = _suspects(
        [_migration("0002_drop", migrations.RunPython(_rename_tags, NOOP), drop)],
        [],
        changed=[TAG_VALUES],
    )
    assert found == ["shop.0002_drop, operation 2, RemoveField: Remove field name from tag"]
    # An AlterField of the field (a narrower column truncates): after raw code that names
    # the model, before raw code that does not.
    alter = migrations.AlterField("tag", "name", models.CharField(max_length=5))
    other = migrations.RunPython(_unrelated, NOOP)
    found = _suspects([_migration("0002_alter", other, alter)], [], changed=[TAG_VALUES])
    assert found == ["shop.0002_alter, operation 2, AlterField: Alter field name on tag"]
    renaming = migrations.RunPython(_rename_tags, NOOP)
    found = _suspects([_migration("0002_alter", alter, renaming)], [], changed=[TAG_VALUES])
    assert found == [f"shop.0002_alter, operation 2, {PYTHON}"]
    # Another model's field, or another field: not named for it.
    other_field = migrations.AlterField("tag", "slug", models.CharField(max_length=5))
    assert _suspects([_migration("0002_alter", other_field)], [], changed=[TAG_VALUES]) == []


def _state(*models_: Any) -> Any:
    by_label = {m._meta.label: m for m in models_}

    def get_model(label: str) -> Any:
        if label not in by_label:
            raise LookupError(label)
        return by_label[label]

    return SimpleNamespace(
        apps=SimpleNamespace(
            get_model=get_model, get_models=lambda include_auto_created: list(models_)
        )
    )


def _model(label: str, *fields: Any) -> Any:
    return SimpleNamespace(_meta=SimpleNamespace(label=label, concrete_fields=list(fields)))


def _field(name: str, *, null: bool = False, default: bool = False, **extra: Any) -> Any:
    field = SimpleNamespace(
        attname=extra.pop("attname", name),
        column=name,
        primary_key=extra.pop("primary_key", False),
        null=null,
        has_default=lambda: default,
        **extra,
    )
    return field


def test_the_fields_whose_values_the_rollback_must_give_back() -> None:
    key = _field("id", primary_key=True)
    kept = _field("name")
    stamp = _field("touched", auto_now=True)
    nullable_dropped = _field("note", null=True)
    defaulted_dropped = _field("rank", default=True)
    filled_dropped = _field("code")
    made_up = _field("supplier", attname="supplier_id")
    start = _state(
        _model(
            "shop.Item",
            key,
            kept,
            stamp,
            nullable_dropped,
            defaulted_dropped,
            filled_dropped,
            made_up,
        ),
        _model("shop.Gone", key, kept),
    )
    after = _state(_model("shop.Item", key, kept, stamp))
    assert _compared_fields(start, after) == {
        "shop.Item": frozenset({"name", "code", "supplier_id"})
    }


def test_values_are_shown_cut() -> None:
    assert _shown("Row5di") == "'Row5di'"
    shown = _shown("b'\\x80\\x04' and much more text")
    assert len(shown) == 30
    assert shown == "\"b'\\\\x80\\\\x04' and much mor..."


def _repickle_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    for tag in Tag.objects.all():
        tag.name = repr(tag.name.encode())
        tag.save()


def test_rows_lost_and_values_changed_name_the_cause_of_each() -> None:
    """django-helpdesk, rolled back to 0002: the fixture's reverse deleted rows (0003) and
    another reverse rewrote values (0020): both are named."""
    found = _suspects(
        [
            _migration("0003_fixture", migrations.RunPython(_load_tags, _unload_tags)),
            _migration("0020_depickle", migrations.RunPython(_read_tags, _repickle_tags)),
            _migration("0021_other", migrations.RunPython(_unrelated, _read_tags)),
        ],
        [],
        [TAG_ROWS],
        changed=[TAG_VALUES],
    )
    assert found == [
        f"shop.0003_fixture, operation 1, {PYTHON}",
        f"shop.0020_depickle, operation 1, {PYTHON}",
    ]


def _hash_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    tags = list(Tag.objects.all())
    for tag in tags:
        tag.slug = str(tag.pk)
    Tag.objects.bulk_update(tags, ["slug"])


def test_code_that_changes_other_fields_does_not_hide_the_alter_field() -> None:
    """wagtailembeds: 0007 (no-op reverse) updates `hash`; 0008's AlterField made
    `thumbnail_url` NOT NULL with a default, which filled the NULLs, and its reverse leaves
    them '': the AlterField was not named at all."""
    alter = migrations.AlterField("tag", "name", models.CharField(max_length=9, default=""))
    found = _suspects(
        [
            _migration("0007_hash", migrations.RunPython(_hash_tags, NOOP)),
            _migration("0008_long", alter),
        ],
        [],
        changed=[TAG_VALUES],
    )
    assert found == [
        f"shop.0007_hash, operation 1, {PYTHON}",
        "shop.0008_long, operation 1, AlterField: Alter field name on tag",
    ]


ITEM_ROWS = LostRows("shop.Item", "shop_item", ("Item",))


def test_each_table_lost_by_an_operation_of_its_own() -> None:
    """Three deleted models, each its own table's rows (wagtailsearch 0007 and 0008): each
    table is said with the operation that lost it, not "one of" them."""
    from migration_fixer.django.rehearsal import each_lost_by

    drops = _migration("0002_drop", migrations.DeleteModel("Tag"), migrations.DeleteModel("Item"))
    everything = _suspects([drops], [], [TAG_ROWS, ITEM_ROWS])
    assert everything == [
        "shop.0002_drop, operation 1, DeleteModel: Delete model Tag",
        "shop.0002_drop, operation 2, DeleteModel: Delete model Item",
    ]
    assert each_lost_by([drops], [TAG_ROWS, ITEM_ROWS], _default_table, everything) == [
        "shop.0002_drop, operation 1 (DeleteModel)",
        "shop.0002_drop, operation 2 (DeleteModel)",
    ]
    # One operation for both (code that deletes rows of both): "one of" stays.
    purge = _migration("0002_purge", migrations.RunPython(_purge_both, NOOP))
    both = _suspects([purge], [], [TAG_ROWS, ITEM_ROWS])
    assert both == [f"shop.0002_purge, operation 1, {PYTHON}"]
    assert each_lost_by([purge], [TAG_ROWS, ITEM_ROWS], _default_table, both) is None
    # A table whose rows no operation is certain to have lost: "one of" stays.
    tags_only = _migration("0002_tags", migrations.DeleteModel("Tag"))
    found = _suspects([tags_only, purge], [], [TAG_ROWS, ITEM_ROWS])
    assert each_lost_by([tags_only, purge], [TAG_ROWS, ITEM_ROWS], _default_table, found) is None


def _purge_both(apps: Any, schema_editor: Any) -> None:
    apps.get_model("shop", "Tag").objects.all().delete()
    apps.get_model("shop", "Item").objects.all().delete()


def test_an_index_left_under_the_new_name_of_a_renamed_table() -> None:
    """PostgreSQL renames no index or constraint with its table: after the rollback of a
    RenameModel (wagtailcore 0070), they are on the old table under the new one's names.
    The rename is certain, before code that names the table."""
    differences = [
        "index shop_tag_name_0a1b2c3d on shop_tag: missing (was index (name) btree)",
        "index shop_label_name_4e5f6a7b on shop_tag: added (index (name) btree)",
    ]
    renamed = _migration(
        "0002_rename",
        migrations.RunPython(_purge_tags, NOOP),
        migrations.RenameModel("Tag", "Label"),
    )
    assert _suspects([renamed], differences) == [
        "shop.0002_rename, operation 2, RenameModel: Rename model Tag to Label"
    ]
    table = _migration("0002_table", migrations.AlterModelTable("tag", "shop_label"))
    assert _suspects([table], differences) == [
        "shop.0002_table, operation 1, AlterModelTable: Rename table for tag to shop_label"
    ]
    # A name of another table, or the index missing only: not the rename's.
    other = _migration("0002_other", migrations.RenameModel("Tag", "Badge"))
    assert _suspects([other], differences) == []
    # (Nor the data migration beside it: code that does not touch the schema.)
    assert _suspects([renamed], differences[:1]) == []


def test_a_rename_is_certain_only_for_its_own_table() -> None:
    """MariaDB, wagtail: the rollback of 0070's rename leaves the old table's index under
    the new name, and 0087's ``AlterUniqueTogether`` an index on another table. The rename
    explains its own table's differences, the others are ranked apart (was: the rename
    named for all of them)."""
    differences = [
        "index shop_stock_item_id_99aa on shop_stock: added (index (item_id) btree)",
        "constraint shop_tag_item_id_fk on shop_tag: missing (was foreign key (item_id))",
        "index shop_label_name_4e5f6a7b on shop_tag: added (index (name) btree)",
        "index shop_tag_name_0a1b2c3d on shop_tag: missing (was index (name) btree)",
    ]
    renamed = _migration("0002_rename", migrations.RenameModel("Tag", "Label"))
    stock = _migration(
        "0003_stock",
        migrations.AlterField("stock", "item", models.ForeignKey("shop.Item", models.CASCADE)),
    )
    groups, rest = each_difference_by([renamed, stock], differences)
    assert groups == [
        ("shop.0002_rename, operation 1, RenameModel: Rename model Tag to Label", differences[1:])
    ]
    assert rest == differences[:1]
    assert _suspects([renamed, stock], rest) == [
        "shop.0003_stock, operation 1, AlterField: Alter field item on stock"
    ]
    # One rename that explains every difference: certain, as before (no groups).
    assert each_difference_by([renamed, stock], differences[1:]) == ([], [])
    assert _suspects([renamed, stock], differences[1:]) == [
        "shop.0002_rename, operation 1, RenameModel: Rename model Tag to Label"
    ]
    # Not certain when other differences are left: it does not explain them.
    assert _suspects([renamed], differences) == []
    # Two renames, each with its own table's: two groups, nothing left.
    other = [
        "index shop_badge_code_1234 on shop_medal: added (index (code) btree)",
        "index shop_medal_code_5678 on shop_medal: missing (was index (code) btree)",
    ]
    medal = _migration("0004_medal", migrations.RenameModel("Medal", "Badge"))
    groups, rest = each_difference_by([renamed, medal], differences[1:] + other)
    assert [(by.split(",")[0], lines) for by, lines in groups] == [
        ("shop.0002_rename", differences[1:]),
        ("shop.0004_medal", other),
    ]
    assert rest == []


def test_what_each_group_of_differences_is_caused_by() -> None:
    assert _caused_by([]) == ""
    assert _caused_by(["shop.0002_x, operation 1, RenameModel: Rename model Tag to Label"]) == (
        " (by shop.0002_x, operation 1 (RenameModel))"
    )
    assert _caused_by(["shop.0002_x, operation 1, RunSQL: Raw SQL", "shop.0003_y"]) == (
        " (one of: shop.0002_x, operation 1 (RunSQL); shop.0003_y)"
    )


def _add_index(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("CREATE INDEX tag_name ON shop_tag (name)")


def _pragma(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("PRAGMA legacy_alter_table = OFF")


def _add_field(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    schema_editor.add_field(Tag, Tag._meta.get_field("name"))


def test_schema_differences_name_code_only_when_it_may_change_the_schema() -> None:
    """Without rows lost or changed, a data migration that cannot change the schema is not
    named; the schema editor's operations on the table that differs are (MariaDB,
    wagtailcore 0087: removing a unique group that starts with a foreign key adds an index
    for the key, which the reverse leaves)."""
    added = ["index shop_tag_group_id_fc07e671 on shop_tag: added (index (group_id) btree)"]
    data = migrations.RunPython(_purge_tags, NOOP)
    unique = migrations.AlterUniqueTogether("tag", set())
    index = migrations.RemoveIndex("tag", "tag_name_idx")
    other = migrations.AlterUniqueTogether("item", set())
    found = _suspects([_migration("0002_x", data, unique, index, other)], added)
    assert found == [
        "shop.0002_x, operation 2, AlterUniqueTogether: Alter unique_together for tag (0 "
        "constraint(s))",
        "shop.0002_x, operation 3, RemoveIndex: Remove index tag_name_idx from tag",
    ]
    # An index added by the rollback is not one an AddIndex's reverse leaves (it drops it),
    # a missing one not one a RemoveIndex's reverse leaves (it creates it again).
    adding = migrations.AddIndex("tag", models.Index(fields=["name"], name="tag_name_idx"))
    assert _suspects([_migration("0002_x", adding)], added) == []
    missing = [added[0].replace(": added (", ": missing (was ")]
    assert _suspects([_migration("0002_x", index, adding)], missing) == [
        "shop.0002_x, operation 2, AddIndex: Create index tag_name_idx on field(s) name of "
        "model tag"
    ]
    # Code that may change the table comes first (a no-op reverse): SQL that names it, or
    # the schema editor asked to change a model's table; SQL that names another is not
    # (wagtailcore 0070's PRAGMA for SQLite).
    pragma = migrations.RunPython(_pragma, NOOP)
    for code in (_add_index, _add_field):
        schema = migrations.RunPython(code, NOOP)
        found = _suspects([_migration("0002_x", data, unique, pragma, schema)], added)
        assert found == [f"shop.0002_x, operation 4, {PYTHON}"]
    # With rows lost, the data migration is named as before.
    assert _suspects([_migration("0002_x", data, unique)], added, [TAG_ROWS]) == [
        f"shop.0002_x, operation 1, {PYTHON}"
    ]


def test_differences_grouped_by_table() -> None:
    """What is left after the renames is ranked table by table (MariaDB, wagtail: one index
    left by 0087 on one table, one by 0080 on another)."""
    differences = [
        "index shop_tag_group_id_1 on shop_tag: added (index (group_id) btree)",
        "column shop_item.note: null was False, is True",
        "index shop_stock_item_id_2 on shop_stock: added (index (item_id) btree)",
        "constraint shop_tag_uniq on shop_tag: missing (was unique (name))",
        "table shop_old: added (absent before)",
    ]
    assert _by_table(differences) == [
        [differences[1], differences[4]],
        [differences[0], differences[3]],
        [differences[2]],
    ]
    assert _by_table(differences[:1]) == [differences[:1]]


def test_each_table_ranked_apart_when_their_causes_differ() -> None:
    """Without a rename, differences on several tables are ranked table by table when
    that names other operations for each (MariaDB: an ``AlterUniqueTogether`` and an
    ``AlterField`` each leave an index on their own table); else one ranking for all."""
    tag = "index shop_tag_group_id_1 on shop_tag: added (index (group_id) btree)"
    item = "index shop_item_name_2 on shop_item: added (index (name) btree)"
    unique = migrations.AlterUniqueTogether("tag", set())
    alter = migrations.AlterField("item", "name", models.CharField(max_length=9, db_index=True))
    both = [_migration("0002_x", unique, alter)]
    assert each_table_by(both, [tag, item], _default_table) == [
        f"{tag} (by shop.0002_x, operation 1 (AlterUniqueTogether))",
        f"{item} (by shop.0002_x, operation 2 (AlterField))",
    ]
    # One table: one ranking.
    assert each_table_by(both, [tag], _default_table) is None
    # The same operations for each table (SQL with no reverse that names both): one ranking.
    sql = migrations.RunSQL(
        "CREATE INDEX a ON shop_tag (group_id); CREATE INDEX b ON shop_item (name)"
    )
    assert each_table_by([_migration("0002_x", sql)], [tag, item], _default_table) is None
