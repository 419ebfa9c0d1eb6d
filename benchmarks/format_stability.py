"""Do fixed files stay formatted? Over a corpus of real migrations: every file that
``ruff format --check`` accepts before the fix (all rules, ``--unsafe-fixes``) must still
be accepted after it; the new files the fix creates (MF003's drop migrations) too.

    python benchmarks/format_stability.py --corpus /work/corpus/migrations [--projects N]
        [--line-length 88] [--show 20] [--select ALL]

The corpus is copied into a temporary git repository with one empty commit, so that every
migration is new on the branch (MF003 splits new migrations only), and fixed there with
``python -m migration_fixer --unsafe-fixes --no-cache``. ruff (a dev dependency) checks
with ``--line-length`` as given and no other configuration (``--isolated``); the fixer is
given the same line length. Prints the counts; exit 1 when an accepted file is rejected.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def rejected(root: Path, files: list[Path], line_length: int) -> set[Path]:
    """The files ``ruff format --check`` would reformat (or cannot read)."""
    out: set[Path] = set()
    for start in range(0, len(files), 2000):
        chunk = files[start : start + 2000]
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                "format",
                "--isolated",
                "--check",
                "--output-format",
                "concise",
                "--line-length",
                str(line_length),
                *(str(p.relative_to(root)) for p in chunk),
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        for line in (proc.stdout + proc.stderr).splitlines():
            if ": unformatted: " in line:
                out.add(root / line.split(":", 1)[0])
            elif line.startswith("error: Failed to parse "):
                out.add(root / line.removeprefix("error: Failed to parse ").split(":", 1)[0])
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--projects", type=int, default=0, help="the first N projects (0: all)")
    parser.add_argument("--line-length", type=int, default=88)
    parser.add_argument("--show", type=int, default=20, help="rejected files to list")
    parser.add_argument("--select", default="", help='rules, as --select takes them ("ALL")')
    args = parser.parse_args()
    projects = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    if args.projects:
        projects = projects[: args.projects]
    with tempfile.TemporaryDirectory(prefix="format-stability-") as tmp:
        root = Path(tmp) / "corpus"
        root.mkdir()
        for project in projects:
            shutil.copytree(project, root / project.name, symlinks=True)
        (root / "pyproject.toml").write_text(
            f"[tool.migration-fixer]\nline-length = {args.line_length}\n", encoding="utf-8"
        )
        env = {**os.environ, **_GIT_ENV}
        for command in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "0"]):
            subprocess.run(["git", *command], cwd=root, env=env, check=True)
        files = sorted(p for p in root.rglob("*.py") if "migrations" in p.parts)
        before = {p: p.read_bytes() for p in files}
        bad_before = rejected(root, files, args.line_length)
        accepted = [p for p in files if p not in bad_before]
        started = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "migration_fixer",
                "--unsafe-fixes",
                "--no-cache",
                "--no-progress",
                "--quiet",
                *(["--select", args.select] if args.select else []),
                ".",
            ],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        after_files = sorted(p for p in root.rglob("*.py") if "migrations" in p.parts)
        changed = [p for p in files if p.read_bytes() != before[p]]
        new = [p for p in after_files if p not in before]
        changed_accepted = [p for p in changed if p not in bad_before]
        bad_after = rejected(root, changed_accepted + new, args.line_length)
        broken = sorted(p for p in changed_accepted if p in bad_after)
        broken_new = sorted(p for p in new if p in bad_after)
        print(f"projects: {len(projects)}, migration files: {len(files)}")
        print(f"accepted by ruff format --check before the fix: {len(accepted)}")
        print(f"changed by the fix: {len(changed)} (accepted before: {len(changed_accepted)})")
        print(f"fix run: {seconds:.1f} s, exit {proc.returncode}")
        print(f"accepted before, rejected after: {len(broken)} of {len(changed_accepted)}")
        print(f"new files: {len(new)}, rejected: {len(broken_new)}")
        for path in (broken + broken_new)[: args.show]:
            print(f"  {path.relative_to(root)}")
        return 1 if broken or broken_new else 0


if __name__ == "__main__":
    sys.exit(main())
