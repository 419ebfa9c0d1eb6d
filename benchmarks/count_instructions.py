#!/usr/bin/env python3
"""Cold ``--check`` cost in instructions, not seconds: the same figure on every run.

    python benchmarks/count_instructions.py                      # every 4th project
    python benchmarks/count_instructions.py --every 1            # the whole corpus (~10 min)
    python benchmarks/count_instructions.py --root ../other-checkout   # another version

Wall and CPU times on a shared two-core machine vary by 20-50 % from one run to the next
(``bench_check.py`` saw "all rules" take 8.7 s and 13.9 s of CPU in two runs minutes apart),
more than most changes to compare. ``valgrind --tool=callgrind`` counts the instructions the
process runs instead, whatever else the machine does. Each measured command is
``migration-fixer --check --no-cache --jobs 1`` (one process: the workers' instructions would
not be counted) on the projects picked from the corpus (every ``--every``-th folder, in name
order), with ``PYTHONHASHSEED`` fixed (string hashes decide the order of sets, and so a little
of the work done), and the package compiled first. Printed: the instructions of
MF001+MF002 and of every rule, their ratio (the CPU side of issue 12's "all rules within
1.5x of MF001/MF002"), and the findings of each. Compare figures of checkouts measured
alike, from their own folders (``--root``); a run under callgrind takes about 50 times as
long as without.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.baselines import DEFAULT_CORPUS  # noqa: E402 - the path above

RULE_SETS = (("MF001,MF002", "MF001+MF002"), ("MF001,MF002,MF003,MF004", "all rules"))
_COLLECTED = re.compile(r"Collected : (\d+)")


def count(root: Path, select: str, projects: list[Path], seed: str) -> tuple[int, str]:
    """The instructions of one cold check of ``projects`` with the package at ``root``,
    and the last line of its report."""
    with tempfile.TemporaryDirectory(prefix="mf-callgrind-") as tmp:
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/out",
                sys.executable,
                "-m",
                "migration_fixer",
                "--check",
                "--no-cache",
                "--no-progress",
                "--jobs",
                "1",
                "--select",
                select,
                *map(str, projects),
            ],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    found = _COLLECTED.search(run.stderr)
    if found is None:
        raise SystemExit(f"callgrind gave no count:\n{run.stderr[-2000:]}")
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    return int(found.group(1)), last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--every", type=int, default=4, help="every N-th project (default 4)")
    parser.add_argument("--root", type=Path, default=HERE.parent, help="the checkout to run")
    parser.add_argument("--seed", default="0", help="PYTHONHASHSEED (default 0)")
    options = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    projects = sorted(p for p in options.corpus.iterdir() if p.is_dir())[:: options.every]
    if not projects:
        print(f"no projects under {options.corpus}: run fetch_corpus.py", file=sys.stderr)
        return 2
    root = options.root.resolve()
    # Compiled once, bytecode allowed, as an installed package runs (a machine that sets
    # PYTHONDONTWRITEBYTECODE had every measured process compile the package again: about
    # 0.65 G instructions).
    compileall.compile_dir(root / "migration_fixer", quiet=1)
    print(f"{len(projects)} projects of {options.corpus} (every {options.every}), {root}")
    counts = {}
    for select, label in RULE_SETS:
        counts[label], report = count(root, select, projects, options.seed)
        print(f"  {label:<14} {counts[label] / 1e9:8.3f} G instructions   {report}")
    ratio = counts["all rules"] / counts["MF001+MF002"]
    print(f"  all rules / MF001+MF002: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
