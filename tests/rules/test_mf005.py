"""MF005 shape by shape, in a folder whose history is read from sources (no disk, no git):
what is flagged (the exact message and hint), the exact fixed text, what is left alone, and
that a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from _mf003_fixed import FLUSH

from migration_fixer.history import History
from migration_fixer.rule import Finding, RuleSettings
from migration_fixer.rules import mf005_nullable_alter_field as mf005
from migration_fixer.runner import FileResult, Options, process_source
from migration_fixer.source import SourceFile

FOLDER = Path("/nonexistent-mf005/shop/migrations")
NAME = "0002_nullable.py"

INITIAL = """\
from django.db import migrations, models

OPTIONS = {"max_length": 3}


class Migration(migrations.Migration):
    initial = True

    operations = [
        migrations.CreateModel(
            name="Category",
            fields=[("id", models.BigAutoField(primary_key=True))],
        ),
        migrations.CreateModel(
            name="Product",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("sku", models.CharField(max_length=32)),
                ("code", models.CharField(max_length=12, unique=True)),
                ("note", models.TextField(blank=True)),
                ("stock", models.IntegerField(default=0)),
                ("weight", models.IntegerField(default=0)),
                ("legacy", models.IntegerField(null=True)),
                ("flag", models.NullBooleanField()),
                ("tags", models.ManyToManyField(to="shop.category")),
                ("category", models.ForeignKey(on_delete=models.CASCADE, to="shop.category")),
                ("size", models.PositiveIntegerField()),
                ("extra", models.CharField(**OPTIONS)),
                ("day", models.DateField()),
            ],
            options={"unique_together": {("category", "kind"), ("category", "day")}},
        ),
        migrations.AddField(
            model_name="product",
            name="kind",
            field=models.CharField(max_length=30),
        ),
        migrations.AlterField(
            model_name="product",
            name="weight",
            field=models.IntegerField(default=0),
            preserve_default=False,
        ),
    ]
"""
HEAD = "from django.db import migrations, models\n\n\n"
MIGRATION = (
    "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0001_initial")]\n\n'
    "    operations = [\n{}    ]\n"
)


def alter(field: str, definition: str, indent: str = "        ") -> str:
    inner = indent + "    "
    return (
        f"{indent}migrations.AlterField(\n"
        f'{inner}model_name="product",\n'
        f'{inner}name="{field}",\n'
        f"{inner}field={definition},\n"
        f"{indent}),\n"
    )


def run_python(function: str) -> str:
    return (
        "        migrations.RunPython(\n"
        "            migrations.RunPython.noop,\n"
        f"            reverse_code={function},\n"
        "        ),\n"
    )


def module(operations: str, functions: str = "") -> str:
    return HEAD + functions + MIGRATION.format(operations)


def run(source: str, *, dialect: str = "", fix: bool = True) -> FileResult:
    sources = {"0001_initial.py": INITIAL, NAME: source}
    history = History.from_sources(FOLDER, sources)
    path = FOLDER / NAME
    options = Options(
        select=frozenset({"MF005"}),
        rewrite=fix,
        settings=RuleSettings((("MF005", "dialect", dialect),)),
    )
    return process_source(
        SourceFile(path, source, "utf-8", False), [mf005], options, FileResult(path), history
    )


def findings(source: str, **kwargs: str) -> list[Finding]:
    return run(source, fix=False, **kwargs).findings


def fixed(source: str) -> str:
    result = run(source)
    assert result.problems == []
    text = source if result.change is None else result.change.new_text
    assert run(text).change is None  # a second run changes nothing
    assert findings(text) == []
    return text


MESSAGE = (
    "`AlterField` makes `product.{}` nullable: rolling it back restores NOT NULL, which "
    "fails {}once a row holds NULL ({} with no default to fill them with)"
)


def backfill(field: str, body: str, comment: str = "") -> str:
    comment = comment or (
        f"    # MF005: rows written while `{field}` was nullable get a placeholder, so that "
        "rolling\n    # this migration back can restore NOT NULL. Review the value.\n"
    )
    return (
        f"def backfill_product_{field}(apps, schema_editor):\n"
        f"{comment}"
        '    Product = apps.get_model("shop", "Product")\n'
        "    db = schema_editor.connection.alias\n"
        f"    rows = Product.objects.using(db).filter({field}__isnull=True)\n"
        f"{body}{FLUSH}\n\n"
    )


def distinct(field: str, candidate: str) -> str:
    """A unique text field's backfill: ``candidate`` for each row, past the values held."""
    return (
        f"    taken = Product.objects.using(db).exclude({field}__isnull=True)\n"
        "    numbers = itertools.count(1)\n"
        "    for row in rows:\n"
        f"        value = {candidate}\n"
        f"        while taken.filter({field}=value).exists():\n"
        f"            value = {candidate}\n"
        f"        row.{field} = value\n"
        f'        row.save(update_fields=["{field}"])\n'
    )


def test_a_field_made_nullable_gets_a_backfilling_reverse() -> None:
    before = module(alter("sku", "models.CharField(max_length=32, null=True)"))
    (found,) = findings(before)
    assert (found.line, found.column, found.message, found.hint) == (
        8,
        8,
        MESSAGE.format("sku", "", "a CharField"),
        None,
    )
    assert found.fixable
    assert not found.hidden_fix(False)
    assert fixed(before) == module(
        alter("sku", "models.CharField(max_length=32, null=True)")
        + run_python("backfill_product_sku"),
        backfill("sku", '    rows.update(sku="")\n'),
    )


def test_two_fields_each_get_their_backfill_and_a_unique_one_distinct_values() -> None:
    before = module(
        alter("size", "models.PositiveIntegerField(null=True)")
        + alter("code", "models.CharField(max_length=12, null=True, unique=True)")
    )
    assert [f.message for f in findings(before)] == [
        MESSAGE.format("size", "", "a PositiveIntegerField"),
        MESSAGE.format("code", "", "a CharField"),
    ]
    unique = distinct("code", "str(next(numbers))")
    assert fixed(before) == "import itertools\n\n" + module(
        alter("size", "models.PositiveIntegerField(null=True)")
        + run_python("backfill_product_size")
        + alter("code", "models.CharField(max_length=12, null=True, unique=True)")
        + run_python("backfill_product_code"),
        backfill("size", "    rows.update(size=0)\n")
        + backfill(
            "code",
            unique,
            "    # MF005: rows written while `code` was nullable get a distinct placeholder, so "
            "that\n    # rolling this migration back can restore NOT NULL. Review the value.\n",
        ),
    )


def test_a_list_on_one_line_is_laid_out_one_operation_per_line() -> None:
    before = HEAD + MIGRATION.replace("    operations = [\n{}    ]\n", "{}").format(
        "    operations = [migrations.AlterField("
        '"product", "stock", models.IntegerField(null=True)), '
        'migrations.AlterField("product", "sku", models.CharField(max_length=32, null=True))]\n'
    )
    (found,) = findings(before)
    assert found.message == MESSAGE.format("sku", "", "a CharField")
    assert fixed(before) == HEAD + backfill("sku", '    rows.update(sku="")\n') + (
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        "    operations = [\n"
        '        migrations.AlterField("product", "stock", models.IntegerField(null=True)),\n'
        '        migrations.AlterField("product", "sku", models.CharField(max_length=32, '
        "null=True)),\n"
        f"{run_python('backfill_product_sku')}"
        "    ]\n"
    )


def test_a_blank_text_field_fails_except_on_sqlite() -> None:
    before = module(alter("note", "models.TextField(blank=True, null=True)"))
    (found,) = findings(before)
    where = "on PostgreSQL and MySQL/MariaDB (SQLite fills them) "
    assert found.message == MESSAGE.format("note", where, "a TextField")
    assert findings(before, dialect="sqlite") == []
    assert len(findings(before, dialect="sqlite,postgresql")) == 1


def test_a_default_dropped_by_preserve_default_false_does_not_fill_them() -> None:
    before = module(alter("weight", "models.IntegerField(default=0, null=True)"))
    (found,) = findings(before)
    assert found.message == MESSAGE.format("weight", "", "an IntegerField")


@pytest.mark.parametrize(
    ("operation", "hint"),
    [
        pytest.param(
            alter(
                "category",
                'models.ForeignKey(null=True, on_delete=models.CASCADE, to="shop.category")',
            ),
            "a foreign key has no placeholder: add after it `RunPython(RunPython.noop, "
            "reverse_code=...)` whose reverse gives the rows holding NULL a value, before "
            "rolling back",
            id="foreign-key",
        ),
        pytest.param(
            "        migrations.SeparateDatabaseAndState(\n"
            "            database_operations=[\n"
            + alter("sku", "models.CharField(max_length=32, null=True)", " " * 16)
            + "            ],\n"
            "        ),\n",
            "the `AlterField` is not written directly in `operations = [...]`: add the "
            "backfilling `RunPython` after it by hand",
            id="separate-database-and-state",
        ),
    ],
)
def test_reported_with_a_hint_and_left_alone(operation: str, hint: str) -> None:
    before = module(operation)
    (found,) = findings(before)
    assert (found.hint, found.fixable) == (hint, False)
    assert run(before).change is None


@pytest.mark.parametrize(
    "operations",
    [
        alter("stock", "models.IntegerField(default=0, null=True)"),  # Django fills them
        alter("legacy", "models.IntegerField(null=True, help_text='x')"),  # nullable already
        alter("flag", "models.NullBooleanField(null=True)"),  # always nullable
        alter("tags", 'models.ManyToManyField(null=True, to="shop.category")'),  # no column
        alter("sku", "models.CharField(max_length=64)"),  # not made nullable
        alter("sku", "models.CharField(max_length=32, null=NULL)"),  # not a literal
        alter("sku", "models.CharField(**options)"),
        alter("gone", "models.CharField(max_length=32, null=True)"),  # not in the history
        alter("extra", "models.CharField(max_length=3, null=True)"),  # was built with **
        alter("id", "models.BigAutoField(primary_key=True, null=True)"),  # a key
        alter("sku", "SKU"),
        "        migrations.SeparateDatabaseAndState(\n"
        "            state_operations=[\n"
        + alter("sku", "models.CharField(max_length=32, null=True)", " " * 16)
        + "            ],\n"
        "        ),\n",
        # Backfilled by hand after it.
        alter("sku", "models.CharField(max_length=32, null=True)")
        + "        migrations.RunPython(migrations.RunPython.noop, fill_sku),\n",
    ],
)
def test_left_alone(operations: str) -> None:
    functions = (
        "def fill_sku(apps, schema_editor):\n"
        '    apps.get_model("shop", "Product").objects.filter(sku=None).update(sku="")\n\n\n'
    )
    assert findings(module(operations, functions)) == []


def test_nothing_is_reported_where_the_migration_class_raises_in_unapply() -> None:
    before = HEAD + (
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        "    operations = [\n"
        + alter("sku", "models.CharField(max_length=32, null=True)")
        + "    ]\n\n"
        "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
        '        raise NotImplementedError("no way back")\n'
    )
    # Never rolled back: nothing to report.
    assert findings(before) == []
    assert run(before).change is None
    # (Reported once `unapply` may return.)
    assert len(findings(before.replace("raise NotImplementedError", "return print"))) == 1


def test_a_backfill_of_another_field_does_not_count() -> None:
    functions = "def fill(apps, schema_editor):\n    pass  # the note\n\n\n"
    operations = (
        alter("sku", "models.CharField(max_length=32, null=True)")
        + "        migrations.RunPython(migrations.RunPython.noop, reverse_code=fill),\n"
        + "        migrations.RunPython(migrations.RunPython.noop, reverse_code=print),\n"
    )
    assert [f.code for f in findings(module(operations, functions))] == ["MF005"]
    # Before the AlterField, a backfill does not run before NOT NULL is restored either.
    early = "        migrations.RunPython(migrations.RunPython.noop, reverse_code=fill),\n" + alter(
        "sku", "models.CharField(max_length=32, null=True)"
    )
    assert [f.code for f in findings(module(early, functions.replace("note", "sku")))] == ["MF005"]


def test_a_field_made_unique_with_others_gets_distinct_values_or_a_hint() -> None:
    # wagtail 0085: `permission_type`, unique together with group and page; one "" in two
    # rows of one group made the rollback fail on the unique key.
    kind = alter("kind", "models.CharField(max_length=30, null=True)")
    # (Thirty characters: "placeholder-" and ten digits.)
    unique = distinct("kind", 'f"placeholder-{next(numbers)}"')
    comment = (
        "    # MF005: rows written while `kind` was nullable get a distinct placeholder, so "
        "that\n    # rolling this migration back can restore NOT NULL. Review the value.\n"
    )
    assert fixed(module(kind)) == "import itertools\n\n" + module(
        kind + run_python("backfill_product_kind"), backfill("kind", unique, comment)
    )
    (found,) = findings(module(alter("day", "models.DateField(null=True)")))
    assert (found.fixable, found.hint) == (
        False,
        "a unique DateField needs a distinct value per row: write the backfill by hand",
    )


def test_a_comment_inside_the_altered_field_keeps_its_place() -> None:
    definition = (
        "models.CharField(\n"
        "                choices=[\n"
        "                    # the old codes\n"
        '                    ("a", "A"),\n'
        "                ],\n"
        "                max_length=32,\n"
        "                null=True,\n"
        "            )"
    )
    before = module(alter("sku", definition))
    assert fixed(before) == module(
        alter("sku", definition) + run_python("backfill_product_sku"),
        backfill("sku", '    rows.update(sku="")\n'),
    )


def test_the_last_element_without_a_comma_gets_one_once_it_is_not_alone() -> None:
    # byro, sentry: `operations = [AlterField(...)]` written with no trailing comma, which
    # black keeps for one element; two on their own lines need it.
    operation = alter("sku", "models.CharField(max_length=32, null=True)")
    before = module(operation[: -len(",\n")] + "\n")
    assert fixed(before) == module(
        operation + run_python("backfill_product_sku"),
        backfill("sku", '    rows.update(sku="")\n'),
    )
