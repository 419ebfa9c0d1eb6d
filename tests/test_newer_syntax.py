"""Syntax of a newer Python read on this one: PEP 758's ``except A, B:``, positions kept."""

from __future__ import annotations

import ast

import pytest

from migration_fixer.newer_syntax import parse

PEP_758 = "try:\n    pass\nexcept ValueError, TypeError: x = 1\n"
PARENTHESIZED = "try:\n    pass\nexcept (ValueError, TypeError): x = 1\n"


def _positions(tree: ast.AST) -> list[tuple[str, int, int, int | None, int | None]]:
    return [
        (type(n).__name__, n.lineno, n.col_offset, n.end_lineno, n.end_col_offset)
        for n in ast.walk(tree)
        if isinstance(n, (ast.expr, ast.stmt, ast.excepthandler))
    ]


def test_pep_758_is_read_with_its_positions() -> None:
    tree = parse(PEP_758)
    handler = tree.body[0].handlers[0]  # type: ignore[attr-defined]
    assert ast.dump(handler) == ast.dump(ast.parse(PARENTHESIZED).body[0].handlers[0])  # type: ignore[attr-defined]
    assert _positions(handler) == [
        ("ExceptHandler", 3, 0, 3, 35),
        ("Tuple", 3, 6, 3, 28),
        ("Assign", 3, 30, 3, 35),
        ("Name", 3, 7, 3, 17),
        ("Name", 3, 19, 3, 28),
        ("Name", 3, 30, 3, 31),
        ("Constant", 3, 34, 3, 35),
    ]


def test_except_star_and_several_clauses() -> None:
    source = (
        "try:\n    pass\nexcept* (A), B.c:\n    pass\n"
        "try:\n    pass\nexcept A, B:\n    pass\nexcept (C, D) as e:\n    pass\n"
        "except E:\n    pass\n"
    )
    tree = parse(source)
    assert ast.unparse(tree) == ast.unparse(
        ast.parse(source.replace("* (A), B.c:", "* ((A), B.c):").replace("A, B:", "(A, B):"))
    )
    names = [(n.id, n.col_offset) for n in ast.walk(tree) if isinstance(n, ast.Name)]
    assert ("A", 9) in names
    assert ("B", 13) in names


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("try:\n    pass\nexcept A, B as e:\n    pass\n", "multiple exception types"),
        ("try:\n    pass\nexcept(A), B:\n    pass\n", "multiple exception types"),
        ("x = (\n", "was never closed"),
        ("try:\n    pass\nexcept A, B:\n    pass\nx = = 1\n", "multiple exception types"),
        ("def f(:\n    pass\n", "invalid syntax"),
    ],
)
def test_other_errors_are_the_parsers_own(source: str, message: str) -> None:
    with pytest.raises(SyntaxError) as error:
        parse(source, "m.py")
    assert message in str(error.value.msg)
    assert error.value.filename == "m.py"
