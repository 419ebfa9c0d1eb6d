#!/usr/bin/env python3
"""migration-fixer on the real-migration corpus, against baselines measured in the same run.

Usage, from the repository root (after ``python benchmarks/fetch_corpus.py``)::

    python benchmarks/bench_check.py                 # everything (libcst on a 1,000-file sample)
    python benchmarks/bench_check.py --libcst-sample 0   # libcst on every file (~80 s)
    python benchmarks/bench_check.py --json benchmarks/.results/check.json
    python benchmarks/bench_check.py --quick CORPUS   # the cold check runs only (~2 min)

Every measurement is a fresh process (wall time includes interpreter start; peak RSS is its
own). Printed: the baselines (read every file, ``ast.parse`` every file, ``libcst``), ``ruff
check --no-cache`` on the same files (the peer), ``migration-fixer --check`` with MF001/MF002
and with every rule, ``--jobs 1`` and the default, with the ratios the issues set targets on;
then, on a throw-away git copy of the corpus: ``--check --since`` with one changed file, and a
real fix run (crashes, files rewritten, every rewritten file compiled), and MF003's findings
split into "cannot determine" reasons.

The package is compiled once (``compileall``) before the first measurement, and the measured
commands run with bytecode allowed (without ``PYTHONDONTWRITEBYTECODE``), as an installed
package runs: an editable checkout on a machine that sets that variable was compiled again by
every measured process (about 0.1 s of CPU each, not the tool's own cost).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.baselines import (  # noqa: E402 - the path above makes it importable
    DEFAULT_CORPUS,
    find_migrations,
    run_measured,
    run_worker,
    sample_files,
)
from migration_fixer.rules import ALL_RULES  # noqa: E402

#: "All rules": every rule a run selects by default (MF004 was left out until 2026-12-02),
#: the preview ones (MF005) apart: they are measured on a line of their own.
EVERY_RULE = ",".join(rule.code for rule in ALL_RULES if not rule.preview)
WITH_PREVIEW = ",".join(rule.code for rule in ALL_RULES)


@dataclass(frozen=True)
class Measurement:
    wall: float
    peak_rss_mb: float
    stdout: str = ""
    cpu: float = 0.0  # user + system, the process and its workers


def _measured(cmd: list[str], cwd: Path | None = None) -> Measurement:
    m = run_measured(cmd, cwd=cwd)
    if m.returncode not in (0, 1, 2):  # 1: findings; 2: files it reports as broken
        raise RuntimeError(f"{cmd} failed ({m.returncode}):\n{m.stderr[-2000:]}")
    return Measurement(m.wall_seconds, m.peak_rss_mb, m.stdout, m.cpu_seconds)


def _baseline(kind: str, files: list[Path], sample: int | None) -> Measurement:
    chosen = sample_files(files, sample) if sample else files
    row = run_worker(kind, chosen, total_files=len(files))
    # Sampled: the process's fixed costs plus the loop time extrapolated to every file.
    return Measurement(row.wall_seconds - row.loop_seconds + row.full_loop_seconds, row.peak_rss_mb)


FIXER = [sys.executable, "-m", "migration_fixer"]


def _fixer(args: list[str], cwd: Path | None = None) -> Measurement:
    return _measured([*FIXER, *args], cwd=cwd)


def _ruff(corpus: Path) -> Measurement | None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        return None
    return _measured(
        [
            ruff,
            "check",
            "--isolated",
            "--no-cache",
            "--no-respect-gitignore",
            "--exit-zero",
            "--quiet",
            str(corpus),
        ]
    )


def _row(label: str, m: Measurement, note: str = "") -> str:
    cpu = f"{m.cpu:8.2f} s" if m.cpu else " " * 10
    return f"  {label:<46} {m.wall:8.2f} s  {cpu}  {m.peak_rss_mb:7.1f} MB  {note}"


def _git(args: list[str], cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _compile_package() -> None:
    """Compile the package the measured commands import, and let them read and write
    bytecode (see the module's docstring)."""
    import migration_fixer

    compileall.compile_dir(Path(migration_fixer.__file__).parent, quiet=1)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--libcst-sample", type=int, default=1000, help="0: every file")
    parser.add_argument("--json", type=Path, help="save the figures here")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only the cold check runs, ruff and ast.parse (no libcst, cache, --since or fix)",
    )
    options = parser.parse_args(argv)
    corpus: Path = options.corpus.resolve()
    files = find_migrations(corpus)
    if not files:
        print(
            f"no migrations under {corpus}: run python benchmarks/fetch_corpus.py", file=sys.stderr
        )
        return 2
    _compile_package()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"corpus: {len(files)} migration files under {corpus} ({cores} cores)\n")
    figures: dict[str, dict[str, float]] = {}

    def keep(name: str, m: Measurement) -> Measurement:
        figures[name] = {
            "wall_s": round(m.wall, 3),
            "cpu_s": round(m.cpu, 3),
            "peak_rss_mb": round(m.peak_rss_mb, 1),
        }
        return m

    read = keep("read", _baseline("read", files, None))
    parse = keep("ast.parse", _baseline("ast", files, None))
    sample = options.libcst_sample or None
    libcst = None if options.quick else keep("libcst", _baseline("libcst", files, sample))
    ruff = _ruff(corpus)
    if ruff is not None:
        keep("ruff", ruff)
    runs = {}
    selections = [("MF001,MF002", "MF001+MF002"), (EVERY_RULE, "all rules")]
    if WITH_PREVIEW != EVERY_RULE:
        selections.append((WITH_PREVIEW, "with preview rules"))
    for select, label in selections:
        for jobs in ("1", str(cores)):
            name = f"check {label} --jobs {jobs}"
            args = ["--check", "--quiet", "--jobs", jobs, "--select", select, str(corpus)]
            runs[name] = keep(name, _fixer(["--no-cache", *args]))
        if options.quick:
            continue
        # The same with the result cache: primed by one run, then measured.
        cached = ["--check", "--quiet", "--select", select, str(corpus)]
        _fixer(cached)
        name = f"check {label}, warm cache"
        runs[name] = keep(name, _fixer(cached))
    print("                                                   wall         CPU       peak RSS")
    print(_row("read every file (floor)", read))
    print(_row("ast.parse every file", parse))
    if libcst is not None:
        note = "(extrapolated)" if sample else ""
        print(_row("libcst.parse_module every file", libcst, note=note))
    if ruff is not None:
        print(_row("ruff check --no-cache (peer)", ruff))
    for name, m in runs.items():
        print(_row(name, m))
    print()
    base_check = runs[f"check MF001+MF002 --jobs {cores}"]
    all_check = runs[f"check all rules --jobs {cores}"]
    base_one = runs["check MF001+MF002 --jobs 1"]
    all_one = runs["check all rules --jobs 1"]
    targets = [("MF001+MF002 --jobs 1 / ast.parse (target <= 1)", base_one.wall / parse.wall)]
    if libcst is not None:
        ratio = libcst.wall / base_one.wall
        targets.append(("libcst / MF001+MF002 --jobs 1 (target >= 15)", ratio))
    targets += [
        ("all rules / MF001+MF002, default jobs (target <= 1.5)", all_check.wall / base_check.wall),
        ("  the same, CPU time", all_check.cpu / base_check.cpu),
        ("all rules / MF001+MF002, --jobs 1", all_one.wall / base_one.wall),
    ]
    if ruff is not None:
        targets.append(
            ("all rules, default jobs / ruff (target <= 1.5)", all_check.wall / ruff.wall)
        )
    preview = runs.get(f"check with preview rules --jobs {cores}")
    if preview is not None:
        targets.append(
            ("with preview rules / all rules, default jobs", preview.wall / all_check.wall)
        )
    peak = max(m.peak_rss_mb for m in runs.values())
    for label, value in targets:
        print(f"  {label:<58} {value:6.2f}")
    print(f"  {'peak RSS of any check run, MB (targets < 250 / < 200)':<58} {peak:6.1f}\n")
    if options.quick:
        _save(options.json, figures)
        return 0

    with tempfile.TemporaryDirectory(prefix="mf-bench-") as tmp:
        repo = Path(tmp) / "corpus"
        shutil.copytree(corpus, repo)
        _git(["init", "-q", "-b", "main"], repo)
        _git(["-c", "user.name=bench", "-c", "user.email=b@b", "add", "-A"], repo)
        _git(["-c", "user.name=bench", "-c", "user.email=b@b", "commit", "-qm", "corpus"], repo)
        changed = find_migrations(repo)[len(files) // 2]
        changed.write_text(changed.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
        since = keep(
            "check --since HEAD, 1 changed file",
            _fixer(["--check", "--quiet", "--since", "HEAD", "."], cwd=repo),
        )
        print(_row("--check --since HEAD, 1 changed file (< 0.5 s)", since))
        _git(["checkout", "-q", "--", "."], repo)
        report = subprocess.run(
            [*FIXER, "--check", "--output-format", "json", "--jobs", str(cores), "."],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        data = json.loads(report.stdout)
        fix = keep("fix all rules", _fixer(["--quiet", "--allow-dirty", "."], cwd=repo))
        print(_row("fix in place, all rules", fix))
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        touched = [repo / line[3:] for line in status if line.endswith(".py")]
        broken = []
        for path in touched:
            try:
                compile(path.read_bytes(), str(path), "exec")
            except SyntaxError as exc:  # pragma: no cover - a bug if it happens
                broken.append(f"{path}: {exc}")
        errors = [e["message"] for e in data["errors"]]
        crashes = [m for m in errors if "internal error" in m or "Traceback" in m]
        codes = Counter(f["code"] for f in data["findings"])
        mf003 = [f for f in data["findings"] if f["code"] == "MF003"]
        unknown = [f for f in mf003 if "cannot determine" in f["message"]]
        shapes = Counter(_shape(f["message"]) for f in unknown)
        print(
            f"\n  findings: {dict(sorted(codes.items()))}; errors reported: {len(errors)}; "
            f"internal errors/crashes: {len(crashes)}"
        )
        print(f"  fix run: {len(touched)} files written or created, {len(broken)} do not compile")
        print(f"  MF003: {len(mf003)} findings, {len(unknown)} 'cannot determine':")
        for shape, count in shapes.most_common():
            print(f"    {count:5d}  {shape}")
        figures["counts"] = {
            "files": len(files),
            "errors": len(errors),
            "crashes": len(crashes),
            "written": len(touched),
            "not_compiling": len(broken),
            "mf003": len(mf003),
            "mf003_cannot_determine": len(unknown),
            **{f"findings_{k}": v for k, v in codes.items()},
        }
        for line in broken[:10]:
            print("   ", line)
    _save(options.json, figures)
    return 0


def _save(path: Path | None, figures: dict[str, dict[str, float]]) -> None:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


_SHAPES = [
    (r"is not a Django field class", "custom field class"),
    (r"is not created in this folder", "model from another folder/app"),
    (r"is not defined in this folder", "field not defined in this folder's migrations"),
    (r"built dynamically", "operations built dynamically"),
    (r"depends on|not in .*migrations|missing", "dependency outside the folder / missing"),
    (r"cannot parse|does not parse", "a migration that does not parse"),
    (r"custom operation", "custom operation that may change fields"),
    (r"not a literal|non-literal", "non-literal argument"),
    (r"outside the migration's `operations`", "RemoveField outside the operations list"),
    (r"cycle", "dependency cycle"),
    (r"generated key", "removal of an AutoField (the table's key)"),
]


def _shape(message: str) -> str:
    for pattern, shape in _SHAPES:
        if re.search(pattern, message):
            return shape
    return "other: " + message.split(": ", 1)[-1][:80]


if __name__ == "__main__":
    raise SystemExit(main())
