"""Fixtures for the end-to-end tests (real `manage.py migrate` against real databases)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from .harness import BACKENDS, BackendUnavailable, DbBackend, dbs_required, scratch_database

# A server that failed once is not retried for every test (a firewalled host would cost a
# connect timeout each time).
_unavailable: dict[str, str] = {}


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DbBackend]:
    """An empty, uniquely named scratch database on each backend; dropped afterwards.

    Skips when the server is not reachable, or fails when MIGRATION_FIXER_REQUIRE_DBS=1.
    """
    backend: str = request.param
    stack = ExitStack()
    reason = _unavailable.get(backend)
    if reason is None:
        try:
            db = stack.enter_context(scratch_database(backend, tmp_path))
        except BackendUnavailable as exc:
            reason = _unavailable[backend] = str(exc)
    if reason is not None:
        if dbs_required():
            pytest.fail(f"{reason} (MIGRATION_FIXER_REQUIRE_DBS=1: not skipping)", pytrace=False)
        pytest.skip(reason)
    with stack:
        yield db
