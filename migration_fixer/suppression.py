"""``# noqa`` comments and per-file ignores.

``# noqa: MF001`` (several codes separated by commas or spaces, optionally followed by a
reason) on an operation's first line suppresses that code there; a bare ``# noqa``
suppresses every code, as in ruff and flake8. Codes of other tools (``E501``...) are left
alone; an unknown ``MF`` code is an error, so that a typo does not silently suppress
nothing.
"""

from __future__ import annotations

import contextlib
import io
import re
import tokenize
from dataclasses import dataclass

_NOQA = re.compile(
    r"#\s*noqa(?P<colon>\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class Noqa:
    codes: frozenset[str] | None  # None: a bare noqa comment (every code)
    column: int


def parse_noqa(line: str) -> Noqa | None:
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return Noqa(None, match.start())
    return Noqa(frozenset(c.upper() for c in _CODE.findall(codes)), match.start())


class NoqaComments:
    """The ``# noqa`` comments of one module, by line.

    Only real comments count (``RunSQL("-- # noqa")`` is a string). The tokenizer runs
    lazily, once a file, and only when a line with a finding mentions ``noqa`` at all.
    """

    def __init__(self, text: str, lines: list[str]) -> None:
        self._text = text
        self._lines = lines
        self._comments: dict[int, tuple[int, str]] | None = None

    def on_line(self, line: int) -> Noqa | None:
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        if "noqa" not in text.lower():
            return None
        if self._comments is None:
            self._comments = _comments(self._text)
        column, comment = self._comments.get(line, (0, ""))
        noqa = parse_noqa(comment)
        return None if noqa is None else Noqa(noqa.codes, column + noqa.column)


def _comments(text: str) -> dict[int, tuple[int, str]]:
    found: dict[int, tuple[int, str]] = {}
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    with contextlib.suppress(tokenize.TokenError, SyntaxError):  # the ast parsed it
        for token in tokens:
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = (token.start[1], token.string)
    return found


def is_suppressed(noqa: Noqa | None, code: str) -> bool:
    if noqa is None:
        return False
    return noqa.codes is None or code in noqa.codes


def unknown_codes(noqa: Noqa, known: frozenset[str]) -> list[str]:
    """Our own codes (``MF...``) in the comment that no rule has."""
    if noqa.codes is None:
        return []
    return sorted(c for c in noqa.codes if c.startswith("MF") and c not in known)
