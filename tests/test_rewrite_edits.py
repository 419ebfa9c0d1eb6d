"""The edits MF003 uses, applied directly: libcst rewrite and the ast-level check agree."""

from __future__ import annotations

import ast

import pytest

from migration_fixer.changeset import VerificationError, apply_to_ast, verify
from migration_fixer.rewrite import RewriteError, apply_edits
from migration_fixer.rule import AddArgument, AddImport, AppendElement, InsertStatements


def test_insert_statements_needs_a_migration_class() -> None:
    with pytest.raises(RewriteError, match="no `class Migration`"):
        apply_edits("x = 1\n", [InsertStatements("def f():\n    pass\n")])


@pytest.mark.parametrize("value", ["(", "a b", "x =\n 1"])
def test_new_code_that_does_not_parse_is_refused(value: str) -> None:
    source = "migrations.RunPython(f)\n"
    with pytest.raises(RewriteError, match=r"^the fix's new code does not parse: "):
        apply_edits(source, [AddArgument(1, 0, 0, "reverse_code", value)])
    assert source == "migrations.RunPython(f)\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("deps = []\n", "deps = [('b', '2')]\n"),
        ("deps = [('a', '1')]\n", "deps = [('a', '1'), ('b', '2')]\n"),
        (
            "deps = [\n    ('a', '0'),\n    ('a', '1'),\n]\n",
            "deps = [\n    ('a', '0'),\n    ('a', '1'),\n    ('b', '2'),\n]\n",
        ),
        (
            "deps = [\n    ('a', '0'),\n    ('a', '1')\n]\n",
            "deps = [\n    ('a', '0'),\n    ('a', '1'),\n    ('b', '2')\n]\n",
        ),
    ],
)
def test_append_element_follows_the_list_layout(source: str, expected: str) -> None:
    edit = AppendElement(1, 7, "('b', '2')")
    assert apply_edits(source, [edit]) == expected
    tree, _ = apply_to_ast(ast.parse(source), source, [edit])
    assert ast.dump(tree) == ast.dump(ast.parse(expected))


def test_the_ast_check_refuses_an_append_to_a_missing_list() -> None:
    with pytest.raises(VerificationError, match="no list at 1:3"):
        apply_to_ast(ast.parse("x = 1\n"), "x = 1\n", [AppendElement(1, 2, "1")])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Sorted names: the new one goes in order.
        ("from django.db import migrations\n", "from django.db import migrations, models\n"),
        # Unsorted: at the end.
        ("from django.db import z, migrations\n", "from django.db import z, migrations, models\n"),
        # Already there: nothing to do.
        ("from django.db import models\n", "from django.db import models\n"),
        # Parenthesized over several lines: libcst's own import adder lays it out.
        (
            "from django.db import (\n    migrations,\n)\n",
            "from django.db import (\n    models, migrations,\n)\n",
        ),
    ],
)
def test_add_import_merges_into_the_existing_from_import(source: str, expected: str) -> None:
    assert apply_edits(source, [AddImport("django.db", "models")]) == expected


def test_verification_refuses_a_name_the_file_does_not_import() -> None:
    old = "from django.db import migrations\nx = [1]\n"
    edits = [AppendElement(2, 4, "django.db.models.CASCADE")]
    new = apply_edits(old, edits)
    assert new == "from django.db import migrations\nx = [1, django.db.models.CASCADE]\n"
    with pytest.raises(
        VerificationError,
        match=r"^the fix uses django, which the file does not import$",
    ):
        verify(ast.parse(old), old, new, edits, lambda text, tree: [], [])
