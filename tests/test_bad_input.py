"""Files that cannot be processed, writes that fail, and runs that must change nothing:
one clear line each, the file untouched, every other file still fixed, no traceback."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest
from _git_helpers import project_outside_git
from click.testing import CliRunner, Result

import migration_fixer.rewrite
import migration_fixer.rules.mf002_runsql_reverse as mf002
from migration_fixer.cli import cli
from migration_fixer.rewrite import Rewrite

MF002_MSG = "`RunSQL` without `reverse_sql` cannot be reversed"
GOOD_BEFORE = b'from django.db import migrations\n\nops = [migrations.RunSQL("SELECT 1")]\n'
GOOD_AFTER = (
    b"from django.db import migrations\n\n"
    b'ops = [migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop)]\n'
)
GOOD = "app/migrations/0001_good.py"
GOOD_LINE = f"{GOOD}:3:8: MF002 {MF002_MSG} [fixed]\n"
CLEAN = b'from django.db import migrations\n\nops = [migrations.RunSQL("SELECT 1", "")]\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return project_outside_git(tmp_path, monkeypatch, {GOOD: GOOD_BEFORE})


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def add(project: Path, name: str, data: bytes) -> Path:
    path = project / "app" / "migrations" / name
    path.write_bytes(data)
    return path


def _ast_recursion_error(terms: int) -> bool:
    try:
        ast.parse(" + ".join(["1"] * terms))
    except RecursionError:
        return True
    return False


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(
            b"from django.db import migrations\nops = [migrations.RunSQL('x'\n",
            "2:25: cannot parse: '(' was never closed",
            id="syntax-error",
        ),
        pytest.param(
            b'from django.db import migrations\n\nops = [migrations.RunSQL("caf\xe9")]\n',
            "3:30: cannot parse: invalid utf-8 bytes: invalid continuation byte",
            id="invalid-utf-8",
        ),
        pytest.param(
            b"from django.db import migrations\nops = [migrations.RunSQL('\x00')]\n",
            "2:27: cannot parse: source contains NUL bytes",
            id="nul-byte",
        ),
        pytest.param(
            b"# -*- coding: klingon -*-\nfrom django.db import migrations\n"
            b"ops = [migrations.RunSQL('x')]\n",
            "1:1: cannot parse: unknown encoding: klingon",
            id="unknown-encoding",
        ),
        pytest.param(
            b"\xef\xbb\xbf# coding: latin-1\nfrom django.db import migrations\n"
            b"ops = [migrations.RunSQL('x')]\n",
            "1:1: cannot parse: encoding problem: utf-8",
            id="bom-and-latin-1-cookie",
        ),
        pytest.param(
            b"from django.db import migrations\nops = [migrations.RunSQL('x')]\n\tx = 1\n",
            "3:1: cannot parse: unexpected indent",
            id="indentation",
        ),
        pytest.param(
            b"from django.db import migrations\nx = "
            + b" + ".join([b"1"] * 20000)
            + b"\nops = [migrations.RunSQL('x')]\n",
            # Python 3.10 parses it (and the scan gives up), 3.11+ does not
            "1:1: cannot parse: the code is nested too deeply for Python's parser"
            if _ast_recursion_error(20000)
            else "1:1: cannot analyse: the code is nested too deeply",
            id="too-deep-for-ast",
        ),
        pytest.param(
            b"from django.db import migrations\nx = "
            + b"(" * 250
            + b")" * 250
            + b"\nops = [migrations.RunSQL('x')]\n",
            "2:205: cannot parse: too many nested parentheses",
            id="too-many-parentheses",
        ),
    ],
)
def test_unparsable_file(project: Path, data: bytes, error: str) -> None:
    bad = add(project, "0002_bad.py", data)
    result = invoke("app")
    assert result.exit_code == 2
    assert result.stderr == f"error: app/migrations/0002_bad.py:{error}\n"
    assert result.stdout == GOOD_LINE + (
        "Found 1 finding in 2 migration files (1 fixed, 0 remaining).\n"
    )
    assert bad.read_bytes() == data
    assert (project / GOOD).read_bytes() == GOOD_AFTER


def test_every_bad_file_is_reported_in_path_order(project: Path) -> None:
    add(project, "0002_nul.py", b"RunSQL\x00")
    add(project, "0003_syntax.py", b"RunSQL(\n")
    result = invoke("--check", "app")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: app/migrations/0002_nul.py:1:7: cannot parse: source contains NUL bytes\n"
        "error: app/migrations/0003_syntax.py:1:7: cannot parse: '(' was never closed\n"
    )


def test_file_without_trigger_words_is_not_even_decoded(project: Path) -> None:
    # The prefilter: no RunPython/RunSQL/RemoveField, so its bad bytes do not matter.
    add(project, "0002_other.py", b"x = '\xff'\n")
    result = invoke("app")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_a_folder_named_like_a_migration_is_skipped(project: Path) -> None:
    (project / "app" / "migrations" / "0002_folder.py").mkdir()
    result = invoke("app")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == GOOD_LINE + (
        "Found 1 finding in 1 migration file (1 fixed, 0 remaining).\n"
    )


def test_unreadable_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = add(project, "0002_bad.py", GOOD_BEFORE)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "0002_bad.py":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = invoke("app")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: app/migrations/0002_bad.py:1:1: cannot read: Permission denied\n"
    )
    assert (project / GOOD).read_bytes() == GOOD_AFTER
    assert real(bad) == GOOD_BEFORE


# -- writing ---------------------------------------------------------------------------------


def test_read_only_file(project: Path) -> None:
    ro = add(project, "0002_ro.py", GOOD_BEFORE)
    ro.chmod(0o444)
    result = invoke("app")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: app/migrations/0002_ro.py: cannot write: the file is read-only (mode 444)\n"
    )
    assert ro.read_bytes() == GOOD_BEFORE
    assert stat.S_IMODE(ro.stat().st_mode) == 0o444
    assert (project / GOOD).read_bytes() == GOOD_AFTER
    assert sorted(p.name for p in ro.parent.iterdir()) == ["0001_good.py", "0002_ro.py"]
    # In fix mode the unwritten finding is not "[fixed]": it remains.
    assert result.stdout == (
        GOOD_LINE + f"app/migrations/0002_ro.py:3:8: MF002 {MF002_MSG}\n"
        "Found 2 findings in 2 migration files (1 fixed, 1 remaining).\n"
    )


def test_mode_bits_are_kept(project: Path) -> None:
    good = project / GOOD
    good.chmod(0o640)
    assert invoke("app").exit_code == 0
    assert good.read_bytes() == GOOD_AFTER
    assert stat.S_IMODE(good.stat().st_mode) == 0o640


def test_failed_replace_leaves_the_original_and_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", replace)
    result = invoke("app")
    assert result.exit_code == 2
    assert result.stderr == (f"error: {GOOD}: cannot write: [Errno 28] No space left on device\n")
    assert (project / GOOD).read_bytes() == GOOD_BEFORE
    assert [p.name for p in (project / "app" / "migrations").iterdir()] == ["0001_good.py"]


def test_failed_write_leaves_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)
    result = invoke("app")
    assert result.exit_code == 2
    assert result.stderr == f"error: {GOOD}: cannot write: [Errno 5] Input/output error\n"
    assert (project / GOOD).read_bytes() == GOOD_BEFORE
    assert [p.name for p in (project / "app" / "migrations").iterdir()] == ["0001_good.py"]


# -- runs that must change nothing -------------------------------------------------------------


def test_second_run_changes_nothing(project: Path) -> None:
    assert invoke("app").exit_code == 0
    after_first = (project / GOOD).read_bytes()
    mtime = (project / GOOD).stat().st_mtime_ns
    second = invoke("app")
    assert (second.exit_code, second.stdout, second.stderr) == (
        0,
        "No findings in 1 migration file.\n",
        "",
    )
    assert (project / GOOD).read_bytes() == after_first == GOOD_AFTER
    assert (project / GOOD).stat().st_mtime_ns == mtime
    check = invoke("--check", "app")
    assert (check.exit_code, check.stdout) == (0, "No findings in 1 migration file.\n")


@pytest.mark.parametrize("mode", [(), ("--check",), ("--diff",)])
def test_files_with_nothing_to_fix_are_never_written(project: Path, mode: tuple[str, ...]) -> None:
    untouched = {
        "0002_clean.py": CLEAN,
        "0003_noqa.py": GOOD_BEFORE.replace(b")]\n", b")]  # noqa: MF002\n"),
        "0004_unfixable.py": b"from django.db import migrations\nops = [migrations.RunSQL(*a)]\n",
        "0005_plain.py": b"from django.db import migrations\n",
    }
    old = 1_000_000_000 * 1_600_000_000  # 2020-09-13, in nanoseconds
    for name, data in untouched.items():
        path = add(project, name, data)
        os.utime(path, ns=(old, old))
    invoke(*mode, "app")
    for name, data in untouched.items():
        path = project / "app" / "migrations" / name
        assert path.read_bytes() == data
        assert path.stat().st_mtime_ns == old


# -- verification before writing ---------------------------------------------------------------


def _too_deep(text: str, edits: object) -> str:
    # libcst's visitors (and the verification) recurse deeper than the ast scan does.
    raise RecursionError("maximum recursion depth exceeded")


@pytest.mark.parametrize(
    ("wrong", "reason"),
    [
        pytest.param(
            lambda text, edits: text.replace('SELECT 1")', 'SELECT 1"'),
            "the fixed source does not compile: closing parenthesis ']' does not match opening "
            "parenthesis '(' (<unknown>, line 3)",
            id="does-not-compile",
        ),
        pytest.param(
            lambda text, edits: text + "\n",
            "the fix did not remove MF002: " + MF002_MSG,
            id="finding-not-removed",
        ),
        pytest.param(
            lambda text, edits: text.replace('"SELECT 1")', '"SELECT 2", reverse_sql="")'),
            "the fixed source differs from the intended edit",
            id="a-different-edit",
        ),
        pytest.param(
            lambda text, edits: text.replace(
                '"SELECT 1")', '"SELECT 1", reverse_sql=migrations.RunSQL.noop)'
            ).replace("from django.db import migrations", "from django.db import migrations, x"),
            "the fixed source differs from the intended edit",
            id="an-extra-import",
        ),
        pytest.param(
            _too_deep,
            None,  # reported as nesting, not as an internal error
            id="libcst-recursion",
        ),
    ],
)
def test_verification_failure_leaves_the_file_untouched(
    project: Path, monkeypatch: pytest.MonkeyPatch, wrong: object, reason: str | None
) -> None:
    def rewrite(text: str, edits: object, tree: object = None, line_length: object = 88) -> Rewrite:
        return Rewrite(wrong(text, edits), None)  # type: ignore[operator]

    monkeypatch.setattr(migration_fixer.rewrite, "rewrite", rewrite)
    result = invoke("app")
    assert result.exit_code == 2
    if reason is None:
        expected = (
            "cannot fix MF002: the code is nested too deeply to rewrite safely, file left untouched"
        )
    else:
        expected = f"internal error in MF002 fix, file left untouched: {reason}"
    assert result.stderr == f"error: {GOOD}:3:8: {expected}\n"
    assert result.stdout == (
        f"{GOOD}:3:8: MF002 {MF002_MSG}\n"
        "Found 1 finding in 1 migration file (0 fixed, 1 remaining).\n"
    )
    assert (project / GOOD).read_bytes() == GOOD_BEFORE
    # --diff shows no patch for it either.
    diff = invoke("--diff", "app")
    assert (diff.exit_code, diff.stdout) == (2, "")


def test_rewrite_error_is_an_internal_error(project: Path) -> None:
    # libcst drops a form feed that starts a top-level statement: refuse to rewrite.
    data = GOOD_BEFORE.replace(b"\nops", b"\n\x0cops")
    path = add(project, "0001_good.py", data)
    result = invoke("app")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {GOOD}:3:9: internal error in MF002 fix, file left untouched: "
        "libcst cannot reproduce the file byte for byte\n"
    )
    assert path.read_bytes() == data


def test_a_crashing_rule_is_reported_against_its_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def check(ctx: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(mf002, "check", check)
    add(project, "0002_other.py", b"from django.db import migrations\n")
    result = invoke("app")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {GOOD}:1:1: internal error, file left untouched: KeyError: 'boom'\n"
    )
    assert (project / GOOD).read_bytes() == GOOD_BEFORE


def test_too_deep_for_the_rewrite_is_reported_not_crashed(project: Path) -> None:
    # libcst is given only the statements an edit touches: deep nesting elsewhere is no
    # obstacle; inside the statement it recurses too deep and says so: finding kept,
    # file as is.
    deep = b" + ".join([b"1"] * 800)
    head = b"from django.db import migrations\n"
    elsewhere = add(
        project,
        "0002_elsewhere.py",
        head + b"x = " + deep + b"\nops = [migrations.RunSQL('SELECT 1')]\n",
    )
    data = head + b"ops = [migrations.RunSQL('SELECT 1', hints=" + deep + b")]\n"
    bad = add(project, "0003_bad.py", data)
    result = invoke("app")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: app/migrations/0003_bad.py:2:8: cannot fix MF002: the code is nested too "
        "deeply to rewrite safely, file left untouched\n"
    )
    assert result.stdout == GOOD_LINE + (
        f"app/migrations/0002_elsewhere.py:3:8: MF002 {MF002_MSG} [fixed]\n"
        f"app/migrations/0003_bad.py:2:8: MF002 {MF002_MSG}\n"
        "Found 3 findings in 3 migration files (2 fixed, 1 remaining).\n"
    )
    assert bad.read_bytes() == data
    assert elsewhere.read_bytes().endswith(
        b"\nops = [migrations.RunSQL('SELECT 1', reverse_sql=migrations.RunSQL.noop)]\n"
    )
