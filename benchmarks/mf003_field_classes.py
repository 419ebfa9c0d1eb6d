#!/usr/bin/env python3
"""MF003's "cannot determine" findings caused by field classes, on a corpus.

Usage, from the repository root::

    python benchmarks/mf003_field_classes.py --corpus PATH [--baseline-src DIR] [--top N]

Runs ``migration-fixer --check --no-cache --select MF003 --output-format json PATH`` with
this checkout and, with ``--baseline-src``, with another checkout of the package (e.g. a
``git worktree`` of the commit before a change) in the same run, and prints for each: MF003
findings, how many are decided, how many are "cannot determine", and how many of those
because of a field class; then the field classes still undecided, most frequent first, with
the reason. PATH can be the migrations corpus (``benchmarks/fetch_corpus.py``: migration files
only, so a project's own field modules are not there) or unpacked releases (``pip download
--no-deps NAME==VERSION``, unzipped), where they are.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_CLASS = re.compile(
    r"`([^`]+)` is not a Django field class this tool knows"
    r"|what `([^`]+)` is underneath cannot be told \(defined in [^)]*\): (.*)"
)


def run(corpus: Path, source: Path) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "migration_fixer", "--check", "--no-cache", "--select", "MF003",
         "--output-format", "json", str(corpus.resolve())],
        capture_output=True, text=True, cwd=source,
        env={**os.environ, "PYTHONPATH": str(source)},
    )  # fmt: skip
    data = json.loads(done.stdout)
    return [f for f in data["findings"] if f["code"] == "MF003"]


def counts(findings: list[dict[str, object]]) -> tuple[int, int, int, int]:
    unknown = [f for f in findings if str(f["message"]).startswith("cannot determine")]
    by_class = [f for f in unknown if _CLASS.search(str(f["message"]))]
    return len(findings), len(findings) - len(unknown), len(unknown), len(by_class)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--baseline-src", type=Path, help="a checkout to compare with")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    runs = [("this checkout", ROOT)]
    if args.baseline_src:
        runs.insert(0, ("baseline", args.baseline_src))
    findings: list[dict[str, object]] = []
    for label, source in runs:
        findings = run(args.corpus, source)
        total, decided, unknown, by_class = counts(findings)
        print(
            f"{label:>14}: {total} MF003 findings, {decided} decided, {unknown} cannot "
            f"determine ({100 * unknown / max(total, 1):.0f}%), {by_class} of them because "
            "of a field class"
        )
    left: collections.Counter[str] = collections.Counter()
    for finding in findings:
        match = _CLASS.search(str(finding["message"]))
        if match and str(finding["message"]).startswith("cannot determine"):
            name = match.group(1) or match.group(2)
            why = match.group(3) or "not a Django field class"
            left[f"{name}: {re.sub(r'its module `[^`]+`', 'its module', why)}"] += 1
    for line, count in left.most_common(args.top):
        print(f"{count:6}  {line[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
