"""Name resolution on the ``ast``: what a callee is bound to, scope by scope."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from migration_fixer.migration_ast import (
    LOCAL,
    ModuleIndex,
    _bound_nowhere,
    bind_arguments,
    char_column,
    child_nodes,
    find_argument,
    has_star_args,
    keyword_argument,
    line_starts,
    split_lines,
    string_constants,
)
from migration_fixer.rule import FileContext


def operations(source: str) -> list[tuple[int, int, str, str | None, bool]]:
    """The operation calls, found both ways: with the full scope pass (no text), and
    with the text (regex-pruned search, scopes bound lazily from statements): the two
    must agree."""
    answers = []
    for text in (None, source):
        index = ModuleIndex(ast.parse(source), text)
        answers.append(
            [
                (op.node.lineno, op.node.col_offset, op.operation, op.subclass, op.overrides_init)
                for op in index.operation_calls()
            ]
        )
    assert answers[0] == answers[1]
    return answers[0]


def qualified(source: str, expression: str) -> str | None:
    answers = []
    for text in (None, source):
        tree = ast.parse(source)
        index = ModuleIndex(tree, text)
        expr = ast.parse(expression, mode="eval").body
        answers.append(index.qualified_name(expr, tree))
    assert answers[0] == answers[1]
    return answers[0]


@pytest.mark.parametrize(
    ("source", "expression", "expected"),
    [
        ("import django.db.migrations", "django.db.migrations.X", "django.db.migrations.X"),
        ("import django.db.migrations as m", "m.RunSQL", "django.db.migrations.RunSQL"),
        ("from django.db import models", "models.CharField", "django.db.models.CharField"),
        ("from . import helpers", "helpers.f", f"{LOCAL}.f"),
        ("def f(): pass", "f", f"{LOCAL}.f"),
        ("class C: pass", "C.x", f"{LOCAL}.C.x"),
        ("x = 1", "x", LOCAL),
        ("x = [1]", "x[0]", None),
        ("", "len", None),
        ("from os import path as p\nq = p\n", "q.join", "os.path.join"),
        ("a = b\nb = a\n", "a", LOCAL),
        ("from os import *", "path", None),
        ("from django.db.migrations import *", "RunSQL", "django.db.migrations.RunSQL"),
        ("from django.db.migrations import *", "Migration", None),
        ("import os\nos = 1\n", "os.path", None),
    ],
)
def test_qualified_name(source: str, expression: str, expected: str | None) -> None:
    assert qualified(source, expression) == expected


def test_same_operation_imported_from_two_places_is_still_that_operation() -> None:
    source = (
        "import django\n"
        "if django.VERSION >= (4, 0):\n"
        "    from django.db.migrations import RunPython\n"
        "else:\n"
        "    from django.db.migrations.operations.special import RunPython\n"
        "ops = [RunPython(f)]\n"
    )
    assert operations(source) == [(6, 7, "RunPython", None, False)]
    both = "from django.db.migrations import RunSQL, RunPython as R\nR = RunSQL\nops = [R('x')]\n"
    assert operations(both) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("django", ("django.db.migrations", None, None)),
        ("migrations", None),
        ("m", ("django.db", "migrations", "m")),
        ("os", ("os.path", None, None)),
        ("np", ("numpy", None, "np")),
        ("RunSQL", ("django.db.migrations", "RunSQL", None)),
        ("helpers", None),
        ("missing", None),
    ],
)
def test_import_statement(name: str, expected: tuple[str, str | None, str | None] | None) -> None:
    source = (
        "import django.db.migrations\n"
        "from django.db import migrations as m\n"
        "import os.path, numpy as np\n"
        "from django.db.migrations import RunSQL\n"
        "from . import helpers\n"
        "x = 1\n"
    )
    assert ModuleIndex(ast.parse(source)).import_statement(name) == expected


SCOPES = """\
from django.db import migrations


@decorator(migrations.RunSQL("a"))
def f(x=migrations.RunSQL("b"), *, y=migrations.RunSQL("c")) -> migrations.RunSQL("d"):
    return migrations.RunSQL("e")


g = lambda z=migrations.RunSQL("f"): migrations.RunSQL("g")
h = [migrations.RunSQL(s) for rows in table for s in rows if migrations.RunSQL("h")]
i = {k: migrations.RunSQL(v) for k, v in items}
j = {migrations.RunSQL(s) for s in sqls}
k = list(migrations.RunSQL(s) for s in sqls)
l: list = [migrations.RunSQL("l")]
m: int
n.attr: int = 1


class Migration(migrations.Migration):
    operations = [migrations.RunSQL(s) for s in sqls]


try:
    pass
except Exception:
    pass

match x:
    case [*_] | {"k": _} | _:
        ops = [migrations.RunSQL("m")]
"""


def test_every_scope_kind_is_walked() -> None:
    found = operations(SCOPES)
    assert [(line, column) for line, column, *_ in found] == [
        (4, 11),
        (5, 8),
        (5, 37),
        (5, 64),
        (6, 11),
        (9, 13),
        (9, 37),
        (10, 5),
        (10, 61),
        (11, 8),
        (12, 5),
        (13, 9),
        (14, 11),
        (20, 18),
        (30, 15),
    ]
    assert {operation for _, _, operation, _, _ in found} == {"RunSQL"}


def test_walrus_in_a_comprehension_binds_in_the_enclosing_function() -> None:
    source = (
        "from django.db import migrations\n"
        "def f():\n"
        "    ops = [(migrations := x) for x in fakes]\n"
        "    return migrations.RunSQL('x')\n"
        "g = migrations.RunSQL('y')\n"
    )
    assert operations(source) == [(5, 4, "RunSQL", None, False)]


def test_comprehension_in_a_class_body_does_not_see_class_names() -> None:
    source = (
        "from django.db.migrations import RunSQL\n"
        "class Migration:\n"
        "    RunSQL = None\n"
        "    operations = [RunSQL(s) for s in sqls]\n"
        "    direct = RunSQL('x')\n"
    )
    assert operations(source) == [(4, 18, "RunSQL", None, False)]


def test_subclasses() -> None:
    source = (
        "from django.db import migrations\n"
        "class A(migrations.RunPython):\n"
        "    pass\n"
        "class B(A):\n"
        "    async def __init__(self): ...\n"
        "class C(B):\n"
        "    pass\n"
        "class D(E):\n"
        "    pass\n"
        "class E(D):\n"
        "    pass\n"
        "class F(F):\n"
        "    pass\n"
        "ops = [A(f), B(f), C(f), D(f), F(f), migrations.RunPython.noop(f)]\n"
    )
    assert operations(source) == [
        (14, 7, "RunPython", "A", False),
        (14, 13, "RunPython", "B", True),
        (14, 19, "RunPython", "C", True),
    ]


def test_find_argument() -> None:
    """One binder for every rule: positions come from the operation's signature."""
    call = ast.parse("RunSQL(a, b, hints=1, elidable=2)", mode="eval").body
    assert isinstance(call, ast.Call)
    assert find_argument(call, "RunSQL", "sql") == (0, call.args[0])
    assert find_argument(call, "RunSQL", "reverse_sql") == (1, call.args[1])
    assert find_argument(call, "RunSQL", "elidable") == (3, call.keywords[1].value)
    assert find_argument(call, "RunSQL", "state_operations") is None
    starred = ast.parse("RunPython(*a, b)", mode="eval").body
    assert isinstance(starred, ast.Call)
    assert find_argument(starred, "RunPython", "reverse_code") is None


def test_keyword_argument_and_binding() -> None:
    call = ast.parse("AddField('a', 'b', field=f, preserve_default=False)", mode="eval").body
    assert isinstance(call, ast.Call)
    assert keyword_argument(call, "field") is call.keywords[0].value
    assert keyword_argument(call, "model_name") is None
    bound = bind_arguments(call, "AddField")
    assert bound is not None
    assert sorted(bound) == ["field", "model_name", "name", "preserve_default"]
    assert bound["name"] is call.args[1]


@pytest.mark.parametrize(
    ("call", "expected"),
    [("f(a)", False), ("f(*a)", True), ("f(a, **k)", True), ("f(a, k=1)", False)],
)
def test_has_star_args(call: str, expected: bool) -> None:
    node = ast.parse(call, mode="eval").body
    assert isinstance(node, ast.Call)
    assert has_star_args(node) is expected


def test_char_column() -> None:
    lines = ["x = 'é😀'; y", "abc"]
    assert char_column(lines, 1, len("x = 'é😀'; ".encode())) == len("x = 'é😀'; ")
    assert char_column(lines, 2, 2) == 2
    assert char_column(lines, 3, 4) == 4  # beyond the text: as given


def test_split_lines_counts_lines_like_the_tokenizer() -> None:
    assert split_lines("a\r\nb\rc\nd\x0ce\u2028f") == ["a", "b", "c", "d\x0ce\u2028f"]


@pytest.mark.parametrize(
    "binding",
    [
        "migrations += 1",
        "del migrations",
        "with open('f') as migrations:\n        pass",
        "try:\n        pass\n    except ValueError as migrations:\n        pass",
        "try:\n        migrations = 1\n    finally:\n        pass",
        "for migrations in []:\n        pass\n    else:\n        pass",
        "while False:\n        migrations = 1",
        "match 1:\n        case {**migrations}:\n            pass",
        "match 1:\n        case [*migrations]:\n            pass",
        "migrations: int = 1",
        "(migrations, x) = (1, 2)",
        "import os as migrations",
        "from os import path as migrations",
        "async def g():\n        pass",
    ],
)
def test_a_local_binding_shadows_the_import(binding: str) -> None:
    source = (
        "from django.db import migrations\n\n"
        f"def f():\n    {binding}\n    return migrations.RunPython(print)\n\n"
        "ops = [migrations.RunSQL('x')]\n"
    )
    found = operations(source)
    shadowed = "g()" not in binding
    assert [op[2] for op in found] == (["RunSQL"] if shadowed else ["RunPython", "RunSQL"])


def test_calls_in_lambdas_comprehensions_and_aliases_are_found_with_the_text() -> None:
    source = (
        "from django.db import migrations\n"
        "from django.db.migrations import RunSQL as Sql\n"
        "RP = migrations.RunPython\n\n"
        "class MyRunPython(RP):\n    pass\n\n"
        "make = lambda f: RP(f)\n"
        "shadow = lambda RP: RP(print)\n"
        "ops = [Sql(s) for s in 'ab'] + [MyRunPython(print)]\n"
        "other = [RP(x) for RP in []]\n"
    )
    found = operations(source)
    assert [(op[0], op[2], op[3]) for op in found] == [
        (8, "RunPython", None),
        (10, "RunSQL", None),
        (10, "RunPython", "MyRunPython"),
    ]


def test_a_walrus_takes_the_full_pass() -> None:
    source = (
        "from django.db import migrations\n\n"
        "def f():\n    (migrations := 1)\n    return migrations.RunPython(print)\n\n"
        "ops = [migrations.RunSQL('x')]\n"
    )
    assert [op[2] for op in operations(source)] == ["RunSQL"]


def test_the_full_pass_binds_star_parameters_and_match_captures() -> None:
    # A walrus anywhere sends the module through the full pass (text or not).
    source = (
        "from django.db import migrations\n(w := 1)\n\n"
        "def f(*migrations):\n    return migrations.RunPython(print)\n\n"
        "def g(**migrations):\n    return migrations.RunSQL('x')\n\n"
        "def h(x):\n    match x:\n        case [migrations]:\n            pass\n"
        "    return migrations.RunSQL('y')\n\n"
        "with open('f'):\n    ops = [migrations.RunSQL('z')]\n"
    )
    assert [(op[0], op[2]) for op in operations(source)] == [(17, "RunSQL")]


def test_a_with_block_without_a_name_binds_nothing() -> None:
    source = (
        "from django.db import migrations\n\n"
        "def f():\n    with open('f'):\n        return migrations.RunSQL('x')\n"
    )
    assert [op[2] for op in operations(source)] == ["RunSQL"]


def test_names_resolve_in_a_scope_the_operation_search_never_entered() -> None:
    source = (
        "import os\n\n"
        "def f(path):\n"
        "    def g():\n"
        "        return path\n"
        "    return g\n\n"
        "class C:\n"
        "    os = 1\n"
        "    def m(self):\n"
        "        return os\n"
    )
    tree = ast.parse(source)
    index = ModuleIndex(tree, source)
    f = tree.body[1]
    assert isinstance(f, ast.FunctionDef)
    g = f.body[0]
    cls = tree.body[2]
    assert isinstance(g, ast.FunctionDef)
    assert isinstance(cls, ast.ClassDef)
    m = cls.body[1]
    name = ast.Name(id="os", ctx=ast.Load())
    # A function sees the module, not the class body around it.
    assert index.qualified_name(name, m) == "os"
    assert index.qualified_name(name, cls) == LOCAL
    assert index.qualified_name(ast.Name(id="path", ctx=ast.Load()), g) == LOCAL
    assert index.qualified_name(ast.Name(id="path", ctx=ast.Load()), tree) is None


# -- linear time whatever the content ------------------------------------------------------


def test_aliases_come_from_statements_not_from_text_that_looks_like_them() -> None:
    from migration_fixer.migration_ast import OPERATIONS, _candidates

    lines = "\n".join("class A(" for _ in range(16000))  # was 36 s: a regex spanned lines
    source = (
        f'from django.db import migrations\nX = """\n{lines}\n"""\nop = migrations.RunPython(f)\n'
    )
    names, candidate_lines = _candidates(source, ast.parse(source), OPERATIONS)
    assert names == OPERATIONS  # `A` is text in a string, not a subclass
    assert candidate_lines == [16004]
    assert operations(source) == [(16004, 5, "RunPython", None, False)]
    # a real subclass, a real alias (annotated), an import alias, at any depth
    source = (
        "from django.db.migrations import RunSQL as SQL\n"
        "if True:\n    class B(migrations.RunPython):\n        pass\n"
        "try:\n    pass\nexcept E:\n    C: type = B\n"
        "match x:\n    case _:\n        D = SQL\n"
    )
    names, _ = _candidates(source, ast.parse(source), frozenset({"RunPython", "RunSQL"}))
    assert names == {"RunPython", "RunSQL", "SQL", "B", "C", "D"}


def test_an_alias_chain_is_searched_once_and_resolved_without_recursion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import re

    from migration_fixer import migration_ast

    searches: list[str] = []

    class CountingRe:
        def __getattr__(self, name: str) -> object:
            attribute = getattr(re, name)
            if name in ("findall", "finditer", "compile", "search", "sub"):

                def counted(*args: object, **kwargs: object) -> object:
                    searches.append(name)
                    return attribute(*args, **kwargs)

                return counted
            return attribute

    monkeypatch.setattr(migration_ast, "re", CountingRe())
    # 3,000 aliases: deeper than the interpreter's recursion limit
    chain = "\n".join(f"a{i} = a{i - 1}" for i in range(3000, 1, -1))
    source = (
        "from django.db import migrations\n"
        f"{chain}\na1 = migrations.RunPython\n"
        "class Migration(migrations.Migration):\n    operations = [a3000(f), a1.x(g)]\n"
    )
    # 17 names and more: one word scan instead of an alternation of all of them
    assert operations(source) == [(3003, 18, "RunPython", None, False)]
    assert len(searches) <= 2
    tree = ast.parse(source)
    index = ModuleIndex(tree, source)
    call = tree.body[-1].body[0].value.elts[1]  # type: ignore[attr-defined]
    assert index.qualified_name(call.func, tree) == "django.db.migrations.RunPython.x"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a = b\nb = a\n", LOCAL),  # a cycle
        ("a = f()\n", LOCAL),  # an alias of a call
        ("a = unknown.x\n", LOCAL),  # an alias of something unknown
        ("a = b.c\nb = unknown\n", f"{LOCAL}.c"),
    ],
)
def test_aliases_of_what_cannot_be_known_are_local(source: str, expected: str) -> None:
    tree = ast.parse(source + "a\n")
    index = ModuleIndex(tree, source)
    expr = tree.body[-1].value  # type: ignore[attr-defined]
    assert index.qualified_name(expr, tree) == expected


@pytest.mark.parametrize(
    "text",
    ["", "a", "a\n", "a\nb", "\n\n", "a\r\nb\rc\nd", "x = 1\r\n", "caf\u00e9\n\u00e9t\u00e9\n"],
)
def test_line_starts_are_where_split_lines_lines_start(text: str) -> None:
    lines = split_lines(text)
    assert lines == re.split(r"\r\n|\r|\n", text)
    starts = line_starts(text)
    assert starts == line_starts(text, lines)
    assert len(starts) == len(lines)
    assert [text[start : start + len(line)] for start, line in zip(starts, lines, strict=True)] == (
        lines
    )


def test_a_node_s_segment_is_ast_get_source_segment_s() -> None:
    text = 'x = "\u00e9t\u00e9" + f(\r\n    "caf\u00e9",\r\n    y)\r\n'
    text += "def g():\n    return [1,\n 2]\n"
    tree = ast.parse(text)
    ctx = FileContext(Path("m.py"), text, tree)
    nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.stmt, ast.expr))]
    assert len(nodes) > 10
    for node in nodes:
        assert ctx.segment(node) == ast.get_source_segment(text, node)


def test_searches_for_other_operations_on_one_index_follow_their_own_aliases() -> None:
    """The module's name bindings are read once; each search follows the aliases of the
    operations it asks for."""
    source = (
        "from django.db import migrations\n"
        "SQL = migrations.RunSQL\n"
        "class Model(migrations.CreateModel):\n    pass\n"
        "operations = [SQL('SELECT 1'), Model('a', []), migrations.RunPython(print)]\n"
    )
    index = ModuleIndex(ast.parse(source), source)
    found = [(op.operation, op.subclass) for op in index.operation_calls(frozenset({"RunSQL"}))]
    assert found == [("RunSQL", None)]
    found = [
        (op.operation, op.subclass)
        for op in index.operation_calls(frozenset({"CreateModel", "RunPython"}))
    ]
    assert found == [("CreateModel", "Model"), ("RunPython", None)]


def test_child_nodes_are_iter_child_nodes_without_the_shared_leaves() -> None:
    tree = ast.parse("global g\nx = not a + b in [f(y) for y in z] or w.v\n")
    leaves = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    for node in ast.walk(tree):
        expected = [c for c in ast.iter_child_nodes(node) if not isinstance(c, leaves)]
        assert child_nodes(node) == expected
    assert child_nodes(tree.body[0]) == []  # ``global``'s names are strings


def test_a_module_function_is_a_scope_of_the_module_without_a_walk() -> None:
    source = (
        "import os\n\ndef f():\n    return os\n\nclass C:\n    def m(self):\n        return os\n"
    )
    tree = ast.parse(source)
    index = ModuleIndex(tree, source)
    function, cls = tree.body[1], tree.body[2]
    assert isinstance(function, ast.FunctionDef)
    assert isinstance(cls, ast.ClassDef)
    name = ast.Name(id="os", ctx=ast.Load())
    assert index.qualified_name(name, function) == "os"
    assert index._parents == {id(function): tree}  # the module's other scopes not indexed
    assert index.qualified_name(name, cls.body[0]) == "os"  # a method: indexed then
    assert index._parents[id(cls.body[0])] is cls


def test_string_constants_in_the_order_of_ast_walk() -> None:
    node = ast.parse(
        "migrations.AddIndex('product', models.Index(fields=['stock', 2], name=f'x{y}'), b'no')",
        mode="eval",
    ).body
    assert string_constants(node) == ("product", "stock", "x")
    assert string_constants(node) == tuple(
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )
    assert string_constants(ast.Constant("alone")) == ("alone",)


@pytest.mark.parametrize(
    ("source", "bound_nowhere"),
    [
        # calls and attributes only (spaces allowed before the bracket or the dot)
        ("migrations.RunSQL('x', migrations.RunSQL .noop)\nRunSQL\t(1)\n", True),
        ("", True),
        # an alias, a base class, an import alias: the statements are read
        ("X = migrations.RunSQL\n", False),
        ("X = migrations.RunSQL\n(f)\n", False),  # an alias, then an expression
        ("X = (a.RunSQL  # c\n)\n", False),
        ("X = a.RunSQL;(f)\n", False),
        ("class A(RunSQL):\n    pass\n", False),
        ("from m import RunSQL as R\n", False),
        ("x = 1  # RunSQL", False),  # last in the text
        # not ASCII: the tree may spell a name otherwise than the text
        ("é = 1\nmigrations.RunSQL('x')\n", False),
    ],
)
def test_when_the_text_shows_no_alias_of_an_operation(source: str, bound_nowhere: bool) -> None:
    assert _bound_nowhere(source, frozenset({"RunSQL"})) is bound_nowhere


def test_an_alias_followed_by_a_bracket_on_the_next_line_is_still_an_alias() -> None:
    source = (
        "from django.db import migrations\n"
        "X = migrations.RunSQL\n"
        "(print)\n"
        "operations = [X('SELECT 1'), migrations.RunSQL('SELECT 2')]\n"
    )
    assert operations(source) == [(4, 14, "RunSQL", None, False), (4, 29, "RunSQL", None, False)]


def test_a_callee_is_resolved_once_per_spelling_and_scope() -> None:
    """The answer kept for ``migrations.RunPython`` in one scope is not another scope's
    (where ``migrations`` is shadowed), a name is not mistaken for an attribute spelled
    the same way, and a callee that is not a dotted name is resolved every time."""
    source = (
        "from django.db import migrations\n"
        "from django.db.migrations import RunSQL\n"
        "class Op(migrations.RunPython):\n"
        "    pass\n"
        "def f(migrations):\n"
        "    return migrations.RunPython(print)\n"
        "ops = [migrations.RunPython(print), Op(print), RunSQL('x'), migrations.RunPython(g)]\n"
        "more = [migrations.RunSQL('y'), make().RunSQL('z'), make().RunSQL('z')]\n"
    )
    tree = ast.parse(source)
    index = ModuleIndex(tree, source)
    function = tree.body[3]
    in_function = next(n for n in ast.walk(function) if isinstance(n, ast.Call)).func
    elements = [e for stmt in tree.body[4:] for e in stmt.value.elts]  # type: ignore[attr-defined]
    resolved = [index.resolve_callee(e.func, tree) for e in elements]
    assert [(r.operation, r.subclass) for r in resolved] == [
        ("RunPython", None),
        ("RunPython", "Op"),
        ("RunSQL", None),
        ("RunPython", None),
        ("RunSQL", None),
        (None, None),
        (None, None),
    ]
    assert resolved[0] is resolved[3]  # the same spelling: kept, not resolved again
    assert index.resolve_callee(in_function, function).operation is None
    assert index.resolve_callee(in_function, tree).operation == "RunPython"
    assert sorted(key for _, key in index._callees) == [
        "Op",
        "RunSQL",
        "migrations.RunPython",
        "migrations.RunPython",
        "migrations.RunSQL",
    ]
    assert resolved[5] is not resolved[6]  # ``make().RunSQL``: not a dotted name


# -- a migration class whose ``unapply`` always raises --------------------------------------

_RAISING_BASE = (
    "from django.db import migrations\n"
    "from django.db.migrations.exceptions import IrreversibleError\n\n\n"
    "class IrreversibleMigration(migrations.Migration):\n"
    "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
    "        raise IrreversibleError('Migration %s is not reversible' % self.name)\n\n\n"
)


def raising_unapply(source: str) -> tuple[str, int] | None:
    found = ModuleIndex(ast.parse(source), source).raising_unapply()
    return None if found is None else (found.cls.name, found.method.lineno)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            _RAISING_BASE + "class Migration(IrreversibleMigration):\n    operations = []\n",
            ("IrreversibleMigration", 6),
            id="django-cms",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    def unapply(self, *args, **kwargs):\n"
            '        """Not reversible."""\n'
            "        name = self.name\n"
            "        raise RuntimeError(name)\n",
            ("Migration", 5),
            id="own-method-after-statements",
        ),
        pytest.param(
            _RAISING_BASE + "class Middle(IrreversibleMigration):\n    pass\n\n\n"
            "class Migration(Middle):\n    operations = []\n",
            ("IrreversibleMigration", 6),
            id="two-levels",
        ),
        pytest.param(
            _RAISING_BASE + "class Mixin(object):\n    atomic = False\n\n\n"
            "class Migration(Mixin, IrreversibleMigration):\n    operations = []\n",
            ("IrreversibleMigration", 6),
            id="local-mixin-first",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        if collect_sql:\n"
            "            raise NotImplementedError\n"
            "        else:\n"
            "            raise RuntimeError\n",
            ("Migration", 5),
            id="raises-in-both-branches",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        if collect_sql:\n"
            "            pass\n"
            "        elif schema_editor is None:\n"
            "            raise NotImplementedError\n"
            "        raise RuntimeError\n",
            ("Migration", 5),
            id="raises-after-an-if-that-goes-on",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        def helper():\n"
            "            yield\n"
            "        raise RuntimeError\n",
            ("Migration", 5),
            id="a-nested-generator-is-not-its-body",
        ),
        # Not certain: the rollback may run.
        pytest.param(
            _RAISING_BASE + "class Migration(IrreversibleMigration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        return migrations.Migration.unapply(self, project_state, schema_editor)\n",
            None,
            id="own-method-overrides-the-raising-one",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        if collect_sql:\n"
            "            raise NotImplementedError\n"
            "        return super().unapply(project_state, schema_editor, collect_sql)\n",
            None,
            id="calls-super",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        if collect_sql:\n"
            "            return project_state\n"
            "        raise RuntimeError\n",
            None,
            id="returns-in-an-if",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        log(self)\n",
            None,
            id="does-not-raise",
        ),
        pytest.param(
            "import contextlib\nfrom django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        with contextlib.suppress(RuntimeError):\n"
            "            raise RuntimeError\n",
            None,
            id="with-may-swallow-it",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        raise RuntimeError\n"
            "        yield project_state\n",
            None,
            id="generator",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    @log_calls\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        raise RuntimeError\n",
            None,
            id="decorated-method",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        raise RuntimeError\n\n"
            "    unapply = migrations.Migration.unapply\n",
            None,
            id="bound-again",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    async def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        raise RuntimeError\n",
            None,
            id="async",
        ),
        pytest.param(
            "from django.db import migrations\nfrom common import Reversible\n"
            + _RAISING_BASE[len("from django.db import migrations\n") :]
            + "class Migration(Reversible, IrreversibleMigration):\n    operations = []\n",
            None,
            id="imported-base-first",
        ),
        pytest.param(
            "from django.db import migrations\nfrom common.migrations import IrreversibleMigration"
            "\n\n\nclass Migration(IrreversibleMigration):\n    operations = []\n",
            None,
            id="imported-base",
        ),
        pytest.param(
            _RAISING_BASE + "@register\nclass Migration(IrreversibleMigration):\n"
            "    operations = []\n",
            None,
            id="decorated-class",
        ),
        pytest.param(
            _RAISING_BASE + "class Migration(IrreversibleMigration, metaclass=Meta):\n"
            "    operations = []\n",
            None,
            id="metaclass",
        ),
        pytest.param(
            _RAISING_BASE + "class Middle(IrreversibleMigration):\n    pass\n\n\n"
            "class Migration(IrreversibleMigration, Middle):\n    operations = []\n",
            None,
            id="no-consistent-order",
        ),
        pytest.param(
            _RAISING_BASE + "class A(B):\n    pass\n\n\nclass B(A):\n    pass\n\n\n"
            "class Migration(A, IrreversibleMigration):\n    operations = []\n",
            None,
            id="cycle",
        ),
        pytest.param(
            _RAISING_BASE + "if OLD:\n    Migration = IrreversibleMigration\nelse:\n"
            "    class Migration(IrreversibleMigration):\n        operations = []\n",
            None,
            id="migration-bound-twice",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n    operations = []\n",
            None,
            id="plain",
        ),
        pytest.param("operations = []\n", None, id="no-migration-class"),
    ],
)
def test_raising_unapply(source: str, expected: tuple[str, int] | None) -> None:
    assert raising_unapply(source) == expected


def test_raising_unapply_is_looked_for_once() -> None:
    source = _RAISING_BASE + "class Migration(IrreversibleMigration):\n    pass\n"
    index = ModuleIndex(ast.parse(source))
    found = index.raising_unapply()
    assert found is not None
    assert index.raising_unapply() is found


#: A package's modules for :meth:`ModuleIndex.raising_unapply`'s ``sibling``.
_PACKAGE = {
    "": _RAISING_BASE,
    "base": "from . import IrreversibleMigration as Base\n\n\nclass Deeper(Base):\n    pass\n",
}


def _sibling(module: str) -> tuple[ModuleIndex, str] | None:
    source = _PACKAGE.get(module)
    if source is None:
        return None
    return ModuleIndex(ast.parse(source), source), f"{module or '__init__'}.py"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            "from . import IrreversibleMigration\n\n\n"
            "class Migration(IrreversibleMigration):\n    pass\n",
            ("IrreversibleMigration", 6, "__init__.py"),
            id="package-init",
        ),
        pytest.param(
            "from .base import Deeper\n\n\nclass Migration(Deeper):\n    pass\n",
            ("IrreversibleMigration", 6, "__init__.py"),
            id="through-a-module-of-the-package",
        ),
        pytest.param(
            "from . import IrreversibleMigration as Irreversible\n\n\n"
            "class Migration(Irreversible):\n    pass\n",
            ("IrreversibleMigration", 6, "__init__.py"),
            id="aliased",
        ),
        pytest.param(
            "from .. import IrreversibleMigration\n\n\n"
            "class Migration(IrreversibleMigration):\n    pass\n",
            None,
            id="parent-package-not-read",
        ),
        pytest.param(
            "from .sub.base import Deeper\n\n\nclass Migration(Deeper):\n    pass\n",
            None,
            id="module-not-read",
        ),
        pytest.param(
            "from . import Missing\n\n\nclass Migration(Missing):\n    pass\n",
            None,
            id="not-a-class-there",
        ),
        pytest.param(
            "from . import IrreversibleMigration\n"
            "from .base import Deeper as IrreversibleMigration\n\n\n"
            "class Migration(IrreversibleMigration):\n    pass\n",
            None,
            id="imported-twice",
        ),
    ],
)
def test_raising_unapply_in_the_package(
    source: str, expected: tuple[str, int, str | None] | None
) -> None:
    found = ModuleIndex(ast.parse(source), source).raising_unapply(_sibling)
    assert (
        None if found is None else (found.cls.name, found.method.lineno, found.module)
    ) == expected
    # Without a reader of the package, nothing imported is followed.
    assert ModuleIndex(ast.parse(source), source).raising_unapply() is None
