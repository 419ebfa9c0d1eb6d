"""MF003's generated code (the AlterField, the RunPython, the backfill function, the drop
migration) comes out as black writes it at the project's line length: checked against black
itself, through the CLI in a git repository (the migration is new on the branch)."""

from __future__ import annotations

import os
from pathlib import Path

import black
import pytest
from _git_helpers import commit_all, init_repo, write
from _mf003_fixed import FLUSH
from click.testing import CliRunner

from migration_fixer.cli import cli

INITIAL = (
    "from django.db import migrations, models\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    initial = True\n\n"
    "    dependencies = []\n\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            name="Product",\n'
    "            fields=[\n"
    '                ("id", models.BigAutoField(primary_key=True)),\n'
    '                ("sku", models.CharField(max_length=32, unique=True)),\n'
    '                ("reference_code", models.CharField(max_length=64, help_text="x")),\n'
    "            ],\n"
    "        ),\n"
    "    ]\n"
)
TWO_REMOVALS = (
    "from django.db import migrations\n\n\n"
    "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0001_initial")]\n\n'
    "    operations = [\n"
    '        migrations.RemoveField(model_name="product", name="sku"),\n'
    "        migrations.RemoveField(\n"
    '            model_name="product",\n'
    '            name="reference_code",\n'
    "        ),\n"
    "    ]\n"
)
ONE_LINE_LIST = (
    "from django.db import migrations\n\n\n"
    "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0001_initial")]\n\n'
    '    operations = [migrations.RemoveField(model_name="product", name="sku")]\n'
)


#: How every backfill function ends at 60 columns (the deferred foreign key checks run),
#: with the two blank lines after it.
FLUSH_AT_60 = (
    "    # Run the deferred foreign key checks now: ALTER TABLE\n"
    "    # refuses pending ones.\n"
    '    if schema_editor.connection.vendor == "postgresql":\n'
    "        schema_editor.execute(\n"
    '            "SET CONSTRAINTS ALL IMMEDIATE"\n'
    "        )\n"
    "        schema_editor.execute(\n"
    '            "SET CONSTRAINTS ALL DEFERRED"\n'
    "        )\n"
    "\n"
    "\n"
)


def black_format(source: str, line_length: int) -> str:
    return black.format_str(source, mode=black.Mode(line_length=line_length))


def split(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    removal: str,
    line_length: int,
    initial: str = INITIAL,
) -> Path:
    """The folder after MF003 split ``removal`` (both files black-clean at ``line_length``)."""
    initial, removal = black_format(initial, line_length), black_format(removal, line_length)
    repo = init_repo(tmp_path / "repo")
    write(repo, "pyproject.toml", f"[tool.migration-fixer]\nline-length = {line_length}\n")
    write(repo, "shop/migrations/0001_initial.py", initial)
    commit_all(repo, "initial")
    write(repo, "shop/migrations/0002_x.py", removal)
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, ["--no-cache", "."], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    folder = repo / "shop" / "migrations"
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert black_format(text, line_length) == text, path.name
    return folder


def test_generated_code_at_a_small_line_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = split(tmp_path, monkeypatch, TWO_REMOVALS, 60)
    assert (folder / "0002_x.py").read_text(encoding="utf-8") == (
        "import itertools\n"
        "\n"
        "from django.db import migrations, models\n"
        "\n"
        "\n"
        "def backfill_product_sku(apps, schema_editor):\n"
        "    # MF003: rows written while `sku` was nullable get a\n"
        "    # distinct placeholder, so that rolling this migration\n"
        "    # back can restore NOT NULL. Review the value.\n"
        '    Product = apps.get_model("shop", "Product")\n'
        "    db = schema_editor.connection.alias\n"
        "    rows = Product.objects.using(db).filter(\n"
        "        sku__isnull=True\n"
        "    )\n"
        "    taken = Product.objects.using(db).exclude(\n"
        "        sku__isnull=True\n"
        "    )\n"
        "    numbers = itertools.count(1)\n"
        "    for row in rows:\n"
        '        value = f"placeholder-{next(numbers)}"\n'
        "        while taken.filter(sku=value).exists():\n"
        '            value = f"placeholder-{next(numbers)}"\n'
        "        row.sku = value\n"
        '        row.save(update_fields=["sku"])\n'
        + FLUSH_AT_60
        + "def backfill_product_reference_code(apps, schema_editor):\n"
        "    # MF003: rows written while `reference_code` was\n"
        "    # nullable get a placeholder, so that rolling this\n"
        "    # migration back can restore NOT NULL. Review the value.\n"
        '    Product = apps.get_model("shop", "Product")\n'
        "    db = schema_editor.connection.alias\n"
        "    rows = Product.objects.using(db).filter(\n"
        "        reference_code__isnull=True\n"
        "    )\n"
        '    rows.update(reference_code="")\n'
        + FLUSH_AT_60
        + "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        "\n"
        "    operations = [\n"
        "        migrations.AlterField(\n"
        '            model_name="product",\n'
        '            name="sku",\n'
        "            field=models.CharField(\n"
        "                max_length=32, unique=True, null=True\n"
        "            ),\n"
        "        ),\n"
        "        migrations.RunPython(\n"
        "            migrations.RunPython.noop,\n"
        "            reverse_code=backfill_product_sku,\n"
        "        ),\n"
        "        migrations.AlterField(\n"
        '            model_name="product",\n'
        '            name="reference_code",\n'
        "            field=models.CharField(\n"
        '                max_length=64, help_text="x", null=True\n'
        "            ),\n"
        "        ),\n"
        "        migrations.RunPython(\n"
        "            migrations.RunPython.noop,\n"
        "            reverse_code=backfill_product_reference_code,\n"
        "        ),\n"
        "    ]\n"
    )
    assert sorted(os.listdir(folder)) == [
        "0001_initial.py",
        "0002_x.py",
        "0003_remove_product_sku_remove_product_reference_code.py",
    ]


def test_a_list_on_one_line_is_laid_out_one_element_per_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = split(tmp_path, monkeypatch, ONE_LINE_LIST, 88)
    assert (folder / "0002_x.py").read_text(encoding="utf-8") == (
        "import itertools\n"
        "\n"
        "from django.db import migrations, models\n"
        "\n"
        "\n"
        "def backfill_product_sku(apps, schema_editor):\n"
        "    # MF003: rows written while `sku` was nullable get a distinct placeholder, so that\n"
        "    # rolling this migration back can restore NOT NULL. Review the value.\n"
        '    Product = apps.get_model("shop", "Product")\n'
        "    db = schema_editor.connection.alias\n"
        "    rows = Product.objects.using(db).filter(sku__isnull=True)\n"
        "    taken = Product.objects.using(db).exclude(sku__isnull=True)\n"
        "    numbers = itertools.count(1)\n"
        "    for row in rows:\n"
        '        value = f"placeholder-{next(numbers)}"\n'
        "        while taken.filter(sku=value).exists():\n"
        '            value = f"placeholder-{next(numbers)}"\n'
        "        row.sku = value\n"
        '        row.save(update_fields=["sku"])\n'
        + FLUSH
        + "\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        "\n"
        "    operations = [\n"
        "        migrations.AlterField(\n"
        '            model_name="product",\n'
        '            name="sku",\n'
        "            field=models.CharField(max_length=32, unique=True, null=True),\n"
        "        ),\n"
        "        migrations.RunPython(\n"
        "            migrations.RunPython.noop,\n"
        "            reverse_code=backfill_product_sku,\n"
        "        ),\n"
        "    ]\n"
    )


def test_a_definition_copied_from_deeper_is_joined_where_it_now_fits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In the CreateModel the definition is 8 columns deeper than in the AlterField: black
    # split it there, and joins it back here.
    initial = INITIAL.replace(
        '("sku", models.CharField(max_length=32, unique=True))',
        '("sku", models.CharField(max_length=32, help_text=("a code that can be read aloud")))',
    )
    folder = split(tmp_path, monkeypatch, ONE_LINE_LIST, 88, initial)
    assert (
        "            field=models.CharField(\n"
        '                max_length=32, help_text=("a code that can be read aloud"), null=True\n'
        "            ),\n"
    ) in (folder / "0002_x.py").read_text(encoding="utf-8")


def test_brackets_black_split_deeper_are_joined_where_they_now_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In the CreateModel (8 columns deeper) black split help_text's parentheses over three
    # lines; in the AlterField they fit on one, where black joins them.
    text = "the code printed on every label of the product box"
    initial = INITIAL.replace(
        '("sku", models.CharField(max_length=32, unique=True))',
        f'("sku", models.CharField(max_length=32, unique=True, help_text=("{text}")))',
    )
    assert f'help_text=(\n                            "{text}"\n' in black_format(initial, 88)
    folder = split(tmp_path, monkeypatch, ONE_LINE_LIST, 88, initial)
    assert (
        "            field=models.CharField(\n"
        "                max_length=32,\n"
        "                unique=True,\n"
        f'                help_text=("{text}"),\n'
        "                null=True,\n"
        "            ),\n"
    ) in (folder / "0002_x.py").read_text(encoding="utf-8")
