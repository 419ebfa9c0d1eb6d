"""Shared pytest configuration: markers for the database-backed end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

_E2E_DIR = Path(__file__).parent / "e2e"


@pytest.fixture(autouse=True, scope="session")
def _private_cache_secret(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The cache secret (``$XDG_CACHE_HOME/migration-fixer/secret``) of the test run,
    not the user's own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: runs the real `manage.py migrate` in subprocesses against SQLite/PostgreSQL/MariaDB "
        "(deselect with -m 'not e2e'; MIGRATION_FIXER_REQUIRE_DBS=1 turns unreachable servers "
        "into failures instead of skips)",
    )
    config.addinivalue_line(
        "markers",
        "slow: takes tens of seconds (e.g. pre-commit installing the hook from PyPI); runs in "
        "CI like every test, deselect locally with -m 'not slow'",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)
