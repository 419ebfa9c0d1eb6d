"""``# noqa`` comments and per-file ignores.

``# noqa: MF001`` (several codes separated by commas or spaces, optionally followed by a
reason) on an operation's first line suppresses that code there; a bare ``# noqa``
suppresses every code, as in ruff and flake8. Codes of other tools (``E501``...) are left
alone; an unknown ``MF`` code is an error, so that a typo does not silently suppress
nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NOQA = re.compile(
    r"#\s*noqa(?P<colon>\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class Noqa:
    codes: frozenset[str] | None  # None: a bare ``# noqa`` (every code)
    column: int


def parse_noqa(line: str) -> Noqa | None:
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return Noqa(None, match.start())
    return Noqa(frozenset(c.upper() for c in _CODE.findall(codes)), match.start())


def is_suppressed(noqa: Noqa | None, code: str) -> bool:
    if noqa is None:
        return False
    return noqa.codes is None or code in noqa.codes


def unknown_codes(noqa: Noqa, known: frozenset[str]) -> list[str]:
    """Our own codes (``MF...``) in the comment that no rule has."""
    if noqa.codes is None:
        return []
    return sorted(c for c in noqa.codes if c.startswith("MF") and c not in known)
