"""The scan of a migration's ``operations`` list (operations_text): the elements it finds,
the text with some blanked out (every line and column of the rest kept), and the texts it
is unsure of (None: the file is parsed in full)."""

from __future__ import annotations

import ast

import pytest

from migration_fixer import operations_text
from migration_fixer.operations_text import (
    Element,
    blanked,
    blanked_operations,
    operation_elements,
)


@pytest.fixture(autouse=True)
def scan_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operations_text, "WORTH_SCANNING", 0)


HEAD = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"


def module(operations: str, head: str = HEAD, before: str = "    dependencies = []\n") -> str:
    return f"{head}{before}    operations = [\n{operations}    ]\n"


THREE = module(
    "        migrations.CreateModel(\n"
    "            name='Shop',\n"
    "            fields=[('id', models.AutoField(primary_key=True))],\n"
    "        ),\n"
    "        migrations.CreateModel(name='Product', fields=[]),  # [not (a bracket\n"
    "        migrations.AddField(model_name='shop', name='x', field=models.F(default='[')),\n"
)


def spans(text: str) -> list[str]:
    found = operation_elements(text)
    assert found is not None
    return [text[e.start : e.end] for e in found]


def test_the_elements_of_the_list_with_their_commas() -> None:
    assert spans(THREE) == [
        "migrations.CreateModel(\n"
        "            name='Shop',\n"
        "            fields=[('id', models.AutoField(primary_key=True))],\n"
        "        ),",
        "migrations.CreateModel(name='Product', fields=[]),",
        "migrations.AddField(model_name='shop', name='x', field=models.F(default='[')),",
    ]
    first = THREE.index("migrations.CreateModel")
    assert operation_elements(THREE)[0] == Element(  # type: ignore[index]
        first, THREE.index("),", first) + 2, THREE.index("),", first) + 1
    )


def test_the_last_element_without_a_comma_ends_where_the_list_closes() -> None:
    text = module("        migrations.DeleteModel('a'),\n        migrations.DeleteModel('b')\n")
    assert spans(text) == ["migrations.DeleteModel('a'),", "migrations.DeleteModel('b')\n    "]
    assert spans(module("")) == []


def test_the_blanked_text_keeps_every_line_and_column() -> None:
    text = blanked_operations(THREE, frozenset({"product"}))
    assert text == module(
        "        \n\n\n\n"
        "        migrations.CreateModel(name='Product', fields=[]),  # [not (a bracket\n"
        "        \n"
    )
    assert len(text.splitlines()) == len(THREE.splitlines())
    kept = ast.parse(text).body[-1].body[-1].value.elts  # type: ignore[attr-defined]
    original = ast.parse(THREE).body[-1].body[-1].value.elts  # type: ignore[attr-defined]
    assert [ast.dump(e, include_attributes=True) for e in kept] == [
        ast.dump(original[1], include_attributes=True)
    ]


def test_code_after_a_blanked_element_on_its_line_keeps_its_byte_column() -> None:
    text = "x = [\n    'é', 'ab', 'c']\n"
    start = text.index("'é'")
    assert blanked(text, [(start, start + 5)]) == "x = [\n    " + " " * 6 + "'ab', 'c']\n"
    assert blanked(text, [(start, text.index("'c'"))]) == "x = [\n    " + " " * 12 + "'c']\n"


def test_strings_comments_and_deep_brackets_are_read_as_the_parser_reads_them() -> None:
    text = module(
        '        migrations.CreateModel(name="A", options={"x": """ ]), (\n'
        "        ["
        '"""}),\n'
        "        migrations.CreateModel(name='B', fields=[(1, [2, (3, {4: [5, (6,)]})])]),\n"
        "        # ], migrations.CreateModel(\n"
        "        migrations.CreateModel(name='C', options={'k': 'it\\'s ]'}, bases=(r'\\\\',)),\n"
    )
    ast.parse(text)
    assert [s.split(",")[0] for s in spans(text)] == [
        'migrations.CreateModel(name="A"',
        "migrations.CreateModel(name='B'",
        "migrations.CreateModel(name='C'",
    ]
    assert operation_elements(text)[2].start == text.index("migrations.CreateModel(name='C'")  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    [
        module("        migrations.CreateModel(name='A),\n"),
        module("        migrations.CreateModel(name='A', fields=[)),\n"),
        module("        migrations.CreateModel(name='A', fields=[(1, {2: [3, (4,]})]),\n"),
        module("        migrations.CreateModel(name='A'),\n        ,\n"),
        module("        migrations.CreateModel(name='A'),\n") + "    operations += []\n",
        module("        migrations.CreateModel(name='A'),\n")[:-6] + "    ] + OTHER\n",
        HEAD + "    operations = OPERATIONS\n",
        HEAD + "    operations = [\n        migrations.CreateModel(name='A'),\n",
        HEAD + "    if True:\n        operations = [migrations.DeleteModel('a')]\n",
        HEAD + '    """The migration."""\n    operations = [migrations.DeleteModel("a")]\n',
        "operations = [migrations.DeleteModel('a')]\n",
        HEAD + "    x = 1\nY = 2\n    operations = [migrations.DeleteModel('a')]\n",
        module("") + HEAD,
        module("        migrations.CreateModel(name='A', options={'x': f'{y[0]}'}),\n"),
        module("        migrations.CreateModel(name='A'),\n        Rf'x',\n"),
    ],
    ids=[
        "unterminated-string",
        "unmatched-bracket",
        "unmatched-deep-bracket",
        "empty-element",
        "written-twice",
        "plus",
        "built-by-name",
        "never-closed",
        "under-if",
        "docstring-before",
        "no-class",
        "column-0-statement-before",
        "two-classes",
        "f-string",
        "f-string-at-the-top",
    ],
)
def test_the_scan_is_unsure(text: str) -> None:
    assert operation_elements(text) is None


MANY = (
    "        migrations.DeleteModel('alpha'),\n"
    "        migrations.DeleteModel('beta'),\n"
    "        migrations.DeleteModel('gamma'),\n"
)
ASKED = frozenset({"alpha", "beta", "gamma", "zeta"})


@pytest.mark.parametrize(
    "text",
    [
        module("        migrations.DeleteModel('a'),\n        migrations.DeleteModel('b'),\n"),
        module(MANY, head=HEAD.replace("import migrations, models", "import models")),
        module(MANY, head="import migrations\n" + HEAD),
        module(MANY, before="    dependencies = []\n    migrations = None\n"),
        module(MANY.replace("'beta'", "'beta', # operations\n")),
        module(MANY.replace("'gamma'", "'gamma' [")),
    ],
    ids=[
        "two-operations",
        "no-migrations-import",
        "migrations-imported-twice",
        "migrations-bound",
        "operations-named-twice",
        "unsure",
    ],
)
def test_nothing_is_blanked_when_unsure(text: str) -> None:
    assert blanked_operations(text, ASKED) is None


@pytest.mark.parametrize(
    ("operation", "blanked_out"),
    [
        ("migrations.AddIndex(model_name='zeta_other', index=models.Index(fields=['f1']))", False),
        ("migrations.AddIndex(model_name='delta', index=models.Index(fields=['f1']))", True),
        ("migrations.AlterUniqueTogether(name='delta', unique_together={('f1', 'f2')})", True),
        ("migrations.CreateModel('Delta', [])", True),
        ("migrations.CreateModel(fields=[], name='Delta')", False),
        ("migrations.CreateModel(name=NAME, fields=[])", False),
        ("migrations.AddField(model_name='delta', name='eps', field=models.F())", True),
        ("migrations.AddField('delta', 'eps', models.F())", False),
        ("migrations.AddField(model_name='delta', name='eps')", False),
        ("migrations.AlterField(model_name='delta', name=E, field=models.F())", False),
        ("migrations.RenameField(model_name='delta', old_name='eps', new_name='phi')", True),
        ("migrations.RenameField(model_name='delta', old_name='eps', new_name=F)", False),
        ("migrations.SeparateDatabaseAndState(state_operations=[])", False),
        ("migrations.RenameModel('delta', 'eps')", False),
        ("migrations.DeleteModel('delta') if X else migrations.DeleteModel('eps')", False),
        ("migrations.DeleteModel('delta')[0]", False),
        ("custom.DeleteModel('delta')", False),
        ("operation", False),
    ],
)
def test_only_an_operation_the_replay_leaves_out_for_other_models_is_blanked(
    operation: str, blanked_out: bool
) -> None:
    text = module(MANY + f"        {operation},\n")
    result = blanked_operations(text, ASKED)
    assert (result is not None) == blanked_out
    if result is not None:
        assert result == module(MANY + "        \n")


def test_a_quote_after_an_f_ending_a_word_is_no_f_string() -> None:
    text = module(
        "        migrations.DeleteModel('Chief'),\n        migrations.DeleteModel(\"Elf\"),\n"
    )
    assert spans(text) == ["migrations.DeleteModel('Chief'),", 'migrations.DeleteModel("Elf"),']


def test_a_small_file_is_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operations_text, "WORTH_SCANNING", len(THREE) + 1)
    assert blanked_operations(THREE, frozenset({"product"})) is None
    monkeypatch.setattr(operations_text, "WORTH_SCANNING", len(THREE))
    assert blanked_operations(THREE, frozenset({"product"})) is not None
