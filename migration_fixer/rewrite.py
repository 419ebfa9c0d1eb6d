"""Apply a fix's edits with libcst: a lossless rewrite that keeps every byte outside them.

libcst is imported here only, and only files that have something to fix are parsed with
it. Calls are found by their start position, which the rules took from the ``ast``.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import io
import itertools
import re
import sys
import threading
import tokenize
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from migration_fixer import newer_syntax
from migration_fixer.layout import DEFAULT_LINE_LENGTH, reflow_line, split_string, str_width
from migration_fixer.migration_ast import line_starts, split_lines
from migration_fixer.rule import (
    AddArgument,
    AddImport,
    AppendElement,
    Edit,
    InsertStatements,
    ReplaceArgument,
    ReplaceElement,
)

_Whitespace = cst.BaseParenthesizableWhitespace


class RewriteError(Exception):
    """An edit could not be applied (the source did not have the expected shape)."""


@dataclass(frozen=True)
class Splice:
    """Lines ``first``..``last`` (1-based, inclusive) of the old text, ``old``, replaced
    by ``new``: whole top-level statements, or whole elements of a list, so that each can
    be verified alone."""

    first: int
    last: int
    old: str
    new: str
    #: The edits applied here, their lines counted from ``first`` (from the line before
    #: it when ``in_list``).
    edits: tuple[Edit, ...]
    #: ``old`` is whole elements of a list, not statements: it is read as the content of
    #: a list display (:meth:`source`).
    in_list: bool = False

    def source(self, text: str) -> str:
        """``text`` (``old`` or ``new``) as a module to parse."""
        if not self.in_list:
            return text
        opening, closing = _list_display(self.old)
        return opening + text + closing


@dataclass(frozen=True)
class Rewrite:
    text: str
    #: What was replaced (None: anything may have changed, verify the whole text).
    splices: tuple[Splice, ...] | None


#: libcst's native parser recurses once per level of nesting (a chain of ``and``/``+``
#: included: 8,000 terms overflow an 8 MB stack, SIGSEGV). It runs in a thread with a
#: known stack, and never on a statement nested deeper than this.
MAX_DEPTH = 1000
_STACK_SIZE = 64 * 1024 * 1024


def apply_edits(
    text: str,
    edits: Sequence[Edit],
    tree: ast.Module | None = None,
    line_length: int | None = DEFAULT_LINE_LENGTH,
) -> str:
    """Return ``text`` with ``edits`` applied."""
    return rewrite(text, edits, tree, line_length).text


def rewrite(
    text: str,
    edits: Sequence[Edit],
    tree: ast.Module | None = None,
    line_length: int | None = DEFAULT_LINE_LENGTH,
) -> Rewrite:
    """Apply ``edits`` to the top-level statements they touch, each group of them parsed
    and rewritten with libcst alone and spliced back: the cost follows the size of the
    edit, not of the file (a 5 MB data list beside ``class Migration`` is never given to
    libcst). An argument added to (or replaced in) an operation that has its lines to
    itself in a list is made on those lines alone: the operations of a squashed
    migration, 300 kB in one ``class Migration``, are not parsed for one of them.
    ``tree`` is ``text``'s ``ast``, when the caller has it. A line an edit makes longer
    than ``line_length`` is split as black splits it (None: never)."""
    if not edits:
        return Rewrite(text, ())
    tree = tree if tree is not None else newer_syntax.parse(text)
    starts = _line_starts(text)
    groups = _statement_groups(tree)
    lines: list[str] | None = None
    wanted: set[int] = set()
    # An argument edit inside a list on lines of its own (an operation of ``operations``)
    # is made on those lines alone: a squashed migration is one statement of 400 kB.
    elements: dict[tuple[int, int], tuple[int, ast.expr]] = {}
    for edit in edits:
        if isinstance(edit, InsertStatements):
            wanted.add(_migration_group(tree, groups))
        elif isinstance(edit, AddImport):
            wanted.update(range(_import_groups(tree, groups)))
        else:
            group = _group_of(groups, edit.line)
            if group is None:
                raise RewriteError(f"no call found at {edit.line}:{edit.column + 1}")
            found = None
            if isinstance(edit, (AddArgument, ReplaceArgument)):
                lines = lines if lines is not None else split_lines(text)
                statements = tree.body[groups[group][2] : groups[group][3]]
                found = _element_lines(statements, lines, edit.line, edit.column)
            if found is None:
                wanted.add(group)
            else:
                elements[found[0]] = (group, found[1])
    pieces: list[tuple[int, int, bool, list[ast.AST]]] = []
    for first_group, last_group in _runs(sorted(wanted)):
        first = groups[first_group - 1][1] + 1 if first_group else 1
        statements = tree.body[groups[first_group][2] : groups[last_group][3]]
        pieces.append((first, groups[last_group][1], False, list(statements)))
    outermost: tuple[int, int] = (0, 0)
    for region, (group, element) in sorted(elements.items(), key=lambda i: (i[0][0], -i[0][1])):
        if group not in wanted and region[1] > outermost[1]:  # (else inside another piece)
            outermost = region
            pieces.append((*region, True, [element]))
    splices: list[Splice] = []
    out: list[str] = []
    position = 0
    for first, last, in_list, held in sorted(pieces, key=lambda piece: piece[0]):
        start, end = starts[first - 1], starts[last] if last < len(starts) else len(text)
        old = text[start:end]
        _check_depth(held)
        if in_list:
            splice = _rewrite_elements(old, first, last, edits, line_length)
        else:
            imports = first == 1 and any(isinstance(e, AddImport) for e in edits)
            mine = tuple(
                _shift(e, first - 1)
                for e in edits
                if _inside(e, first, last, imports, tree, groups)
            )
            new = _in_thread(_rewrite_lines, old, mine, first == 1, line_length)
            splice = Splice(first, last, old, new, mine)
        out += [text[position:start], splice.new]
        position = end
        splices.append(splice)
    out.append(text[position:])
    return Rewrite("".join(out), tuple(splices))


def _rewrite_elements(
    old: str, first: int, last: int, edits: Sequence[Edit], line_length: int | None
) -> Splice:
    """The libcst rewrite of lines ``first``..``last`` (``old``), whole elements of a list,
    read as the content of a list display (:meth:`Splice.source`)."""
    mine = tuple(
        _shift(e, first - 2)
        for e in edits
        if isinstance(e, (AddArgument, ReplaceArgument)) and first <= e.line <= last
    )
    opening, closing = _list_display(old)
    new = _in_thread(_rewrite_lines, opening + old + closing, mine, False, line_length)
    if not (new.startswith(opening) and new.endswith(closing)):  # pragma: no cover
        raise RewriteError("the rewrite changed the lines around the list's elements")
    return Splice(first, last, old, new[len(opening) : len(new) - len(closing)], mine, True)


def _list_display(text: str) -> tuple[str, str]:
    """What goes before and after whole elements of a list to make them a statement."""
    match = _NEWLINES.search(text)
    newline = match.group() if match else "\n"
    return f"_ = [{newline}", f"]{newline}"


#: What may follow an element that ends its line: its comma, a comment.
_AFTER_ELEMENT = re.compile(r"[ \t\f]*(?:,[ \t\f]*)?(?:#.*)?")


def _element_lines(
    statements: Sequence[ast.stmt], lines: list[str], line: int, column: int
) -> tuple[tuple[int, int], ast.expr] | None:
    """The lines of the innermost element of a list (or tuple) that holds the call at
    ``line``:``column`` (a character column) and has its lines to itself: nothing but
    indentation before it, nothing but its comma and a comment after it. None when no
    element around the call is laid out so."""
    target = (line, len(lines[line - 1][:column].encode("utf-8")))
    found: tuple[tuple[int, int], ast.expr] | None = None
    nodes: Sequence[ast.AST] = statements
    while True:
        node = next((n for n in nodes if _covers(n, target)), None)
        if node is None:
            return None
        if isinstance(node, ast.Call) and (node.lineno, node.col_offset) == target:
            return found
        if isinstance(node, (ast.List, ast.Tuple)):
            element = next((e for e in node.elts if _covers(e, target)), None)
            if element is not None and _alone_on_its_lines(element, lines):
                found = ((element.lineno, element.end_lineno or element.lineno), element)
        nodes = list(ast.iter_child_nodes(node))


def _covers(node: ast.AST, target: tuple[int, int]) -> bool:
    """Whether ``node`` spans ``target`` (a line and a column in UTF-8 bytes)."""
    span = [getattr(node, name, None) for name in _SPAN]
    if None in span:
        return False
    return (span[0], span[1]) <= target <= (span[2], span[3])


_SPAN = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def _alone_on_its_lines(element: ast.expr, lines: list[str]) -> bool:
    end_line = element.end_lineno or element.lineno
    before = lines[element.lineno - 1].encode("utf-8")[: element.col_offset]
    after = lines[end_line - 1].encode("utf-8")[element.end_col_offset :]
    return not before.strip() and _AFTER_ELEMENT.fullmatch(after.decode("utf-8")) is not None


def _check_depth(nodes: Sequence[ast.AST]) -> None:
    depth = nesting_depth(nodes)
    if depth > MAX_DEPTH:
        raise RecursionError(f"nested {depth} levels deep")


def _rewrite_lines(
    text: str, edits: Sequence[Edit], at_top: bool, line_length: int | None = None
) -> str:
    """The libcst rewrite of whole lines holding complete top-level statements."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:  # pragma: no cover - ast accepted it already
        raise RewriteError(f"libcst cannot parse the file: {exc.message}") from exc
    if not at_top and module.header and module.body:
        # Parsed alone, the blank and comment lines before the first statement are the
        # module's header; in the file they are that statement's leading lines (which
        # statements inserted before it copy).
        first = module.body[0]
        first = first.with_changes(leading_lines=[*module.header, *first.leading_lines])
        module = module.with_changes(header=(), body=[first, *module.body[1:]])
    if module.code != text:
        # libcst drops a form feed that starts a top-level statement's line, for one.
        raise RewriteError("libcst cannot reproduce the file byte for byte")
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    rewriter = _Rewriter(edits)
    new_module = wrapper.visit(rewriter)
    missing = rewriter.pending()
    if missing:
        line, column = missing[0]
        raise RewriteError(f"no call found at {line}:{column + 1}")
    if rewriter.missing_class:  # pragma: no cover - the segment holds the class
        raise RewriteError("no `class Migration` to insert the new functions before")
    imports = [e for e in edits if isinstance(e, AddImport)]
    if line_length is not None and rewriter.lengthened:
        code = new_module.code
        # Every line a fix made longer than the line length is split, also one that was too
        # long before (the fix would make it longer still: 93 characters became 152).
        nodes = [node for node, _ in rewriter.lengthened]
        reflowed = _reflow(new_module, code, nodes, line_length)
        if reflowed == code:
            pass
        elif imports:
            new_module = cst.parse_module(reflowed)
        else:
            return reflowed
    if imports:
        new_module = _add_imports(new_module, imports)
    return new_module.code


def _reflow(module: cst.Module, code: str, nodes: Sequence[cst.CSTNode], line_length: int) -> str:
    """``code`` (``module``'s) with each line that holds one of ``nodes`` split as black
    would, where it is now too long."""
    lines = split_lines(code)
    if all(str_width(line) <= line_length for line in lines):
        return code
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    # The keywords the edits wrote, by line: the string value of one, too long on its own
    # line, is cut into strings that fit (the code the file had is left as it was).
    written: dict[int, set[str]] = {}
    for node in nodes:
        keyword = node.keyword if isinstance(node, cst.Arg) else None
        names = written.setdefault(positions[node].start.line, set())
        names.update([f"{keyword.value}="] if keyword is not None else [])
    wanted = sorted(written, reverse=True)
    wanted = [n for n in wanted if str_width(lines[n - 1]) > line_length]
    if not wanted:
        return code
    newlines = _NEWLINES.findall(code)
    inside = _lines_inside_brackets(code)
    for number in wanted:
        split = reflow_line(lines[number - 1], number in inside, line_length) or [lines[number - 1]]
        ours = tuple(written[number])
        split = [
            part
            for line in split
            for part in (line.lstrip().startswith(ours) and split_string(line, line_length))
            or [line]
        ]
        if len(split) == 1:
            continue
        newline = newlines[number - 1] if number <= len(newlines) else "\n"
        lines[number - 1] = newline.join(split)
    out: list[str] = []
    for index, line in enumerate(lines):
        out.append(line)
        if index < len(newlines):
            out.append(newlines[index])
    return "".join(out)


_NEWLINES = re.compile(r"\r\n|\r|\n")


def _lines_inside_brackets(code: str) -> set[int]:
    """The numbers of the lines that start inside brackets opened on an earlier line."""
    inside: set[int] = set()
    depth = 0
    line = 0
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.start[0] != line:
            line = token.start[0]
            if depth:
                inside.add(line)
        if token.type == tokenize.OP:
            if token.string in "([{":
                depth += 1
            elif token.string in ")]}":
                depth -= 1
    return inside


_T = TypeVar("_T")


def _in_thread(func: Callable[..., _T], *args: Any) -> _T:
    """``func(*args)`` in a thread with a stack of known size (the caller's may be
    small: 512 KB for a secondary thread on macOS)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, func(*args)))
        except BaseException as exc:
            outcome.append((False, exc))

    with _STACK_LOCK:
        previous = threading.stack_size(_STACK_SIZE)
        try:
            thread = threading.Thread(target=run, name="libcst", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join()
    ok, value = outcome[0]
    if ok:
        return cast(_T, value)
    raise value


_STACK_LOCK = threading.Lock()


def nesting_depth(nodes: Sequence[ast.AST]) -> int:
    """How deeply libcst nests these statements: the ``ast``'s depth, where a chain
    ``a and b and c`` (one node in the ``ast``) counts one level per operator."""
    deepest = 0
    pending: list[tuple[ast.AST, int]] = [(node, 1) for node in nodes]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _line_starts(text: str) -> list[int]:
    """Offsets where each line starts, lines counted as the tokenizer counts them."""
    return line_starts(text)


#: (first line, last line, index of the first statement, index after the last)
_Group = tuple[int, int, int, int]


def _statement_groups(tree: ast.Module) -> list[_Group]:
    """The module's top-level statements, grouped when they share a line."""
    groups: list[_Group] = []
    for index, stmt in enumerate(tree.body):
        decorators = getattr(stmt, "decorator_list", [])
        first = min([stmt.lineno, *(d.lineno for d in decorators)])
        last = stmt.end_lineno or stmt.lineno
        if groups and first <= groups[-1][1]:
            start, end, first_index, _ = groups[-1]
            groups[-1] = (start, max(end, last), first_index, index + 1)
        else:
            groups.append((first, last, index, index + 1))
    return groups


def _group_of(groups: list[_Group], line: int) -> int | None:
    index = bisect.bisect_right([g[0] for g in groups], line) - 1
    if index < 0 or line > groups[index][1]:
        return None
    return index


def _migration_group(tree: ast.Module, groups: list[_Group]) -> int:
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Migration":
            return cast(int, _group_of(groups, stmt.lineno))
    raise RewriteError("no `class Migration` to insert the new functions before")


def _import_groups(tree: ast.Module, groups: list[_Group]) -> int:
    """How many groups from the top hold the module's imports (new ones go after the last
    top-level import, or after the docstring, libcst's AddImportsVisitor's rule)."""
    last = [s.lineno for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    if last:
        return cast(int, _group_of(groups, last[-1])) + 1
    # No import: the first one goes after the docstring, and a blank line after it
    # separates it from the statement that follows, which must be in view.
    docstring = int(ast.get_docstring(tree, clean=False) is not None)
    return min(docstring + 1, len(groups))


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive indices as (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _inside(
    edit: Edit,
    first: int,
    last: int,
    imports: bool,
    tree: ast.Module,
    groups: list[_Group],
) -> bool:
    if isinstance(edit, AddImport):
        return imports
    if isinstance(edit, InsertStatements):
        group = _migration_group(tree, groups)
        return first <= groups[group][0] and groups[group][1] <= last
    return first <= edit.line <= last


def _shift(edit: Edit, lines: int) -> Edit:
    """``edit`` with its line counted from the start of a splice."""
    if isinstance(edit, (AddArgument, ReplaceArgument, ReplaceElement, AppendElement)):
        return dataclasses.replace(edit, line=edit.line - lines)
    return edit


class _Rewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, edits: Sequence[Edit]) -> None:
        super().__init__()
        self.call_edits: dict[tuple[int, int], list[AddArgument | ReplaceArgument]] = defaultdict(
            list
        )
        self.element_edits: dict[tuple[int, int], ReplaceElement] = {}
        self.append_edits: dict[tuple[int, int], list[AppendElement]] = defaultdict(list)
        self.statements = [e.source for e in edits if isinstance(e, InsertStatements)]
        self.missing_class = False
        for edit in edits:
            if isinstance(edit, (AddArgument, ReplaceArgument)):
                self.call_edits[(edit.line, edit.column)].append(edit)
            elif isinstance(edit, ReplaceElement):
                self.element_edits[(edit.line, edit.column)] = edit
            elif isinstance(edit, AppendElement):
                self.append_edits[(edit.line, edit.column)].append(edit)
        self.done: set[tuple[int, int]] = set()
        #: Set by an element edit whose list is to be laid out one element per line.
        self.explode: str | None = None
        #: The arguments the edits added or made longer, each with the line (of the old
        #: text) it joins: their new lines may need splitting.
        self.lengthened: list[tuple[cst.CSTNode, int]] = []

    def pending(self) -> list[tuple[int, int]]:
        wanted = set(self.call_edits) | set(self.element_edits) | set(self.append_edits)
        return sorted(wanted - self.done)

    def _start(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.get_metadata(PositionProvider, node).start
        return start.line, start.column

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        key = self._start(original_node)
        edits = self.call_edits.get(key)
        if not edits or key in self.done:
            # In ``f(x)(y)`` both calls start at the same place: the edit is for the
            # inner one, which is left first (the ``ast`` side picks the same one).
            return updated_node
        self.done.add(key)
        for edit in edits:
            if isinstance(edit, ReplaceArgument):
                updated_node, arg = _replace_argument(updated_node, edit)
                near = original_node.args[edit.index]
            else:
                updated_node, arg = _add_argument(updated_node, edit)
                near = original_node.args[edit.after]
            line = self.get_metadata(PositionProvider, near).end.line
            self.lengthened.append((arg, line))
        return updated_node

    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.List:
        opening = updated_node.lbracket.whitespace_after
        self.explode = None
        elements = self._replace_elements(original_node.elements, updated_node.elements, opening)
        key = self._start(original_node)
        append = self.append_edits.get(key)
        if append:
            self.done.add(key)
            for edit in append:
                elements = _append_element(elements, edit.element, opening)
        if self.explode is not None:
            return _exploded(updated_node.with_changes(elements=elements), self.explode)
        return updated_node.with_changes(elements=elements)

    def leave_Tuple(self, original_node: cst.Tuple, updated_node: cst.Tuple) -> cst.Tuple:
        opening: _Whitespace = (
            updated_node.lpar[0].whitespace_after
            if updated_node.lpar
            else cst.SimpleWhitespace(" ")
        )
        return updated_node.with_changes(
            elements=self._replace_elements(original_node.elements, updated_node.elements, opening)
        )

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.statements:
            return updated_node
        body = list(updated_node.body)
        index = next(
            (
                i
                for i, stmt in enumerate(body)
                if isinstance(stmt, cst.ClassDef) and stmt.name.value == "Migration"
            ),
            None,
        )
        if index is None:  # pragma: no cover - the segment holds the class
            self.missing_class = True
            return updated_node
        stmt = body[index]
        new: list[cst.SimpleStatementLine | cst.BaseCompoundStatement] = []
        for source in self.statements:
            for parsed in cst.parse_module(source).body:
                new.append(parsed.with_changes(leading_lines=stmt.leading_lines))
        body[index:index] = new
        return updated_node.with_changes(body=body)

    def _replace_elements(
        self,
        original: Sequence[cst.BaseElement],
        updated: Sequence[cst.BaseElement],
        opening: _Whitespace,
    ) -> Sequence[cst.BaseElement]:
        if not self.element_edits:
            return updated
        result: list[cst.BaseElement] = []
        for index, (orig, new) in enumerate(zip(original, updated, strict=True)):
            key = self._start(orig.value)
            edit = self.element_edits.get(key)
            if edit is None or not isinstance(new, cst.Element):
                result.append(new)
                continue
            self.done.add(key)
            before = _leading_whitespace(updated, index, opening)
            result.extend(_expand_element(new, edit.elements, before))
            if edit.explode_indent is not None:
                self.explode = edit.explode_indent
        return result


def _exploded(node: cst.List, indent: str) -> cst.List:
    """``node`` laid out one element per line at ``indent``, each with a trailing comma,
    the closing bracket on its own line one level less."""

    def line_break(to: str) -> cst.ParenthesizedWhitespace:
        return cst.ParenthesizedWhitespace(indent=False, last_line=cst.SimpleWhitespace(to))

    last = len(node.elements) - 1
    elements = [
        element.with_changes(
            comma=cst.Comma(whitespace_after=line_break(indent if index < last else indent[:-4]))
        )
        for index, element in enumerate(node.elements)
    ]
    return node.with_changes(
        lbracket=node.lbracket.with_changes(whitespace_after=line_break(indent)),
        elements=elements,
        rbracket=node.rbracket.with_changes(whitespace_before=cst.SimpleWhitespace("")),
    )


def _parse_value(source: str) -> cst.BaseExpression:
    """An expression from source whose line breaks carry absolute indentation (the
    rules lay out multi-line values for their final position)."""
    try:
        expression = cst.parse_expression(source)
    except cst.ParserSyntaxError as exc:
        raise RewriteError(f"the fix's new code does not parse: {exc.message}") from exc
    if "\n" not in source and "\r" not in source:
        return expression
    return cast(cst.BaseExpression, expression.visit(_AbsoluteIndent()))


class _AbsoluteIndent(cst.CSTTransformer):
    def leave_ParenthesizedWhitespace(
        self, original_node: cst.ParenthesizedWhitespace, updated_node: cst.ParenthesizedWhitespace
    ) -> cst.ParenthesizedWhitespace:
        return updated_node.with_changes(indent=False)

    def leave_EmptyLine(
        self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine
    ) -> cst.EmptyLine:
        # (A comment line inside the value: its own whitespace is its indentation.)
        return updated_node.with_changes(indent=False)


def _replace_argument(call: cst.Call, edit: ReplaceArgument) -> tuple[cst.Call, cst.Arg]:
    args = list(call.args)
    args[edit.index] = args[edit.index].with_changes(value=_parse_value(edit.value))
    return call.with_changes(args=args), args[edit.index]


def _add_argument(call: cst.Call, edit: AddArgument) -> tuple[cst.Call, cst.Arg]:
    """The call with the new argument, laid out like its neighbours, and that argument."""
    args = list(call.args)
    index = edit.after
    prev = args[index]
    equal = next(
        (a.equal for a in args if a.keyword is not None),
        cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
    )
    new = cst.Arg(
        value=_parse_value(edit.value),
        keyword=cst.Name(edit.keyword),
        equal=equal,
    )
    is_last = index == len(args) - 1
    # The whitespace that separates ``prev`` from what precedes it: the new argument is
    # laid out the same way (same line, or its own line at the same indentation).
    if index == 0:
        separator: _Whitespace = call.whitespace_before_args
        if _hugged(call):
            # ``f(\n    a, b\n)``: the arguments share one line, the new one joins them.
            separator = cst.SimpleWhitespace(" ")
    else:
        previous_comma = args[index - 1].comma
        assert isinstance(previous_comma, cst.Comma)
        separator = previous_comma.whitespace_after
    if not is_last:
        comma = prev.comma
        assert isinstance(comma, cst.Comma)
        after = comma.whitespace_after
        prev = prev.with_changes(comma=comma.with_changes(whitespace_after=_keep_first_line(after)))
        new = new.with_changes(comma=comma.with_changes(whitespace_after=_drop_first_line(after)))
    elif isinstance(prev.comma, cst.Comma):  # a trailing comma: keep one after the new arg
        comma = prev.comma
        after = comma.whitespace_after
        prev = prev.with_changes(comma=comma.with_changes(whitespace_after=_join(after, separator)))
        new = new.with_changes(comma=comma.with_changes(whitespace_after=_drop_first_line(after)))
    else:  # no trailing comma: none after the new argument either
        sep = _clean(separator)
        after = prev.whitespace_after_arg
        if (
            isinstance(sep, cst.ParenthesizedWhitespace)
            and isinstance(after, cst.ParenthesizedWhitespace)
            and after.first_line.comment is not None
        ):
            # ``f  # comment`` on its own line: the comment stays with ``f``.
            sep = sep.with_changes(first_line=after.first_line)
            after = _drop_first_line(after)
        if _spans_lines(call) and isinstance(after, cst.ParenthesizedWhitespace):
            new = new.with_changes(comma=cst.Comma(whitespace_after=after))
        else:
            new = new.with_changes(whitespace_after_arg=after)
        prev = prev.with_changes(
            comma=cst.Comma(whitespace_after=sep),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
    args[index] = prev
    args.insert(index + 1, new)
    return call.with_changes(args=args), new


def _hugged(call: cst.Call) -> bool:
    """Whether the arguments are on one line of their own, between the brackets' lines
    (how black writes them when they fit there)."""
    if not isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return False
    last = call.args[-1]
    if isinstance(last.comma, cst.Comma) or not isinstance(
        last.whitespace_after_arg, cst.ParenthesizedWhitespace
    ):
        return False  # a magic trailing comma (one argument per line), or no line break
    return not any(
        isinstance(arg.comma, cst.Comma)
        and isinstance(arg.comma.whitespace_after, cst.ParenthesizedWhitespace)
        for arg in call.args[:-1]
    ) and not _spans_lines(call)


def _spans_lines(call: cst.Call) -> bool:
    """Whether an argument spans several lines (a multi-line string, strings concatenated
    over lines...): black then writes one argument per line, with a trailing comma."""
    if not isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return False
    empty = cst.Module([])
    return any("\n" in empty.code_for_node(arg.value) for arg in call.args)


def _clean(ws: _Whitespace) -> _Whitespace:
    """A separator like ``ws``, without its comment and blank lines (a single space if it
    does not break the line)."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.with_changes(first_line=_bare(ws.first_line), empty_lines=())
    return cst.SimpleWhitespace(" ")


def _keep_first_line(ws: _Whitespace) -> _Whitespace:
    """The part of ``ws`` that stays with the previous argument: its comment, then a line
    break to the same indentation (the blank and comment lines move down)."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.with_changes(empty_lines=())
    return ws


def _drop_first_line(ws: _Whitespace) -> _Whitespace:
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.with_changes(first_line=_bare(ws.first_line))
    return ws


def _bare(line: cst.TrailingWhitespace) -> cst.TrailingWhitespace:
    """A line end without the comment, with the same newline (a file may mix them)."""
    return cst.TrailingWhitespace(newline=line.newline)


def _join(after: _Whitespace, separator: _Whitespace) -> _Whitespace:
    """Whitespace after ``prev``'s comma when the new argument follows it: ``prev``'s own
    trailing comment (if any), then the separator's line break and indentation."""
    sep = _clean(separator)
    if isinstance(after, cst.ParenthesizedWhitespace):
        if isinstance(sep, cst.ParenthesizedWhitespace):
            return sep.with_changes(first_line=after.first_line)
        if after.first_line.comment is not None:
            return after.with_changes(empty_lines=())
    return sep


def _leading_whitespace(
    updated: Sequence[cst.BaseElement], index: int, opening: _Whitespace
) -> _Whitespace:
    if index == 0:
        return opening
    prev = updated[index - 1]
    comma = prev.comma
    if isinstance(comma, cst.Comma):
        return comma.whitespace_after
    return cst.SimpleWhitespace(" ")  # pragma: no cover - elements are comma separated


def _expand_element(
    element: cst.Element, sources: Sequence[str], before: _Whitespace
) -> list[cst.Element]:
    sep = _clean(before)
    out: list[cst.Element] = []
    for position, source in enumerate(sources):
        last = position == len(sources) - 1
        value = _parse_value(source)
        if last and len(sources) > 1 and isinstance(element.comma, cst.MaybeSentinel):
            # The list's last element, now one of several on their own lines: black's
            # trailing comma (one element alone may go without).
            out.append(element.with_changes(value=value, comma=cst.Comma()))
        elif last:
            out.append(element.with_changes(value=value))
        else:
            out.append(cst.Element(value=value, comma=cst.Comma(whitespace_after=sep)))
    return out


def _add_imports(module: cst.Module, imports: Sequence[AddImport]) -> cst.Module:
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    context = CodemodContext()
    for item in imports:
        if item.name is not None and item.alias is None:
            merged = _merge_from_import(module, item.module, item.name)
            if merged is not None:
                module = merged
                continue
        AddImportsVisitor.add_needed_import(context, item.module, item.name, item.alias)
    added = AddImportsVisitor(context).transform_module(module)
    return _placed_as_grouped(module, added)


def _placed_as_grouped(before: cst.Module, after: cst.Module) -> cst.Module:
    """``after`` (``before`` with the import statements libcst added after its last one)
    with each new statement moved where the module's own imports say it goes: a
    standard-library module into the group of standard-library imports, or a group of
    its own above the others (PEP 8's first group, as isort writes it); any other module
    into the group that imports from Django. Within a group, in sorted place: by module
    with plain ``import`` statements first where the group has them so (isort's order),
    else by module alone (Django's writer's order)."""
    # (libcst copies the module: the new statements are told by comparing the nodes.)
    old: list[cst.BaseStatement] = list(before.body)
    body: list[cst.BaseStatement] = []
    added: list[cst.SimpleStatementLine] = []
    for statement in after.body:
        if len(body) < len(old) and statement.deep_equals(old[len(body)]):
            body.append(old[len(body)])
        elif isinstance(statement, cst.SimpleStatementLine) and _import_module(statement):
            added.append(statement)
        else:
            return after  # (another change: left as libcst wrote it)
    first = int(before.get_docstring(clean=False) is not None)  # (the first import's place)
    if not added or len(body) != len(old) or not _leading_import_groups(body, first):
        return after  # (with no import to go by, where libcst put them: after a docstring)
    for statement in added:
        body = _insert_import(body, statement.with_changes(leading_lines=()), first)
    return after.with_changes(body=body)


def _import_module(statement: cst.BaseStatement) -> str:
    """The module an import statement imports, by which it is sorted (the first of
    ``import a, b``; ``.name`` for a relative one); "" if it is not an import."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return ""
    small = statement.body[0]
    if isinstance(small, cst.Import):
        return _dotted(small.names[0].name)
    if isinstance(small, cst.ImportFrom):
        module = _dotted(small.module) if small.module is not None else ""
        return "." * len(small.relative) + module
    return ""


def _standard(module: str) -> bool:
    return module.partition(".")[0] in sys.stdlib_module_names


def _leading_import_groups(body: Sequence[cst.BaseStatement], first: int) -> list[list[int]]:
    """Where the module's leading import statements are, from ``body[first]`` (after a
    docstring), in groups split by blank lines."""
    groups: list[list[int]] = []
    for index, statement in enumerate(body[first:], first):
        if not _import_module(statement):
            break
        assert isinstance(statement, cst.SimpleStatementLine)
        if not groups or any(isinstance(line, cst.EmptyLine) for line in statement.leading_lines):
            groups.append([])
        groups[-1].append(index)
    return groups


def _insert_import(
    body: list[cst.BaseStatement], statement: cst.SimpleStatementLine, first: int
) -> list[cst.BaseStatement]:
    """``body`` with ``statement`` (an import) in its group (see :func:`_placed_as_grouped`;
    the imports start at ``body[first]``)."""
    groups = _leading_import_groups(body, first)
    imports = {i: cast(cst.SimpleStatementLine, body[i]) for group in groups for i in group}
    modules = {i: _import_module(s) for i, s in imports.items()}
    module = _import_module(statement)
    others = [g for g in groups if any(modules[i] != "__future__" for i in g)]
    # Its own kind's group (Django's, for a module not of the standard library); else one
    # where its kind is mixed with the other (Django's writer keeps every import in one).
    standard = _standard(module)

    def ours(index: int) -> bool:
        return _standard(modules[index]) == standard

    def django(index: int) -> bool:
        return modules[index].partition(".")[0] == "django"

    best = [g for g in others if (all(map(ours, g)) if standard else any(map(django, g)))]
    mixed = [g for g in others if any(map(ours, g))]
    chosen = next(iter(best + mixed), None)
    if chosen is None:
        if standard and others:
            # A group of its own above the others, under the lines (comments) above them.
            return _before(body, others[0][0], imports[others[0][0]], statement, separate=True)
        # A group of its own below the others.
        last = groups[-1][-1] + 1
        spaced = statement.with_changes(leading_lines=[cst.EmptyLine()])
        return [*body[:last], spaced, *body[last:]]
    members = [imports[i] for i in chosen]
    # isort's order (every plain ``import`` before the ``from`` imports), unless the group
    # says otherwise: a ``from`` before a plain import, or the standard library mixed with
    # other modules (Django's writer's one group, sorted by module).
    isort = len({_standard(modules[i]) for i in chosen}) == 1 and not any(
        isinstance(a.body[0], cst.ImportFrom) and isinstance(b.body[0], cst.Import)
        for a, b in itertools.pairwise(members)
    )

    def key(line: cst.SimpleStatementLine) -> tuple[bool, str]:
        return (isort and isinstance(line.body[0], cst.ImportFrom), _import_module(line))

    position = next((i for i in chosen if key(imports[i]) > key(statement)), chosen[-1] + 1)
    if position == chosen[0]:
        return _before(body, position, imports[position], statement, separate=False)
    return [*body[:position], statement, *body[position:]]


def _before(
    body: list[cst.BaseStatement],
    position: int,
    displaced: cst.SimpleStatementLine,
    statement: cst.SimpleStatementLine,
    *,
    separate: bool,
) -> list[cst.BaseStatement]:
    """``body`` with ``statement`` at ``position``, taking over the lines above the
    statement there (``displaced``), which follows it after a blank line if ``separate``."""
    moved = statement.with_changes(leading_lines=displaced.leading_lines)
    rest = displaced.with_changes(leading_lines=[cst.EmptyLine()] if separate else [])
    return [*body[:position], moved, rest, *body[position + 1 :]]


def _append_element(
    elements: Sequence[cst.BaseElement], source: str, opening: _Whitespace
) -> list[cst.BaseElement]:
    """Append an element laid out like the existing ones (own line, trailing comma...)."""
    value = _parse_value(source)
    if not elements:
        return [cst.Element(value=value)]
    out = list(elements)
    last = out[-1]
    separator = opening if len(out) == 1 else _comma_whitespace(out[-2])
    if isinstance(last.comma, cst.Comma):  # trailing comma: keep one after the new element
        comma = last.comma
        out[-1] = last.with_changes(
            comma=comma.with_changes(whitespace_after=_join(comma.whitespace_after, separator))
        )
        out.append(
            cst.Element(
                value=value,
                comma=comma.with_changes(whitespace_after=_drop_first_line(comma.whitespace_after)),
            )
        )
    else:
        out[-1] = last.with_changes(comma=cst.Comma(whitespace_after=_clean(separator)))
        out.append(cst.Element(value=value))
    return out


def _comma_whitespace(element: cst.BaseElement) -> _Whitespace:
    comma = element.comma
    assert isinstance(comma, cst.Comma)
    return comma.whitespace_after


def _merge_from_import(module: cst.Module, dotted: str, name: str) -> cst.Module | None:
    """Add ``name`` to an existing top-level ``from <dotted> import ...`` (in sorted
    position when the names are sorted, as Django's writer keeps them)."""
    for index, statement in enumerate(module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for part, small in enumerate(statement.body):
            if not isinstance(small, cst.ImportFrom) or small.relative or small.module is None:
                continue
            if isinstance(small.names, cst.ImportStar) or _dotted(small.module) != dotted:
                continue
            names = list(small.names)
            existing = [_dotted(a.name) for a in names]
            if any(_dotted(a.name) == name and a.asname is None for a in names):
                return module
            if small.lpar is not None or any(
                isinstance(a.comma, cst.Comma)
                and isinstance(a.comma.whitespace_after, cst.ParenthesizedWhitespace)
                for a in names
            ):
                return None  # a parenthesized, multi-line import: let libcst lay it out
            position = len(names)
            if existing == sorted(existing):
                position = sum(1 for e in existing if e < name)
            alias = cst.ImportAlias(name=cst.Name(name))
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            if position == len(names):
                names[-1] = names[-1].with_changes(comma=comma)
                names.append(alias)
            else:
                names.insert(position, alias.with_changes(comma=comma))
            body = list(statement.body)
            body[part] = small.with_changes(names=names)
            new_statement = statement.with_changes(body=body)
            return module.with_changes(
                body=[*module.body[:index], new_statement, *module.body[index + 1 :]]
            )
    return None


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""  # pragma: no cover - import names are names or attributes
