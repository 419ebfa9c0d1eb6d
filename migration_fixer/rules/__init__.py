"""The rules, in the order they run and are documented."""

from __future__ import annotations

from migration_fixer.rule import Rule
from migration_fixer.rules import (
    mf001_runpython_reverse,
    mf002_runsql_reverse,
    mf003_nonnull_remove_field,
    mf004_runpython_rerun,
    mf005_nullable_alter_field,
)

ALL_RULES: tuple[Rule, ...] = (
    mf001_runpython_reverse,
    mf002_runsql_reverse,
    mf003_nonnull_remove_field,
    mf004_runpython_rerun,
    mf005_nullable_alter_field,
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}
#: What runs when nothing is selected: every rule but the preview ones.
DEFAULT_CODES: frozenset[str] = frozenset(rule.code for rule in ALL_RULES if not rule.preview)
