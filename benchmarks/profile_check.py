#!/usr/bin/env python3
"""Where a cold ``--check`` spends its time: one process, ``--jobs 1``, no cache.

    python benchmarks/profile_check.py /work/corpus/migrations                 # every rule
    python benchmarks/profile_check.py /work/corpus/migrations --select MF001,MF002

Prints the wall time of discovery and of the run, and inside the run: ``ast.parse`` (every
call: the scan's and the history's), ``History.load`` (reading and parsing a folder's
migrations, reading their operations) and each rule's ``check``. The parts overlap where
one calls the other (``History.load`` includes its own ``ast.parse`` calls); the sum of the
rules and of the loads is what is left once the parsing is taken out. Timers wrap the
functions (no profiler overhead on the rest); run it on a quiet machine, or compare
figures taken side by side.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from migration_fixer import discovery, history, runner  # noqa: E402 - the path above
from migration_fixer.rules import ALL_RULES  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)


def _timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            result = func(*args, **kwargs)
            return list(result) if hasattr(result, "__next__") else result
        finally:
            SPENT[name] += time.perf_counter() - start

    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--select", default=",".join(rule.code for rule in ALL_RULES))
    options = parser.parse_args()
    for rule in ALL_RULES:
        rule.check = _timed(f"{rule.code} check", rule.check)  # type: ignore[method-assign]
    load = history.History.load.__func__  # type: ignore[attr-defined]
    history.History.load = classmethod(_timed("History.load", load))  # type: ignore[method-assign, assignment]
    ast.parse = _timed("ast.parse", ast.parse)  # type: ignore[assignment]
    start = time.perf_counter()
    files, _ = discovery.discover([options.corpus], repo=None, root=options.corpus)
    SPENT["discovery"] = time.perf_counter() - start
    select = frozenset(options.select.split(","))
    start = time.perf_counter()
    findings = sum(
        len(result.findings)
        for result in runner.run_files(files, runner.Options(select=select, rewrite=False), 1)
    )
    SPENT["run (all of it)"] = time.perf_counter() - start
    print(f"{len(files)} files, {findings} findings, --select {options.select}")
    for name, seconds in sorted(SPENT.items(), key=lambda item: -item[1]):
        print(f"  {name:<20} {seconds:8.2f} s")


if __name__ == "__main__":
    main()
