"""``manage.py migrate_or_rollback``: Django's ``migrate``, that never leaves a deploy half-done.

It is Django's own ``migrate`` command (same arguments, same output, same signals), with:

- one run at a time per database (:mod:`migration_fixer.django.locking`, ``--lock-timeout``);
- the plan checked before the database is touched: a migration whose rollback would not work
  is refused (:func:`migration_fixer.django.plan.irreversible_operations`,
  ``--allow-irreversible``); an operation that drops a table holding rows is warned about
  (:func:`migration_fixer.django.plan.dropped_tables`: a rollback creates the table again,
  empty), and named in the final message of a rollback that did;
- after-deploy migrations deferred to the next run (:func:`migration_fixer.django.plan.
  split_phases`, ``--include-after-deploy``);
- the starting point and the schema (:mod:`migration_fixer.django.snapshot`) recorded before
  migrating, and on any failure (Ctrl-C included) exactly the migrations this run applied are
  unapplied, newest first, after undoing the operations of a half-applied migration on a
  database without transactional DDL; then the schema is compared with the snapshot. Ctrl-C
  and SIGTERM do not stop the rollback: the first of each says it is ignored.

Exit status: 0 done; 1 refused, or failed and rolled back to the starting point with the same
schema; 2 the rollback failed (what remains applied and what to run is printed); 3 rolled back
but the schema differs from the snapshot (each difference is printed); 130 interrupted and
rolled back.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import migrate as django_migrate
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations import Migration
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RemoveField
from django.db.migrations.operations.base import Operation
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django.utils.connection import ConnectionDoesNotExist

from migration_fixer.django.errors import one_line
from migration_fixer.django.locking import LockTimeout, deploy_lock
from migration_fixer.django.plan import (
    DroppedTable,
    Irreversible,
    Key,
    ReverseFix,
    dropped_tables,
    existing_tables,
    installed,
    irreversible_operations,
    lingering_effects,
    migration_path,
    reverse_fixes,
    split_phases,
    starting_point,
)
from migration_fixer.django.snapshot import (
    Snapshot,
    compare_snapshots,
    take_snapshot,
    write_snapshot,
)

EXIT_ROLLBACK_FAILED = 2
EXIT_SCHEMA_DIFFERS = 3
EXIT_INTERRUPTED = 130


def _key(migration: Migration) -> Key:
    return (migration.app_label, migration.name)


def _label(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


@dataclass
class _Failure:
    """The migration that raised, and what of it had run."""

    migration: Migration
    started: int | None = None  # index of the operation that was running
    done: list[tuple[int, Operation, ProjectState, ProjectState]] = field(default_factory=list)


@dataclass
class _Run:
    """What one run did, for its rollback."""

    database: str
    fake: bool = False
    planned: bool = False
    checking_only: bool = False
    applied: list[Key] = field(default_factory=list)
    unapplied: list[Key] = field(default_factory=list)
    failure: _Failure | None = None
    deferred: list[tuple[Key, str]] = field(default_factory=list)
    irreversible: list[Irreversible] = field(default_factory=list)
    #: Operations a rollback unapplies while leaving what they did (see lingering_effects).
    lingering: list[Irreversible] = field(default_factory=list)
    #: The tables the plan drops that held rows before the run (see dropped_tables): a
    #: rollback creates them again, empty.
    dropped: list[DroppedTable] = field(default_factory=list)
    start: dict[str, list[str]] = field(default_factory=dict)
    apps_in_plan: list[str] = field(default_factory=list)
    before: Snapshot | None = None
    #: The migrations applied when the run began, before it waited for the lock (None: not
    #: read, the table of applied migrations was not there).
    applied_at_first: frozenset[Key] | None = None


class _OperationTracker:
    """Wraps the ``database_forwards`` of a migration's operations (instance attributes, removed
    afterwards) to know which operation was running and which completed, with the states a
    backwards run of each needs."""

    def __init__(self, migration: Migration, failure: _Failure, keep_states: bool) -> None:
        self.migration = migration
        self.failure = failure
        self.keep_states = keep_states

    def __enter__(self) -> _OperationTracker:
        for index, operation in enumerate(self.migration.operations):
            original = operation.database_forwards

            def wrapped(
                app_label: str,
                schema_editor: Any,
                from_state: ProjectState,
                to_state: ProjectState,
                _index: int = index,
                _operation: Operation = operation,
                _original: Callable[..., None] = original,
            ) -> None:
                self.failure.started = _index
                _original(app_label, schema_editor, from_state, to_state)
                if self.keep_states:
                    self.failure.done.append((_index, _operation, from_state, to_state.clone()))

            operation.database_forwards = wrapped  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        for operation in self.migration.operations:
            operation.__dict__.pop("database_forwards", None)


def _executor_class(command: Command) -> type[MigrationExecutor]:
    class Executor(MigrationExecutor):
        """Django's executor, reporting to the command: the first plan it computes passes
        through :meth:`Command.prepare_plan`; each applied (or unapplied) migration is
        recorded; a failing one is tracked operation by operation."""

        def migration_plan(
            self, targets: Any, clean_start: bool = False
        ) -> list[tuple[Migration, bool]]:
            plan = super().migration_plan(targets, clean_start=clean_start)
            run = command.run
            if clean_start or run is None or run.planned:
                return plan
            run.planned = True
            return command.prepare_plan(self, plan)

        def apply_migration(
            self,
            state: ProjectState,
            migration: Migration,
            fake: bool = False,
            fake_initial: bool = False,
        ) -> ProjectState:
            run = command.run
            assert run is not None
            failure = _Failure(migration)
            keep = not fake and (
                not self.connection.features.can_rollback_ddl or not migration.atomic
            )
            try:
                with _OperationTracker(migration, failure, keep):
                    state = super().apply_migration(state, migration, fake, fake_initial)
            except BaseException:
                run.failure = failure
                raise
            run.applied.append(_key(migration))
            return state

        def unapply_migration(
            self, state: ProjectState, migration: Migration, fake: bool = False
        ) -> ProjectState:
            run = command.run
            try:
                state = super().unapply_migration(state, migration, fake)
            except BaseException:
                if run is not None:
                    run.failure = _Failure(migration)
                raise
            if run is not None:
                run.unapplied.append(_key(migration))
            return state

    return Executor


@contextmanager
def _patched_executor(command: Command) -> Iterator[None]:
    """Django's migrate command builds ``MigrationExecutor(...)`` from its module's global name;
    point that name at the reporting subclass for the duration of the run."""
    original = django_migrate.__dict__["MigrationExecutor"]
    setattr(django_migrate, "MigrationExecutor", _executor_class(command))  # noqa: B010
    try:
        yield
    finally:
        setattr(django_migrate, "MigrationExecutor", original)  # noqa: B010


@dataclass
class _Block:
    """An operation that stops the rollback before its migration."""

    item: Irreversible
    #: A table this run created, that holds rows (``item`` removes a column from it).
    table: str | None = None

    def line(self) -> str:
        return f"{self.item.line()}{self._held()}"

    def reason(self) -> str:
        """Why, without where (the operation is named already)."""
        return f"{self.item.reason}{self._held()}"

    def _held(self) -> str:
        return f"; its table {self.table} holds rows" if self.table is not None else ""


class _Terminated(BaseException):
    """SIGTERM (a pod being stopped) during the forward run: rolled back like Ctrl-C."""


class Command(django_migrate.Command):
    help = (
        "Django's migrate, that never leaves a deploy half-done: one run at a time per "
        "database, the plan's rollback checked before anything runs, after-deploy migrations "
        "deferred, and on failure (Ctrl-C included) exactly what this run applied is "
        "unapplied, newest first, and the schema compared with a snapshot taken before."
    )

    run: _Run | None = None

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        group = parser.add_argument_group("migrate_or_rollback")
        group.add_argument(
            "--allow-irreversible",
            action="store_true",
            help="Run a plan whose rollback would not work (the rollback then stops at the "
            "first such migration and says so).",
        )
        group.add_argument(
            "--include-after-deploy",
            action="store_true",
            help="Also apply after-deploy migrations whose dependencies are applied in this run "
            "(by default they wait for the next run).",
        )
        group.add_argument(
            "--snapshot-file",
            metavar="PATH",
            help="Write the schema snapshot taken before migrating to PATH (JSON).",
        )
        group.add_argument(
            "--lock-timeout",
            type=float,
            default=300.0,
            metavar="SECONDS",
            help="How long to wait for another run on the same database (default 300).",
        )

    # -- output ---------------------------------------------------------------------------------

    def say(self, message: str, style: Callable[[str], str] | None = None) -> None:
        """One line on standard output at verbosity 1 and more."""
        if self.verbosity >= 1:
            self.stdout.write(style(message) if style else message)

    def shout(
        self, message: str, style: Callable[[str], str] | None = None, ending: str = "\n"
    ) -> None:
        """On standard error, whatever the verbosity (after what standard output holds)."""
        with self._writing():
            self.stdout.flush()
            self.stderr.write(message, style or (lambda text: text), ending=ending)
            self.stderr.flush()
            self._open_line = (self._open_line or "") + message if ending == "" else None

    #: What standard error holds of a line not ended yet (a rollback step before its " OK").
    _open_line: str | None = None
    #: Set while the command writes: a signal's notice waits for the end of the write.
    _busy = False
    #: The signals ignored during the rollback whose notice is not written yet.
    _notices: tuple[int, ...] = ()
    #: The signals whose notice was written (once each).
    _noticed: frozenset[int] = frozenset()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The command writes: a notice (:meth:`_interrupt_ignored`) waits for the end."""
        outer = self._busy
        self._busy = True
        try:
            yield
        finally:
            self._busy = outer
        if not outer and self._notices:
            self._write_notices()

    def _write_notices(self) -> None:
        """The notices of the signals ignored, each on a line of its own: a step's line that
        is not ended is cut, and written again after them."""
        with self._writing():
            while self._notices:
                signum, *rest = self._notices
                self._notices = tuple(rest)
                name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
                if self._open_line is not None:
                    self.stderr.write("", ending="\n")
                self.stderr.write(
                    f"{name} ignored: the rollback runs to its end (stopping it halfway would "
                    "leave the database half-done).",
                    self.style.WARNING,
                )
                if self._open_line is not None:
                    self.stderr.write(self._open_line, lambda text: text, ending="")
                self.stderr.flush()

    def _interrupt_ignored(self, signum: int, frame: Any) -> None:
        """The handler of SIGINT and SIGTERM during the rollback: the first of each is
        noticed on standard error (at once, or at the end of a write under way)."""
        if signum in self._noticed:
            return
        self._noticed |= {signum}
        self._notices = (*self._notices, signum)
        if not self._busy:
            self._write_notices()

    @contextmanager
    def _interrupts_ignored(self) -> Iterator[None]:
        """For the rollback and its report: Ctrl-C and SIGTERM do not stop it (an interrupted
        rollback is worse than a finished one), and the first of each says so; the
        handlers in place before are restored afterwards."""
        previous: dict[int, Any] = {}
        try:
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, self._interrupt_ignored)
                # A system call under way when the signal comes is restarted, not failed
                # with EINTR (the database driver's read of a long ALTER's answer).
                signal.siginterrupt(signum, False)
        except ValueError:  # pragma: no cover - not the main thread
            pass
        try:
            yield
        finally:
            for number, handler in previous.items():
                if handler is not None:
                    signal.signal(number, handler)

    def migration_progress_callback(
        self, action: str, migration: Migration | None = None, fake: bool = False
    ) -> None:
        """Django's progress lines, with the time of each step at verbosity 1 already."""
        if self.verbosity < 1:
            return
        if action in ("apply_start", "unapply_start", "render_start"):
            self.start = time.monotonic()
            text = {
                "apply_start": f"  Applying {migration}...",
                "unapply_start": f"  Unapplying {migration}...",
                "render_start": "  Rendering model states...",
            }[action]
            self.stdout.write(text, ending="")
            self.stdout.flush()
        elif action in ("apply_success", "unapply_success", "render_success"):
            word = "DONE" if action == "render_success" else "FAKED" if fake else "OK"
            elapsed = time.monotonic() - self.start
            self.stdout.write(self.style.SUCCESS(f" {word} ({elapsed:.3f}s)"))

    # -- the run --------------------------------------------------------------------------------

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        self.options = options
        database: str = options["database"]
        self.run = _Run(database=database, fake=bool(options["fake"]))
        if options["plan"] or options["check_unapplied"]:
            self.run.checking_only = True
            with _patched_executor(self):
                super().handle(*args, **options)
            return
        # --prune only edits django_migrations (under the lock): no check, no snapshot.
        self.run.checking_only = bool(options["prune"])
        # What another run of this deploy (another replica) applies while this one waits for
        # the lock is this deploy's too: its after-deploy migrations wait as this run's would.
        self.run.applied_at_first = _applied(database)
        try:
            with deploy_lock(
                database,
                options["lock_timeout"],
                on_wait=lambda: self.say(
                    f"Waiting for another migrate_or_rollback on database '{database}' "
                    f"(up to {options['lock_timeout']:g} s)...",
                    self.style.NOTICE,
                ),
                on_unsupported=lambda vendor: self.say(
                    f"No deploy lock on {vendor}: concurrent runs are not kept apart.",
                    self.style.WARNING,
                ),
            ):
                self._locked_run(*args, **options)
        except LockTimeout as exc:
            raise CommandError(str(exc)) from None
        except (KeyboardInterrupt, _Terminated):
            # Before any migration ran (otherwise the rollback has turned it into an exit code).
            raise CommandError(
                "interrupted; nothing was applied", returncode=EXIT_INTERRUPTED
            ) from None

    def _locked_run(self, *args: Any, **options: Any) -> None:
        run = self.run
        assert run is not None
        started = time.monotonic()
        previous_term = _install_sigterm()
        try:
            with _patched_executor(self):
                super().handle(*args, **options)
        except BaseException as exc:
            try:
                with self._interrupts_ignored():
                    if not run.applied and not run.unapplied and run.failure is None:
                        raise
                    code = self._fail(exc)
            finally:
                _restore_sigterm(previous_term)
            raise CommandError(self._final_message, returncode=code) from None
        _restore_sigterm(previous_term)
        self._report_deferred()
        if run.applied and self.verbosity >= 1:
            self.say(
                f"Applied {len(run.applied)} migration{_s(run.applied)} on database "
                f"'{run.database}' ({time.monotonic() - started:.3f}s).",
                self.style.SUCCESS,
            )

    def prepare_plan(
        self, executor: MigrationExecutor, plan: list[tuple[Migration, bool]]
    ) -> list[tuple[Migration, bool]]:
        """Called with the plan Django computed, before anything touches the database: defer the
        after-deploy migrations, record the starting point, check the plan, take the
        snapshot. Returns the plan to run."""
        run = self.run
        assert run is not None
        options = self.options
        if not options["include_after_deploy"]:
            applied = frozenset(executor.loader.applied_migrations or ())
            first = run.applied_at_first
            concurrent = frozenset() if first is None else applied - first
            phases = split_phases(plan, executor.loader.graph, concurrent)
            plan = phases.now
            run.deferred = [(_key(m), phases.why[_key(m)]) for m in phases.deferred]
        if run.checking_only:
            self._report_deferred()
            if options["plan"] and plan and not run.fake:
                self._plan_verdict(executor, plan)
            return plan
        graph = executor.loader.graph
        run.start = starting_point(executor.loader.applied_migrations or {}, graph)
        run.apps_in_plan = sorted({m.app_label for m, _ in plan})
        if plan:
            self.say(
                f"Starting point on database '{run.database}': "
                + self._describe_state(run.start, run.apps_in_plan),
                self.style.MIGRATE_HEADING,
            )
        if plan and not run.fake:
            state = _private(executor)._create_project_state(with_applied_migrations=True)
            before = state.clone()
            run.irreversible = irreversible_operations(plan, state, executor.connection.vendor)
            certain = _certain(run.irreversible)
            if certain:
                self._refuse_or_warn(certain)
            run.lingering = lingering_effects(plan, before, executor.connection)
            self._listed(_LINGERING, run.lingering, self.style.WARNING)
            dropped = dropped_tables(plan, before, executor.connection)
            run.dropped = _holding_rows(executor.connection, dropped)
            self._listed(_DROPPED, run.dropped, self.style.WARNING)
        if (plan and not run.fake) or options["snapshot_file"]:
            began = time.monotonic()
            run.before = take_snapshot(run.database)
            if options["snapshot_file"]:
                try:
                    write_snapshot(run.before, options["snapshot_file"])
                except OSError as exc:
                    raise CommandError(
                        f"{options['snapshot_file']}: cannot write the snapshot ({exc})"
                    ) from None
            where = f", written to {options['snapshot_file']}" if options["snapshot_file"] else ""
            self.say(
                f"  Schema snapshot: {len(run.before.tables)} tables "
                f"({time.monotonic() - began:.3f}s){where}"
            )
        return plan

    def _plan_verdict(
        self, executor: MigrationExecutor, plan: list[tuple[Migration, bool]]
    ) -> None:
        """``--plan``: what the check would say of this plan (a dry run in CI shows what a
        real run would refuse), without refusing (exit 0, as ``migrate --plan``)."""
        state = _private(executor)._create_project_state(with_applied_migrations=True)
        before = state.clone()
        found = irreversible_operations(plan, state, executor.connection.vendor)
        self._listed(
            "A run would refuse this plan: its rollback would not work "
            "(--allow-irreversible runs it anyway):",
            _certain(found),
            self.style.ERROR,
        )
        lingering = lingering_effects(plan, before, executor.connection)
        self._listed(_LINGERING, lingering, self.style.WARNING)
        dropped = dropped_tables(plan, before, executor.connection)
        self._listed(_DROPPED, _holding_rows(executor.connection, dropped), self.style.WARNING)

    def _listed(
        self, heading: str, items: Sequence[Irreversible | DroppedTable], style: Any
    ) -> None:
        """``heading``, then a line per item (nothing at all without items)."""
        if items:
            self.shout(heading, style)
            for item in items:
                self.shout(f"  {item.line()}")

    def _refuse_or_warn(self, found: list[Irreversible]) -> None:
        paths = sorted({migration_path(item.migration) for item in found})
        if not self.options["allow_irreversible"]:
            self.shout(
                "The rollback of this plan would not work; nothing was applied:",
                self.style.ERROR,
            )
            for item in found:
                self.shout(f"  {item.line()}")
            own = [path for path in paths if not installed(path)]
            if own:
                self.shout("Fix the migrations (then review and commit the result):")
                self.shout(f"  migration-fixer {' '.join(own)}")
            if len(own) < len(paths):
                self.shout(
                    "In installed packages (a fix written there is lost when they are "
                    "installed again: upgrade them, or have them fixed upstream):"
                )
                for path in paths:
                    if installed(path):
                        self.shout(f"  {path}")
            self.shout("or run anyway with --allow-irreversible (a rollback would stop there).")
            raise CommandError("the plan cannot be rolled back (see above)")
        self.shout(
            "Warning: the rollback of this plan would stop at these operations "
            "(--allow-irreversible):",
            self.style.WARNING,
        )
        for item in found:
            self.shout(f"  {item.line()}")

    def _report_deferred(self) -> None:
        run = self.run
        assert run is not None
        if not run.deferred:
            return
        self.say(
            "Deferred to the next run (after-deploy migrations whose dependencies are applied "
            "in this run; --include-after-deploy applies them now):",
            self.style.MIGRATE_HEADING,
        )
        for key, why in run.deferred:
            self.say(f"  {_label(key)}: {why}")

    @staticmethod
    def _describe_state(state: dict[str, list[str]], apps: list[str]) -> str:
        parts = []
        for app in apps:
            names = state.get(app) or []
            parts.append(f"{app} {', '.join(names) if names else 'zero'}")
        return "; ".join(parts) or "(no app)"

    # -- failure and rollback -------------------------------------------------------------------

    _final_message = ""
    _blocked: Key | None = None
    #: Why the rollback stopped at :attr:`_blocked`.
    _blocks: list[_Block] = []  # noqa: RUF012 - replaced, never mutated
    _not_reapplied: list[Key] = []  # noqa: RUF012 - replaced, never mutated
    #: The operations of the half-applied migration that ran and were not undone (numbers
    #: from 1, in order).
    _not_undone: list[int] = []  # noqa: RUF012 - replaced, never mutated

    def _fail(self, exc: BaseException) -> int:
        run = self.run
        assert run is not None
        interrupted = isinstance(exc, (KeyboardInterrupt, _Terminated))
        if self.verbosity >= 1 and run.failure is not None:
            with self._writing():
                self.stdout.write(self.style.ERROR(" FAILED"))
        self._report_error(exc, interrupted)
        connection = connections[run.database]
        _reset_connection(connection)
        remaining = self._roll_back(connection)
        final = self._final_state(connection)
        leftover = self._leftover()
        if leftover:
            final += f" (plus what {leftover} did, not undone)"
        self.shout(f"Final state of database '{run.database}': {final}")
        if self._not_reapplied:
            missing = self._not_reapplied
            self.shout(
                "The rollback did not finish; unapplied by this run and not applied again: "
                f"{', '.join(_label(k) for k in missing)}",
                self.style.ERROR,
            )
            self.shout("To return to the starting point, run:")
            database = f" --database {run.database}" if run.database != "default" else ""
            latest = {key[0]: key[1] for key in missing}
            for app, name in latest.items():
                self.shout(f"  python manage.py migrate {app} {name}{database}")
            self._final_message = "the rollback failed: the database is not at its starting point"
            return EXIT_ROLLBACK_FAILED
        if remaining or leftover:
            facts = []
            if leftover:
                were = "was" if len(self._not_undone) == 1 else "were"
                facts.append(f"{leftover} ran and {were} not undone")
            if remaining:
                facts.append(
                    f"still applied by this run: {', '.join(_label(k) for k in remaining)}"
                )
            self.shout(f"The rollback did not finish; {'; '.join(facts)}", self.style.ERROR)
            blocked = self._blocked
            if leftover:
                it = "it" if len(self._not_undone) == 1 else "them"
                then = ", then run:" if remaining else "."
                self.shout(f"To return to the starting point, undo {it} by hand{then}")
            elif blocked is not None and self._blocks:
                for line in self._unblocking(self._blocks):
                    self.shout(line)
            else:
                self.shout("To return to the starting point, run:")
            for app in dict.fromkeys(k[0] for k in remaining):
                names = run.start.get(app) or []
                target = names[-1] if len(names) == 1 else "zero" if not names else None
                database = f" --database {run.database}" if run.database != "default" else ""
                if target is not None:
                    self.shout(f"  python manage.py migrate {app} {target}{database}")
                else:
                    self.shout(
                        f"  python manage.py migrate {app} <one of {', '.join(names)}>"
                        f"{database}  (applied out of order before this run)"
                    )
            self._final_message = "the rollback failed: the database is not at its starting point"
            return EXIT_ROLLBACK_FAILED
        emptied = self._emptied()
        differences = self._compare()
        if differences:
            self._final_message = (
                f"rolled back to the starting point{_except([], emptied)}, but the schema "
                "differs from the snapshot"
            )
            return EXIT_SCHEMA_DIFFERS
        self._final_message = (
            "interrupted; rolled back to the starting point"
            if interrupted
            else "migration failed; rolled back to the starting point"
        )
        unapplied = set(run.applied)
        left = [item for item in run.lingering if _key(item.migration) in unapplied]
        self._listed(
            "The rollback unapplied these, but what they did is still in the database "
            "(their reverse does nothing):",
            left,
            self.style.WARNING,
        )
        lingered = ["what the operations listed above did"] if left else []
        self._final_message += _except(lingered, emptied)
        return EXIT_INTERRUPTED if interrupted else 1

    def _emptied(self) -> list[str]:
        """The tables of :attr:`_Run.dropped` that a rollback that finished created again,
        empty: dropped by a migration it unapplied, or by an operation of the half-applied
        migration it undid (an atomic migration that failed dropped nothing)."""
        run = self.run
        assert run is not None
        undone: set[tuple[Key, str]] = set()
        if run.failure is not None:
            key = _key(run.failure.migration)
            undone = {(key, str(index + 1)) for index, *_ in run.failure.done}
        applied = set(run.applied)
        return list(
            dict.fromkeys(
                item.now
                for item in run.dropped
                if _key(item.migration) in applied
                or (_key(item.migration), item.position.split()[0]) in undone
            )
        )

    def _report_error(self, exc: BaseException, interrupted: bool) -> None:
        run = self.run
        assert run is not None
        failure = run.failure
        where = "the run"
        if failure is not None:
            where = _label(_key(failure.migration))
            if failure.started is not None:
                operation = failure.migration.operations[failure.started]
                where += f", operation {failure.started + 1} ({operation.describe()})"
        if interrupted:
            what = "interrupted" if isinstance(exc, KeyboardInterrupt) else "terminated (SIGTERM)"
            self.shout(f"{where}: {what}", self.style.ERROR)
        else:
            self.shout(f"{where} failed: {one_line(exc)}", self.style.ERROR)
        self.shout(
            f"Rolling back what this run applied on database '{run.database}':",
            self.style.MIGRATE_HEADING,
        )

    def _roll_back(self, connection: BaseDatabaseWrapper) -> list[Key]:
        """Undo the half-applied migration, then unapply this run's migrations newest first.
        Returns the keys still applied by this run (empty when the rollback finished)."""
        run = self.run
        assert run is not None
        failure = run.failure
        if failure is not None and failure.done and not self._undo_operations(connection, failure):
            return list(reversed(run.applied))
        todo = list(reversed(run.applied))
        if not todo and not run.unapplied and not (failure is not None and failure.done):
            self.shout("  Nothing to unapply: no migration of this run was applied.")
        executor = MigrationExecutor(connection, _private(self._rollback_progress))
        for position, key in enumerate(todo):
            blocks = self._blocking(executor, key)
            if blocks:
                self.shout(
                    f"  Stopping at {_label(key)}: its rollback would not work "
                    f"({'; '.join(block.line() for block in blocks)})",
                    self.style.ERROR,
                )
                self._blocked = key
                self._blocks = blocks
                return todo[position:]
            migration = executor.loader.graph.nodes[key]
            full_plan = executor.migration_plan(
                executor.loader.graph.leaf_nodes(), clean_start=True
            )
            try:
                _private(executor)._migrate_all_backwards([(migration, True)], full_plan, run.fake)
            except Exception as exc:
                self._line_failed()
                self.shout(
                    f"  Unapplying {_label(key)} failed: {one_line(exc)}",
                    self.style.ERROR,
                )
                return todo[position:]
            executor.loader.build_graph()
        return self._reapply(executor)

    def _blocking(self, executor: MigrationExecutor, key: Key) -> list[_Block]:
        """Why the rollback cannot unapply ``key`` (nothing: it can): its operations that
        cannot be rolled back, and its removals from a table this run created that holds
        rows now."""
        run = self.run
        assert run is not None

        def table_of(model: tuple[str, str]) -> str:
            state = executor.loader.project_state(key, at_end=False)
            return str(state.apps.get_model(*model)._meta.db_table)

        items = [item for item in run.irreversible if _key(item.migration) == key]
        return _blocks(executor.connection, items, table_of)

    def _unblocking(self, blocks: list[_Block]) -> list[str]:
        """What to do, by hand or with migration-fixer, so that the rollback of the migration
        of ``blocks`` works: the lines before the commands to run (the last one says "then
        run:"). ``migration-fixer PATH`` is named only for the operations it makes
        reversible without changing what they did (a reverse it writes: MF001, MF002,
        as the static core checks the file now); the others get what works by hand."""
        migration = blocks[0].item.migration
        label = _label(_key(migration))
        path = migration_path(migration)
        fixer = f"migration-fixer {path}"
        fixes: dict[str, ReverseFix] = {}
        if any(b.table is None and not isinstance(b.item.operation, RemoveField) for b in blocks):
            fixes = self._reverse_fixes(path)
        steps: list[str] = []
        written = 0
        for block in blocks:
            item, operation = block.item, block.item.operation
            where = f"  operation {item.position}"
            if operation is not None:
                where += f", {operation.describe()}"
            fix = fixes.get(item.position.split()[0])
            if block.table is not None:
                steps.append(
                    f"{where}: empty the table {block.table} (this run created it, and the "
                    "rollback drops it)"
                )
            elif isinstance(operation, RemoveField):
                field = f"{operation.model_name}.{operation.name}"
                steps.append(
                    f"{where}: insert before it an AlterField that gives {field} a default, "
                    "which unapplying then writes into every row"
                )
            elif fix is not None and fix.written:
                written += 1
                steps.append(f"{where}: {fixer} writes its reverse")
            else:
                why = f": {fix.hint}" if fix is not None and fix.hint else ""
                steps.append(
                    f"{where}: write its reverse by hand (migration-fixer has no fix{why})"
                )
        package = (
            "; it is in an installed package, where a change is lost when the package is "
            "installed again"
            if installed(path)
            else ""
        )
        if written == len(blocks):
            return [
                f"To return to the starting point, make {label} reversible ({fixer}{package}), "
                "then run:"
            ]
        return [
            f"To return to the starting point, make the rollback of {label} work "
            f"({path}{package}):",
            *steps,
            "Then run:",
        ]

    def _reverse_fixes(self, path: str) -> dict[str, ReverseFix]:
        """:func:`reverse_fixes`; the static check stops on a signal (as the command line
        does): one during the rollback's report is ignored here too, and the check run
        again."""
        for _ in range(3):
            try:
                return reverse_fixes(path)
            except KeyboardInterrupt:
                self._interrupt_ignored(signal.SIGINT, None)
        return {}

    def _reapply(self, executor: MigrationExecutor) -> list[Key]:
        """A backward plan that failed: apply again what it unapplied, in reverse order.
        Returns what could not be re-applied (reported as "still unapplied")."""
        run = self.run
        assert run is not None
        todo = list(reversed(run.unapplied))
        for position, key in enumerate(todo):
            executor.loader.build_graph()
            try:
                executor.migrate(
                    [], plan=[(executor.loader.graph.nodes[key], False)], fake=run.fake
                )
            except Exception as exc:
                self._line_failed()
                self.shout(
                    f"  Re-applying {_label(key)} failed: {one_line(exc)}",
                    self.style.ERROR,
                )
                self._not_reapplied = todo[position:]
                return []
        return []

    def _undo_operations(self, connection: BaseDatabaseWrapper, failure: _Failure) -> bool:
        """On a database without transactional DDL (or a non-atomic migration), the operations
        of the failed migration that ran are still in the database: undo them, in reverse,
        up to the first that cannot be (irreversible, or a removal from a table this run
        created that holds rows: the rule of :meth:`_blocking`). Returns whether all were;
        the others are in :attr:`_not_undone`."""
        label = _label(_key(failure.migration))
        app_label = failure.migration.app_label
        todo = list(reversed(failure.done))
        current = 0
        try:
            with connection.schema_editor(atomic=False) as editor:
                for current, (index, operation, before, after) in enumerate(todo):
                    reasons = self._undo_blocking(connection, failure.migration, index, before)
                    if reasons:
                        self.shout(
                            f"  Stopping at {label} operation {index + 1} "
                            f"({operation.describe()}): it cannot be undone "
                            f"({'; '.join(reasons)})",
                            self.style.ERROR,
                        )
                        self._not_undone = sorted(i + 1 for i, *_ in todo[current:])
                        break
                    began = time.monotonic()
                    self.shout(
                        f"  Undoing {label} operation {index + 1} ({operation.describe()})...",
                        ending="",
                    )
                    operation.database_backwards(app_label, editor, after, before)
                    self.shout(f" OK ({time.monotonic() - began:.3f}s)", self.style.SUCCESS)
                else:
                    # What fails now is a statement deferred to the end (an index, a
                    # foreign key) by any of them.
                    current = 0
        except Exception as exc:
            self._line_failed()
            self.shout(
                f"  Undoing the operations of {label} that ran failed: {one_line(exc)}",
                self.style.ERROR,
            )
            self._not_undone = sorted(i + 1 for i, *_ in todo[current:])
        return not self._not_undone

    def _undo_blocking(
        self,
        connection: BaseDatabaseWrapper,
        migration: Migration,
        index: int,
        before: ProjectState,
    ) -> list[str]:
        """Why operation ``index`` (from 0) of the half-applied ``migration`` cannot be undone
        (nothing: it can), as :meth:`_blocking` decides for a whole migration."""
        run = self.run
        assert run is not None
        operation = migration.operations[index]
        items = [
            item
            for item in run.irreversible
            if _key(item.migration) == _key(migration)
            and item.position.split()[0] == str(index + 1)
        ]
        reasons = [
            block.reason()
            for block in _blocks(
                connection,
                items,
                lambda model: str(before.apps.get_model(*model)._meta.db_table),
            )
        ]
        if not reasons and not operation.reversible:
            reasons.append(f"{type(operation).__name__} is not reversible")
        return reasons

    def _leftover(self) -> str:
        """The operations of the half-applied migration not undone: "app.0002_x operations 1,
        2" ("" when there is none)."""
        run = self.run
        assert run is not None
        if not self._not_undone or run.failure is None:
            return ""
        numbers = ", ".join(str(n) for n in self._not_undone)
        plural = "s" if len(self._not_undone) > 1 else ""
        return f"{_label(_key(run.failure.migration))} operation{plural} {numbers}"

    def _line_failed(self) -> None:
        """A step's line not ended (``  Undoing ...``) ends with " FAILED"."""
        if self._open_line is not None:
            self.shout(" FAILED", self.style.ERROR)

    def _rollback_progress(
        self, action: str, migration: Migration | None = None, fake: bool = False
    ) -> None:
        """The rollback's steps, on standard error with the rest of the failure report."""
        if action in ("unapply_start", "apply_start"):
            self.start = time.monotonic()
            verb = "Unapplying" if action == "unapply_start" else "Re-applying"
            self.shout(f"  {verb} {migration}...", ending="")
        elif action in ("unapply_success", "apply_success"):
            word = "FAKED" if fake else "OK"
            self.shout(f" {word} ({time.monotonic() - self.start:.3f}s)", self.style.SUCCESS)

    def _final_state(self, connection: BaseDatabaseWrapper) -> str:
        run = self.run
        assert run is not None
        try:
            recorder = MigrationRecorder(connection)
            applied = recorder.applied_migrations()
            graph = MigrationExecutor(connection).loader.graph
        except Exception as exc:  # pragma: no cover - the database went away
            return f"unknown ({type(exc).__name__}: {exc})"
        apps = sorted(set(run.apps_in_plan) | {k[0] for k in run.applied})
        return self._describe_state(starting_point(applied, graph), apps)

    def _compare(self) -> list[str]:
        run = self.run
        assert run is not None
        if run.before is None or run.fake:
            return []
        after = take_snapshot(run.database)
        # Django creates its table of applied migrations on a new database's first migrate;
        # the rollback empties it, and leaves it (the next run needs it anyway).
        recorder = MigrationRecorder.Migration._meta.db_table
        if recorder not in run.before.tables:
            after.tables.pop(recorder, None)
        differences = compare_snapshots(run.before, after)
        if differences:
            self.shout(
                f"The schema differs from the snapshot taken before migrating "
                f"({len(differences)} difference{_s(differences)}):",
                self.style.ERROR,
            )
            for line in differences:
                self.shout(f"  {line}")
        else:
            self.shout("Schema: identical to the snapshot taken before migrating.")
        return differences


_LINGERING = (
    "Warning: a rollback would unapply these, but leave what they did in the database (their "
    "reverse does nothing):"
)
_DROPPED = (
    "Warning: these drop a table that holds rows; if the run fails after one of them, the "
    "rollback re-creates the table empty (Django cannot restore its rows):"
)


def _except(lingered: list[str], emptied: list[str]) -> str:
    """What the final message of a finished rollback adds after "rolled back to the starting
    point": ", except ..." naming what is still not as it was ("" when nothing is)."""
    parts = list(lingered)
    if emptied:
        parts.append(f"the rows of {_and(emptied)}, which the rollback re-created empty")
    return f", except {', and '.join(parts)}" if parts else ""


def _and(names: list[str]) -> str:
    """The names joined: "a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _certain(found: list[Irreversible]) -> list[Irreversible]:
    """The operations whose rollback cannot work whatever the rows (not a removal from a
    table this run creates, decided when the rollback gets there)."""
    return [item for item in found if item.new_table is None]


def _applied(database: str) -> frozenset[Key] | None:
    """The migrations recorded as applied on ``database`` (None: none is recorded yet, or the
    database cannot be read: the run then says why, as ``migrate`` does)."""
    try:
        recorder = MigrationRecorder(connections[database])
        if not recorder.has_table():
            return None
        return frozenset(recorder.applied_migrations())
    except (ConnectionDoesNotExist, DatabaseError):
        return None


def _blocks(
    connection: BaseDatabaseWrapper,
    items: list[Irreversible],
    table_of: Callable[[tuple[str, str]], str],
) -> list[_Block]:
    """Those of ``items`` that stop the rollback: each one that cannot be rolled back, and
    each removal from a table this run created (``table_of``: its table, by model, as it is
    there) that holds rows now."""
    blocks = []
    for item in items:
        if item.new_table is None:
            blocks.append(_Block(item))
        elif _holds_rows(connection, table := table_of(item.new_table)):
            blocks.append(_Block(item, table))
    return blocks


def _holding_rows(
    connection: BaseDatabaseWrapper, dropped: list[DroppedTable]
) -> list[DroppedTable]:
    """Those of ``dropped`` whose table is in the database now and holds rows (as
    :func:`_blocks` asks it of a table this run created)."""
    if not dropped:
        return []
    exists = existing_tables(connection, include_views=False)
    held: dict[str, bool] = {}
    for item in dropped:
        if item.now not in held and exists(item.now):
            held[item.now] = _holds_rows(connection, item.now)
    return [item for item in dropped if held.get(item.now)]


def _holds_rows(connection: BaseDatabaseWrapper, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
        return cursor.fetchone() is not None


def _private(value: Any) -> Any:
    """Django's own API that its type stubs leave out (used by Django's migrate command too)."""
    return value


def _s(items: list[Any]) -> str:
    return "" if len(items) == 1 else "s"


def _reset_connection(connection: BaseDatabaseWrapper) -> None:
    """After an error or an interrupt the connection may be mid-transaction or mid-query: start
    the rollback on a fresh one (an in-memory SQLite database would not survive that)."""
    if connection.vendor == "sqlite" and _private(connection).is_in_memory_db():
        return
    try:
        connection.close()
    except Exception:  # pragma: no cover - closing a broken connection
        connection.connection = None


def _install_sigterm() -> Any:
    def handler(signum: int, frame: Any) -> None:
        raise _Terminated()

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # pragma: no cover - not the main thread
        return None


def _restore_sigterm(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
