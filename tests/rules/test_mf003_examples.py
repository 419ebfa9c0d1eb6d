"""MF003's documented examples, run the way a user runs them: the example's history is
committed in a real git repository, the example itself is a new migration on top, and the
CLI fixes it. The fixed text and the files it creates must be exactly the documented ones,
and a second run must change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from _mf003 import assert_compiles, listing, make_repo, read, run, status, versioned

from migration_fixer.rule import Example
from migration_fixer.rules import mf003_nonnull_remove_field as mf003

NAME = "0002_example.py"


def _repo(tmp_path: Path, before: str) -> Path:
    return make_repo(tmp_path / "repo", dict(mf003.examples.history), {NAME: before})


@pytest.mark.parametrize(
    "example",
    [pytest.param(ex, id=f"flagged-{i}") for i, ex in enumerate(mf003.examples.flagged)],
)
def test_flagged_example_is_fixed_as_documented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example: Example
) -> None:
    repo = _repo(tmp_path, example.before)
    history = [name for name, _ in mf003.examples.history]

    checked = run(monkeypatch, repo, "--check", ".")
    assert checked.exit_code == 1
    assert " MF003 " in checked.stdout
    assert status(repo).count("\n") == 1  # --check wrote nothing

    fixed = run(monkeypatch, repo, ".")
    expected = example.before if example.after is None else example.after
    assert read(repo, NAME) == expected
    for name, text in example.new_files:
        assert read(repo, name) == versioned(text)
    assert listing(repo) == sorted(
        ["__init__.py", *history, NAME, *(n for n, _ in example.new_files)]
    )
    assert fixed.exit_code == (0 if example.after is not None else 1)
    assert_compiles(repo)

    # The second run finds nothing to fix and changes nothing.
    again = run(monkeypatch, repo, ".")
    assert again.exit_code == (0 if example.after is not None else 1)
    assert read(repo, NAME) == expected
    assert listing(repo) == sorted(
        ["__init__.py", *history, NAME, *(n for n, _ in example.new_files)]
    )
    if example.after is not None:
        assert " MF003 " not in again.stdout
        assert run(monkeypatch, repo, "--check", ".").exit_code == 0


@pytest.mark.parametrize(
    "source",
    [pytest.param(src, id=f"clean-{i}") for i, src in enumerate(mf003.examples.clean)],
)
def test_clean_example_has_no_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    repo = _repo(tmp_path, source)
    result = run(monkeypatch, repo, "--check", ".")
    assert "MF003" not in result.stdout
    assert result.exit_code == 0
    run(monkeypatch, repo, ".")
    assert read(repo, NAME) == source
    assert status(repo) == f"?? shop/migrations/{NAME}\n"


def test_examples_carry_a_history_and_a_new_file() -> None:
    assert mf003.examples.history
    assert any(ex.new_files for ex in mf003.examples.flagged)
