"""libcst sees only the top-level statements an edit touches; they are spliced back and
verified alone, so the cost of a fix follows the size of the edit, not of the file."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import libcst
import pytest
from _git_helpers import write

import migration_fixer.rewrite
from migration_fixer.api import fix_source
from migration_fixer.changeset import VerificationError, verify
from migration_fixer.rewrite import MAX_DEPTH, RewriteError, Splice, nesting_depth, rewrite
from migration_fixer.rule import AddArgument, AddImport, InsertStatements

DATA = "DATA = [\n" + "".join(f"    {{'id': {i}, 'name': 'n{i}'}},\n" for i in range(300)) + "]\n"
MIGRATION = (
    "class Migration(migrations.Migration):\n"
    "    operations = [\n"
    "        migrations.RunPython(load),\n"
    "    ]\n"
)
SOURCE = (
    "from django.db import migrations\n\n"
    + DATA
    + "\n\ndef load(apps, schema_editor):\n    pass\n\n\n"
    + MIGRATION
)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts given to libcst's parser."""
    texts: list[str] = []
    parse_module = libcst.parse_module

    def spy(text: str, *args: object, **kwargs: object) -> libcst.Module:
        texts.append(text)
        return parse_module(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(migration_fixer.rewrite.cst, "parse_module", spy)
    return texts


def test_only_the_operation_with_the_edit_is_parsed_by_libcst(parsed: list[str]) -> None:
    fixed = fix_source(SOURCE)
    assert fixed == SOURCE.replace(
        "RunPython(load)", "RunPython(load, reverse_code=migrations.RunPython.noop)"
    )
    # The operation on lines of its own, read as the content of a list display.
    assert parsed == ["_ = [\n        migrations.RunPython(load),\n]\n"]


NESTED = (
    "class Migration(migrations.Migration):\n"
    "    operations = [\n"
    "        migrations.SeparateDatabaseAndState(\n"
    "            database_operations=[\n"
    "                migrations.RunSQL('DROP TABLE t'),  # gone\n"
    "            ],\n"
    "        ),\n"
    "    ]\n"
)


def test_the_innermost_element_on_lines_of_its_own_is_the_piece(parsed: list[str]) -> None:
    edit = AddArgument(5, 16, 0, "reverse_sql", "migrations.RunSQL.noop")
    new = rewrite(NESTED, [edit], None, None)
    assert new.text == NESTED.replace(
        "'DROP TABLE t'", "'DROP TABLE t', reverse_sql=migrations.RunSQL.noop"
    )
    assert parsed == ["_ = [\n                migrations.RunSQL('DROP TABLE t'),  # gone\n]\n"]
    assert new.splices is not None
    assert [(s.first, s.last, s.in_list) for s in new.splices] == [(5, 5, True)]
    # verified alone, the new module's tree parsed whole
    seen: list[str] = []

    def rescan(text: str, new_tree: ast.Module) -> list[object]:
        seen.append(ast.dump(new_tree))
        return []

    edits = new.splices[0].edits
    assert edits == (AddArgument(2, 16, 0, "reverse_sql", "migrations.RunSQL.noop"),)
    verify(ast.parse(NESTED), NESTED, new.text, [], rescan, [], new.splices)  # type: ignore[arg-type]
    assert seen == [ast.dump(ast.parse(new.text))]


def test_an_edit_of_an_element_and_of_its_own_element_make_one_piece(parsed: list[str]) -> None:
    edits = [
        AddArgument(5, 16, 0, "reverse_sql", "migrations.RunSQL.noop"),
        AddArgument(3, 8, 0, "state_operations", "[]"),
    ]
    new = rewrite(NESTED, edits, None, None)
    assert new.text == NESTED.replace(
        "'DROP TABLE t'", "'DROP TABLE t', reverse_sql=migrations.RunSQL.noop"
    ).replace("            ],\n", "            ],\n            state_operations=[],\n")
    assert parsed == ["_ = [\n" + "".join(NESTED.splitlines(keepends=True)[2:7]) + "]\n"]
    assert new.splices is not None
    assert [(s.first, s.last) for s in new.splices] == [(3, 7)]


@pytest.mark.parametrize(
    "operations",
    [
        "    operations = [migrations.RunPython(load)]\n",
        "    operations = [\n        migrations.AddField(), migrations.RunPython(load),\n    ]\n",
        "    operations = [\n        (migrations.RunPython(load)),\n    ]\n",
        "    operations = [\n        migrations.RunPython(load) \\\n    ]\n",
        "    operations = {\n        'x': migrations.RunPython(load),\n    }\n",
    ],
)
def test_an_operation_sharing_its_lines_is_rewritten_with_its_statement(
    parsed: list[str], operations: str
) -> None:
    source = "class Migration(migrations.Migration):\n" + operations
    column = source.splitlines()[-2 if "\n    " in operations else -1].index("migrations.RunPython")
    line = len(source.splitlines()) - (1 if "\n    " in operations else 0)
    new = rewrite(source, [AddArgument(line, column, 0, "reverse_code", "f")])
    assert new.text == source.replace("RunPython(load)", "RunPython(load, reverse_code=f)")
    assert parsed == [source]


def test_new_statements_take_the_whole_class_with_the_edit_in_it(parsed: list[str]) -> None:
    edits = [
        AddArgument(5, 16, 0, "reverse_sql", "migrations.RunSQL.noop"),
        InsertStatements("X = 1\n"),
    ]
    new = rewrite(NESTED, edits, None, None)
    assert new.text == "X = 1\n" + NESTED.replace(
        "'DROP TABLE t'", "'DROP TABLE t', reverse_sql=migrations.RunSQL.noop"
    )
    assert parsed == [NESTED, "X = 1\n"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("line_length", [88, 60])
def test_an_element_is_rewritten_as_the_whole_statement_would_be(
    parsed: list[str], newline: str, line_length: int
) -> None:
    source = newline.join(
        [
            "class Migration(migrations.Migration):",
            "    operations = [",
            "        migrations.RunPython(load),  # seed",
            "    ]",
            "",
        ]
    )
    edit = AddArgument(3, 8, 0, "reverse_code", "migrations.RunPython.noop")
    new = rewrite(source, [edit], None, line_length)
    assert parsed == [
        f"_ = [{newline}        migrations.RunPython(load),  # seed{newline}]{newline}"
    ]
    whole = migration_fixer.rewrite._rewrite_lines(source, [edit], True, line_length)
    assert new.text == whole
    assert new.text.count(newline) == (4 if line_length == 88 else 6)
    assert ("\r\n" in new.text) is (newline == "\r\n")


def test_imports_and_new_statements_go_where_a_whole_module_rewrite_puts_them(
    parsed: list[str],
) -> None:
    source = '"""Doc."""\nimport os\n' + DATA + "class Migration:\n    x = f(1)\n"
    edits = [
        AddImport("django.db", "models"),
        InsertStatements("def g():\n    pass\n"),
        AddArgument(len(source.splitlines()), 8, 0, "y", "2"),
    ]
    new = rewrite(source, edits)
    assert new.text == (
        # (Another group, as isort writes it: the module's only group is the standard library's.)
        '"""Doc."""\nimport os\n\nfrom django.db import models\n'
        + DATA
        + "def g():\n    pass\nclass Migration:\n    x = f(1, y=2)\n"
    )
    assert parsed == [  # the import block, the class, the new statement
        '"""Doc."""\nimport os\n',
        "class Migration:\n    x = f(1)\n",
        "def g():\n    pass\n",
    ]
    assert new.splices is not None
    assert [(s.first, s.last) for s in new.splices] == [(1, 2), (305, 306)]


def test_statements_sharing_a_line_and_decorators_are_one_unit(parsed: list[str]) -> None:
    source = "a = 1; b = f(2)\n@decorate\nclass Migration:\n    pass\n"
    new = rewrite(source, [AddArgument(1, 11, 0, "x", "3"), InsertStatements("y = 4\n")])
    assert new.text == "a = 1; b = f(2, x=3)\ny = 4\n@decorate\nclass Migration:\n    pass\n"
    assert parsed == [source, "y = 4\n"]  # one run of two groups; the new statement


@pytest.mark.parametrize(
    ("source", "expected", "seen"),
    [
        ("x = 1\ny = 2\n", "import os\n\nx = 1\ny = 2\n", ["x = 1\n"]),
        (
            '"""D."""\nx = 1\ny = 2\n',
            '"""D."""\nimport os\n\nx = 1\ny = 2\n',
            ['"""D."""\nx = 1\n'],
        ),
        ('"""D."""\n', '"""D."""\nimport os\n', ['"""D."""\n']),
    ],
)
def test_an_import_into_a_module_without_any(
    parsed: list[str], source: str, expected: str, seen: list[str]
) -> None:
    # as libcst's AddImportsVisitor does on the whole module
    assert rewrite(source, [AddImport("os")]).text == expected
    assert parsed == seen


def test_nothing_to_do_parses_nothing(parsed: list[str]) -> None:
    assert rewrite(SOURCE, []).text == SOURCE
    assert parsed == []


def test_no_class_to_insert_before() -> None:
    with pytest.raises(RewriteError, match=r"^no `class Migration` to insert"):
        rewrite("x = 1\n", [InsertStatements("y = 2\n")])


def test_libcst_runs_in_a_thread_whose_errors_reach_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(text: str, edits: object, at_top: bool, line_length: object) -> str:
        raise ValueError("from the thread")

    monkeypatch.setattr(migration_fixer.rewrite, "_rewrite_lines", broken)
    with pytest.raises(ValueError, match=r"^from the thread$"):
        rewrite(SOURCE, [AddArgument(307, 8, 0, "x", "1")])


# -- libcst's native parser overflows its stack on long chains: never given one ------------


def test_nesting_depth_counts_a_boolean_chain_like_libcst() -> None:
    tree = ast.parse("x = a and b and c\n")
    # Assign 1, BoolOp 2 + 2 for the chain, Name 5, its Load 6
    assert nesting_depth(tree.body) == 6


CHAIN = " and ".join(f"x{i}" for i in range(9000))  # SIGSEGV in libcst at about 7,000


def test_a_chain_too_long_for_libcst_is_refused_before_parsing(parsed: list[str]) -> None:
    source = (
        "from django.db import migrations\n\n"
        f"ops = [migrations.RunPython(f, hints={{'x': {CHAIN}}})]\n"
    )
    assert nesting_depth(ast.parse(source).body) > MAX_DEPTH
    with pytest.raises(ValueError, match=r"^cannot fix MF001: the code is nested too deeply"):
        fix_source(source)
    assert parsed == []


def test_an_operation_too_deep_for_libcst_is_refused_before_parsing(parsed: list[str]) -> None:
    source = (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [\n"
        f"        migrations.RunPython(f, hints={{'x': {CHAIN}}}),\n"
        "    ]\n"
    )
    with pytest.raises(ValueError, match=r"^cannot fix MF001: the code is nested too deeply"):
        fix_source(source)
    assert parsed == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_crashed_libcst_is_one_line_and_the_others_are_fixed(
    tmp_path: Path, jobs: str
) -> None:
    head = "from django.db import migrations\n\n\n"
    migration = "class Migration(migrations.Migration):\n    operations = [{}]\n"
    write(
        tmp_path,
        "app/migrations/0001_chain.py",
        head
        + f"def f(apps, schema_editor):\n    return {CHAIN}\n\n\n"
        + migration.format("migrations.RunPython(f)"),
    )
    inside = head + migration.format(f"migrations.RunPython(f, hints={{'x': {CHAIN}}})")
    write(tmp_path, "app/migrations/0002_inside.py", inside)
    for i in range(3, 200):  # enough files for a pool of two workers
        write(tmp_path, f"app{i % 3}/migrations/{i:04d}_x.py", head + migration.format(""))
    process = subprocess.run(
        [sys.executable, "-m", "migration_fixer", "--jobs", jobs, "--no-cache", "app"],
        cwd=tmp_path,
        capture_output=True,
        env={**os.environ, "CI": "true"},
        timeout=600,
        check=False,
    )
    assert process.returncode == 2, process.stderr
    assert process.stderr.decode() == (
        "error: app/migrations/0002_inside.py:5:19: cannot fix MF001: the code is nested "
        "too deeply to rewrite safely, file left untouched\n"
    )
    assert process.stdout.decode().splitlines()[1:] == [
        "app/migrations/0002_inside.py:5:19: MF001 `RunPython` without `reverse_code` "
        "cannot be reversed",
        "Found 2 findings in 2 migration files (1 fixed, 1 remaining).",
    ]
    assert (
        (tmp_path / "app/migrations/0001_chain.py")
        .read_text()
        .endswith(
            "operations = [migrations.RunPython(f, reverse_code=migrations.RunPython.noop)]\n"
        )
    )
    assert (tmp_path / "app/migrations/0002_inside.py").read_text() == inside


# -- verification of the spliced statements ------------------------------------------------


def test_the_new_tree_is_parsed_again_when_a_splice_moves_later_statements() -> None:
    old = "import os\nx = f(1)\n"
    tree = ast.parse(old)
    edits = [AddImport("sys")]
    new = rewrite(old, edits, tree)
    assert new.text == "import os\nimport sys\nx = f(1)\n"
    seen: list[str] = []

    def rescan(text: str, new_tree: ast.Module) -> list[object]:
        seen.append(ast.dump(new_tree, include_attributes=True))
        return []

    assert new.splices is not None
    verify(tree, old, new.text, edits, rescan, [], new.splices)  # type: ignore[arg-type]
    assert seen == [ast.dump(ast.parse(new.text), include_attributes=True)]


def test_a_splice_that_is_not_the_intended_edit_is_refused() -> None:
    old = "x = f(1)\n"
    splice = Splice(1, 1, old, "x = f(2)\n", (AddArgument(1, 4, 0, "y", "2"),))
    with pytest.raises(VerificationError, match=r"^the fixed source differs"):
        verify(
            ast.parse(old),
            old,
            "x = f(2)\n",
            splice.edits,
            lambda text, tree: [],
            [],
            [splice],
        )


def test_an_element_splice_that_is_not_the_intended_edit_is_refused() -> None:
    old = "x = [\n    f(1),\n]\n"
    splice = Splice(2, 2, "    f(1),\n", "    f(2),\n", (AddArgument(2, 4, 0, "y", "2"),), True)
    assert splice.source(splice.new) == "_ = [\n    f(2),\n]\n"
    with pytest.raises(VerificationError, match=r"^the fixed source differs"):
        verify(
            ast.parse(old),
            old,
            "x = [\n    f(2),\n]\n",
            splice.edits,
            lambda text, tree: [],
            [],
            [splice],
        )


def test_a_fix_that_fails_keeps_its_findings_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from migration_fixer.cli import cli

    def broken(text: str, edits: object, at_top: bool, line_length: object) -> str:
        raise ValueError("Syntax Error @ 1:1.\ntokenizer error: unterminated string literal")

    monkeypatch.setattr(migration_fixer.rewrite, "_rewrite_lines", broken)
    write(tmp_path, "app/migrations/0001_x.py", SOURCE)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--no-cache", "app"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: app/migrations/0001_x.py:313:9: internal error in MF001 fix, file left "
        "untouched: ValueError: Syntax Error @ 1:1.\n"
    )
    assert result.stdout == (
        "app/migrations/0001_x.py:313:9: MF001 `RunPython` without `reverse_code` cannot be "
        "reversed\nFound 1 finding in 1 migration file (0 fixed, 1 remaining).\n"
    )
    assert (tmp_path / "app/migrations/0001_x.py").read_text() == SOURCE


def test_new_statements_are_spaced_like_the_class_they_precede(parsed: list[str]) -> None:
    source = "x = 1\n\n\n# the migration\nclass Migration:\n    pass\n"
    edits = [InsertStatements("def a():\n    pass\n"), InsertStatements("def b():\n    pass\n")]
    assert rewrite(source, edits).text == (
        "x = 1\n\n\n# the migration\ndef a():\n    pass\n\n\n# the migration\ndef b():\n"
        "    pass\n\n\n# the migration\nclass Migration:\n    pass\n"
    )
    assert parsed[0] == "\n\n# the migration\nclass Migration:\n    pass\n"


def test_lines_that_were_too_long_are_split_in_an_element(parsed: list[str]) -> None:
    source = (
        "class Migration(migrations.Migration):\n"
        "    operations = [\n"
        "        migrations.SeparateDatabaseAndState(\n"
        "            database_operations=[migrations.RunSQL('SELECT 1')],\n"
        "            state_operations=[migrations.RunSQL('SELECT 2')],\n"
        "        ),\n"
        "    ]\n"
    )
    lines = source.splitlines()
    edits = [
        AddArgument(n, lines[n - 1].index("migrations.RunSQL"), 0, "reverse_sql", "'x'")
        for n in (4, 5)
    ]
    # Both old lines are longer than 40 already: made longer still, they are split.
    new = rewrite(source, edits, None, 40)
    assert new.text == (
        "class Migration(migrations.Migration):\n"
        "    operations = [\n"
        "        migrations.SeparateDatabaseAndState(\n"
        "            database_operations=[\n"
        "                migrations.RunSQL(\n"
        "                    'SELECT 1',\n"
        "                    reverse_sql='x',\n"
        "                )\n"
        "            ],\n"
        "            state_operations=[\n"
        "                migrations.RunSQL(\n"
        "                    'SELECT 2',\n"
        "                    reverse_sql='x',\n"
        "                )\n"
        "            ],\n"
        "        ),\n"
        "    ]\n"
    )
    assert len(parsed) == 1
    assert parsed[0].startswith("_ = [\n        migrations.SeparateDatabaseAndState(\n")
