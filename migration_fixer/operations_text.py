"""A migration's text with the operations a replay cannot need blanked out.

MF003's replay for a model reads every migration whose text names the model. Such a file
is often a large ``0001_initial`` with dozens of ``CreateModel`` calls of which one names
the model; ``ast.parse`` is the largest single cost of a cold run, and the replay leaves
the others out once parsed. :func:`blanked_operations` finds the
top-level elements of ``operations = [...]`` by a scan of the text's brackets, strings
and comments, and replaces each one that cannot change the models asked about (its text
names none of them, and it is a call of a Django operation whose model is a literal) by
the line breaks it spans, so that what stays keeps its lines and columns: the replay
parses that text instead.

The scan is conservative: a text of any other shape (the list not a literal directly in
the class body, strings or brackets that do not match, an f-string, ``operations`` named
anywhere else) gives None, and the file is parsed in full. (A syntax error inside an
operation left out is not seen, as in a file the replay does not parse at all.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

_COMMENT_PATTERN = r"#[^\r\n]*"
_STRING_PATTERN = (
    r'"""(?:[^"\\]|\\.|"(?!""))*+"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*+'''"
    r'|"(?:[^"\\\r\n]|\\.)*+"'
    r"|'(?:[^'\\\r\n]|\\.)*+'"
)


def _groups(depth: int) -> str:
    """A bracketed group, its brackets paired, up to ``depth`` levels deep, strings and
    comments inside (possessive: a group that does not end fails at once)."""
    inside = rf"[^()\[\]{{}}\"'#]++|{_STRING_PATTERN}|{_COMMENT_PATTERN}"
    if depth > 1:
        inside += "|" + _groups(depth - 1)
    return rf"\((?:{inside})*+\)|\[(?:{inside})*+\]|\{{(?:{inside})*+\}}"


#: What the scan goes from one to the next of (numbered as ``Match.lastindex`` tells), after
#: the text between (taken in the match: the search does not try every character): a
#: bracketed group taken whole (up to three levels deep), a comment, a string, an opening
#: bracket, a closing one, a comma, a quote alone (a string that does not end).
_TOKEN = re.compile(
    rf"[^()\[\]{{}}\"'#,]*+(?:({_groups(3)})|({_COMMENT_PATTERN})|({_STRING_PATTERN})"
    r"|([\[({])|([\])}])|(,)|(['\"]))",
    re.DOTALL,
)
_GROUP, _COMMENT, _STRING, _OPEN, _CLOSE, _COMMA, _QUOTE = range(1, 8)
#: A string prefix that may be an f-string's (its code may hold quotes and brackets).
#: (Each looked for with ``str.find``: a pattern starting with a set of characters is
#: tried at every character.)
_F_PREFIXES = tuple(f"{f}{r}{quote}" for f in "fF" for r in ("", "r", "R") for quote in "'\"")
#: The size of a file below which it is not scanned: the scan costs about half what the
#: parse it may save, and in a small file it seldom finds much to leave out.
WORTH_SCANNING = 3000
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_CODE_LINE = re.compile(r"[\r\n]([ \t]*)[^\s#]")

# (The patterns start with a literal: Python's ``re`` then finds the candidates quickly; a
# word boundary or a line start before it is checked apart.)
_MIGRATION_CLASS = re.compile(r"class\s+Migration\b[^\r\n]*")
_OPERATIONS_WORD = re.compile(r"operations\b")
_ASSIGNMENT = re.compile(r"[ \t]*=[ \t]*\[")
_SPACE_AND_COMMENTS = re.compile(r"(?:\s|#[^\r\n]*)*")
#: What may follow an element's call: space, comments, its comma.
_ONLY_A_COMMA = re.compile(r"(?:\s|#[^\r\n]*)*,?(?:\s|#[^\r\n]*)*")
_END_OF_STATEMENT = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r\n|\r|\n|$)")
_COLUMN_0_STATEMENT = re.compile(r"[\r\n][^\s#]")
# (The patterns start with a literal: Python's ``re`` then finds the candidates quickly.)
_DJANGO_MIGRATIONS_IMPORT = re.compile(
    r"from[ \t]+django\.db[ \t]+import[ \t]+[^\r\n]*\bmigrations\b"
)
_MIGRATIONS_IMPORTED = re.compile(r"import[^\r\n]*\bmigrations\b")
_MIGRATIONS_BOUND = re.compile(r"migrations[ \t]*(?:=(?!=)|:)|def[ \t]+migrations\b")

_LITERAL = r"[rRuU]?(?:\"[^\"\\\r\n]*\"|'[^'\\\r\n]*')"
#: The operations whose state the replay can tell from a match alone: it changes no
#: model's fields (those without a model's name), or the one model named by the literal
#: its arguments start with (with every name the replay reads a literal, and ``field=``).
_HARMLESS_CALL = re.compile(
    r"migrations\s*\.\s*(?:"
    r"(?:AddIndex|RemoveIndex|RenameIndex|AddConstraint|RemoveConstraint|AlterUniqueTogether"
    r"|AlterIndexTogether|AlterModelOptions|AlterModelManagers|AlterModelTable"
    r"|AlterModelTableComment|AlterOrderWithRespectTo)\s*\("
    rf"|(?:CreateModel|DeleteModel)\s*\(\s*(?:name\s*=\s*)?{_LITERAL}\s*[,)]"
    rf"|(?:AddField|AlterField)\s*\(\s*model_name\s*=\s*{_LITERAL}\s*,"
    rf"\s*name\s*=\s*{_LITERAL}\s*,\s*field\s*="
    rf"|RenameField\s*\(\s*model_name\s*=\s*{_LITERAL}\s*,\s*old_name\s*=\s*{_LITERAL}\s*,"
    rf"\s*new_name\s*=\s*{_LITERAL}\s*[,)]"
    r")"
)


class Element(NamedTuple):
    """A top-level element of the operations list, as offsets in the text."""

    start: int
    #: The end of the text it takes: after its comma (the last one, without a comma, ends
    #: where the list closes).
    end: int
    #: The end of its first bracketed group (the arguments of a call), -1 if it has none.
    group_end: int


def operation_elements(text: str) -> list[Element] | None:
    """The top-level elements of the ``operations = [...]`` list of ``class Migration``.
    None when the text is not of that shape
    or the scan is unsure of it: one ``class Migration`` at column 0, the word
    ``operations`` written once in the file, bound directly in its body (no statement at
    column 0 nor a triple-quoted string before it) to a list literal that ends the
    statement, its brackets and strings matching, no f-string in the file."""
    classes = [
        m
        for m in _MIGRATION_CLASS.finditer(text)
        if m.start() == 0 or text[m.start() - 1] in "\r\n"
    ]
    words = [m for m in _OPERATIONS_WORD.finditer(text) if not _in_a_name(text, m.start())]
    if len(classes) != 1 or len(words) != 1 or _has_f_string(text):
        return None
    header_end, word = classes[0].end(), words[0]
    line_start = max(text.rfind("\n", 0, word.start()), text.rfind("\r", 0, word.start())) + 1
    indent = text[line_start : word.start()]
    assignment = _ASSIGNMENT.match(text, word.end())
    if (
        word.start() < header_end
        or not indent
        or indent.strip(" \t")
        or assignment is None
        or _COLUMN_0_STATEMENT.search(text, header_end, line_start) is not None
        or '"""' in text[: word.start()]
        or "'''" in text[: word.start()]
        or _body_indent(text, header_end) != indent
    ):
        return None
    return _elements(text, assignment.end())


def _body_indent(text: str, header_end: int) -> str:
    """The indentation of the first line of code after the class header (there is one:
    the line of ``operations``)."""
    line = _CODE_LINE.search(text, header_end)
    assert line is not None
    return line.group(1)


def _has_f_string(text: str) -> bool:
    """Whether ``text`` may hold an f-string (its code may hold quotes and brackets):
    a prefix with ``f`` before a quote, not inside a longer name (``rf"..."`` too)."""
    for prefix in _F_PREFIXES:
        found = text.find(prefix)
        while found != -1:
            start = found - 1 if found and text[found - 1] in "rR" else found
            if not _in_a_name(text, start):
                return True
            found = text.find(prefix, found + 1)
    return False


def _in_a_name(text: str, start: int) -> bool:
    """Whether the character before ``start`` continues a name (``start`` is not the
    start of a word)."""
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")


def _elements(text: str, opened: int) -> list[Element] | None:
    """The elements of the list whose ``[`` ends at ``opened`` (see :func:`operation_elements`)."""
    elements: list[Element] = []
    brackets: list[str] = []
    group_end = -1
    start = _SPACE_AND_COMMENTS.match(text, opened).end()  # type: ignore[union-attr]
    for token in _TOKEN.finditer(text, opened):
        kind = token.lastindex
        assert kind is not None
        at, after = token.span(kind)
        if kind == _QUOTE:
            return None
        if kind == _GROUP and not brackets and group_end == -1:
            group_end = after
        elif kind == _OPEN:
            brackets.append(_PAIRS[text[at]])
        elif kind == _CLOSE and brackets:
            if brackets.pop() != text[at]:
                return None
            if not brackets and group_end == -1:
                group_end = after
        elif kind == _CLOSE:
            if text[at] != "]" or _END_OF_STATEMENT.match(text, after) is None:
                return None
            if start < at:
                elements.append(Element(start, at, group_end))
            return elements
        elif kind == _COMMA and not brackets:
            if start == at:
                return None  # an empty element (``[,]``): the parser says what is wrong
            elements.append(Element(start, after, group_end))
            group_end = -1
            start = _SPACE_AND_COMMENTS.match(text, after).end()  # type: ignore[union-attr]
    return None  # the list does not end


def blanked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each of ``spans`` (ascending, apart) replaced by its line breaks, and,
    when code follows it on its last line, by as many spaces there as it takes bytes of
    UTF-8 (that code keeps its column, which the parser counts in bytes)."""
    parts = []
    done = 0
    for start, end in spans:
        parts.append(text[done:start])
        span = text[start:end]
        last_break = max(span.rfind("\n"), span.rfind("\r")) + 1
        parts.append(re.sub(r"[^\r\n]+", "", span[:last_break]))
        tail = span[last_break:]
        if _END_OF_STATEMENT.match(text, end) is None:  # (else nothing on the line moves)
            parts.append(" " * (len(tail) if tail.isascii() else len(tail.encode("utf-8"))))
        done = end
    parts.append(text[done:])
    return "".join(parts)


def blanked_operations(text: str, names: frozenset[str]) -> str | None:
    """``text`` with the top-level operations that cannot change the models ``names``
    (lower case) blanked out (:func:`blanked`): those whose text does not name one of
    them, case-insensitively, and that are calls of Django operations the replay leaves
    out for any other model (:data:`_HARMLESS_CALL`, ``migrations`` imported from
    ``django.db`` and bound nowhere else). None for a text under :data:`WORTH_SCANNING`
    characters, when the scan is unsure
    (:func:`operation_elements`) or nothing is left out: the file is then parsed in full."""
    if len(text) < WORTH_SCANNING or text.count("migrations.") < 4:
        return None  # (the base class and at most two operations: little to gain)
    imported = _DJANGO_MIGRATIONS_IMPORT.search(text)
    if (
        imported is None
        or (imported.start() and text[imported.start() - 1] not in "\r\n")
        or len(_MIGRATIONS_IMPORTED.findall(text)) != 1
        or _MIGRATIONS_BOUND.search(text) is not None
    ):
        return None
    elements = operation_elements(text)
    if elements is None:
        return None
    left_out = []
    for start, end, group_end in elements:
        element = text[start:end]
        lowered = element.lower()
        if (
            _HARMLESS_CALL.match(element)
            and _ONLY_A_COMMA.fullmatch(text, group_end, end)
            and not any(name in lowered for name in names)
        ):
            left_out.append((start, end))
    return blanked(text, left_out) if left_out else None
