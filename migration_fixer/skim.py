"""Reading a migration's text without parsing it (for the history's replay).

MF003 replays a folder's migrations to find how a removed field was defined. Most files of
a folder cannot change the model asked about, and building their ``ast`` was most of a
cold run's time. Two cheap reads let the history leave them unparsed:

* :func:`graph_edges`: the ``dependencies``/``replaces``/``run_before`` lists of a file
  of the usual shape, read from the text (the bracketed value alone is parsed). A file of
  another shape gives None: the history parses it to read its graph.
* :func:`must_read`: why a file must be read whatever model is asked about ("" when it
  changes no model its text does not name). A file for which it says "" and whose text
  does not name the model (nor a name the model had) is skipped by the replay for that
  model: every operation that changes a model names it with a literal, and the file has
  nothing that could reach a model another way. A name imported from outside Django (a
  field class, a mixin, the ``Migration`` base class of a project) may be used in the
  arguments of Django's operations, where the replay reads nothing but literal names
  and field definitions, and as the base of ``class Migration``, which the replay
  ignores: a scan of the code's brackets, strings and comments tells where it is used.

Both are conservative: when in doubt, the file is parsed and read as before.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass

from migration_fixer.writer_layout import read_layout

#: The lists of a ``Migration`` class that make the graph.
GRAPH_NAMES = ("dependencies", "replaces", "run_before")

# (The patterns start with a literal where they can: Python's ``re`` then finds the
# candidates quickly; the word boundary before it is checked by :func:`_word_at`.)
_CLASS = re.compile(r"class\s+(\w+)")
_MIGRATION_CLASS = re.compile(r"class\s+Migration\b")
_COLUMN_0_STATEMENT = re.compile(r"\n[^\s#]")
#: A bracketed list or tuple of pairs (brackets inside strings end the match early: the
#: value then fails to parse, or is not followed by the end of the statement).
_BRACKETED = re.compile(r"[\[(][^\[\]()]*(?:\([^()\[\]]*\)[^\[\]()]*)*[\])]")
_EQUALS = re.compile(r"\s*=(?!=)\s*")
#: Spaces, line breaks and comments between the elements of a bracketed value.
_GAP = r"(?:[ \t\r\n]|#[^\r\n]*(?![^\r\n]))*"  # (a comment: to the end of its line)
#: A string literal without prefix nor escape (its value grouped in one of two groups).
_PLAIN_STRING = r"""(?:"([^"\\\r\n]*)"|'([^'\\\r\n]*)')"""
_PLAIN_PAIR = re.compile(rf"\({_GAP}{_PLAIN_STRING}{_GAP},{_GAP}{_PLAIN_STRING}{_GAP},?{_GAP}\)")
#: Such a pair, or a call of a dotted name with a dotted name
#: (``migrations.swappable_dependency(settings.AUTH_USER_MODEL)``, which
#: :func:`tuple_pairs` leaves out).
_PLAIN_ELEMENT = rf"(?:{_PLAIN_PAIR.pattern}|[\w.]+\({_GAP}[\w.]+{_GAP}\))"
#: A list or tuple of them, the elements separated by commas (a last one allowed).
_PLAIN_PAIRS = re.compile(
    rf"[\[(]{_GAP}(?:{_PLAIN_ELEMENT}{_GAP},{_GAP})*(?:{_PLAIN_ELEMENT}{_GAP})?[\])]"
)
#: Such a pair or a comment (a pair in a comment is not one).
_PAIR_OR_COMMENT = re.compile(rf"#[^\r\n]*(?![^\r\n])|{_PLAIN_PAIR.pattern}")
#: One element in parentheses, without a comma: not a tuple.
_PARENTHESIZED = re.compile(rf"\({_GAP}{_PLAIN_ELEMENT}{_GAP}\)")
#: A ``class`` statement at any indentation (a form feed counts as none), and its name.
_CLASS_STATEMENT = re.compile(r"(?:\A|(?<=[\r\n]))[ \t\f]*class\b")
_CLASS_NAME = re.compile(r"[ \t\f]+([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_]|[^\x00-\x7f])")
_END_OF_STATEMENT = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\r?\n|$)")
_STATEMENT_START = re.compile(r"^[ \t]*\S", re.MULTILINE)

#: Modules whose import cannot bring an operation or a model name into a migration.
_HARMLESS_MODULES = frozenset(
    {
        "__future__",
        "django",
        "collections",
        "datetime",
        "decimal",
        "enum",
        "json",
        "logging",
        "math",
        "re",
        "string",
        "typing",
        "uuid",
    }
)
_IMPORT_WORD = re.compile(r"import\b")
_AS_WORD = re.compile(r"\bas\b")
_IMPORT = re.compile(
    r"[ \t]*(?:from[ \t]+(\S+)[ \t]+import[ \t]*(\([^)]*\)|[^\n#;]*)|import[ \t]+([^\n#;]+))"
)
#: Builtins and modules that reach names or code the text does not spell: each word, and
#: the pattern that finds it used so (the word boundary before it is checked by
#: :func:`_word_at`; the word is looked for first, faster than the pattern).
_DYNAMIC = (
    *(
        (word, re.compile(rf"{word}\s*\("))
        for word in (
            "exec",
            "eval",
            "compile",
            "__import__",
            "globals",
            "locals",
            "vars",
            "getattr",
            "setattr",
            "delattr",
        )
    ),
    ("importlib", re.compile(r"importlib\b")),
    ("__dict__", re.compile(r"__dict__\b")),
    ("sys", re.compile(r"sys\s*\.\s*modules\b")),
)
_TYPE_CALL = re.compile(r"type\s*\(")
#: The operations that create, change or delete a model or its fields (``RenameModel``
#: makes a file always read).
#: One not followed by a call whose first argument is a string literal or a keyword (the
#: operation's name in the group that matched). Two patterns, each starting with the
#: literal its operations end with, which Python's ``re`` finds far faster than the
#: first letters of six names.
_NOT_CALLED = r"\b(?!\s*\(\s*(?:[rRuU]?(?:\"[^\"\\\n]*\"|'[^'\\\n]*')\s*[,)]|\w+\s*=(?!=)|\)))"
_MODEL_OPERATIONS_NOT_CALLED = (
    re.compile(r"Model(?<=(CreateModel|DeleteModel))" + _NOT_CALLED),
    re.compile(
        r"Field(?:(?<=(AddField))|(?<=(AlterField))|(?<=(RemoveField|RenameField)))" + _NOT_CALLED
    ),
)
#: A keyword ending in ``name`` whose value is not a single string literal: a model's
#: when the keyword is ``model_name`` or ``name`` (of ``CreateModel``, ``DeleteModel``).
_NAME_NOT_LITERAL = re.compile(r"name\s*=(?!=)\s*(?![rRuU]?(?:\"[^\"\\\n]*\"|'[^'\\\n]*')\s*[,)])")
_IMPORT_LINE = re.compile(r"[ \t]*(?:from|import)\b")
#: A star followed by what may start an expression: an argument unpacked when the star
#: follows an opening parenthesis or a comma (:func:`_star_argument`).
_STAR = re.compile(r"\*\*?\s*[\w(\[{]")


@dataclass(frozen=True)
class GraphEdges:
    dependencies: list[tuple[str, str]]
    replaces: list[tuple[str, str]]
    run_before: list[tuple[str, str]]


def graph_edges(text: str) -> GraphEdges | None:
    """The graph lists of a migration of the usual shape, read from its text: one
    ``class Migration`` at column 0, not inside a string (a triple-quoted string before it
    is read to its end), each of the graph's names assigned once, as ``name = value``
    directly in the class body, the value read as the parser's :func:`tuple_pairs` reads
    it. A graph name found elsewhere must be one no statement can bind: in a longer name,
    an attribute, a string or a comment, or inside an operations list in the writer's
    layout (:class:`_OperationsList`). None for any other shape (the caller parses the
    file)."""
    classes = [
        m for m in _MIGRATION_CLASS.finditer(text) if m.start() == 0 or text[m.start() - 1] == "\n"
    ]
    if len(classes) != 1:
        return None
    start = classes[0].start()
    before: list[tuple[int, int]] | None = []
    if text.find('"""', 0, start) != -1 or text.find("'''", 0, start) != -1:
        before = _strings_and_comments(text, start)
        if before is None:
            return None
    header_end = text.find("\n", start)
    body_indent = None if header_end == -1 else _body_indent(text, header_end)
    if body_indent is None:
        return None
    found: dict[str, list[tuple[str, str]]] = {}
    scan: _StringsAndComments | None = None
    operations: _OperationsList | None = None
    operations_read = False  # (read on the first word found elsewhere: rare)
    for at, name in _graph_words(text):
        if at < start and any(a <= at < b for a, b in before or ()):
            continue  # (in a string or a comment)
        line_start = text.rfind("\n", 0, at) + 1
        if (
            at < header_end
            or text[line_start:at] != body_indent
            or _COLUMN_0_STATEMENT.search(text, header_end, line_start) is not None
        ):
            # Not where the class body's assignment would be: a word that cannot be one
            # is left out, anything else is parsed.
            if _after_name_or_string(text, at) or _in_comment(text, at):
                continue
            if at > start:
                scan = scan or _StringsAndComments(text, start)
                if scan.covers(at):
                    continue
            if not operations_read:
                operations, operations_read = _OperationsList.of(text), True
            if operations is None or not operations.holds(text, at):
                return None
            continue
        if name in found:
            return None  # written twice (``+=``, another class...): parse it
        pairs = _assigned_pairs(text, at + len(name))
        if pairs is None:
            return None
        found[name] = pairs
    return GraphEdges(
        found.get("dependencies", []), found.get("replaces", []), found.get("run_before", [])
    )


def _graph_words(text: str) -> list[tuple[int, str]]:
    """Where the graph's names are in ``text``, in order, each followed by a character
    that cannot continue a name (or by the end); a name may end a longer one.
    (``str.find`` for each name is several times faster than one pattern of the three.)"""
    found = []
    for name in GRAPH_NAMES:
        at = text.find(name)
        while at != -1:
            end = at + len(name)
            if end == len(text) or not (text[end].isalnum() or text[end] == "_"):
                found.append((at, name))
            at = text.find(name, at + 1)
    found.sort()
    return found


def _strings_and_comments(text: str, end: int) -> list[tuple[int, int]] | None:
    """Where the strings and comments of ``text[:end]`` are; None when one does not end
    before ``end`` (``end`` is then inside it, or the text is not Python)."""
    spans = []
    for match in _STRING_OR_COMMENT.finditer(text, 0, end):
        if match.lastindex is None:
            return None  # a quote alone
        spans.append(match.span())
    return spans


def _body_indent(text: str, header_end: int) -> str | None:
    """The indentation of the first statement after the class header (None: none)."""
    for match in _STATEMENT_START.finditer(text, header_end + 1):
        line = text[match.start() : match.end() - 1]
        if text[match.end() - 1] == "#":
            continue
        return line if line else None
    return None


def _assigned_pairs(text: str, after_name: int) -> list[tuple[str, str]] | None:
    """The pairs of the value assigned after ``text[:after_name]`` (the name, at the start
    of a statement), as :func:`migration_fixer.history` reads them from the parse:
    :func:`tuple_pairs`, or none when the value is not a literal list or tuple (None: the
    statement is not ``name = value`` ending its line). The usual value, pairs of plain
    string literals, is read by a pattern; any other is parsed alone.

    A value parsed alone is the statement's whole value: it starts where the code is
    outside brackets and strings, so its tokens are the file's up to where it ends, and
    when it parses it ends outside brackets and strings, where the line that follows ends
    the statement."""
    equals = _EQUALS.match(text, after_name)
    if equals is None:
        return None
    bracketed = _BRACKETED.match(text, equals.end())
    if bracketed is not None and _END_OF_STATEMENT.match(text, bracketed.end()) is not None:
        source = bracketed.group(0)
        if _PLAIN_PAIRS.fullmatch(source) and not _PARENTHESIZED.fullmatch(source):
            return [
                (
                    pair.group(1) if pair.group(1) is not None else pair.group(2),
                    pair.group(3) if pair.group(3) is not None else pair.group(4),
                )
                for pair in _PAIR_OR_COMMENT.finditer(source)
                if pair.group(0)[0] != "#"
            ]
    else:
        # (Brackets deeper than the pattern's, a bracket in a string, or more than a
        # bracketed value: the line is scanned to its end.)
        line = _rest_of_statement(text, equals.end())
        if line is None:
            return None
        source = line
    try:
        value = ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return tuple_pairs(value) or []


def _rest_of_statement(text: str, start: int) -> str | None:
    """``text`` from ``start`` to the end of its line outside brackets, strings and
    comments (the end of the statement, when ``start`` is in its code outside brackets);
    None when a string does not end or a bracket is closed that was not opened. (What it
    finds is checked by parsing it: a line that ends in a backslash does not parse.)"""
    depth = 0
    position = start
    for token in _FINE.finditer(text, start):
        if depth == 0:
            newline = text.find("\n", position, token.start())
            if newline != -1:
                return text[start:newline]
        first = text[token.start()]
        alone = token.end() - token.start() == 1
        if first == "#" and depth == 0:
            return text[start : token.start()]
        if alone and first in _CLOSING:
            depth += 1
        elif first in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif alone and first in "\"'":
            return None  # (a string that does not end)
        position = token.end()
    newline = text.find("\n", position)
    return text[start : newline if newline != -1 else len(text)] if depth == 0 else None


def no_migration_class(text: str) -> bool:
    """Whether the module ``text`` defines no class ``Migration``: no ``class`` statement,
    at any indentation, names one (each one's name is read when it is plain ASCII; any
    other name, or a line continued after ``class``, may be ``Migration`` to the parser:
    False). Such a module has no graph lists: the history reads none from its parse."""
    for match in _CLASS_STATEMENT.finditer(text):
        name = _CLASS_NAME.match(text, match.end())
        if name is None or name.group(1) == "Migration":
            return False
    return True


def _after_name_or_string(text: str, at: int) -> bool:
    """Whether the word at ``at`` follows what makes it no name a statement binds: a
    letter, digit or underscore (it ends a longer name, ``my_dependencies``: in code that
    parses a number literal cannot touch a name), a dot (an attribute, ``self.replaces``)
    or a quote (it is in a string, or just after one, where no name can follow)."""
    return at > 0 and (text[at - 1].isalnum() or text[at - 1] in "_.'\"")


def _in_comment(text: str, at: int) -> bool:
    """Whether the word at ``at`` cannot start a statement because its line has a ``#``
    before it and no quote: where the line starts in code, the ``#`` starts a comment
    that runs past the word; where it starts inside a string (or in the code of an
    f-string), only a quote can end the string, and there is none before the word."""
    line_start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1
    before = text[line_start:at]
    return "#" in before and '"' not in before and "'" not in before


class _StringsAndComments:
    """The strings and comments of ``text`` from ``start`` (where code begins), read in
    order by :meth:`covers`. A string with an ``f`` or ``t`` prefix ends the reading: from
    Python 3.12 such a string may hold strings quoted as it is, which the pattern would
    take as its end."""

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.tokens = _STRING_OR_COMMENT.finditer(text, start)
        self.token: re.Match[str] | None = next(self.tokens, None)
        self.sure = True

    def covers(self, at: int) -> bool:
        """Whether a string or a comment holds ``text[at]`` (False when unsure); ``at``
        must not be before the last one asked about."""
        while self.sure and self.token is not None and self.token.end() <= at:
            self._check(self.token)
            self.token = next(self.tokens, None)
        if not self.sure or self.token is None or self.token.start() > at:
            return False
        self._check(self.token)
        return self.sure

    def _check(self, token: re.Match[str]) -> None:
        """Whether the pattern reads ``token`` as Python does: not a quote alone (a
        string that does not end), nor a string whose prefix may hold ``f`` or ``t``."""
        if token.lastindex is None or (
            token.lastindex == 2 and _formatted(self.text, token.start())
        ):
            self.sure = False


@dataclass(frozen=True)
class _OperationsList:
    """The operations list of a migration in the writer's layout
    (:func:`migration_fixer.writer_layout.read_layout`): between its brackets (``start``
    just after the ``[``, ``end`` at the ``]`` that ends the file) every line is indented
    deeper than the class body, so no line there starts a statement of the class body
    (it would be indented more than the body's statements: the file would not parse).
    A statement can start there only after a ``;``; an assignment expression (``:=``) in
    the list is refused as well."""

    start: int
    end: int

    @classmethod
    def of(cls, text: str) -> _OperationsList | None:
        layout = read_layout(text)
        if layout is None:
            return None
        start = text.index("[", layout.header_end) + 1
        end = len(text.rstrip()) - 1
        return None if text.find(":=", start, end) != -1 else cls(start, end)

    def holds(self, text: str, at: int) -> bool:
        """Whether the word at ``at`` is inside the list, with no ``;`` before it there."""
        return self.start <= at < self.end and text.find(";", self.start, at) == -1


def _word_at(text: str, start: int, word: str) -> bool:
    """Whether ``word`` is at ``start`` in ``text``, not inside a longer name."""
    return (
        start >= 0
        and text.startswith(word, start)
        and (start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_"))
    )


def tuple_pairs(node: ast.expr) -> list[tuple[str, str]] | None:
    """The ``(label, name)`` pairs of a literal list or tuple (other elements, such as
    ``swappable_dependency(...)``, left out); None when ``node`` is not a list or tuple."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    pairs: list[tuple[str, str]] = []
    for element in node.elts:
        if isinstance(element, (ast.Tuple, ast.List)) and len(element.elts) == 2:
            label, name = element.elts
            if (
                isinstance(label, ast.Constant)
                and isinstance(label.value, str)
                and isinstance(name, ast.Constant)
                and isinstance(name.value, str)
            ):
                pairs.append((label.value, name.value))
    return pairs


def must_read(text: str) -> str:
    """Why the replay must read this migration whatever model it asks about ("" when
    the file can change no model its text does not name)."""
    if "RenameModel" in text:
        # A relation's target follows a renamed model: the fields of other models change.
        return "it renames a model"
    for defined in _CLASS.finditer(text):
        if _word_at(text, defined.start(), "class") and defined.group(1) != "Migration":
            return f"it defines `class {defined.group(1)}` (an operation can change any model)"
    #: The names bound by imports from outside the harmless modules, with the module.
    bound: dict[str, str] = {}
    statements: list[tuple[int, int]] = []
    for word in _IMPORT_WORD.finditer(text):
        if not _word_at(text, word.start(), "import"):
            continue  # (``__import__``: below)
        line_start = text.rfind("\n", 0, word.start()) + 1
        match = _IMPORT.match(text, line_start)
        if match is None or match.end() < word.start():
            return "it has `import` outside an import statement this tool reads"
        if match.group(1) is not None:
            modules, imported = [match.group(1)], match.group(2)
        else:
            modules, imported = match.group(3).split(","), ""
        if "as" in imported and _AS_WORD.search(imported):
            return f"it imports under another name (`{match.group(0).strip()}`)"
        statements.append((match.start(), match.end()))
        for module in modules:
            words = module.split()
            if len(words) != 1:
                return f"it imports `{module.strip()}`"
            if words[0].split(".")[0] in _HARMLESS_MODULES:
                continue
            names = _imported_names(words[0], imported)
            if names is None:
                return f"it imports `{module.strip()}`"
            bound.update(dict.fromkeys(names, words[0]))
    if any(word in text and _used(text, word, pattern) for word, pattern in _DYNAMIC):
        return "it reaches names dynamically"
    if any(_word_at(text, m.start(), "type") for m in _TYPE_CALL.finditer(text)):
        return "it calls `type()`"
    if "*" in text and _star_argument(text):
        return "it passes arguments with * or **"
    for match in _NAME_NOT_LITERAL.finditer(text):
        start = match.start()
        if _word_at(text, start, "name") or _word_at(text, start - len("model_"), "model_name"):
            return "it names a model with something other than a string literal"
    found = [m for pattern in _MODEL_OPERATIONS_NOT_CALLED for m in pattern.finditer(text)]
    for match in sorted(found, key=_start):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if not _IMPORT_LINE.match(text, line_start):
            operation = match.group(match.lastindex or 0)
            return f"`{operation}` is not called with a literal or keyword first"
    if bound and ":=" in text:
        # (An assignment expression in an operation's arguments binds a name, which the
        # operations may then hold.)
        return "it imports names and has an assignment expression (`:=`)"
    return _used_outside_arguments(text, bound, statements) if bound else ""


def _used(text: str, word: str, pattern: re.Pattern[str]) -> bool:
    """Whether ``pattern``, which starts with ``word``, matches in ``text`` where the word
    is not inside a longer name."""
    return any(_word_at(text, match.start(), word) for match in pattern.finditer(text))


def _star_argument(text: str) -> bool:
    """Whether ``text`` passes arguments with ``*`` or ``**`` (a star after an opening
    parenthesis or a comma and spaces: looked for from the stars, which are rare)."""
    for match in _STAR.finditer(text):
        before = match.start() - 1
        while before >= 0 and text[before].isspace():
            before -= 1
        if before >= 0 and text[before] in "(,":
            return True
    return False


def _start(match: re.Match[str]) -> int:
    return match.start()


def _imported_names(module: str, imported: str) -> list[str] | None:
    """The names an import statement from ``module`` binds (``imported``: what follows
    ``import`` in ``from module import ...``, "" for ``import module``); None when they
    cannot be told from the text (``*``, a line continued with a backslash...)."""
    if not imported:
        name = module.split(".")[0]
        return [name] if name.isidentifier() else None
    names = _IMPORT_COMMENT.sub("", imported).strip()
    parenthesized = names.startswith("(") and names.endswith(")")
    found = [name.strip() for name in (names[1:-1] if parenthesized else names).split(",")]
    if parenthesized and len(found) > 1 and not found[-1]:
        found.pop()  # a trailing comma
    if all(name.isidentifier() and not keyword.iskeyword(name) for name in found):
        return found
    return None


_IMPORT_COMMENT = re.compile(r"#[^\n]*")

#: Django's operations whose arguments hold nothing the replay applies: it reads their
#: literal names and a field's definition, or leaves them out. (Not ``RunSQL`` and
#: ``SeparateDatabaseAndState``, whose ``state_operations`` it applies, nor
#: ``RenameModel``, which makes a file always read.)
_LEAF_OPERATIONS = (
    "CreateModel",
    "DeleteModel",
    "AddField",
    "AlterField",
    "RemoveField",
    "RenameField",
    "RunPython",
    "AddIndex",
    "RemoveIndex",
    "RenameIndex",
    "AddConstraint",
    "RemoveConstraint",
    "AlterUniqueTogether",
    "AlterIndexTogether",
    "AlterModelOptions",
    "AlterModelManagers",
    "AlterModelTable",
    "AlterModelTableComment",
    "AlterOrderWithRespectTo",
)
#: The opening parenthesis of a call of one of them (when ``migrations`` is a whole name),
#: and of ``class Migration``'s bases (when at the start of a line).
_LEAF_CALL = re.compile(r"migrations\s*\.\s*(?:" + "|".join(_LEAF_OPERATIONS) + r")\s*\(")
_BASES = re.compile(r"class\s+Migration\s*\(")
#: What the scan of the code goes from one to the next of (told apart by their first
#: character and length): a comment, a string, an opening or a closing bracket, a quote
#: alone (a string that does not end); the coarse scan also takes a bracketed group (up
#: to three levels deep, strings and comments inside) as one. Every alternative of the
#: scan's patterns starts with a literal character, so that Python's ``re`` goes from one
#: candidate character to the next without trying the alternatives in between (a capture
#: group around each kind would make it try them at every character: five times slower).
_COMMENT_PATTERN = r"#[^\r\n]*(?![^\r\n])"  # (to the end of the line: one way only)
#: (A quote followed by two more starts a triple-quoted string, as Python reads it: each
#: string can be matched one way only, which keeps the groups from backtracking.)
_STRING_PATTERN = (
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?!"")(?:[^"\\\r\n]|\\.)*"'
    r"|'(?!'')(?:[^'\\\r\n]|\\.)*'"
)
_PLAIN = r"[^()\[\]{}\"'#]*"
_FORMATTED_PREFIX = frozenset("fFtT")
_STRING_OR_COMMENT = re.compile(rf"({_COMMENT_PATTERN})|({_STRING_PATTERN})|[\"']", re.DOTALL)


def quote_counts(text: str) -> tuple[int, int]:
    """How many string literals of ``text`` open with ``'`` and with ``"`` (comments, and
    quotes inside strings, not counted; the count stops at a quote that does not end)."""
    singles = doubles = 0
    for match in _STRING_OR_COMMENT.finditer(text):
        if match.lastindex is None:
            break
        if match.lastindex == 2:
            if text[match.start()] == "'":
                singles += 1
            else:
                doubles += 1
    return singles, doubles


def _group_pattern(inner: str) -> str:
    """Brackets holding plain text, strings, comments and the groups ``inner`` matches
    (each alternative starts with a character the plain text cannot hold: no
    backtracking)."""
    inside = f"{_STRING_PATTERN}|{_COMMENT_PATTERN}" + (f"|{inner}" if inner else "")
    body = f"{_PLAIN}(?:(?:{inside}){_PLAIN})*"
    return rf"\({body}\)|\[{body}\]|\{{{body}\}}"


_BRACKET_OR_QUOTE = r"\(|\[|\{|\)|\]|\}|\"|'"
_FINE = re.compile(rf"{_COMMENT_PATTERN}|{_STRING_PATTERN}|{_BRACKET_OR_QUOTE}", re.DOTALL)
_COARSE = re.compile(
    rf"{_COMMENT_PATTERN}|{_STRING_PATTERN}|{_group_pattern(_group_pattern(_group_pattern('')))}"
    rf"|{_BRACKET_OR_QUOTE}",
    re.DOTALL,
)
_CLOSING = {"(": ")", "[": "]", "{": "}"}


def _used_outside_arguments(
    text: str, bound: dict[str, str], statements: list[tuple[int, int]]
) -> str:
    """Why a name of ``bound`` (imported from the module it maps to) may make or be an
    operation the replay applies: the code (not a comment, nor a string but the code of an
    f-string) uses it outside the import ``statements``, the arguments of a Django
    operation the replay cannot be changed by (:data:`_LEAF_OPERATIONS`) and ``class
    Migration``'s bases; "" when it does not. Told by a scan of the brackets, strings and
    comments (groups of brackets taken whole where no use is in them, or where they are
    inside a harmless call's), and a text the scan is unsure of (a string that does not
    end, brackets that do not match, up to the last use: the scan stops there) is said
    to use them."""
    uses = sorted(_uses(text, bound, statements))
    if not uses:
        return ""
    harmless = {
        m.end() - 1
        for m in _LEAF_CALL.finditer(text)
        if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_.")
    }
    harmless.update(
        m.end() - 1 for m in _BASES.finditer(text) if m.start() == 0 or text[m.start() - 1] == "\n"
    )
    scan = _Scan(text, uses, harmless)
    found = scan.run(_COARSE.finditer(text))
    if found is None:  # (uses after the last token)
        found = "" if scan.inside[-1] else uses[scan.index][1]
    if found is _UNSURE:
        modules = ", ".join(f"`{module}`" for module in dict.fromkeys(bound.values()))
        return f"it imports {modules}, and its strings or brackets do not match"
    if found:
        return (
            f"it imports `{bound[found]}` and uses `{found}` outside the arguments of an "
            "operation the replay cannot be changed by"
        )
    return ""


#: :meth:`_Scan.run`'s answer when the text is not what it expects.
_UNSURE = "<unsure>"


class _Scan:
    """The state of :func:`_used_outside_arguments`' scan: the brackets open, whether
    each is in a harmless call's arguments, the next use to judge."""

    def __init__(self, text: str, uses: list[tuple[int, str]], harmless: set[int]) -> None:
        self.text = text
        self.uses = uses
        self.harmless = harmless
        self.opened: list[str] = []
        #: For each bracket open (and the module), whether it is in a harmless call's.
        self.inside = [False]
        self.index = 0

    def run(self, tokens: Iterator[re.Match[str]]) -> str | None:
        """The first use of a name outside the harmless places (its name), "" when the
        last use is judged harmless, :data:`_UNSURE`, or None when ``tokens`` end first."""
        uses, inside, text = self.uses, self.inside, self.text
        for token in tokens:
            start, end = token.span()
            if uses[self.index][0] < start:
                if not inside[-1]:
                    return uses[self.index][1]
                if self._past(start):
                    return ""
            first = text[start]
            alone = end - start == 1
            if alone and first in _CLOSING:  # an opening bracket
                self.opened.append(_CLOSING[first])
                inside.append(inside[-1] or start in self.harmless)
            elif first in ")]}":
                if not self.opened or self.opened.pop() != first:
                    return _UNSURE
                inside.pop()
            elif alone and first in "\"'":  # a string that does not end
                return _UNSURE
            elif uses[self.index][0] < end:
                if first in _CLOSING and not inside[-1]:  # a group
                    found = self.run(_FINE.finditer(text, start, end))
                    if found is not None:
                        return found
                elif first in "\"'" and not inside[-1] and _formatted(text, start):
                    return uses[self.index][1]  # (code, in an f-string)
                elif self._past(end):
                    return ""  # (in a comment or a string, or all in harmless brackets)
        return None

    def _past(self, position: int) -> bool:
        """Go past the uses before ``position``; whether none is left."""
        while self.index < len(self.uses) and self.uses[self.index][0] < position:
            self.index += 1
        return self.index == len(self.uses)


def _formatted(text: str, quote: int) -> bool:
    """Whether the string whose first quote is at ``quote`` may hold code: an f-string,
    or a t-string (Python 3.14), told by an ``f`` or a ``t`` among the letters just
    before the quote (its prefix, or a word that ends there: then it may be, and the
    answer errs on the side of code)."""
    prefix = quote
    while prefix > 0 and text[prefix - 1].isalpha():
        prefix -= 1
    return not _FORMATTED_PREFIX.isdisjoint(text[prefix:quote])


def _uses(
    text: str, bound: dict[str, str], statements: list[tuple[int, int]]
) -> Iterator[tuple[int, str]]:
    """Where the names of ``bound`` are in ``text`` as whole words, outside ``statements``."""
    starts = [start for start, _ in statements]
    for name in bound:
        position = text.find(name)
        while position != -1:
            end = position + len(name)
            if not (
                (position and (text[position - 1].isalnum() or text[position - 1] == "_"))
                or (end < len(text) and (text[end].isalnum() or text[end] == "_"))
            ):
                statement = bisect.bisect_right(starts, position) - 1
                if statement < 0 or position >= statements[statement][1]:
                    yield position, name
            position = text.find(name, end)


#: A model operation's name (lower case), whose first argument may name a model.
_OPERATION_CALLS = (
    "createmodel",
    "deletemodel",
    "addfield",
    "alterfield",
    "removefield",
    "renamefield",
)


def names_model(lowered: str, names: frozenset[str]) -> bool:
    """Whether the lower-cased migration text ``lowered`` names one of the models
    ``names`` (lower case) where a model operation names the model it changes: a string
    literal that is the value of ``model_name=`` or ``name=`` (of ``CreateModel`` and
    ``DeleteModel``; a field's name too, which only makes this say yes more often), or
    the first argument of the operation's call. For a file :func:`must_read` lets go,
    these are the only places a model it changes can be named (a relation's ``to=``
    naming the model does not change it)."""
    for name in names:
        start = lowered.find(name)
        while start != -1:
            end = start + len(name)
            quote = lowered[end : end + 1]
            if (
                quote in ("'", '"')
                and lowered[start - 1 : start] == quote
                and _named_by_operation(lowered, start - 2)
            ):
                return True
            start = lowered.find(name, start + 1)
    return False


def _named_by_operation(lowered: str, before: int) -> bool:
    """Whether the string literal whose opening quote is just after ``before`` is the
    value of ``model_name=``/``name=`` or the first argument of a model operation."""
    index = before
    if index >= 0 and lowered[index] in "ru":
        index -= 1  # a prefix: r"..." u"..."
    while index >= 0 and lowered[index].isspace():
        index -= 1
    if index < 0:
        return False
    if lowered[index] == "=":
        index -= 1
        while index >= 0 and lowered[index].isspace():
            index -= 1
        end = index + 1
        return _word_at(lowered, end - len("name"), "name") or _word_at(
            lowered, end - len("model_name"), "model_name"
        )
    if lowered[index] == "(":
        index -= 1
        while index >= 0 and lowered[index].isspace():
            index -= 1
        end = index + 1
        return any(lowered.endswith(call, 0, end) for call in _OPERATION_CALLS)
    return False
