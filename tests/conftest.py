"""Shared pytest configuration: markers for the database-backed end-to-end tests."""

from __future__ import annotations

import contextlib
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


@pytest.fixture(autouse=True)
def _written_files_import_what_they_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Python file a run writes, in every test: the names and dotted chains the
    write adds resolve from that file's own imports (a new file: all its names), so no
    fix works by the accident of another import binding ``django``."""
    import ast

    from migration_fixer import api
    from migration_fixer.dotted_names import introduced_names

    original = api.write_atomic

    def checked(path: Path, data: bytes, *args: object, **kwargs: object) -> None:
        if path.suffix == ".py":
            before = ast.Module(body=[], type_ignores=[])
            if path.exists():
                with contextlib.suppress(SyntaxError, ValueError, OSError):
                    before = ast.parse(path.read_bytes())
            added = introduced_names(before, ast.parse(data))
            assert not added, f"{path.name} uses {sorted(added)} without importing it"
        original(path, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "write_atomic", checked)


@pytest.fixture
def file_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths ``Path.read_bytes`` reads during the test, in order."""
    reads: list[Path] = []
    original = Path.read_bytes

    def spy(path: Path) -> bytes:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", spy)
    return reads
