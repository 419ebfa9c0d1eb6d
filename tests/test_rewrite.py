"""libcst edits found by the start position the rules took from the ``ast``."""

from __future__ import annotations

import pytest

from migration_fixer.rewrite import RewriteError, apply_edits
from migration_fixer.rule import AddArgument, ReplaceArgument

SOURCE = "ops = [RunSQL('a'), RunSQL('b', None)]\n"


def test_edits_at_several_positions() -> None:
    edits = [
        AddArgument(1, 7, 0, "reverse_sql", "RunSQL.noop"),
        ReplaceArgument(1, 20, 1, "RunSQL.noop"),
    ]
    assert apply_edits(SOURCE, edits) == (
        "ops = [RunSQL('a', reverse_sql=RunSQL.noop), RunSQL('b', RunSQL.noop)]\n"
    )


def test_two_edits_of_one_call_apply_in_order() -> None:
    edits = [
        ReplaceArgument(1, 20, 1, "x"),
        AddArgument(1, 20, 1, "elidable", "True"),
    ]
    assert apply_edits(SOURCE, edits) == "ops = [RunSQL('a'), RunSQL('b', x, elidable=True)]\n"


@pytest.mark.parametrize(("line", "column"), [(1, 8), (2, 0), (1, 6)])
def test_no_call_at_the_position(line: int, column: int) -> None:
    with pytest.raises(RewriteError, match=rf"^no call found at {line}:{column + 1}$"):
        apply_edits(SOURCE, [AddArgument(line, column, 0, "reverse_sql", "RunSQL.noop")])


def test_no_edits_is_identity() -> None:
    assert apply_edits(SOURCE, []) == SOURCE
