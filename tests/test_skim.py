"""The history's cheap reads of a migration's text (migration_fixer.skim): its graph lists
without a parse, whether it may change a model it does not name, and whether an operation
names a model. Each is checked against what the parser would read (the graph) or against
the shapes that must make the replay read the file."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migration_fixer import skim
from migration_fixer.history import read_migration
from migration_fixer.skim import (
    GraphEdges,
    graph_edges,
    must_read,
    names_model,
    no_migration_class,
    tuple_pairs,
)

HEAD = "from django.conf import settings\nfrom django.db import migrations, models\n\n\n"


def module(body: str, head: str = HEAD) -> str:
    return f"{head}class Migration(migrations.Migration):\n{body}"


USUAL = module(
    "    initial = True\n\n"
    "    dependencies = [\n"
    "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n"
    '        ("shop", "0001_initial"),  # a comment\n'
    "        ('auth', '0012_alter_user_first_name_max_length'),\n"
    "    ]\n"
    '    replaces = (("shop", "0002_a"), ("shop", "0002_b"))\n'
    '    run_before = [("other", "0001_initial")]\n\n'
    "    operations = []\n"
)


def parsed_edges(text: str) -> GraphEdges:
    migration = read_migration(Path("0002_x.py"), text, ast.parse(text))
    return GraphEdges(migration.dependencies, migration.replaces, migration.run_before)


def test_the_usual_shape_is_read_as_the_parser_reads_it() -> None:
    edges = graph_edges(USUAL)
    assert edges == GraphEdges(
        [("shop", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")],
        [("shop", "0002_a"), ("shop", "0002_b")],
        [("other", "0001_initial")],
    )
    assert edges == parsed_edges(USUAL)


@pytest.mark.parametrize(
    "head",
    [
        '"""The dependencies = [("a", "b")] of\n the class Migration:\n"""\n',
        "'''doc'''\n# replaces = []\n",
        'def f():\n    """run_before = [(\'x\', \'y\')]"""\n    return \'"\'\n\n\n',
        'SQL = r"""\\""" \'\'\'\n"""\n',
    ],
)
def test_strings_before_the_class_are_read_to_their_end(head: str) -> None:
    text = module("    dependencies = [('shop', '0001_initial')]\n    operations = []\n", head=head)
    edges = graph_edges(text)
    assert edges == GraphEdges([("shop", "0001_initial")], [], [])
    assert edges == parsed_edges(text)


@pytest.mark.parametrize(
    ("value", "pairs", "parsed"),
    [
        ("[('a', 'b'), (\n    \"c\",\n    'd',\n),]", [("a", "b"), ("c", "d")], False),
        ("[\n    ('a', 'b'),  # ('x', 'y')\n    # ('z', 'w'),\n]", [("a", "b")], False),
        ("[migrations.swappable_dependency(settings.USER), ('a', '')]", [("a", "")], False),
        ("(('a', 'b'), ('c', 'd'))", [("a", "b"), ("c", "d")], False),
        ("(('a', 'b'),)", [("a", "b")], False),
        ("()", [], False),
        ("(('a', 'b'))", [], True),  # one pair in parentheses: not a tuple of pairs
        ("[('a', 'b' 'c')]", [("a", "bc")], True),
        ("[('a', r'b')]", [("a", "b")], True),
        ("[('a', 'b\\n')]", [("a", "b\n")], True),
        ("[('a', 'b', 'c'), ('d', 'e')]", [("d", "e")], True),
        ("[('a', 'b') ('c', 'd')]", [], True),  # (a call)
        ("[('a', 'b'),, ('c', 'd')]", None, True),
    ],
)
def test_a_list_of_plain_pairs_is_read_without_the_parser(
    value: str, pairs: list[tuple[str, str]] | None, parsed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = module(f"    dependencies = {value}\n    operations = []\n")
    calls: list[str] = []
    parse = ast.parse

    def counted(source: str, *args: object, **kwargs: object) -> ast.AST:
        calls.append(source)
        return parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(skim.ast, "parse", counted)
    edges = graph_edges(text)
    assert calls == ([value] if parsed else [])
    if pairs is None:
        assert edges is None
    else:
        assert edges == GraphEdges(pairs, [], [])
        assert edges == parsed_edges(text)


def test_lists_not_written_are_empty() -> None:
    text = module("    operations = []\n")
    assert graph_edges(text) == GraphEdges([], [], []) == parsed_edges(text)


def test_names_that_only_end_with_a_graph_name_are_not_graph_names() -> None:
    # (A longer name ending with one is found, and left out; one that only starts with
    # one is not a graph name.)
    longer = module("    dependencies = [('a', 'b')]\n    my_dependencies = []\n")
    assert graph_edges(longer) == GraphEdges([("a", "b")], [], []) == parsed_edges(longer)
    text = module("    run_before_all = 1\n    replaces_x = []\n    replaces = [('a', 'b')]\n")
    assert graph_edges(text) == GraphEdges([], [("a", "b")], []) == parsed_edges(text)
    assert skim._graph_words("dependencies replaces_ run_before") == [
        (0, "dependencies"),
        (23, "run_before"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(USUAL + "\n\n" + USUAL.split("\n\n\n", 1)[1], id="two classes Migration"),
        pytest.param(
            module("    dependencies = []\n", head='"""\nclass Migration:\n    x = 1\n"""\n'),
            id="a class in a docstring before",
        ),
        pytest.param(
            '"""\n' + module("    dependencies = [('a', 'b')]\n") + '"""\n' + module(""),
            id="the class in a string",
        ),
        pytest.param('x = """\n' + module("    dependencies = []\n"), id="a string not ended"),
        pytest.param(
            module("    dependencies = []\n", head='"""doc"""\nreplaces = []\n'), id="code"
        ),
        pytest.param(HEAD + "class Migration(migrations.Migration): pass", id="no body line"),
        pytest.param(HEAD + "class Migration(migrations.Migration):\n", id="nothing after"),
        pytest.param(
            module("    dependencies = []\n    dependencies += [('a', 'b')]\n"), id="written twice"
        ),
        pytest.param(
            module("    operations = []\n\n\nclass Other:\n    dependencies = []\n"),
            id="in another class",
        ),
        pytest.param(
            module("    operations = []\n\n    def f(self):\n        dependencies = []\n"),
            id="in a method",
        ),
        pytest.param(module("    dependencies == []\n"), id="a comparison"),
        pytest.param(module("    dependencies = [(1 2)]\n"), id="does not parse"),
        pytest.param(module("    note = 'a replaces\n"), id="a quote alone"),
    ],
)
def test_other_shapes_are_left_to_the_parser(text: str) -> None:
    assert graph_edges(text) is None


#: The writer's layout of an operations list (:mod:`migration_fixer.writer_layout`), with
#: a graph name as data in a field's arguments; ``{}`` is where a line is put.
LAID_OUT = module(
    "    dependencies = [\n"
    '        ("shop", "0001_initial"),\n'
    "    ]\n\n"
    "    operations = [\n"
    "        migrations.AddField(\n"
    '            model_name="order",\n'
    '            name="note",\n'
    '            field=models.TextField(help_text="what it replaces", default=run_before),\n'
    "{}"
    "        ),\n"
    "    ]\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            module(
                "    # replaces = [\n    #     ('shop', '0001_a'),\n    # ]\n\n"
                "    dependencies = [('shop', '0001_initial')]  # (no run_before)\n"
            ),
            GraphEdges([("shop", "0001_initial")], [], []),
            id="in comments",
        ),
        pytest.param(
            module("    #replaces = [('shop', '0001_a')]\n    replaces = [('shop', '0001_b')]\n"),
            GraphEdges([], [("shop", "0001_b")], []),
            id="a real one after a commented one",
        ),
        pytest.param(
            module("    dependencies = []\n", head="# Move any dependencies here.\n"),
            GraphEdges([], [], []),
            id="in a comment before the class",
        ),
        pytest.param(
            module(
                "    dependencies = [('shop', '0012_intent_dependencies')]\n"
                "    operations = [\n"
                "        migrations.AddField('intent', 'dependencies', models.JSONField()),\n"
                '        migrations.AddField("x", "y", models.CharField(choices=[\n'
                '            ("replaces", "Replaces")])),\n'
                "        migrations.RunPython(lambda apps, editor: editor.run_before),\n"
                "    ]\n\n"
                "    def __init__(self, *args):\n"
                "        super().__init__(*args)\n"
                "        self.run_before = [('other', '0001_initial')]\n"
                "        nautobot_run_before = []\n",
                head=HEAD + "def _create_dependencies(apps):\n    pass\n\n\n",
            ),
            GraphEdges([("shop", "0012_intent_dependencies")], [], []),
            id="in longer names, attributes and strings",
        ),
        pytest.param(
            LAID_OUT.format(""),
            GraphEdges([("shop", "0001_initial")], [], []),
            id="as data in an operations list laid out by the writer",
        ),
        pytest.param(
            module(
                '    """Its run_before is set in __init__ (see replaces)."""\n\n'
                '    x = "#"\n    note = "# replaces"\n'
                "    dependencies = [('shop', '0001_initial')]\n"
                "    operations = [\n"
                "        migrations.RunSQL(\n"
                '            """\n            -- replaces what it was\n            """\n'
                "        ),\n"
                "    ]\n"
            ),
            GraphEdges([("shop", "0001_initial")], [], []),
            id="in strings",
        ),
        pytest.param(
            module("    dependencies = [('shop', '0001_initial')]\n", head=""),
            GraphEdges([("shop", "0001_initial")], [], []),
            id="(no head)",
        ),
    ],
)
def test_graph_names_that_cannot_be_assigned_are_left_out(text: str, expected: GraphEdges) -> None:
    assert graph_edges(text) == expected == parsed_edges(text)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        pytest.param(
            module("    x = '# a comment'; replaces = [('shop', '0001_a')]\n"),
            GraphEdges([], [("shop", "0001_a")], []),
            id="after a # in a string",
        ),
        pytest.param(
            module('    note = f"{x} replaces"\n'),
            GraphEdges([], [], []),
            id="in an f-string",
        ),
        pytest.param(
            module("    x = 1  # a comment\r    dependencies = [('shop', '0001_a')]\n"),
            GraphEdges([("shop", "0001_a")], [], []),
            id="after a comment ended by a carriage return",
        ),
        pytest.param(
            LAID_OUT.format('            )]; dependencies = [("shop", "0002_b")]; x = [(\n'),
            GraphEdges([("shop", "0002_b")], [], []),
            id="a statement after ; in an operations list laid out by the writer",
        ),
        pytest.param(
            LAID_OUT.format("").replace("=run_before", "=(x := run_before)"),
            GraphEdges([("shop", "0001_initial")], [], []),
            id="an assignment expression in the operations list",
        ),
        pytest.param(
            LAID_OUT.format("            # a comment\n"),
            GraphEdges([("shop", "0001_initial")], [], []),
            id="an operations list not laid out by the writer",
        ),
    ],
)
def test_graph_names_that_may_be_assigned_are_left_to_the_parser(
    text: str, parsed: GraphEdges
) -> None:
    assert graph_edges(text) is None
    assert parsed_edges(text) == parsed


@pytest.mark.parametrize(
    ("text", "classes"),
    [
        pytest.param("x = 1\n", [], id="no class"),
        pytest.param(
            "class Other:\n    dependencies = [('a', 'b')]\n\nclass\tThird(Other): pass\n",
            [],
            id="other classes",
        ),
        pytest.param("\fclass Migration:\n    dependencies = [('a', 'b')]\n", None, id="\\f"),
        pytest.param(
            "class \\\n    Migration:\n    dependencies = [('a', 'b')]\n", None, id="continued"
        ),
        pytest.param("class Migrationé:\n    x = 1\n", None, id="a name not in ASCII"),
        pytest.param(
            "if True:\n    class Migration:\n        dependencies = [('a', 'b')]\n",
            None,
            id="indented",
        ),
    ],
)
def test_a_module_without_a_class_migration_has_no_graph(
    text: str, classes: list[tuple[str, str]] | None
) -> None:
    assert graph_edges(text) is None  # (the history tells by the file's name: see there)
    if classes is None:
        assert not no_migration_class(text)
    else:
        assert no_migration_class(text)
        assert parsed_edges(text) == GraphEdges([], [], [])


@pytest.mark.parametrize(
    ("value", "pairs"),
    [
        pytest.param(
            "[\n    swapper.dependency(*swapper.split(settings.USER), version='4'),\n"
            "    ('a', 'b'),\n]",
            [("a", "b")],
            id="calls in calls",
        ),
        pytest.param("[('a', '[b]')]", [("a", "[b]")], id="a bracket in a string"),
        pytest.param("(  # a comment\n    [('a', 'b')]\n)", [("a", "b")], id="a comment"),
        pytest.param("[('a', 'b')] + EXTRA  # more", [], id="more after it"),
        pytest.param("([('a', 'b')] if SITES else []) + [('c', 'd')]", [], id="an expression"),
        pytest.param("DEPENDENCIES", [], id="a name"),
        pytest.param("(1)", [], id="not a list"),
        pytest.param("[(1 2)]", None, id="does not parse"),
        pytest.param("[('a', 'b')] + \\\n    [('c', 'd')]", None, id="continued"),
        pytest.param("[('a', 'b')]; x = 1", None, id="another statement"),
        pytest.param("[('a', 'b)]\n", None, id="a string not ended"),
        pytest.param("[('a', 'b')])", None, id="closed twice"),
        pytest.param("DEPS + 'a", None, id="a quote alone"),
        pytest.param("[('a', 'b'),", None, id="not closed"),
    ],
)
def test_any_value_is_read_as_the_parser_reads_it(
    value: str, pairs: list[tuple[str, str]] | None
) -> None:
    for text in (module(f"    dependencies = {value}\n"), module(f"    dependencies = {value}")):
        edges = graph_edges(text)
        if pairs is None:
            assert edges is None
        else:
            assert edges == GraphEdges(pairs, [], []) == parsed_edges(text)


PLAIN = module(
    "    dependencies = []\n\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    "            name='Order',\n"
    "            fields=[('id', models.AutoField(primary_key=True))],\n"
    "        ),\n"
    "        migrations.AddField('order', 'note', models.TextField(verbose_name=_('n'))),\n"
    "        migrations.AlterField(model_name='order', name='note', field=models.TextField()),\n"
    "        migrations.RunPython(forwards, migrations.RunPython.noop),\n"
    "    ]\n",
    head=(
        "# Generated by Django 4.2\nimport uuid\nfrom decimal import Decimal\n"
        "from django.db import migrations, models\nfrom django.db.models import (\n"
        "    F,\n    Q,\n)\nfrom django.db.migrations import AddField\n\n\n"
        "def forwards(apps, schema_editor):\n"
        "    Order = apps.get_model('shop', 'Order')\n"
        "    Order.objects.filter(related_name=2).update(note='x')\n\n\n"
    ),
)


def test_a_plain_migration_need_not_be_read() -> None:
    assert must_read(PLAIN) == ""
    assert must_read("def reimport():\n    pass\n\n\n" + PLAIN) == ""
    # (Stars that pass no argument, and names that only end like a builtin.)
    assert must_read("*rest, = ()\nSIZE = 2 * (1 + len(rest))\n" + PLAIN) == ""
    assert must_read("def reexec(x):\n    return x.myeval(1)\n\n\n" + PLAIN) == ""


@pytest.mark.parametrize(
    ("operation", "head", "reason"),
    [
        ("migrations.RenameModel('A', 'B'),", "", "it renames a model"),
        ("", "class Op(migrations.AddField):\n    pass\n", "it defines `class Op`"),
        ("Op('order', 'x'),", "from shop.ops import Op\n", "it imports `shop.ops` and uses `Op`"),
        ("ops.make(),", "from . import ops\n", "it imports `.` and uses `ops`"),
        ("shop.op(),", "import os, shop\n", "it imports `shop` and uses `shop`"),
        ("", "from shop.ops import *\n", "it imports `shop.ops`"),
        ("", "from shop.ops import Op, \\\n    Other\n", "it imports `shop.ops`"),
        ("", "from shop.ops import (Op, None)\n", "it imports `shop.ops`"),
        ("", "import django.db as db\n", "it imports `django.db as db`"),
        ("", "from django.db import (\n    migrations as m,\n)\n", "it imports under"),
        ("", "# we import it\n", "it has `import` outside an import statement"),
        ("", "x = 1; import uuid\n", "it has `import` outside an import statement"),
        ("exec('x'),", "", "it reaches names dynamically"),
        ("__import__('shop'),", "", "it reaches names dynamically"),
        ("getattr(migrations, 'AddField')('a', 'b', None),", "", "it reaches names dynamically"),
        ("sys.modules['shop'].op(),", "import sys\n", "it reaches names dynamically"),
        ("migrations.__dict__['AddField']('a', 'b', None),", "", "it reaches names dynamically"),
        ("type('Op', (), {}),", "", "it calls `type()`"),
        ("migrations.AddField(*ARGS),", "", "it passes arguments with * or **"),
        ("migrations.AddField(\n    ** KWARGS),", "", "it passes arguments with * or **"),
        ("migrations.AddField(model_name=MODEL, name='x', field=None),", "", "it names a model"),
        ("migrations.DeleteModel(name=prefix + 'order'),", "", "it names a model"),
        ("migrations.DeleteModel(name='ord' 'er'),", "", "it names a model"),
        ("migrations.AddField(MODEL, 'x', None),", "", "`AddField` is not called with a"),
        ("migrations.AddField,", "", "`AddField` is not called with a literal"),
        ("migrations.CreateModel,", "", "`CreateModel` is not called with a literal"),
        ("migrations.RemoveField, migrations.DeleteModel,", "", "`RemoveField` is not called"),
    ],
)
def test_what_could_change_a_model_it_does_not_name_makes_it_read(
    operation: str, head: str, reason: str
) -> None:
    text = head + PLAIN.replace("    ]\n", f"        {operation}\n    ]\n")
    assert must_read(text).startswith(reason)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("model_name='order'", True),
        ('name = "Order"', True),
        ("createmodel(\n    r'order',", True),
        ("removefield('order', 'x')", True),
        ("removefield ('order', 'x')", True),
        ("to='shop.order'", False),
        ("# order\n'order'", False),
        ("x('order')", False),
        ("verbose_name='order'", False),
        ("'order'", False),
        ("model_name='orders'", False),
        ("model_name='order_item'", False),
        ("name == 'order'", False),
    ],
)
def test_where_an_operation_names_a_model(text: str, names: bool) -> None:
    assert names_model(text.lower(), frozenset({"order"})) is names
    assert names_model(text.lower(), frozenset({"other", "order"})) is names


def test_tuple_pairs_keeps_literal_pairs() -> None:
    value = ast.parse("[('a', 'b'), ('a', 1), ('a',), x, ['c', 'd']]", mode="eval").body
    assert tuple_pairs(value) == [("a", "b"), ("c", "d")]
    assert tuple_pairs(ast.Name("x")) is None


#: Names imported from outside Django used only where they cannot make or be an operation
#: the replay applies: field classes, defaults, validators, bases in the arguments of
#: Django's operations, and the base of ``class Migration``.
IMPORTS_IN_ARGUMENTS = (
    "import taggit.managers\n"
    "from model_utils.fields import AutoCreatedField\n"
    "from sentry.new_migrations.migrations import CheckedMigration\n"
    "from shop.models import (\n"
    "    Mixin,  # a comment\n"
    "    forwards,\n"
    ")\n"
    "from django.db import migrations, models\n\n\n"
    "class Migration(CheckedMigration):\n"
    "    # taggit.managers is not Django's\n"
    "    note = r'Mixin\\'s (forwards'\n"
    "    dependencies = []\n\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    "            name='Tagged',\n"
    "            fields=[('tags', taggit.managers.TaggableManager(to='taggit.Tag'))],\n"
    "            bases=(Mixin, models.Model),\n"
    "        ),\n"
    "        migrations.AddField(\n"
    "            'tagged', 'created', AutoCreatedField(help_text='''a Mixin's \"\"\"'''),\n"
    "        ),\n"
    "        migrations . RunPython (forwards, elidable=True),\n"
    "        migrations.AddIndex('tagged', models.Index(fields=['x'], name='tagged_x')),\n"
    "    ]\n"
)


def test_an_import_used_only_in_the_arguments_of_operations_need_not_be_read() -> None:
    assert must_read(IMPORTS_IN_ARGUMENTS) == ""
    # The code of an f-string in the arguments is in the arguments.
    formatted = IMPORTS_IN_ARGUMENTS.replace("help_text='''a Mixin's", "help_text=f'''a {Mixin}'s")
    assert formatted != IMPORTS_IN_ARGUMENTS
    assert must_read(formatted) == ""
    # Deeper than the groups the scan takes whole: read bracket by bracket.
    deep = IMPORTS_IN_ARGUMENTS.replace("to='taggit.Tag'", "to=[[[[[AutoCreatedField]]]]]")
    assert deep != IMPORTS_IN_ARGUMENTS
    assert must_read(deep) == ""
    unused = "from shop.ops import Op\n\n\n" + PLAIN
    assert must_read(unused) == ""
    assert must_read(unused.replace("import Op\n", "import Op\n# Op('order')\n")) == ""


@pytest.mark.parametrize(
    ("old", "new", "used"),
    [
        pytest.param(
            "        migrations . RunPython",
            "        Mixin(),\n        migrations . RunPython",
            "shop.models",
            id="an operation",
        ),
        pytest.param(
            "    operations = [\n",
            "    operations = taggit.managers.OPERATIONS + [\n",
            "taggit.managers",
            id="the operations",
        ),
        pytest.param(
            "        migrations . RunPython",
            "        migrations.RunSQL('', state_operations=[forwards()]),\n"
            "        migrations . RunPython",
            "shop.models",
            id="in RunSQL",
        ),
        pytest.param(
            "        migrations . RunPython",
            "        migrations.SeparateDatabaseAndState([], [Mixin()]),\n"
            "        migrations . RunPython",
            "shop.models",
            id="in SeparateDatabaseAndState",
        ),
        pytest.param(
            "migrations.AddField(", "other.migrations.AddField(", "model_utils.fields", id="other's"
        ),
        pytest.param(
            "migrations.AddField(", "mymigrations.AddField(", "model_utils.fields", id="x"
        ),
        pytest.param(
            "migrations.AddField(", "migrations.AddFields(", "model_utils.fields", id="not Django's"
        ),
        pytest.param(
            "note = r'Mixin",
            "note = rf'{Mixin}",
            "shop.models",
            id="in an f-string",
        ),
        pytest.param("note = r'Mixin", "note = t'{Mixin}", "shop.models", id="in a t-string"),
        pytest.param(
            "    dependencies = []\n",
            "    dependencies = []\n    extra = [forwards(migrations.RunPython)]\n",
            "shop.models",
            id="calling it in the class body",
        ),
        pytest.param(
            "models.Index(fields=['x'], name='tagged_x')",
            "models.Index(fields=['x'], name='tagged_x', condition=(x := 1))",
            "",
            id="an assignment expression",
        ),
        pytest.param(
            "class Migration(CheckedMigration):\n",
            "class Migration(CheckedMigration):\n    base = CheckedMigration\n",
            "sentry.new_migrations.migrations",
            id="in the class body",
        ),
        pytest.param(
            "class Migration(CheckedMigration):\n",
            "if True:\n    class Migration(CheckedMigration):\n        pass\n\n\n"
            "class Migration(migrations.Migration):\n",
            "sentry.new_migrations.migrations",
            id="the bases of an indented class",
        ),
        pytest.param(
            "from django.db import",
            "def make(apps, schema_editor):\n    forwards(apps)\n\n\nfrom django.db import",
            "shop.models",
            id="in a function",
        ),
        pytest.param("    ]\n", "    ]\nMixin.patch()\n", "shop.models", id="at module level"),
        pytest.param(
            "note = r'Mixin\\'s (forwards'",
            "note = r'Mixin\\'s (forwards",
            "",
            id="a string that does not end",
        ),
        pytest.param("bases=(Mixin, models.Model),", "bases=(Mixin, models.Model],", "", id="[)"),
        pytest.param("dependencies = []", "dependencies = [])", "", id="closed twice"),
    ],
)
def test_an_import_used_where_it_could_make_an_operation_makes_it_read(
    old: str, new: str, used: str
) -> None:
    """(``used``: the module whose name is used, "" when the scan is unsure.)"""
    text = IMPORTS_IN_ARGUMENTS.replace(old, new)
    assert text != IMPORTS_IN_ARGUMENTS
    if new.endswith("(x := 1))"):
        assert must_read(text) == "it imports names and has an assignment expression (`:=`)"
    elif used:
        assert must_read(text).startswith(f"it imports `{used}` and uses `")
        assert must_read(text).endswith(
            "outside the arguments of an operation the replay cannot be changed by"
        )
    else:
        assert must_read(text) == (
            "it imports `taggit.managers`, `model_utils.fields`, "
            "`sentry.new_migrations.migrations`, `shop.models`, and its strings or brackets "
            "do not match"
        )
