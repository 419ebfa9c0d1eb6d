"""Unified diffs that ``git apply`` accepts: ``a/``/``b/`` paths relative to the repository
root (or the working directory outside one), new files from ``/dev/null``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from pathlib import Path

from migration_fixer.changeset import ChangeSet

_NO_EOL = "\\ No newline at end of file\n"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) if text else []


def _mark_eol(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        if line.endswith(("\n", "\r")):
            yield line
        else:
            yield line + "\n"
            yield _NO_EOL


def _split(text: str) -> list[str]:
    # Split on "\n" only (keeping "\r\n" intact), as git does.
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def render_diff(changeset: ChangeSet, root: Path) -> str:
    chunks: list[str] = []
    for change in changeset.changes:
        name = _rel(change.path, root)
        hunks = list(difflib.unified_diff(_split(change.old_text), _split(change.new_text), n=3))
        if not hunks:
            continue
        chunks.append(f"diff --git a/{name} b/{name}\n--- a/{name}\n+++ b/{name}\n")
        body = hunks[2:]  # drop difflib's own ---/+++ header
        chunks.extend(_mark_eol(body))
    for new_file in changeset.new_files:
        name = _rel(new_file.path, root)
        lines = _split(new_file.text)
        chunks.append(
            f"diff --git a/{name} b/{name}\nnew file mode 100644\n--- /dev/null\n+++ b/{name}\n"
            f"@@ -0,0 +1,{len(lines)} @@\n"
        )
        chunks.extend(_mark_eol("+" + line for line in lines))
    return "".join(chunks)


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
