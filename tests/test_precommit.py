"""The pre-commit hooks in .pre-commit-hooks.yaml, run by pre-commit itself.

pre-commit installs a hook from a git repository at a revision: the test builds one from
this working tree (so it tests the files as they are, committed or not), and pre-commit
installs the package from it into its own virtualenv (dependencies from PyPI), under a
temporary PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _git_helpers import BAD, FIXED, GIT_ENV, commit_all, copy_package, git, init_repo, write

ROOT = Path(__file__).resolve().parent.parent
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_hook_definitions() -> None:
    by_id = {hook["id"]: hook for hook in HOOKS}
    assert list(by_id) == ["migration-fixer", "migration-fixer-check"]
    fix, check = by_id["migration-fixer"], by_id["migration-fixer-check"]
    assert fix["entry"] == "migration-fixer"
    assert check["entry"] == "migration-fixer --check"
    for hook in (fix, check):
        assert hook["language"] == "python"
        assert hook["files"] == r"migrations/.*\.py$"
        assert hook["require_serial"] is True


def _hook_source(tmp_path: Path) -> tuple[Path, str]:
    """A git repository holding this working tree's package and hook definitions."""
    source = init_repo(copy_package(ROOT, tmp_path / "hook-source"))
    return source, commit_all(source, "hook source")


def pre_commit(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("PRE_COMMIT", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.slow
def test_pre_commit_runs_the_hooks(tmp_path: Path) -> None:
    source, rev = _hook_source(tmp_path)
    project = init_repo(tmp_path / "project")
    write(
        project,
        ".pre-commit-config.yaml",
        f"repos:\n"
        f"  - repo: {source}\n"
        f"    rev: {rev}\n"
        f"    hooks:\n"
        f"      - id: migration-fixer-check\n"
        f"      - id: migration-fixer\n",
    )
    migration = write(project, "shop/migrations/0001_initial.py", BAD)
    helper = write(project, "shop/helpers.py", BAD)  # not a migration: never passed
    commit_all(project, "initial")
    home = tmp_path / "pre-commit-home"

    check = pre_commit(project, home, "run", "migration-fixer-check", "--all-files")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "migration-fixer (check only)" in check.stdout
    assert "Failed" in check.stdout
    assert "shop/migrations/0001_initial.py:10:19: MF001 " in check.stdout
    assert "helpers.py" not in check.stdout
    assert migration.read_text() == BAD

    fix = pre_commit(project, home, "run", "migration-fixer", "--all-files")
    assert fix.returncode == 1, fix.stdout + fix.stderr
    assert "files were modified by this hook" in fix.stdout
    assert migration.read_text() == FIXED
    assert helper.read_text() == BAD

    git(project, "add", "-A")
    again = pre_commit(project, home, "run", "--all-files")
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("Passed") == 2

    # As a git hook: a commit with a new bad migration is stopped, and fixed.
    assert pre_commit(project, home, "install").returncode == 0
    new = write(project, "shop/migrations/0002_more.py", BAD)
    git(project, "add", "shop/migrations/0002_more.py")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)}
    commit = subprocess.run(
        ["git", "commit", "-m", "more"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert commit.returncode == 1, commit.stdout + commit.stderr
    assert "files were modified by this hook" in commit.stdout + commit.stderr
    assert new.read_text() == FIXED
    git(project, "add", "shop/migrations/0002_more.py")
    commit = subprocess.run(
        ["git", "commit", "-m", "more"], cwd=project, env=env, capture_output=True, text=True
    )
    assert commit.returncode == 0, commit.stdout + commit.stderr
