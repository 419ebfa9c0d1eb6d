"""Fix safety, ruff's model: a safe fix is written by default, an unsafe one only with
``--unsafe-fixes`` (or ``unsafe-fixes = true``); every output says which findings have an
unsafe fix that was not written, and the summary counts them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _git_helpers import project_outside_git
from click.testing import CliRunner, Result

from migration_fixer.cli import cli

MSG = "`RunSQL` without `reverse_sql` cannot be reversed"
PATH = "app/migrations/0002_sql.py"
BEFORE = """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL("UPDATE t SET a = 1"),
        migrations.RunSQL("DROP TABLE old_t"),
    ]
"""
SAFE_ONLY = BEFORE.replace(
    '"UPDATE t SET a = 1")', '"UPDATE t SET a = 1", reverse_sql=migrations.RunSQL.noop)'
)
BOTH = SAFE_ONLY.replace(
    '"DROP TABLE old_t")', '"DROP TABLE old_t", reverse_sql=migrations.RunSQL.noop)'
)
HINT = (
    "  hint: no certain inverse for `DROP TABLE old_t`: `DROP TABLE old_t` cannot be undone "
    "without the object's definition (no earlier `RunSQL` of this migrations folder creates "
    "it); a no-op reverse would leave the schema changed after a rollback that reports "
    "success: write `reverse_sql=` by hand, or accept the no-op with --unsafe-fixes"
)
#: The hint once the no-op is written: what it leaves undone, not how to accept it.
WRITTEN_HINT = (
    "no certain inverse for `DROP TABLE old_t`: `DROP TABLE old_t` cannot be undone "
    "without the object's definition (no earlier `RunSQL` of this migrations folder creates "
    "it); the no-op reverse written (--unsafe-fixes) leaves the schema changed after a "
    "rollback that reports success: write `reverse_sql=` by hand"
)
HIDDEN = "1 hidden fix can be enabled with the `--unsafe-fixes` option"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return project_outside_git(tmp_path, monkeypatch, {PATH: BEFORE})


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "app"], catch_exceptions=False)


def test_check_marks_the_unsafe_fix_and_counts_it(project: Path) -> None:
    result = invoke("--check")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{PATH}:6:9: MF002 {MSG} [fixable]\n"
        f"{PATH}:7:9: MF002 {MSG} [unsafe fix available]\n"
        f"{HINT}\n"
        "Found 2 findings in 1 migration file "
        f"(1 fixable with `migration-fixer`; {HIDDEN}).\n"
    )


def test_fix_writes_only_the_safe_fix(project: Path) -> None:
    result = invoke()
    assert result.exit_code == 1
    assert result.stdout == (
        f"{PATH}:6:9: MF002 {MSG} [fixed]\n"
        f"{PATH}:7:9: MF002 {MSG} [unsafe fix available]\n"
        f"{HINT}\n"
        f"Found 2 findings in 1 migration file (1 fixed, 1 remaining; {HIDDEN}).\n"
    )
    assert (project / PATH).read_text() == SAFE_ONLY
    # The second run changes nothing, and still offers the unsafe fix.
    again = invoke()
    assert again.exit_code == 1
    assert (project / PATH).read_text() == SAFE_ONLY


def test_unsafe_fixes_flag_writes_both(project: Path) -> None:
    result = invoke("--unsafe-fixes")
    assert result.exit_code == 0
    assert result.stdout == (
        f"{PATH}:6:9: MF002 {MSG} [fixed]\n"
        f"{PATH}:7:9: MF002 {MSG} [fixed]\n"
        f"  hint: {WRITTEN_HINT}\n"
        "Found 2 findings in 1 migration file (2 fixed, 0 remaining).\n"
    )
    assert (project / PATH).read_text() == BOTH


def test_the_written_hint_only_once_the_fix_is_written(project: Path) -> None:
    """--diff and --check write nothing: the hint still says how to accept the no-op."""
    hint = HINT.removeprefix("  hint: ")
    checked = json.loads(invoke("--check", "--unsafe-fixes", "--output-format", "json").stdout)
    assert [f["hint"] for f in checked["findings"]] == [None, hint]
    fixed = json.loads(invoke("--unsafe-fixes", "--output-format", "json").stdout)
    assert [(f["fixed"], f["hint"]) for f in fixed["findings"]] == [
        (True, None),
        (True, WRITTEN_HINT),
    ]


def test_github_and_sarif_give_the_written_hint(project: Path) -> None:
    github = invoke("--unsafe-fixes", "--output-format", "github").stdout.splitlines()
    assert github[1] == (
        f"::notice file={PATH},line=7,col=9,title=MF002 fixed::MF002 {MSG} ({WRITTEN_HINT})"
    )
    (project / PATH).write_text(BEFORE)
    sarif = json.loads(invoke("--unsafe-fixes", "--output-format", "sarif").stdout)
    texts = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    assert texts == [MSG, f"{MSG} Hint: {WRITTEN_HINT}"]


def test_diff_with_unsafe_fixes(project: Path) -> None:
    plain = invoke("--diff")
    assert 'old_t", reverse_sql' not in plain.stdout
    assert plain.stderr.endswith(f"(1 fixable; 1 file would change; {HIDDEN}).\n")
    unsafe = invoke("--diff", "--unsafe-fixes")
    assert '+        migrations.RunSQL("DROP TABLE old_t", reverse_sql=' in unsafe.stdout
    assert unsafe.stderr.endswith("(2 fixable; 1 file would change).\n")
    assert (project / PATH).read_text() == BEFORE


def test_config_turns_unsafe_fixes_on_and_the_flag_off(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.migration-fixer]\nunsafe-fixes = true\n")
    off = invoke("--no-unsafe-fixes")
    assert off.exit_code == 1
    assert (project / PATH).read_text() == SAFE_ONLY
    on = invoke()
    assert on.exit_code == 0
    assert (project / PATH).read_text() == BOTH


def test_config_value_must_be_a_boolean(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.migration-fixer]\nunsafe-fixes = "yes"\n')
    result = invoke()
    assert result.exit_code == 2
    assert result.stderr == (
        "error: pyproject.toml: [tool.migration-fixer] unsafe-fixes: expected true or false, "
        "got 'yes'\n"
    )


@pytest.mark.parametrize(
    ("flag", "fixable"), [("--no-unsafe-fixes", False), ("--unsafe-fixes", True)]
)
def test_json_says_which_fix_is_unsafe(project: Path, flag: str, fixable: bool) -> None:
    payload = json.loads(invoke("--check", "--output-format", "json", flag).stdout)
    assert [(f["line"], f["fixable"], f["fix_applicability"]) for f in payload["findings"]] == [
        (6, True, "safe"),
        (7, fixable, "unsafe"),
    ]


def test_sarif_and_github_say_which_fix_is_unsafe(project: Path) -> None:
    sarif = json.loads(invoke("--check", "--output-format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert [r["properties"] for r in results] == [
        {"fixApplicability": "safe"},
        {"fixApplicability": "unsafe"},
    ]
    assert results[0]["message"]["text"] == MSG
    assert results[1]["message"]["text"].endswith(
        "or accept the no-op with --unsafe-fixes An unsafe fix is available with `--unsafe-fixes`."
    )
    github = invoke("--check", "--output-format", "github").stdout.splitlines()
    assert github[0].startswith(f"::error file={PATH},line=6,col=9,title=MF002 fixable::")
    assert github[1].startswith(
        f"::error file={PATH},line=7,col=9,title=MF002 unsafe fix available::"
    )
