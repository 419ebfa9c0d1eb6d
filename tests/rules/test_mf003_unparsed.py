"""MF003 without parsing the file (``nothing_unparsed``): a migration laid out as
``makemigrations`` writes it, whose removals are all certainly safe, is told to hold nothing
to report from its lines; anything else is left to the parsed check. Every case is also run
through the parsed check, which must agree: nothing found where the lines say so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migration_fixer.history import History
from migration_fixer.rule import FileContext, NothingFound, RuleSettings, UnparsedFile
from migration_fixer.rules import mf003_nonnull_remove_field as mf003
from migration_fixer.runner import Options, process_file

FOLDER = Path("/nonexistent-mf003-unparsed/shop/migrations")

INITIAL = (
    "from django.db import migrations, models\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    initial = True\n\n"
    "    dependencies = []\n\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            name="Product",\n'
    "            fields=[\n"
    '                ("id", models.BigAutoField(primary_key=True, serialize=False)),\n'
    '                ("note", models.CharField(max_length=32, null=True)),\n'
    '                ("sku", models.CharField(max_length=32)),\n'
    '                ("stock", models.IntegerField(default=0)),\n'
    "            ],\n"
    "        ),\n"
    "    ]\n"
)


def laid_out(*operations: str, imports: str = "migrations") -> str:
    """A second migration as ``makemigrations`` lays it out, with ``operations`` (each the
    lines of one call, indented by 8)."""
    return (
        f"from django.db import {imports}\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [\n"
        '        ("shop", "0001_initial"),\n'
        "    ]\n\n"
        "    operations = [\n" + "".join(operations) + "    ]\n"
    )


def removal(field: str, model: str = "product") -> str:
    return (
        "        migrations.RemoveField(\n"
        f'            model_name="{model}",\n'
        f'            name="{field}",\n'
        "        ),\n"
    )


def add(field: str, definition: str, model: str = "product") -> str:
    return (
        "        migrations.AddField(\n"
        f'            model_name="{model}",\n'
        f'            name="{field}",\n'
        f"            field={definition},\n"
        "        ),\n"
    )


DELETE_PRODUCT = '        migrations.DeleteModel(\n            name="Product",\n        ),\n'


def _unparsed(second: str) -> NothingFound | None:
    history = History.from_sources(FOLDER, {"0001_initial.py": INITIAL, "0002_x.py": second})
    assert mf003.nothing_unparsed is not None
    return mf003.nothing_unparsed(
        UnparsedFile(FOLDER / "0002_x.py", second, history, RuleSettings())
    )


def _parsed_findings(second: str) -> list[str]:
    history = History.from_sources(FOLDER, {"0001_initial.py": INITIAL, "0002_x.py": second})
    tree = history.files["0002_x"].tree
    ctx = FileContext(FOLDER / "0002_x.py", second, tree, history=history)
    return [f.message for f in mf003.check(ctx)]


SAFE = {
    "nullable": laid_out(removal("note")),
    "with a default": laid_out(removal("stock")),
    "two safe": laid_out(removal("note"), removal("stock")),
    "table dropped after": laid_out(removal("sku"), DELETE_PRODUCT),
    "added nullable before": laid_out(
        add("sku", "models.CharField(max_length=32, null=True)"),
        removal("sku"),
        imports="migrations, models",
    ),
    # (As black writes a list that fits on one line.)
    "a list on one line": (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        '    operations = [migrations.RemoveField(model_name="product", name="note")]\n'
    ),
    # The field is nullable where it is removed; a non-null one added after it is another.
    "re-added after": laid_out(
        removal("note"), add("note", "models.IntegerField()"), imports="migrations, models"
    ),
}

PARSED = {
    "non-null": laid_out(removal("sku")),
    "one safe, one not": laid_out(removal("note"), removal("sku")),
    "added non-null before": laid_out(
        add("note", "models.IntegerField()"), removal("note"), imports="migrations, models"
    ),
    "table dropped before the removal": laid_out(DELETE_PRODUCT, removal("sku")),
    "unknown field": laid_out(removal("colour")),
    "in a comment too": laid_out(removal("note")) + "# migrations.RemoveField(...)\n",
    "DeleteModel in a comment": laid_out(removal("sku"), DELETE_PRODUCT) + "# DeleteModel\n",
    "not the writer's layout": (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        '  dependencies = [("shop", "0001_initial")]\n\n'
        '  operations = [migrations.RemoveField(model_name="product", name="note")]\n'
    ),
    "a field from a name of the module": laid_out(
        "        migrations.AlterField(\n"
        '            model_name="product",\n'
        '            name="note",\n'
        "            field=NOTE,\n"
        "        ),\n",
        removal("note"),
        imports="migrations, models",
    ).replace(
        "class Migration",
        "NOTE = models.CharField(max_length=32, null=True)\n\n\nclass Migration",
    ),
    "a call chained to an operation": laid_out(
        add("extra", "models.CharField(max_length=32, null=True)")[:-2] + ".describe(),\n",
        removal("note"),
        imports="migrations, models",
    ),
    # (Dropped from its own ancestors: the replaced migration is replayed instead.)
    "a squash after the migration it replaces": laid_out(removal("note")).replace(
        "    dependencies = [",
        '    replaces = [\n        ("shop", "0001_initial"),\n    ]\n\n    dependencies = [',
    ),
    "names not plain strings": laid_out(
        "        migrations.RemoveField(\n"
        "            model_name=MODEL,\n"
        '            name="note",\n'
        "        ),\n"
    ).replace("class Migration", 'MODEL = "product"\n\n\nclass Migration'),
}


@pytest.mark.parametrize("name", SAFE)
def test_safe_removals_are_told_from_the_lines(name: str) -> None:
    assert _unparsed(SAFE[name]) == NothingFound(reads_outside=False)
    assert _parsed_findings(SAFE[name]) == []


@pytest.mark.parametrize("name", PARSED)
def test_anything_else_is_left_to_the_parsed_check(name: str) -> None:
    assert _unparsed(PARSED[name]) is None


def test_the_parsed_check_reports_what_the_lines_leave_to_it() -> None:
    assert _parsed_findings(PARSED["one safe, one not"]) == [
        "removing `product.sku` cannot be rolled back: non-null `CharField` with no default: "
        "re-adding it fails on SQLite and PostgreSQL, and MySQL/MariaDB silently fill every "
        "row with ''"
    ]


@pytest.mark.parametrize(
    "name", ["a field from a name of the module", "a squash after the migration it replaces"]
)
def test_what_the_lines_leave_to_it_the_parsed_check_may_find_safe(name: str) -> None:
    assert _parsed_findings(PARSED[name]) == []


def test_the_replay_from_the_lines_of_a_migration_not_laid_out_so() -> None:
    second = PARSED["not the writer's layout"]
    history = History.from_sources(FOLDER, {"0001_initial.py": INITIAL, "0002_x.py": second})
    assert history.state_before_laid_out("0002_x", 0, "product") is None


def test_a_removal_in_the_initial_migration() -> None:
    initial = INITIAL.replace("        ),\n    ]\n", "        ),\n" + removal("note") + "    ]\n")
    history = History.from_sources(FOLDER, {"0001_initial.py": initial})
    assert mf003.nothing_unparsed is not None
    file = UnparsedFile(FOLDER / "0001_initial.py", initial, history, RuleSettings())
    assert mf003.nothing_unparsed(file) == NothingFound(reads_outside=False)


def test_a_text_the_history_does_not_hold_is_parsed() -> None:
    history = History.from_sources(
        FOLDER, {"0001_initial.py": INITIAL, "0002_x.py": SAFE["nullable"]}
    )
    changed = SAFE["nullable"] + "\n"
    assert mf003.nothing_unparsed is not None
    file = UnparsedFile(FOLDER / "0002_x.py", changed, history, RuleSettings())
    assert mf003.nothing_unparsed(file) is None


def test_a_history_that_cannot_be_ordered_leaves_the_file_to_the_parsed_check() -> None:
    orphan = SAFE["nullable"].replace('"0001_initial"', '"0000_missing"')
    history = History.from_sources(FOLDER, {"0001_initial.py": INITIAL, "0002_x.py": orphan})
    assert history.state_before_laid_out("0002_x", 0, "product") == (
        "0002_x depends on ('shop', '0000_missing'), which is not in this folder"
    )
    assert mf003.nothing_unparsed is not None
    file = UnparsedFile(FOLDER / "0002_x.py", orphan, history, RuleSettings())
    assert mf003.nothing_unparsed(file) is None


def test_project_field_classes_consulted_are_said(tmp_path: Path) -> None:
    """A field class the rule follows into the project's code (nullable there): the result
    depends on files outside the folder (not cached)."""
    project = tmp_path / "project"
    (project / "shop" / "migrations").mkdir(parents=True)
    (project / "shop" / "fields.py").write_text(
        "from django.db import models\n\n\n"
        "class Code(models.CharField):\n"
        "    def __init__(self, *args, **kwargs):\n"
        '        kwargs.setdefault("null", True)\n'
        "        super().__init__(*args, **kwargs)\n"
    )
    initial = INITIAL.replace(
        "from django.db import migrations, models\n",
        "from django.db import migrations, models\n\nimport shop.fields\n",
    ).replace(
        '("stock", models.IntegerField(default=0)),\n',
        '("stock", models.IntegerField(default=0)),\n'
        '                ("code", shop.fields.Code(max_length=8)),\n',
    )
    folder = project / "shop" / "migrations"
    second = laid_out(removal("code"))
    history = History.from_sources(folder, {"0001_initial.py": initial, "0002_x.py": second})
    settings = RuleSettings((("MF003", "roots", str(project)),))
    assert mf003.nothing_unparsed is not None
    found = mf003.nothing_unparsed(UnparsedFile(folder / "0002_x.py", second, history, settings))
    assert found == NothingFound(reads_outside=True)


def test_the_runner_does_not_parse_a_file_with_nothing_to_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "0001_initial.py").write_text(INITIAL)
    (folder / "0002_safe.py").write_text(laid_out(removal("note")))
    (folder / "0003_unsafe.py").write_text(
        laid_out(removal("sku")).replace('"0001_initial"', '"0002_safe"')
    )
    parsed: list[str] = []
    real_parse = ast.parse

    def recording_parse(source: str | bytes, *args: object, **kwargs: object) -> ast.AST:
        text = source if isinstance(source, str) else source.decode()
        if "RemoveField" in text:
            parsed.append(text)
        return real_parse(source, *args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(ast, "parse", recording_parse)
    options = Options(select=frozenset({"MF003"}), rewrite=False)
    histories: dict[Path, History] = {}
    safe = process_file(folder / "0002_safe.py", options, histories)
    assert (safe.findings, safe.problems, safe.cacheable) == ([], [], True)
    assert parsed == []
    unsafe = process_file(folder / "0003_unsafe.py", options, histories)
    assert [(f.code, f.line) for f in unsafe.findings] == [("MF003", 10)]
    assert len(parsed) == 1
    assert 'name="sku"' in parsed[0]
    # With a rule that reads every file it applies to (MF001), the file is parsed.
    with_mf001 = Options(select=frozenset({"MF001", "MF003"}), rewrite=False)
    (folder / "0004_more.py").write_text(
        laid_out(removal("stock")).replace('"0001_initial"', '"0003_unsafe"') + "# RunPython\n"
    )
    more = process_file(folder / "0004_more.py", with_mf001, {})
    assert (more.findings, more.problems) == ([], [])
    assert len(parsed) == 2
