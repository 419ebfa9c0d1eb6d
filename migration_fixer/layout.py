"""Lines a fix makes too long, split the way black splits them.

A fix adds a keyword to a call (``reverse_code=...``), or makes an argument longer; in a
file black (or ``ruff format``) keeps, the line that holds it may now be too long. Black
ignores the existing line breaks (except a *magic trailing comma*) and splits a logical
line that does not fit: inside brackets, first at its commas (one element per line, a
trailing comma added), else at its last pair of brackets (the *right-hand split*: the head
up to the opening bracket, the body indented on its own line, the tail from the closing
bracket on), the body split again when it does not fit, or when it is the content of a
list, tuple, set or dict with several elements. :func:`reflow_line` applies that to one
physical line that black had left whole; since the rest of the file already is black's
output, the file stays so. Where black would do something this module does not reproduce
(splitting at an operator, a chained call, ``*args``, a ``lambda``...), it returns None
and the caller keeps the long line.

Nothing here imports black: the tests check the output against black itself.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

#: Black's default, and the line length used when the project's configuration has none.
DEFAULT_LINE_LENGTH = 88

_OPENING = {"(": ")", "[": "]", "{": "}"}
_CLOSING = frozenset(_OPENING.values())
#: Keywords that may start a statement line whose rest is laid out like an assignment.
_STATEMENT_KEYWORDS = frozenset({"return", "yield", "await"})
_PRAGMA = re.compile(r"noqa|type:|pragma|fmt:|pylint:", re.IGNORECASE)


def str_width(text: str) -> int:
    """The width of ``text`` in a terminal, as black measures a line (East Asian wide and
    full-width characters count 2, combining marks 0)."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Cc"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


class _Unsupported(Exception):
    """Black would split the line in a way this module does not reproduce."""


class _CannotSplit(Exception):
    """This way of splitting does not apply (black then tries the next one)."""


@dataclass(frozen=True)
class _Leaf:
    text: str
    #: The whitespace before it when the line is written whole ("" or " ").
    space: str
    kind: str  # "open", "close", "comma", "name", "string", "op", "other"
    #: For brackets: the index of the matching one.
    match: int = -1
    #: For an opening bracket: a list, tuple, set or dict display, or parentheses
    #: around an expression (black's "atom"), as opposed to a call or a subscript.
    atom: bool = False


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # leaves[start:end]
    depth: int
    inside: bool
    #: The body of a split whose brackets must hold one element per line.
    explode: bool = False
    #: A trailing comma added after the last leaf.
    comma: bool = False


def reflow_line(
    line: str,
    inside_brackets: bool,
    line_length: int,
    indent_unit: str = "    ",
    *,
    chains: bool = False,
) -> list[str] | None:
    """``line`` (one physical line: indentation, code, maybe a trailing comment) as black
    writes it at ``line_length``: the line itself when it fits, else the lines it splits
    into; None where black's split is not one this module reproduces.
    ``inside_brackets``: the line is inside brackets opened on an earlier line.
    ``chains``: the line is a statement ending with a call chain with one call after a
    bracket (``x = M.objects.using(db).filter(...)``, ``M.objects.filter(...).update(...)``),
    which black too splits at its last brackets."""
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if str_width(line) <= line_length:
        return [line]
    return _reflow(line, indent, inside_brackets, line_length, indent_unit, chains)


#: A line that is one plain string literal (a keyword's value, or an element), with its comma.
_STRING_LINE = re.compile(
    r"(?P<indent>[ \t]*)(?P<key>[A-Za-z_]\w*=)?"
    r"(?P<literal>'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")(?P<comma>,?)"
)


def split_string(line: str, line_length: int, indent_unit: str = "    ") -> list[str] | None:
    """``line``, a string literal alone on its line (``key="..."``, maybe with a comma)
    that is longer than ``line_length``, as the lines of a parenthesized implicit
    concatenation whose strings fit, cut after spaces (one string, when it fits on a line of
    its own): the value is the same, and black and ruff format keep it (they join the
    strings only where the whole fits). None where the line is not such a string, or where
    it has no space to cut at and is too long on a line of its own too."""
    found = _STRING_LINE.fullmatch(line)
    if found is None or str_width(line) <= line_length:
        return None
    literal = found["literal"]
    value = ast.literal_eval(literal)
    inner = found["indent"] + indent_unit
    room = line_length - str_width(inner)
    quote = literal[0]
    words = re.split(r"(?<= )(?=[^ ])", value)
    # (Each word's width as the literal spells it, measured once: the widths add up.)
    widths = [str_width(string_literal(word, quote)) - 2 for word in words]
    starts = _starts(widths, room)
    if len(starts) == 1 and str_width(inner) + sum(widths) + 2 > line_length:
        return None  # (a string with no space to cut at, too long on a line of its own too)
    # As few strings as fit, of even lengths (no last one of a single short word): the
    # narrowest width that needs no more strings (a word wider than the line stays alone).
    narrowest = (sum(widths) + 2) // len(starts)
    starts = next(
        (
            even
            for width in range(narrowest, room)
            if len(even := _starts(widths, width)) == len(starts)
        ),
        starts,
    )
    pieces = ["".join(words[a:b]) for a, b in zip(starts, [*starts[1:], len(words)], strict=True)]
    return [
        f"{found['indent']}{found['key'] or ''}(",
        *(inner + string_literal(piece, quote) for piece in pieces),
        f"{found['indent']}){found['comma']}",
    ]


def _starts(widths: list[int], width: int) -> list[int]:
    """Where each string starts when words of ``widths`` (as spelled in a literal) are
    joined into strings whose literals are at most ``width`` wide, each taking as many as
    fit (a word wider than that alone)."""
    starts: list[int] = []
    used = 0
    for index, word in enumerate(widths):
        if starts and used + word + 2 <= width:
            used += word
        else:
            starts.append(index)
            used = word
    return starts


def string_literal(value: str, quote: str) -> str:
    """``value`` as a Python string literal between ``quote`` characters (the quote,
    backslashes and characters that do not print escaped)."""
    return quote + "".join(_escaped(ch, quote) for ch in value) + quote


def _escaped(ch: str, quote: str) -> str:
    if ch in ("\\", quote):
        return "\\" + ch
    return ch if ch.isprintable() else repr(ch)[1:-1]


def _reflow(
    line: str, indent: str, inside_brackets: bool, line_length: int, unit: str, chains: bool
) -> list[str] | None:
    try:
        leaves, comment = _leaves(line[len(indent) :])
        if _PRAGMA.search(comment):
            # Split, the comment would end up on another line than the code it is for.
            raise _Unsupported("a noqa or type comment")
        layout = _Layout(leaves, comment, indent, unit, line_length)
        whole = _Line(0, len(leaves), 0, inside_brackets)
        if not inside_brackets and not chains:
            layout.check_statement()
        return [layout.render(part) for part in layout.transform(whole)]
    except _Unsupported:
        return None


def _leaves(code: str) -> tuple[list[_Leaf], str]:
    """The tokens of one balanced line of code, and its trailing comment ("" if none)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise _Unsupported(str(exc)) from exc
    leaves: list[_Leaf] = []
    comment = ""
    stack: list[int] = []
    end = 0
    for token in tokens:
        if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER):
            continue
        if token.type in (tokenize.INDENT, tokenize.DEDENT) or token.start[0] != 1:
            raise _Unsupported("not one physical line")
        space = code[end : token.start[1]]
        end = token.end[1]
        if token.type == tokenize.COMMENT:
            comment = token.string
            continue
        if comment:
            raise _Unsupported("code after a comment")  # pragma: no cover - tokenizer
        text = token.string
        if _is_fstring_part(token.type):  # pragma: no cover - Python 3.12 and later
            raise _Unsupported("an f-string split into tokens")
        if text in _OPENING:
            previous = leaves[-1] if leaves else None
            trailer = previous is not None and (
                previous.kind in ("close", "string")
                or (previous.kind == "name" and not keyword.iskeyword(previous.text))
            )
            stack.append(len(leaves))
            leaves.append(_Leaf(text, space, "open", atom=text == "{" or not trailer))
        elif text in _CLOSING:
            if not stack:
                raise _Unsupported("closes a bracket opened before the line")
            opening = stack.pop()
            leaves[opening] = _with_match(leaves[opening], len(leaves))
            leaves.append(_Leaf(text, space, "close", match=opening))
        elif text == ",":
            leaves.append(_Leaf(text, space, "comma"))
        elif token.type == tokenize.NAME:
            leaves.append(_Leaf(text, space, "name"))
        elif token.type == tokenize.STRING:
            leaves.append(_Leaf(text, space, "string"))
        elif token.type == tokenize.OP:
            leaves.append(_Leaf(text, space, "op"))
        else:
            leaves.append(_Leaf(text, space, "other"))
    if not leaves:
        raise _Unsupported("no code")
    return leaves, comment


def _is_fstring_part(kind: int) -> bool:
    return tokenize.tok_name.get(kind, "").startswith("FSTRING")


def _with_match(leaf: _Leaf, match: int) -> _Leaf:
    return _Leaf(leaf.text, leaf.space, leaf.kind, match, leaf.atom)


class _Layout:
    def __init__(
        self, leaves: list[_Leaf], comment: str, indent: str, unit: str, line_length: int
    ) -> None:
        self.leaves = leaves
        self.comment = comment
        self.indent = indent
        self.unit = unit
        self.line_length = line_length

    def render(self, line: _Line) -> str:
        parts = [self.indent, self.unit * line.depth]
        for index in range(line.start, line.end):
            leaf = self.leaves[index]
            parts += [leaf.space if index > line.start else "", leaf.text]
        if line.comma:
            parts.append(",")
        if self.comment and line.end == len(self.leaves):
            parts += ["  ", self.comment]
        return "".join(parts)

    def fits(self, line: _Line) -> bool:
        return str_width(self.render(line)) <= self.line_length

    def check_statement(self) -> None:
        """A statement line: black splits it at its last brackets (as here) only when
        nothing at its top level is an operator it would rather split at, or wrap in
        parentheses (``x = a + f(...)``, ``x = f(...).g``, a tuple...)."""
        depth = 0
        previous: _Leaf | None = None
        for index, leaf in enumerate(self.leaves):
            if leaf.kind == "open":
                depth += 1
            elif leaf.kind == "close":
                depth -= 1
            elif depth == 0:
                allowed = (
                    (leaf.kind == "name" and not keyword.iskeyword(leaf.text))
                    or (leaf.kind == "name" and leaf.text in _STATEMENT_KEYWORDS and index == 0)
                    or (leaf.text == "." and (previous is None or previous.kind != "close"))
                    or leaf.text == "="
                )
                if not allowed:
                    raise _Unsupported(f"{leaf.text!r} at the top of the statement")
            previous = leaf

    def transform(self, line: _Line) -> list[_Line]:
        """Black's ``transform_line`` for the splits it makes here."""
        if not line.explode and self.fits(line):
            return [line]
        if line.inside:
            try:
                parts = list(self.delimiter_split(line))
            except _CannotSplit:
                pass
            else:
                return [done for part in parts for done in self.transform(part)]
        try:
            head, body, tail = self.right_hand_split(line)
        except _CannotSplit:
            return [line]
        if not self.fits(head):
            # Black would try splitting at an earlier pair of brackets.
            raise _Unsupported("the head of the split does not fit")
        return [done for part in (head, body, tail) for done in self.transform(part)]

    def _top_level(self, line: _Line) -> Iterator[int]:
        """The indices of ``line``'s leaves outside its brackets."""
        index = line.start
        while index < line.end:
            yield index
            leaf = self.leaves[index]
            index = leaf.match + 1 if leaf.kind == "open" else index + 1

    def delimiter_split(self, line: _Line) -> Iterator[_Line]:
        """One element per line at the top-level commas, a trailing comma added."""
        top = list(self._top_level(line))
        last = line.end - 1
        trailing = line.comma or self.leaves[last].kind == "comma"
        if self.leaves[last].kind == "comma" and not line.comma:
            top.remove(last)  # a trailing comma is no place to split
        commas = [i for i in top if self.leaves[i].kind == "comma"]
        if not commas:
            if any(self._is_delimiter(i, line) for i in top):
                raise _Unsupported("black would split at an operator")
            raise _CannotSplit
        if not trailing and any(self.leaves[i].text in ("*", "**", "lambda") for i in top):
            raise _Unsupported("a trailing comma after *args depends on the target versions")
        start = line.start
        for comma in commas:
            yield _Line(start, comma + 1, line.depth, True)
            start = comma + 1
        yield _Line(start, line.end, line.depth, True, comma=not trailing or line.comma)

    def _is_delimiter(self, index: int, line: _Line) -> bool:
        """A top-level leaf black would split at (other than a comma)."""
        leaf = self.leaves[index]
        previous = self.leaves[index - 1] if index > line.start else None
        if leaf.kind == "name":
            return keyword.iskeyword(leaf.text) and leaf.text not in ("None", "True", "False")
        if leaf.kind == "string":
            return previous is not None and previous.kind == "string"
        if leaf.text == ".":
            return previous is None or previous.kind == "close"
        if leaf.kind == "op":
            unary = leaf.text in ("-", "+", "~", "*", "**") and (
                previous is None or previous.text in ("=", "(", "[", "{", ",", ":")
            )
            return not unary and leaf.text not in ("=", ":")
        return False

    def right_hand_split(self, line: _Line) -> tuple[_Line, _Line, _Line]:
        """Head up to the last opening bracket (whose brackets are not empty), body, tail."""
        index = line.end - 1
        while index >= line.start:
            leaf = self.leaves[index]
            if leaf.kind == "close" and leaf.match >= line.start:
                if leaf.match + 1 < index:
                    break
                index = leaf.match  # empty brackets stay in the tail
            index -= 1
        else:
            raise _CannotSplit
        opening = self.leaves[index].match
        head = _Line(line.start, opening + 1, line.depth, line.inside)
        body_start, body_end = opening + 1, index
        explode = self.leaves[opening].atom and any(
            self.leaves[i].kind == "comma"
            for i in self._top_level(_Line(body_start, body_end, 0, True))
            if i != body_end - 1
        )
        body = _Line(body_start, body_end, line.depth + 1, True, explode=explode)
        tail = _Line(index, line.end, line.depth, line.inside, comma=line.comma)
        return head, body, tail
