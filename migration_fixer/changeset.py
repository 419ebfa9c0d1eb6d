"""The ChangeSet (what a run would change) and the safety check every change passes.

Verification, black's safety check adapted: the new source must parse and compile, use
no name its own imports do not bind that the original did not use already, the
findings that were fixed must be gone when the rules run on it again, and its ``ast``
must equal the original's with the same edits applied independently on the ``ast``
(so the libcst rewrite and this check are two implementations that have to agree).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from migration_fixer import newer_syntax
from migration_fixer.dotted_names import introduced_names
from migration_fixer.migration_ast import char_column, split_lines
from migration_fixer.rule import (
    AddArgument,
    AddImport,
    AppendElement,
    Edit,
    Finding,
    InsertStatements,
    NewFile,
    ReplaceArgument,
    ReplaceElement,
)

if TYPE_CHECKING:  # libcst is imported only to rewrite
    from migration_fixer.rewrite import Splice


@dataclass(frozen=True)
class FileChange:
    path: Path
    old_text: str
    new_text: str
    encoding: str = "utf-8"
    bom: bool = False
    cr: bool = False  # CR-only line endings (see source.SourceFile)


@dataclass(frozen=True)
class ChangeSet:
    """A pure value: modified files and new files. Writers, diffs and reports consume it."""

    changes: tuple[FileChange, ...] = ()
    new_files: tuple[NewFile, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changes or self.new_files)


class VerificationError(Exception):
    pass


def verify(
    old_tree: ast.Module,
    old_text: str,
    new_text: str,
    edits: Sequence[Edit],
    rescan: Callable[[str, ast.Module], list[Finding]],
    fixed: Sequence[Finding],
    splices: Sequence[Splice] | None = None,
) -> None:
    """Raise :class:`VerificationError` unless ``new_text`` is exactly the intended fix.

    With ``splices`` (the statements the rewrite replaced, the rest of the text being the
    same by construction) each replaced group of statements is compiled and compared
    alone, and the new module's tree is the old one with those statements replaced:
    the cost follows the size of the edit, not of the file."""
    if splices is None:
        new_tree = _compiled(new_text)
        compared = [(old_text, new_tree, edits)]
    else:
        pieces = [(splice, _compiled(splice.source(splice.new))) for splice in splices]
        compared = [(splice.source(splice.old), piece, splice.edits) for splice, piece in pieces]
        new_tree = _spliced(old_tree, new_text, pieces)
    introduced = introduced_names(old_tree, new_tree)
    if introduced:
        raise VerificationError(
            f"the fix uses {', '.join(sorted(introduced))}, which the file does not import"
        )
    remaining = {(f.code, f.message) for f in rescan(new_text, new_tree) if f.fixable}
    still = [f for f in fixed if (f.code, f.message) in remaining]
    if still:
        raise VerificationError(f"the fix did not remove {still[0].code}: {still[0].message}")
    for old, new, applied in compared:
        _compare(old, new, applied)


def _compiled(text: str) -> ast.Module:
    try:
        tree = newer_syntax.parse(text)
        compile(tree, "<fixed>", "exec")
    except (SyntaxError, ValueError) as exc:
        raise VerificationError(f"the fixed source does not compile: {exc}") from exc
    return tree


def _compare(old_text: str, new_tree: ast.Module, edits: Sequence[Edit]) -> None:
    expected, added_imports = apply_to_ast(new_tree, old_text, edits)
    if _imported_names(new_tree) != _imported_names(expected) | added_imports or _dump(
        expected
    ) != _dump(new_tree):
        raise VerificationError("the fixed source differs from the intended edit")


def _spliced(
    old_tree: ast.Module, new_text: str, pieces: Sequence[tuple[Splice, ast.Module]]
) -> ast.Module:
    """The new module's ``ast``: the old statements, with the replaced ones swapped for
    the new pieces (parsed anew when a piece changed the line count of statements that
    follow it, or when a piece is elements of a list: the old tree is shared with the
    history replay and stays unchanged)."""
    if any(splice.in_list for splice, _ in pieces):
        return newer_syntax.parse(new_text)
    body: list[ast.stmt] = []
    position = 0
    for splice, piece in pieces:
        while position < len(old_tree.body) and old_tree.body[position].lineno < splice.first:
            body.append(old_tree.body[position])
            position += 1
        while position < len(old_tree.body) and old_tree.body[position].lineno <= splice.last:
            position += 1
        shift = len(split_lines(splice.new)) - len(split_lines(splice.old))
        if shift and position < len(old_tree.body):
            return newer_syntax.parse(new_text)
        ast.increment_lineno(piece, splice.first - 1)
        body.extend(piece.body)
    body.extend(old_tree.body[position:])
    return ast.Module(body=body, type_ignores=[])


#: An import as (module, imported name or None, alias or None).
_ImportedName = tuple[str, "str | None", "str | None"]


def _imported_names(tree: ast.Module) -> set[_ImportedName]:
    """The top-level imports as (module, name, alias) triples, whatever their grouping."""
    names: set[_ImportedName] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            names.update((a.name, None, a.asname) for a in stmt.names)
        elif isinstance(stmt, ast.ImportFrom):
            module = "." * stmt.level + (stmt.module or "")
            names.update((module, a.name, a.asname) for a in stmt.names)
    return names


def _dump(tree: ast.Module) -> str:
    """Dump everything but the top-level imports (compared as a set)."""
    return "\n".join(
        ast.dump(s) for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))
    )


def apply_to_ast(
    tree: ast.Module, text: str, edits: Sequence[Edit]
) -> tuple[ast.Module, set[_ImportedName]]:
    """The same edits as :mod:`migration_fixer.rewrite`, applied to a copy of the ``ast``.

    Returns the edited tree and the imports the edits add.
    """
    added: set[_ImportedName] = set()
    # A fresh tree from the text: the same as a deep copy, without its recursion limit.
    tree = newer_syntax.parse(text)
    lines = split_lines(text)
    calls: dict[tuple[int, int], ast.Call] = {}
    containers: dict[tuple[int, int], tuple[ast.List | ast.Tuple, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls[(node.lineno, char_column(lines, node.lineno, node.col_offset))] = node
        if isinstance(node, (ast.List, ast.Tuple)):
            for index, element in enumerate(node.elts):
                key = (element.lineno, char_column(lines, element.lineno, element.col_offset))
                containers[key] = (node, index)
    replacements: list[tuple[ast.List | ast.Tuple, int, list[ast.expr]]] = []
    for edit in edits:
        if isinstance(edit, (AddArgument, ReplaceArgument)) and edit.literal is not None:
            _check_literal(edit.value, edit.literal)
        if isinstance(edit, AddArgument):
            call = calls[(edit.line, edit.column)]
            position = max(0, edit.after + 1 - len(call.args))
            call.keywords.insert(position, ast.keyword(arg=edit.keyword, value=_expr(edit.value)))
        elif isinstance(edit, ReplaceArgument):
            call = calls[(edit.line, edit.column)]
            if edit.index < len(call.args):
                call.args[edit.index] = _expr(edit.value)
            else:
                call.keywords[edit.index - len(call.args)].value = _expr(edit.value)
        elif isinstance(edit, ReplaceElement):
            container, index = containers[(edit.line, edit.column)]
            replacements.append((container, index, [_expr(s) for s in edit.elements]))
        elif isinstance(edit, AppendElement):
            container, _ = _container_at(tree, lines, edit.line, edit.column)
            container.elts.append(_expr(edit.element))
        elif isinstance(edit, InsertStatements):
            index = next(
                i
                for i, stmt in enumerate(tree.body)
                if isinstance(stmt, ast.ClassDef) and stmt.name == "Migration"
            )
            tree.body[index:index] = ast.parse(edit.source).body
        else:
            assert isinstance(edit, AddImport)
            added.add((edit.module, edit.name, edit.alias))
    # Replace from the last element backwards so earlier indices stay valid.
    for container, index, elements in sorted(replacements, key=lambda r: -r[1]):
        container.elts[index : index + 1] = elements
    return tree, added


def _container_at(
    tree: ast.Module, lines: list[str], line: int, column: int
) -> tuple[ast.List | ast.Tuple, int]:
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.List, ast.Tuple))
            and node.lineno == line
            and char_column(lines, node.lineno, node.col_offset) == column
        ):
            return node, 0
    raise VerificationError(f"no list at {line}:{column + 1}")


def _expr(source: str) -> ast.expr:
    return ast.parse(source.strip(), mode="eval").body


def _check_literal(source: str, intended: str | tuple[str, ...]) -> None:
    """The value a written string (or list of strings) has is the one the rule meant: a
    spelling that re-reads differently (a backslash taken as an escape) is caught here,
    which comparing two parses of the same text cannot do."""
    try:
        value = ast.literal_eval(source.strip())
    except (ValueError, SyntaxError) as exc:
        raise VerificationError(f"the written value is not a literal: {source}") from exc
    if isinstance(intended, tuple):
        value = tuple(value) if isinstance(value, list) else value
    if value != intended:
        raise VerificationError(f"the written value {value!r} differs from {intended!r}")
