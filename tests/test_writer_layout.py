"""Operations read from the lines of a migration laid out as Django's writer lays it out
(:mod:`migration_fixer.writer_layout`), and the replay that reads them so
(:class:`migration_fixer.history._LaidOut`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migration_fixer import history as history_module
from migration_fixer.history import FieldState, History, State
from migration_fixer.writer_layout import (
    Layout,
    called_alone,
    model_fields,
    parse_field,
    parse_operation,
    plain_header,
    read_layout,
)

HEAD = """\
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0001_initial"),
    ]

"""

#: Django's writer's layout, with black's reformatting of long lines and a name that is
#: not ASCII (columns are counted in UTF-8 bytes).
OPERATIONS = """\
    operations = [
        migrations.CreateModel(
            name="Product",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "sku",
                    models.CharField(
                        max_length=9, verbose_name="référence"
                    ),
                ),
            ],
            options={"ordering": ["sku"]},
        ),
        migrations.AddField(
            model_name="product",
            name="price",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=9),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="product",
            options={"verbose_name": "produit"},
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["sku"], name="sku_idx"),
        ),
        migrations.RenameField(
            model_name='product',
            old_name='price',
            new_name='cost',
        ),
        migrations.AlterField(
            model_name="cart",
            name="owner",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, to="shop.customer"
            ),
        ),
        migrations.AddField(
            model_name=u"legacy",
            name="flag",
            field=models.BooleanField(default=False),
        )
    ]
"""

TEXT = HEAD + OPERATIONS


def test_the_writers_layout_is_read_from_its_lines() -> None:
    layout = read_layout(TEXT)
    assert layout is not None
    assert TEXT[: layout.header_end] == HEAD
    assert [(op.kind, op.line, op.models) for op in layout.operations] == [
        ("CreateModel", 12, frozenset({"product"})),
        ("AddField", 25, frozenset({"product"})),
        ("AlterModelOptions", 31, frozenset()),
        ("AddIndex", 35, frozenset()),
        ("RenameField", 39, frozenset({"product"})),
        ("AlterField", 44, frozenset({"cart"})),
        ("AddField", 51, None),  # (a prefixed string: told by reading it)
    ]
    for operation in layout.operations:
        call = TEXT[operation.start : operation.end]
        assert call.startswith(f"migrations.{operation.kind}(\n")
        assert call.endswith("\n        )")
    assert layout.header(TEXT) == HEAD + "    operations = []\n"


# Below line 600 a piece is moved to its line after the parse, not put there by blank lines.
@pytest.mark.parametrize("above", ["", "# generated\n" * 700], ids=["top", "line 700 on"])
def test_each_operation_parsed_alone_is_the_node_the_whole_parse_gives(above: str) -> None:
    text = above + TEXT
    layout = read_layout(text)
    assert layout is not None
    module = ast.parse(text)
    migration = module.body[-1]
    assert isinstance(migration, ast.ClassDef)
    listed = migration.body[-1]
    assert isinstance(listed, ast.Assign)
    assert isinstance(listed.value, ast.List)
    whole = listed.value.elts
    assert len(whole) == len(layout.operations)
    for operation, node in zip(layout.operations, whole, strict=True):
        alone = parse_operation(text, operation, "0002_x.py")
        assert alone is not None
        assert ast.dump(alone, include_attributes=True) == ast.dump(node, include_attributes=True)
        assert ast.get_source_segment(text, alone) == text[operation.start : operation.end]


def test_an_operation_that_does_not_parse_is_none() -> None:
    broken = TEXT.replace("max_digits=9),", "max_digits=9,")
    layout = read_layout(broken)
    assert layout is not None  # (its lines are the writer's)
    assert parse_operation(broken, layout.operations[1], "0002_x.py") is None
    assert parse_operation(broken, layout.operations[0], "0002_x.py") is not None


def test_a_list_with_no_operations() -> None:
    assert read_layout(HEAD + "    operations = [\n    ]\n") == Layout(len(HEAD), ())


def _op(kind: str, *arguments: str) -> str:
    lines = "".join(f"            {argument}\n" for argument in arguments)
    return f"        migrations.{kind}(\n{lines}        ),\n"


def _models(*operations: str) -> list[frozenset[str] | None]:
    layout = read_layout(HEAD + "    operations = [\n" + "".join(operations) + "    ]\n")
    assert layout is not None
    return [operation.models for operation in layout.operations]


def test_what_each_operation_changes() -> None:
    assert _models(
        _op("DeleteModel", 'name="Old",'),
        _op("RenameModel", 'old_name="a",', 'new_name="b",'),  # (may change any model)
        _op("RemoveField", 'model_name="a",', 'name="b",'),
        _op("AddField", 'model_name="A",', 'name="b",'),  # (no field: told by reading it)
        _op("AlterField", 'model_name="a",', "name=NAME,", "field=models.F(),"),
        _op("AddField", 'model_name="a",', 'name="b",  # why', "field=models.F(),"),
        _op("RunPython", "code=forwards,"),
        _op("AlterSortedManyToManyField", 'model_name="a",'),  # (custom: "Field")
        _op("CreateSearchModel", 'name="a",'),  # (custom: ends with "Model")
    ) == [
        frozenset({"old"}),
        None,
        frozenset({"a"}),
        None,
        None,
        None,
        frozenset(),
        None,
        None,
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(TEXT.replace("\n", "\r\n"), id="CRLF"),
        pytest.param(HEAD + "    operations = [migrations.DeleteModel('A')]\n", id="one line"),
        pytest.param(TEXT + "X = 1\n", id="after"),
        pytest.param(TEXT.replace('"produit"', '"""produit"""'), id="triple quote"),
        pytest.param(TEXT.replace('"produit"', '"pro\\\nduit"'), id="backslash"),
        pytest.param(
            TEXT.replace(
                "        ),\n        migrations.AddIndex",
                "        ),\n\n        migrations.AddIndex",
            ),
            id="blank line",
        ),
        pytest.param(
            TEXT.replace(
                "        ),\n        migrations.AddIndex",
                "        ),\n          # x\n        migrations.AddIndex",
            ),
            id="indented 10",
        ),
        pytest.param(
            TEXT.replace(
                "        ),\n        migrations.AddIndex",
                "        ),\n            x=1,\n        migrations.AddIndex",
            ),
            id="between",
        ),
        pytest.param(
            TEXT.replace("            old_name='price',", "            'price',"), id="positional"
        ),
        pytest.param(
            TEXT.replace("            old_name='price',", "            *names,"), id="star"
        ),
        pytest.param(
            TEXT.replace("            new_name='cost',", "            old_name='cost',"), id="twice"
        ),
        pytest.param(
            TEXT.replace("migrations.AlterModelOptions(", "migrations.RunSQL("), id="RunSQL"
        ),
        pytest.param(
            TEXT.replace("migrations.AlterModelOptions(", "migrations.SeparateDatabaseAndState("),
            id="nested",
        ),
        pytest.param(
            TEXT.replace("migrations.AlterModelOptions(", "ops.AlterModelOptions("),
            id="not migrations",
        ),
        pytest.param(
            TEXT.replace(
                "        ),\n        migrations.AddIndex", "        ))\n        migrations.AddIndex"
            ),
            id="end",
        ),
        pytest.param(
            TEXT.replace(
                "        ),\n        migrations.AddIndex", "        )\n        migrations.AddIndex"
            ),
            id="comma",
        ),
        pytest.param(TEXT.replace("        migrations.AddIndex(\n", ""), id="odd"),
        pytest.param(TEXT.replace("    ]\n", "    ]  # end\n"), id="not closed"),
        pytest.param(
            HEAD + "    operations = [\n        migrations.DeleteModel(\n            name='A',\n"
            "        ),\n",
            id="unclosed",
        ),
        pytest.param(HEAD, id="no list"),
        pytest.param(
            HEAD + "    operations = [\n            migrations.DeleteModel('A'),\n    ]\n",
            id="indented 12",
        ),
        pytest.param(
            TEXT.replace("        )\n    ]", "        )\n            x,\n    ]"), id="last"
        ),
    ],
)
def test_other_layouts_are_parsed(text: str) -> None:
    assert read_layout(text) is None


# -- the replay ----------------------------------------------------------------------------


def _sources(*later: str, first: str = TEXT) -> dict[str, str]:
    initial = HEAD.replace('        ("shop", "0001_initial"),\n', "")
    sources = {"0001_initial.py": initial + "    operations = [\n    ]\n", "0002_x.py": first}
    for number, text in enumerate(later, 3):
        sources[f"{number:04}_y.py"] = text
    return sources


def _history(*later: str, first: str = TEXT) -> History:
    return History.from_sources(Path("shop/migrations"), _sources(*later, first=first))


def _replayed(history: History, model: str, field: str) -> FieldState | str:
    state = history.state_before(history.leaves()[0], ast.Constant(None), model)
    assert isinstance(state, State)
    return state.lookup(model, field)


def _operation_in(text: str, index: int) -> ast.Call:
    """The operation at ``index`` of the migration ``text``, from the parse of the whole
    file (the one the replay's reading must match, positions included)."""
    whole = ast.parse(text).body[-1]
    assert isinstance(whole, ast.ClassDef)
    listed = whole.body[-1]
    assert isinstance(listed, ast.Assign)
    assert isinstance(listed.value, ast.List)
    operation = listed.value.elts[index]
    assert isinstance(operation, ast.Call)
    return operation


def _definition(history: History, field: str) -> str:
    """The definition of the product's ``field`` the replay finds, unparsed."""
    found = _replayed(history, "product", field)
    assert isinstance(found, FieldState)
    return ast.unparse(found.expr)


def _loaded(tmp_path: Path, first: str) -> History:
    """The history of a folder on disk whose first migration is ``first``."""
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    for name, source in _sources(LAST, first=first).items():
        (folder / name).write_text(source)
    return History.load(folder)


def _assert_reported(history: History, field: str, line: int) -> None:
    """The product's ``field`` is read by parsing 0002_x.py whole, which does not parse:
    the replay says so, and the syntax error at ``line`` is reported once."""
    assert _replayed(history, "product", field) == "0002_x.py does not parse"
    [problem] = history.problems
    assert (problem.path.name, problem.line) == ("0002_x.py", line)
    assert problem.message.startswith("migration history: cannot parse 0002_x.py: ")


LAST = HEAD.replace("0001_initial", "0002_x") + "    operations = [\n    ]\n"


def test_the_replay_parses_only_the_operations_that_change_its_model() -> None:
    history = _history(LAST)
    found = _replayed(history, "Product", "sku")
    assert isinstance(found, FieldState)
    assert ast.get_source_segment(TEXT, found.expr) == (
        'models.CharField(\n                        max_length=9, verbose_name="référence"\n'
        "                    )"
    )
    assert found.source.name == "0002_x"
    assert found.source.text == TEXT
    laid = history._sources["0002_x"].laid
    assert laid is not None
    # Only the operation that may change any model (the prefixed name): not the index,
    # the options nor the other model's field; the product's `CreateModel`, `AddField`
    # and `RenameField` are applied from their lines, and of the fields they define only
    # the one looked up is parsed.
    assert sorted(laid.parsed) == [6]
    assert list(laid.created) == [0]
    assert history._sources["0002_x"].parsed is None  # (never parsed whole)
    cost = _replayed(history, "product", "cost")
    assert isinstance(cost, FieldState)
    assert cost.preserve_default is False
    assert sorted(laid.parsed) == [1, 6]  # (the `AddField`, parsed when looked up)
    assert ast.unparse(cost.expr) == (
        "models.DecimalField(decimal_places=2, default=0, max_digits=9)"
    )
    assert cost.source is found.source
    added = _operation_in(TEXT, 1)
    assert ast.dump(cost.expr, include_attributes=True) == ast.dump(
        added.keywords[2].value, include_attributes=True
    )


def test_a_field_bound_to_a_name_is_read_in_the_whole_module() -> None:
    text = TEXT.replace(
        "field=models.DecimalField(decimal_places=2, default=0, max_digits=9),", "field=PRICE,"
    ).replace("class Migration", "PRICE = models.IntegerField(default=1)\n\n\nclass Migration")
    history = _history(LAST, first=text)
    assert _definition(history, "cost") == "models.IntegerField(default=1)"
    assert history._sources["0002_x"].laid is None
    assert history._sources["0002_x"].parsed is not None


def test_an_operation_that_does_not_parse_has_the_file_parsed_and_reported(
    tmp_path: Path,
) -> None:
    text = TEXT.replace("max_digits=9),", "max_digits=9,")
    history = _loaded(tmp_path, text)
    # Another model's replay does not read the product's operations.
    assert _replayed(history, "cart", "owner") == (
        "model `cart` is not created in this folder's migrations"
    )
    assert history.problems == []
    # The product's does: the file is parsed whole, and its syntax error reported.
    _assert_reported(history, "sku", 56)


def test_a_field_applied_from_its_lines_is_parsed_when_looked_up(tmp_path: Path) -> None:
    # A syntax error that leaves the brackets closed: the `AddField`'s lines are the
    # writer's, so the replay applies it without parsing it.
    text = TEXT.replace("max_digits=9),", "max_digits=9 9),")
    history = _loaded(tmp_path, text)
    assert _definition(history, "sku") == "models.CharField(max_length=9, verbose_name='référence')"
    assert history.problems == []
    # The field it defines is read when looked up: the file is then parsed whole, and
    # the error reported.
    _assert_reported(history, "cost", 28)
    # Read where the lookup does not go (a branch's alternative, another field of the
    # model): a name no rule follows, defined in the file as it could be read.
    state = history.state_before(history.leaves()[0], ast.Constant(None), "product")
    assert isinstance(state, State)
    cost = state.models["product"].fields["cost"]
    assert isinstance(cost.expr, ast.Name)
    assert cost.source.parse_error == "0002_x.py does not parse"


def test_a_module_that_binds_its_operations_elsewhere_is_parsed() -> None:
    text = TEXT.replace(
        "class Migration", "def f():\n    return Migration.operations\n\n\nclass Migration"
    )
    history = _history(LAST, first=text)
    assert _replayed(history, "product", "sku") == (
        "the operations of 0002_x are built dynamically "
        "(`Migration.operations` is changed outside the class)"
    )
    assert history._sources["0002_x"].laid is None


@pytest.mark.parametrize(
    ("change", "defined"),
    [
        (
            (
                "from django.db import migrations, models",
                "from django.db import models\nfrom . import migrations",
            ),
            False,  # (its `CreateModel` is not Django's)
        ),
        (("    ]\n\n    operations", "    ]\n    operations = None\n\n    operations"), True),
        (
            ("    ]\n\n    operations = [", "    ]\n\n\ndef later():\n    operations = ["),
            False,  # (the migration has no operations)
        ),
        (("import django.db.models.deletion", "import django.db.models.deletion as"), False),
    ],
    ids=["migrations is not Django's", "bound twice", "in a function", "does not parse"],
)
def test_modules_read_whole(change: tuple[str, str], defined: bool) -> None:
    text = TEXT.replace(*change)
    assert text != TEXT
    assert read_layout(text) is not None
    history = _history(LAST, first=text)
    found = _replayed(history, "product", "sku")
    assert history._sources["0002_x"].laid is None
    assert isinstance(found, FieldState) is defined


def test_operations_imported_by_name_leave_the_layout_read() -> None:
    text = TEXT.replace(
        "from django.db import",
        "from django.contrib.postgres.operations import HStoreExtension\nfrom django.db import",
    )
    history = _history(LAST, first=text)
    assert isinstance(_replayed(history, "product", "sku"), FieldState)
    assert history._sources["0002_x"].laid is not None


def _described(found: FieldState | str) -> str | tuple[str, str | None, bool, str]:
    if isinstance(found, str):
        return found
    segment = ast.get_source_segment(found.source.text, found.expr)
    return (
        ast.dump(found.expr, include_attributes=True),
        segment,
        found.preserve_default,
        found.model,
    )


def _replays(text: str, fields: list[tuple[str, str]]) -> list[object]:
    history = _history(LAST, first=text)
    return [_described(_replayed(history, model, name)) for model, name in fields]


FIELDS = [("product", "sku"), ("product", "cost"), ("product", "id"), ("cart", "owner")]


def test_a_keyword_after_a_closing_bracket_is_not_the_writers_layout() -> None:
    # mayan-edms metadata 0018: ``), preserve_default=False`` on one line. Read from its
    # lines, the field kept its default, which the whole module says it did not.
    text = TEXT.replace(
        "            field=models.DecimalField(decimal_places=2, default=0, max_digits=9),\n"
        "            preserve_default=False,\n",
        "            field=models.DecimalField(\n"
        "                decimal_places=2, default=0, max_digits=9\n"
        "            ), preserve_default=False\n",
    )
    assert text != TEXT
    assert read_layout(text) is None
    found = _replayed(_history(LAST, first=text), "product", "cost")
    assert isinstance(found, FieldState)
    assert found.preserve_default is False


@pytest.mark.parametrize(
    ("change", "laid"),
    [
        (("", ""), True),
        (('=u"legacy"', '="legacy"'), True),  # (every operation's models known)
        (("field=models.BooleanField(default=False),", "field=FLAG,"), False),
        (("            preserve_default=False,\n", "            ).deconstruct(\n"), False),
        (
            (
                "max_digits=9),\n",
                "max_digits=9)),\n"
                '                migrations.RemoveField(model_name="product", name="sku",\n',
            ),
            False,
        ),
        (("migrations.AlterModelOptions", "migrations.AlterProductField"), True),
        (('            name="price",', '            name="price", **extra,'), True),
        (
            (
                '            fields=[\n                ("id",',
                '            fields=FIELDS + [\n                ("id",',
            ),
            False,
        ),
        (
            (
                '                ("id", models.AutoField',
                '                ("id", ID, models.AutoField',
            ),
            False,
        ),
        (('            name="Product",', "            name=PRODUCT,"), False),
    ],
    ids=[
        "as is",
        "all known",
        "field bound",
        "not the call",
        "two calls",
        "custom",
        "star",
        "fields",
        "pair",
        "name",
    ],
)
def test_the_replay_from_the_layout_is_the_replay_of_the_whole_module(
    change: tuple[str, str], laid: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = TEXT.replace(*change).replace(
        "class Migration",
        'PRODUCT = "Product"\nFIELDS = []\nID = 1\nFLAG = models.F()\n\n\nclass Migration',
    )
    assert read_layout(text) is not None
    history = _history(LAST, first=text)
    found = [_described(_replayed(history, model, name)) for model, name in FIELDS]
    assert (history._sources["0002_x"].laid is not None) is laid
    monkeypatch.setattr(history_module._LaidOut, "read", classmethod(lambda cls, source: None))
    whole = _history(LAST, first=text)
    assert found == [_described(_replayed(whole, model, name)) for model, name in FIELDS]
    assert whole._sources["0002_x"].laid is None


@pytest.mark.parametrize(
    ("change", "plain"),
    [
        (("", ""), True),
        (("import django", "import django.db.migrations\nimport django"), True),
        (("import django", "from django.db.migrations import operations\nimport django"), True),
        (("import django", "import my_operations\nimport django"), True),
        (("class Migration(", "# class Other:\nclass Migration("), True),
        (('        ("shop",', '# the first\n        ("shop",'), True),
        (('verbose_name="référence"', 'verbose_name="MyMigration.operations"'), True),
        (("import django", "migrations = None\nimport django"), False),
        (("import django", "import migrations.x\nimport django"), False),
        (("import django", "from django.db import migrations as m\nimport django"), False),
        (("from django.db import migrations, models", "from django.db import models"), False),
        (("import django", "# operations below\nimport django"), False),
        (("    ]\n\n    operations", "    ]\n    # no operations\n\n    operations"), False),
        (("import django", "x = 1 + \\\n    2\nimport django"), False),
        (("    ]\n\n    operations", "]\n\n    operations"), False),
        (("import django", "Migration.operations = []\nimport django"), False),
        (("import django", "x = 'Migration . operations'\nimport django"), False),
    ],
)
def test_the_text_before_the_operations_is_plain(change: tuple[str, str], plain: bool) -> None:
    text = TEXT.replace(*change)
    layout = read_layout(text)
    assert layout is not None
    assert plain_header(text, layout) is plain


def test_a_module_with_no_class() -> None:
    text = "# nothing\n    operations = [\n    ]\n"
    layout = read_layout(text)
    assert layout is not None
    assert not plain_header(text, layout)


# -- a `CreateModel`'s fields read from its lines -----------------------------------------


def _created(
    fields: str, *, keyword: str = "fields=[\n", above: str = ""
) -> tuple[str, list[str]] | None:
    """The name and the pairs' names that model_fields reads from a `CreateModel` whose
    `fields` list holds ``fields`` (lines indented sixteen spaces)."""
    operation = (
        "        migrations.CreateModel(\n"
        '            name="Product",\n'
        f"            {keyword}{fields}            ],\n"
        '            options={"ordering": ["sku"]},\n'
        "        ),\n"
    )
    text = above + HEAD + "    operations = [\n" + operation + "    ]\n"
    layout = read_layout(text)
    assert layout is not None
    read = model_fields(text, layout.operations[0])
    if read is None:
        return None
    created = _operation_in(text, 0)
    pairs = created.keywords[1].value
    assert isinstance(pairs, ast.List)
    assert len(pairs.elts) == len(read[1])
    for pair, node in zip(read[1], pairs.elts, strict=True):
        # Each pair's field, parsed alone, is the node the whole parse gives.
        assert isinstance(node, ast.Tuple)
        assert ast.get_source_segment(text, node) == text[pair.start : pair.end]
        parsed = parse_field(text, pair, "0002_x.py")
        assert parsed is not None
        assert ast.dump(parsed, include_attributes=True) == ast.dump(
            node.elts[1], include_attributes=True
        )
    return read[0], [pair.name for pair in read[1]]


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        ('                ("id", models.AutoField(primary_key=True)),\n', ["id"]),
        (
            "                ('id', models.AutoField(primary_key=True)),\n"
            '                ("sku", models.CharField(max_length=9, verbose_name="(x")),\n',
            ["id", "sku"],
        ),
        (
            "                (\n"
            '                    "sku",\n'
            "                    models.CharField(\n"
            '                        max_length=9, verbose_name="référence"\n'
            "                    ),\n"
            "                ),\n"
            '                ("id", models.AutoField(primary_key=True))\n',
            ["sku", "id"],
        ),
        ('                ("id", django.db.models.AutoField()),\n', ["id"]),
        ("", []),
    ],
    ids=["writer", "quotes", "black", "dotted", "empty"],
)
def test_the_pairs_of_a_create_model_read_from_its_lines(fields: str, names: list[str]) -> None:
    assert _created(fields) == ("Product", names)


def test_a_create_model_with_no_listed_fields() -> None:
    assert _created("", keyword="fields=[],\n            bases=[\n") == ("Product", [])


@pytest.mark.parametrize(
    "fields",
    [
        '                ("id", ID),\n',  # (a name: the module says what it holds)
        '                ("id", models.AutoField(), 1),\n',  # (not a pair)
        '                ("id", models.AutoField()).x,\n',
        '                ("id", models.AutoField().clone()),\n',
        '                ("id", models.AutoField()),  # the key\n',
        '                ("id", models.AutoField(  # the key\n                )),\n',
        "                (ID, models.AutoField()),\n",
        '                (f"id", models.AutoField()),\n',
        "                *FIELDS,\n",
        '                ("id", models.AutoField()), ("sku", models.CharField()),\n',
        '                ("id", models.AutoField(\n                "x")),\n',
    ],
    ids=[
        "name",
        "triple",
        "attribute",
        "chained",
        "comment after",
        "comment inside",
        "name not literal",
        "prefixed",
        "starred",
        "two on a line",
        "split on a pair's line",
    ],
)
def test_other_pairs_have_the_create_model_parsed(fields: str) -> None:
    assert _created(fields) is None


def test_only_a_create_model_named_by_a_string_and_called_alone_is_read() -> None:
    layout = read_layout(TEXT)
    assert layout is not None
    assert model_fields(TEXT, layout.operations[1]) is None  # (an `AddField`)
    for change in (
        ('            name="Product",\n', ""),
        ('            options={"ordering": ["sku"]},\n', "            ).x(\n"),
    ):
        text = TEXT.replace(*change)
        changed = read_layout(text)
        assert changed is not None
        assert model_fields(text, changed.operations[0]) is None


def test_a_pair_that_does_not_parse_is_found_when_its_field_is_looked_up(
    tmp_path: Path,
) -> None:
    text = TEXT.replace("max_length=9, verbose_name", "max_length=9 9, verbose_name")
    history = _loaded(tmp_path, text)
    assert _definition(history, "id") == "models.AutoField(primary_key=True, serialize=False)"
    assert history.problems == []
    _assert_reported(history, "sku", 19)


def test_fields_far_down_a_file_are_parsed_in_their_place() -> None:
    # Below line 600 a field is moved to its line after the parse (dj-stripe's 0001).
    fields = (
        '                ("id", models.AutoField(primary_key=True)),\n'
        "                (\n"
        '                    "sku",\n'
        "                    models.CharField(max_length=9),\n"
        "                ),\n"
    )
    assert _created(fields, above="# generated\n" * 700) == ("Product", ["id", "sku"])


# -- calls on one line (black joins a call that fits) ----------------------------------

#: Black's layout of the operations of ``TEXT``: the calls that fit on a line joined,
#: with no trailing comma, the others as the writer lays them out.
JOINED = HEAD + (
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            name="Product",\n'
    "            fields=[\n"
    '                ("id", models.AutoField(primary_key=True, serialize=False)),\n'
    '                ("sku", models.CharField(max_length=9, verbose_name="référence")),\n'
    "            ],\n"
    "        ),\n"
    '        migrations.AddField(model_name="product", name="price", '
    "field=models.DecimalField(decimal_places=2, default=0, max_digits=9), "
    "preserve_default=False),\n"
    '        migrations.AlterModelOptions(name="product", options={"verbose_name": "a, (b"}),\n'
    "        migrations.RenameField(model_name='product', old_name='price', new_name='cost'),\n"
    '        migrations.AlterField(model_name="cart", name="owner", field=models.ForeignKey('
    'on_delete=django.db.models.deletion.CASCADE, to="shop.customer")),\n'
    '        migrations.CreateModel(name="Tag", '
    'fields=[("id", models.AutoField(primary_key=True))]),\n'
    '        migrations.DeleteModel(name="Old")\n'
    "    ]\n"
)


def test_calls_on_one_line_are_read_from_their_line() -> None:
    layout = read_layout(JOINED)
    assert layout is not None
    assert [
        (op.kind, op.line, op.models, op.names, op.preserve_default) for op in layout.operations
    ] == [
        ("CreateModel", 12, frozenset({"product"}), None, True),
        ("AddField", 19, frozenset({"product"}), ("product", "price"), False),
        ("AlterModelOptions", 20, frozenset(), None, True),
        ("RenameField", 21, frozenset({"product"}), ("product", "price", "cost"), True),
        ("AlterField", 22, frozenset({"cart"}), ("cart", "owner"), True),
        ("CreateModel", 23, frozenset({"tag"}), None, True),
        ("DeleteModel", 24, frozenset({"old"}), ("Old",), True),
    ]
    module = ast.parse(JOINED).body[-1]
    assert isinstance(module, ast.ClassDef)
    listed = module.body[-1]
    assert isinstance(listed, ast.Assign)
    assert isinstance(listed.value, ast.List)
    for operation, node in zip(layout.operations, listed.value.elts, strict=True):
        alone = parse_operation(JOINED, operation, "0002_x.py")
        assert alone is not None
        assert ast.dump(alone, include_attributes=True) == ast.dump(node, include_attributes=True)
        assert JOINED[operation.start : operation.end] == ast.get_source_segment(JOINED, node)
        assert called_alone(JOINED, operation)
    # (A model created on one line is parsed: only the writer's pairs are read from lines.)
    assert model_fields(JOINED, layout.operations[5]) is None
    assert model_fields(JOINED, layout.operations[0]) is not None


def _joined(line: str) -> str:
    return HEAD + f"    operations = [\n        {line}\n    ]\n"


@pytest.mark.parametrize(
    ("line", "models", "names"),
    [
        ('migrations.RemoveField(model_name="a", name="b"),', frozenset({"a"}), ("a", "b")),
        ('migrations.RemoveField(model_name="a", name="b",),', frozenset({"a"}), ("a", "b")),
        ('migrations.RemoveField(model_name="a", name=NAME),', None, None),
        ('migrations.AddField(model_name="a", name="b", field=FIELD),', frozenset({"a"}), None),
        ("migrations.RunPython(forwards, migrations.RunPython.noop),", frozenset(), None),
        ("migrations.RenameModel(old_name='a', new_name='b'),", None, None),
        (
            'migrations.AddIndex(model_name="a", index=models.Index(fields=["b"])),',
            frozenset(),
            None,
        ),
        ('migrations.RemoveField(model_name="a", name="b, c)"),', frozenset({"a"}), ("a", "b, c)")),
    ],
)
def test_what_a_call_on_one_line_changes(
    line: str, models: frozenset[str] | None, names: tuple[str, ...] | None
) -> None:
    layout = read_layout(_joined(line))
    assert layout is not None
    [operation] = layout.operations
    assert (operation.models, operation.names) == (models, names)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param('migrations.RemoveField(model_name="a", name="b"),  # (why)', id="comment"),
        pytest.param('migrations.RemoveField(model_name="a").x(name="b"),', id="chained"),
        pytest.param('migrations.RemoveField(model_name="a", name="b")),', id="closes more"),
        pytest.param('migrations.RemoveField(model_name="a", name=("b"),', id="open"),
        pytest.param('migrations.RemoveField(model_name="a", name=\'b),', id="quote alone"),
        pytest.param('migrations.RemoveField(model_name="a", model_name="b"),', id="twice"),
        pytest.param('migrations.RemoveField(model_name="a", *names),', id="star"),
        pytest.param('migrations.RemoveField("a", "b"),', id="positional"),
        pytest.param('migrations.RunSQL("DROP TABLE a"),', id="RunSQL"),
        pytest.param('migrations.RemoveField(model_name="a", name="b") + [],', id="after"),
        pytest.param('operations.RemoveField(model_name="a", name="b"),', id="not migrations"),
    ],
)
def test_other_calls_on_one_line_are_parsed(line: str) -> None:
    assert read_layout(_joined(line)) is None


def test_a_call_on_one_line_needs_its_comma_before_the_next() -> None:
    first = '        migrations.DeleteModel(name="A")\n'
    second = '        migrations.DeleteModel(name="B"),\n'
    assert read_layout(HEAD + "    operations = [\n" + first + second + "    ]\n") is None
    assert read_layout(HEAD + "    operations = [\n" + second + first + "    ]\n") is not None


def test_the_replay_from_calls_on_one_line_is_the_replay_of_the_whole_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = _history(LAST, first=JOINED)
    found = [_described(_replayed(history, model, name)) for model, name in FIELDS]
    assert history._sources["0002_x"].laid is not None
    monkeypatch.setattr(history_module._LaidOut, "read", classmethod(lambda cls, source: None))
    whole = _history(LAST, first=JOINED)
    assert found == [_described(_replayed(whole, model, name)) for model, name in FIELDS]
    assert whole._sources["0002_x"].laid is None


@pytest.mark.parametrize(
    "operation",
    [
        'migrations.RemoveField(model_name="user", name="token")',
        'migrations.RemoveField(model_name="user", name="token"),',
        "migrations.RunPython(forwards)",
    ],
)
def test_a_list_on_one_line(operation: str) -> None:
    text = HEAD + f"    operations = [{operation}]\n\n"
    layout = read_layout(text)
    assert layout is not None
    assert layout.header(text) == HEAD + "    operations = []\n"
    [laid] = layout.operations
    assert (laid.line, text[laid.start : laid.end]) == (11, operation.rstrip(","))
    module = ast.parse(text).body[-1]
    assert isinstance(module, ast.ClassDef)
    listed = module.body[-1]
    assert isinstance(listed, ast.Assign)
    assert isinstance(listed.value, ast.List)
    alone = parse_operation(text, laid, "0002_x.py")
    assert alone is not None
    assert ast.dump(alone, include_attributes=True) == ast.dump(
        listed.value.elts[0], include_attributes=True
    )


def test_an_empty_list_on_one_line() -> None:
    assert read_layout(HEAD + "    operations = []\n") == Layout(len(HEAD), ())


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(
            '    operations = [migrations.DeleteModel("A"), migrations.DeleteModel("B")]', id="two"
        ),
        pytest.param('    operations = [migrations.DeleteModel(name="A")]  # (why)', id="comment"),
        pytest.param('    operations = [migrations.RunSQL("DROP TABLE a")]', id="RunSQL"),
        pytest.param('    operations = [migrations.DeleteModel(name="A")] + OTHERS', id="after"),
        pytest.param('    operations = [DeleteModel(name="A")]', id="not migrations"),
        pytest.param('  operations = [migrations.DeleteModel(name="A")]', id="indented 2"),
        pytest.param(
            "    operations = [\n        migrations.DeleteModel(name='A')]", id="two lines"
        ),
    ],
)
def test_other_lists_on_one_line_are_parsed(line: str) -> None:
    assert read_layout(HEAD + line + "\n") is None


def test_the_replay_from_a_list_on_one_line_is_the_replay_of_the_whole_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    later = (
        HEAD.replace("0001_initial", "0002_x")
        + '    operations = [migrations.AlterField(model_name="product", name="sku", '
        "field=models.CharField(max_length=12))]\n"
    )
    history = _history(later, LAST.replace("0002_x", "0003_y"))
    found = [_described(_replayed(history, model, name)) for model, name in FIELDS]
    assert history._sources["0003_y"].laid is not None
    monkeypatch.setattr(history_module._LaidOut, "read", classmethod(lambda cls, source: None))
    whole = _history(later, LAST.replace("0002_x", "0003_y"))
    assert found == [_described(_replayed(whole, model, name)) for model, name in FIELDS]
