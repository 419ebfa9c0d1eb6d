"""``--no-rows``: the hint after a deploy's forward step failed on the generated rows (the
models given rows that the failing operation names, with the ``--no-rows`` that leaves them
out), and the names the plan gives the models left empty."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db import migrations, models

from migration_fixer.django.rehearsal import no_rows_hint, renamed_too

HINT = (
    "if the generated rows are not rows this migration can meet (a tree's paths, a "
    "document's structure, names it looks up), leave those tables empty: "
)


def _number_tags(apps: Any, schema_editor: Any) -> None:
    Tag = apps.get_model("shop", "Tag")
    for tag in Tag.objects.all():
        int(tag.name)


def _migration(operation: Any) -> migrations.Migration:
    migration = migrations.Migration("0003_x", "shop")
    migration.operations = [operation]
    return migration


INSERTED = {"shop.Tag": {1, 2}, "shop.Item": {1}, "shop.Empty": set(), "blog.Tag": {3}}


def test_a_function_that_names_models_given_rows() -> None:
    operation = migrations.RunPython(_number_tags, migrations.RunPython.noop)
    # (blog.Tag is not: the code does not name the app blog.)
    assert no_rows_hint(_migration(operation), operation, INSERTED) == HINT + "--no-rows shop.Tag"
    # In a migration of blog, its own Tag is named too (the name alone tells them apart).
    elsewhere = migrations.Migration("0003_x", "blog")
    hint = no_rows_hint(elsewhere, operation, INSERTED)
    assert hint == HINT + "--no-rows blog.Tag --no-rows shop.Tag"


def test_an_operation_on_a_model_given_rows() -> None:
    operation = migrations.AlterField("item", "name", models.CharField(max_length=5))
    assert no_rows_hint(_migration(operation), operation, INSERTED) == HINT + "--no-rows shop.Item"
    created = migrations.AlterModelTable("Item", "shop_items")
    assert no_rows_hint(_migration(created), created, INSERTED) == HINT + "--no-rows shop.Item"


def test_none_without_rows_of_what_it_names() -> None:
    for operation in (
        migrations.AlterField("empty", "name", models.CharField(max_length=5)),
        migrations.AlterField("other", "name", models.CharField(max_length=5)),
        migrations.RunSQL("UPDATE shop_tag SET name = 1"),
    ):
        assert no_rows_hint(_migration(operation), operation, INSERTED) == ""


def test_a_model_left_empty_stays_empty_under_the_name_the_plan_gives_it() -> None:
    renaming = migrations.Migration("0003_rename", "shop")
    renaming.operations = [migrations.RenameModel("Tag", "Label")]
    other = migrations.Migration("0004_rename", "blog")
    other.operations = [migrations.RenameModel("Post", "Article")]
    loader = SimpleNamespace(
        graph=SimpleNamespace(
            nodes={("shop", "0003_rename"): renaming, ("blog", "0004_rename"): other}
        )
    )
    plan = [("shop", "0003_rename"), ("blog", "0004_rename")]
    assert renamed_too(["shop.Tag", "Shop.Item"], loader, plan) == {  # type: ignore[arg-type]
        "shop.tag",
        "shop.label",
        "shop.item",
    }
