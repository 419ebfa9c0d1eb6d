"""Fix mode on an untrusted repository (issue 13): no write outside it, no write over
someone's edits, no half-applied MF003 split, no hang on a file that is not a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from _git_helpers import (
    BAD,
    FIXED,
    GIT_ENV,
    INITIAL,
    commit_all,
    git,
    hook_writes,
    init_repo,
    remove_sku,
    write,
)
from click.testing import CliRunner

import migration_fixer.api as api
from migration_fixer.cli import cli

REMOVE = remove_sku("shop")


def fix(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--no-progress", "--color", "never", *args])
    return result.exit_code, result.output


# -- item 2: never through a symlink that leaves the repository ----------------------------


def test_a_symlink_to_a_file_outside_the_repository_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "elsewhere" / "victim.py"
    victim.parent.mkdir()
    victim.write_text(BAD)
    repo = init_repo(tmp_path / "repo")
    write(repo, "app/migrations/0001_ok.py", BAD)
    (repo / "app/migrations/0002_x.py").symlink_to(victim)
    commit_all(repo)
    monkeypatch.chdir(repo)
    code, out = fix()
    assert code == 2
    assert (
        f"error: app/migrations/0002_x.py: is a symlink to {victim}, outside the repository: "
        "not written\n"
    ) in out
    assert victim.read_text() == BAD
    assert (repo / "app/migrations/0001_ok.py").read_text() == FIXED  # the others are fixed


def test_a_symlinked_migrations_folder_outside_the_given_paths_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "0001_a.py").write_text(BAD)
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "migrations").symlink_to(outside, target_is_directory=True)
    monkeypatch.chdir(project)
    code, out = fix(".")
    assert code == 2
    assert (
        f"error: app/migrations/0001_a.py: is a symlink to {outside / '0001_a.py'}, outside "
        "the given paths: not written\n"
    ) in out
    assert (outside / "0001_a.py").read_text() == BAD


def test_a_symlink_inside_the_repository_is_written_at_its_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "repo")
    write(repo, "shared/0001_a.py", BAD)
    (repo / "app/migrations").mkdir(parents=True)
    (repo / "app/migrations/0001_a.py").symlink_to(repo / "shared/0001_a.py")
    commit_all(repo)
    monkeypatch.chdir(repo)
    assert fix("app")[0] == 0
    assert (repo / "app/migrations/0001_a.py").is_symlink()
    assert (repo / "shared/0001_a.py").read_text() == FIXED


# -- item 6: an edit saved during the run is never overwritten ----------------------------


def test_a_file_changed_between_read_and_write_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "app" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0001_a.py").write_text(BAD)
    (folder / "0002_b.py").write_text(BAD)
    edited = BAD + "# saved by the user while the fixer ran\n"
    real = api._write

    def edit_then_write(result: api.RunResult, repo: object) -> None:
        (folder / "0001_a.py").write_text(edited)
        real(result, repo)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "_write", edit_then_write)
    monkeypatch.chdir(tmp_path)
    code, out = fix("app")
    assert code == 2
    assert (
        "error: app/migrations/0001_a.py: changed on disk during the run: not written (run again)\n"
    ) in out
    assert (folder / "0001_a.py").read_text() == edited
    assert (folder / "0002_b.py").read_text() == FIXED


# -- item 7: the dirty check in each repository that holds a file -------------------------


def _dirty_repo(path: Path) -> Path:
    repo = init_repo(path)
    write(repo, "app/migrations/0001_a.py", BAD)
    commit_all(repo)
    write(repo, "app/migrations/0001_a.py", BAD + "# unstaged\n")
    return repo


def test_unstaged_changes_in_a_second_repository_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _dirty_repo(tmp_path / "first")
    second = _dirty_repo(tmp_path / "second")
    monkeypatch.chdir(tmp_path)
    code, out = fix("first", "second")
    assert code == 2
    refusal = (
        ": has unstaged changes: not written (commit, stage or stash them, or pass --allow-dirty)\n"
    )
    assert f"error: first/app/migrations/0001_a.py{refusal}" in out
    assert f"error: second/app/migrations/0001_a.py{refusal}" in out
    for repo in (first, second):
        assert (repo / "app/migrations/0001_a.py").read_text() == BAD + "# unstaged\n"


def test_unstaged_changes_in_a_submodule_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = init_repo(tmp_path / "sub")
    write(sub, "app/migrations/0001_a.py", BAD)
    commit_all(sub)
    top = init_repo(tmp_path / "top")
    write(top, "README", "top\n")
    git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "sub")
    commit_all(top)
    migration = top / "sub/app/migrations/0001_a.py"
    migration.write_text(BAD + "# unstaged\n")
    monkeypatch.chdir(top)
    # git ls-files does not enter submodules: the file is named, after the top folder.
    code, out = fix(".", "sub/app/migrations/0001_a.py")
    assert code == 2
    assert "error: sub/app/migrations/0001_a.py: has unstaged changes: not written" in out
    assert migration.read_text() == BAD + "# unstaged\n"


def test_unstaged_changes_behind_a_symlink_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The link is in one repository, the file it leads to in another, both given."""
    other = _dirty_repo(tmp_path / "other")
    repo = init_repo(tmp_path / "repo")
    (repo / "app/migrations").mkdir(parents=True)
    (repo / "app/migrations/0001_a.py").symlink_to(other / "app/migrations/0001_a.py")
    commit_all(repo)
    monkeypatch.chdir(tmp_path)
    code, out = fix("repo", "other")
    assert code == 2
    assert "repo/app/migrations/0001_a.py: has unstaged changes: not written" in out
    assert (other / "app/migrations/0001_a.py").read_text() == BAD + "# unstaged\n"


# -- item 5: an MF003 split is never half-applied ------------------------------------------


@pytest.fixture
def split_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two apps, each with a new migration that MF003 splits (an edit + a drop file)."""
    repo = init_repo(tmp_path / "repo")
    for app in ("shop", "store"):
        write(repo, f"{app}/migrations/0001_initial.py", INITIAL)
    commit_all(repo)
    for app in ("shop", "store"):
        write(repo, f"{app}/migrations/0002_remove.py", REMOVE.replace('"shop"', f'"{app}"'))
    monkeypatch.chdir(repo)
    return repo


def _state(repo: Path, app: str) -> str:
    edited = (repo / f"{app}/migrations/0002_remove.py").read_text() != REMOVE.replace(
        '"shop"', f'"{app}"'
    )
    dropped = len(list((repo / f"{app}/migrations").glob("0003_*.py"))) == 1
    return {
        (False, False): "untouched",
        (True, True): "fixed",
        (True, False): "migratable",
    }.get((edited, dropped), "BROKEN")


def test_the_edited_migration_is_written_before_its_drop_file(
    split_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    hook_writes(monkeypatch, lambda path, options: order.append(path.name))
    code, _ = fix("--jobs", "1")
    assert code == 0
    assert [name[:4] for name in order] == ["0002", "0003", "0002", "0003"]
    assert _state(split_repo, "shop") == _state(split_repo, "store") == "fixed"


def test_a_crash_between_the_writes_leaves_the_folder_migratable(
    split_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL cannot be deferred: whatever the instant, no folder has a drop file beside
    its original RemoveField (Django would then fail with KeyError)."""
    crash_at = calls = 0

    def crash(path: Path, options: Mapping[str, object]) -> None:
        nonlocal calls
        if calls == crash_at:
            raise SystemExit(137)  # the process dies here
        calls += 1

    hook_writes(monkeypatch, crash)
    for crash_at in range(4):
        git(split_repo, "checkout", "-q", ".")
        for extra in split_repo.glob("*/migrations/0003_*.py"):
            extra.unlink()
        calls = 0
        fix("--jobs", "1", "--no-cache")
        states = {_state(split_repo, app) for app in ("shop", "store")}
        assert "BROKEN" not in states, crash_at


def test_an_interrupt_waits_for_the_folder_and_the_closing_message_is_true(
    split_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(path: Path, options: Mapping[str, object]) -> None:
        if path.name.startswith("0002") and "shop" in str(path):
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C between the edit and the drop file

    hook_writes(monkeypatch, after=interrupted)
    result = CliRunner().invoke(cli, ["--jobs", "1", "--no-progress"])
    assert result.exit_code == 130
    assert result.output == (
        "Interrupted: stopped before the end; each migrations folder is either fully fixed "
        "or untouched.\n"
    )
    assert _state(split_repo, "shop") == "fixed"
    assert _state(split_repo, "store") == "untouched"


def test_a_drop_file_that_cannot_be_created_undoes_the_edit(
    split_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_new_files(path: Path, options: Mapping[str, object]) -> None:
        if options.get("create") and "shop" in str(path):
            raise PermissionError(13, "Permission denied")

    hook_writes(monkeypatch, no_new_files)
    code, out = fix("--jobs", "1")
    assert code == 2
    assert (
        "shop/migrations/0003_remove_product_sku.py: cannot create: [Errno 13] Permission denied"
    ) in out
    assert _state(split_repo, "shop") == "untouched"
    assert _state(split_repo, "store") == "fixed"


# -- items 10 and 16: FIFOs, unreadable folders, odd files ----------------------------------


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """In a subprocess with a timeout: a hang fails the test instead of the suite."""
    return subprocess.run(
        [sys.executable, "-I", "-c", "from migration_fixer.cli import main; main()", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV, "PYTHONPATH": str(Path(api.__file__).parent.parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_fifo_named_like_a_migration_is_skipped_with_a_notice(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    write(repo, "shop/migrations/0001_initial.py", INITIAL)
    commit_all(repo)
    write(repo, "shop/migrations/0002_remove.py", REMOVE)
    os.mkfifo(repo / "shop/migrations/0003_fifo.py")
    done = _run(["--check", "--no-progress"], repo)
    assert done.returncode == 1, done.stderr
    assert "shop/migrations/0003_fifo.py: skipped: not a regular file\n" in done.stdout
    assert "shop/migrations/0002_remove.py:" in done.stdout


def test_a_fifo_on_the_command_line_is_an_error(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "0001_fifo.py")
    done = _run(["--check", "--no-progress", "0001_fifo.py"], tmp_path)
    assert done.returncode == 2
    assert done.stderr == "error: 0001_fifo.py: not a regular file or a folder: skipped\n"


def test_an_unreadable_folder_outside_git_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "app" / "migrations"
    locked.mkdir(parents=True)
    (locked / "0001_a.py").write_text(BAD)
    # chmod 000 (simulated: root reads a mode-000 folder anyway).
    real = os.scandir

    def scandir(path: str) -> object:
        if Path(path).resolve() == locked:
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    code, out = fix("--check", ".")
    assert code == 2
    assert "error: app/migrations: cannot read folder: Permission denied\n" in out


def test_a_file_with_cr_only_line_endings_is_fixed_with_its_line_endings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "app" / "migrations"
    folder.mkdir(parents=True)
    path = folder / "0001_a.py"
    path.write_bytes(BAD.replace("\n", "\r").encode())
    monkeypatch.chdir(tmp_path)
    code, out = fix("--diff", "app")
    assert code == 1
    assert "error" not in out
    assert fix("app") == (
        0,
        "app/migrations/0001_a.py:10:19: MF001 `RunPython` without `reverse_code` cannot be "
        "reversed [fixed]\nFound 1 finding in 1 migration file (1 fixed, 0 remaining).\n",
    )
    assert path.read_bytes() == FIXED.replace("\n", "\r").encode()
    assert fix("app")[0] == 0  # the second run changes nothing
    assert path.read_bytes() == FIXED.replace("\n", "\r").encode()


def test_a_parser_out_of_memory_gives_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "app" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0001_a.py").write_text(BAD + "x = " + "-" * 100_000 + "1\n")
    monkeypatch.chdir(tmp_path)
    code, out = fix("--check", "app")
    assert code == 2
    assert out.startswith(
        "error: app/migrations/0001_a.py:1:1: cannot parse: the code is nested too deeply for "
        "Python's parser\n"
    )


def test_stale_temporary_files_of_ours_are_cleaned_on_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "app" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0001_a.py").write_text(BAD)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    killed = folder / f".0001_a.py.mf-{dead}-x1y2z3.tmp"  # its process is gone
    legacy = folder / ".0001_a.py.ab12cd34.tmp"  # 0.1.0's name, an hour old
    running = folder / f".0001_a.py.mf-{os.getpid()}-x1y2z3.tmp"  # a live run's
    theirs = folder / ".0001_a.py.swp.tmp"  # not ours
    for path in (killed, legacy, running, theirs):
        path.write_text("partial")
    os.utime(legacy, (time.time() - 3700, time.time() - 3700))
    monkeypatch.chdir(tmp_path)
    code, out = fix("--verbose", "app")
    assert code == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["0001_a.py", running.name, theirs.name]
    )
    assert f"note: removed app/migrations/{killed.name}, left behind by an interrupted run\n" in out
    # --check and --diff write nothing, not even that.
    killed.write_text("partial")
    fix("--check", "app")
    assert killed.exists()


def test_a_refused_migration_takes_its_drop_file_with_it(
    split_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = split_repo / "shop/migrations/0002_remove.py"
    git(split_repo, "add", str(edited))
    edited.write_text(REMOVE + "# unstaged\n")
    code, out = fix("--jobs", "1")
    # The folder is planned without its split before anything is written: the origin
    # with unstaged changes is left alone, and no drop file depends on it.
    assert code == 1
    assert (
        "  hint: not split: 0002_remove.py has unstaged changes and will not be written, and "
        "the new migrations of a folder are written together or not at all (commit or stash "
        "the changes, or pass --allow-dirty)\n"
    ) in out
    assert edited.read_text() == REMOVE + "# unstaged\n"
    assert list((split_repo / "shop/migrations").glob("0003_*.py")) == []
    assert _state(split_repo, "store") == "fixed"


def test_write_atomic_refuses_a_file_changed_since_it_was_read(tmp_path: Path) -> None:
    from migration_fixer.source import ChangedOnDisk, write_atomic

    path = tmp_path / "m.py"
    path.write_bytes(b"theirs")
    with pytest.raises(ChangedOnDisk):
        write_atomic(path, b"new", expected=b"ours")
    assert path.read_bytes() == b"theirs"
    write_atomic(path, b"new", expected=b"theirs")
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_write_atomic_create_never_replaces_even_a_dangling_symlink(tmp_path: Path) -> None:
    from migration_fixer.source import write_atomic

    link = tmp_path / "0003_new.py"
    link.symlink_to(tmp_path / "elsewhere.py")
    with pytest.raises(FileExistsError):
        write_atomic(link, b"x", create=True)
    assert not (tmp_path / "elsewhere.py").exists()
    assert link.is_symlink()
