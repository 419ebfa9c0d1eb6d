"""Tests generated from the examples every rule module carries (``RuleExamples``), so a
rule cannot drift from its documented behaviour, and a new rule is tested by adding it to
``migration_fixer.rules.ALL_RULES``."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_fixer import api
from migration_fixer.history import History
from migration_fixer.rule import Example, Finding, Rule
from migration_fixer.rules import ALL_RULES
from migration_fixer.runner import FileResult, Options, process_source
from migration_fixer.source import SourceFile

# Rules whose examples need git (MF003): tests/rules/test_mf003*.py covers them with that
# context. The others run here; those with a history (MF005) in a folder of it.
_STANDALONE = [rule for rule in ALL_RULES if not rule.needs_history]
FOLDER = Path("/nonexistent-examples/shop/migrations")


def _in_folder(rule: Rule, source: str, *, fix: bool, unsafe: bool = False) -> FileResult:
    """``source`` run as ``0002_example.py`` after the rule's example history."""
    sources = {**dict(rule.examples.history), "0002_example.py": source}
    history = History.from_sources(FOLDER, sources)
    path = FOLDER / "0002_example.py"
    options = Options(select=frozenset({rule.code}), rewrite=fix, unsafe_fixes=unsafe)
    return process_source(
        SourceFile(path, source, "utf-8", False), [rule], options, FileResult(path), history
    )


def check_source(source: str, rule: Rule | None = None) -> list[Finding]:
    if rule is None or not rule.examples.history:
        return api.check_source(source)
    return _in_folder(rule, source, fix=False).findings


def fix_source(
    source: str, rule: Rule, select: frozenset[str] | None = None, *, unsafe_fixes: bool = False
) -> str:
    if not rule.examples.history:
        return api.fix_source(source, select=select, unsafe_fixes=unsafe_fixes)
    result = _in_folder(rule, source, fix=True, unsafe=unsafe_fixes)
    return source if result.change is None else result.change.new_text


def _flagged() -> list[tuple[Rule, int, Example]]:
    return [(r, i, ex) for r in _STANDALONE for i, ex in enumerate(r.examples.flagged)]


def _clean() -> list[tuple[Rule, int, str]]:
    return [(r, i, src) for r in _STANDALONE for i, src in enumerate(r.examples.clean)]


@pytest.mark.parametrize(
    ("rule", "example"),
    [pytest.param(r, ex, id=f"{r.code}-flagged-{i}") for r, i, ex in _flagged()],
)
def test_flagged_example_is_found_and_fixed(rule: Rule, example: Example) -> None:
    codes = [f.code for f in check_source(example.before, rule)]
    assert rule.code in codes
    findings = [f for f in check_source(example.before, rule) if f.code == rule.code]
    expected = example.before if example.after is None else example.after
    only = frozenset({rule.code})
    # An unsafe fix is written only with --unsafe-fixes; a safe one always.
    assert fix_source(example.before, rule, select=only, unsafe_fixes=True) == expected
    assert fix_source(example.before, rule, select=only) == (
        example.before if example.unsafe else expected
    )
    # A report-only example has no fixable finding; a fixed one has, and says how safe.
    assert any(f.fixable for f in findings) is (example.after is not None)
    assert any(f.hidden_fix(False) for f in findings) is example.unsafe
    # The fixed source is clean for this rule (the second run changes nothing).
    if example.after is not None:
        assert rule.code not in [f.code for f in check_source(example.after, rule)]
        assert fix_source(example.after, rule, select=only, unsafe_fixes=True) == example.after


@pytest.mark.parametrize(
    ("rule", "source"),
    [pytest.param(r, src, id=f"{r.code}-clean-{i}") for r, i, src in _clean()],
)
def test_clean_example_has_no_finding(rule: Rule, source: str) -> None:
    assert [f for f in check_source(source, rule) if f.code == rule.code] == []
    assert fix_source(source, rule, select=frozenset({rule.code})) == source


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_carries_examples_of_both_kinds(rule: Rule) -> None:
    """Flagged and clean examples; a fixed one when the rule has a fix (a report-only
    rule, with an empty ``fix_summary``, has none: tests/test_docs.py shows one)."""
    assert rule.examples.flagged
    assert rule.examples.clean
    fixed = any(ex.after is not None for ex in rule.examples.flagged)
    assert fixed is bool(rule.fix_summary)
