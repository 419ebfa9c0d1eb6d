"""The plainest migrations' operations, told from the class body alone
(migration_fixer.bindings.Bindings._plain_literal): the same value as the full reading of the
module's bindings, which each case below also asks for."""

from __future__ import annotations

import ast

import pytest

from migration_fixer.bindings import Bindings, Unknown

_PLAIN = "class Migration:\n    dependencies = []\n    operations = [a(), b.c(x=1), [d()]]\n"


def _bindings(source: str) -> Bindings:
    tree = ast.parse(source)
    classes = [s for s in ast.walk(tree) if isinstance(s, ast.ClassDef)]
    return Bindings(tree, classes[-1] if classes else None, source)


def _shown(found: object) -> object:
    if isinstance(found, Unknown):
        return found.reason
    if isinstance(found, list):
        return [([ast.unparse(e) for e in v.elements], v.branches) for v in found]
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (_PLAIN, ["a()", "b.c(x=1)", "[d()]"]),
        ("class Migration:\n    operations = (a(),)\n", ["a()"]),
        ("class Migration:\n    operations = []\n", []),
        ("class Migration:\n    operations = [a()]\n# é\n", ["a()"]),
        # Not told here: the full reading says.
        ("operations = 1\n", None),
        ("class Migration:\n    operations = [a()]\n    operations.append(b())\n", None),
        ("class Migration:\n    # the operations\n    operations = [a()]\n", None),
        ("class Migration:\n    # the operations\n    operations = [a()]\n# é\n", None),
        ("class Migration:\n    operations = [a(), *b]\n", None),
        ("class Migration:\n    operations = [a(), b]\n", None),
        ("class Migration:\n    operations = x = [a()]\n", None),
        ("class Migration:\n    operations: list = [a()]\n", None),
        ("class Migration:\n    operations = a()\n", None),
        ("class Migration:\n    operation = [a()]\n", None),
        ("if X:\n    y = 1\nclass Migration:\n    operations = [a()]\n", None),
        ("class Migration:\n    if X:\n        y = 1\n    operations = [a()]\n", None),
        ("def f():\n    class Migration:\n        operations = [a()]\n", None),
        # A character that Python reads as an ASCII one in a name: the text is not used.
        ("class Migration:\n    operations = [a()]\n# ﬁ\n", None),
    ],
)
def test_plain_literal_agrees_with_the_full_reading(
    source: str, expected: list[str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bindings = _bindings(source)
    plain = bindings._plain_literal("operations")
    assert (None if plain is None else [ast.unparse(e) for e in plain]) == expected
    fast = _shown(bindings.variants("operations"))
    monkeypatch.setattr(Bindings, "_plain_literal", lambda self, name: None)
    assert _shown(_bindings(source).variants("operations")) == fast


def test_plain_literal_reads_no_binding() -> None:
    bindings = _bindings(_PLAIN)
    found = bindings.variants("operations")
    assert isinstance(found, list)
    assert [[ast.unparse(e) for e in v.elements] for v in found] == [["a()", "b.c(x=1)", "[d()]"]]
    assert bindings._sites == {}


def test_plain_literal_needs_the_text() -> None:
    tree = ast.parse(_PLAIN)
    cls = tree.body[0]
    assert isinstance(cls, ast.ClassDef)
    assert Bindings(tree, cls, None)._plain_literal("operations") is None
    assert Bindings(tree, None, _PLAIN)._plain_literal("operations") is None
