"""Bindings read the module's source to walk only the statements that may matter (a name
that a statement does not mention cannot be read or changed there): the same results as
the walks of the whole module, which they spare. Each case is read both ways (with the
source, and with the source withheld: every walk made), and the walks that must still be
made are made."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from migration_fixer import bindings as bindings_module
from migration_fixer.bindings import Bindings, Unknown, _source_view

Shown = list[tuple[list[str], list[tuple[int, bool]]]] | str | None


def _bindings(source: str, *, spared: bool = True) -> Bindings:
    tree = ast.parse(source)
    classes = [s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == "Migration"]
    found = Bindings(tree, classes[-1] if classes else None, source)
    if not spared:
        found._source = None  # (the text is still there for what else reads it)
    return found


def _shown(found: object) -> Shown:
    if isinstance(found, Unknown):
        return found.reason
    if found is None:
        return None
    assert isinstance(found, list)
    return [([ast.unparse(e) for e in v.elements], list(v.branches)) for v in found]


def _attribute(source: str, *, spared: bool = True) -> list[str] | str | None:
    found = _bindings(source, spared=spared).class_attribute("operations")
    if isinstance(found, Unknown):
        return found.reason
    return None if found is None else [ast.unparse(e) for e in found]


def _variants(source: str, name: str = "operations") -> Shown:
    """The variants of ``name``, the same with and without the source."""
    spared = _shown(_bindings(source).variants(name))
    assert spared == _shown(_bindings(source, spared=False).variants(name))
    return spared


def _one(*elements: str) -> Shown:
    return [(list(elements), [])]


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The walks of a whole function or statement made, by what they look for."""
    made: list[str] = []
    for name in ("_functions", "_changed_in_place"):
        walk = getattr(bindings_module, name)

        def counted(*args: object, _walk: object = walk, _name: str = name, **kw: object) -> object:
            made.append(_name)
            return _walk(*args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(bindings_module, name, counted)
    lines_changing = Bindings._lines_changing

    def statement_walked(self: Bindings, *args: Any) -> list[int]:
        made.append("_lines_changing")
        return lines_changing(self, *args)

    monkeypatch.setattr(Bindings, "_lines_changing", statement_walked)
    return made


DATA_MIGRATION = (
    "from django.db import migrations\n\n"
    "def forwards(apps, schema_editor):\n"
    "    for row in apps.get_model('app', 'Row').objects.all():\n"
    "        row.tags.append('x')\n"
    "        row.save()\n\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = [('app', '0001')]\n"
    "    operations = [migrations.RunPython(forwards, lambda a, s: None)]\n"
)


def test_a_data_migration_is_read_without_walking_its_functions(walks: list[str]) -> None:
    assert _variants(DATA_MIGRATION) == _one("migrations.RunPython(forwards, lambda a, s: None)")
    walks.clear()
    _bindings(DATA_MIGRATION).variants("operations")
    assert walks == []


@pytest.mark.parametrize(
    ("source", "expected", "walked"),
    [
        # A module list a function mentions: the functions are walked, the list unknown.
        ("ops = [a]\ndef f():\n    g(ops)\nclass Migration:\n    operations = ops + [b]\n"
         "    x.append(1)\n",
         "`operations` is `ops`, may be changed by the function at line 2", "_functions"),
        # ... or a lambda; the first function in the order of a walk of the module (by
        # depth first) gives the line: the ``def``, not the lambda before it.
        ("ops = [a]\nh = lambda: ops.pop()\ndef f():\n    ops.clear()\nclass Migration:\n"
         "    operations = ops\n    x.append(1)\n",
         "`operations` is `ops`, may be changed by the function at line 3", "_functions"),
        ("ops = [a]\nif X:\n    def f():\n        print(ops)\nclass Migration:\n"
         "    operations = ops\n    x.append(1)\n",
         "`operations` is `ops`, may be changed by the function at line 3", "_functions"),
        # A function that does not mention it, a lambda elsewhere: not walked.
        ("ops = [a]\ndef f():\n    g(other)\ny = [lambda: 1]\nclass Migration:\n"
         "    operations = ops + [b]\n    x.append(1)\n", _one("a", "b"), None),
        # A lambda in the class, which mentions the list: walked (the same reading).
        ("ops = [a]\nclass Migration:\n    operations = ops + [b]\n    x.append(1)\n"
         "    y = [lambda: 1]\n", _one("a", "b"), "_functions"),
        # Mentioned in a statement without a function: not walked.
        ("ops = [a]\nops.append(b)\ndef f():\n    g(other)\nclass Migration:\n"
         "    operations = ops\n", _one("a", "b"), None),
        # A method of the class that changes the attribute (a lambda in the class too).
        ("class Migration:\n    operations = [a]\n    def __init__(self):\n"
         "        self.operations = []\n        x.append(1)\n",
         "`operations` may be changed by the function at line 3", "_functions"),
        ("class Migration:\n    operations = [a, lambda: self.operations.pop()]\n"
         "    x.append(1)\n",
         "`operations` may be changed by the function at line 2", "_functions"),
        # Methods that mention other attributes only: the same reading, walked anyway.
        ("class Migration:\n    operations = [a]\n    def f(self):\n"
         "        self.operations_x = 1\n        x.append(1)\n", _one("a"), None),
        ("class Migration:\n    operations = [a]\n    # def operations():\n    x.append(1)\n",
         _one("a"), "_functions"),
    ],
    ids=["function", "lambda-first", "under-if", "other-function", "lambda-beside",
         "no-function",
         "method", "lambda-in-class", "other-attribute", "comment"],
)  # fmt: skip
def test_functions_are_walked_when_they_may_mention_the_name(
    source: str, expected: Shown, walked: str | None, walks: list[str]
) -> None:
    assert _variants(source) == expected
    walks.clear()
    _bindings(source).variants("operations")
    assert (walked in walks) if walked else ("_functions" not in walks)


@pytest.mark.parametrize(
    ("source", "expected", "line", "walked"),
    [
        # A statement that reads a list: walked (here, for the call it is passed to).
        ("class Migration:\n    ops = [a]\n    register(ops)\n    operations = ops\n",
         "`operations` is `ops`, passed to `register(...)` (line 3)", 3, True),
        ("class Migration:\n    ops = [a]\n    x = f'{ops}'\n    operations = ops\n"
         "    y.append(1)\n",
         "`operations` is `ops`, used by `f'{ops}'` (line 3)", 3, True),
        # In a decorator (before the line of its ``def``).
        ("ops = [a]\n@register(\n    ops)\nclass Other:\n    pass\nclass Migration:\n"
         "    operations = ops\n    y.append(1)\n",
         "`operations` is `ops`, passed to `register(...)` (line 4)", 4, True),
        # The module's list, read from the class body unless the class binds the name.
        ("ops = [a]\nclass Migration:\n    g(ops)\n    operations = ops\n",
         "`operations` is `ops`, passed to `g(...)` (line 3)", 3, True),
        ("ops = [a]\nclass Migration:\n    ops = (b,)\n    g(ops)\n    operations = ops\n",
         _one("b"), 4, False),
        # The word in a string: walked, and the string is not a read.
        ("class Migration:\n    ops = [a]\n    register(other, 'ops')\n    operations = ops\n",
         _one("a"), 3, True),
        # A statement that does not mention the list, or while no name holds one.
        ("class Migration:\n    ops = [a]\n    register(other)\n    operations = ops\n",
         _one("a"), 3, False),
        ("import os\nregister(os)\nclass Migration:\n    operations = [a]\n    x.append(1)\n",
         _one("a"), 2, False),
    ],
    ids=["call", "f-string", "decorator", "module-list", "shadowed", "in-a-string",
         "elsewhere", "no-list"],
)  # fmt: skip
def test_statements_are_walked_when_they_mention_a_list(
    source: str, expected: Shown, line: int, walked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _variants(source) == expected
    loaded: list[int] = []
    loads = bindings_module._Interpreter._loads

    def recorded(self: bindings_module._Interpreter, node: ast.AST) -> list[ast.Name]:
        loaded.append(getattr(node, "lineno", 0))
        return loads(self, node)

    monkeypatch.setattr(bindings_module._Interpreter, "_loads", recorded)
    _bindings(source).variants("operations")
    assert (line in loaded) is walked


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("ops = [a]\ndef f():\n    global ops\n    ops = []\nclass Migration:\n"
         "    operations = ops\n    x.append(1)\n",
         "`operations` is `ops`, bound by `def` (line 2)"),
        ("ops = [a]\ndef f():\n    ops = []\nclass Migration:\n    operations = ops\n"
         "    x.append(1)\n", _one("a")),
    ],
    ids=["global", "local"],
)  # fmt: skip
def test_global_statements_are_looked_for_when_the_source_has_the_word(
    source: str, expected: Shown
) -> None:
    assert _variants(source) == expected


@pytest.mark.parametrize(
    ("source", "expected", "walked"),
    [
        # The statement that binds the name, mentioning it nowhere else: not walked.
        ("class Migration:\n    operations = [a, b]\n    # operations\n", _one("a", "b"), False),
        ("class Migration:\n    operations = [a]\n    operations.append(b)\n",
         _one("a", "b"), True),
        ("class Migration:\n    operations = [a]\n    operations[0] = b\n",
         "`operations` used by `operations[0] = b` (line 3)", True),
        ("class Migration:\n    operations = [a]\n    operations = x = [f(operations)]\n",
         _one("f(operations)"), True),
        ("ops = [a]\nops.sort()\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, used by `ops.sort()` (line 2)", True),
        ("ops = [a]\nclass Migration:\n    ops.sort()\n    operations = ops\n",
         "`operations` is `ops`, used by `ops.sort()` (line 3)", True),
    ],
    ids=["target-only", "method", "item", "other-target", "module", "module-in-class"],
)  # fmt: skip
def test_statements_are_walked_for_changes_when_they_mention_the_name(
    source: str, expected: Shown, walked: bool, walks: list[str]
) -> None:
    assert _attribute(source) == _attribute(source, spared=False)
    walks.clear()
    _bindings(source).class_attribute("operations")
    assert ("_lines_changing" in walks) is walked
    assert "_changed_in_place" not in walks
    assert _variants(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # In a function, where the name is not the function's own.
        ("ops = [a]\ndef f(ops):\n    ops.pop()\nclass Migration:\n    operations = ops\n",
         ["a"]),
        ("ops = [a]\ndef f():\n    def g(ops):\n        ops.pop()\n    h(x, ops)\n"
         "class Migration:\n    operations = ops\n",
         "`operations` is `ops`, changed in place (line 5)"),
        ("ops = [a]\nx = f'{ops.pop()}'\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, changed in place (line 2)"),
        ("ops = [a]\nx = [f(y), [g(z), ops.sort()]]\nclass Migration:\n    operations = ops\n",
         "`operations` is `ops`, changed in place (line 2)"),
        # Not in a class body's function (its names are not the class body's).
        ("class Migration:\n    operations = [a]\n    def f(self):\n        operations.pop()\n",
         ["a"]),
    ],
    ids=["argument", "nested", "f-string", "deep", "method"],
)  # fmt: skip
def test_a_statement_is_walked_where_it_mentions_the_name(
    source: str, expected: list[str] | str
) -> None:
    assert _attribute(source) == _attribute(source, spared=False) == expected


@pytest.mark.parametrize(
    ("source", "node", "held"),
    [
        ("class Migration:\n    operations = [a, lambda: b]\n", "b", False),
        ("class Migration:\n    operations = [a, [b for c in d]]\n", "b", False),
        ("class Migration:\n    operations = [a, f'{(lambda: b)()}']\n", "b", False),
        ("class Migration:\n    operations = [a('for'), b]\n", "b", True),
        ("class Migration:\n    operations = [a(x for x in y), b]\n", "b", True),
    ],
    ids=["lambda", "comprehension", "f-string", "word-in-string", "beside"],
)  # fmt: skip
def test_lambdas_and_comprehensions_are_found_where_the_source_has_their_word(
    source: str, node: str, held: bool
) -> None:
    for spared in (True, False):
        found = _bindings(source, spared=spared)
        name = next(n for n in ast.walk(found.tree) if isinstance(n, ast.Name) and n.id == node)
        assert (found.holder(name)[0] == "`operations = ...`") is held


def test_a_source_that_is_not_ascii_is_read_by_its_utf8_offsets() -> None:
    source = "x = 'Größe'\nops = [a]\nops.append(c)\ndef f():\n    g(other)\n" + (
        "class Migration:\n    operations = [*ops, 'é', b]\n"
    )
    assert _source_view(source) == source.encode().decode("latin-1")
    assert _variants(source) == _one("a", "c", "'é'", "b")
    assert _variants(source.replace("other", "ops")) == ("`operations` is `[*ops, 'é', b]`")


def test_a_source_whose_names_may_be_spelled_otherwise_is_not_read() -> None:
    # ``\uff4fps`` (a full-width o) is the name ``ops``: the source does not tell where
    # the name is mentioned.
    source = (
        "ops = [a]\ndef f():\n    \uff4fps.append(1)\nclass Migration:\n"
        "    operations = ops + [b]\n"
    )
    assert _source_view(source) is None
    assert _variants(source) == ("`operations` is `ops`, may be changed by the function at line 2")
    assert _source_view(None) is None
    assert _source_view("x = 1\n") == "x = 1\n"


#: What a module's source is searched for before its lists are read as Python runs it
#: (the one pattern the searches of ``_may_change_lists`` stand for).
_ONE_PATTERN = re.compile(
    r"\.\s*(?:append|extend|insert|remove|pop|clear|sort|reverse|__\w+__)\b|\]\s*=[^=]|"
    r"\+=|\*=|^(?:    |\t)?(?:[\w.]+\s*\(|for\b|while\b)",
    re.MULTILINE,
)


@pytest.mark.parametrize(
    "text",
    [
        "", "x = [a]\n", "f(x)\n", "    f(x)\n", "\tf(x)\n", "        f(x)\n", "x = 1\nf(x)\n",
        "x = 1\n    a.b (x)\n", "x = 1\r\nf(x)\r\n", "x = 1\rf(x)\r", "for x in y: pass\n",
        "x = 1\nwhile y: pass\n", "x = 1\nformat = 2\n", "x = 1\n  f(x)\n", "x.append(1)\n",
        "y = x . sort\n", "y = x.sorted\n", "x.__iadd__\n", "x[0] = 1\n", "x[0] == 1\n",
        "x[0] =\n", "x += y\n", "x *= y\n", "x -= y\n", "x = (\n    f(y)\n)\n",
        "x = 1\nf\n(y)\n",
    ],
)  # fmt: skip
def test_the_source_is_searched_as_one_pattern_would(text: str) -> None:
    found = Bindings(ast.parse(""), None, text)._may_change_lists()
    assert found is (_ONE_PATTERN.search(text) is not None)


@pytest.mark.parametrize(
    ("source", "expected", "fast"),
    [
        (DATA_MIGRATION, _one("migrations.RunPython(forwards, lambda a, s: None)"), True),
        ("def f(x):\n    x.append(1)\nclass Migration:\n    operations = (a, b)\n",
         _one("a", "b"), True),
        ("ops = [a]\nclass Migration:\n    operations = [b, ops]\n    ops.append(c)\n",
         _one("b", "ops"), True),
        # Another name for the list, or the list mentioned again: run.
        ("class Migration:\n    operations = ops = [a]\n    ops.append(b)\n",
         _one("a", "b"), False),
        ("class Migration:\n    operations = [a]\n    x = operations\n    x.append(b)\n",
         _one("a", "b"), False),
        ("class Migration:\n    operations = [a]\n    def f(self):\n"
         "        self.operations.append(b)\n",
         "`operations` may be changed by the function at line 3", False),
        # Its elements from another list, or not a literal: run.
        ("ops = [a]\nx = ops\nx.append(b)\nclass Migration:\n    operations = [*ops]\n",
         _one("a", "b"), False),
        ("ops = [a]\nx = ops\nx.append(b)\nclass Migration:\n    operations = ops\n",
         _one("a", "b"), False),
        # Bound twice, under an ``if``, or a class not at the module's top: run.
        ("class Migration:\n    operations = [a]\n    operations += [b]\n    f(x)\n",
         _one("a", "b"), False),
        ("if X:\n    y = 1\nclass Migration:\n    operations = [a]\n    f(x)\n",
         _one("a"), False),
        ("class Migration:\n    if X:\n        y = 1\n    operations = [a]\n    f(x)\n",
         _one("a"), False),
        ("".join(f"if X{i}:\n    y{i} = 1\nelse:\n    y{i} = 2\n" for i in range(5))
         + "class Migration:\n    operations = [a]\n    f(x)\n",
         "`operations` depends on more than 16 ways through the module's `if` statements",
         False),
        ("try:\n    class Migration:\n        operations = [a]\nexcept E:\n    f(x)\n",
         _one(), False),
    ],
    ids=["data-migration", "tuple", "module-list-element", "two-names", "alias",
         "method", "starred", "name", "augmented", "module-if", "class-if", "many-ways",
         "in-try"],
)  # fmt: skip
def test_an_untouched_literal_is_not_run(source: str, expected: Shown, fast: bool) -> None:
    tree = ast.parse(source)
    cls = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))
    found = Bindings(tree, cls, source)
    assert found._fresh_and_untouched("operations") is fast
    assert _shown(found.variants("operations")) == expected
    assert _shown(bindings_module._Interpreter(found).attribute("operations")) == expected
