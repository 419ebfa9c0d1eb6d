"""An exception said in one line, for the deploy commands' reports.

``Type: message``, the message's whitespace folded. An exception raised without a message
(a bare ``assert`` in a data migration, ``raise ValueError()``) says nothing by its text,
and ``AssertionError: AssertionError`` told the person rolling back at 11pm nothing either:
it is named by where it was raised instead, the innermost frame of the project's own code
(not the standard library's, nor an installed package's), with its line of source:
``AssertionError at shop/migrations/0004_check.py:12 (assert not Item.objects.filter(code=""))``.
A statement written over several lines is shown whole, from its first line, folded on one.
"""

from __future__ import annotations

import ast
import linecache
import os
import re
import sysconfig
import traceback
from pathlib import Path

#: Where the standard library, installed packages and this tool live: frames there are
#: not the project's code (this tool's own, installed editable, is outside site-packages:
#: a data migration's bare ``assert`` was blamed on migrate_or_rollback's wrapper).
_NOT_THE_PROJECT = tuple(
    os.path.join(os.path.realpath(path), "")
    for path in [
        *(sysconfig.get_paths().get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")),
        str(Path(__file__).resolve().parents[1]),
    ]
    if path
)


def one_line(exc: BaseException) -> str:
    """``exc`` in one line (see the module's docstring)."""
    name = type(exc).__name__
    message = " ".join(str(exc).split())
    if message:
        return f"{name}: {message}"
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return name
    own = [f for f in frames if not os.path.realpath(f.filename).startswith(_NOT_THE_PROJECT)]
    frame = (own or frames)[-1]
    line, source = frame.lineno, frame.line or ""
    statement = _statement(frame.filename, frame.lineno)
    if statement is not None:
        line, source = statement
    source = _BRACKET_SPACE.sub("", " ".join(source.split()))
    if len(source) > _LONGEST:
        source = source[: _LONGEST - 3] + "..."
    return f"{name} at {_shown(frame.filename)}:{line}" + (f" ({source})" if source else "")


#: A space the folding leaves inside brackets: after an opening one, before a closing one.
_BRACKET_SPACE = re.compile(r"(?<=[(\[{]) | (?=[)\]}])")
#: The longest source shown (a statement of a whole page is cut).
_LONGEST = 200


def _statement(filename: str, lineno: int | None) -> tuple[int, str] | None:
    """The first line and the text of the innermost statement of ``filename`` that holds
    the line ``lineno``, when it spans several (None: one line, or the source is not
    there, or does not parse)."""
    lines = linecache.getlines(filename)
    if not lines or lineno is None:
        return None
    text = "".join(lines)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: ast.stmt | None = None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.stmt)
            and node.lineno <= lineno <= (node.end_lineno or node.lineno)
            and (found is None or node.lineno >= found.lineno)
            and not isinstance(node, _COMPOUND)
        ):
            found = node
    if found is None or found.end_lineno == found.lineno:
        return None
    segment = ast.get_source_segment(text, found)
    return None if segment is None else (found.lineno, segment)


#: Statements with a body: the line is one of their inner statements', or their header's.
_COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.Match,
)


def _shown(filename: str) -> str:
    """``filename`` relative to the working directory when it is under it."""
    path = Path(filename)
    try:
        cwd = Path.cwd().resolve()
        if cwd.parent == cwd:
            return filename  # (run from /: "work/app/x.py" would read as relative)
        return path.resolve().relative_to(cwd).as_posix()
    except (ValueError, OSError):
        return filename
