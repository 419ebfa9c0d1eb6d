"""Unified diffs that ``git apply`` accepts: ``a/``/``b/`` paths relative to the repository
root (or the working directory outside one), new files from ``/dev/null`` with
``new file mode 100644``, files in path order.

A patch is bytes, like the files it changes: each file's part is the diff of its bytes as
they are (or will be) on disk, in the file's own encoding, with its BOM and its line
endings (CRLF lines stay CRLF; only ``\\n`` ends a line, as in git), and git's
``\\ No newline at end of file`` marker where a file does not end with a newline.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from pathlib import Path

from migration_fixer.changeset import ChangeSet
from migration_fixer.source import SourceFile, encode

_NO_EOL = b"\\ No newline at end of file\n"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _split(data: bytes) -> list[bytes]:
    """Lines ending with ``\\n`` (a ``\\r`` before it stays part of the line)."""
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _mark_eol(lines: Iterable[bytes]) -> Iterator[bytes]:
    for line in lines:
        if line.endswith(b"\n"):
            yield line
        else:
            yield line + b"\n"
            yield _NO_EOL


_C_ESCAPES = {
    7: b"a",
    8: b"b",
    9: b"t",
    10: b"n",
    11: b"v",
    12: b"f",
    13: b"r",
    34: b'"',
    92: b"\\",
}


def quote_path(prefix: str, name: str) -> bytes:
    """``prefix + name`` as git writes it in a patch: as is, or (when it holds a control
    character, a quote, a backslash or a non-ASCII byte) C-quoted in double quotes, with
    git's escapes (``\\t``, ``\\n``, ``\\"``, ``\\\\``...) and octal for other bytes, as
    ``core.quotePath`` (on by default) does. ``git apply`` reads both forms."""
    raw = (prefix + name).encode("utf-8", "surrogateescape")
    if not any(b < 0x20 or b in (34, 92) or b >= 0x7F for b in raw):
        return raw
    out = bytearray(b'"')
    for b in raw:
        if b in _C_ESCAPES:
            out += b"\\" + _C_ESCAPES[b]
        elif b < 0x20 or b >= 0x7F:
            out += b"\\%03o" % b
        else:
            out.append(b)
    return bytes(out + b'"')


def _file_diff(name: str, old: bytes, new: bytes) -> bytes:
    hunks = list(difflib.diff_bytes(difflib.unified_diff, _split(old), _split(new), n=3))
    if not hunks:
        return b""
    a, b = quote_path("a/", name), quote_path("b/", name)
    header = b"diff --git %s %s\n--- %s\n+++ %s\n" % (a, b, a, b)
    # diff_bytes' own ---/+++ lines are dropped; its hunk headers end with "\n".
    return header + b"".join(_mark_eol(hunks[2:]))


def _new_file_diff(name: str, data: bytes) -> bytes:
    a, b = quote_path("a/", name), quote_path("b/", name)
    header = b"diff --git %s %s\nnew file mode 100644\n" % (a, b)
    lines = _split(data)
    if not lines:  # an empty file: git writes no ---/+++ and no hunk
        return header
    body = b"".join(_mark_eol(b"+" + line for line in lines))
    return header + b"--- /dev/null\n+++ %s\n@@ -0,0 +1,%d @@\n" % (b, len(lines)) + body


def render_diff_bytes(changeset: ChangeSet, root: Path) -> bytes:
    """The whole ChangeSet as one patch, in bytes (apply it with ``git apply``)."""
    parts: list[tuple[str, bytes]] = []
    for change in changeset.changes:
        source = SourceFile(change.path, change.old_text, change.encoding, change.bom, change.cr)
        name = _rel(change.path, root)
        parts.append(
            (
                name,
                _file_diff(name, encode(source, change.old_text), encode(source, change.new_text)),
            )
        )
    for new_file in changeset.new_files:
        name = _rel(new_file.path, root)
        parts.append((name, _new_file_diff(name, new_file.text.encode("utf-8"))))
    return b"".join(chunk for _, chunk in sorted(parts, key=lambda p: p[0]))


def render_diff(changeset: ChangeSet, root: Path) -> str:
    """The patch as text (bytes that are not UTF-8 kept as surrogate escapes)."""
    return render_diff_bytes(changeset, root).decode("utf-8", "surrogateescape")


def colorize(diff: str) -> str:
    import click

    out: list[str] = []
    for line in diff.splitlines(keepends=True):
        body, end = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        if line.startswith(("diff --git", "new file mode", "--- ", "+++ ")):
            out.append(click.style(body, bold=True) + end)
        elif line.startswith("@@"):
            out.append(click.style(body, fg="cyan") + end)
        elif line.startswith("+"):
            out.append(click.style(body, fg="green") + end)
        elif line.startswith("-"):
            out.append(click.style(body, fg="red") + end)
        else:
            out.append(line)
    return "".join(out)


def colorize_bytes(diff: bytes) -> bytes:
    return colorize(diff.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
