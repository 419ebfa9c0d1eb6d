"""The plan of a deploy: where each app starts, which migrations run after the deploy, and
whether every migration of the plan can be rolled back.

Public API (stable; ``migrate_or_rollback`` and ``rehearse_rollback`` build on it):

- :func:`after_deploy_marker` / :func:`is_after_deploy`: is a migration marked to run after the
  deploy, and by which marker. Three spellings are recognised (their packages are not imported,
  the values are recognised by shape):

  ==========================================  ===========================================
  ``post_deploy = True``                      migration-fixer's own (written by MF003's fix)
  ``safe = Safe.after_deploy()``              django-safemigrate (also with ``delay=...``,
                                              and the older ``Safe.after_deploy`` enum)
  ``stage = Stage.POST_DEPLOY``               django-syzygy
  ==========================================  ===========================================

- :func:`split_phases`: a forward plan split into what runs now and what is deferred to the next
  run: an after-deploy migration is deferred when a migration it depends on (directly or not),
  that is not itself after-deploy, is applied in the same run (or was, by a concurrent run of
  the same deploy that held the lock meanwhile); anything that depends on a deferred migration
  is deferred with it.
- :func:`irreversible_operations`: every operation of a forward plan whose rollback would not
  work: Django's own ``reversible`` (``RunPython``/``RunSQL`` without a reverse), and every
  ``RemoveField`` judged by MF003's re-add rule (:mod:`migration_fixer.column_readd`) on the
  real field of the loaded project state, so custom field classes are decided too. A removal
  from a table that the plan itself creates is marked (``new_table``): it can be rolled back
  while the table is empty, which the rollback checks when it gets there.
- :func:`lingering_effects`: the ``RunPython`` operations of a forward plan that can be
  unapplied but whose reverse does nothing while their forward function is not safe to run
  twice (MF004, read from the migration's source): a rollback leaves what they did.
- :func:`dropped_tables`: the tables that the forward steps of a plan drop (``DeleteModel``,
  the ``RemoveField`` of a many-to-many field whose table Django created): unapplying creates
  them again, empty, so a rollback cannot give back the rows they held.
- :func:`reverse_fixes`: per operation of a migration file, whether ``migration-fixer PATH``
  writes its missing reverse (MF001, MF002: the fixes that leave what an applied migration
  did as it is), for the advice of a rollback that stopped there.
- :func:`starting_point`: the migrations applied per app on one database.
"""

from __future__ import annotations

import ast
import importlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection as default_connection
from django.db import models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import strip_quotes, truncate_name
from django.db.migrations import Migration
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.operations import (
    AlterModelTable,
    CreateModel,
    DeleteModel,
    RemoveField,
    RenameField,
    RenameModel,
    RunPython,
    SeparateDatabaseAndState,
)
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ModelState, ProjectState
from django.db.models.fields import NOT_PROVIDED

from migration_fixer.column_readd import (
    FieldFacts,
    Outcome,
    Verdict,
    decide_auto_key,
    decide_non_null,
)

if TYPE_CHECKING:
    from migration_fixer.rules.mf004_runpython_rerun import ModelName

#: A plan as Django's ``MigrationExecutor.migration_plan`` returns it.
Plan = Sequence[tuple[Migration, bool]]
Key = tuple[str, str]

#: The after-deploy markers, as :func:`after_deploy_marker` names them.
MARKER_OURS = "post_deploy = True"
MARKER_SAFEMIGRATE = "safe = Safe.after_deploy()"
MARKER_SAFEMIGRATE_DELAY = "safe = Safe.after_deploy(delay=...)"
MARKER_SYZYGY = "stage = Stage.POST_DEPLOY"


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def after_deploy_marker(migration: Migration | type[Migration]) -> str | None:
    """Which marker says that `migration` runs after the deploy, or None.

    Recognised by value, without importing django-safemigrate or django-syzygy:
    ``post_deploy is True``; ``safe`` whose ``when`` (or itself, for the older enum) has the
    value ``"after_deploy"``; ``stage`` whose value is ``"post_deployment"`` (syzygy's
    ``Stage.POST_DEPLOY``).
    """
    if getattr(migration, "post_deploy", False) is True:
        return MARKER_OURS
    safe = getattr(migration, "safe", None)
    if safe is not None:
        when = getattr(safe, "when", safe)
        if _enum_value(when) == "after_deploy":
            if getattr(safe, "delay", None) is not None:
                return MARKER_SAFEMIGRATE_DELAY
            return MARKER_SAFEMIGRATE
    stage = getattr(migration, "stage", None)
    if stage is not None and _enum_value(stage) == "post_deployment":
        return MARKER_SYZYGY
    return None


def is_after_deploy(migration: Migration | type[Migration]) -> bool:
    """True when `migration` carries one of the after-deploy markers."""
    return after_deploy_marker(migration) is not None


@dataclass(frozen=True)
class Phases:
    """A forward plan split in two: ``now`` keeps the plan's order; ``deferred`` lists the
    migrations left for the next run, in plan order, and ``why`` says for each (by key) which
    migration of this run it waits for."""

    now: list[tuple[Migration, bool]]
    deferred: list[Migration]
    why: dict[Key, str]


def split_phases(
    plan: Plan, graph: MigrationGraph, concurrent: frozenset[Key] = frozenset()
) -> Phases:
    """Split `plan` (forward steps; backward steps are never deferred) into what runs now and what
    waits for the next run (see the module docstring for the rule). `concurrent`: the migrations
    another run of the same deploy applied while this one waited for the lock (count as
    applied in this run)."""
    in_plan = {(m.app_label, m.name) for m, backwards in plan if not backwards} | concurrent
    deferred: dict[Key, str] = {}
    now: list[tuple[Migration, bool]] = []
    later: list[Migration] = []
    for migration, backwards in plan:
        key = (migration.app_label, migration.name)
        if backwards:
            now.append((migration, backwards))
            continue
        reason = None
        parents = [parent.key for parent in graph.node_map[key].parents]
        waiting = sorted(p for p in parents if p in deferred)
        if waiting:
            reason = f"depends on {_label(waiting[0])}, deferred"
        elif is_after_deploy(migration):
            blocker = _unmarked_ancestor_in_plan(key, graph, in_plan)
            if blocker is not None:
                marker = after_deploy_marker(migration)
                by = (
                    "by a concurrent run of this deploy" if blocker in concurrent else "in this run"
                )
                reason = f"{marker}; {_label(blocker)} is applied {by}"
        if reason is None:
            now.append((migration, backwards))
        else:
            deferred[key] = reason
            later.append(migration)
    return Phases(now, later, deferred)


def _label(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


def _unmarked_ancestor_in_plan(key: Key, graph: MigrationGraph, in_plan: set[Key]) -> Key | None:
    """The nearest ancestor of `key` (breadth first, parents in sorted order) that this run
    applies and that is not itself an after-deploy migration; only the plan's part of the graph
    is walked."""
    seen: set[Key] = set()
    queue: deque[Key] = deque(sorted(parent.key for parent in graph.node_map[key].parents))
    while queue:
        current: Key = queue.popleft()
        if current in seen or current not in in_plan:
            continue
        seen.add(current)
        node = graph.nodes[current]
        if node is None or not is_after_deploy(node):
            return current
        queue.extend(sorted(p.key for p in graph.node_map[current].parents))
    return None


# -- reversibility ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Irreversible:
    """One operation of a plan whose rollback would not work."""

    migration: Migration
    position: str  # "3", or "2 (database operation 1)" inside SeparateDatabaseAndState
    reason: str
    #: A ``RemoveField`` of a model whose table an earlier migration of the same plan
    #: creates, as ``(app_label, model_name)``: its rollback re-adds the column to that new
    #: table, which works while the table holds no row (a first install); None otherwise.
    new_table: tuple[str, str] | None = None
    #: The operation (inside ``SeparateDatabaseAndState``: the database operation); None for
    #: an item that is not one operation's.
    operation: Operation | None = None

    @property
    def label(self) -> str:
        return f"{self.migration.app_label}.{self.migration.name}"

    def line(self) -> str:
        """``app.migration: operation N: why``."""
        return f"{self.label}: operation {self.position}: {self.reason}"


#: Django's ``connection.vendor`` -> the dialect of :mod:`migration_fixer.dialect`.
_DIALECTS = {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mysql"}


def irreversible_operations(
    plan: Plan, state: ProjectState, vendor: str = ""
) -> list[Irreversible]:
    """The operations of the forward steps of `plan` that cannot be rolled back.

    `state` is the project state before the plan (``executor._create_project_state(
    with_applied_migrations=True)``); it is mutated (pass a clone to keep it). `vendor`:
    the database's ``connection.vendor`` ("" when unknown), for the removals whose rollback
    depends on it (an auto-generated key: :func:`migration_fixer.column_readd.decide_auto_key`).
    """
    found: list[Irreversible] = []
    dialects = (_DIALECTS[vendor],) if vendor in _DIALECTS else ()
    created: set[tuple[str, str]] = set()
    for migration, backwards in plan:
        if backwards:
            continue
        app_label = migration.app_label
        for index, operation in enumerate(migration.operations, start=1):
            for position, reason, model, culprit in _operation_problems(
                operation, str(index), app_label, state, migration.operations[index:], dialects
            ):
                new = (app_label, model) if model and (app_label, model) in created else None
                found.append(Irreversible(migration, position, reason, new, culprit))
            created.update(
                (app_label, op.name_lower)
                for op in _database_operations(operation)
                if isinstance(op, CreateModel)
            )
            operation.state_forwards(app_label, state)
    return found


def _operation_problems(
    operation: Operation,
    position: str,
    app_label: str,
    state: ProjectState,
    later: Sequence[Operation],
    dialects: tuple[str, ...],
) -> list[tuple[str, str, str | None, Operation]]:
    """Each problem: where, why, the model (lower case) of a ``RemoveField``, and the
    operation."""
    if isinstance(operation, SeparateDatabaseAndState):
        problems: list[tuple[str, str, str | None, Operation]] = []
        inner_state = state.clone()
        inner_ops = operation.database_operations
        for index, inner in enumerate(inner_ops, start=1):
            where = f"{position} (database operation {index})"
            problems.extend(
                _operation_problems(
                    inner, where, app_label, inner_state, inner_ops[index:], dialects
                )
            )
            inner.state_forwards(app_label, inner_state)
        return problems
    if not operation.reversible:
        return [(position, _irreversible_reason(operation), None, operation)]
    if isinstance(operation, RemoveField) and not _deleted_later(operation, later):
        # Exactly what Django's own state_forwards looks up (it fails the same way).
        field = state.models[app_label, operation.model_name_lower].fields[operation.name]
        verdict = readd_verdict(field)
        if verdict.auto_key:
            verdict = _auto_key(verdict, operation, app_label, state, later, dialects)
        if verdict.kind is not Outcome.SAFE:
            prefix = "" if verdict.kind is Outcome.UNSAFE else "cannot tell if it can be re-added: "
            return [
                (
                    position,
                    f"RemoveField {operation.model_name}.{operation.name}: "
                    f"{prefix}{verdict.reason}",
                    operation.model_name_lower,
                    operation,
                )
            ]
    return []


def _deleted_later(operation: RemoveField, later: Sequence[Operation]) -> bool:
    """Whether a later operation of the migration deletes the model: rolling back creates
    its table again, empty, before the field is re-added, whatever the field was (as MF003
    decides it)."""
    return any(
        isinstance(step, DeleteModel) and step.name_lower == operation.model_name_lower
        for step in later
    )


def _auto_key(
    verdict: Verdict,
    operation: RemoveField,
    app_label: str,
    state: ProjectState,
    later: Sequence[Operation],
    dialects: tuple[str, ...],
) -> Verdict:
    """MF003's verdict for an auto-generated key's removal, on the loaded state: another
    field already the primary key, and a later operation of the migration that leaves the
    model without one beside a field `id` (replayed on a copy of the state)."""
    key = (app_label, operation.model_name_lower)
    fields = state.models[key].fields
    other_key = next(
        (name for name, f in fields.items() if f.primary_key and name != operation.name), ""
    )
    replay = state.clone()
    operation.state_forwards(app_label, replay)
    id_without_key: bool | None = None if _id_without_key(replay.models[key]) else False
    for step in later:
        if id_without_key or key not in replay.models:
            break
        step.state_forwards(app_label, replay)
        if key in replay.models and _id_without_key(replay.models[key]):
            id_without_key = True
    return decide_auto_key(
        verdict, other_key=other_key, id_without_key=id_without_key, dialects=dialects
    )


def _id_without_key(model: Any) -> bool:
    """Whether a model state has a field `id` that is not its primary key, and none."""
    fields = {name.lower(): f for name, f in model.fields.items()}
    return "id" in fields and not any(f.primary_key for f in fields.values())


def _irreversible_reason(operation: Operation) -> str:
    name = type(operation).__name__
    if getattr(operation, "reverse_code", False) is None:
        return f"{name} has no reverse_code: Django cannot unapply it"
    if getattr(operation, "reverse_sql", False) is None:
        return f"{name} has no reverse_sql: Django cannot unapply it"
    return f"{name} is not reversible"


_DJANGO_FIELD_MODULES = ("django.db.models", "django.contrib")


def readd_verdict(field: models.Field[Any, Any]) -> Verdict:
    """MF003's re-add rule on a loaded field: can unapplying its ``RemoveField`` re-add the column
    to a table that has rows?"""
    if field.null:
        return Verdict(Outcome.SAFE, "null=True")
    base = next(
        (
            klass.__name__
            for klass in type(field).__mro__
            if klass.__module__.startswith(_DJANGO_FIELD_MODULES)
        ),
        type(field).__name__,
    )
    if field.many_to_many or getattr(field, "generated", False):
        base = "ManyToManyField" if field.many_to_many else "GeneratedField"
    shown = type(field).__name__
    if shown != base:
        shown = f"{shown} (a {base})"
    default = getattr(field, "default", NOT_PROVIDED)
    has_default = default is not NOT_PROVIDED
    literal = default if isinstance(default, (str, int, float, bool, bytes)) else None
    return decide_non_null(
        FieldFacts(
            field_class=base,
            shown=shown,
            db_default=getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED,
            unique=bool(getattr(field, "_unique", False)),
            primary_key=bool(field.primary_key),
            default=has_default,
            default_is_none=has_default and default is None,
            default_source=None if literal is None else repr(literal),
            auto_now=bool(
                getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            ),
            blank=bool(field.blank),
            empty_strings_allowed=bool(field.empty_strings_allowed),
        )
    )


def lingering_effects(
    plan: Plan, state: ProjectState, connection: BaseDatabaseWrapper
) -> list[Irreversible]:
    """The operations of the forward steps of ``plan`` that a rollback unapplies while leaving
    what they did: a ``RunPython`` with a reverse (Django unapplies it) that does nothing,
    whose forward function creates rows or changes values that a second run would again,
    as MF004 finds it in the migration's source (django-oscar's customer 0008: the rollback
    said the database was back at the start; the user-group rows stayed, and the next
    deploy failed on them for good).

    Only where what it writes is in a table that the database of ``connection`` has now:
    a table that the plan creates, the rollback drops, with the rows (wagtailcore's
    ``initial_data`` on a database from zero). The table of each model written to is read
    from its state where the operation runs (``state``: the project state before the
    plan, not mutated), named as it is before the run where the plan renames it, the
    tables of its concrete parents with it (a child's row has a row in each); an operation
    that writes where this cannot be told (SQL, a model got otherwise than by a literal
    label, a related manager) stays listed."""
    from migration_fixer.parsing import parse_module
    from migration_fixer.rule import FileContext
    from migration_fixer.rules import RULES_BY_CODE
    from migration_fixer.rules.mf004_runpython_rerun import written_models
    from migration_fixer.runner import scan
    from migration_fixer.source import read_text_file

    found: list[Irreversible] = []
    #: Per migration, its items whose tables are looked up, each with the models it writes.
    pending: dict[int, list[tuple[Irreversible, tuple[ModelName, ...]]]] = {}
    for migration, backwards in plan:
        if backwards or not any(
            isinstance(op, RunPython) and op.reverse_code is not None
            for top in migration.operations
            for op in _database_operations(top)
        ):
            continue
        filename = getattr(sys.modules.get(type(migration).__module__), "__file__", None)
        if not filename or not filename.endswith(".py"):
            continue
        try:
            text = read_text_file(Path(filename))
            tree = parse_module(text, filename)
        except (OSError, ValueError, SyntaxError, RecursionError, MemoryError):
            continue  # (imported, so it parses: unless changed since)
        # One parse, one context, for the rule and for what it writes.
        ctx = FileContext(Path(filename), text, tree)
        writes: dict[tuple[int, int], tuple[ModelName | None, ...]] | None = None
        for finding in scan(ctx.path, text, tree, [RULES_BY_CODE["MF004"]], None, ctx):
            if "without a reverse" in finding.message:
                continue  # (Django cannot unapply it: one of irreversible_operations)
            position = _position(text, finding.line)
            item = Irreversible(migration, position, finding.message)
            found.append(item)
            if writes is None:
                writes = written_models(ctx)
            written = writes.get((finding.line, finding.column), (None,))
            known = tuple(model for model in written if model is not None)
            if len(known) == len(written):
                pending.setdefault(id(migration), []).append((item, known))
    if pending:
        gone = _written_elsewhere(plan, state, connection, pending)
        found = [item for item in found if id(item) not in gone]
    return found


def _written_elsewhere(
    plan: Plan,
    state: ProjectState,
    connection: BaseDatabaseWrapper,
    pending: dict[int, list[tuple[Irreversible, tuple[ModelName, ...]]]],
) -> set[int]:
    """The ids of the items of ``pending`` (by migration) whose every model written to is
    in tables that the database does not have now. The plan is replayed on a copy of
    ``state``, following the tables it renames, as :func:`dropped_tables` does."""
    exists = existing_tables(connection)
    state = state.clone()
    renamed: dict[str, str] = {}
    gone: set[int] = set()
    left = len(pending)
    for migration, backwards in plan:
        if not left:
            break
        if backwards:
            continue
        items = pending.get(id(migration), [])
        left -= bool(items)
        for index, operation in enumerate(migration.operations, start=1):
            for item, written in items:
                # (Where the position is not an operation's: before the first.)
                at = item.position if item.position.isdigit() else "1"
                if at != str(index):
                    continue
                tables = [_written_tables(state, model, connection) for model in written]
                if all(
                    names is not None and not any(exists(renamed.get(name, name)) for name in names)
                    for names in tables
                ):
                    gone.add(id(item))
            _forwards(migration.app_label, operation, state, connection, renamed)
    return gone


def _written_tables(
    state: ProjectState, model: ModelName, connection: BaseDatabaseWrapper
) -> set[str] | None:
    """The tables that a row of ``model`` is written in (its own, and each concrete
    parent's), as named in ``state``; None when that cannot be told (a model that
    ``state`` has not, a setting that names none, a table on another database)."""
    label = model.label
    if model.setting is not None:
        label = getattr(settings, model.setting, None)
    elif model.swapper and label is not None:
        try:
            swapper = importlib.import_module("swapper")
            label = swapper.get_model_name(*label.split("."))
        except Exception:
            pass  # (the model that is not swapped)
    if not isinstance(label, str) or label.count(".") != 1:
        return None
    app_label, name = label.split(".")
    return _model_tables(state, (app_label, name.lower()), connection, frozenset())


def _model_tables(
    state: ProjectState, key: Key, connection: BaseDatabaseWrapper, seen: frozenset[Key]
) -> set[str] | None:
    model_state = state.models.get(key)
    if model_state is None or key in seen:
        return None
    options = model_state.options
    tables: set[str] = set()
    if not options.get("proxy"):
        if options.get("managed", True) and not _has_table(model_state, connection):
            return None  # (swapped, another vendor's, routed elsewhere)
        tables.add(_own_table(model_state))
    for base in model_state.bases:
        if isinstance(base, str):
            app_label, _, name = base.partition(".")
            parent: Key | None = (app_label, name.lower())
        else:
            meta = getattr(base, "_meta", None)
            parent = None if meta is None or meta.abstract else (meta.app_label, meta.model_name)
        if parent is None:
            continue  # (a mixin, ``models.Model``, an abstract model)
        found = _model_tables(state, parent, connection, seen | {key})
        if found is None:
            return None
        tables |= found
    return tables


def existing_tables(
    connection: BaseDatabaseWrapper, *, include_views: bool = True
) -> Callable[[str], bool]:
    """Whether a table (or, with ``include_views``, a view) of that name is in the
    database of ``connection`` now (read once; case-insensitive where the database ignores
    the case of table names)."""
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor, include_views=include_views)
    fold = connection.features.ignores_table_name_case
    existing = {name.casefold() if fold else name for name in names}
    return lambda table: (table.casefold() if fold else table) in existing


@dataclass(frozen=True)
class DroppedTable:
    """A table that an operation of a forward plan drops on the database: unapplying the
    operation creates it again, empty."""

    migration: Migration
    position: str  # as Irreversible.position
    #: The ``DeleteModel``, or the ``RemoveField`` of a many-to-many field (inside
    #: ``SeparateDatabaseAndState``: the database operation).
    operation: Operation
    table: str
    #: "DeleteModel Tag drops the table gamma_tag"
    what: str
    #: The table's name before the run (``table``, unless an operation of the plan before
    #: this one renames it): the table that holds the rows now, and that the rollback
    #: creates again, empty.
    now: str = ""

    def __post_init__(self) -> None:
        if not self.now:
            object.__setattr__(self, "now", self.table)

    @property
    def label(self) -> str:
        return f"{self.migration.app_label}.{self.migration.name}"

    def line(self) -> str:
        """``app.migration: operation N: what``."""
        return f"{self.label}: operation {self.position}: {self.what}"


def dropped_tables(
    plan: Plan, state: ProjectState, connection: BaseDatabaseWrapper
) -> list[DroppedTable]:
    """The tables that the forward steps of ``plan`` drop on the database of
    ``connection``, as Django's schema editor drops them: a ``DeleteModel``'s table and the
    automatic many-to-many tables of its model, a ``RemoveField``'s many-to-many table when
    Django created it (a field with a ``through`` model of its own drops none); nothing for
    a model whose table the database does not get (proxy, ``managed = False``, swapped,
    another database's vendor, routed elsewhere). Each with its name before the run, where
    an operation of the plan renames it first (``RenameModel``, ``AlterModelTable``,
    ``RenameField`` of a many-to-many field). Whether the table exists and holds rows is the
    caller's to ask.

    Read from the model states alone, never rendered (rendering the models of a big
    project again after each operation cost seconds). `state` is the project state before
    the plan, as for :func:`irreversible_operations`; it is mutated (pass a clone to keep
    it)."""
    found: list[DroppedTable] = []
    renamed: dict[str, str] = {}  # a table's name in the plan so far -> its name now
    for migration, backwards in plan:
        if backwards:
            continue
        for index, operation in enumerate(migration.operations, start=1):
            found += _dropped(migration, operation, str(index), state, connection, renamed)
            _forwards(migration.app_label, operation, state, connection, renamed)
    return found


def _forwards(
    app_label: str,
    operation: Operation,
    state: ProjectState,
    connection: BaseDatabaseWrapper,
    renamed: dict[str, str],
) -> None:
    """``operation.state_forwards``, following the tables it renames in ``renamed`` (of a
    ``SeparateDatabaseAndState``, those its database operations rename: the database's
    tables are named so from then on, and its state operations say the same of the
    models)."""
    if isinstance(operation, SeparateDatabaseAndState):
        inner_state = state.clone()
        for inner in operation.database_operations:
            _forwards(app_label, inner, inner_state, connection, renamed)
        operation.state_forwards(app_label, state)
        return
    moved: tuple[str, str] | None = None  # the model before and after, lower case
    fields: dict[str, str] = {}  # a field renamed: its old name -> its new name
    if isinstance(operation, RenameModel):
        moved = (operation.old_name_lower, operation.new_name_lower)
    elif isinstance(operation, AlterModelTable):
        moved = (operation.name_lower, operation.name_lower)
    elif isinstance(operation, RenameField):
        moved = (operation.model_name_lower, operation.model_name_lower)
        fields = {operation.old_name: operation.new_name}
    before = {} if moved is None else _tables(state, app_label, moved[0], connection)
    operation.state_forwards(app_label, state)
    if moved is None:
        return
    after = _tables(state, app_label, moved[1], connection)
    for key, table in before.items():
        new = after.get(fields.get(key, key))
        if new is not None and new != table:
            renamed[new] = renamed.pop(table, table)


def _tables(
    state: ProjectState, app_label: str, model: str, connection: BaseDatabaseWrapper
) -> dict[str, str]:
    """The tables of the model ``model`` (lower case) that the database of ``connection``
    has, read from its model state: its own (key "") and the automatic many-to-many table
    of each such field (key: the field's name). Names as Django spells them: an unset
    ``db_table`` is ``app_model``, cut to the default database's longest name, as
    ``Options`` and ``ManyToManyField`` cut them."""
    model_state = state.models.get((app_label, model))
    if model_state is None or not _has_table(model_state, connection):
        return {}
    own = _own_table(model_state)
    tables = {"": own}
    longest = default_connection.ops.max_name_length()
    for name, field in model_state.fields.items():
        if field.many_to_many and field.remote_field.through is None:
            tables[name] = field.db_table or truncate_name(f"{strip_quotes(own)}_{name}", longest)
    return tables


def _own_table(model_state: ModelState) -> str:
    """The table of the model as ``Options`` names it: its ``db_table``, else
    ``app_model`` cut to the default database's longest name."""
    longest = default_connection.ops.max_name_length()
    default = f"{model_state.app_label}_{model_state.name_lower}"
    return model_state.options.get("db_table") or truncate_name(default, longest)


def _has_table(model_state: ModelState, connection: BaseDatabaseWrapper) -> bool:
    """Whether the model has a table on the database of ``connection``: not a proxy, nor
    unmanaged, nor swapped for another model, nor for another vendor or features, nor
    routed elsewhere (what ``Operation.allow_migrate_model`` asks of a rendered model)."""
    options = model_state.options
    if options.get("proxy") or not options.get("managed", True):
        return False
    swappable = options.get("swappable")
    if swappable:
        # (As ``Options.swapped`` reads the setting.)
        swapped_for = getattr(settings, swappable, None)
        if swapped_for:
            app, _, name = swapped_for.partition(".")
            if f"{app}.{name.lower()}" != f"{model_state.app_label}.{model_state.name_lower}":
                return False
    vendor = options.get("required_db_vendor")
    if vendor and vendor != connection.vendor:
        return False
    features = options.get("required_db_features", ())
    if not all(getattr(connection.features, feature, False) for feature in features):
        return False
    try:
        return router.allow_migrate(
            connection.alias, model_state.app_label, model_name=model_state.name_lower
        )
    except Exception:  # a router that needs the model class (hints["model"]): asked, kept
        return True


def _dropped(
    migration: Migration,
    operation: Operation,
    position: str,
    state: ProjectState,
    connection: BaseDatabaseWrapper,
    renamed: dict[str, str],
) -> list[DroppedTable]:
    app_label = migration.app_label

    def dropped(table: str, what: str) -> DroppedTable:
        now = renamed.get(table, table)
        if now != table:
            what += f", called {now} before this run"
        return DroppedTable(migration, position, operation, table, what, now)

    if isinstance(operation, SeparateDatabaseAndState):
        found: list[DroppedTable] = []
        inner_state = state.clone()
        inner_renamed = dict(renamed)
        for index, inner in enumerate(operation.database_operations, start=1):
            where = f"{position} (database operation {index})"
            found += _dropped(migration, inner, where, inner_state, connection, inner_renamed)
            _forwards(app_label, inner, inner_state, connection, inner_renamed)
        return found
    if isinstance(operation, DeleteModel):
        tables = _tables(state, app_label, operation.name_lower, connection)
        return [
            dropped(
                table,
                f"DeleteModel {operation.name} drops the table {table}"
                + (f" (the many-to-many table of {operation.name}.{key})" if key else ""),
            )
            for key, table in tables.items()
        ]
    if isinstance(operation, RemoveField):
        model_state = state.models.get((app_label, operation.model_name_lower))
        field = None if model_state is None else model_state.fields.get(operation.name)
        if field is None or not field.many_to_many:
            return []  # (a column)
        table = _tables(state, app_label, operation.model_name_lower, connection).get(
            operation.name
        )
        if table is None:
            return []  # (a ``through`` model of its own, or no table on this database)
        what = (
            f"RemoveField {operation.model_name}.{operation.name} drops the table {table} "
            "(its many-to-many table)"
        )
        return [dropped(table, what)]
    return []


#: The rules whose fix writes a reverse and leaves the forward operations as they are: the
#: only fixes fit for a migration that a database has applied already.
REVERSE_RULES = frozenset({"MF001", "MF002"})


@dataclass(frozen=True)
class ReverseFix:
    """What ``migration-fixer PATH`` does for one operation without a reverse."""

    #: The run writes a reverse for it (a safe fix, or an unsafe one the project's
    #: configuration enables).
    written: bool
    #: Why not, when the rule says (MF002: "no certain inverse for `DROP ...`: ...").
    hint: str | None = None


def reverse_fixes(path: str) -> dict[str, ReverseFix]:
    """Per operation of the migration file ``path`` (its number in ``operations``, as
    :attr:`Irreversible.position` starts), what ``migration-fixer PATH`` does for its missing
    reverse (MF001, MF002), found as the command line finds it: the project's configuration
    (rules selected or ignored, ``unsafe-fixes``, ``dialect``), the dialect of its settings,
    the migrations folder. Empty when the file cannot be checked (a configuration that does
    not load, a file that does not parse: nothing is known to be fixed).

    The static check stops on SIGINT and SIGTERM as the command line does: a
    ``KeyboardInterrupt`` is the caller's to handle."""
    import dataclasses

    from migration_fixer.api import run
    from migration_fixer.config import Mode, build_config
    from migration_fixer.rules._reverse import ACCEPT_NOOP

    try:
        config = build_config(
            paths=[Path(path)], mode=Mode.CHECK, select=None, ignore=None, cache=False
        )
        config = dataclasses.replace(config, select=config.select & REVERSE_RULES)
        result = run(config)
        text = Path(path).read_text(encoding="utf-8")
    except Exception:
        return {}
    fixes: dict[str, ReverseFix] = {}
    for _, finding in result.findings:
        position = _position(text, finding.line)
        known = fixes.get(position)
        written = result.fixable(finding) and (known is None or known.written)
        hint = finding.hint.removesuffix(ACCEPT_NOOP) if finding.hint else None
        fixes[position] = ReverseFix(written, hint or (known.hint if known else None))
    return fixes


def _database_operations(operation: Operation) -> list[Operation]:
    """What ``operation`` runs on the database: itself, or the ``database_operations`` of a
    ``SeparateDatabaseAndState``."""
    if isinstance(operation, SeparateDatabaseAndState):
        return list(operation.database_operations)
    return [operation]


def _position(text: str, line: int) -> str:
    """The number of the element of ``class Migration``'s ``operations`` list that holds
    ``line`` ("line N" where the list cannot be read)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return f"at line {line}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "operations" for t in node.targets)
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            for index, element in enumerate(node.value.elts, start=1):
                if element.lineno <= line <= (element.end_lineno or element.lineno):
                    return str(index)
    return f"at line {line}"


def migration_path(migration: Migration) -> str:
    """The migration's file, relative to the current directory when it is below it."""
    module = sys.modules.get(type(migration).__module__)
    filename = getattr(module, "__file__", None)
    if not filename:
        return f"{migration.app_label}/migrations/{migration.name}.py"
    path = Path(filename).resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return os.fspath(path)


def installed(path: str) -> bool:
    """Whether the migration file ``path`` belongs to an installed package (a fix written
    there is lost when the package is installed again)."""
    return not {"site-packages", "dist-packages"}.isdisjoint(Path(path).parts)


# -- starting point --------------------------------------------------------------------------


def starting_point(applied: Iterable[Key], graph: MigrationGraph) -> dict[str, list[str]]:
    """Per app of the graph, the applied migrations that no other applied migration of the same
    app depends on (its "leaves", usually one; empty for an app at zero), sorted."""
    applied_set = {key for key in applied if key in graph.nodes}
    result: dict[str, list[str]] = {app: [] for app, _ in graph.nodes}
    for key in applied_set:
        children = graph.node_map[key].children
        if not any(c.key in applied_set and c.key[0] == key[0] for c in children):
            result[key[0]].append(key[1])
    return {app: sorted(names) for app, names in sorted(result.items())}
