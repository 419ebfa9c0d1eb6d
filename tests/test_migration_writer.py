"""The writer's small helpers on their own (the code they write is tested through MF003's
and MF005's fixes)."""

from __future__ import annotations

import pytest

from migration_fixer.migration_writer import quote_style, with_article


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("x = 'a'\ny = 'b'\nz = \"c\"\n", "'"),
        ('x = "a"\n', '"'),
        ("x = 'a'\ny = \"b\"\n", '"'),  # a tie: black's
        # Sentry's comments: their apostrophes are no quotes.
        ("# it's, don't, we'd\nx = \"a\"\n", '"'),
        ("x = r'a'\ny = b'b'\nz = f\"{x}\"\n", "'"),
        # Quotes inside strings are not strings: one of each, a tie.
        ("x = \"it's 'so'\"\ny = 'a \\' \" b'\n", '"'),
        ("x = '''it's'''\ny = '''a'''\nz = \"b # 'c'\"\n", "'"),
        # Cut short (a string never closed): what was read before decides.
        ("x = 'a'\ny = 'b'\nz = \"\"\"never closed\n", "'"),
    ],
)
def test_quote_style_counts_string_literals(text: str, quote: str) -> None:
    assert quote_style(text) == quote


@pytest.mark.parametrize(
    ("noun", "shown"),
    [
        ("IntegerField", "an IntegerField"),
        ("UUIDField", "a UUIDField"),
        ("URLField", "a URLField"),
        ("OneToOneField", "a OneToOneField"),
        ("CharField", "a CharField"),
        ("EmailField", "an EmailField"),
    ],
)
def test_with_article(noun: str, shown: str) -> None:
    assert with_article(noun) == shown
