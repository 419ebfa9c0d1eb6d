"""The rollback rehearsal: forward, back, forward again, deploy by deploy, with rows in every
table, on a scratch database created the way Django's test runner creates one.

Steps (each timed; the first failure stops the rehearsal and names the migration, the
operation and the database's message):

1. migrate the scratch database to the starting point (everything except the plan under test);
2. per deploy phase (deploy 1: the plan without its after-deploy migrations; deploy 2: those,
   from the end of deploy 1): take a schema snapshot and insert rows into every table (from the
   historical models of that state), migrate forward through the phase, insert rows again (now
   with the new columns), migrate back to the phase's start, compare the schema with the
   snapshot and check that every row present at the start is still there (same primary key)
   with the values it had (only in the tables that exist at the start, of models with a table
   of their own there: :meth:`Rehearsal._expected`), then migrate forward again. While
   migrating back, after each migration unapplied, the keys of those rows that each table
   still holds are read (:class:`RowWatch`): a row lost there is named with that migration,
   for certain.

The values compared are those of the columns the deploy kept (a column it drops comes back as
its reverse makes it: NULL where the field was nullable, which the code of the previous deploy
had to allow) and those of a NOT NULL column without a default that it drops: MySQL/MariaDB
re-add such a column over the rows with ``''`` or ``0`` instead of refusing, and the rollback
"succeeds" with the values gone. ``auto_now`` columns are not compared (any save sets them).

The scratch database is refused as soon as its name is not the one this module created, so the
real database is never touched. Reading the real database happens once, read-only, and only
when no plan is given: to know which migrations the next deploy would apply.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.operations import (
    AddConstraint,
    AddIndex,
    AlterField,
    AlterModelTable,
    DeleteModel,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameModel,
    RunPython,
    RunSQL,
    SeparateDatabaseAndState,
)
from django.db.migrations.operations.models import AlterTogetherOptionOperation, IndexOperation
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import NOT_PROVIDED
from django.db.transaction import TransactionManagementError

from .errors import one_line
from .plan import split_phases
from .rows import Batch, RowFactory, Unfilled, has_own_table
from .snapshot import Snapshot, compare_snapshots, take_snapshot

Node = tuple[str, str]


class RehearsalError(Exception):
    """A problem with the request itself (bad argument, unknown migration, no git base...):
    a one-line message, reported as a usage error."""


# -- the plan under test ----------------------------------------------------------------------


def _graph() -> MigrationLoader:
    """The migration graph alone, without reading any database."""
    return MigrationLoader(None, ignore_no_migrations=True)


def _full_order(loader: MigrationLoader) -> list[Node]:
    """Every migration of the graph (replacements applied), in the order migrate applies them."""
    graph = loader.graph
    seen: set[Node] = set()
    order: list[Node] = []
    for leaf in sorted(graph.leaf_nodes()):
        for node in graph.forwards_plan(leaf):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


def _with_descendants(loader: MigrationLoader, nodes: set[Node]) -> set[Node]:
    """``nodes`` and every migration that depends on one of them, directly or not."""
    node_map = loader.graph.node_map
    out: set[Node] = set()
    todo = [node for node in nodes if node in node_map]
    while todo:
        node = todo.pop()
        if node in out:
            continue
        out.add(node)
        todo.extend(child.key for child in node_map[node].children)
    return out


def plan_after(targets: Sequence[str]) -> list[Node]:
    """The migrations after ``APP:MIGRATION`` arguments (``APP:zero``: the whole app), with
    everything that depends on them, in migrate's order: what ``migrate APP MIGRATION``
    unapplies, the later migrations of the app and what depends on them (a migration of
    another app that depends on the target itself stays applied, and is not rehearsed)."""
    loader = _graph()
    chosen: set[Node] = set()
    for target in targets:
        app, sep, name = target.partition(":")
        if not sep or not app or not name:
            raise RehearsalError(f"{target!r}: expected APP:MIGRATION (or APP:zero)")
        if app not in loader.migrated_apps:
            raise RehearsalError(f"{target!r}: app {app!r} has no migrations")
        if name == "zero":
            roots = {n for n in loader.graph.root_nodes(app)}
            chosen |= _with_descendants(loader, roots)
            continue
        try:
            migration = loader.get_migration_by_prefix(app, name)
        except Exception as exc:  # KeyError (none) or AmbiguityError (several)
            text = " ".join(str(exc.args[0] if exc.args else exc).split())
            raise RehearsalError(f"{target!r}: {text}") from exc
        node = (migration.app_label, migration.name)
        if node not in loader.graph.node_map:
            raise RehearsalError(f"{target!r}: replaced by a squashed migration")
        later = {c for c in loader.graph.node_map[node].children if c.key[0] == app}
        chosen |= _with_descendants(loader, {c.key for c in later})
    return [node for node in _full_order(loader) if node in chosen]


def plan_since(ref: str, cwd: Path | None = None) -> list[Node]:
    """The migrations whose files were added since the merge-base of ``ref`` and HEAD (the
    static CLI's ``--since``), with everything that depends on them."""
    from migration_fixer import git

    where = cwd or Path.cwd()
    repo = git.open_repository(where)
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if repo is None and cwd is None and script is not None and script.name == "manage.py":
        # ``python /srv/app/manage.py rehearse_rollback --since main`` from elsewhere: the
        # project's repository is the one of its manage.py.
        where = script.resolve().parent
        repo = git.open_repository(where)
    if repo is None:
        raise RehearsalError(f"--since {ref}: {where} is not in a git repository")
    try:
        base = repo.merge_base(ref)
        added = {p.resolve() for p in repo.added_since(base)}
    except git.GitError as exc:
        raise RehearsalError(f"--since {ref}: {exc}") from exc
    loader = _graph()
    new: set[Node] = set()
    for node, migration in loader.disk_migrations.items():
        module = sys.modules.get(type(migration).__module__)
        path = getattr(module, "__file__", None)
        if path and Path(path).resolve() in added:
            new.add(node)
    chosen = _with_descendants(loader, _in_graph(loader, new))
    return [node for node in _full_order(loader) if node in chosen]


def _in_graph(loader: MigrationLoader, nodes: set[Node]) -> set[Node]:
    """``nodes`` as the graph has them: a migration that a squashed one replaces (the graph of
    a database with nothing applied uses the squash) stands for that squash."""
    out = {n for n in nodes if n in loader.graph.node_map}
    for key, migration in loader.replacements.items():
        if key in loader.graph.node_map and any(tuple(r) in nodes for r in migration.replaces):
            out.add(key)
    return out


def plan_unapplied(using: str) -> list[Node]:
    """What the next deploy would run: the migrations not applied on the configured (real)
    database. Read-only: the recorder's table is read, nothing is created."""
    try:
        loader = MigrationLoader(connections[using], ignore_no_migrations=True)
        loader.check_consistent_history(connections[using])
    except Exception as exc:
        raise RehearsalError(
            f"cannot read the applied migrations of database {using!r} "
            f"({' '.join(str(exc).split())}); give --since REF or APP:MIGRATION"
        ) from exc
    applied = set(loader.applied_migrations)
    pending = {node for node in _full_order(loader) if node not in applied}
    graph = _graph()  # the rehearsal's graph: nothing applied, squashes in use
    chosen = _with_descendants(graph, _in_graph(graph, pending))
    return [node for node in _full_order(graph) if node in chosen]


def split_deploys(loader: MigrationLoader, plan: Sequence[Node]) -> list[list[Node]]:
    """Deploy 1: what ``migrate_or_rollback`` would apply now (the after-deploy migrations
    left out, with what depends on them: :func:`~migration_fixer.django.plan.split_phases`);
    deploy 2: those. Empty deploys are left out."""
    graph = loader.graph
    phases = split_phases([(graph.nodes[node], False) for node in plan], graph)
    first = [(m.app_label, m.name) for m, _ in phases.now]
    second = [(m.app_label, m.name) for m in phases.deferred]
    return [deploy for deploy in (first, second) if deploy]


def deploy_labels(plan: Sequence[Node]) -> list[list[str]]:
    """``app.migration`` labels of each deploy of ``plan``."""
    return [[f"{a}.{n}" for a, n in deploy] for deploy in split_deploys(_graph(), plan)]


# -- the scratch database ---------------------------------------------------------------------


#: Added to the test database's name (``test_<name>_rehearsal``), so that a rehearsal never
#: replaces the test database that ``manage.py test --keepdb`` or pytest-django keeps.
SCRATCH_SUFFIX = "_rehearsal"


class ScratchDatabase:
    """The test database of an alias, created as Django's test runner creates it (``test_<name>``,
    or the alias' ``TEST`` settings; SQLite: a temporary file) with ``suffix`` added to its
    name, used instead of the real one while the rehearsal runs, dropped at the end unless
    ``keep``. One left by an earlier rehearsal (``--keep-db``, a run killed) is replaced."""

    def __init__(self, using: str, *, keep: bool = False, suffix: str = "") -> None:
        self.using = using
        self.keep = keep
        self.suffix = suffix
        self.connection = connections[using]
        self.original_name: Any = self.connection.settings_dict["NAME"]
        self.name: str = ""
        self._tmpdir: str | None = None
        self._test_name_setting: Any = None

    @property
    def vendor(self) -> str:
        return str(self.connection.vendor)

    def create(self) -> str:
        creation: Any = self.connection.creation  # the test runner's private helpers
        test = self.connection.settings_dict.setdefault("TEST", {})
        self._test_name_setting = test.get("NAME")
        if self.vendor == "sqlite":
            self._tmpdir = tempfile.mkdtemp(prefix="rehearse_rollback_")
            test["NAME"] = os.path.join(self._tmpdir, f"test_{self.using}.sqlite3")
        elif self.suffix:
            test["NAME"] = f"{creation._get_test_db_name()}{self.suffix}"
        name = str(creation._get_test_db_name())
        if name == str(self.original_name):
            raise RehearsalError(
                f"database {self.using!r}: the test database name {name!r} is the real "
                "database's name; refusing to use it"
            )
        # Django says "Got an error creating the test database: ... already exists" when an
        # earlier rehearsal kept its database (--keep-db), then drops it and goes on: said
        # here as what it is.
        said: list[str] = []
        creation.log = said.append
        try:
            creation._create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        except SystemExit as exc:  # Django's creation exits when it cannot drop an old one
            raise RehearsalError(
                f"database {self.using!r}: cannot create the test database {name!r}"
                + (f" ({said[-1]})" if said else "")
            ) from exc
        finally:
            del creation.log
        if said and "exists" in said[0]:  # (PostgreSQL: "already exists", MariaDB: "exists")
            sys.stderr.write(
                f"note: the scratch database {name} was left by an earlier rehearsal "
                "(--keep-db): dropped and created again\n"
            )
        else:
            sys.stderr.writelines(f"{line}\n" for line in said)
        self.connection.close()
        settings.DATABASES[self.using]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        self.name = name
        return name

    def ensure(self) -> None:
        """Refuse to go on unless the alias points at the scratch database created here."""
        current = self.connection.settings_dict["NAME"]
        if not self.name or current != self.name or current == self.original_name:
            raise RehearsalError(
                f"database {self.using!r} is {current!r}, not the scratch database this "
                "rehearsal created: refusing to migrate it"
            )

    def destroy(self) -> None:
        self.connection.close()
        if self.name and not self.keep:
            creation: Any = self.connection.creation
            creation._destroy_test_db(self.name, verbosity=0)
        settings.DATABASES[self.using]["NAME"] = self.original_name
        self.connection.settings_dict["NAME"] = self.original_name
        self.connection.settings_dict["TEST"]["NAME"] = self._test_name_setting
        if self._tmpdir is not None and not self.keep:
            shutil.rmtree(self._tmpdir, ignore_errors=True)


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    message: str
    migration: str | None = None  # "app.0003_name"
    operation: str | None = None  # "operation 2, RemoveField: Remove field sku from item"
    #: What to try, said after the failure ("" for none).
    hint: str = ""

    def describe(self) -> str:
        where = ", ".join(filter(None, [self.migration, self.operation]))
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Step:
    phase: int  # 0: the start; 1 and 2: the deploys
    name: str
    detail: str = ""
    seconds: float = 0.0
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def label(self) -> str:
        return self.name if self.phase == 0 else f"deploy {self.phase}: {self.name}"


@dataclass
class Report:
    vendor: str
    database: str
    seed: int
    phases: list[list[str]] = field(default_factory=list)  # migration labels per deploy
    steps: list[Step] = field(default_factory=list)
    unfilled: list[Unfilled] = field(default_factory=list)
    kept: bool = False

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def failure(self) -> Step | None:
        return next((step for step in self.steps if not step.ok), None)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


# -- knowing which operation failed -----------------------------------------------------------


@dataclass
class _Tracker:
    migration: Migration | None = None
    operation: tuple[int, Any] | None = None


_TRACKER: _Tracker | None = None


def _wrap(operation: Any, index: int, method: str) -> None:
    original = getattr(operation, method)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _TRACKER is not None:
            _TRACKER.operation = (index, operation)
        result = original(*args, **kwargs)
        if _TRACKER is not None:
            _TRACKER.operation = None
        return result

    wrapper.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(operation, method, wrapper)


@contextmanager
def _instrumented(migrations: Sequence[Migration]) -> Iterator[_Tracker]:
    global _TRACKER
    wrapped: list[Any] = []
    for migration in migrations:
        for index, operation in enumerate(migration.operations):
            if "database_forwards" not in vars(operation):
                _wrap(operation, index, "database_forwards")
                _wrap(operation, index, "database_backwards")
                wrapped.append(operation)
    tracker = _Tracker()
    _TRACKER = tracker
    try:
        yield tracker
    finally:
        _TRACKER = None
        for operation in wrapped:
            del operation.database_forwards
            del operation.database_backwards


def _describe_operation(index: int, operation: Any) -> str:
    try:
        text = str(operation.describe())
    except Exception:  # a custom operation's describe() may fail: the class name is enough
        text = ""
    name = type(operation).__name__
    return f"operation {index + 1}, {name}" + (f": {text}" if text and text != name else "")


def _cause(exc: BaseException) -> BaseException:
    """The database's own error when Django masked it: SQLite's schema editor checks foreign
    keys on the way out of a failed migration, which raises TransactionManagementError and
    hides the IntegrityError that broke the transaction."""
    if isinstance(exc, TransactionManagementError):
        inner = exc.__context__
        while inner is not None:
            if isinstance(inner, DatabaseError):
                return inner
            inner = inner.__context__
    return exc


@dataclass(frozen=True)
class ChangedRows:
    """A model whose rows hold other values after the rollback than at the start: as
    :class:`LostRows`, with the fields (their names) whose values changed."""

    label: str
    table: str
    names: tuple[str, ...]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class LostRows:
    """A model whose rows the rollback lost: its label (``app.Model``), its table, and the
    names that code deleting them would use (the model's, and for a many-to-many table
    that Django made, the name of the model that holds the field)."""

    label: str
    table: str
    names: tuple[str, ...]


def lost_rows_of(state: Any, label: str) -> LostRows:
    """What :func:`_suspects` needs of the model ``label`` of ``state``."""
    name = label.partition(".")[2]
    names = [name]
    try:
        model = state.apps.get_model(label)
    except LookupError:
        return LostRows(label, "", tuple(names))
    owner = model._meta.auto_created
    if isinstance(owner, type):
        names.append(owner.__name__)
    return LostRows(label, str(model._meta.db_table), tuple(names))


#: What code that deletes rows says: the ORM's ``.delete()``, SQL's DELETE and TRUNCATE.
_DELETES = re.compile(r"\.delete\(|\b(?:DELETE|TRUNCATE)\b", re.IGNORECASE)
#: What code that changes values says: the ORM's ``.update()``/``.save()``, SQL's UPDATE.
_UPDATES = re.compile(r"\.(?:update|save|bulk_update)\(|\bUPDATE\b", re.IGNORECASE)
#: Python code that may change any table's schema: the schema editor asked to change a
#: model's table (it names no table), a new editor, a management command.
_SCHEMA_CODE = re.compile(
    r"\bschema_editor\s*(?:\(|\.(?:create_|delete_|add_|remove_|alter_|rename_))"
    r"|\bcall_command\("
)
#: Python code that runs SQL (which changes a table it names).
_RUNS_SQL = re.compile(r"\.execute(?:many)?\(|\bcursor\(")


def _mentions(text: str, words: Sequence[str], *, does: re.Pattern[str] | None) -> int:
    """What ``text`` adds to an operation's rank: 2 when it names one of ``words`` (a table,
    a model), 3 when it also does what ``does`` finds (delete rows where rows were lost,
    change values where values changed), else 0."""
    if not any(re.search(rf"\b{re.escape(word)}\b", text) for word in words):
        return 0
    return 3 if does is not None and does.search(text) else 2


def _source_of(code: Any) -> str:
    """The source of the function ``code`` ("" when it cannot be read)."""
    try:
        return inspect.getsource(code)
    except (OSError, TypeError):
        return ""


def _drops_rows_of(migration: Migration, operation: Any, lost: Sequence[LostRows]) -> bool:
    """Whether ``operation`` drops a table whose rows were lost: a ``DeleteModel`` of the
    model, or a ``RemoveField`` of the many-to-many field whose table Django made (the
    rollback creates the table again, empty)."""
    labels = {rows.label.lower() for rows in lost}
    app = migration.app_label.lower()
    if isinstance(operation, DeleteModel):
        return f"{app}.{operation.name_lower}" in labels
    if isinstance(operation, RemoveField):
        return f"{app}.{operation.model_name_lower}_{operation.name_lower}" in labels
    return False


def _alters_what_differs(
    app_label: str,
    operation: AlterField,
    differences: Sequence[str],
    table_of: Callable[[str, str], str],
) -> bool:
    """Whether a difference names the table of the altered field's model and its column."""
    table = table_of(app_label, operation.model_name)
    field = operation.field
    columns = {field.db_column or operation.name, f"{operation.name}_id"}
    return any(
        re.search(rf"(?: on |column ){re.escape(table)}\b", line) is not None
        and any(re.search(rf"\b{re.escape(column)}\b", line) for column in columns)
        for line in differences
    )


def _indexes_what_differs(
    app_label: str,
    operation: Any,
    differences: Sequence[str],
    table_of: Callable[[str, str], str],
) -> bool:
    """Whether ``operation`` changes the indexes or constraints of a model (``AddIndex``,
    ``RemoveConstraint``, ``AlterUniqueTogether``...) and an index or constraint of its
    table differs: the schema editor's reverse can leave one (on MySQL and MariaDB, the
    removal of a unique group that starts with a foreign key creates an index for the key,
    which putting the group back does not drop: wagtailcore 0087)."""
    if isinstance(operation, IndexOperation):
        model = getattr(operation, "model_name", None)  # (each of its kinds has one)
    elif isinstance(operation, AlterTogetherOptionOperation):
        model = operation.name
    else:
        return False
    if not isinstance(model, str):
        return False
    table = table_of(app_label, model)
    # Not an index or constraint the reverse drops (of an ``AddIndex``: it cannot be one
    # the rollback added), nor one it creates again (of a ``RemoveIndex``: missing).
    if isinstance(operation, (RemoveIndex, RemoveConstraint)):
        left = ": missing "
    elif isinstance(operation, (AddIndex, AddConstraint)):
        left = ": added "
    else:
        left = ""
    return any(_object_table(line) == table and not (left and left in line) for line in differences)


def _changes_schema(operation: RunPython, tables: Iterable[str]) -> bool:
    """Whether the code of ``operation`` (forward or reverse) may change the schema of one
    of ``tables``: it asks the schema editor to change a model's table, or runs SQL and
    names one of them (wagtailcore 0070's ``PRAGMA legacy_alter_table = OFF`` does not)."""
    for code in (operation.code, operation.reverse_code):
        if code in (None, RunPython.noop):
            continue
        source = _source_of(code)
        if _SCHEMA_CODE.search(source) or (
            _RUNS_SQL.search(source) and _mentions(source, sorted(tables), does=None)
        ):
            return True
    return False


def _left_named_for_new_table(app_label: str, operation: Any, differences: Sequence[str]) -> bool:
    """Whether ``operation`` renames a table (``RenameModel``, ``AlterModelTable``) and
    explains every one of ``differences`` (:func:`_explained_by_rename`)."""
    explained = _explained_by_rename(app_label, operation, differences)
    return bool(explained) and len(explained) == len(differences)


def _explained_by_rename(app_label: str, operation: Any, differences: Sequence[str]) -> list[str]:
    """The differences ``operation`` explains when it renames a table (``RenameModel``,
    ``AlterModelTable``) and one is an index or constraint named for the new table, found on
    another one: PostgreSQL renames none with its table, and the rollback of the rename
    leaves them under the new table's names (wagtailcore 0070:
    ``wagtailcore_revision_page_id_fe4c1367`` on ``wagtailcore_pagerevision``): the
    differences of that table's indexes and constraints. None when it does not rename a
    table, or no difference is named so."""
    if isinstance(operation, RenameModel):
        new = _default_table(app_label, operation.new_name)
    elif isinstance(operation, AlterModelTable) and operation.table:
        new = str(operation.table)
    else:
        return []
    tables = set()
    for line in differences:
        found = _ADDED_OBJECT.match(line)
        if found is not None and found[2] != new and found[1].startswith(f"{new}_"):
            tables.add(found[2])
    # (Its indexes and constraints: a rename leaves no column changed.)
    return [line for line in differences if _object_table(line) in tables]


def each_difference_by(
    migrations: Sequence[Migration], differences: Sequence[str]
) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """The differences that renames of tables explain (:func:`_explained_by_rename`), each
    rename (as :func:`_suspects` names it) with its own, in the order of ``migrations``;
    and the differences none explains, when some are left (MariaDB, wagtail: the rollback
    of 0070's rename leaves five differences on ``wagtailcore_pagerevision``, and 0087's
    ``AlterUniqueTogether`` an index on another table; the rename is certain only for its
    own). Nothing when one rename explains all of them, or none explains any."""
    groups: list[tuple[str, list[str]]] = []
    taken: set[str] = set()
    for migration in migrations:
        for index, operation in enumerate(migration.operations):
            explained = [
                line
                for line in _explained_by_rename(migration.app_label, operation, differences)
                if line not in taken
            ]
            if explained:
                taken.update(explained)
                where = f"{migration.app_label}.{migration.name}"
                groups.append((f"{where}, {_describe_operation(index, operation)}", explained))
    rest = [line for line in differences if line not in taken]
    if not rest and len(groups) < 2:
        return [], []  # (one rename explains them all, or none explains any: _suspects)
    return groups, rest


def each_table_by(
    migrations: Sequence[Migration],
    differences: Sequence[str],
    table_of: Callable[[str, str], str],
) -> list[str] | None:
    """The differences of each table (:func:`_by_table`), each group followed by the
    operations ranked for it alone (:func:`_caused_by`), when they are on several tables
    and ranking them apart does not name the same operations for each; else None (one
    ranking for all of them). No table's differences are put on an operation that cannot
    have left them because another table's were (MariaDB: an ``AlterUniqueTogether`` and
    an ``AlterField`` each leave an index on their own table)."""
    ranked = _ranked_by_table(migrations, differences, table_of)
    if len({tuple(suspects) for _, suspects in ranked}) < 2:
        return None  # (one table, or the same operations for each)
    return [_said(*each) for each in ranked]


def _ranked_by_table(
    migrations: Sequence[Migration],
    differences: Sequence[str],
    table_of: Callable[[str, str], str],
) -> list[tuple[list[str], list[str]]]:
    """The differences of each table (:func:`_by_table`), each group with the operations
    ranked for it alone (:func:`_suspects`)."""
    return [(lines, _suspects(migrations, lines, (), table_of)) for lines in _by_table(differences)]


def _said(lines: Sequence[str], suspects: Sequence[str]) -> str:
    """A group of differences followed by what caused them (:func:`_caused_by`)."""
    return "; ".join(lines) + _caused_by(suspects)


def _by_table(differences: Sequence[str]) -> list[list[str]]:
    """``differences`` in groups, one per table of an index or constraint
    (:func:`_object_table`), in the order of the first of each; the others (columns,
    tables) in one group, first."""
    groups: dict[str | None, list[str]] = {None: []}
    for line in differences:
        groups.setdefault(_object_table(line), []).append(line)
    return [lines for lines in groups.values() if lines]


def _object_table(line: str) -> str | None:
    """The table of a difference that is about an index or a constraint ("index x on t:
    ...", "constraint x on t: ..."); None for any other."""
    found = _OBJECT.match(line)
    return found[1] if found is not None else None


#: A difference about an index or a constraint: its table.
_OBJECT = re.compile(r"(?:index|constraint) [\w$]+ on ([\w$]+): ")


#: A difference that is an index or a constraint the start did not have: its name, its table.
_ADDED_OBJECT = re.compile(r"(?:index|constraint) ([\w$]+) on ([\w$]+): added ")


def _default_table(app_label: str, model_name: str) -> str:
    return f"{app_label}_{model_name}".lower()


def _changes_values_of(migration: Migration, operation: Any, changed: Sequence[ChangedRows]) -> str:
    """ "drops" when ``operation`` removes a field whose values changed (the rollback re-added
    its column and filled it), "alters" when it alters one, else ""."""
    if not isinstance(operation, (RemoveField, AlterField)):
        return ""
    model = f"{migration.app_label}.{operation.model_name_lower}"
    for rows in changed:
        if rows.label.lower() == model and operation.name_lower in {
            name.lower() for name in rows.fields
        }:
            return "drops" if isinstance(operation, RemoveField) else "alters"
    return ""


def _python_names(
    operation: RunPython,
    noop: bool,
    names: list[str],
    does: re.Pattern[str] | None,
) -> int:
    """What a ``RunPython``'s code adds to its rank for one problem (:func:`_mentions` of
    its forward function; with a real reverse, of the reverse function too, one more: it
    ran in the rollback, and code of it that deletes the rows lost, or changes the values,
    is the likelier cause: django-helpdesk's 0003 deletes its fixture's rows, whatever
    their values by then)."""
    if not names:
        return 0
    named = _mentions(_source_of(operation.code), names, does=does)
    if not noop:
        undone = _mentions(_source_of(operation.reverse_code), names, does=does)
        named = max(named, undone + 1 if undone else 0)
    return named


def each_lost_by(
    migrations: Sequence[Migration],
    lost: Sequence[LostRows],
    table_of: Callable[[str, str], str],
    suspects: Sequence[str],
) -> list[str] | None:
    """For each of ``lost``, the one operation that lost its rows, where each has its own
    (:func:`_suspects` of that table alone names one, a different one for each, and
    together they are ``suspects``, those of all the tables): "app.migration, operation N
    (Name)"; else None."""
    each = []
    for rows in lost:
        found = _suspects(migrations, [], [rows], table_of)
        if len(found) != 1:
            return None
        each.append(found[0])
    if len(set(each)) != len(each) or sorted(each) != sorted(suspects):
        return None
    return [_short_suspect(suspect) for suspect in each]


def _caused_by(suspects: Sequence[str]) -> str:
    """`` (by X)`` for one suspect, `` (one of: X; Y)`` for several, "" for none."""
    if not suspects:
        return ""
    if len(suspects) == 1:
        return f" (by {_short_suspect(suspects[0])})"
    return f" (one of: {'; '.join(map(_short_suspect, suspects))})"


def _short_suspect(suspect: str) -> str:
    """ "app.migration, operation N, Name: description" as "app.migration, operation N
    (Name)"."""
    where, _, told = suspect.partition(": ")
    head, _, name = where.rpartition(", ")
    return f"{head} ({name})" if head and told else suspect


def _suspects(
    migrations: Sequence[Migration],
    differences: Sequence[str],
    lost: Sequence[LostRows] = (),
    table_of: Callable[[str, str], str] = _default_table,
    changed: Sequence[ChangedRows] = (),
) -> list[str]:
    """Operations of ``migrations`` that may leave the schema changed after their reverse,
    lose rows (``lost``) or change their values (``changed``), the likeliest only: one that
    drops a table whose rows were lost, or a column whose values changed, or renames a table
    whose new name an index or constraint left on the old one has (certain); else
    ranked by whether their reverse is a no-op, whether raw SQL names a table that differs,
    lost rows or changed values, or Python's code names a model that did, and whether that
    code deletes rows (rows lost) or changes values (values changed) (raw code with a real
    reverse only when it names them); then an ``AlterField`` of a field whose values
    changed; last, an ``AlterField`` of a column that differs (``table_of``: the table of a
    model, by app label and model name). Returned as "app.migration, operation N, Name:
    description"."""
    named_tables = set()
    for line in differences:
        named_tables |= set(re.findall(r"(?:column |table |view | on )([\w$]+)", line))
    # What each problem makes likely: code that names the model (or table) of rows lost and
    # deletes rows, or of values changed, names a field that changed and changes rows
    # (wagtailembeds 0007 updates `hash`, not the `thumbnail_url` that changed).
    concerns: list[tuple[list[str], set[str], re.Pattern[str] | None]] = []
    fields = sorted({name for rows in changed for name in rows.fields})
    changes = re.compile(
        rf"(?s)\A(?=.*\b(?:{'|'.join(map(re.escape, fields))})\b)(?=.*(?:{_UPDATES.pattern}))",
        re.IGNORECASE,
    )
    for rows_of, does in ((lost, _DELETES), (changed, changes)):
        if rows_of:
            names = [name for rows in rows_of for name in rows.names]
            tables = {rows.table for rows in rows_of if rows.table} | named_tables
            concerns.append((names, tables, does))
    if not concerns:
        concerns.append(([], named_tables, None))
    ranked: list[tuple[int, int, str]] = []
    order = 0
    for migration in migrations:
        for index, operation in enumerate(migration.operations):
            order += 1
            score = 0
            values = _changes_values_of(migration, operation, changed)
            if (
                _drops_rows_of(migration, operation, lost)
                or values == "drops"
                or _left_named_for_new_table(migration.app_label, operation, differences)
            ):
                score = 7  # (above any other: 2 for a no-op reverse, 3 for deleting code)
            elif isinstance(operation, RunPython):
                noop = operation.reverse_code in (None, RunPython.noop)
                named = max(
                    _python_names(operation, noop, names, does) for names, _, does in concerns
                )
                # (Code with a real reverse only when it names what differs; for the schema
                # alone, only code that may change it: wagtail's data migrations were named
                # for indexes the schema editor left on MariaDB.)
                score = 2 + noop + named if noop or named else 0
                if (
                    score
                    and not lost
                    and not changed
                    and not _changes_schema(operation, named_tables)
                ):
                    score = 0
            elif isinstance(operation, RunSQL):
                noop = operation.reverse_sql in (None, "", [], RunSQL.noop)
                named = max(
                    _mentions(str(operation.sql), sorted(tables), does=does)
                    for _, tables, does in concerns
                )
                score = 2 + noop + named if noop or named else 0
            elif isinstance(operation, SeparateDatabaseAndState):
                score = 2
            elif values == "alters":
                # Django's own reverse of the field that changed (wagtailembeds 0008 makes
                # `thumbnail_url` NOT NULL with a default, filling the NULLs; its reverse
                # leaves them ''): after raw code that changes that field, with code that
                # only names the model, before code that does not.
                score = 5
            elif (
                isinstance(operation, AlterField)
                and _alters_what_differs(migration.app_label, operation, differences, table_of)
            ) or _indexes_what_differs(migration.app_label, operation, differences, table_of):
                # The schema editor's own reverse: last, when no raw code can be the cause
                # (MariaDB drops a column's CHECK constraint whenever Django alters it).
                score = 1
            if score:
                where = f"{migration.app_label}.{migration.name}"
                ranked.append((-score, order, f"{where}, {_describe_operation(index, operation)}"))
    if not ranked:
        return []
    best = min(score for score, _, _ in ranked)
    return [text for score, _, text in sorted(ranked) if score == best]


# -- watching the rollback, migration by migration --------------------------------------------


class RowWatch:
    """Which migration's unapply lost the rows present at the start of a deploy: before the
    rollback, and after each migration it unapplies (:meth:`unapplied`, from the executor's
    ``unapply_success``), the keys of those rows that each table still holds (one query per
    table, and one for the list of tables; only the tables that held rows at the start, and
    only while they exist under their name at the start: a table renamed or dropped in the
    meantime is not looked at, and is compared again only from the step after it is back).
    A row whose key the table held after the previous step and not after this one was lost
    while unapplying this migration (one that comes back later is not lost)."""

    def __init__(self, using: str, state: Any, rows: dict[str, set[Any]]) -> None:
        self.using = using
        self.models: dict[str, tuple[Any, list[Any]]] = {}
        for label, pks in sorted(rows.items()):
            try:
                model = state.apps.get_model(label)
            except LookupError:
                continue
            if has_own_table(model):  # (as the rows expected: :meth:`Rehearsal._expected`)
                self.models[label] = (model, sorted(pks, key=str))
        self.seen: dict[str, set[Any] | None] = {}
        self.lost_at: dict[str, dict[Any, str]] = {}  # model label -> key -> migration
        self.order: list[str] = []  # the migrations unapplied, in that order
        self.stopped = False

    def look(self, migration: str | None) -> None:
        """Look at the tables before the first migration is unapplied (``None``), or after
        ``migration`` (``app.name``) was. A query that fails stops the watch, which then
        names no migration (it never fails a rehearsal)."""
        if self.stopped:
            return
        try:
            if migration is None:
                self.seen = self._look()
            else:
                self._unapplied(migration)
        except Exception:
            self.stopped = True
            self.lost_at.clear()
            self.order.clear()

    def _unapplied(self, migration: str) -> None:
        self.order.append(migration)
        now = self._look()
        for label, held in now.items():
            before = self.seen.get(label)
            lost = self.lost_at.setdefault(label, {})
            if held is None:
                continue
            for pk in held:
                lost.pop(pk, None)  # (back: not lost)
            if before is not None:
                for pk in before - held:
                    lost[pk] = migration
        self.seen = now

    def lost(self, label: str, missing: set[Any]) -> list[tuple[str, int]]:
        """Of the rows ``missing`` (keys) of ``label`` after the rollback, how many were lost
        while unapplying each migration, in the order they were unapplied (those lost
        elsewhere, by the deploy itself or while their table was not looked at, are not
        counted)."""
        lost = self.lost_at.get(label, {})
        counts: dict[str, int] = {}
        for pk in missing:
            if pk in lost:
                counts[lost[pk]] = counts.get(lost[pk], 0) + 1
        return [(name, counts[name]) for name in self.order if name in counts]

    def _look(self) -> dict[str, set[Any] | None]:
        connection = connections[self.using]
        there = _tables_there(connection)
        held: dict[str, set[Any] | None] = {}
        for label, (model, pks) in self.models.items():
            held[label] = None
            if not there(model):
                continue
            # (Its key column renamed in the meantime: not looked at. Between migrations the
            # connection is in autocommit, where a failed query leaves nothing behind; in a
            # transaction, a savepoint keeps it usable.)
            guard = transaction.atomic(using=self.using) if connection.in_atomic_block else None
            with suppress(DatabaseError), guard or nullcontext():
                held[label] = set(_rows(self.using, model, pks).values_list("pk", flat=True))
        return held


def _tables_there(connection: Any) -> Callable[[Any], bool]:
    """Whether the table of a model is in the database of ``connection`` now (read once)."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    convert = connection.introspection.identifier_converter
    return lambda model: convert(model._meta.db_table) in tables


def _rows(using: str, model: Any, pks: Iterable[Any]) -> Any:
    """The rows of ``model`` whose keys are ``pks``, unordered (a historical
    ``Meta.ordering`` may name a field removed since)."""
    return model._base_manager.db_manager(using).filter(pk__in=list(pks)).order_by()


def lost_while(steps: Sequence[tuple[str, int]], missing: int) -> str:
    """What the line of rows lost (``missing`` of them) adds for the migrations that lost
    them (:meth:`RowWatch.lost`): " while unapplying app.0004_x" when one lost them all,
    else ", 3 while unapplying app.0004_x, 1 while unapplying app.0003_y"."""
    if not steps:
        return ""
    if len(steps) == 1 and steps[0][1] == missing:
        return f" while unapplying {steps[0][0]}"
    return "".join(f", {count} while unapplying {name}" for name, count in steps)


def _does_on_the_way_back(operation: Any) -> bool:
    """Whether unapplying ``operation`` can delete rows: a ``RunPython`` or ``RunSQL`` with
    a reverse that does something, a ``SeparateDatabaseAndState``, or an operation that is
    not Django's (Django's schema operations only drop tables and columns the deploy
    created, which held no row at the start)."""
    if isinstance(operation, RunPython):
        return operation.reverse_code not in (None, RunPython.noop)
    if isinstance(operation, RunSQL):
        return operation.reverse_sql not in (None, "", [], RunSQL.noop)
    if isinstance(operation, SeparateDatabaseAndState):
        return bool(operation.database_operations)
    return not type(operation).__module__.startswith("django.")


def unapplied_suspects(migration: Migration, lost: Sequence[LostRows]) -> list[str]:
    """The operations of ``migration``, during whose unapply the rows ``lost`` vanished
    (certain), that deleted them: of those whose unapply can (:func:`_does_on_the_way_back`),
    the reverse code (function or SQL) that names their model or table, one that deletes
    rows first; else the only one that can; else none (the migration alone is named).
    Returned as "app.migration, operation N, Name: description"."""
    names = [name for rows in lost for name in rows.names]
    tables = sorted({rows.table for rows in lost if rows.table})
    where = f"{migration.app_label}.{migration.name}"
    ranked: list[tuple[int, int]] = []
    able: list[int] = []
    for index, operation in enumerate(migration.operations):
        if not _does_on_the_way_back(operation):
            continue
        able.append(index)
        score = 0
        if isinstance(operation, RunPython):
            score = _mentions(_source_of(operation.reverse_code), names, does=_DELETES)
        elif isinstance(operation, RunSQL):
            score = _mentions(str(operation.reverse_sql), tables, does=_DELETES)
        if score:
            ranked.append((score, index))
    if ranked:
        best = max(score for score, _ in ranked)
        chosen = [index for score, index in ranked if score == best]
    else:
        chosen = able if len(able) == 1 else []
    return [f"{where}, {_describe_operation(i, migration.operations[i])}" for i in chosen]


def _certain_suspects(
    graph: Any, certain: dict[str, list[LostRows]], order: Sequence[str]
) -> list[str]:
    """:func:`unapplied_suspects` of each migration of ``certain`` (``app.name``: the rows
    it lost), in the order they were unapplied; a migration none of whose operations can be
    told is named alone."""
    out: list[str] = []
    for label in order:
        if label in certain:
            app, _, name = label.partition(".")
            out += unapplied_suspects(graph.nodes[(app, name)], certain[label]) or [label]
    return out


def with_certain(sure: Sequence[str], suspects: Sequence[str], *, alone: bool) -> list[str]:
    """The suspects to name: ``sure`` (the operations, or migrations, during whose unapply
    rows were lost: watched) first, then those of ``suspects`` (ranked by the code) that
    ``sure`` does not name (or whose migration it names alone); ``sure`` alone when
    ``alone`` (they lost every row that is missing, and nothing else differs)."""
    if alone:
        return list(sure)
    return [
        *sure,
        *(s for s in suspects if s not in sure and s.partition(", ")[0] not in sure),
    ]


# -- the rehearsal ------------------------------------------------------------------------------


Clock = Callable[[], float]


class Rehearsal:
    def __init__(
        self,
        scratch: ScratchDatabase,
        plan: Sequence[Node],
        *,
        seed: int = 0,
        clock: Clock = time.perf_counter,
        on_step: Callable[[Step], None] | None = None,
        announce: Callable[[Report], None] | None = None,
        no_rows: Sequence[str] = (),
    ) -> None:
        self.scratch = scratch
        self.announce = announce
        self.using = scratch.using
        self.plan = list(plan)
        self.seed = seed
        self.clock = clock
        self.on_step = on_step
        self.inserted: dict[str, set[Any]] = {}  # model label -> primary keys
        self.graph = _graph()
        self.rows = RowFactory(seed, left_empty=renamed_too(no_rows, self.graph, self.plan))
        self.deploys = split_deploys(self.graph, self.plan)
        self.report = Report(scratch.vendor, scratch.name, seed)
        self.report.phases = [[f"{a}.{n}" for a, n in phase] for phase in self.deploys]
        self._state: Any = None

    # -- phases ---------------------------------------------------------------------------
    def run(self) -> Report:
        """The start, then every deploy until one fails."""
        if self.announce is not None:
            self.announce(self.report)
        if self.start():
            for number in range(1, len(self.deploys) + 1):
                if not self.deploy(number):
                    break
        return self.report

    def start(self) -> bool:
        """Migrate the scratch database to the starting point (everything but the plan)."""
        under_test = set(self.plan)
        start = [n for n in _full_order(self.graph) if n not in under_test]
        self.scratch.ensure()
        # The recorder's table exists from the start, as it does after any real migrate.
        MigrationRecorder(connections[self.using]).ensure_schema()
        self._state = self._migrate(0, "start", start, backwards=False, signal=True)
        return self._state is not None

    def deploy(self, number: int) -> bool:
        """Deploy ``number`` (1-based) from the current state: rows, forward, rows, back,
        compare with the start, forward again."""
        nodes = self.deploys[number - 1]
        state = self._state
        snapshot = take_snapshot(self.using)
        if not self._fill(number, "rows at the start", state):
            return False
        expected = self._expected(state)
        values = self._values(state, expected)
        after = self._migrate(number, "forward", nodes, backwards=False)
        if after is None or not self._fill(number, "rows after the deploy", after):
            return False
        # (Only the tables that held rows at the start are watched: nothing to watch without.)
        watch = RowWatch(self.using, state, expected) if expected else None
        back = self._migrate(number, "back", nodes, backwards=True, watch=watch)
        if back is None:
            return False
        kept = _compared_fields(state, after)
        if not self._compare(number, snapshot, expected, back, nodes, (values, kept), watch):
            return False
        self._state = self._migrate(number, "forward again", nodes, backwards=False)
        return self._state is not None

    # -- steps ----------------------------------------------------------------------------
    def _record(self, step: Step, started: float) -> None:
        step.seconds = self.clock() - started
        self.report.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)

    def _migrate(
        self,
        phase: int,
        name: str,
        nodes: Sequence[Node],
        *,
        backwards: bool,
        signal: bool = False,
        watch: RowWatch | None = None,
    ) -> Any:
        started = self.clock()
        self.scratch.ensure()
        count = len(nodes)
        what = "migrate to the starting point" if phase == 0 else "migrate"
        step = Step(phase, name, f"{what}: {count} migration{'s' * (count != 1)}")
        executor = MigrationExecutor(connections[self.using])
        migrations = [executor.loader.graph.nodes[node] for node in nodes]
        plan = [(m, backwards) for m in (reversed(migrations) if backwards else migrations)]
        with _instrumented(migrations) as tracker:

            def progress(action: str, migration: Any = None, fake: bool = False) -> None:
                if action in {"apply_start", "unapply_start"}:
                    tracker.migration = migration
                    tracker.operation = None
                elif action == "unapply_success" and watch is not None:
                    watch.look(f"{migration.app_label}.{migration.name}")

            executor.progress_callback = progress  # type: ignore[assignment]
            try:
                if watch is not None:
                    watch.look(None)
                state = executor.migrate([], plan=plan)
                if signal:
                    emit_post_migrate_signal(0, False, self.using, apps=state.apps, plan=plan)
            except Exception as exc:
                migration = tracker.migration
                label = f"{migration.app_label}.{migration.name}" if migration else None
                operation: str | None = None
                if isinstance(exc, IrreversibleError) and migration is not None:
                    operation = next(
                        (
                            _describe_operation(index, op)
                            for index, op in enumerate(migration.operations)
                            if not op.reversible
                        ),
                        None,
                    )
                elif migration is not None and tracker.operation is not None:
                    operation = _describe_operation(*tracker.operation)
                elif migration is not None:
                    operation = "after its last operation (deferred SQL)"
                hint = ""
                if name == "forward" and migration is not None and tracker.operation:
                    hint = no_rows_hint(migration, tracker.operation[1], self.inserted)
                step.failure = Failure(one_line(_cause(exc)), label, operation, hint)
                self._record(step, started)
                return None
        self._record(step, started)
        return state

    def _fill(self, phase: int, name: str, state: Any) -> bool:
        started = self.clock()
        self.scratch.ensure()
        step = Step(phase, name)
        try:
            batch = self.rows.fill(state.apps, self.using)
        except Exception as exc:
            step.failure = Failure(f"inserting rows failed: {one_line(exc)}")
            self._record(step, started)
            return False
        self._remember(batch)
        step.detail = _rows_text(batch)
        self._record(step, started)
        return True

    def _remember(self, batch: Batch) -> None:
        for label, pks in batch.rows.items():
            self.inserted.setdefault(label, set()).update(pks)
        # Once per model: the same refusal of another batch differs only by its values
        # ("Key (id)=(1)", then "(2)").
        known = {u.model for u in self.report.unfilled}
        for unfilled in batch.unfilled:
            if unfilled.model not in known:
                self.report.unfilled.append(unfilled)
                known.add(unfilled.model)

    def _expected(self, state: Any) -> dict[str, set[Any]]:
        """The rows this rehearsal inserted that exist at the start of a deploy (by model of
        ``state``): those the rollback must give back. Only rows of the tables that exist
        then, of models with a table of their own (:func:`~.rows.has_own_table`): a model
        absent from ``state``, a proxy or ``managed = False`` there has no rows to check,
        whatever a batch inserted under its label in another state (wagtailadmin's
        ``Admin``: ``managed = False`` without a table until its 0003 makes it a real one)."""
        there = _tables_there(connections[self.using])
        expected: dict[str, set[Any]] = {}
        for label, pks in sorted(self.inserted.items()):
            try:
                model = state.apps.get_model(label)
            except LookupError:
                continue
            if not has_own_table(model) or not there(model):
                continue
            found = self._keys(model, pks)
            if found:
                expected[label] = found
        return expected

    def _keys(self, model: Any, pks: set[Any]) -> set[Any]:
        """The keys among ``pks`` that the table of ``model`` holds."""
        return set(_rows(self.using, model, pks).values_list("pk", flat=True))

    def _present(
        self, state: Any, expected: dict[str, set[Any]], unread: dict[str, str]
    ) -> dict[str, set[Any]]:
        """Which of the rows ``expected`` exist now (by model of ``state``). A table that
        cannot be read is said in ``unread`` (by model label), and the others are read."""
        present: dict[str, set[Any]] = {}
        for label, pks in sorted(expected.items()):
            try:
                model = state.apps.get_model(label)
            except LookupError:
                continue
            with _reading(self.using, model, label, unread):
                found = self._keys(model, pks)
                if found:
                    present[label] = found
        return present

    def _values(
        self, state: Any, present: dict[str, set[Any]], unread: dict[str, str] | None = None
    ) -> _Values:
        """The values of the rows ``present`` (by model of ``state``), field by field. With
        ``unread``, a table that cannot be read is said there (by model label), and the
        others are read; without, the error is raised."""
        values: _Values = {}
        for label, pks in present.items():
            model = state.apps.get_model(label)
            names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
            with nullcontext() if unread is None else _reading(self.using, model, label, unread):
                rows = _rows(self.using, model, pks).values_list("pk", *names)
                values[label] = {
                    pk: dict(zip(names, map(_comparable, row), strict=True)) for pk, *row in rows
                }
        return values

    def _changed(
        self,
        state: Any,
        before: _Values,
        kept: dict[str, frozenset[str]],
        unread: dict[str, str],
    ) -> tuple[list[str], list[ChangedRows]]:
        """What holds other values now (``state``: the start's, after the rollback) than
        ``before``, in the fields ``kept`` names for each model: one line per model, and
        the models. The tables of ``unread`` are not read, and one that cannot be read is
        added there."""
        now = self._values(
            state,
            {label: set(rows) for label, rows in before.items() if label not in unread},
            unread,
        )
        lines: list[str] = []
        models: list[ChangedRows] = []
        for label, rows in before.items():
            fields = kept.get(label, frozenset())
            examples: list[str] = []
            names: set[str] = set()
            count = 0
            for pk, old in sorted(rows.items(), key=lambda item: str(item[0])):
                new = now.get(label, {}).get(pk)
                if new is None:
                    continue  # (lost: said so)
                differ = [n for n in old if n in fields and n in new and old[n] != new[n]]
                if differ:
                    count += 1
                    names.update(differ)
                    if len(examples) < 2:
                        name = differ[0]
                        examples.append(
                            f"pk {pk!r}: {name} {_shown(old[name])} -> {_shown(new[name])}"
                        )
            if count:
                shown = ", ".join(f"`{n}`" for n in sorted(names))
                lines.append(
                    f"{label}: {count} row(s) changed in {shown} ({'; '.join(examples)}"
                    f"{'; ...' if count > len(examples) else ''})"
                )
                lost = lost_rows_of(state, label)
                fields_changed = tuple(sorted(_field_names(state, label, names)))
                models.append(ChangedRows(label, lost.table, lost.names, fields_changed))
        return lines, models

    def _compare(
        self,
        phase: int,
        snapshot: Snapshot,
        expected: dict[str, set[Any]],
        state: Any,
        nodes: Sequence[Node],
        values: tuple[_Values, dict[str, frozenset[str]]] = ({}, {}),
        watch: RowWatch | None = None,
    ) -> bool:
        started = self.clock()
        self.scratch.ensure()
        step = Step(phase, "compare with the start")
        differences = compare_snapshots(snapshot, take_snapshot(self.using))
        # (A table that cannot be read is said alone: its rows are neither lost nor kept.)
        unread: dict[str, str] = {}
        present = self._present(state, expected, unread)
        lost = []
        lost_models = []
        # The migrations whose unapply lost rows (certain: watched), and whether they lost
        # all the rows that are missing.
        certain: dict[str, list[LostRows]] = {}
        all_watched = True
        for label, pks in expected.items():
            if label in unread:
                continue
            missing = pks - present.get(label, set())
            if missing:
                shown = ", ".join(repr(pk) for pk in sorted(missing, key=str)[:5])
                more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
                steps = watch.lost(label, missing) if watch is not None else []
                where = lost_while(steps, len(missing))
                lost.append(f"{label}: {len(missing)} row(s) lost (pk {shown}{more}){where}")
                lost_models.append(lost_rows_of(state, label))
                for unapplied, _ in steps:
                    certain.setdefault(unapplied, []).append(lost_models[-1])
                all_watched = all_watched and sum(n for _, n in steps) == len(missing)
        changed: list[str] = []
        changed_models: list[ChangedRows] = []
        if not differences:
            changed, changed_models = self._changed(state, *values, unread)
        total = sum(len(pks) for pks in expected.values())
        if differences or lost or changed or unread:
            schema = [f"schema differs from the start: {'; '.join(differences)}"]
            cannot = [unread[label] for label in sorted(unread)]
            message = "; ".join((schema if differences else []) + cannot + lost + changed)
            migration = operation = None
            if differences or lost_models or changed_models:
                graph = self.graph.graph

                def table_of(app_label: str, model_name: str) -> str:
                    try:
                        return str(state.apps.get_model(app_label, model_name)._meta.db_table)
                    except LookupError:
                        return _default_table(app_label, model_name)

                planned = [graph.nodes[n] for n in nodes]
                groups, rest = each_difference_by(planned, differences) if not lost else ([], [])
                suspects: list[str] = []
                # Said per group when the groups have causes of their own ("one of" would
                # say one of them did it all): each rename certain for its own table's
                # differences, the others ranked apart, table by table; without a rename,
                # the tables' differences ranked apart when that names others for each.
                parts: list[str] | None = None
                if groups:
                    parts = [
                        f"{'; '.join(lines)} (by {_short_suspect(by)})" for by, lines in groups
                    ]
                    parts += [
                        _said(*ranked) for ranked in _ranked_by_table(planned, rest, table_of)
                    ]
                elif not lost:
                    parts = each_table_by(planned, differences, table_of)
                if parts is not None:
                    message = "; ".join(
                        [f"schema differs from the start: {'; '.join(parts)}", *cannot]
                    )
                else:
                    suspects = _suspects(
                        planned, differences, lost_models, table_of, changed_models
                    )
                if certain and watch is not None:
                    suspects = with_certain(
                        _certain_suspects(graph, certain, watch.order),
                        suspects,
                        alone=all_watched and not differences and not changed_models,
                    )
                elif not differences and not changed_models and len(lost_models) > 1:
                    each = each_lost_by(planned, lost_models, table_of, suspects)
                    if each is not None:
                        # Each table's rows lost by an operation of its own: said per table
                        # ("one of" would say one of them did it all).
                        lost = [f"{line} by {by}" for line, by in zip(lost, each, strict=True)]
                        message = "; ".join(cannot + lost)
                        suspects = []
                if len(suspects) == 1:
                    migration, _, told = suspects[0].partition(", ")
                    operation = told or None  # (a migration named alone)
                elif suspects:
                    operation = "one of: " + "; ".join(suspects)
                elif len(nodes) == 1:
                    migration = f"{nodes[0][0]}.{nodes[0][1]}"
            elif len(nodes) == 1:  # (only tables that cannot be read: no suspect to rank)
                migration = f"{nodes[0][0]}.{nodes[0][1]}"
            step.failure = Failure(message, migration, operation)
        rows = f"{total} row{'s' * (total != 1)}"
        step.detail = f"schema and {rows} unchanged" if step.failure is None else f"{rows} expected"
        self._record(step, started)
        return step.failure is None


#: The rows' values at the start of a deploy: by model label, by primary key, by field
#: (its ``attname``).
_Values = dict[str, dict[Any, dict[str, Any]]]


@contextmanager
def _reading(using: str, model: Any, label: str, unread: dict[str, str]) -> Iterator[None]:
    """Read the rows of ``model`` (``label``); an error says so in ``unread`` ("cannot read
    the rows of app.Model (its_table) back: ...") instead of being raised. (Inside a
    transaction, a savepoint keeps the connection usable after a failed query.)"""
    connection = connections[using]
    guard = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
    try:
        with guard:
            yield
    except Exception as exc:
        table = model._meta.db_table
        unread[label] = f"cannot read the rows of {label} ({table}) back: {one_line(exc)}"


def _shown(value: Any, limit: int = 30) -> str:
    """``value``'s repr, cut to about ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _comparable(value: Any) -> Any:
    """``value`` as read back, in a form that compares by content (a binary field gives a
    ``memoryview`` on PostgreSQL)."""
    return bytes(value) if isinstance(value, memoryview) else value


def _compared_fields(start: Any, after: Any) -> dict[str, frozenset[str]]:
    """The fields (``attname``) of each model of ``start`` whose values the rollback must
    give back: those whose column the deploy (``after``: its state) kept, and those whose
    column it drops while NOT NULL without a default (a rollback that re-adds such a column
    over rows must refuse; MySQL/MariaDB fill ``''`` or ``0`` instead). A column the deploy
    drops while nullable, or with a default, comes back as the reverse makes it, and
    ``auto_now`` ones are set by any save: neither is compared."""
    compared: dict[str, frozenset[str]] = {}
    for model in start.apps.get_models(include_auto_created=True):
        label = model._meta.label
        try:
            columns = {f.column for f in after.apps.get_model(label)._meta.concrete_fields}
        except LookupError:
            continue  # (the deploy deletes the model: its rows are lost, or not)
        compared[label] = frozenset(
            f.attname
            for f in model._meta.concrete_fields
            if not f.primary_key
            and not getattr(f, "auto_now", False)
            and (f.column in columns or _filled_by_mysql(f))
        )
    return compared


def _filled_by_mysql(field: Any) -> bool:
    """Whether the column of ``field``, re-added over rows, gets a value MySQL/MariaDB make
    up (NOT NULL, no default of the field or of the database)."""
    db_default = getattr(field, "db_default", NOT_PROVIDED)
    return not field.null and not field.has_default() and db_default is NOT_PROVIDED


def _field_names(state: Any, label: str, attnames: set[str]) -> set[str]:
    """The names of the fields of ``label`` whose ``attname`` is among ``attnames``
    (``supplier`` for ``supplier_id``)."""
    model = state.apps.get_model(label)
    return {f.name for f in model._meta.concrete_fields if f.attname in attnames}


def _rows_text(batch: Batch) -> str:
    tables = len(batch.rows)
    text = f"{batch.count} row{'s' * (batch.count != 1)} in {tables} table{'s' * (tables != 1)}"
    if batch.unfilled:
        text += f", {len(batch.unfilled)} not filled"
    return text


def no_rows_hint(migration: Migration, operation: Any, inserted: Mapping[str, Any]) -> str:
    """For an operation that failed the first time it met the generated rows (the deploy's
    forward step): the models given rows that it names (a ``RunPython`` whose forward
    function names the model, and its app unless it is the migration's; an operation on
    it), with the ``--no-rows`` that leaves them out; "" when it names none. Only a
    suggestion: the rows may be ones real data holds too."""
    filled = {label.lower(): label for label, pks in inserted.items() if pks}
    if isinstance(operation, RunPython):
        source = _source_of(operation.code)
        # A model of another app only where the code names that app too.
        named = [
            label
            for label in filled.values()
            if _mentions(source, [label.partition(".")[2]], does=None)
            and (
                label.partition(".")[0] == migration.app_label
                or _mentions(source, [label.partition(".")[0]], does=None)
            )
        ]
    else:
        model = getattr(operation, "model_name_lower", None) or getattr(
            operation, "name_lower", None
        )
        label = filled.get(f"{migration.app_label}.{model}".lower())
        named = [label] if model is not None and label is not None else []
    if not named:
        return ""
    flags = " ".join(f"--no-rows {label}" for label in sorted(named))
    return (
        "if the generated rows are not rows this migration can meet (a tree's paths, a "
        f"document's structure, names it looks up), leave those tables empty: {flags}"
    )


def renamed_too(labels: Sequence[str], loader: MigrationLoader, plan: Sequence[Node]) -> set[str]:
    """``labels`` (``--no-rows``), lower case, with the names the plan's ``RenameModel``
    operations give their models (wagtailcore 0070 renames ``PageRevision`` to
    ``Revision``: its table is left empty after the deploy too)."""
    found = {label.lower() for label in labels}
    for node in plan:
        migration = loader.graph.nodes[node]
        for operation in migration.operations:
            if isinstance(operation, RenameModel):
                app = migration.app_label.lower()
                if f"{app}.{operation.old_name_lower}" in found:
                    found.add(f"{app}.{operation.new_name_lower}")
    return found


def check_no_rows(labels: Sequence[str], option: str = "--no-rows") -> None:
    """Refuse a label of ``option`` whose app is not installed (a model's name is not
    checked: the model may exist only in the migrations' history)."""
    for label in labels:
        app_label, _, model = label.partition(".")
        if not app_label or "." in model:
            raise RehearsalError(f"{option} {label}: give APP_LABEL or APP_LABEL.ModelName")
        try:
            django_apps.get_app_config(app_label)
        except LookupError:
            raise RehearsalError(f"{option} {label}: no installed app {app_label!r}") from None


def rehearse(
    using: str = DEFAULT_DB_ALIAS,
    *,
    since: str | None = None,
    targets: Sequence[str] = (),
    seed: int = 0,
    keep_db: bool = False,
    on_step: Callable[[Step], None] | None = None,
    announce: Callable[[Report], None] | None = None,
    cwd: Path | None = None,
    suffix: str = SCRATCH_SUFFIX,
    no_rows: Sequence[str] = (),
) -> Report:
    """Run the whole rehearsal for one database alias; the scratch database is created first
    and dropped at the end (unless ``keep_db``); ``no_rows``: the models
    (``app_label.ModelName``) and apps whose tables get no rows. Raises
    :class:`RehearsalError` for a bad request."""
    if using not in connections:
        raise RehearsalError(f"unknown database alias {using!r}")
    check_no_rows(no_rows)
    if since is not None and targets:
        raise RehearsalError("give --since REF or APP:MIGRATION arguments, not both")
    if since is not None:
        plan = plan_since(since, cwd)
    elif targets:
        plan = plan_after(targets)
    else:
        plan = plan_unapplied(using)
    scratch = ScratchDatabase(using, keep=keep_db, suffix=suffix)
    if not plan:
        report = Report(scratch.vendor, "", seed)
        if announce is not None:
            announce(report)
        return report
    scratch.create()
    try:
        rehearsal = Rehearsal(
            scratch, plan, seed=seed, on_step=on_step, announce=announce, no_rows=no_rows
        )
        report = rehearsal.run()
        report.kept = keep_db
        return report
    finally:
        scratch.destroy()
