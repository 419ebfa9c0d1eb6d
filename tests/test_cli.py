"""The command line through click's runner: exact output, exit codes, what is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from _git_helpers import project_outside_git
from click.testing import CliRunner, Result

from migration_fixer import __version__
from migration_fixer.cache import CACHE_DIR_NAME
from migration_fixer.cli import cli
from migration_fixer.rule import Rule
from migration_fixer.rules import ALL_RULES, RULES_BY_CODE

MF001_MSG = "`RunPython` without `reverse_code` cannot be reversed"
MF002_MSG = "`RunSQL` without `reverse_sql` cannot be reversed"
STAR_MSG = "`RunPython` called with `*args`/`**kwargs`: cannot tell whether it has `reverse_code`"
STAR_HINT = "  hint: pass `reverse_code=` explicitly (e.g. `migrations.RunPython.noop`)"

#: The 0002 migration up to its operations, the same before and after the fix.
OPERATIONS = """\
from django.db import migrations


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
"""

BEFORE = (
    OPERATIONS
    + """\
        migrations.RunPython(forwards),
        migrations.RunSQL(
            "UPDATE shop_product SET stock = 0",
        ),
    ]
"""
)

AFTER = (
    OPERATIONS
    + """\
        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop),
        migrations.RunSQL(
            "UPDATE shop_product SET stock = 0",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
"""
)

CLEAN = """\
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    operations = [migrations.RunSQL("SELECT 1", migrations.RunSQL.noop)]
"""

UNFIXABLE = """\
from django.db import migrations

args = (print,)
operations = [migrations.RunPython(*args), migrations.RunSQL("SELECT 1")]
"""

DATA = "app/migrations/0002_data.py"
INITIAL = "app/migrations/0001_initial.py"

DIFF = f"""\
diff --git a/{DATA} b/{DATA}
--- a/{DATA}
+++ b/{DATA}
@@ -9,8 +9,9 @@
     dependencies = [("shop", "0001_initial")]
{" "}
     operations = [
-        migrations.RunPython(forwards),
+        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop),
         migrations.RunSQL(
             "UPDATE shop_product SET stock = 0",
+            reverse_sql=migrations.RunSQL.noop,
         ),
     ]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project (not a git repository) with an app whose 0002 migration has both problems."""
    files = {"app/migrations/__init__.py": "", INITIAL: CLEAN, DATA: BEFORE}
    return project_outside_git(tmp_path, monkeypatch, files)


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    # Only a clean exit: never a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` but the result cache (which ruff's --check writes too)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and CACHE_DIR_NAME not in p.parts
    }


# -- fix mode (the default) -------------------------------------------------------------------


def test_fix_rewrites_and_reports_each_finding(project: Path) -> None:
    result = invoke("app")
    assert result.exit_code == 0
    assert result.stdout == (
        f"{DATA}:12:9: MF001 {MF001_MSG} [fixed]\n"
        f"{DATA}:13:9: MF002 {MF002_MSG} [fixed]\n"
        "Found 2 findings in 2 migration files (2 fixed, 0 remaining).\n"
    )
    assert result.stderr == ""
    assert (project / DATA).read_text() == AFTER
    assert (project / INITIAL).read_text() == CLEAN


def test_default_path_is_the_current_folder(project: Path) -> None:
    result = invoke()
    assert result.exit_code == 0
    assert result.stdout.endswith("Found 2 findings in 2 migration files (2 fixed, 0 remaining).\n")
    assert (project / DATA).read_text() == AFTER


def test_a_file_given_explicitly(project: Path) -> None:
    result = invoke(DATA)
    assert result.exit_code == 0
    assert result.stdout.endswith("Found 2 findings in 1 migration file (2 fixed, 0 remaining).\n")
    assert (project / DATA).read_text() == AFTER


def test_fix_with_nothing_to_do(project: Path) -> None:
    (project / DATA).write_text(AFTER)
    result = invoke("app")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "No findings in 2 migration files.\n",
        "",
    )


def test_fix_exits_1_when_an_unfixable_finding_remains(project: Path) -> None:
    (project / DATA).write_text(UNFIXABLE)
    result = invoke("app")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{DATA}:4:15: MF001 {STAR_MSG}\n"
        f"{STAR_HINT}\n"
        f"{DATA}:4:44: MF002 {MF002_MSG} [fixed]\n"
        "Found 2 findings in 2 migration files (1 fixed, 1 remaining).\n"
    )
    # The fixed line is longer than 88 columns: split as black would.
    assert (project / DATA).read_text() == UNFIXABLE.replace(
        'operations = [migrations.RunPython(*args), migrations.RunSQL("SELECT 1")]',
        "operations = [\n"
        "    migrations.RunPython(*args),\n"
        '    migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop),\n'
        "]",
    )


def test_fix_exits_2_on_a_file_that_cannot_be_parsed_and_fixes_the_others(project: Path) -> None:
    broken = project / "app" / "migrations" / "0003_broken.py"
    broken.write_text("from django.db import migrations\nops = [migrations.RunSQL('x'\n")
    result = invoke("app")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: app/migrations/0003_broken.py:2:25: cannot parse: '(' was never closed\n"
    )
    assert result.stdout == (
        f"{DATA}:12:9: MF001 {MF001_MSG} [fixed]\n"
        f"{DATA}:13:9: MF002 {MF002_MSG} [fixed]\n"
        "Found 2 findings in 3 migration files (2 fixed, 0 remaining).\n"
    )
    assert (project / DATA).read_text() == AFTER


def test_verbose_shows_hints_of_fixable_findings_too(project: Path) -> None:
    result = invoke("--verbose", "--check", "app")
    assert result.stdout == (
        f"{DATA}:12:9: MF001 {MF001_MSG} [fixable]\n"
        f"{DATA}:13:9: MF002 {MF002_MSG} [fixable]\n"
        "Found 2 findings in 2 migration files (2 fixable with `migration-fixer`).\n"
    )
    (project / DATA).write_text(UNFIXABLE)
    verbose = invoke("-v", "--check", "app")
    assert f"{STAR_HINT}\n" in verbose.stdout


def test_quiet_prints_only_errors(project: Path) -> None:
    (project / "app" / "migrations" / "0003_broken.py").write_text("ops = [RunSQL(\n")
    result = invoke("--quiet", "app")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: app/migrations/0003_broken.py:1:14: cannot parse: '(' was never closed\n"
    )
    assert (project / DATA).read_text() == AFTER


def test_missing_path_is_an_error(project: Path) -> None:
    result = invoke("app", "nope")
    assert result.exit_code == 2
    assert result.stderr == "error: nope: no such file or directory\n"
    assert (project / DATA).read_text() == AFTER


# -- a folder without migrations -------------------------------------------------------------

NO_MIGRATIONS = (
    "note: no migration files found under {} (a migration is a `.py` file of a `migrations` "
    "folder, or of a folder MIGRATION_MODULES names); for migrations kept elsewhere, add them "
    'to [tool.migration-fixer] in pyproject.toml, e.g. extend-include = ["{}"]\n'
)


def test_a_folder_named_explicitly_without_migrations_gets_a_note(project: Path) -> None:
    (project / "src" / "dojo" / "db_migrations").mkdir(parents=True)
    (project / "src" / "dojo" / "db_migrations" / "0001_initial.py").write_text(BEFORE)
    result = invoke("src/")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "No findings in 0 migration files.\n",
        NO_MIGRATIONS.format("src", "src/**/db_migrations/*.py"),
    )
    # The example, as the note writes it, finds them.
    (project / "pyproject.toml").write_text(
        '[tool.migration-fixer]\nextend-include = ["src/**/db_migrations/*.py"]\n'
    )
    result = invoke("--check", "src/")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.endswith(
        "Found 2 findings in 1 migration file (2 fixable with `migration-fixer`).\n"
    )


def test_the_note_names_each_folder_without_migrations_and_keeps_the_exit_code(
    project: Path,
) -> None:
    (project / "docs").mkdir()
    (project / "docs" / "conf.py").write_text("")
    result = invoke("--check", "docs", "app", ".")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{DATA}:12:9: MF001 {MF001_MSG} [fixable]\n"
        f"{DATA}:13:9: MF002 {MF002_MSG} [fixable]\n"
        "Found 2 findings in 2 migration files (2 fixable with `migration-fixer`).\n"
    )
    assert result.stderr == NO_MIGRATIONS.format("docs", "docs/**/db_migrations/*.py")


def test_the_note_is_on_stderr_in_every_format_and_relative_to_the_configuration(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "services" / "billing").mkdir(parents=True)
    monkeypatch.chdir(project / "services")
    result = invoke("--output-format", "json", "billing")
    assert result.exit_code == 0
    assert result.stdout.startswith("{")
    # The globs of extend-include are relative to the folder of pyproject.toml.
    assert result.stderr == NO_MIGRATIONS.format(
        "billing", "services/billing/**/db_migrations/*.py"
    )
    monkeypatch.chdir(project)
    result = invoke(".")
    assert result.stderr == ""
    (project / "app" / "migrations" / "0002_data.py").unlink()
    (project / "app" / "migrations" / "0001_initial.py").unlink()
    result = invoke(".")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "No findings in 0 migration files.\n",
        NO_MIGRATIONS.format(".", "**/db_migrations/*.py"),
    )


def test_a_migrations_folder_without_migrations_is_said_to_have_none(project: Path) -> None:
    """A `migrations` folder named on the command line holds no migration yet: its
    migrations are not kept elsewhere, so no `extend-include` advice."""
    (project / "shop" / "migrations").mkdir(parents=True)
    (project / "shop" / "migrations" / "__init__.py").write_text("")
    result = invoke("shop/migrations")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "No findings in 0 migration files.\n",
        "note: no migration files found under shop/migrations: it holds no migration yet (a "
        "migration is a `.py` file of it other than `__init__.py`)\n",
    )


def test_a_folder_outside_the_project_gets_an_example_of_its_own(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "dojo" / "db_migrations").mkdir(parents=True)
    (elsewhere / "dojo" / "db_migrations" / "0001_initial.py").write_text(BEFORE)
    result = invoke("--check", str(elsewhere))
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "No findings in 0 migration files.\n",
        NO_MIGRATIONS.format(elsewhere.as_posix(), "**/db_migrations/*.py"),
    )
    # (What a run of that folder reads: the pyproject.toml nearest to it.)
    (elsewhere / "pyproject.toml").write_text(
        '[tool.migration-fixer]\nextend-include = ["**/db_migrations/*.py"]\n'
    )
    result = invoke("--check", str(elsewhere))
    assert (result.exit_code, result.stderr) == (1, "")


def test_no_note_without_paths_or_with_quiet(project: Path) -> None:
    (project / "src").mkdir()
    result = invoke("--quiet", "src")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    (project / "app" / "migrations" / "0002_data.py").unlink()
    (project / "app" / "migrations" / "0001_initial.py").unlink()
    result = invoke()
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "No findings in 0 migration files.\n",
        "",
    )


# -- --check ----------------------------------------------------------------------------------


def test_check_reports_and_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    result = invoke("--check", "app")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{DATA}:12:9: MF001 {MF001_MSG} [fixable]\n"
        f"{DATA}:13:9: MF002 {MF002_MSG} [fixable]\n"
        "Found 2 findings in 2 migration files (2 fixable with `migration-fixer`).\n"
    )
    assert result.stderr == ""
    assert snapshot(project) == before


def test_check_unfixable_finding_has_no_fixable_tag(project: Path) -> None:
    (project / DATA).write_text(UNFIXABLE)
    result = invoke("--check", "app")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{DATA}:4:15: MF001 {STAR_MSG}\n"
        f"{STAR_HINT}\n"
        f"{DATA}:4:44: MF002 {MF002_MSG} [fixable]\n"
        "Found 2 findings in 2 migration files (1 fixable with `migration-fixer`).\n"
    )


def test_check_clean_exits_0(project: Path) -> None:
    (project / DATA).write_text(AFTER)
    result = invoke("--check", "app")
    assert (result.exit_code, result.stdout) == (0, "No findings in 2 migration files.\n")


def test_check_after_fix_exits_0(project: Path) -> None:
    assert invoke("app").exit_code == 0
    result = invoke("--check", "app")
    assert (result.exit_code, result.stdout) == (0, "No findings in 2 migration files.\n")


# -- --diff -----------------------------------------------------------------------------------


def test_diff_prints_the_patch_and_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    result = invoke("--diff", "app")
    assert result.exit_code == 1
    assert result.stdout == DIFF
    assert result.stderr == (
        f"{DATA}:12:9: MF001 {MF001_MSG} [fixable]\n"
        f"{DATA}:13:9: MF002 {MF002_MSG} [fixable]\n"
        "Found 2 findings in 2 migration files (2 fixable; 1 file would change).\n"
    )
    assert snapshot(project) == before


def test_diff_applies_to_give_what_fix_writes(project: Path) -> None:
    import subprocess

    patch = invoke("--diff", "app").stdout
    subprocess.run(
        ["git", "apply", "--unsafe-paths", "-"], input=patch.encode(), check=True, cwd=project
    )
    assert (project / DATA).read_text() == AFTER


def test_diff_clean_exits_0_with_empty_stdout(project: Path) -> None:
    (project / DATA).write_text(AFTER)
    result = invoke("--diff", "app")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "",
        "No findings in 2 migration files.\n",
    )


def test_diff_with_only_unfixable_findings_exits_0_without_patch(project: Path) -> None:
    """The exit code of --diff says whether the patch is empty (bakerydemo, kuma printed
    "0 files would change" and exited 1); findings without a fix are for --check."""
    (project / DATA).write_text("from django.db import migrations\nops = [migrations.RunSQL(*a)]\n")
    result = invoke("--diff", "app")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.endswith(
        "Found 1 finding in 2 migration files (0 fixable; 0 files would change).\n"
    )


def test_check_and_diff_together_is_a_usage_error(project: Path) -> None:
    before = snapshot(project)
    result = invoke("--check", "--diff", "app")
    assert result.exit_code == 2
    assert result.stderr == "error: --check and --diff cannot be used together\n"
    assert result.stdout == ""
    assert snapshot(project) == before


# -- rule selection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [("--select", "MF001"), ("--ignore", "MF002"), ("--select", "mf001"), ("--select", " MF001,")],
)
def test_only_mf001(project: Path, args: tuple[str, ...]) -> None:
    result = invoke(*args, "--check", "app")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{DATA}:12:9: MF001 {MF001_MSG} [fixable]\n"
        "Found 1 finding in 2 migration files (1 fixable with `migration-fixer`).\n"
    )


def test_select_several_and_ignore(project: Path) -> None:
    result = invoke("--select", "MF001,MF002", "--ignore", "MF001", "app")
    assert result.exit_code == 0
    assert result.stdout == (
        f"{DATA}:13:9: MF002 {MF002_MSG} [fixed]\n"
        "Found 1 finding in 2 migration files (1 fixed, 0 remaining).\n"
    )
    assert "reverse_code" not in (project / DATA).read_text()
    assert "reverse_sql=migrations.RunSQL.noop" in (project / DATA).read_text()


def test_ignore_everything_finds_nothing(project: Path) -> None:
    result = invoke("--ignore", ",".join(RULES_BY_CODE), "app")
    assert (result.exit_code, result.stdout) == (0, "No findings in 2 migration files.\n")
    assert (project / DATA).read_text() == BEFORE


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_code_is_a_usage_error(project: Path, option: str) -> None:
    before = snapshot(project)
    result = invoke(option, "MF001,MF999", "app")
    assert result.exit_code == 2
    known = ", ".join(sorted(RULES_BY_CODE))
    assert result.stderr == f"error: {option}: unknown rule code 'MF999' (known: {known})\n"
    assert result.stdout == ""
    assert snapshot(project) == before


# -- rule docs, --version ---------------------------------------------------------------------

SECTIONS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix safety",
)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_prints_the_doc(rule: Rule) -> None:
    code = rule.code
    result = invoke("rule", code)
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith(f"# {rule.name} ({code})\n\n{rule.summary}\n\n")
    positions = [out.index(f"\n{section}\n") for section in SECTIONS]
    assert positions == sorted(positions)  # each present, in ruff's order
    assert "```python\n" in out
    assert invoke("rule", code.lower()).stdout == out


def test_rule_without_code_lists_the_rules() -> None:
    result = invoke("rule")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [r.code for r in ALL_RULES]
    assert lines[0].split(None, 2)[1:] == [
        "runpython-without-reverse",
        "`RunPython` without `reverse_code` cannot be rolled back",
    ]


def test_rule_all_explains_every_rule() -> None:
    out = invoke("rule", "--all").stdout
    for rule in ALL_RULES:
        assert f"# {rule.name} ({rule.code})\n" in out
    assert out.count("## Fix safety") == len(ALL_RULES)


def test_rule_unknown_code() -> None:
    result = invoke("rule", "MF999")
    assert result.exit_code == 2
    known = ", ".join(RULES_BY_CODE)
    assert f"unknown rule code 'MF999' (known: {known})" in result.stderr
    assert result.stdout == ""


def test_version() -> None:
    result = invoke("--version")
    assert (result.exit_code, result.stdout) == (0, f"migration-fixer, version {__version__}\n")


def test_help_lists_the_exit_codes_and_the_default_selection() -> None:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=100)
    assert result.exit_code == 0
    assert result.stdout.endswith(
        "  Exit codes:\n"
        "    0  nothing found, or everything fixed\n"
        "    1  findings remain (--check: anything found; --diff: the patch is not empty)\n"
        "    2  usage or configuration error, or a file could not be processed\n"
        "\n"
        "  Explain a rule: migration-fixer rule MF001\n"
    )
    flat = " ".join(result.stdout.split())
    assert "Comma-separated rule codes to run, or ALL (default: every rule not in preview)." in (
        flat
    )
