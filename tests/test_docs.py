"""The generated documentation and the README stay in step with the code and with CI."""

from __future__ import annotations

import re
from pathlib import Path

from migration_fixer.docs import rules_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_rules_md_is_generated_from_the_rules() -> None:
    # Regenerate with: python -m migration_fixer.docs > docs/rules.md
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown()


def _command_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```sh\n(.+)\n```", text)
    assert match is not None, marker
    return match.group(1)


def test_readme_quick_start_has_exactly_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert quick_start.count("```sh") == 2
    assert "migration-fixer --diff examples/demo_project" in _command_after("quickstart-command")
    assert _command_after("test-command").endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in script
    assert "MIGRATION_FIXER_REQUIRE_DBS=1" in script
    assert 'check bash -c "$test_command"' in script
