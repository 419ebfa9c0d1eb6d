"""The operations of a migration laid out as Django's migration writer lays them out, told
from the lines of the file without parsing it.

MF003's replay reads a folder's migrations to find how a removed field was defined; most of
the files it reads no rule examines, and parsing them was the largest cost of a cold run.
Nearly all of them are as ``makemigrations`` wrote them (or black reformatted them)::

    class Migration(migrations.Migration):
        dependencies = [...]

        operations = [
            migrations.AddField(
                model_name="book",
                name="title",
                field=models.CharField(max_length=100),
            ),
            ...
        ]

For such a file :func:`read_layout` finds where each operation is, its kind and the models
whose state it changes, from its lines: the keyword arguments of an operation are the lines
indented four spaces deeper than it (``model_name="book",``). The replay parses only the
text before the operations (imports, dependencies) and, one at a time, the operations that
may change the models it asks about (:func:`parse_operation`); each keeps the positions it
has in the file. A ``DeleteModel``, ``RemoveField`` or ``RenameField`` whose names are plain
strings, and an ``AddField`` or ``AlterField`` whose ``field`` is a call, is not parsed at
all when its arguments close where its lines say (:func:`called_alone`): the replay applies it
from its lines, and parses the field an ``AddField`` or ``AlterField`` defines only if it is
looked up (most are not: the replay asks about the field removed). So is a ``CreateModel``
whose ``fields`` are pairs of a plain string and a call, each starting on a line of its own
(:func:`model_fields`): each field is parsed alone when looked up (:func:`parse_field`).

A file is laid out only when every line after ``operations = [`` is where the writer puts
it: each operation starts on a line ``        migrations.Kind(`` and ends on a line
``        ),``, every line between is indented twelve spaces or more, the list closes with
``    ]`` at the end of the file, and no string spans lines (no triple quote, no line ending
in a backslash), so that a line's indentation is the code's. Black joins a call that fits
on one line (``        migrations.RemoveField(model_name="book", name="title"),``), and a
list that fits on one line (``    operations = [migrations.DeleteModel(name="Book")]``, or
``    operations = []``): such a call is read from its line, its arguments split at the
commas outside brackets and strings (:func:`_one_line_arguments`), when the line holds the
one call and nothing else (no comment). Anything else is read by parsing the file, as
before.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from migration_fixer.migration_ast import OPERATIONS

#: The operations whose arguments name the model whose state they change (the first of the
#: names), and which other names the replay needs to be literals.
NAMED_BY: dict[str, tuple[str, ...]] = {
    "CreateModel": ("name",),
    "DeleteModel": ("name",),
    "AddField": ("model_name", "name"),
    "AlterField": ("model_name", "name"),
    "RemoveField": ("model_name", "name"),
    "RenameField": ("model_name", "old_name", "new_name"),
}
#: Operations whose ``state_operations`` the replay applies: a file that has one is parsed.
_NESTED = frozenset({"SeparateDatabaseAndState", "RunSQL"})

_OPENING = "\n    operations = [\n"
_OPENING_ON_ONE_LINE = "\n    operations = ["
#: The newline before a line of the operations list that is not where the writer puts one.
_STRAY_LINE = re.compile(r"\n(?!        \S|            )")
#: The lines indented eight spaces (an operation's first and last) and twelve (its
#: arguments, and the brackets that close them), each found by the newline before it.
_OUTER_LINE = re.compile(r"\n        (\S[^\n]*)")
_ARGUMENT_LINE = re.compile(r"\n            (\S[^\n]*)")
_START = re.compile(r"migrations\.([A-Za-z_]\w*)\(")
#: An operation's line that holds the whole call: its kind, its arguments, and the comma.
_ONE_LINE = re.compile(r"migrations\.([A-Za-z_]\w*)\((.*)\)(,?)")
_KEYWORD = re.compile(r"([A-Za-z_]\w*)=(.*)")
_KEYWORD_AFTER_CLOSING = re.compile(r"[)\]}]+\s*,\s*[A-Za-z_]\w*\s*=")
_MIGRATION_OPERATIONS = re.compile(r"Migration\s*\.\s*operations\b")
_OPERATIONS_WORD = re.compile(r"operations\b")
#: ``migrations``, and whether an attribute of it follows.
_MIGRATIONS_WORD = re.compile(r"migrations\b(\s*\.)?")
_DJANGO_IMPORT = re.compile(
    r"from django\.db import (?:migrations|migrations, models|models, migrations)[ \t]*"
)
_MIGRATION_CLASS = re.compile(r"class Migration\b")
#: A keyword's value that is a string with no escape and no prefix (and its comma).
_PLAIN_STRING = re.compile(r"""(?:"([^"\\]*)"|'([^'\\]*)'),""")


@dataclass(frozen=True)
class LaidOutOperation:
    """One operation of the list: ``text[start:end]`` is its call, which starts at
    ``line`` (1-based) in column 8."""

    kind: str
    start: int
    end: int
    line: int
    #: The models (lower-case names) whose state the replay changes when it applies the
    #: operation; None when that is told only by reading it (a rename of a model, a
    #: name that is not a plain string).
    models: frozenset[str] | None
    #: The names :data:`NAMED_BY` lists (the model's first), when the replay applies the
    #: operation from its lines without parsing it (None: it parses it): a
    #: ``DeleteModel``, ``RemoveField`` or ``RenameField``, or an ``AddField`` or
    #: ``AlterField`` whose ``field`` is a call (parsed when the definition is first
    #: read: :attr:`migration_fixer.history.FieldState.expr`) and whose
    #: ``preserve_default`` is left out or a plain ``True`` or ``False``.
    names: tuple[str, ...] | None = None
    #: An ``AddField``'s or ``AlterField``'s ``preserve_default``.
    preserve_default: bool = True


@dataclass(frozen=True)
class Layout:
    """Where the operations list starts (``operations = [`` begins the line at
    ``header_end``: the text before it is the module up to the list), and its operations
    in order."""

    header_end: int
    operations: tuple[LaidOutOperation, ...]

    def header(self, text: str) -> str:
        """The module without its operations: the text before the list, and an empty
        list in its place (the class body keeps every position the file gives it)."""
        return text[: self.header_end] + "    operations = []\n"


def read_layout(text: str) -> Layout | None:
    """The layout of the migration ``text``, or None when it is not the writer's (the
    file is then parsed whole)."""
    # (Each pattern starts with a newline, which ``re`` finds as fast as ``str.find``: one
    # that starts with ``^`` is tried at every character.)
    if "\r" in text:
        return None
    end = len(text)
    while end and text[end - 1] in " \t\n":
        end -= 1
    opening = text.rfind(_OPENING)
    if opening < 0:
        return _list_on_one_line(text, end)
    header_end, body_start = opening + 1, opening + len(_OPENING)
    body_end = end - 5  # (just after the last operation's newline)
    if body_end < body_start or text[body_end - 1 : end] != "\n    ]":
        return None
    # (``endpos`` ends the text at the last newline: a stray line is told before it.)
    if (
        _STRAY_LINE.search(text, body_start - 1, body_end - 1)
        or text.find('"""', body_start, body_end) >= 0
        or text.find("'''", body_start, body_end) >= 0
        or text.find("\\\n", body_start, body_end) >= 0
    ):
        return None
    outer = list(_OUTER_LINE.finditer(text, body_start - 1, body_end))
    operations = []
    line, counted = text.count("\n", 0, body_start) + 1, body_start
    follows = body_start - 1  # (where the next operation's first line must start)
    index = 0
    while index < len(outer):
        first = outer[index]
        if first.start() != follows:
            return None  # (a line between two operations)
        started = _START.fullmatch(first.group(1))
        if started is not None:  # (its arguments on the lines up to its last, ``),``)
            # (The last one's comma may be left out.)
            index += 2
            if index > len(outer) or outer[index - 1].group(1) not in (
                "),",
                ")" if index == len(outer) else "),",
            ):
                return None
            last = outer[index - 1]
            kind, follows, end = started.group(1), last.end(), last.start() + 10
            arguments = (
                None if kind in _NESTED else _arguments(kind, text, first.end(), last.start())
            )
        else:  # (the whole call on its line, as black writes one that fits)
            index += 1
            called = _one_line_call(text, first.start(1), first.end(1))
            if called is None or (not called[0].group(3) and index < len(outer)):
                return None
            kind, follows, end = called[0].group(1), first.end(), called[0].end(2) + 1
            arguments = called[1]
        if arguments is None:
            return None
        start = first.start() + 9  # (after the newline and the indentation)
        line += text.count("\n", counted, start)
        counted = start
        operations.append(LaidOutOperation(kind, start, end, line, *arguments))
    if follows != body_end - 1:
        return None  # (lines after the last operation)
    return Layout(header_end, tuple(operations))


def _list_on_one_line(text: str, end: int) -> Layout | None:
    """The layout of a migration whose operations list is its last line (``text[:end]``
    without the blank lines after it), as black writes one that fits: ``operations =
    []``, or one operation whose call is on the line; None for anything else."""
    opening = text.rfind(_OPENING_ON_ONE_LINE, 0, end)
    if opening < 0 or text.find("\n", opening + 1, end) >= 0 or text[end - 1 : end] != "]":
        return None
    start = opening + len(_OPENING_ON_ONE_LINE)
    if start == end - 1:
        return Layout(opening + 1, ())
    called = _one_line_call(text, start, end - 1)
    if called is None:
        return None
    alone, arguments = called
    line = text.count("\n", 0, start) + 1
    operation = LaidOutOperation(alone.group(1), start, alone.end(2) + 1, line, *arguments)
    return Layout(opening + 1, (operation,))


def _one_line_call(
    text: str, start: int, end: int
) -> tuple[re.Match[str], tuple[frozenset[str] | None, tuple[str, ...] | None, bool]] | None:
    """The call ``text[start:end]`` holds whole, on one line (:data:`_ONE_LINE`: its
    kind, its arguments, the comma after it), with what :func:`_one_line_arguments` tells
    of it; None when it is not such a call, or one whose ``state_operations`` the replay
    would read (:data:`_NESTED`)."""
    alone = _ONE_LINE.fullmatch(text, start, end)
    if alone is None or alone.group(1) in _NESTED:
        return None
    arguments = _one_line_arguments(alone.group(1), alone.group(2))
    return None if arguments is None else (alone, arguments)


def plain_header(text: str, layout: Layout) -> bool:
    """Whether the text before the operations lets their lines say what they do, as a
    parse of the whole module would: ``migrations`` is Django's (imported by ``from
    django.db import migrations`` and bound by nothing else), the list is what
    ``Migration.operations`` holds (``class Migration`` is the module's last statement,
    nothing else binds ``operations`` in it, nothing changes ``Migration.operations``).
    Told from the text alone, so that a replay that goes past the migration parses
    nothing of it; a text this cannot tell about (a name in a string or a comment) is
    not plain."""
    header = text[: layout.header_end]
    for found in _MIGRATION_OPERATIONS.finditer(text):
        if not _inside_name(text, found.start()):
            return False
    for found in _OPERATIONS_WORD.finditer(header):
        if not _inside_name(header, found.start()) and not header.startswith(
            ("from ", "import "), header.rfind("\n", 0, found.start()) + 1
        ):
            return False
    if "\\\n" in header:
        return False  # (a statement continued on the next line)
    imported = False
    for found in _MIGRATIONS_WORD.finditer(header):
        start = found.start()
        if _inside_name(header, start) or header[start - 1 : start] == ".":
            continue  # (a longer name, or a module's: ``django.db.migrations``)
        line_start = header.rfind("\n", 0, start) + 1
        line_end = header.find("\n", start)
        if _DJANGO_IMPORT.fullmatch(header, line_start, line_end):
            imported = True
        elif found.group(1) is None or "import" in header[line_start:line_end]:
            return False  # (bound: ``migrations = ...``, ``import migrations.x``...)
    # The last line in column 0 (not a comment) is the class's.
    position = layout.header_end - 1
    while position > 0:
        position = header.rfind("\n", 0, position)
        if header[position + 1 : position + 2] not in ("", " ", "\t", "\n", "#"):
            break
    return imported and _MIGRATION_CLASS.match(header, position + 1) is not None


def _inside_name(text: str, start: int) -> bool:
    """Whether the word at ``start`` is the end of a longer name."""
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")


#: The operations the replay can apply from their lines (:attr:`LaidOutOperation.names`).
_FROM_LINES = frozenset({"DeleteModel", "RemoveField", "RenameField", "AddField", "AlterField"})
#: A ``field`` value that is a call of a dotted name: never a name, whose value the replay
#: would look up in the module.
_CALL = re.compile(r"[A-Za-z_][\w.]*\(")
_PRESERVE_DEFAULT = {"True,": True, "False,": False}


def _arguments(
    kind: str, text: str, start: int, end: int
) -> tuple[frozenset[str] | None, tuple[str, ...] | None, bool] | None:
    """What :func:`migration_fixer.history` finds the operation changes (whose arguments
    are the lines of ``text[start:end]``), from the lines of its keyword arguments, and
    what :class:`LaidOutOperation` says of its names and ``preserve_default``; None when
    an argument line is not a keyword (a positional or starred argument, a comment...)
    or a keyword is given twice. The replay needs the arguments only of the operations
    that name a model (:data:`NAMED_BY`): a kind it does not know changes what its name
    says, whatever its arguments."""
    by_kind = _told_by_kind(kind)
    if by_kind is not None:
        return by_kind
    keywords: dict[str, str] = {}
    for argument in _ARGUMENT_LINE.finditer(text, start, end):
        content = argument.group(1)
        if content[0] in ")]}":
            # The end of a value written on several lines; a keyword after it on the line
            # (``), preserve_default=False``) is one the lines would not say.
            if _KEYWORD_AFTER_CLOSING.match(content) is not None:
                return None
            continue
        keyword = _KEYWORD.fullmatch(content)
        if keyword is None or keyword.group(1) in keywords:
            return None
        keywords[keyword.group(1)] = keyword.group(2)
    return _named(kind, keywords)


def _told_by_kind(
    kind: str,
) -> tuple[frozenset[str] | None, tuple[str, ...] | None, bool] | None:
    """What an operation that names no model changes, told by its kind alone (None: the
    kind names a model, :data:`NAMED_BY`, and its arguments tell which)."""
    if kind not in OPERATIONS:
        # Not one the replay knows (``AddIndex``, ``AlterModelOptions``...): it leaves the
        # state alone, unless its name says it may change fields.
        return (None if kind.endswith("Model") or "Field" in kind else frozenset()), None, True
    if kind not in NAMED_BY:
        return (None if kind == "RenameModel" else frozenset()), None, True
    return None


def _named(
    kind: str, keywords: dict[str, str]
) -> tuple[frozenset[str], tuple[str, ...] | None, bool] | tuple[None, None, bool]:
    """What an operation :data:`NAMED_BY` lists changes, from its keyword arguments (each
    value as written, with the comma that ends it)."""
    names = []
    for key in NAMED_BY[kind]:
        value = _PLAIN_STRING.fullmatch(keywords.get(key, ""))
        if value is None:
            return None, None, True
        names.append(value.group(1) if value.group(1) is not None else value.group(2))
    models = frozenset({names[0].lower()})
    if kind in ("AddField", "AlterField") and "field" not in keywords:
        return None, None, True
    preserve = _PRESERVE_DEFAULT.get(keywords.get("preserve_default", "True,"))
    if (
        kind not in _FROM_LINES
        or preserve is None
        or ("field" in keywords and not _CALL.match(keywords["field"]))
    ):
        return models, None, True
    return models, tuple(names), preserve


#: What splits the arguments of a call written on one line: a bracket, a comma, a string
#: (its brackets and commas are not code), and what may not be in them (a comment, a
#: quote that opens a string the line does not close).
_ONE_LINE_TOKEN = re.compile(r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[()\[\]{},#"'])""")


def _one_line_arguments(
    kind: str, arguments: str
) -> tuple[frozenset[str] | None, tuple[str, ...] | None, bool] | None:
    """What :func:`_arguments` tells of an operation whose call is on one line, from the
    text between its parentheses; None when that text is not the arguments of one call
    (a bracket it does not close, one it closes that it does not open: ``).chained(``),
    or for an operation that names a model, when they are not keyword arguments (each
    given once), as :func:`_arguments` reads them on their lines."""
    commas: list[int] = []
    if _depth(arguments, 0, len(arguments), commas=commas) != 0:
        return None
    by_kind = _told_by_kind(kind)
    if by_kind is not None:
        return by_kind
    starts = [0, *(comma + 1 for comma in commas)]
    pieces = list(zip(starts, [*commas, len(arguments)], strict=True))
    if not arguments[starts[-1] :].strip():
        pieces.pop()  # (a comma after the last argument)
    keywords: dict[str, str] = {}
    for start, end in pieces:
        keyword = _KEYWORD.fullmatch(arguments[start:end].strip())
        if keyword is None or keyword.group(1) in keywords:
            return None
        keywords[keyword.group(1)] = keyword.group(2) + ","
    return _named(kind, keywords)


#: A bracket, a string (its brackets are not code) or a comment.
_BRACKET_STRING_OR_COMMENT = re.compile(
    r"""[()\[\]{}]|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*"""
)


def called_alone(text: str, operation: LaidOutOperation) -> bool:
    """Whether the argument lines of ``operation`` close every bracket they open and none
    they do not: the operation is the call its first and last lines make, nothing chained
    after it or written beside it. (Asked only of an operation the replay would apply from
    its lines: :attr:`LaidOutOperation.names`.)"""
    newline = text.find("\n", operation.start, operation.end)
    if newline == -1:
        return True  # (a call on one line: :func:`read_layout` read its arguments whole)
    return _depth(text, newline, operation.end - 10) == 0


def _depth(
    text: str, start: int, end: int, depth: int = 0, commas: list[int] | None = None
) -> int | None:
    """The brackets left open after ``text[start:end]``, starting with ``depth`` open;
    None when it closes one that is not open. With ``commas``, ``text[start:end]`` is
    code on one line (:func:`_one_line_arguments`): the commas outside brackets and
    strings are added to it, and a comment or a quote that opens no whole string makes
    it None."""
    pattern = _BRACKET_STRING_OR_COMMENT if commas is None else _ONE_LINE_TOKEN
    for found in pattern.finditer(text, start, end):
        character = found.group()
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif commas is not None and len(character) == 1:
            if character != ",":
                return None  # (a comment, or a quote alone)
            if not depth:
                commas.append(found.start())
    return depth


@dataclass(frozen=True)
class LaidOutField:
    """One pair of a laid-out ``CreateModel``'s ``fields`` (:func:`model_fields`):
    ``text[start:end]`` is the pair, a tuple of the field's name and a call, which starts
    at ``line`` (1-based) in column 16."""

    name: str
    start: int
    end: int
    line: int


#: The first character of a line indented sixteen spaces: a pair of ``fields`` starts
#: there (or a closing bracket of one).
_PAIR_LINE = re.compile(r"\n                (\S)")
#: A pair's opening parenthesis, the field's name as a plain string, and the comma.
_PAIR_START = re.compile(r"""\(\s*(?:"([^"\\\n]*)"|'([^'\\\n]*)')\s*,\s*""")
#: What may follow a pair's call: a comma, the pair's closing parenthesis, a comma.
_PAIR_END = re.compile(r"\s*(?:,\s*)?\)\s*(?:,\s*)?")


def model_fields(
    text: str, operation: LaidOutOperation
) -> tuple[str, tuple[LaidOutField, ...]] | None:
    """A laid-out ``CreateModel``'s name (a plain string) and the pairs of its ``fields``
    list, told from its lines: each pair a plain string and a call of a dotted name
    (``("sku", models.CharField(max_length=9)),``, or black's split of it), each starting
    on a line of its own; None for anything else (the replay then parses the operation)."""
    start, end = text.find("\n", operation.start), operation.end - 10  # (its argument lines)
    if operation.kind != "CreateModel" or not operation.start < start < end:
        return None  # (another operation, or one on one line: the replay parses it)
    name: str | None = None
    listed: tuple[int, int] | None = None
    for argument in _ARGUMENT_LINE.finditer(text, start, end):
        content = argument.group(1)
        if content[0] in ")]}":
            continue
        keyword = _KEYWORD.fullmatch(content)
        assert keyword is not None  # (read_layout read each as a keyword, given once)
        value = keyword.group(2)
        if keyword.group(1) == "name":
            plain = _PLAIN_STRING.fullmatch(value)
            if plain is None:
                return None
            name = plain.group(1) if plain.group(1) is not None else plain.group(2)
        elif keyword.group(1) == "fields" and value != "[],":
            closing = _ARGUMENT_LINE.search(text, argument.end(), end)
            if value != "[" or closing is None or closing.group(1) != "],":
                return None
            listed = (argument.end(), closing.start())
    if name is None:
        return None
    if listed is None:
        return (name, ()) if _depth(text, start, end) == 0 else None
    # The arguments around the pairs (each pair is read whole below) close what they open.
    open_before = _depth(text, start, listed[0])
    if open_before is None or _depth(text, listed[1], end, open_before) != 0:
        return None
    starts = [m.start(1) for m in _PAIR_LINE.finditer(text, *listed) if m.group(1) not in ")]}"]
    fields = []
    line = operation.line + text.count("\n", operation.start, listed[0])
    counted = listed[0]
    for index, pair_start in enumerate(starts):
        pair_end = starts[index + 1] - 17 if index + 1 < len(starts) else listed[1]
        pair = _pair(text, pair_start, pair_end)
        if pair is None:
            return None
        line += text.count("\n", counted, pair_start)
        counted = pair_start
        fields.append(LaidOutField(pair[0], pair_start, pair[1], line))
    return name, tuple(fields)


def _pair(text: str, start: int, end: int) -> tuple[str, int] | None:
    """The name of the pair ``text[start:end]`` (up to the line of the next one) and where
    the pair ends, when it is a plain string and a call, and nothing else."""
    opened = _PAIR_START.match(text, start, end)
    if opened is None or not _CALL.match(text, opened.end(), end):
        return None
    depth = 0
    for found in _BRACKET_STRING_OR_COMMENT.finditer(text, opened.end(), end):
        character = found.group()
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
            if depth == 0:
                closed = _PAIR_END.match(text, found.end(), end)
                if closed is None or closed.end() != end:
                    return None
                name = opened.group(1) if opened.group(1) is not None else opened.group(2)
                return name, text.index(")", found.end()) + 1
        elif character[0] == "#":
            return None
    return None


def parse_field(text: str, field: LaidOutField, filename: str) -> ast.expr | None:
    """The field (the call) of a pair of a laid-out ``CreateModel``, parsed alone, every
    node at the line and column it has in ``text``; None when it does not parse."""
    # (A parenthesis in column 0 and 15 spaces put the pair in column 16.)
    node = _parsed_at(text[field.start : field.end], field.line, " " * 15, filename)
    if node is None:
        return None
    assert isinstance(node, ast.Tuple)  # (a string and a call: model_fields read it so)
    return node.elts[1]


def parse_operation(text: str, operation: LaidOutOperation, filename: str) -> ast.Call | None:
    """The call of ``operation`` parsed alone, every node at the line and column it has in
    ``text``; None when it does not parse (the file has a syntax error there)."""
    # (A parenthesis in column 0 ahead of the spaces that put the call in its column: 8,
    # or after ``operations = [`` on the list's one line.)
    column = operation.start - text.rfind("\n", 0, operation.start) - 1
    piece = text[operation.start : operation.end]
    node = _parsed_at(piece, operation.line, " " * (column - 1), filename)
    return node if isinstance(node, ast.Call) else None


def _parsed_at(piece: str, line: int, indent: str, filename: str) -> ast.expr | None:
    """``piece``, an expression whose first line starts in column ``len(indent) + 1`` of
    line ``line``, parsed as the expression it is in its place: each node at the line and
    column it has in the file (None: it does not parse)."""
    # Blank lines before it put it on its line; far down a file they cost the parser more
    # than the piece (dj-stripe: 518 removals looked up in a 286 kB 0001_initial, 0.19 s),
    # and the nodes are moved down after the parse instead (about as costly as 700 lines).
    padding = "\n" * (line - 1) if line <= _PADDED_LINES else ""
    try:
        node = ast.parse(padding + "(" + indent + piece + ")", filename=filename, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not padding and line > 1:
        ast.increment_lineno(node.body, line - 1)
    return node.body


#: The last line a piece is put on by blank lines before it (:func:`_parsed_at`).
_PADDED_LINES = 600
