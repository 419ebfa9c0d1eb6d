"""What the names of a migration module hold (migration_fixer.bindings): the value Django
reads, or why it cannot be told."""

from __future__ import annotations

import ast

import pytest

from migration_fixer.bindings import Bindings, Unknown


def _bindings(source: str, *, text: bool = True) -> Bindings:
    """The module's bindings, with its source (which spares walks) or without."""
    tree = ast.parse(source)
    classes = [s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == "Migration"]
    return Bindings(tree, classes[0] if classes else None, source if text else None)


def _operations(source: str) -> list[str] | str | None:
    found = _bindings(source).class_attribute("operations")
    # Without the source, every name is looked for in the whole module: the same answer.
    without = _bindings(source, text=False).class_attribute("operations")
    assert _shown(without) == _shown(found)
    return _shown(found)


def _shown(found: list[ast.expr] | Unknown | None) -> list[str] | str | None:
    if isinstance(found, Unknown):
        return found.reason
    return None if found is None else [ast.unparse(e) for e in found]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("class Migration:\n    a = [1]\n    b = a + (2,)\n    operations = b\n", ["1", "2"]),
        # The class body shadows the module, from the point where it binds the name.
        ("a = [0]\nclass Migration:\n    b = a\n    a = [1]\n    operations = a + b\n", ["1", "0"]),
        ("a = [0]\na = [1]\nclass Migration:\n    operations = a\na = [2]\n", ["1"]),
        ("class Migration:\n    operations = [1]\n    operations += [2]\n", ["1", "2"]),
        ("class Migration:\n    operations: list = [1]\n", ["1"]),
        # An element that is a name is followed to the call it holds (not to other values).
        ("op = f(1)\nx = 1\nclass Migration:\n    operations = [op, x, y]\n", ["f(1)", "x", "y"]),
        ("class Migration:\n    def f(self):\n        ops.append(1)\n    ops = [1]\n"
         "    operations = ops\n", ["1"]),
        ("def f(ops):\n    ops.append(1)\nops = [1]\nclass Migration:\n    operations = ops\n",
         ["1"]),
        ("ops = [1]\nclass Migration:\n    x = [y for y in ops]\n    operations = ops\n", ["1"]),
    ],
    ids=["chain", "shadowing", "rebound", "added", "annotated", "elements", "class-function",
         "function-local", "comprehension"],
)  # fmt: skip
def test_what_django_reads(source: str, expected: list[str]) -> None:
    assert _operations(source) == expected


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("a, b = [1], [2]\nclass Migration:\n    operations = a\n",
         "`operations` is `a`, bound by unpacking (line 1)"),
        ("from x import ops\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, bound by an import (line 1)"),
        ("def ops(): pass\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, bound by `def` (line 1)"),
        ("class ops: pass\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, bound by `class` (line 1)"),
        ("def f():\n    global ops\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, bound by `def` (line 1)"),
        ("ops = [1]\ndel ops\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, deleted by `del` (line 2)"),
        ("ops = [1]\nops -= [1]\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, changed by `ops -= ...` (line 2)"),
        ("ops = [1]\nops *= 2\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, changed by `ops *= ...` (line 2)"),
        ("ops = [1]\nops @= 2\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, changed by `ops @= ...` (line 2)"),
        ("for ops in x:\n    pass\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, bound conditionally (line 1)"),
        ("try:\n    ops = [1]\nexcept E as ops:\n    pass\nclass Migration:\n"
         "    operations = ops\n",
         "`operations` is `ops`, bound conditionally (line 1)"),
        ("match x:\n    case {**ops}:\n        pass\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, bound conditionally (line 1)"),
        ("match x:\n    case [*ops]:\n        f(lambda: 1)\nclass Migration:\n"
         "    operations = ops\n",
         "`operations` is `ops`, bound conditionally (line 1)"),
        ("ops = [1]\ndef f():\n    global ops\n    ops.append(1)\nclass Migration:\n"
         "    operations = ops\n",
         "`operations` is `ops`, bound by `def` (line 2)"),
        ("ops = [1]\nclass Migration:\n    operations = ops\ndef f():\n    global ops\n"
         "    ops.append(1)\n",
         "`operations` is `ops`, changed in place (line 6)"),
        ("ops = [1]\nif X:\n    def f():\n        global ops\n        ops.append(1)\n"
         "class Migration:\n    operations = ops\n",
         "`operations` is `ops`, bound conditionally (line 2)"),
        ("class Migration:\n    if X:\n        operations = [1]\n",
         "`operations` bound conditionally (line 2)"),
        ("class Migration:\n    operations = [*x]\n", "`operations` is `[*x]`"),
        ("class Migration:\n    operations = make()\n", "`operations` is `make()`"),
        ("class Migration:\n    operations = [1] + make()\n", "`operations` is `make()`"),
        ("class Migration:\n    operations = make() + [1]\n", "`operations` is `make()`"),
        ("class Migration:\n    operations = missing\n",
         "`operations` is `missing`, not bound before line 2"),
        ("class Migration:\n    operations = ops\nops = [1]\n",
         "`operations` is `ops`, not bound before line 2"),
        ("ops = [1]\nclass Migration:\n    ops += [2]\n    operations = ops\n",
         "`operations` is `ops`, added to before the class binds it (line 3)"),
        ("ops += [2]\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, not bound before line 1"),
        ("class Migration:\n    operations = [1]\n    operations.append(2)\n",
         "`operations` changed in place (line 3)"),
        ("class Migration:\n    operations = [1]\n    operations[0] = 2\n",
         "`operations` changed in place (line 3)"),
        ("ops = [1]\nclass Migration:\n    operations = ops\nprint(ops)\n",
         "`operations` is `ops`, changed in place (line 4)"),
        ("ops = [1]\ndef f():\n    ops.extend([2])\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, changed in place (line 3)"),
        ("ops = [1]\nclass Migration:\n    operations = ops\nf(*ops)\n",
         "`operations` is `ops`, changed in place (line 4)"),
        ("ops = [1]\nclass Migration:\n    operations = ops\nops.__iadd__([2])\n",
         "`operations` is `ops`, changed in place (line 4)"),
        ("ops = [1]\nclass Migration:\n    operations = [x for x in ops if x]\n",
         "`operations` is `[x for x in ops if x]`"),
        ("ops = [1]\nclass Migration:\n    x = ops.append(2)\n    operations = ops\n",
         "`operations` is `ops`, changed in place (line 3)"),
        ("a0 = [1]\n" + "".join(f"a{i + 1} = a{i}\n" for i in range(70))
         + "class Migration:\n    operations = a70\n",
         "`operations` goes through too many names"),
    ],
)  # fmt: skip
def test_what_cannot_be_told(source: str, reason: str) -> None:
    assert _operations(source) == reason


def test_statements_that_bind_nothing_or_something_else() -> None:
    source = (
        "x: list\n"
        "a.b: list = [0]\n"
        "a.b += [0]\n"
        "a.b.append(0)\n"
        "ops = [1]\n"
        "def f():\n"
        "    ops = []\n"
        "    for x in y:\n"
        "        ops.append(x)\n"
        "class Migration:\n"
        "    operations = ops + x\n"
    )
    assert _operations(source) == "`operations` is `x`, not bound before line 11"


def test_no_class_or_no_attribute() -> None:
    assert _operations("operations = [1]\n") is None
    assert _operations("class Migration:\n    dependencies = []\n") is None


def _node(bindings: Bindings, text: str) -> ast.expr:
    """The expression whose source is ``text``."""
    return next(
        n for n in ast.walk(bindings.tree) if isinstance(n, ast.expr) and ast.unparse(n) == text
    )


def test_elements_where_the_expression_is_written() -> None:
    source = (
        "state = [1]\n"
        "class Migration:\n"
        "    state = [2]\n"
        "    operations = [f(state_operations=state), g(lambda: state)]\n"
        "if X:\n"
        "    h(state)\n"
        "    k([state, 3], [4, f()])\n"
    )
    bindings = _bindings(source)
    calls = [n for n in ast.walk(bindings.tree) if isinstance(n, ast.Call)]
    f, g, h, k = (next(c for c in calls if ast.unparse(c.func) == name) for name in "fghk")
    found = bindings.elements(f.keywords[0].value, "`state_operations`")
    assert isinstance(found, list)
    assert [ast.unparse(e) for e in found] == ["2"]
    in_lambda = g.args[0]
    assert isinstance(in_lambda, ast.Lambda)
    assert bindings.elements(in_lambda.body, "`x`") == Unknown("`x` is `state`")
    assert bindings.elements(h.args[0], "`x`") == Unknown("`x` is `state`")
    # A literal list there is what it says; a name in it is not looked up.
    named, literal = (bindings.elements(arg, "`x`") for arg in k.args)
    assert isinstance(named, list)
    assert [ast.unparse(e) for e in named] == ["state", "3"]
    assert isinstance(literal, list)
    assert [ast.unparse(e) for e in literal] == ["4", "f()"]


def test_expressions_outside_the_statements() -> None:
    source = "@decorate(ops)\nclass Migration(Base):\n    operations = []\n"
    bindings = _bindings(source)
    assert bindings.elements(_node(bindings, "ops"), "`x`") == Unknown("`x` is `ops`")
    base = _node(bindings, "Base")
    assert bindings.elements(base, "`x`") == Unknown("`x` is `Base`")
    nowhere = ast.Name("ops")
    assert bindings.elements(nowhere, "`x`") == Unknown("`x` is `ops`")
    assert bindings.value(nowhere) is nowhere


def test_value_follows_names_to_what_they_hold() -> None:
    source = (
        "FIELD = models.CharField()\n"
        "ALIAS = FIELD\n"
        "LIST = [1]\n"
        "LIST += [2]\n"
        "CHANGED = f()\n"
        "CHANGED.append(1)\n"
        "class Migration:\n"
        "    operations = [g(ALIAS), g(LIST), g(CHANGED), g(OTHER), g(1)]\n"
    )
    bindings = _bindings(source)
    args = [
        n.args[0]
        for n in ast.walk(bindings.tree)
        if isinstance(n, ast.Call) and ast.unparse(n.func) == "g"
    ]
    values = [ast.unparse(bindings.value(a)) for a in args]
    assert values == ["models.CharField()", "LIST", "CHANGED", "OTHER", "1"]
    chain = "a0 = f()\n" + "".join(f"a{i + 1} = a{i}\n" for i in range(70))
    bindings = _bindings(chain + "class Migration:\n    operations = [g(a70)]\n")
    # Followed as far as it goes, then left as it is.
    assert ast.unparse(bindings.value(_node(bindings, "g(a70)").args[0])) == "a6"


def test_holder() -> None:
    source = (
        "ops = [f(1)]\n"
        "class Migration:\n"
        "    a = b = [f(2)]\n"
        "    operations = [f(3)]\n"
        "    operations += [f(4)]\n"
        "    print([f(5)])\n"
        "    c: list = [f(6)]\n"
        "def h():\n"
        "    return [f(7)]\n"
    )
    bindings = _bindings(source)
    held = [bindings.holder(_node(bindings, f"f({i})")) for i in range(1, 8)]
    assert held == [
        ("`ops = ...`", False),
        ("`a = b = ...`", True),
        ("`operations = ...`", True),
        ("`operations += ...`", True),
        ("`print(...)`", True),
        ("`c = ...`", True),
        ("the function `h` (line 8)", False),
    ]
