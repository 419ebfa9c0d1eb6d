"""Turn a ``--diff`` patch into a GitHub pull-request review with suggested changes.

    migration-fixer --diff --since "$BASE" > fixes.patch
    git diff "$BASE"...HEAD > pr.diff
    migration-fixer suggest fixes.patch --pr-diff pr.diff --commit "$HEAD_SHA" > review.json
    gh api "repos/$REPO/pulls/$PR/reviews" --input review.json

Each changed block of a hunk becomes one review comment holding a ```suggestion block
that replaces the block's lines on the PR's head (the patch's ``a/`` side is the PR's
head, so its old line numbers are the head's line numbers). GitHub accepts comments only on
lines that the PR's own diff shows: with ``--pr-diff``, a suggestion outside those lines,
and every new file (a review cannot suggest a new file), goes to the review's body instead.
The output is the JSON body of ``POST /repos/{owner}/{repo}/pulls/{number}/reviews``.

Run it as ``migration-fixer suggest`` (the console entry point), never as ``python -m``
inside the pull request's checkout: ``python -m`` puts the working directory first on
``sys.path``, so the checkout's own ``argparse.py`` or ``json.py`` would be imported.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class FilePatch:
    path: str
    new_file: bool = False
    # (old start, old lines, new lines, context line before, context line after)
    blocks: list[tuple[int, list[str], list[str], str | None, str | None]] = field(
        default_factory=list
    )
    new_text: list[str] = field(default_factory=list)
    # Head-side lines the patch shows (for --pr-diff): new line numbers of its hunks.
    shown: set[int] = field(default_factory=set)


def _strip(line: str) -> str:
    return line[1:].rstrip("\n").rstrip("\r")


_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def _unquote(name: str) -> str:
    """A path as git writes it in a patch: as is, or C-quoted (``"b/tab\\there"``)."""
    if not (len(name) >= 2 and name[0] == '"' and name[-1] == '"'):
        return name
    raw = bytearray()
    body = name[1:-1]
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            following = body[i + 1]
            if following in _ESCAPES:
                raw.append(_ESCAPES[following])
                i += 2
                continue
            if len(body[i + 1 : i + 4]) == 3 and all(c in "01234567" for c in body[i + 1 : i + 4]):
                raw.append(int(body[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
        raw += char.encode("utf-8", "surrogateescape")
        i += 1
    return raw.decode("utf-8", "surrogateescape")


def _header_path(names: str) -> str:
    """The ``b/`` path of a ``diff --git a/X b/X`` header (quoted or not)."""
    if names.endswith('"'):
        start = names.rfind(' "b/')
        if start >= 0:
            return _unquote(names[start + 1 :])[2:]
    return names.split(" b/", 1)[1] if " b/" in names else names


def parse_patch(text: str) -> list[FilePatch]:
    """Parse a unified diff (git's format, as ``--diff`` and ``git diff`` print it)."""
    files: list[FilePatch] = []
    current: FilePatch | None = None
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("diff --git "):
            current = FilePatch(_header_path(line[len("diff --git ") :].rstrip("\n")))
            files.append(current)
        elif current is not None and line.startswith("new file mode"):
            current.new_file = True
        elif current is not None and line.startswith(("+++ b/", '+++ "b/')):
            current.path = _unquote(line[4:].rstrip("\n").rstrip("\r"))[2:]
        elif current is not None and (match := _HUNK.match(line)):
            old_no, new_no = int(match.group(1)), int(match.group(3))
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i][:1] in (" ", "-", "+", "\\"):
                if lines[i].startswith(("--- ", "+++ ")) and not body:
                    break
                body.append(lines[i])
                i += 1
            _blocks(current, body, old_no, new_no)
            continue
        i += 1
    return files


def _blocks(patch: FilePatch, body: list[str], old_no: int, new_no: int) -> None:
    previous: str | None = None
    j = 0
    while j < len(body):
        line = body[j]
        if line.startswith("\\"):
            j += 1
            continue
        if line.startswith(" "):
            previous = _strip(line)
            patch.shown.add(new_no)
            old_no += 1
            new_no += 1
            j += 1
            continue
        start, old, new = old_no, [], []
        while j < len(body) and body[j][:1] in ("-", "+", "\\"):
            if body[j].startswith("-"):
                old.append(_strip(body[j]))
                old_no += 1
            elif body[j].startswith("+"):
                new.append(_strip(body[j]))
                patch.shown.add(new_no)
                new_no += 1
            j += 1
        after = _strip(body[j]) if j < len(body) and body[j].startswith(" ") else None
        if patch.new_file:
            patch.new_text.extend(new)
        else:
            patch.blocks.append((start, old, new, previous, after))


def _suggestion(lines: Sequence[str]) -> str:
    fence = "````" if any(line.lstrip().startswith("```") for line in lines) else "```"
    return f"{fence}suggestion\n" + "".join(f"{line}\n" for line in lines) + f"{fence}\n"


def review(
    patch_text: str,
    pr_diff: str | None = None,
    commit: str | None = None,
    intro: str = "migration-fixer suggests these changes, so that the migrations can be "
    "rolled back.",
) -> dict[str, Any]:
    """The review payload (see the module docstring)."""
    allowed: dict[str, set[int]] | None = None
    if pr_diff is not None:
        allowed = {f.path: f.shown for f in parse_patch(pr_diff)}
    comments: list[dict[str, Any]] = []
    notes: list[str] = []
    for patch in parse_patch(patch_text):
        if patch.new_file:
            notes.append(
                f"Add the new file `{patch.path}`:\n\n```python\n"
                + "".join(f"{line}\n" for line in patch.new_text)
                + "```"
            )
            continue
        for start, old, new, before, after in patch.blocks:
            if old:  # replace lines start .. start+len(old)-1
                first, last, text = start, start + len(old) - 1, new
            elif before is not None:  # pure insertion: rewrite the line before it
                first = last = start - 1
                text = [before, *new]
            else:  # insertion at the top: rewrite the line after it
                first = last = start
                text = [*new, after or ""]
            if allowed is not None and not all(
                n in allowed.get(patch.path, set()) for n in range(first, last + 1)
            ):
                where = f"{patch.path}:{first}" + (f"-{last}" if last > first else "")
                notes.append(
                    f"`{where}` (outside this pull request's diff):\n\n{_suggestion(text)}"
                )
                continue
            comment: dict[str, Any] = {
                "path": patch.path,
                "line": last,
                "side": "RIGHT",
                "body": _suggestion(text),
            }
            if last > first:
                comment["start_line"] = first
                comment["start_side"] = "RIGHT"
            comments.append(comment)
    payload: dict[str, Any] = {
        "event": "COMMENT",
        "body": "\n\n".join([intro, *notes]),
        "comments": comments,
    }
    if commit:
        payload["commit_id"] = commit
    return payload


if __name__ == "__main__":  # pragma: no cover - the old recipe: say what replaced it
    sys.exit(
        "error: run `migration-fixer suggest PATCH [--pr-diff FILE] [--commit SHA]` instead: "
        "`python -m` imports modules from the working directory"
    )
