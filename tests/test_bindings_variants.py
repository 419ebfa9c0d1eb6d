"""The values ``Migration.operations`` may hold once the module has run, as Python runs it
(migration_fixer.bindings.Bindings.variants): lists changed in place in straight-line code,
one value per way through the ``if`` statements, and what stays unknown, with why."""

from __future__ import annotations

import ast

import pytest

from migration_fixer.bindings import MAX_VARIANTS, Bindings, Unknown


def _variants(source: str) -> list[tuple[list[str], list[tuple[int, bool]]]] | str | None:
    tree = ast.parse(source)
    classes = [s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == "Migration"]
    found = Bindings(tree, classes[-1] if classes else None, source).variants("operations")
    if isinstance(found, Unknown):
        return found.reason
    if found is None:
        return None
    return [([ast.unparse(e) for e in v.elements], list(v.branches)) for v in found]


def _one(*elements: str) -> list[tuple[list[str], list[tuple[int, bool]]]]:
    return [(list(elements), [])]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("class Migration:\n    operations = [a]\n    operations.append(b)\n", _one("a", "b")),
        ("class Migration:\n    operations = [a]\n    operations.extend([b, c])\n",
         _one("a", "b", "c")),
        ("class Migration:\n    operations = [a]\n    operations.extend((b,))\n", _one("a", "b")),
        ("class Migration:\n    operations = [a, c]\n    operations.insert(1, b)\n",
         _one("a", "b", "c")),
        ("class Migration:\n    operations = [a, c]\n    operations.insert(-1, b)\n",
         _one("a", "b", "c")),
        ("class Migration:\n    operations = [a]\n    operations.append(b)\n"
         "    operations += [c]\n", _one("a", "b", "c")),
        ("class Migration:\n    operations = [a]\n    operations.append(b)\n"
         "    operations = operations + [c]\n", _one("a", "b", "c")),
        ("class Migration:\n    operations = (a,)\n    operations += (b,)\n"
         "    if X:\n        operations = operations + (c,)\n",
         [(["a", "b", "c"], [(4, True)]), (["a", "b"], [(4, False)])]),
        # One list, two names: a change through one is seen through the other.
        ("ops = [a]\nclass Migration:\n    operations = ops\nops.append(b)\n", _one("a", "b")),
        ("class Migration:\n    ops = [a]\n    operations = x = ops\n    x.append(b)\n",
         _one("a", "b")),
        # ``+`` makes a new list: later changes to the old one are not seen.
        ("class Migration:\n    ops = [a]\n    operations = ops + []\n    ops.append(b)\n",
         _one("a")),
        # ``ops += ...`` in the class body reads the module's list and extends it.
        ("ops = [a]\nclass Migration:\n    ops.append(b)\n    ops += [c]\n    operations = ops\n",
         _one("a", "b", "c")),
        # Statements that change nothing the operations hold.
        ("x: int\nclass Migration:\n    '''Doc.'''\n    operations = []\n    pass\n"
         "    operations.append(a)\n    print(x)\n    y = other\n    y.append(1)\n", _one("a")),
    ],
    ids=["append", "extend", "extend-tuple", "insert", "insert-negative", "added",
         "concatenated", "tuple", "module-alias", "class-alias", "copy", "class-augmented",
         "unrelated"],
)  # fmt: skip
def test_straight_line_changes_are_evaluated(
    source: str, expected: list[tuple[list[str], list[tuple[int, bool]]]]
) -> None:
    assert _variants(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("class Migration:\n    if X:\n        operations = [a]\n    else:\n"
         "        operations = [b]\n",
         [(["a"], [(2, True)]), (["b"], [(2, False)])]),
        # No ``else``: the base class's empty list.
        ("class Migration:\n    if X:\n        operations = [a]\n",
         [(["a"], [(2, True)]), ([], [(2, False)])]),
        ("class Migration:\n    operations = [a]\n    if X:\n        operations.append(b)\n",
         [(["a", "b"], [(3, True)]), (["a"], [(3, False)])]),
        # Branches that end up the same are one variant.
        ("class Migration:\n    operations = [a]\n    if X:\n        deps = [1]\n"
         "    operations.append(b)\n", _one("a", "b")),
        ("if X:\n    OPS = [a]\nelse:\n    OPS = [b]\n\n\nclass Migration:\n    operations = OPS\n",
         [(["a"], [(1, True)]), (["b"], [(1, False)])]),
        ("class Migration:\n    operations = []\n    if X:\n        if Y:\n"
         "            operations.append(a)\n",
         [(["a"], [(3, True), (4, True)]), ([], [])]),
    ],
    ids=["if-else", "if", "append-in-if", "merged", "module-if", "nested"],
)  # fmt: skip
def test_each_way_through_the_ifs(
    source: str, expected: list[tuple[list[str], list[tuple[int, bool]]]]
) -> None:
    assert _variants(source) == expected


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("class Migration:\n    operations = []\n    if X:\n        prepare(operations)\n",
         "`operations` passed to `prepare(...)` (line 4)"),
        ("class Migration:\n    operations = []\n    extra = []\n    if X:\n"
         "        prepare(extra, operations)\n",
         "`operations` passed to `prepare(...)` (line 5)"),
        ("class Migration:\n    operations = []\n    if X:\n        operations.append(a)\n"
         "    x = len(operations)\n", "`operations` passed to `len(...)` (line 5)"),
        ("class Migration:\n    operations = []\n    if X:\n        operations.append(a)\n"
         "    for op in operations:\n        op.x = 1\n",
         "`operations` used by `for ... in operations: ...` (line 5)"),
        ("class Migration:\n    operations = []\n    if check(*operations):\n"
         "        operations.append(a)\n",
         "`operations` passed to `check(...)` (line 3)"),
        ("class Migration:\n    operations = []\n    if operations:\n"
         "        operations.append(a)\n",
         "`operations` used by `operations` (line 3)"),
        ("ops = []\nclass Migration:\n    operations = ops\n    if X:\n        ops.append(a)\n"
         "def f():\n    ops.append(1)\n",
         "`operations` is `ops`, may be changed by the function at line 6"),
        ("class Migration:\n    operations = []\n    if X:\n        operations.append(a)\n"
         "    def __init__(self, *args):\n        self.operations.append(1)\n",
         "`operations` may be changed by the function at line 5"),
        ("class Migration:\n    operations = [a]\n    if X:\n        operations.remove(a)\n",
         "`operations` used by `operations.remove(a)` (line 4)"),
        ("class Migration:\n    operations = [a]\n    if X:\n        operations.insert(i, b)\n",
         "`operations` used by `operations.insert(i, b)` (line 4)"),
        ("class Migration:\n    operations = [a]\n    if X:\n        operations.append(*b)\n",
         "`operations` used by `operations.append(*b)` (line 4)"),
        ("class Migration:\n    operations = [a]\n    if X:\n        operations.append(b, c)\n",
         "`operations` used by `operations.append(b, c)` (line 4)"),
        ("class Migration:\n    operations = [a]\n    if X:\n        operations.extend(more())\n",
         "`operations` extended by a value that is `more()` (line 4)"),
        ("class Migration:\n    operations = [a]\n    if X:\n        operations.extend(more())\n"
         "        operations.append(b)\n",
         "`operations` extended by a value that is `more()` (line 4)"),
        ("class Migration:\n    operations = [a]\n    if X:\n        operations += more()\n",
         "`operations` extended by a value that is `more()` (line 4)"),
        ("class Migration:\n    operations = (a,)\n    operations.append(b)\n",
         "`operations` is a tuple: `operations.append(...)` fails (line 3)"),
        ("class Migration:\n    operations = [a]\n    if X:\n        operations -= [a]\n",
         "`operations` changed by `operations -= ...` (line 4)"),
        ("class Migration:\n    operations = ()\n    if X:\n        operations *= 2\n",
         "`operations` changed by `operations *= ...` (line 4)"),
        ("class Migration:\n    operations = (a,)\n    if X:\n        operations += [b]\n",
         "`operations` is `operations += [b]` (line 4)"),
        ("class Migration:\n    operations = more()\n    if X:\n        operations += [b]\n",
         "`operations` is `more()`"),
        ("class Migration:\n    if X:\n        operations += [b]\n",
         "`operations` not bound before line 3"),
        ("class Migration:\n    if X:\n        operations = [a] + (b,)\n",
         "`operations` is `[a] + (b,)`, a list added to a tuple"),
        ("class Migration:\n    if X:\n        operations = [*a]\n", "`operations` is `[*a]`"),
        ("class Migration:\n    if X:\n        operations = more() + [a]\n",
         "`operations` is `more()`"),
        ("class Migration:\n    if X:\n        operations = [a] + more()\n",
         "`operations` is `more()`"),
        ("class Migration:\n    ops = [a]\n    f(ops)\n    if X:\n        operations = ops + [b]\n",
         "`operations` is `ops`, passed to `f(...)` (line 3)"),
        ("class Migration:\n    if X:\n        operations = ops\n",
         "`operations` is `ops`, not bound before line 3"),
        ("from x import ops\nclass Migration:\n    if X:\n        operations = ops\n",
         "`operations` is `ops`, bound by an import (line 1)"),
        ("class Migration:\n    if X:\n        operations, x = [a], 1\n",
         "`operations` bound by unpacking (line 3)"),
        ("class Migration:\n    operations = [a]\n    if X:\n        operations[0] = b\n",
         "`operations` used by `operations[0] = b` (line 4)"),
        ("class Migration:\n    operations = [a]\n    if X:\n        for operations in y:\n"
         "            pass\n", "`operations` bound conditionally (line 4)"),
        ("class Migration:\n    if X:\n        operations = [a]\n    del operations\n",
         "`operations` deleted by `del` (line 4)"),
    ],
)  # fmt: skip
def test_what_stays_unknown(source: str, reason: str) -> None:
    assert _variants(source) == reason


def test_ifs_whose_branches_only_tell_together() -> None:
    # Each value comes from two ways through that share no branch: no `if` alone says.
    source = (
        "A = [a]\nB = [b]\n"
        "class Migration:\n"
        "    if X:\n        one, two = A, B\n    else:\n        one, two = B, A\n"
        "    if Y:\n        operations = one\n    else:\n        operations = two\n"
    )
    assert (
        _variants(
            source.replace("one, two = A, B", "one = A\n        two = B").replace(
                "one, two = B, A", "one = B\n        two = A"
            )
        )
        == "`operations` depends on the `if` statements at lines 4, 10 together"
    )


def test_too_many_ways_through() -> None:
    ifs = "".join(f"    if X{i}:\n        operations.append({i})\n" for i in range(5))
    source = f"class Migration:\n    operations = []\n{ifs}"
    assert _variants(source) == (
        f"`operations` depends on more than {MAX_VARIANTS} ways through the module's `if` "
        "statements"
    )


def test_not_bound_or_bound_plainly() -> None:
    assert _variants("class Migration:\n    dependencies = []\n") is None
    assert _variants("class Migration:\n    operations = [a]\n") == _one("a")


def test_holder_of_an_operation_in_a_branch() -> None:
    source = (
        "if X:\n    OPS = [f(1)]\n"
        "class Migration:\n"
        "    if connection.vendor == 'postgresql':\n"
        "        operations = [f(2), g(lambda: f(3))]\n"
        "    for x in y:\n        f(4)\n"
    )
    tree = ast.parse(source)
    cls = next(s for s in tree.body if isinstance(s, ast.ClassDef))
    bindings = Bindings(tree, cls, source)
    calls = {ast.unparse(n): n for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert bindings.holder(calls["f(1)"]) == ("under `if X: ...` (line 1)", False)
    assert bindings.holder(calls["f(2)"]) == (
        "under `if connection.vendor == 'postgresql': ...` (line 4)",
        True,
    )
    outside = ("a statement outside the class body and the module's", False)
    assert bindings.holder(calls["f(3)"]) == outside
    assert bindings.holder(calls["f(4)"]) == outside


def test_the_first_reason_is_kept_and_definitions_are_named() -> None:
    source = (
        "class Migration:\n    operations = [a]\n    if X:\n        prepare(operations)\n"
        "        operations -= [a]\n"
    )
    assert _variants(source) == "`operations` passed to `prepare(...)` (line 4)"
    used = (
        "class Migration:\n    operations = [a]\n    operations.append(b)\n"
        "    def f(self):\n        return operations\n"
    )
    assert _variants(used) == "`operations` used by `def f` (line 4)"


def test_without_the_source_the_module_is_run() -> None:
    source = "class Migration:\n    operations = [a]\n"
    tree = ast.parse(source)
    cls = tree.body[0]
    assert isinstance(cls, ast.ClassDef)
    found = Bindings(tree, cls, None).variants("operations")
    assert isinstance(found, list)
    assert [[ast.unparse(e) for e in v.elements] for v in found] == [["a"]]


def test_holder_of_nodes_outside_any_branch() -> None:
    source = "class Migration(Base):\n    [f(1)]\n"
    tree = ast.parse(source)
    cls = tree.body[0]
    assert isinstance(cls, ast.ClassDef)
    bindings = Bindings(tree, cls, source)
    outside = ("a statement outside the class body and the module's", False)
    assert bindings.holder(cls.bases[0]) == outside
    assert bindings.holder(ast.Name("nowhere")) == outside
    statement = cls.body[0]
    assert isinstance(statement, ast.Expr)
    assert bindings.holder(statement.value) == ("`[f(1)]`", True)


def test_a_literal_list_in_a_branch_is_what_it_says() -> None:
    source = (
        "class Migration:\n"
        "    if X:\n"
        "        operations = [g(state_operations=[f(1)], database_operations=[*more])]\n"
    )
    tree = ast.parse(source)
    cls = tree.body[0]
    assert isinstance(cls, ast.ClassDef)
    bindings = Bindings(tree, cls, source)
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "g")
    state, database = (k.value for k in call.keywords)
    found = bindings.elements(state, "`state_operations`")
    assert isinstance(found, list)
    assert [ast.unparse(e) for e in found] == ["f(1)"]
    assert bindings.elements(database, "`database_operations`") == Unknown(
        "`database_operations` is `[*more]`"
    )


def test_a_loop_over_the_operations_may_change_them() -> None:
    source = "class Migration:\n    operations = [a]\n    for op in operations:\n        op.x = 1\n"
    assert _variants(source) == "`operations` used by `for ... in operations: ...` (line 3)"


@pytest.mark.parametrize(
    ("method", "changed"),
    [
        ("self.operations = [b]", True),
        ("self.operations.append(b)", True),
        ("self.operations[0] = b", True),
        ("self.operations += [b]", True),
        ("del self.operations", True),
        ("for op in self.operations:\n            op.state_forwards(x)", False),
        ("self.other.append(b)", False),
        ("operations.append(b)", False),
    ],
)
def test_methods_that_change_the_class_attribute(method: str, changed: bool) -> None:
    source = (
        "class Migration:\n    operations = [a]\n    if X:\n        operations.append(c)\n"
        f"    def apply(self, *args):\n        {method}\n"
    )
    reason = "`operations` may be changed by the function at line 5"
    assert (_variants(source) == reason) is changed
