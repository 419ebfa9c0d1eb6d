#!/usr/bin/env python3
"""MF003's decided and "cannot determine" findings on a corpus, by cause shape.

Usage, from the repository root::

    python benchmarks/mf003_causes.py --corpus PATH [--baseline-src DIR] [--examples N]

Runs ``migration-fixer --check --no-cache --select MF003 --output-format json PATH`` with
this checkout and, with ``--baseline-src``, with another checkout of the package (e.g. a
``git worktree add --detach /tmp/before <commit>``) in the same run, and prints for each:
MF003's findings, how many are decided (a removal that cannot be rolled back) and how many
are "cannot determine", with the causes by shape (the shapes are this checkout's
``cause_shape``, the same as ``--verbose`` prints). Three shapes come from the corpus
rather than from MF003 when PATH is the migrations corpus (``benchmarks/fetch_corpus.py``),
which holds migration files only: a dependency on a migration of a release that is not in
it, a field class whose module is not in it, and modules of Django's own test suite that
are not migrations. They are counted apart, and the share without them is printed too.

On the full corpus (``fetch_corpus.py --with-sources``: the same migrations in whole
releases) no cause is set apart, and findings in its context migrations (files the
migrations corpus leaves out as duplicates, there for the history of the others) are left
out: the same files are counted where the corpus keeps them.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fetch_corpus import context_migrations, read_marker  # noqa: E402
from mf003_field_classes import run as mf003_findings  # noqa: E402

from migration_fixer.rules.mf003_nonnull_remove_field import cause_shape  # noqa: E402

#: Causes that come from what the corpus leaves out, not from MF003.
CORPUS_ARTIFACTS = frozenset(
    {
        "a dependency is not in the folder",
        "a field class whose source is not found",
        "not a migration module",
    }
)


def is_full(corpus: Path) -> bool:
    """Whether ``corpus`` is a full corpus (``fetch_corpus.py --with-sources``)."""
    return any(
        (info := read_marker(m.parent)) is not None and bool(info.get("with_sources"))
        for m in corpus.glob("*/.done")
    )


def run(corpus: Path, source: Path) -> tuple[list[str], int, float]:
    """The messages of MF003's findings with the package in ``source`` (those in a full
    corpus's context migrations left out), how many were left out, and the time."""
    started = time.perf_counter()
    findings = mf003_findings(corpus, source)
    context = context_migrations(corpus)
    kept = [f for f in findings if Path(str(f["path"])).resolve() not in context]
    return (
        [str(f["message"]) for f in kept],
        len(findings) - len(kept),
        time.perf_counter() - started,
    )


def report(
    name: str, messages: list[str], seconds: float, examples: int, full: bool, left_out: int
) -> None:
    artifact_shapes = frozenset() if full else CORPUS_ARTIFACTS
    shapes = collections.Counter(cause_shape(m) for m in messages)
    unknown = sum(n for shape, n in shapes.items() if shape is not None)
    artifacts = sum(n for shape, n in shapes.items() if shape in artifact_shapes)
    total = len(messages)
    print(f"\n== {name} ({seconds:.0f} s)")
    if full:
        print(
            f"full corpus: every cause counts; {left_out} findings in context migrations left out"
        )
    print(f"MF003 findings:      {total}")
    print(f"decided:             {total - unknown}")
    print(f"cannot determine:    {unknown} ({_share(unknown, total)})")
    if not full:
        print(
            f"without the corpus's own gaps ({artifacts} findings): {unknown - artifacts} of "
            f"{total - artifacts} cannot determine "
            f"({_share(unknown - artifacts, total - artifacts)})"
        )
    print("by cause:")
    for shape, count in sorted(shapes.items(), key=lambda i: (-i[1], str(i[0]))):
        if shape is None:
            continue
        mark = "  (the corpus)" if shape in artifact_shapes else ""
        print(f"  {count:5d}  {shape}{mark}")
        for message in [m for m in messages if cause_shape(m) == shape][:examples]:
            print(f"           e.g. {message[:150]}")


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--baseline-src", type=Path, help="a checkout to compare with")
    parser.add_argument("--examples", type=int, default=0, help="messages shown per cause")
    args = parser.parse_args(argv)
    runs = [("this checkout", ROOT)]
    if args.baseline_src:
        runs.insert(0, (f"baseline {args.baseline_src}", args.baseline_src.resolve()))
    full = is_full(args.corpus)
    for name, source in runs:
        messages, left_out, seconds = run(args.corpus, source)
        report(name, messages, seconds, args.examples, full, left_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
