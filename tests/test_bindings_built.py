"""Operations built by code that static reading can still tell (migration_fixer.bindings):
``*`` unpacking, comprehensions over literal constants, and a module function that only
returns a literal list; and the shapes that stay unknown, with the reason."""

from __future__ import annotations

import ast

import pytest

from migration_fixer.bindings import Bindings, Unknown


def _bindings(source: str) -> Bindings:
    tree = ast.parse(source)
    classes = [s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == "Migration"]
    return Bindings(tree, classes[-1] if classes else None, source)


def _operations(source: str) -> list[str] | str | None:
    found = _bindings(source).class_attribute("operations")
    if isinstance(found, Unknown):
        return found.reason
    return None if found is None else [ast.unparse(e) for e in found]


def _read_twice(bindings: Bindings) -> list[ast.expr]:
    """``operations`` read twice: the same element objects both times (copied once)."""
    first = bindings.class_attribute("operations")
    again = bindings.class_attribute("operations")
    assert isinstance(first, list)
    assert isinstance(again, list)
    assert all(a is b for a, b in zip(first, again, strict=True))
    return first


def _call(bindings: Bindings, text: str) -> ast.Call:
    """The call of the module written ``text``."""
    return next(
        n for n in ast.walk(bindings.tree) if isinstance(n, ast.Call) and ast.unparse(n) == text
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("class Migration:\n    operations = [a, *[b, c], *(d,)]\n", ["a", "b", "c", "d"]),
        ("ops = [b]\nclass Migration:\n    operations = [a, *ops]\n", ["a", "b"]),
        ("class Migration:\n    operations = [f(m) for m in ('x', 'y')]\n",
         ["f('x')", "f('y')"]),
        ("class Migration:\n    operations = [a, *[f(m) for m in ['x', 'y']]]\n",
         ["a", "f('x')", "f('y')"]),
        ("MODELS = ('x', 'y')\nFIELDS = ('p',)\nclass Migration:\n"
         "    operations = [*[R(model_name=m, name=f) for m in MODELS for f in FIELDS]]\n",
         ["R(model_name='x', name='p')", "R(model_name='y', name='p')"]),
        ("class Migration:\n    operations = [f(m, n, m.x) for m, n in (('a', 1), ('b', 2))]\n",
         ["f('a', 1, 'a'.x)", "f('b', 2, 'b'.x)"]),
        ("class Migration:\n    operations = [f(g) for m in (1,)]\n", ["f(g)"]),
        ("class Migration:\n    operations = [f(m) for m in ('a', 'b', 'c') if m != 'b']\n",
         ["f('a')", "f('c')"]),
        ("class Migration:\n    operations = [f(m) for m in ('a', 'b') if m == 'b']\n",
         ["f('b')"]),
        ("class Migration:\n    operations = [f(m) for m in ('a', 'b') if m in ['a']]\n",
         ["f('a')"]),
        ("class Migration:\n    operations = [f(m) for m in ('a', 'b') if m not in ('a',)]\n",
         ["f('b')"]),
        # The element's other names: the module's constants (not the class body's).
        ("MODEL = 'x'\nm = 'y'\nclass Migration:\n    MODEL = 'z'\n"
         "    operations = [f(MODEL, m, n) for m in ('a',)]\n", ["f('x', 'a', n)"]),
        # A module function that only returns a literal list: each call makes it anew.
        ("def base():\n    '''Doc.'''\n    return [a, b]\nclass Migration:\n"
         "    operations = base() + [c]\n", ["a", "b", "c"]),
        ("def base():\n    return (a,)\nX = [*base()]\nclass Migration:\n    operations = X\n",
         ["a"]),
        # sentry's shape: local lists, returned added up or handed to an operation.
        ("def ops():\n    database = [a]\n    state = [b]\n"
         "    return database + [migrations.SeparateDatabaseAndState(state_operations=state)]\n"
         "class Migration:\n    operations = ops() + ops()\n",
         ["a", "migrations.SeparateDatabaseAndState(state_operations=[b])", "a",
          "migrations.SeparateDatabaseAndState(state_operations=[b])"]),
        ("def ops():\n    first = (a,)\n    return [*first, b]\nclass Migration:\n"
         "    operations = ops()\n", ["a", "b"]),
        ("NAMES = ('x', 'y')\ndef ops() -> list:\n    return [f(n, T[n]) for n in NAMES]\n"
         "class Migration:\n    operations = ops()\n", ["f('x', T['x'])", "f('y', T['y'])"]),
    ],
    ids=["star-literals", "star-name", "comprehension", "star-comprehension", "names",
         "unpacking", "unused-name", "if-not-equal", "if-equal", "if-in", "if-not-in",
         "module-constants", "function", "function-at-module-level", "function-locals",
         "function-local-starred", "function-comprehension"],
)  # fmt: skip
def test_what_code_builds_that_can_be_told(source: str, expected: list[str]) -> None:
    assert _operations(source) == expected


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("class Migration:\n    operations = [*more]\n", "`operations` is `[*more]`"),
        ("class Migration:\n    operations = [f(m) for m in ('x', 'y') if m]\n",
         "`operations` is `[f(m) for m in ('x', 'y') if m]`"),
        ("class Migration:\n    operations = [f(m) for m in ('a',) if m < 'b']\n",
         "`operations` is `[f(m) for m in ('a',) if m < 'b']`"),
        ("class Migration:\n    operations = [f(m) for m in ('a',) if m == x]\n",
         "`operations` is `[f(m) for m in ('a',) if m == x]`"),
        ("class Migration:\n    operations = [f(m) for m in ('a',) if m == 'a' == m]\n",
         "`operations` is `[f(m) for m in ('a',) if m == 'a' == m]`"),
        ("class Migration:\n    operations = [f(m) for m in names()]\n",
         "`operations` is `[f(m) for m in names()]`"),
        ("class Migration:\n    operations = [f(m) for m in (x, y)]\n",
         "`operations` is `[f(m) for m in (x, y)]`"),
        ("M = ['x']\nclass Migration:\n    operations = [f(m) for m in M]\n",
         "`operations` is `[f(m) for m in M]`"),
        ("M = ('x',)\nM += ('y',)\nclass Migration:\n    operations = [f(m) for m in M]\n",
         "`operations` is `[f(m) for m in M]`"),
        ("M = ('x',)\nprepare(M)\nclass Migration:\n    operations = [f(m) for m in M]\n",
         "`operations` is `[f(m) for m in M]`"),
        ("class Migration:\n    operations = [f(lambda: m) for m in ('x',)]\n",
         "`operations` is `[f(lambda: m) for m in ('x',)]`"),
        ("class Migration:\n    operations = [f(m) for m, n in ('x',)]\n",
         "`operations` is `[f(m) for m, n in ('x',)]`"),
        ("class Migration:\n    operations = [f(m) for m, n in (('x', 1, 2),)]\n",
         "`operations` is `[f(m) for m, n in (('x', 1, 2),)]`"),
        ("class Migration:\n    operations = [f(m) for m, (n, o) in (('x', 1),)]\n",
         "`operations` is `[f(m) for m, (n, o) in (('x', 1),)]`"),
        ("class Migration:\n"
         "    operations = [f(a, b) for a in (" + ", ".join(map(str, range(20)))
         + ") for b in (" + ", ".join(map(str, range(20))) + ")]\n",
         "`operations` is `[f(a, b) for a in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,`"),
        ("def base(x=1):\n    return [a]\nclass Migration:\n    operations = base()\n",
         "`operations` is `base()`"),
        ("@cache\ndef base():\n    return [a]\nclass Migration:\n    operations = base()\n",
         "`operations` is `base()`"),
        ("def base():\n    x = 1\n    return [a]\nclass Migration:\n    operations = base()\n",
         "`operations` is `base()`"),
        ("def base():\n    return make()\nclass Migration:\n    operations = base()\n",
         "`operations` is `base()`"),
        ("def base():\n    return [a]\nclass Migration:\n    base = other\n"
         "    operations = base()\n", "`operations` is `base()`"),
        ("def base():\n    return [a]\ndef other():\n    global base\n"
         "class Migration:\n    operations = base()\n", "`operations` is `base()`"),
        ("class Migration:\n    operations = base()\ndef base():\n    return [a]\n",
         "`operations` is `base()`"),
        ("class Migration:\n    operations = base(1)\n", "`operations` is `base(1)`"),
        ("def base():\n    return [f(n) for n in NAMES]\nclass Migration:\n"
         "    operations = base()\n", "`operations` is `base()`"),
        ("def base():\n    x = [a]\n    x = [b]\n    return x\nclass Migration:\n"
         "    operations = base()\n", "`operations` is `base()`"),
        ("def base():\n    x = [a]\n    y = [x]\n    return y\nclass Migration:\n"
         "    operations = base()\n", "`operations` is `base()`"),
        ("def base():\n    x = make()\n    return x\nclass Migration:\n"
         "    operations = base()\n", "`operations` is `base()`"),
        ("def base():\n    x = [a]\n    return x\nclass Migration:\n"
         "    operations = base()\n", "`operations` is `base()`"),
        ("def base():\n    x = [a]\n    return x + [f(x)]\nclass Migration:\n"
         "    operations = base()\n", "`operations` is `base()`"),
        ("def base():\n    x = [a]\n    return x + [f(y=x)]\nclass Migration:\n"
         "    operations = base()\n", "`operations` is `base()`"),
        ("def base():\n    x = [a]\n    return x + [x.copy()]\nclass Migration:\n"
         "    operations = base()\n", "`operations` is `base()`"),
        ("def base():\n    x = [a]\n    return\nclass Migration:\n"
         "    operations = base()\n", "`operations` is `base()`"),
        ("class Migration:\n    operations = x.base()\n", "`operations` is `x.base()`"),
    ],
)  # fmt: skip
def test_what_code_builds_that_stays_unknown(source: str, reason: str) -> None:
    assert _operations(source) == reason


def test_the_copies_of_a_comprehension_are_made_once() -> None:
    source = "class Migration:\n    operations = [R(m) for m in ('x', 'y')]\n"
    bindings = _bindings(source)
    first = _read_twice(bindings)
    element = _call(bindings, "R(m)")
    assert bindings.copies_of(element) == first
    assert (first[0].lineno, first[0].col_offset) == (element.lineno, element.col_offset)
    assert bindings.copies_of(first[0]) is None
    unknown = _bindings("class Migration:\n    operations = [R(m) for m in x]\n")
    assert isinstance(unknown.class_attribute("operations"), Unknown)
    assert isinstance(unknown.class_attribute("operations"), Unknown)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("M = ('x', 'y')\nclass Migration:\n    operations = [a, *[f(m) for m in M]]\n"
         "    operations.append(b)\n", [(["a", "f('x')", "f('y')", "b"], [])]),
        ("class Migration:\n    ops = [a]\n    operations = [*ops, *(b,)]\n    ops.append(c)\n",
         [(["a", "b"], [])]),
        ("class Migration:\n    operations = [*more]\n    operations.append(b)\n",
         "`operations` is `[*more]`"),
        ("class Migration:\n    ops = [a]\n    f(ops)\n    operations = [*ops]\n"
         "    operations.append(b)\n", "`operations` is `[*ops]`"),
        ("class Migration:\n    operations = [f(m) for m in x]\n    operations.append(b)\n",
         "`operations` is `[f(m) for m in x]`"),
        ("class Migration:\n    if X:\n        operations = [f(m) for m in ('x',)]\n",
         "`operations` is `[f(m) for m in ('x',)]`"),
    ],
)  # fmt: skip
def test_run_in_order_with_what_code_builds(
    source: str, expected: list[tuple[list[str], list[tuple[int, bool]]]] | str
) -> None:
    found = _bindings(source).variants("operations")
    if isinstance(found, Unknown):
        assert found.reason == expected
        return
    assert found is not None
    shown = [([ast.unparse(e) for e in v.elements], list(v.branches)) for v in found]
    assert shown == expected


def test_what_a_call_returns_is_copied_once() -> None:
    source = (
        "def ops():\n    database = [R(1)]\n    return database + [b]\n"
        "class Migration:\n    operations = ops()\n"
    )
    bindings = _bindings(source)
    first = _read_twice(bindings)
    original = _call(bindings, "R(1)")
    assert bindings.copies_of(original) == [first[0]]
