"""MF004 through the command line: exact report lines, hints, exit codes, the file written."""

from __future__ import annotations

from pathlib import Path

import pytest
from _git_helpers import project_outside_git
from click.testing import CliRunner, Result

from migration_fixer.cli import cli

#: The 0002 migration's forward functions, the same before and after the fix.
FUNCTIONS = """\
from django.db import migrations


def seed(apps, schema_editor):
    Country = apps.get_model("geo", "Country")
    Country.objects.create(code="fr")


def load(apps, schema_editor):
    Country = apps.get_model("geo", "Country")
    for code in ("de", "it"):
        Country.objects.create(code=code)
"""

BEFORE = (
    FUNCTIONS
    + """\


class Migration(migrations.Migration):
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(load),
    ]
"""
)

AFTER = (
    FUNCTIONS
    + """\


def undo_seed(apps, schema_editor):
    Country = apps.get_model("geo", "Country")
    Country.objects.filter(code="fr").delete()


class Migration(migrations.Migration):
    operations = [
        migrations.RunPython(seed, undo_seed),
        migrations.RunPython(load, reverse_code=migrations.RunPython.noop),
    ]
"""
)

PATH = "geo/migrations/0002_countries.py"
SEED = (
    f"{PATH}:17:9: MF004 `RunPython` has a no-op reverse, but `seed` creates rows without "
    "checking for existing ones (`Country.objects.create`, line 6): after a rollback, "
    "migrating again creates them twice or fails on a unique key"
)
SEED_HINT = (
    "  hint: review `undo_seed`: it deletes every row with the values the forward function "
    "set (also one that existed before), and with them the rows that reference them through "
    "a cascading foreign key; a row whose values were changed since is not found, and stays"
)
LOAD_MF001 = f"{PATH}:18:9: MF001 `RunPython` without `reverse_code` cannot be reversed"
LOAD_MF001_HINT = (
    "  hint: a no-op reverse is not enough: `load` creates rows without checking for existing "
    "ones (`Country.objects.create`, line 12): after a rollback, migrating again creates them "
    "twice or fails on a unique key; write a reverse function that undoes it (MF004 writes one "
    "where it is certain), or accept the no-op with --unsafe-fixes"
)
#: Once the no-op is written: what it leaves undone, not how to accept it.
LOAD_MF001_WRITTEN_HINT = (
    "  hint: the no-op reverse written (--unsafe-fixes) is not enough: `load` creates rows "
    "without checking for existing ones (`Country.objects.create`, line 12): after a rollback, "
    "migrating again creates them twice or fails on a unique key; write a reverse function "
    "that undoes it (MF004 writes one where it is certain)"
)
LOAD = (
    f"{PATH}:18:9: MF004 `RunPython` without a reverse, where a no-op is not enough: `load` "
    "creates rows without checking for existing ones (`Country.objects.create`, line 12): "
    "after a rollback, migrating again creates them twice or fails on a unique key"
)
LOAD_HINT = (
    "  hint: `load` is not straight-line code over literal values (a `for` loop at line 11); "
    "write a reverse function that deletes the rows, or make `load` safe to run twice "
    "(`get_or_create`, `bulk_create(..., ignore_conflicts=True)`)"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return project_outside_git(
        tmp_path, monkeypatch, {"geo/migrations/__init__.py": "", PATH: BEFORE}
    )


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli, ["--no-cache", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_check_reports_both_calls(project: Path) -> None:
    result = invoke("--check", "--verbose", "geo")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{SEED} [unsafe fix available]\n{SEED_HINT}\n{LOAD_MF001} [unsafe fix available]\n"
        f"{LOAD_MF001_HINT}\n{LOAD}\n{LOAD_HINT}\nFound 3 findings in 1 migration file (0 "
        "fixable with `migration-fixer`; 2 hidden fixes can be enabled with the "
        "`--unsafe-fixes` option).\n"
    )
    assert (project / PATH).read_text() == BEFORE


def test_fix_writes_neither_the_unsafe_delete_nor_the_unsafe_noop_by_default(
    project: Path,
) -> None:
    # `load` creates rows: MF001's no-op would make the rollback report success and leave
    # them, for the next migrate to create again.
    result = invoke("geo")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{SEED} [unsafe fix available]\n{SEED_HINT}\n{LOAD_MF001} [unsafe fix available]\n"
        f"{LOAD_MF001_HINT}\n{LOAD}\n{LOAD_HINT}\nFound 3 findings in 1 migration file (0 "
        "fixed, 3 remaining; 2 hidden fixes can be enabled with the `--unsafe-fixes` option).\n"
    )
    assert (project / PATH).read_text() == BEFORE


def test_unsafe_fixes_write_the_reverse_and_mf001s_noop_where_mf004_has_none(
    project: Path,
) -> None:
    result = invoke("--unsafe-fixes", "geo")
    assert result.exit_code == 1  # load's MF004 remains
    assert result.stdout == (
        f"{SEED} [fixed]\n{SEED_HINT}\n{LOAD_MF001} [fixed]\n{LOAD_MF001_WRITTEN_HINT}\n{LOAD}\n"
        f"{LOAD_HINT}\nFound 3 findings in 1 migration file (2 fixed, 1 remaining).\n"
    )
    assert (project / PATH).read_text() == AFTER
    again = invoke("--check", "--unsafe-fixes", "geo")
    assert again.stdout.splitlines() == [
        LOAD.replace(
            "without a reverse, where a no-op is not enough:", "has a no-op reverse, but"
        ).replace(":18:9:", ":23:9:"),
        LOAD_HINT,
        "Found 1 finding in 1 migration file (0 fixable with `migration-fixer`).",
    ]
