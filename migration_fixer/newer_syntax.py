"""Syntax of a newer Python than the one running, read without it.

Python 3.14 accepts ``except A, B:`` (PEP 758: several exception types without
parentheses, when there is no ``as``); older interpreters' ``ast`` refuses the whole file,
although libcst, which rewrites it, reads it. For such a file :func:`parse` returns the
tree of the same code with those tuples parenthesized, the way older Pythons spell them:
the tree Python 3.14 builds, with every position kept (the ``(`` takes the place of the
space after ``except``, and the nodes after the inserted ``)`` are moved back by one).

Any other syntax error is ``ast.parse``'s own.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass


@dataclass(frozen=True)
class _Closing:
    """A ``)`` inserted before the colon at (line, UTF-8 byte column)."""

    line: int
    column: int


def parse(text: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(text, filename)``; where it fails only on PEP 758's ``except A, B:``,
    the tree of the code with the tuples parenthesized, positions kept."""
    try:
        return ast.parse(text, filename=filename)
    except SyntaxError as exc:
        rewritten = _parenthesized(text)
        if rewritten is None:
            raise
        normalized, closings = rewritten
        try:
            tree = ast.parse(normalized, filename=filename)
        except SyntaxError:
            raise exc from None
        _move_back(tree, closings)
        return tree


def _parenthesized(text: str) -> tuple[str, list[_Closing]] | None:
    """``text`` with each ``except A, B:`` written ``except(A, B):`` (None: there is none,
    or the text cannot be tokenized, or one cannot be rewritten in place)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    lines = text.splitlines(keepends=True)
    edits: list[tuple[tuple[int, int], tuple[int, int]]] = []  # (space, colon) positions
    for index, token in enumerate(tokens):
        # ``except`` is a keyword: it starts an except clause wherever it is.
        if token.type == tokenize.NAME and token.string == "except":
            found = _bare_tuple(tokens, index)
            if found is not None:
                edits.append(found)
    if not edits:
        return None
    closings: list[_Closing] = []
    for (space_line, space_col), (colon_line, colon_col) in reversed(edits):
        line = lines[space_line - 1]
        if line[space_col] not in " \t":
            return None
        lines[space_line - 1] = line[:space_col] + "(" + line[space_col + 1 :]
        line = lines[colon_line - 1]
        lines[colon_line - 1] = line[:colon_col] + ")" + line[colon_col:]
        closings.append(_Closing(colon_line, len(line[:colon_col].encode("utf-8"))))
    return "".join(lines), closings


def _bare_tuple(
    tokens: list[tokenize.TokenInfo], index: int
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """For the ``except`` at ``tokens[index]``: where the space after it (or after
    ``except*``) and the clause's colon are, when its types are a tuple without
    parentheses and there is no ``as``."""
    position = index + 1
    keyword_end = tokens[index].end
    if tokens[position].type == tokenize.OP and tokens[position].string == "*":
        keyword_end = tokens[position].end
        position += 1
    depth = 0
    comma = False
    # The tokenizer ends every logical line with a NEWLINE: the clause ends before it.
    following = iter(tokens[position:])
    token = next(following)
    while token.type != tokenize.NEWLINE and not (depth == 0 and token.string == "as"):
        if token.type == tokenize.OP:
            depth += token.string in "([{"
            depth -= token.string in ")]}"
            comma = comma or (depth == 0 and token.string == ",")
            if depth == 0 and token.string == ":":
                return (keyword_end, token.start) if comma else None
        token = next(following)
    return None  # ``as`` needs the parentheses on every Python


def _move_back(tree: ast.Module, closings: list[_Closing]) -> None:
    """Put the nodes after each inserted ``)`` back where they are in the file."""
    after = {(c.line, c.column) for c in closings}
    by_line: dict[int, list[int]] = {}
    for line, column in after:
        by_line.setdefault(line, []).append(column)
    for node in ast.walk(tree):
        if not isinstance(node, (ast.expr, ast.stmt, ast.excepthandler)):
            continue
        if node.lineno in by_line:
            node.col_offset -= sum(1 for c in by_line[node.lineno] if node.col_offset > c)
        end_line, end_column = node.end_lineno, node.end_col_offset
        if end_line in by_line and end_column is not None:
            node.end_col_offset = end_column - sum(1 for c in by_line[end_line] if end_column > c)
