"""Fix one large data migration and print the time and peak memory it took.

A data migration that carries its rows in the file (``DATA = [{...}, ...]`` beside a
``RunPython`` that loads them) is the largest kind of migration in real projects. The fix
touches one line of ``class Migration``; this measures whether its cost follows the size of
the edit or of the file.

    python benchmarks/bench_large_migration.py --megabytes 5.5
    python benchmarks/bench_large_migration.py --megabytes 58

Each run happens in a fresh process (``migration-fixer --no-cache -j1`` on a generated
file in a temporary folder); the figures are its wall time and its peak resident memory
(``ru_maxrss`` of the child). Standard library only (Unix: ``resource``).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAD = "from django.db import migrations\n\nDATA = [\n"
TAIL = (
    "]\n\n\n"
    "def load(apps, schema_editor):\n"
    '    Thing = apps.get_model("app", "Thing")\n'
    "    Thing.objects.bulk_create(Thing(**row) for row in DATA)\n\n\n"
    "class Migration(migrations.Migration):\n\n"
    '    dependencies = [("app", "0001_initial")]\n\n'
    "    operations = [\n"
    "        migrations.RunPython(load),\n"
    "    ]\n"
)
FIXED = "        migrations.RunPython(load, reverse_code=migrations.RunPython.noop),\n"


def generate(path: Path, megabytes: float) -> None:
    size = int(megabytes * 1_000_000)
    rows = random.Random(1)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        written, n = len(HEAD), 0
        while written < size:
            line = (
                f'    {{"id": {n}, "code": "C{n:07d}", "name": "Name number {n}", '
                f'"value": {rows.random():.6f}, "tags": ["a", "b", {n % 97}]}},\n'
            )
            out.write(line)
            written += len(line)
            n += 1
        out.write(TAIL)


def measure(megabytes: float, mode: str) -> tuple[float, float, float, int]:
    """(seconds, CPU seconds, peak MB, exit code) of one run on a file of ``megabytes``
    (the CPU time, user + system, is the figure to compare on a machine shared with
    other jobs: the wall time also counts the time the run waited for a core)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "app" / "migrations" / "0002_data.py"
        path.parent.mkdir(parents=True)
        generate(path, megabytes)
        args = [sys.executable, "-m", "migration_fixer", "--no-cache", "--jobs", "1"]
        args += {"fix": [], "check": ["--check"], "diff": ["--diff"]}[mode] + ["app"]
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
        start = time.perf_counter()
        done = subprocess.run(
            args, cwd=tmp, capture_output=True, env={**os.environ, "CI": "true"}, check=False
        )
        seconds = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
        if peak <= before:
            print("warning: peak memory not above an earlier child's", file=sys.stderr)
        scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
        if mode == "fix" and done.returncode == 0 and FIXED not in path.read_text():
            raise SystemExit("the migration was not fixed")
        if done.returncode not in (0, 1):
            sys.stderr.write(done.stderr.decode())
        return seconds, cpu, peak * scale / 1e6, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, nargs="+", default=[5.5])
    parser.add_argument("--mode", choices=["fix", "check", "diff"], default="fix")
    options = parser.parse_args()
    print(f"{'file MB':>8} {'mode':>6} {'seconds':>8} {'CPU s':>8} {'peak MB':>8} {'exit':>5}")
    for megabytes in options.megabytes:
        seconds, cpu, peak, code = measure(megabytes, options.mode)
        print(f"{megabytes:8.1f} {options.mode:>6} {seconds:8.1f} {cpu:8.1f} {peak:8.0f} {code:5d}")


if __name__ == "__main__":
    main()
