"""The Python entry points (no click): check_source, fix_source, the module's doctest, and
``python -m migration_fixer``."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pytest

import migration_fixer
import migration_fixer.api
from migration_fixer.api import check_source, fix_source
from migration_fixer.rule import AddArgument, Applicability, Finding, Fix

SOURCE = (
    "from django.db import migrations\n\n"
    "ops = [migrations.RunPython(f), migrations.RunSQL('x'), migrations.RunSQL(*a)]\n"
)

UNSAFE_HINT = (
    "no certain inverse for `x`: none known for `X`; a no-op reverse would leave "
    "the schema changed after a rollback that reports success: write `reverse_sql=` by hand, "
    "or accept the no-op with --unsafe-fixes"
)
UNSAFE_WRITTEN_HINT = (
    "no certain inverse for `x`: none known for `X`; the no-op reverse written "
    "(--unsafe-fixes) leaves the schema changed after a rollback that reports success: write "
    "`reverse_sql=` by hand"
)


def test_api_doctest() -> None:
    outcome = doctest.testmod(migration_fixer.api)
    assert outcome.attempted > 0
    assert outcome.failed == 0


def test_check_source_returns_findings_in_position_order() -> None:
    assert check_source(SOURCE) == [
        Finding(
            "MF001",
            "`RunPython` without `reverse_code` cannot be reversed",
            3,
            7,
            Fix((AddArgument(3, 7, 0, "reverse_code", "migrations.RunPython.noop"),)),
        ),
        Finding(
            "MF002",
            "`RunSQL` without `reverse_sql` cannot be reversed",
            3,
            32,
            Fix(
                (AddArgument(3, 32, 0, "reverse_sql", "migrations.RunSQL.noop"),),
                applicability=Applicability.UNSAFE,
                written_hint=UNSAFE_WRITTEN_HINT,
            ),
            UNSAFE_HINT,
        ),
        Finding(
            "MF002",
            "`RunSQL` called with `*args`/`**kwargs`: cannot tell whether it has `reverse_sql`",
            3,
            56,
            None,
            "pass `reverse_sql=` explicitly (e.g. `migrations.RunSQL.noop`)",
        ),
    ]
    assert [f.fixable for f in check_source(SOURCE)] == [True, True, False]
    assert [f.applicable(False) for f in check_source(SOURCE)] == [True, False, False]
    assert [f.applicable(True) for f in check_source(SOURCE)] == [True, True, False]


def test_check_source_select() -> None:
    assert [f.code for f in check_source(SOURCE, select=frozenset({"MF002"}))] == [
        "MF002",
        "MF002",
    ]
    assert check_source(SOURCE, select=frozenset()) == []


def test_check_source_on_invalid_python_raises_syntax_error() -> None:
    with pytest.raises(SyntaxError):
        check_source("ops = [\n")


def test_fix_source() -> None:
    # 'x' is not SQL the fixer understands: its no-op reverse is an unsafe fix.
    # The line the fix makes longer than 88 columns is split as black would split it.
    assert fix_source(SOURCE) == (
        "from django.db import migrations\n\n"
        "ops = [\n"
        "    migrations.RunPython(f, reverse_code=migrations.RunPython.noop),\n"
        "    migrations.RunSQL('x'),\n"
        "    migrations.RunSQL(*a),\n"
        "]\n"
    )
    assert fix_source(SOURCE, unsafe_fixes=True) == (
        "from django.db import migrations\n\n"
        "ops = [\n"
        "    migrations.RunPython(f, reverse_code=migrations.RunPython.noop),\n"
        "    migrations.RunSQL('x', reverse_sql=migrations.RunSQL.noop),\n"
        "    migrations.RunSQL(*a),\n"
        "]\n"
    )
    # Within the line length, it stays whole.
    assert fix_source(SOURCE, line_length=120) == (
        "from django.db import migrations\n\n"
        "ops = [migrations.RunPython(f, reverse_code=migrations.RunPython.noop), "
        "migrations.RunSQL('x'), migrations.RunSQL(*a)]\n"
    )


def test_fix_source_select() -> None:
    assert fix_source(SOURCE, select=frozenset({"MF001"}), line_length=120) == (
        "from django.db import migrations\n\n"
        "ops = [migrations.RunPython(f, reverse_code=migrations.RunPython.noop), "
        "migrations.RunSQL('x'), migrations.RunSQL(*a)]\n"
    )


def test_fix_source_without_findings_returns_the_same_string() -> None:
    text = "from django.db import migrations\n"
    assert fix_source(text) is text


def test_fix_source_raises_on_what_the_cli_reports_as_an_error() -> None:
    with pytest.raises(ValueError, match=r"^cannot parse: '\[' was never closed$"):
        fix_source("ops = [\n")
    with pytest.raises(ValueError, match=r"^unknown rule code in noqa: MF999$"):
        fix_source(SOURCE.replace("]\n", "]  # noqa: MF999\n"))


def test_python_dash_m_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "migration_fixer", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0,
        f"migration-fixer, version {migration_fixer.__version__}\n",
        "",
    )
