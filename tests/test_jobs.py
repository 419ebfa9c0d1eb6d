"""--jobs N gives byte-identical output; progress only for a person watching; Ctrl-C."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _git_helpers import BAD, CLEAN, FIXED, write
from click.testing import CliRunner

from migration_fixer import cli as cli_module
from migration_fixer.cli import cli, want_progress

RUNSQL = (
    "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
    "    operations = [\n        migrations.RunSQL('CREATE INDEX i ON t (c)'),\n    ]\n"
)
NOQA = BAD.replace("migrations.RunPython(forwards)]", "migrations.RunPython(forwards)]  # noqa")
BROKEN = "from django.db import migrations\nmigrations.RunPython(\n"


def generate(root: Path, count: int = 200) -> None:
    kinds = [BAD, CLEAN, RUNSQL, NOQA, BAD.replace("\n", "\r\n"), BROKEN, CLEAN, BAD]
    for i in range(count):
        write(root, f"app{i % 13}/migrations/{i:04d}_m.py", kinds[i % len(kinds)])


def run(*args: str) -> tuple[int, bytes, bytes]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    generate(tmp_path / "tree")
    monkeypatch.chdir(tmp_path / "tree")
    return tmp_path / "tree"


@pytest.mark.parametrize(
    "args",
    [
        ["--check"],
        ["--check", "--output-format", "json"],
        ["--check", "--output-format", "sarif"],
        ["--check", "--output-format", "github"],
        ["--diff"],
        ["--diff", "--output-format", "json"],
    ],
)
def test_output_is_byte_identical_for_every_jobs(tree: Path, args: list[str]) -> None:
    one = run(*args, "--jobs", "1")
    two = run(*args, "--jobs", "2")
    four = run(*args, "--jobs", "4")
    assert one[0] == 2  # the broken files
    assert len(one[1]) > 1000
    assert one == two == four


def test_fix_is_identical_for_every_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate(tmp_path / "one")
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    outputs = []
    for name, jobs in [("one", "1"), ("two", "2")]:
        monkeypatch.chdir(tmp_path / name)
        outputs.append(run("--jobs", jobs))
    assert outputs[0] == outputs[1]
    files_one = sorted((tmp_path / "one").rglob("*.py"))
    assert len(files_one) == 200
    for path in files_one:
        other = tmp_path / "two" / path.relative_to(tmp_path / "one")
        assert path.read_bytes() == other.read_bytes()
    assert (tmp_path / "one/app0/migrations/0000_m.py").read_text() == FIXED


# -- progress ------------------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_want_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert want_progress(no_progress=False, quiet=False, stream=_Tty()) is True
    assert want_progress(no_progress=False, quiet=False, stream=io.StringIO()) is False
    assert want_progress(no_progress=True, quiet=False, stream=_Tty()) is False
    assert want_progress(no_progress=False, quiet=True, stream=_Tty()) is False
    monkeypatch.setenv("CI", "true")
    assert want_progress(no_progress=False, quiet=False, stream=_Tty()) is False


def test_progress_bar_only_on_long_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "want_progress", lambda **_: True)
    for i in range(600):
        write(tmp_path, f"big/app{i % 7}/migrations/{i:04d}_m.py", CLEAN)
    write(tmp_path, "small/app/migrations/0001_m.py", CLEAN)
    monkeypatch.chdir(tmp_path)
    code, out, err = run("--check", "big")
    assert code == 0
    assert b"Checking" in err
    assert out == b"No findings in 600 migration files.\n"
    code, out, err = run("--check", "small")
    assert (code, err) == (0, b"")


def test_no_progress_bar_without_a_terminal(tree: Path) -> None:
    # CliRunner's stderr is not a terminal: no bar, whatever the size of the run.
    _, _, err = run("--check", "--output-format", "json")
    assert b"Checking" not in err


# -- Ctrl-C ------------------------------------------------------------------------------


def test_keyboard_interrupt_exits_130_with_one_line(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "run", interrupted)
    code, out, err = run("--check")
    assert (code, out) == (130, b"")
    assert err == (
        b"Interrupted: stopped before the end; each migrations folder is either fully fixed "
        b"or untouched.\n"
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_in_a_real_run_leaves_no_half_written_file(tmp_path: Path, jobs: str) -> None:
    for i in range(3000):
        write(tmp_path, f"app{i % 30}/migrations/{i:04d}_m.py", BAD)
    process = subprocess.Popen(
        [sys.executable, "-m", "migration_fixer", "--jobs", jobs, "."],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches
        env={**os.environ, "CI": "true"},
    )
    time.sleep(1.5)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err.decode()
    assert err == (
        b"Interrupted: stopped before the end; each migrations folder is either fully fixed "
        b"or untouched.\n"
    )
    contents = {p.read_text() for p in tmp_path.rglob("*.py")}
    assert contents <= {BAD, FIXED}
    assert [p.name for p in tmp_path.rglob("*") if p.name.endswith(".tmp")] == []
