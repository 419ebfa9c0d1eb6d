"""The rollback rehearsal as pytest items, and as a fixture.

Registered through the ``pytest11`` entry point, so no conftest is needed:

- ``pytest --rehearse-rollback`` rehearses the migrations not applied on the configured
  database; ``pytest --rehearse-rollback=origin/main`` those added since the merge-base with
  ``origin/main``. Each deploy phase is one test item (``rehearse_rollback::deploy 1``...),
  run after the other tests; the scratch database is ``test_<name>_rehearsal`` (so that it never
  meets pytest-django's ``test_<name>``) and is dropped at the end of the session.
- the ``rehearse_rollback`` fixture returns a function that runs a whole rehearsal and
  returns its :class:`~migration_fixer.django.rehearsal.Report`, for projects that want it
  inside their own test.

Django is imported only when one of them is used: the plugin is loaded by every pytest run in
an environment where migration-fixer is installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .rehearsal import Rehearsal, Report

OPTION = "--rehearse-rollback"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("migration-fixer", "rollback rehearsal (migration-fixer)")
    group.addoption(
        OPTION,
        nargs="?",
        const="",
        default=None,
        metavar="REF",
        help="rehearse the rollback of the migrations added since REF (merge-base with HEAD); "
        "without REF, of the migrations not applied on the configured database",
    )
    group.addoption(
        "--rehearse-rollback-database",
        default="default",
        metavar="ALIAS",
        help="database alias whose test database the rehearsal uses (default: default)",
    )
    group.addoption(
        "--rehearse-rollback-seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the rows inserted by the rehearsal (default: 0)",
    )
    group.addoption(
        "--rehearse-rollback-no-rows",
        action="append",
        default=[],
        metavar="APP_LABEL[.ModelName]",
        help="insert no rows into this model's table, or this app's (repeatable)",
    )


def _setup_django() -> None:
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        from django.conf import settings

        if not settings.configured:
            raise pytest.UsageError(
                f"{OPTION} needs Django settings: set DJANGO_SETTINGS_MODULE "
                "(or pytest-django's --ds)"
            )
    import django

    django.setup()


class _Session:
    """The rehearsal shared by the items of one pytest session."""

    def __init__(self, config: pytest.Config) -> None:
        from .rehearsal import (
            SCRATCH_SUFFIX,
            RehearsalError,
            ScratchDatabase,
            check_no_rows,
            plan_since,
            plan_unapplied,
        )

        _setup_django()
        ref: str = config.getoption(OPTION)
        self.using: str = config.getoption("--rehearse-rollback-database")
        self.seed: int = config.getoption("--rehearse-rollback-seed")
        self.no_rows: list[str] = config.getoption("--rehearse-rollback-no-rows")
        try:
            check_no_rows(self.no_rows, "--rehearse-rollback-no-rows")
        except RehearsalError as exc:
            raise pytest.UsageError(str(exc)) from exc
        try:
            self.plan = plan_since(ref, Path.cwd()) if ref else plan_unapplied(self.using)
        except RehearsalError as exc:
            raise pytest.UsageError(f"{OPTION}: {exc}") from exc
        self.scratch = ScratchDatabase(self.using, suffix=SCRATCH_SUFFIX)
        self.rehearsal: Rehearsal | None = None
        self.started = False
        self.failed: int | None = None  # the first deploy that failed (0: the start)
        self.deploys = self._deploys()

    def _deploys(self) -> list[list[str]]:
        from .rehearsal import deploy_labels

        return deploy_labels(self.plan)

    def run(self, number: int) -> Report:
        """Run deploy ``number`` (the start first, for deploy 1)."""
        from .rehearsal import Rehearsal

        if self.failed is not None:
            pytest.skip(f"deploy {self.failed} failed" if self.failed else "the start failed")
        if self.rehearsal is None:
            self.scratch.create()
            self.rehearsal = Rehearsal(
                self.scratch, self.plan, seed=self.seed, no_rows=self.no_rows
            )
        rehearsal = self.rehearsal
        if not self.started:
            self.started = True
            if not rehearsal.start():
                self.failed = 0
                return rehearsal.report
        if not rehearsal.deploy(number):
            self.failed = number
        return rehearsal.report

    def close(self) -> None:
        if self.rehearsal is not None:
            self.scratch.destroy()


class RehearsalFailed(Exception):
    pass


def _database_access(config: pytest.Config) -> AbstractContextManager[Any]:
    """pytest-django blocks database access outside tests marked ``django_db``; the rehearsal
    works on its own scratch database, so it lifts the block while it runs."""
    plugin = config.pluginmanager.get_plugin("django")
    key = getattr(plugin, "blocking_manager_key", None)
    if key is not None and key in config.stash:
        manager: Any = config.stash[key]
        return manager.unblock()  # type: ignore[no-any-return]
    return nullcontext()


class RehearsalItem(pytest.Item):
    def __init__(self, *, number: int, session_state: _Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.number = number
        self.state = session_state

    def runtest(self) -> None:
        from .report import step_line

        with _database_access(self.config):
            report = self.state.run(self.number)
        steps = [s for s in report.steps if s.phase in (0, self.number)]
        lines = [step_line(step) for step in steps]
        lines += [f"not filled: {unfilled.describe()}" for unfilled in report.unfilled]
        failed = report.failure
        if failed is not None and failed.failure is not None and failed.phase in (0, self.number):
            where = f"FAILED at {failed.label}: {failed.failure.describe()}"
            raise RehearsalFailed("\n".join([where, *lines]))
        self.add_report_section("call", "rehearsal", "\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, RehearsalFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        migrations = ", ".join(self.state.deploys[self.number - 1])
        return "rehearse_rollback", None, f"deploy {self.number}: {migrations}"


class RehearsalCollector(pytest.Collector):
    def __init__(self, *, session_state: _Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state = session_state

    def collect(self) -> list[pytest.Item]:
        return [
            RehearsalItem.from_parent(
                self, name=f"deploy {number}", number=number, session_state=self.state
            )
            for number in range(1, len(self.state.deploys) + 1)
        ]


_STATE = pytest.StashKey[_Session]()


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.getoption(OPTION) is None:
        return
    state = _Session(config)
    config.stash[_STATE] = state
    collector = RehearsalCollector.from_parent(
        session, name="rehearse_rollback", nodeid="rehearse_rollback", session_state=state
    )
    items.extend(collector.collect())


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption(OPTION) is None:
        return None
    ref = config.getoption(OPTION)
    what = f"migrations added since {ref}" if ref else "migrations not applied"
    return (
        f"rehearse-rollback: {what} (database {config.getoption('--rehearse-rollback-database')})"
    )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None and not state.deploys:
        terminalreporter.write_line("rehearse-rollback: nothing to rehearse (no migration)")


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is not None:
        with _database_access(session.config):
            state.close()


@pytest.fixture
def rehearse_rollback(request: pytest.FixtureRequest) -> Callable[..., Report]:
    """``rehearse_rollback(*targets, since=None, database="default", seed=0, no_rows=())``
    runs a whole rehearsal (targets are ``"app:migration"`` strings; neither targets nor
    ``since``: the migrations not applied; ``no_rows``: models and apps whose tables get no
    rows) and returns its report; ``report.ok`` tells whether it passed."""
    _setup_django()
    from .rehearsal import rehearse

    def run(
        *targets: str,
        since: str | None = None,
        database: str = "default",
        seed: int = 0,
        no_rows: Sequence[str] = (),
    ) -> Report:
        with _database_access(request.config):
            return rehearse(database, since=since, targets=targets, seed=seed, no_rows=no_rows)

    return run
