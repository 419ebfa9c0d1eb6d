"""A module's ``ast``, at a cost that follows what the rules read.

One ``ast.parse`` of the whole file is the fastest way for ordinary migrations, and it is
what :func:`parse_module` does for them. A data migration that carries its rows in the
file (``DATA = [{...}, ...]`` of megabytes beside a ``RunPython`` that loads them) is
different: CPython's parser needs about 120 bytes of memory and a few microseconds per
byte of such a literal, so 58 MB cost minutes and gigabytes, for a statement that holds no
operation, no call and no name.

Such a statement is left out of the parse: a top-level ``NAME = [`` ... ``]`` (the closing
bracket alone at the start of a line) whose value is JSON-compatible literal data
(strings in double quotes, numbers, ``True``/``False``/``None``, lists and dicts, trailing
commas allowed; no name, call, comment or tuple) is checked by the ``json`` module
instead, in slices whose objects are dropped at once, and stands in the tree as
``NAME = []`` with the statement's own positions. The text around it is parsed by
``ast.parse``, piece by piece, with the line numbers of the whole file.

The result is ``ast.parse``'s tree except for those values, which no rule reads: they
hold no operation, no name (the scope analysis and the fresh-name choices see the same
names) and no walrus. Anything the fast path is not sure of is parsed whole, so a file
that does not parse fails exactly as ``ast.parse`` fails (same error, same line).
"""

from __future__ import annotations

import ast
import json
import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass

from migration_fixer import newer_syntax

#: A statement shorter than this is cheaper to parse than to check (characters).
ELIDE_ABOVE = 256 * 1024
#: How deep the data may nest (CPython refuses 200 levels of brackets).
_MAX_DEPTH = 100
#: Slices of about this size are given to ``json`` (their objects are dropped after each).
_SLICE = 1 << 20
#: A slice that has to grow past this (one element this large) is not checked.
_MAX_SLICE = 16 << 20

#: A line that is ``NAME = [`` (after the newline: a literal first is found fast).
_FIRST = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*\[(?=[ \t]*\r?\n)")
_CANDIDATE = re.compile("\n" + _FIRST.pattern)
#: The closing bracket alone at the start of a line, an optional comment after it.
_CLOSE = re.compile(r"\][ \t]*(?:#[^\r\n]*)?(?:\r?\n|\Z)")
#: A trailing comma (one that ends a value and that a closing bracket follows): Python
#: allows it, JSON does not. Replaced by a space, so that nothing moves.
_TRAILING_COMMA = re.compile(rb",(?<![\s\[{,],)(?=[ \t\r\n]*[\]}])")
#: Escapes that mean something else once ``True``/``False``/``None`` are JSON's words
#: (``"\None"`` is a Python error, ``"\none"`` a JSON newline), or that Python warns about.
_UNSAFE = re.compile(rb"\\[TFN/]")
#: JSON's words are names in Python: made invalid JSON (same length; inside a string they
#: stay a string), before Python's constants become JSON's words.
_WORDS = (
    (b"true", b"truE"),
    (b"false", b"falsE"),
    (b"null", b"nulL"),
    (b"True", b"true"),
    (b"False", b"false"),
    (b"None", b"null"),
)


@dataclass(frozen=True)
class _Elided:
    """``NAME = [...]`` at text[start:end] (whole lines), its value literal data."""

    name: str
    start: int
    bracket: int  # offset of ``[``
    close: int  # offset of the closing ``]``
    end: int


def parse_module(text: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(text, filename)``, leaving large literal data out (module docstring);
    syntax of a newer Python read as :mod:`migration_fixer.newer_syntax` reads it."""
    if len(text) < ELIDE_ABOVE:
        return newer_syntax.parse(text, filename)
    elided = list(_elidable(text))
    if not elided:
        return newer_syntax.parse(text, filename)
    try:
        return _parse_around(text, filename, elided)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # Whatever went wrong, the whole parse says it as it always says it.
        return newer_syntax.parse(text, filename)


#: Why a file does not parse when the parser gave up on its depth: CPython raises a bare
#: ``MemoryError`` on deep nesting (``((((...``) up to 3.11, one saying "Parser stack
#: overflowed" from 3.12, and a ``RecursionError`` for some shapes; one reason for all.
TOO_DEEP = "the code is nested too deeply for Python's parser"


def cannot_parse_reason(exc: ValueError | RecursionError | MemoryError) -> str:
    """What to say of a file whose parse raised ``exc`` (not a ``SyntaxError``), the same on
    every Python version."""
    if isinstance(exc, (RecursionError, MemoryError)):
        return TOO_DEEP
    return str(exc) or type(exc).__name__


def _parse_around(text: str, filename: str, elided: list[_Elided]) -> ast.Module:
    """The pieces between the elided statements parsed alone, each with its lines
    counted from the start of the file: their statements, in order, with a stand-in for
    each elided one."""
    body: list[ast.stmt] = []
    position = line = 0  # where the next piece starts, and the lines before it
    for statement in [*elided, None]:
        end = statement.start if statement is not None else len(text)
        piece = ast.parse(text[position:end], filename=filename)
        ast.increment_lineno(piece, line)
        body.extend(piece.body)
        if statement is not None:
            line += text.count("\n", position, statement.start)
            last = line + text.count("\n", statement.start, statement.close)
            body.append(_stand_in(statement, line + 1, last + 1))
            line = last + 1
            position = statement.end
    return ast.Module(body=body, type_ignores=[])


def _stand_in(statement: _Elided, first: int, last: int) -> ast.Assign:
    """``NAME = []`` where the statement is, on lines ``first`` to ``last`` (the text
    before ``[`` and the closing bracket are ASCII: character columns are byte columns)."""
    target = ast.Name(
        id=statement.name,
        ctx=ast.Store(),
        lineno=first,
        col_offset=0,
        end_lineno=first,
        end_col_offset=len(statement.name),
    )
    value = ast.List(
        elts=[],
        ctx=ast.Load(),
        lineno=first,
        col_offset=statement.bracket - statement.start,
        end_lineno=last,
        end_col_offset=1,
    )
    return ast.Assign(
        targets=[target], value=value, lineno=first, col_offset=0, end_lineno=last, end_col_offset=1
    )


def _elidable(text: str) -> Iterator[_Elided]:
    """The statements :func:`parse_module` may leave out, in order (none can start
    inside another: a line of JSON data never starts with a name)."""
    if "barry_as_FLUFL" in text or re.search(r"\r(?!\n)", text):
        return  # a future that changes the grammar; lines that end with a lone CR
    for name, start, bracket in _candidates(text):
        close = _close(text, bracket + 1)
        if close is None:
            return
        if (
            close.end() - start >= ELIDE_ABOVE
            and not keyword.iskeyword(name)
            and _is_data(text[bracket + 1 : close.start()])
        ):
            yield _Elided(name, start, bracket, close.start(), close.end())


def _candidates(text: str) -> Iterator[tuple[str, int, int]]:
    """``(name, offset of the line, offset of [)`` of each ``NAME = [`` line."""
    first = _FIRST.match(text)
    if first is not None:
        yield first.group(1), 0, first.end() - 1
    for match in _CANDIDATE.finditer(text):
        yield match.group(1), match.start() + 1, match.end() - 1


def _close(text: str, start: int) -> re.Match[str] | None:
    """The first line from ``start`` on that starts with a closing bracket alone."""
    position = text.find("\n]", start - 1)
    while position != -1:
        match = _CLOSE.match(text, position + 1)
        if match is not None:
            return match
        position = text.find("\n]", position + 1)
    return None


def _is_data(body: str) -> bool:
    """Whether ``body``, the inside of a list display, is JSON-compatible literal data
    (so certainly valid Python that holds no name), checked slice by slice: each slice
    but the last ends with the comma that separates two elements. (As UTF-8 bytes: the
    regular expressions run several times faster on bytes.)"""
    data = body.encode("utf-8")
    if b"\\" in data and _UNSAFE.search(data):
        return False
    if data.count(b"'") > data.count(b'"'):
        # Python's other quotes: swapped, a valid JSON string is a valid Python one.
        data = data.translate(_SWAP_QUOTES)
    position = 0
    while position < len(data):
        size = _SLICE
        while True:
            cut = data.find(b",\n", position + size)
            cut = len(data) if cut == -1 else cut + 2
            error = _error(data[position:cut])
            if error is None:
                break
            # An element cut in two (the error is near the end): twice the size, a few
            # times at most. An error before is in the data.
            size *= 2
            if error < (cut - position) // 2 or cut == len(data) or size > _MAX_SLICE:
                return False
        position = cut
    return True


def _error(piece: bytes) -> int | None:
    """Where ``piece`` stops being JSON-compatible list elements (None: it does not)."""
    for word, replacement in _WORDS:
        piece = piece.replace(word, replacement)
    piece = b"[" + _TRAILING_COMMA.sub(b" ", piece + b"]")
    try:
        # (Each object becomes its length at once: half the time, a fraction of the memory.)
        json.loads(piece, parse_constant=_refuse, object_pairs_hook=len)
    except json.JSONDecodeError as exc:
        return exc.pos
    except (ValueError, RecursionError):
        return 0
    return None if _shallow(piece) else 0


def _shallow(data: bytes) -> bool:
    """Whether ``data`` (valid JSON) nests less than :data:`_MAX_DEPTH` levels: its
    brackets outside strings, innermost pairs removed until none is left (each round
    removes one or two levels)."""
    if b"\\" in data:
        data = _ESCAPE.sub(b"", data)
    strings = data.translate(None, _NOT_BRACKET_OR_QUOTE).split(b'"')
    brackets = b"".join(strings[::2])
    for _ in range(_MAX_DEPTH // 2):
        if not brackets:
            return True
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    return False


_SWAP_QUOTES = bytes.maketrans(b"'\"", b"\"'")
_ESCAPE = re.compile(rb"\\.")
_NOT_BRACKET_OR_QUOTE = bytes(set(range(256)) - set(b'"[]{}'))


def _refuse(word: str) -> object:
    """``NaN`` and ``Infinity`` are JSON's, names in Python."""
    raise ValueError(word)
