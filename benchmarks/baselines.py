#!/usr/bin/env python3
"""Baseline costs of the work migration-fixer does, measured on the real-migration corpus.

Usage, from the repository root (after ``python benchmarks/fetch_corpus.py``)::

    python benchmarks/baselines.py                      # benchmarks/.corpus, every file
    python benchmarks/baselines.py --sample 2000        # libcst on 2,000 files, extrapolated
    python benchmarks/baselines.py CORPUS --json benchmarks/.results/baselines.json

Each measurement runs in a fresh subprocess (this script with ``--worker KIND``), so its wall
time includes the interpreter start and its peak RSS is its own (``os.wait4``):

* ``startup``  the worker reading the file list and doing nothing else (the floor);
* ``read``     reading every file's bytes;
* ``ast``      ``ast.parse`` of every file (the detection side of the pipeline);
* ``libcst``   ``libcst.parse_module`` of every file (the rewrite side; ~5 ms a file, so
  ``--sample N`` parses a fixed random sample and extrapolates the time to the whole corpus).

Trees are dropped after each file: peak RSS is the cost of one parse plus the interpreter and
the parser's import, not of holding the corpus in memory.

Then it counts, on the ``ast`` (roughly: calls spelled ``RunPython(...)``/``X.RunPython(...)``,
no import resolution): files, files that ``ast.parse`` rejects on this Python, files containing
none of ``RunPython``/``RunSQL``/``RemoveField`` (what the text prefilter skips), ``RunPython``
calls without a reverse, ``RunSQL`` calls without a reverse, ``RemoveField`` calls.

The functions are importable (``find_migrations``, ``measure``, ``run_worker``,
``corpus_stats``, ``format_table``) for later bench scripts.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE / ".corpus"
PREFILTER_WORDS = (b"RunPython", b"RunSQL", b"RemoveField")
WORKER_KINDS = ("startup", "read", "ast", "libcst")


# --------------------------------------------------------------------------------------------
# Files


def find_migrations(root: Path) -> list[Path]:
    """``*/migrations/*.py`` below ``root`` except ``__init__.py``, sorted."""
    return sorted(
        p
        for p in root.rglob("*.py")
        if p.parent.name == "migrations" and p.name != "__init__.py" and p.is_file()
    )


def sample_files(files: Sequence[Path], n: int | None, seed: int = 0) -> list[Path]:
    """A deterministic random sample of ``n`` files (all of them if ``n`` is None or larger)."""
    if n is None or n >= len(files):
        return list(files)
    return sorted(random.Random(seed).sample(list(files), n))


# --------------------------------------------------------------------------------------------
# Measuring a subprocess


def _maxrss_mb(ru_maxrss: int) -> float:
    # Linux reports kilobytes, macOS bytes.
    return ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else ru_maxrss / 1024


@dataclass
class Measurement:
    """What one measured subprocess cost and printed."""

    wall_seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str = ""
    stderr: str = ""
    #: User + system time of the process and the children it waited for (its workers).
    cpu_seconds: float = 0.0


# Peak RSS is measured from a small launcher process: a child forked from a big process
# (this script, once it has read the corpus) starts with the parent's high-water mark, which
# Linux carries over ``exec`` into ``ru_maxrss``; forked from the launcher, it starts small.
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
cpu = usage.ru_utime + usage.ru_stime
os.write(2, b"\\n@@measured %r %d %d %r\\n" % (wall, usage.ru_maxrss, code, cpu))
"""


def run_measured(
    cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Measurement:
    """Run ``cmd`` and return its wall time, peak RSS and CPU time (``os.wait4`` in a
    launcher)."""
    launcher = [sys.executable, "-S", "-c", _LAUNCHER, *cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(launcher, stdout=out, stderr=err, env=env, cwd=cwd)
        proc.wait()
        out.seek(0)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        stderr, _, tail = stderr.rpartition("\n@@measured ")
        wall, maxrss, code, cpu = tail.split()
        return Measurement(
            wall_seconds=float(wall),
            peak_rss_mb=_maxrss_mb(int(maxrss)),
            returncode=int(code),
            stdout=out.read().decode("utf-8", "replace"),
            stderr=stderr,
            cpu_seconds=float(cpu),
        )


def measure(cmd: list[str]) -> tuple[float, float]:
    """``(wall_seconds, peak_rss_mb)`` of running ``cmd`` in a fresh process."""
    m = run_measured(cmd)
    if m.returncode != 0:
        raise subprocess.CalledProcessError(m.returncode, cmd, m.stdout, m.stderr)
    return m.wall_seconds, m.peak_rss_mb


# --------------------------------------------------------------------------------------------
# Workers (run in the measured subprocess)


def _work(kind: str, files: list[Path]) -> dict[str, object]:
    """Do the work of ``kind`` on ``files``; return counts and the time spent in the loop."""
    failures: list[str] = []
    nbytes = 0
    if kind == "libcst":
        import libcst  # only this worker pays for the import

        start = time.perf_counter()
        for path in files:
            data = path.read_bytes()
            nbytes += len(data)
            try:
                libcst.parse_module(data)
            except Exception:  # libcst.ParserSyntaxError and friends
                failures.append(str(path))
    else:
        start = time.perf_counter()
        for path in files:
            if kind == "startup":
                continue
            data = path.read_bytes()
            nbytes += len(data)
            if kind == "ast":
                try:
                    ast.parse(data, filename=str(path))
                except (SyntaxError, ValueError):
                    failures.append(str(path))
    loop = time.perf_counter() - start
    return {"files": len(files), "bytes": nbytes, "loop_seconds": loop, "failures": failures}


def worker_main(kind: str, files_from: Path) -> int:
    files = [Path(line) for line in files_from.read_text().splitlines() if line]
    print(json.dumps(_work(kind, files)))
    return 0


# --------------------------------------------------------------------------------------------
# Running the measurements


@dataclass
class Row:
    """One line of the baseline table."""

    name: str
    files: int  # files processed by the worker
    total_files: int  # files in the corpus
    wall_seconds: float
    loop_seconds: float
    peak_rss_mb: float
    failures: list[str] = field(default_factory=list)

    @property
    def sampled(self) -> bool:
        return self.files < self.total_files

    @property
    def ms_per_file(self) -> float:
        return 1000 * self.loop_seconds / self.files if self.files else 0.0

    @property
    def full_loop_seconds(self) -> float:
        """The loop time for the whole corpus (extrapolated when sampled)."""
        return self.ms_per_file * self.total_files / 1000


def run_worker(
    kind: str, files: Sequence[Path], *, total_files: int | None = None, label: str = ""
) -> Row:
    """Measure worker ``kind`` on ``files`` in a fresh subprocess."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(str(p) for p in files) + "\n")
        list_path = fh.name
    try:
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            kind,
            "--files-from",
            list_path,
        ]
        m = run_measured(cmd)
    finally:
        os.unlink(list_path)
    if m.returncode != 0:
        raise RuntimeError(f"worker {kind} failed ({m.returncode}):\n{m.stderr[-2000:]}")
    out = json.loads(m.stdout)
    return Row(
        name=label or kind,
        files=int(out["files"]),
        total_files=total_files if total_files is not None else len(files),
        wall_seconds=m.wall_seconds,
        loop_seconds=float(out["loop_seconds"]),
        peak_rss_mb=m.peak_rss_mb,
        failures=list(out["failures"]),
    )


# --------------------------------------------------------------------------------------------
# Corpus statistics (ast-based, rough)


@dataclass
class Stats:
    files: int = 0
    bytes: int = 0
    parse_failures: list[str] = field(default_factory=list)
    prefilter_skipped: int = 0  # files with none of PREFILTER_WORDS
    runpython_calls: int = 0
    runpython_no_reverse: int = 0  # no reverse_code at all
    runpython_none_reverse: int = 0  # reverse_code=None spelled out
    runsql_calls: int = 0
    runsql_no_reverse: int = 0
    runsql_none_reverse: int = 0
    removefield_calls: int = 0
    star_args_calls: int = 0  # RunPython/RunSQL(*args/**kwargs): reverse unknown

    @property
    def prefilter_fraction(self) -> float:
        return self.prefilter_skipped / self.files if self.files else 0.0


def _callee(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _reverse(call: ast.Call, keyword: str) -> str:
    """``"yes"``, ``"none"`` (explicit None), ``"no"`` or ``"unknown"`` (*args / **kwargs)."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return "none" if _is_none(kw.value) else "yes"
    if len(call.args) >= 2 and not any(isinstance(a, ast.Starred) for a in call.args[:2]):
        return "none" if _is_none(call.args[1]) else "yes"
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        kw.arg is None for kw in call.keywords
    ):
        return "unknown"
    return "no"


def scan_tree(tree: ast.AST, stats: Stats) -> None:
    """Add the RunPython/RunSQL/RemoveField calls of ``tree`` to ``stats``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        if name == "RemoveField":
            stats.removefield_calls += 1
        elif name in ("RunPython", "RunSQL"):
            keyword = "reverse_code" if name == "RunPython" else "reverse_sql"
            reverse = _reverse(node, keyword)
            if name == "RunPython":
                stats.runpython_calls += 1
                stats.runpython_no_reverse += reverse == "no"
                stats.runpython_none_reverse += reverse == "none"
            else:
                stats.runsql_calls += 1
                stats.runsql_no_reverse += reverse == "no"
                stats.runsql_none_reverse += reverse == "none"
            stats.star_args_calls += reverse == "unknown"


def corpus_stats(files: Iterable[Path]) -> Stats:
    stats = Stats()
    for path in files:
        data = path.read_bytes()
        stats.files += 1
        stats.bytes += len(data)
        if not any(word in data for word in PREFILTER_WORDS):
            stats.prefilter_skipped += 1
        try:
            tree = ast.parse(data, filename=str(path))
        except (SyntaxError, ValueError):
            stats.parse_failures.append(str(path))
            continue
        scan_tree(tree, stats)
    return stats


# --------------------------------------------------------------------------------------------
# Output


def format_table(rows: Sequence[Row]) -> str:
    header = (
        f"{'measurement':<22} {'files':>7} {'wall s':>8} {'loop s':>8} {'ms/file':>8} "
        f"{'peak RSS MB':>12} {'failures':>9}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        files = f"{r.files}" if not r.sampled else f"{r.files}*"
        loop = f"{r.loop_seconds:8.2f}"
        lines.append(
            f"{r.name:<22} {files:>7} {r.wall_seconds:8.2f} {loop} {r.ms_per_file:8.3f} "
            f"{r.peak_rss_mb:12.1f} {len(r.failures):>9}"
        )
        if r.sampled:
            full = r.full_loop_seconds
            lines.append(
                f"{'':<22} {'':>7} {'':>8} {full:8.1f}  <- * sample of {r.files}/{r.total_files}"
                f" files, loop time extrapolated to the whole corpus"
            )
    return "\n".join(lines)


def format_stats(s: Stats, corpus: Path) -> str:
    def pct(n: int, d: int) -> str:
        return f"{100 * n / d:.1f}%" if d else "-"

    rows = [
        ("files that fail ast.parse on this Python", f"{len(s.parse_failures)}"),
        (
            "files with none of RunPython/RunSQL/RemoveField",
            f"{s.prefilter_skipped}  "
            f"({pct(s.prefilter_skipped, s.files)}: the prefilter skips them)",
        ),
        ("RunPython calls", f"{s.runpython_calls}"),
        (
            "  without reverse_code",
            f"{s.runpython_no_reverse}  ({pct(s.runpython_no_reverse, s.runpython_calls)})",
        ),
        ("  with reverse_code=None", f"{s.runpython_none_reverse}"),
        ("RunSQL calls", f"{s.runsql_calls}"),
        (
            "  without reverse_sql",
            f"{s.runsql_no_reverse}  ({pct(s.runsql_no_reverse, s.runsql_calls)})",
        ),
        ("  with reverse_sql=None", f"{s.runsql_none_reverse}"),
        ("RunPython/RunSQL with *args/**kwargs", f"{s.star_args_calls}"),
        ("RemoveField calls", f"{s.removefield_calls}"),
    ]
    lines = [
        f"corpus: {corpus}  ({s.files} files, {s.bytes / 1e6:.1f} MB, "
        f"Python {sys.version.split()[0]})"
    ]
    lines += [f"  {label:<50} {value}" for label, value in rows]
    for path in s.parse_failures[:20]:
        lines.append(f"    parse failure: {path}")
    if len(s.parse_failures) > 20:
        lines.append(f"    ... and {len(s.parse_failures) - 20} more")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "corpus",
        nargs="?",
        type=Path,
        default=DEFAULT_CORPUS,
        help="folder to search for */migrations/*.py (default: %(default)s)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="libcst: parse a fixed random sample of N files and extrapolate",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument("--worker", choices=WORKER_KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--files-from", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        if args.files_from is None:
            parser.error("--worker needs --files-from")
        return worker_main(args.worker, args.files_from)

    files = find_migrations(args.corpus)
    if not files:
        print(
            f"no */migrations/*.py under {args.corpus}: run benchmarks/fetch_corpus.py first",
            file=sys.stderr,
        )
        return 2
    n = len(files)
    print(
        f"{n} migration files under {args.corpus}; {os.cpu_count()} cores; "
        f"each measurement in a fresh process",
        flush=True,
    )
    rows = []
    for kind, label in (
        ("startup", "startup (no work)"),
        ("read", "read bytes"),
        ("ast", "ast.parse"),
        ("libcst", "libcst.parse_module"),
    ):
        subset = sample_files(files, args.sample) if kind == "libcst" else files
        rows.append(run_worker(kind, subset, total_files=n, label=label))
        print(f"  {label}: done in {rows[-1].wall_seconds:.1f}s", flush=True)
    stats = corpus_stats(files)

    print()
    print(format_table(rows))
    ast_row, cst_row = rows[2], rows[3]
    if ast_row.ms_per_file:
        print(
            f"\nlibcst.parse_module / ast.parse per file: "
            f"{cst_row.ms_per_file / ast_row.ms_per_file:.1f}x"
        )
    print()
    print(format_stats(stats, args.corpus))
    if cst_row.failures:
        print(f"\nlibcst could not parse {len(cst_row.failures)} file(s), e.g.:")
        for path in cst_row.failures[:10]:
            print(f"    {path}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "corpus": str(args.corpus),
            "python": sys.version.split()[0],
            "cores": os.cpu_count(),
            "rows": [
                {
                    **asdict(r),
                    "ms_per_file": r.ms_per_file,
                    "full_loop_seconds": r.full_loop_seconds,
                }
                for r in rows
            ],
            "stats": {**asdict(stats), "prefilter_fraction": stats.prefilter_fraction},
        }
        args.json.write_text(json.dumps(payload, indent=1) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
