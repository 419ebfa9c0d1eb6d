"""An exception said in one line, for the deploy commands' reports.

``Type: message``, the message's whitespace folded. An exception raised without a message
(a bare ``assert`` in a data migration, ``raise ValueError()``) says nothing by its text,
and ``AssertionError: AssertionError`` told the person rolling back at 11pm nothing either:
it is named by where it was raised instead, the innermost frame of the project's own code
(not the standard library's, nor an installed package's), with its line of source:
``AssertionError at shop/migrations/0004_check.py:12 (assert not Item.objects.filter(code=""))``.
"""

from __future__ import annotations

import os
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
    source = " ".join((frame.line or "").split())
    return f"{name} at {_shown(frame.filename)}:{frame.lineno}" + (f" ({source})" if source else "")


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
