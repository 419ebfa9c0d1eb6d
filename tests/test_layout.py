"""Lines a fix makes too long are split as black splits them (migration_fixer.layout), at
the project's line length (migration_fixer.line_length). Each case is checked against
black itself: the file was black-clean before the fix, and is after it."""

from __future__ import annotations

from pathlib import Path

import black
import pytest

from migration_fixer.api import fix_source
from migration_fixer.layout import reflow_line, split_string, str_width
from migration_fixer.line_length import folder_line_length, project_line_length
from migration_fixer.rewrite import apply_edits
from migration_fixer.rule import AddArgument, AddImport

HEAD = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"


def black_clean(source: str, line_length: int) -> bool:
    return black.format_str(source, mode=black.Mode(line_length=line_length)) == source


def assert_fixed(before: str, after: str, line_length: int = 88) -> None:
    before, after = HEAD + before, HEAD + after
    assert black_clean(before, line_length)
    assert fix_source(before, unsafe_fixes=True, line_length=line_length) == after
    assert black_clean(after, line_length)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "    operations = [\n        migrations.RunPython(forwards),\n    ]\n",
            "    operations = [\n"
            "        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop),\n"
            "    ]\n",
            id="short-call-keyword-on-the-same-line",
        ),
        pytest.param(
            "    operations = [migrations.RunPython(forwards)]\n",
            "    operations = [\n"
            "        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)\n"
            "    ]\n",
            id="one-line-list-split-at-its-brackets",
        ),
        pytest.param(
            "    operations = [\n        migrations.RunPython(forwards_with_a_long_name),\n    ]\n",
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            forwards_with_a_long_name, reverse_code=migrations.RunPython.noop\n"
            "        ),\n"
            "    ]\n",
            id="too-long-arguments-hugged",
        ),
        pytest.param(
            "    operations = [\n"
            "        migrations.RunPython(forwards_with_a_rather_long_name_for_a_function),\n"
            "    ]\n",
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            forwards_with_a_rather_long_name_for_a_function,\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "        ),\n"
            "    ]\n",
            id="too-long-to-hug-one-per-line",
        ),
        pytest.param(
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            forwards_function_with_a_name_so_long_that_the_call_does_not_fit\n"
            "        ),\n"
            "    ]\n",
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            forwards_function_with_a_name_so_long_that_the_call_does_not_fit,\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "        ),\n"
            "    ]\n",
            id="hugged-argument-no-longer-fits",
        ),
        pytest.param(
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            code=forwards,\n"
            "            elidable=True,\n"
            "        ),\n"
            "    ]\n",
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            code=forwards,\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "            elidable=True,\n"
            "        ),\n"
            "    ]\n",
            id="already-exploded",
        ),
        pytest.param(
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            forwards,\n"
            "        ),\n"
            "    ]\n",
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            forwards,\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "        ),\n"
            "    ]\n",
            id="magic-trailing-comma",
        ),
        pytest.param(
            "    operations = [\n"
            "        migrations.RunPython(  # the data\n"
            "            forwards,  # fills the column\n"
            "            # keep it atomic\n"
            "            atomic=True,\n"
            "        ),\n"
            "    ]\n",
            "    operations = [\n"
            "        migrations.RunPython(  # the data\n"
            "            forwards,  # fills the column\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "            # keep it atomic\n"
            "            atomic=True,\n"
            "        ),\n"
            "    ]\n",
            id="comments-inside-the-call",
        ),
        pytest.param(
            "    operations = [\n"
            "        migrations.RunPython(forwards_with_a_long_name),  # fills the column\n"
            "    ]\n",
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            forwards_with_a_long_name, reverse_code=migrations.RunPython.noop\n"
            "        ),  # fills the column\n"
            "    ]\n",
            id="trailing-comment-stays-on-the-last-line",
        ),
        pytest.param(
            "    operations = [\n"
            '        migrations.RunSQL(["CREATE TABLE a (id int)", "CREATE VIEW b AS SELECT 1"]),\n'
            "    ]\n",
            "    operations = [\n"
            "        migrations.RunSQL(\n"
            '            ["CREATE TABLE a (id int)", "CREATE VIEW b AS SELECT 1"],\n'
            '            reverse_sql=["DROP VIEW IF EXISTS b", "DROP TABLE IF EXISTS a"],\n'
            "        ),\n"
            "    ]\n",
            id="mf002-list-of-inverses",
        ),
        pytest.param(
            "    operations = [\n"
            "        migrations.SeparateDatabaseAndState("
            '[migrations.RunSQL("UPDATE t SET a = 1")]),\n'
            "    ]\n",
            "    operations = [\n"
            "        migrations.SeparateDatabaseAndState(\n"
            "            [\n"
            "                migrations.RunSQL(\n"
            '                    "UPDATE t SET a = 1", reverse_sql=migrations.RunSQL.noop\n'
            "                )\n"
            "            ]\n"
            "        ),\n"
            "    ]\n",
            id="nested-brackets",
        ),
        pytest.param(
            "    operations = [\n"
            "        migrations.RunPython(forwards, reverse_code=None, elidable=True),\n"
            "    ]\n",
            "    operations = [\n"
            "        migrations.RunPython(\n"
            "            forwards, reverse_code=migrations.RunPython.noop, elidable=True\n"
            "        ),\n"
            "    ]\n",
            id="replaced-argument",
        ),
    ],
)
def test_fix_keeps_black_clean(before: str, after: str) -> None:
    assert_fixed(before, after)


def test_small_line_length() -> None:
    before = "    operations = [migrations.RunPython(f)]\n"
    after = (
        "    operations = [\n"
        "        migrations.RunPython(\n"
        "            f,\n"
        "            reverse_code=migrations.RunPython.noop,\n"
        "        )\n"
        "    ]\n"
    )
    assert_fixed(before, after, line_length=42)


def test_a_line_already_too_long_is_split_too() -> None:
    # The fix makes it longer still: split as black would (celery-beat's 113 characters
    # became 190, oscar's 93 became 152, left whole).
    long = "    operations = [migrations.RunPython(forwards_function_with_a_long_name_oh)]\n"
    assert fix_source(HEAD + long, line_length=60) == HEAD + (
        "    operations = [\n"
        "        migrations.RunPython(\n"
        "            forwards_function_with_a_long_name_oh,\n"
        "            reverse_code=migrations.RunPython.noop,\n"
        "        )\n"
        "    ]\n"
    )


@pytest.mark.parametrize(
    "line",
    [
        # A noqa comment would end up on another line than its code.
        "    operations = [migrations.RunPython(forwards_function)]  # noqa: E501\n",
        # Black would split at the operator, or wrap the statement in parentheses.
        "    operations = [migrations.RunPython(forwards_function)] + more_operations\n",
    ],
)
def test_lines_black_would_split_otherwise_are_left_whole(line: str) -> None:
    fixed = line.replace("function)", "function, reverse_code=migrations.RunPython.noop)")
    assert fix_source(HEAD + line, line_length=60) == HEAD + fixed


# -- migration_fixer.layout ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "inside", "expected"),
    [
        ("x = f(a)", False, ["x = f(a)"]),
        ("x = f(aaaa, bbbb)", False, ["x = f(", "    aaaa, bbbb", ")"]),
        ("return f(aaaa, bbbb)", False, ["return f(", "    aaaa, bbbb", ")"]),
        # Empty brackets stay in the tail.
        ("x = f(aaaa, bbbb)()", False, ["x = f(", "    aaaa, bbbb", ")()"]),
        # A dict display with several entries: one per line.
        ('x = {"a": 1, "b": 2}', False, ["x = {", '    "a": 1,', '    "b": 2,', "}"]),
        # Unary minus and keyword values are no places to split.
        ("f(x=-1, y=not_a, z=1)", True, ["f(", "    x=-1,", "    y=not_a,", "    z=1,", ")"]),
        # Nothing to split: left as it is.
        ("aaaaaaaaaaaaaaaaaaaaa", True, ["aaaaaaaaaaaaaaaaaaaaa"]),
        ('"a long long string",', True, ['"a long long string",']),
    ],
)
def test_reflow_line(line: str, inside: bool, expected: list[str]) -> None:
    assert reflow_line(line, inside, 16) == expected


@pytest.mark.parametrize(
    ("line", "inside"),
    [
        ("x = a + f(bbbb, cccc)", False),  # an operator at the top of a statement
        ("x = f(bbbb).g(cccc)", False),  # a call chain
        ("f(bbbb) + g(cccc)", True),  # an operator between brackets
        ("f(bbbb) if x else g(cccc)", True),
        ('"aaaa" "bbbb" "cccc"', True),  # implicit concatenation
        ("f(aaaa), *args", True),  # a trailing comma after *args
        ("f(aaaa), lambda: 1", True),
        ("a), f(bbbbbbbbbbbbbbb", True),  # brackets opened and closed elsewhere
        ("f(bbbbbbbbbbbbbbb", True),
        ("x = '''a\nb''' + f(cccccccccc)", False),  # more than one line
        ("aaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbb(c)", True),  # the head does not fit
        ("f(bbbb, # cccccccccc", True),
        ("x = 1  # type: ignore[x]", False),
        ("# a comment, and nothing else", False),
    ],
)
def test_reflow_line_leaves_what_black_would_split_otherwise(line: str, inside: bool) -> None:
    assert reflow_line(line, inside, 12) is None


def test_str_width_counts_wide_characters_twice() -> None:
    assert str_width("abc") == 3
    assert str_width("café") == 4
    assert str_width("数据") == 4
    assert str_width("e\u0301") == 1


# -- migration_fixer.line_length -----------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, None),
        ({"pyproject.toml": "[project]\nname = 'x'\n"}, None),
        ({"pyproject.toml": "[tool.ruff]\nline-length = 100\n"}, 100),
        ({"pyproject.toml": "[tool.ruff]\nselect = ['E']\n"}, 88),
        ({"pyproject.toml": "[tool.ruff.format]\nquote-style = 'single'\n"}, 88),
        ({"pyproject.toml": "[tool.black]\nline-length = 79\n"}, 79),
        ({"pyproject.toml": "[tool.black]\n"}, 88),
        # The formatter the project configures wins over ruff (then often only its linter).
        (
            {"pyproject.toml": "[tool.black]\nline-length = 99\n[tool.ruff]\nline-length = 120\n"},
            99,
        ),
        (
            {
                "pyproject.toml": (
                    "[tool.migration-fixer]\nline-length = 110\n[tool.black]\nline-length = 99\n"
                )
            },
            110,
        ),
        ({"ruff.toml": "line-length = 101\n"}, 101),
        ({"ruff.toml": "line-length = 101\n", ".ruff.toml": "line-length = 102\n"}, 102),
        ({"ruff.toml": "line-length = 101\n", "pyproject.toml": "[tool.ruff]\n"}, 101),
        ({"ruff.toml": "[lint]\nselect = ['E']\n"}, 88),
        ({"pyproject.toml": "[tool.ruff]\nline-length = 'long'\n"}, 88),
        ({"pyproject.toml": "not toml ["}, None),
        ({"pyproject.toml": "tool = 1\n"}, None),
        # A project formatted by yapf, or only linted by flake8 (Tandoor Recipes: 179).
        ({"pyproject.toml": "[tool.yapf]\ncolumn_limit = 179\n"}, 179),
        ({"pyproject.toml": "[tool.yapf]\nbased_on_style = 'pep8'\n"}, None),
        ({".style.yapf": "[style]\ncolumn_limit = 120\n"}, 120),
        (
            {
                ".style.yapf": "[style]\ncolumn_limit = 120\n",
                "setup.cfg": "[yapf]\ncolumn_limit = 99\n",
            },
            120,
        ),
        ({"setup.cfg": "[yapf]\ncolumn_limit = 100\n"}, 100),
        ({".flake8": "[flake8]\nmax-line-length = 179\n"}, 179),
        ({"setup.cfg": "[flake8]\nmax_line_length = 99\n"}, 99),
        ({"tox.ini": "[flake8]\nselect = E\n"}, 79),
        ({"tox.ini": "[flake8]\nmax-line-length = long\n"}, 79),
        ({"tox.ini": "[tox]\nenvlist = py311\n"}, None),
        (
            {
                ".flake8": "[flake8]\nmax-line-length = 100\n",
                "setup.cfg": "[flake8]\nmax-line-length = 120\n",
            },
            120,
        ),
        ({"setup.cfg": "[flake8]\nmax-line-length = 100\n[flake8]\n"}, None),
        ({"setup.cfg": "no section\n"}, None),
        ({"pyproject.toml": "[tool.black]\n", ".flake8": "[flake8]\nmax-line-length = 120\n"}, 88),
        ({"pyproject.toml": "[tool.yapf]\ncolumn_limit = 110\n", ".flake8": "[flake8]\n"}, 110),
    ],
)
def test_folder_line_length(tmp_path: Path, files: dict[str, str], expected: int | None) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)
    assert folder_line_length(tmp_path) == expected


def test_project_line_length_is_the_nearest_configuration_upwards(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.black]\nline-length = 79\n")
    write(tmp_path / "app" / "pyproject.toml", "[project]\nname = 'app'\n")
    migrations = tmp_path / "app" / "shop" / "migrations"
    migrations.mkdir(parents=True)
    assert project_line_length(migrations) == 79
    write(tmp_path / "app" / "ruff.toml", "line-length = 100\n")
    # Read once per folder (and its parents) in a process.
    other = tmp_path / "app" / "blog" / "migrations"
    other.mkdir(parents=True)
    assert project_line_length(other) == 79


def test_project_line_length_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.black]\nline-length = 79\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    migrations = tmp_path / "repo" / "shop" / "migrations"
    migrations.mkdir(parents=True)
    assert project_line_length(migrations) == 88


# -- the rewrite path ------------------------------------------------------------------------


def test_split_line_and_a_new_import_in_one_rewrite() -> None:
    source = "from django.db import migrations\n\nops = [migrations.RunPython(forwards)]\n"
    edits = [
        AddArgument(3, 7, 0, "reverse_code", "migrations.RunPython.noop"),
        AddImport("os"),
    ]
    assert apply_edits(source, edits, line_length=40) == (
        "import os\n\n"
        "from django.db import migrations\n\n"
        "ops = [\n"
        "    migrations.RunPython(\n"
        "        forwards,\n"
        "        reverse_code=migrations.RunPython.noop,\n"
        "    )\n"
        "]\n"
    )


def test_a_long_line_the_fix_did_not_touch_stays() -> None:
    source = (
        "class Migration:\n"
        "    # a comment longer than the line length, which no formatter splits\n"
        "    operations = [RunPython(f)]\n"
    )
    edit = AddArgument(3, 18, 0, "reverse_code", "RunPython.noop")
    assert apply_edits(source, [edit], line_length=60) == source.replace(
        "(f)", "(f, reverse_code=RunPython.noop)"
    )


# -- a run reads the line length of each file's project ----------------------------------------

RUN_SOURCE = HEAD + "    operations = [migrations.RunPython(forwards)]\n"
RUN_SPLIT = HEAD + (
    "    operations = [\n"
    "        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)\n"
    "    ]\n"
)
RUN_WHOLE = HEAD + (
    "    operations = [migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)]\n"
)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("", RUN_SPLIT),
        ("[tool.ruff]\nline-length = 100\n", RUN_WHOLE),
        ("[tool.black]\nline-length = 100\n", RUN_WHOLE),
        ("[tool.black]\n[tool.ruff]\nline-length = 100\n", RUN_SPLIT),
        ("[tool.migration-fixer]\nline-length = 100\n", RUN_WHOLE),
    ],
)
def test_a_run_keeps_to_the_project_line_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, expected: str
) -> None:
    from click.testing import CliRunner

    from migration_fixer.cli import cli

    write(tmp_path / "project" / "pyproject.toml", config)
    path = write(tmp_path / "project" / "shop" / "migrations" / "0002_data.py", RUN_SOURCE)
    monkeypatch.chdir(tmp_path / "project")
    result = CliRunner().invoke(cli, ["--no-cache", "."], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == expected


LONG_SQL = '"UPDATE shop_product SET stock = 0 WHERE stock < 0 AND name IS NOT NULL AND id > 10"'


def test_a_long_string_black_left_whole_gets_the_keyword_on_its_own_line() -> None:
    # The old line was too long, but nothing black could split: the file was black-clean.
    assert_fixed(
        "    operations = [\n"
        "        migrations.RunSQL(\n"
        f"            {LONG_SQL}\n"
        "        ),\n"
        "    ]\n",
        "    operations = [\n"
        "        migrations.RunSQL(\n"
        f"            {LONG_SQL},\n"
        "            reverse_sql=migrations.RunSQL.noop,\n"
        "        ),\n"
        "    ]\n",
    )


def test_strings_concatenated_over_lines_get_the_keyword_on_its_own_line() -> None:
    before = (
        "    operations = [\n"
        "        migrations.RunSQL(\n"
        '            "UPDATE shop_product SET stock = 0 WHERE stock < 0 AND name IS NOT NULL "\n'
        '            "AND id > 10"\n'
        "        ),\n"
        "    ]\n"
    )
    after = (
        "    operations = [\n"
        "        migrations.RunSQL(\n"
        '            "UPDATE shop_product SET stock = 0 WHERE stock < 0 AND name IS NOT NULL "\n'
        '            "AND id > 10",\n'
        "            reverse_sql=migrations.RunSQL.noop,\n"
        "        ),\n"
        "    ]\n"
    )
    assert fix_source(HEAD + before, unsafe_fixes=True) == HEAD + after
    assert black_clean(HEAD + after, 88)


def test_a_long_dependency_of_a_drop_migration_is_split() -> None:
    from migration_fixer.rule import NewMigration

    new = NewMigration(Path("app/migrations/0002_x.py"), "evaluation", "x", "", "")
    long = "0164_remove_questionnaire_questionnaire_visibility_choices_and_more"
    assert new.render("0003_x", long).text == (
        f'        (\n            "evaluation",\n            "{long}",\n        ),\n'
    )
    assert new.render("0003_x", "0002_x").text == '        ("evaluation", "0002_x"),\n'


def test_two_long_strings_in_one_statement() -> None:
    call = f"        migrations.RunSQL(\n            {LONG_SQL}\n        ),\n"
    fixed = (
        "        migrations.RunSQL(\n"
        f"            {LONG_SQL},\n"
        "            reverse_sql=migrations.RunSQL.noop,\n"
        "        ),\n"
    )
    assert_fixed(
        "    operations = [\n" + call + call + "    ]\n",
        "    operations = [\n" + fixed + fixed + "    ]\n",
    )


# -- a written string too long for the line ----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "length", "expected"),
    [
        pytest.param(
            '    reverse_sql="ALTER TABLE a RENAME TO b_with_a_long_name",',
            40,
            [
                "    reverse_sql=(",
                '        "ALTER TABLE a RENAME "',
                '        "TO b_with_a_long_name"',
                "    ),",
            ],
            id="cut-after-spaces-into-even-strings",
        ),
        pytest.param(
            '    reverse_sql="ALTER INDEX ' + "x" * 40 + ' RENAME TO y",',
            40,
            [
                "    reverse_sql=(",
                '        "ALTER INDEX "',
                '        "' + "x" * 40 + ' "',
                '        "RENAME TO y"',
                "    ),",
            ],
            id="a-word-too-long-for-the-line-alone",
        ),
        pytest.param(
            "    reverse_sql='DROP INDEX shop_item_name_idx'",
            40,
            ["    reverse_sql=(", "        'DROP INDEX shop_item_name_idx'", "    )"],
            id="one-string-that-fits-on-its-own-line",
        ),
        pytest.param(
            "    reverse_sql='it\\'s a \\\\ path with a quote and a tab\\t inside it'",
            36,
            [
                "    reverse_sql=(",
                "        'it\\'s a \\\\ path '",
                "        'with a quote and '",
                "        'a tab\\t inside it'",
                "    )",
            ],
            id="escapes-kept",
        ),
    ],
)
def test_a_long_string_is_cut_into_strings_that_fit(
    line: str, length: int, expected: list[str]
) -> None:
    split = split_string(line, length)
    assert split == expected
    # (Each fits, unless it is one word too long for a line of its own.)
    assert all(str_width(part) <= length or " " not in part.strip()[1:-2] for part in split)
    # The same value, and black keeps it as it is.
    joined = "\n".join(split)
    assert eval(joined.split("=", 1)[1].rstrip(",")) == eval(line.split("=", 1)[1].rstrip(","))
    # (As the last argument of a call black explodes, which has its trailing comma; quotes
    # kept, as a project that writes single quotes runs black.)
    source = f"f(\n{joined.rstrip(',')},\n)\n"
    mode = black.Mode(line_length=length, string_normalization=False)
    assert black.format_str(source, mode=mode) == source


@pytest.mark.parametrize(
    "line",
    [
        '    reverse_sql="short",',  # (it fits)
        '    reverse_sql="' + "x" * 60 + '",',  # (nothing to cut, too long on its own line)
        '    reverse_sql=f"ALTER TABLE {a} RENAME TO b_with_a_long_name",',  # (not plain)
        '    reverse_sql="ALTER TABLE a" "RENAME TO b_with_a_long_name",',  # (two strings)
    ],
)
def test_other_lines_are_not_cut(line: str) -> None:
    assert split_string(line, 40) is None


def test_a_reverse_too_long_for_the_projects_line_length_is_cut_in_the_files_quotes() -> None:
    """NetBox's own case: single quotes (its ruff format quote-style), line length 120, a
    RENAME whose inverse does not fit."""
    source = (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('vpn', '0004_alter_ikepolicy_mode')]\n\n"
        "    operations = [\n"
        "        migrations.RunSQL(\n"
        "            'ALTER TABLE vpn_l2vpn '\n"
        "            'RENAME CONSTRAINT ipam_l2vpn_tenant_id_bb2564a6_fk_tenancy_tenant_id '\n"
        "            'TO vpn_l2vpn_tenant_id_57ec8f92_fk_tenancy_tenant_id'\n"
        "        ),\n"
        "    ]\n"
    )
    assert fix_source(source, line_length=120) == source.replace(
        "            'TO vpn_l2vpn_tenant_id_57ec8f92_fk_tenancy_tenant_id'\n",
        "            'TO vpn_l2vpn_tenant_id_57ec8f92_fk_tenancy_tenant_id',\n"
        "            reverse_sql=(\n"
        "                'ALTER TABLE vpn_l2vpn RENAME CONSTRAINT "
        "vpn_l2vpn_tenant_id_57ec8f92_fk_tenancy_tenant_id '\n"
        "                'TO ipam_l2vpn_tenant_id_bb2564a6_fk_tenancy_tenant_id'\n"
        "            ),\n",
    )
