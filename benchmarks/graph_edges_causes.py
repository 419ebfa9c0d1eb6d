#!/usr/bin/env python3
"""The migrations whose graph ``skim.graph_edges`` cannot read from the text, by cause.

    python benchmarks/graph_edges_causes.py /work/corpus/migrations [--examples 3]

For each file of a ``migrations`` folder (what ``History.load`` reads) for which
``graph_edges`` gives None, so that the history parses it when it loads (all but the
modules without a class ``Migration`` not named as migrations), this tells why,
going over the text as ``graph_edges`` does: the first graph name found where a class-body
assignment would not be and that none of its rules leaves out (with the line it is on), or
the shape of the class or of the value. It prints the count and size of each cause, with
examples. (What the rules leave out is told by ``graph_edges`` itself; this script only
names the shape where it stops.)
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migration_fixer import skim  # noqa: E402
from migration_fixer.discovery import folder_migrations  # noqa: E402
from migration_fixer.source import SourceError, decode  # noqa: E402


def cause(text: str) -> tuple[str, str]:
    """Why ``graph_edges`` gives None for ``text``, and the line where it stops."""
    classes = [
        m
        for m in skim._MIGRATION_CLASS.finditer(text)
        if m.start() == 0 or text[m.start() - 1] == "\n"
    ]
    if not classes and skim.no_migration_class(text):
        return "no class Migration, named as a migration (parsed to say a syntax error)", ""
    if not classes:
        return "a class statement that may name Migration, not at column 0", ""
    if len(classes) > 1:
        return "several `class Migration` at column 0", ""
    start = classes[0].start()
    before: list[tuple[int, int]] | None = []
    if text.find('"""', 0, start) != -1 or text.find("'''", 0, start) != -1:
        before = skim._strings_and_comments(text, start)
        if before is None:
            return "a string before the class that does not end", ""
    header_end = text.find("\n", start)
    indent = None if header_end == -1 else skim._body_indent(text, header_end)
    if indent is None:
        return "no statement in the class body", ""
    operations = skim._OperationsList.of(text)
    found = set()
    for at, name in skim._graph_words(text):
        if at < start and any(a <= at < b for a, b in before or ()):
            continue
        line_start = text.rfind("\n", 0, at) + 1
        line = text[line_start : text.find("\n", at) if "\n" in text[at:] else len(text)]
        if (
            at < header_end
            or text[line_start:at] != indent
            or skim._COLUMN_0_STATEMENT.search(text, header_end, line_start) is not None
        ):
            if skim._after_name_or_string(text, at) or skim._in_comment(text, at):
                continue
            if at > start and skim._StringsAndComments(text, start).covers(at):
                continue
            if operations is not None and operations.holds(text, at):
                continue
            if at < start:
                return "a graph name in the code before the class", line
            if at < header_end:
                return "a graph name on the class's line", line
            if text[line_start:at].strip():
                return "a graph name inside a statement (not in a string or comment)", line
            if skim._COLUMN_0_STATEMENT.search(text, header_end, line_start) is not None:
                return "a graph name after the class", line
            return "a graph name indented deeper (under an if, in a function)", line
        if name in found:
            return "a graph name assigned twice", line
        if skim._assigned_pairs(text, at + len(name)) is None:
            return "not `name = value` ending its line (annotated, augmented...)", line
        found.add(name)
    return "(read: the rules changed)", ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--examples", type=int, default=3)
    options = parser.parse_args()
    counts: collections.Counter[str] = collections.Counter()
    sizes: collections.Counter[str] = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    files = unparsed = 0
    for folder, _, _ in sorted(os.walk(options.corpus)):
        if os.path.basename(folder) != "migrations":
            continue
        for path in folder_migrations(Path(folder)):
            try:
                text = decode(path, path.read_bytes()).text
            except (OSError, SourceError):
                continue
            files += 1
            if skim.graph_edges(text) is not None:
                continue
            if not path.name[:1].isdigit() and skim.no_migration_class(text):
                unparsed += 1  # (no migration: the history reads no graph, parses nothing)
                continue
            why, line = cause(text)
            counts[why] += 1
            sizes[why] += len(text.encode())
            if len(examples[why]) < options.examples:
                where = path.relative_to(options.corpus)
                examples[why].append(f"{where}: {line.strip()[:80]}" if line else str(where))
    total = sum(counts.values())
    print(
        f"{total + unparsed} of {files} files not read by graph_edges, {unparsed} of them not "
        "migrations (no class Migration, not named as one); parsed by the history for their "
        f"graph: {total} ({sum(sizes.values()) / 1e6:.2f} MB)"
    )
    for why, count in counts.most_common():
        print(f"{count:5} {sizes[why] / 1e6:6.2f} MB  {why}")
        for example in examples[why]:
            print(f"{'':16}{example}")


if __name__ == "__main__":
    main()
