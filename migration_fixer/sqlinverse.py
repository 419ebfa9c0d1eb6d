"""The inverse of raw SQL (MF002), from a real parser: sqlglot, imported only when a
``RunSQL`` needs a reverse, so a run with nothing to fix never pays for its import.

:func:`invert` takes the forward statements and the project's dialects (PostgreSQL,
MySQL/MariaDB, SQLite: those the project runs on, or all three when unknown) and returns
the reverse statements where they are certain and the same on every one of those dialects,
or why not. Names in the reverse are spelled as the parser read them from the forward SQL.
Nothing here guesses: a statement the parser does not understand has no inverse.

A ``DROP`` is undone with the statement that created the object, verbatim, when the
``RunSQL`` calls that ran before it (:class:`Earlier`, in the order they run) create it
exactly once and leave it as created: :func:`invert` replays them (only when a ``DROP`` is
found) and follows each object by kind and name, names compared as the dialect compares
identifiers (unquoted ones folded as the database folds them).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

_T = TypeVar("_T")

DIALECTS = ("postgresql", "mysql", "sqlite")
_SQLGLOT = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}
_SHOWN = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite"}

#: Why a statement has no certain inverse (the hint's words).
MAY_HAVE_EXISTED = "the object may have existed before"
DATA_CHANGE = "a data change has no certain inverse"


@dataclass(frozen=True)
class Inversion:
    """The reverse of a whole ``RunSQL``: ``statements`` (in the order to run them), or
    None with ``reason`` (naming the statement); ``data_only``: every statement only
    changes data, so running nothing on the way back leaves the schema as it was."""

    statements: tuple[str, ...] | None
    data_only: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class Earlier:
    """A ``RunSQL`` that runs before the one being inverted: ``where`` it is (``file:line``
    in hints), its ``statements`` (each string with whether it runs with ``params``), or
    None when they cannot be read, and then what it is (``unreadable``). Another operation
    (a Django one) has no statements and ``mentions`` the strings it names: it may change
    an object of one of those names (``RemoveIndex(name=...)``...)."""

    where: str
    statements: tuple[tuple[str, bool], ...] | None
    unreadable: str = ""
    mentions: tuple[str, ...] | None = None


class _Uncertain(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_DATA = object()  # a statement that only changes data


def invert(
    texts: Sequence[str],
    dialects: Sequence[str] = (),
    earlier: Callable[[], Sequence[Earlier]] | None = None,
) -> Inversion:
    """The reverse of the statements in ``texts`` on every one of ``dialects`` (all of
    them when empty). ``earlier`` gives the ``RunSQL`` calls that run before these (called
    only when a ``DROP`` needs them), to undo a ``DROP`` with the ``CREATE`` it undoes."""
    chosen = tuple(dialects) or DIALECTS
    # (Asked once, on the first dialect that needs it.)
    before = functools.cache(earlier) if earlier is not None else tuple
    results = {d: _invert_in(texts, d, before) for d in chosen}
    first = results[chosen[0]]
    if all(r == first for r in results.values()):
        return first
    if all(r.data_only for r in results.values()):
        return Inversion(None, True)
    uncertain = [(d, r) for d, r in results.items() if r.statements is None and not r.data_only]
    if uncertain:
        dialect, result = uncertain[0]
        where = f" on {_SHOWN[dialect]}" if len(uncertain) < len(results) else ""
        return Inversion(None, False, f"{result.reason}{where}")
    spelled = "; ".join(
        f"{_SHOWN[d]}: `{'; '.join(r.statements or ())}`" for d, r in results.items()
    )
    if dialects:
        # The project said it runs on these: no setting makes one reverse fit them all.
        advice = (
            "the project runs on each of them: write the reverse by hand, in a `RunPython` "
            "whose reverse function checks `schema_editor.connection.vendor`"
        )
    else:
        advice = (
            "say which one the project uses with `dialect` in [tool.migration-fixer] or --dialect"
        )
    return Inversion(None, False, f"the inverse differs between databases ({spelled}): {advice}")


def object_key(kind: str, name: str) -> str:
    return f"{kind.upper()} {name.lower()}"


def _sqlglot() -> Any:
    import sqlglot

    # sqlglot warns (logging) when it falls back to a generic command: that is an answer
    # here (handled below), not something to print.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return sqlglot


def import_parser() -> None:
    """Import the parser and the dialects :func:`invert` reads with, now: the main
    process does so before it starts its workers, which then share them (each worker
    imported them again, 0.05 s and more of CPU each)."""
    sqlglot = _sqlglot()
    for read in _SQLGLOT.values():
        sqlglot.Dialect.get_or_raise(read)


def _invert_in(
    texts: Sequence[str], dialect: str, earlier: Callable[[], Sequence[Earlier]]
) -> Inversion:
    sqlglot = _sqlglot()
    exp = sqlglot.exp
    read = _SQLGLOT[dialect]
    statements: list[Any] = []
    for text in texts:
        try:
            parsed = sqlglot.parse(text, read=read)
        except (sqlglot.errors.SqlglotError, ValueError, RecursionError) as exc:
            _forget(exc)
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return Inversion(
                None, False, f"`{_short(text)}`: the SQL parser cannot read it ({reason})"
            )
        statements.extend(s for s in parsed if s is not None)
    if not statements:
        return Inversion(None, True)
    made: dict[str, str] = {}  # objects created earlier in this call
    reverse: list[list[str]] = []
    first_drop = 0  # the number of the first DROP statement

    @functools.cache
    def objects() -> _Objects:
        """What the RunSQL calls before this one, and this one's statements before its
        first DROP, left behind: replayed only when a DROP is to be undone (one that
        cannot be, with CASCADE..., needs no history), and once."""
        return _replay([*earlier(), _this_call(texts)], read, first_drop - 1)

    for number, statement in enumerate(statements, 1):
        if not first_drop and _is_drop(statement, exp):
            first_drop = number
        try:
            result = _one(statement, exp, read, made, objects)
        except _Uncertain as exc:
            why = _named(statement, read, number, len(statements), exc.reason)
            return Inversion(None, False, why)
        if result is _DATA:
            if not _into_created(statement, exp, read, made):
                if len(statements) == 1 or all(_is_data(s, exp) for s in statements):
                    return Inversion(None, True)
                why = _named(statement, read, number, len(statements), DATA_CHANGE)
                return Inversion(None, False, why)
            continue
        reverse.append(result)
    return Inversion(tuple(s for r in reversed(reverse) for s in r))


def _named(statement: Any, read: str, number: int, count: int, reason: str) -> str:
    """Why ``statement`` (the ``number``-th of ``count``) has no certain inverse, with the
    statement named: "no certain inverse for `DROP TABLE t`: reason", "... for statement 2 of
    3 (`DROP TABLE t`): reason"."""
    shown = f"`{_shown(statement, read)}`"
    if count > 1:
        shown = f"statement {number} of {count} ({shown})"
    return f"no certain inverse for {shown}: {reason}"


def _shown(statement: Any, read: str) -> str:
    """The statement as a hint names it: spelled by the parser, only when a hint needs it
    (most statements are inverted without being named)."""
    return _short(statement.sql(dialect=read))


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_data(statement: Any, exp: Any) -> bool:
    return isinstance(
        statement, (exp.Insert, exp.Update, exp.Delete, exp.Query, exp.Merge, exp.Set)
    )


def _into_created(statement: Any, exp: Any, read: str, made: Mapping[str, str]) -> bool:
    """A data statement on a table created earlier in the same call: dropping the table
    undoes it too."""
    if isinstance(statement, (exp.Insert, exp.Update, exp.Delete)):
        target = statement.this
        if isinstance(target, exp.Schema):  # INSERT INTO t (a, b)
            target = target.this
        return (
            isinstance(target, exp.Table) and object_key("TABLE", target.sql(dialect=read)) in made
        )
    return False


def _one(
    statement: Any,
    exp: Any,
    read: str,
    made: dict[str, str],
    objects: Callable[[], _Objects],
) -> Any:
    """The inverse statements of one statement, or _DATA; _Uncertain says why not."""
    if _is_data(statement, exp):
        return _DATA
    if isinstance(statement, exp.Create):
        return _create(statement, exp, read, made)
    if isinstance(statement, exp.Alter):
        return _alter(statement, exp, read)
    if isinstance(statement, exp.Comment):
        return _comment(statement, exp, read, made)
    if isinstance(statement, exp.Drop):
        return _drop(statement, exp, read, objects)
    if isinstance(statement, exp.Command):
        if _is_drop(statement, exp):
            return _command_drop(statement, read, objects)
        return _command(statement, read, made)
    words = statement.sql(dialect=read).split()
    raise _Uncertain(f"none known for `{words[0].upper() if words else '?'}`")


def _action_words(action: Any, exp: Any) -> str:
    """The words of an ``ALTER TABLE`` action a message names it by (``ALTER COLUMN``,
    ``DROP COLUMN``): sqlglot's class name in words, with the kind of a ``DROP``; the
    first words of one it keeps as text."""
    if isinstance(action, exp.Command):
        text = f"{action.this}{action.args.get('expression') or ''}"
        return " ".join(text.split()[:3]).upper()
    if isinstance(action, exp.AlterSet):
        return "SET"  # (the only one whose words are not its class's)
    words = re.findall(r"[A-Z][a-z]*", type(action).__name__)
    kind = action.args.get("kind") if isinstance(action, exp.Drop) else None
    return " ".join([*words, *([str(kind)] if kind else [])]).upper()


def _name(node: Any, read: str) -> str:
    return str(node.sql(dialect=read))


_DROPPABLE = {"TABLE", "VIEW", "SEQUENCE", "SCHEMA", "TYPE"}


def _create(statement: Any, exp: Any, read: str, made: dict[str, str]) -> list[str]:
    kind = str(statement.args.get("kind") or "").upper()
    properties = statement.args.get("properties")
    props = properties.expressions if properties is not None else []
    if statement.args.get("replace"):
        raise _Uncertain(f"`CREATE OR REPLACE`: {MAY_HAVE_EXISTED}")
    if statement.args.get("exists"):
        raise _Uncertain(f"`IF NOT EXISTS`: {MAY_HAVE_EXISTED}")
    if any(isinstance(p, exp.TemporaryProperty) for p in props):
        raise _Uncertain(f"`TEMPORARY`: {MAY_HAVE_EXISTED}")
    target = statement.this
    if kind == "INDEX":
        return [_drop_index(statement, target, read, made)]
    if kind in _DROPPABLE:
        if isinstance(target, exp.Schema):
            target = target.this
        name = _name(target.args["db"] if kind == "SCHEMA" else target, read)
        if kind == "VIEW" and any(isinstance(p, exp.MaterializedProperty) for p in props):
            kind = "MATERIALIZED VIEW"
        made[object_key(kind, name)] = statement.sql(dialect=read)
        return [f"DROP {kind} IF EXISTS {name}"]
    if kind == "FUNCTION" and isinstance(target, exp.UserDefinedFunction):
        name = _name(target.this, read)
        if read == "mysql":
            return [f"DROP FUNCTION IF EXISTS {name}"]
        types = ", ".join(_name(arg.args["kind"], read) for arg in target.expressions)
        return [f"DROP FUNCTION IF EXISTS {name}({types})"]
    if kind == "TRIGGER":
        name = _name(target, read)
        trigger = next((p for p in props if isinstance(p, exp.TriggerProperties)), None)
        table = trigger.args.get("table") if trigger is not None else None
        if table is None:
            raise _Uncertain("a trigger without its table")
        return [_drop_trigger(name, _name(table, read), read)]
    raise _Uncertain(f"none known for `CREATE {kind or '...'}`")


def _drop_index(statement: Any, index: Any, read: str, made: dict[str, str]) -> str:
    name_node = index.this
    table = index.args.get("table")
    if name_node is None or table is None:
        raise _Uncertain("an index without a name: its name is chosen by the database")
    name = _name(name_node, read)
    table_name = _name(table, read)
    made[object_key("INDEX", name)] = statement.sql(dialect=read)
    if read == "mysql":
        return f"DROP INDEX {name} ON {table_name}"
    schema = table.args.get("db")
    if read == "postgres" and schema is not None:
        name = f"{_name(schema, read)}.{name}"  # an index lives in its table's schema
    concurrently = "CONCURRENTLY " if statement.args.get("concurrently") else ""
    return f"DROP INDEX {concurrently}IF EXISTS {name}"


def _drop_trigger(name: str, table: str, read: str) -> str:
    if read == "postgres":
        return f"DROP TRIGGER IF EXISTS {name} ON {table}"
    return f"DROP TRIGGER IF EXISTS {name}"


def _alter(statement: Any, exp: Any, read: str) -> list[str]:
    kind = str(statement.args.get("kind") or "TABLE").upper()
    table = statement.this
    actions = statement.args.get("actions") or []
    renames = bool(actions) and all(isinstance(a, exp.AlterRename) for a in actions)
    if (statement.args.get("exists") and not renames) or statement.args.get("only"):
        raise _Uncertain(f"none known for this form of `ALTER {kind}`")
    # ALTER ... IF EXISTS a RENAME TO b: the reverse renames b back, if it exists.
    exists = "IF EXISTS " if statement.args.get("exists") else ""
    head = f"ALTER {kind} {_name(table, read)}"
    inverses: list[str] = []
    for action in actions:
        if isinstance(action, exp.AlterRename):
            new = action.this.copy()
            if table.args.get("db") is not None and new.args.get("db") is None:
                new.set("db", table.args["db"].copy())  # renamed within its schema
            old = _name(table.this, read)
            inverses.append(f"ALTER {kind} {exists}{_name(new, read)} RENAME TO {old}")
        elif kind != "TABLE":
            raise _Uncertain(f"none known for this `ALTER {kind}`")
        elif isinstance(action, exp.RenameColumn):
            if action.args.get("exists"):
                raise _Uncertain(f"`IF EXISTS`: {MAY_HAVE_EXISTED}")
            old, new = _name(action.this, read), _name(action.args["to"], read)
            inverses.append(f"{head} RENAME COLUMN {new} TO {old}")
        elif isinstance(action, exp.RenameIndex):
            old, new = _name(action.this, read), _name(action.args["to"], read)
            inverses.append(f"{head} RENAME INDEX {new} TO {old}")
        elif isinstance(action, exp.ColumnDef):
            if action.args.get("exists"):
                raise _Uncertain(f"`ADD COLUMN IF NOT EXISTS`: {MAY_HAVE_EXISTED}")
            inverses.append(f"{head} DROP COLUMN {_name(action.this, read)}")
        elif isinstance(action, exp.AddConstraint):
            for constraint in action.expressions:
                inverses.append(f"{head} {_drop_constraint(constraint, exp, read)}")
        else:
            words = _action_words(action, exp)
            raise _Uncertain(f"none known for `ALTER TABLE ... {words}`")
    if not inverses:
        raise _Uncertain(f"none known for this `ALTER {kind}`")
    return list(reversed(inverses))


def _drop_constraint(constraint: Any, exp: Any, read: str) -> str:
    if not isinstance(constraint, exp.Constraint) or constraint.this is None:
        raise _Uncertain("a constraint without a name: its name is chosen by the database")
    if read == "sqlite":
        raise _Uncertain("a constraint cannot be dropped")
    name = _name(constraint.this, read)
    if read != "mysql":
        return f"DROP CONSTRAINT {name}"
    kinds = constraint.expressions
    if len(kinds) == 1 and isinstance(kinds[0], exp.UniqueColumnConstraint):
        return f"DROP INDEX {name}"
    if len(kinds) == 1 and isinstance(kinds[0], exp.ForeignKey):
        # InnoDB adds an index named after the key where no index covers its columns, and
        # DROP FOREIGN KEY leaves it: whether it added one is not in the statement.
        raise _Uncertain(
            "MySQL/MariaDB add an index for a foreign key where none covers its columns, and "
            f"`DROP FOREIGN KEY {name}` leaves it (write `DROP FOREIGN KEY {name}, DROP INDEX "
            f"{name}` if no index was there before)"
        )
    if len(kinds) == 1 and isinstance(kinds[0], exp.PrimaryKey):
        return "DROP PRIMARY KEY"
    if len(kinds) == 1 and isinstance(kinds[0], exp.CheckColumnConstraint):
        return f"DROP CONSTRAINT {name}"
    raise _Uncertain("none known for this kind of constraint on MySQL")


def _comment(statement: Any, exp: Any, read: str, made: Mapping[str, str]) -> list[str]:
    kind = str(statement.args.get("kind") or "").upper()
    target = _name(statement.this, read)
    value = statement.args.get("expression")
    if isinstance(value, exp.Null):
        raise _Uncertain("removing a comment: the comment it had is not known")
    owner = target.rsplit(".", 1)[0] if kind == "COLUMN" else target
    if not any(object_key(k, owner) in made for k in (_DROPPABLE | {"INDEX", "MATERIALIZED VIEW"})):
        raise _Uncertain(
            "the object may have had a comment before (restoring NULL is certain only for "
            "an object created in the same `RunSQL`)"
        )
    materialized = "MATERIALIZED " if statement.args.get("materialized") else ""
    return [f"COMMENT ON {materialized}{kind} {target} IS NULL"]


def _drop(statement: Any, exp: Any, read: str, objects: Callable[[], _Objects]) -> list[str]:
    kind = str(statement.args.get("kind") or "").upper()
    if statement.args.get("materialized"):
        kind = f"MATERIALIZED {kind}"
    tables = statement.expressions if statement.args.get("expressions") else []
    targets = statement.args.get("tables") or tables
    names = [_name(t, read) for t in targets]
    if len(names) != 1 or statement.args.get("cascade"):
        raise _Uncertain(
            f"`DROP {kind}`: dropping several objects, or with CASCADE, cannot be undone"
        )
    return _undo_drop(
        f"`DROP {kind} {names[0]}`", _dropped_key(statement, targets[0], kind, read), objects
    )


def _is_drop(statement: Any, exp: Any) -> bool:
    return isinstance(statement, exp.Drop) or (
        isinstance(statement, exp.Command) and str(statement.this).upper() == "DROP"
    )


def _command_drop(statement: Any, read: str, objects: Callable[[], _Objects]) -> list[str]:
    """A ``DROP`` the parser reads only as a generic command (``DROP EXTENSION``...)."""
    text = statement.sql(dialect=read)
    try:
        events = _command_events(text, read)
    except _Unreadable:
        events = []
    if len(events) != 1:
        raise _Uncertain(f"none known for `{_short(text, 30)}`")
    return _undo_drop(f"`{_short(text)}`", events[0].key, objects)


def _undo_drop(dropped: str, key: str, replayed: Callable[[], _Objects]) -> list[str]:
    """The statement that created the object ``key`` a ``DROP`` removes, among the
    objects ``replayed`` gives (the replay of the earlier calls, done here: the first time
    a ``DROP`` gets this far)."""
    objects = replayed()
    found = objects.get(key)
    if isinstance(found, _Known):
        return [found.text]
    if isinstance(found, _Unsure):
        raise _Uncertain(f"{dropped} cannot be undone with certainty: {found.reason}")
    if isinstance(found, _Dropped):
        raise _Uncertain(
            f"{dropped} cannot be undone without the object's definition (the `RunSQL` at "
            f"{found.where} dropped it, and no later one creates it again)"
        )
    unread = objects.get(_UNREAD)
    but = f", but {unread.reason}" if isinstance(unread, _Unsure) else ""
    raise _Uncertain(
        f"{dropped} cannot be undone without the object's definition "
        f"(no earlier `RunSQL` of this migrations folder creates it{but})"
    )


# -- what the earlier RunSQL calls left behind -------------------------------------------


@dataclass(frozen=True)
class _Known:
    """An object that exists, created by ``text`` (verbatim) at ``where``."""

    text: str
    where: str
    #: Its last name part (to notice it in SQL the parser cannot read).
    name: str
    #: The keys of the tables it belongs to (an index's, a trigger's).
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Unsure:
    """An object whose definition is not known for certain, and why; ``exists``: it is
    there (renamed into this name, changed, created twice...) or not (renamed away)."""

    reason: str
    exists: bool


@dataclass(frozen=True)
class _Dropped:
    where: str


_Objects = Mapping[str, "_Known | _Unsure | _Dropped"]

#: The key under which the replay keeps the first earlier call it could not read.
_UNREAD = ""


@dataclass(frozen=True)
class _Event:
    """What one statement does to the objects: ``action`` is create (``mode``: plain,
    replace, if-not-exists), drop, rename (``key`` to ``new``), alter (changes the object's
    definition) or unknown (SQL whose effect is not known: ``text``, ``mode`` "unparsed"
    when the parser cannot read it; None when not even the SQL is known)."""

    action: str
    key: str = ""
    new: str = ""
    mode: str = ""
    text: str | None = None
    name: str = ""
    tables: tuple[str, ...] = ()


def _this_call(texts: Sequence[str]) -> Earlier:
    return Earlier("this `RunSQL`", tuple((t, False) for t in texts))


def _replay(earlier: Sequence[Earlier], read: str, last_count: int) -> dict[str, Any]:
    """The objects after the ``earlier`` calls (of the last one, only its first
    ``last_count`` statements), by key."""
    objects: dict[str, _Known | _Unsure | _Dropped] = {}
    for position, call in enumerate(earlier):
        if call.statements is None:
            text = " ".join(call.mentions) if call.mentions is not None else None
            _apply(objects, _Event("unknown", text=text), call.where, call.unreadable)
            continue
        chunks = [
            (chunk, params) for text, params in call.statements for chunk in _split(text, read)
        ]
        if position == len(earlier) - 1:
            chunks = chunks[:last_count]
        for chunk, params in chunks:
            for event in _events(chunk, read):
                if params and event.action == "create":
                    # Run with parameters: the text alone is not the statement that ran.
                    event = dataclasses.replace(event, mode="params")
                _apply(objects, event, call.where, "")
    return objects


def _apply(objects: dict[str, Any], event: _Event, where: str, unreadable: str) -> None:
    key = event.key
    current = objects.get(key)
    exists = isinstance(current, _Known) or (isinstance(current, _Unsure) and current.exists)
    if event.action == "create":
        known = _Known(event.text or "", where, event.name, event.tables)
        if event.mode == "params":
            objects[key] = _Unsure(f"it is created with parameters at {where}", True)
        elif event.mode == "if-not-exists" and current is None:
            # Nothing known about it before: it may exist (a Django operation's object),
            # and then this CREATE did nothing.
            objects[key] = _Unsure(f"`IF NOT EXISTS` at {where}: {MAY_HAVE_EXISTED}", True)
        elif event.mode == "replace" or not exists:
            objects[key] = known
        elif event.mode != "if-not-exists":
            first = current.where if isinstance(current, _Known) else "before"
            objects[key] = _Unsure(f"it is created twice ({first} and {where})", True)
    elif event.action == "drop":
        objects[key] = _Dropped(where)
        for other, state in list(objects.items()):
            if isinstance(state, _Known) and key in state.tables:
                objects[other] = _Dropped(where)  # dropped with its table
    elif event.action == "rename":
        old, new = key.split(" ", 1)[1], event.new.split(" ", 1)[1]
        objects[key] = _Unsure(f"it was renamed to `{new}` at {where}", False)
        objects[event.new] = _Unsure(f"`{old}` was renamed to it at {where}", True)
        for other, state in list(objects.items()):
            if isinstance(state, _Known) and key in state.tables:
                objects[other] = _Unsure(f"its table was renamed at {where}", True)
    elif event.action == "alter":
        if isinstance(current, _Known):
            why = event.text or "it was changed"
            objects[key] = _Unsure(f"{why} at {where}", True)
    else:
        if event.text is None and unreadable:
            objects.setdefault(_UNREAD, _Unsure(unreadable, False))
        for other, state in list(objects.items()):
            if isinstance(state, _Known) and (
                event.text is None or _mentions(event.text, state.name)
            ):
                shown = f"`{_short(event.text or '')}` ({where})"
                reason = unreadable or (
                    f"the SQL parser cannot read {shown}" if event.mode == "unparsed" else shown
                )
                objects[other] = _Unsure(f"{reason}, which may change it", True)


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text, re.IGNORECASE) is not None


def _forget(exc: BaseException | None) -> None:
    """Drop the tracebacks of an exception sqlglot raised (and of those it was raised in
    handling): its raising frame holds it in a local, a reference cycle through the
    traceback that would keep every frame of the call alive (the rule's, and through its
    context the folder's whole history) until the collector's next full collection."""
    while exc is not None:
        exc.__traceback__ = None
        exc = exc.__context__


class _Remembered(Generic[_T]):
    """``read_text(text, dialect)``, remembering its answers for the last ``SIZE`` texts
    of at most ``LONG`` characters: the replay of a folder's earlier calls is done again
    for each later ``DROP`` of the folder (on each dialect), so a text is read once per
    dialect, not once per ``DROP``. Bounded in count and size (a few MB at worst), well
    above what a folder holds (the 18 replays of the migrations corpus read 34 texts, of
    at most 827 characters); a longer text is read each time, as before."""

    SIZE = 512
    LONG = 4000

    def __init__(self, read_text: Callable[[str, str], _T]) -> None:
        self.read_text = read_text
        self.remembered = functools.lru_cache(maxsize=self.SIZE)(read_text)

    def __call__(self, text: str, read: str) -> _T:
        if len(text) > self.LONG:
            return self.read_text(text, read)
        return self.remembered(text, read)


def _read_split(text: str, read: str) -> tuple[str, ...]:
    """The statements of ``text`` as written: split at each ``;`` outside a
    ``BEGIN ... END`` body (a trigger's, a routine's)."""
    sqlglot = _sqlglot()
    try:
        tokens = sqlglot.Dialect.get_or_raise(read).tokenize(text)
    except (sqlglot.errors.SqlglotError, ValueError, RecursionError) as exc:
        _forget(exc)
        return (text,)
    chunks: list[str] = []
    start: int | None = None
    end = depth = 0
    for index, token in enumerate([*tokens, None]):
        word = token.text.upper() if token is not None else ""
        if token is None or (token.token_type.name == "SEMICOLON" and depth <= 0):
            if start is not None:
                chunks.append(text[start:end])
            start, depth = None, 0
            continue
        if (
            start is not None
            and text[start : start + 6].upper() == "CREATE"
            and (token.token_type.name not in ("IDENTIFIER", "STRING", "HEREDOC_STRING"))
        ):
            after = tokens[index + 1].text.upper() if index + 1 < len(tokens) else ""
            if word in ("BEGIN", "CASE") and tokens[index - 1].text.upper() != "END":
                depth += 1
            elif word == "END" and after not in ("IF", "LOOP", "WHILE", "REPEAT"):
                depth -= 1
        start = token.start if start is None else start
        end = token.end + 1
    return tuple(chunks)


_split = _Remembered(_read_split)


def _read_events(text: str, read: str) -> tuple[_Event, ...]:
    """What the statement ``text`` does to the objects, as the replay applies it (the
    events are immutable: :data:`_events` hands the same ones to each replay)."""
    return tuple(_statement_events(text, read))


_events = _Remembered(_read_events)


def _statement_events(text: str, read: str) -> list[_Event]:
    sqlglot = _sqlglot()
    exp = sqlglot.exp
    try:
        parsed = [s for s in sqlglot.parse(text, read=read) if s is not None]
    except (sqlglot.errors.SqlglotError, ValueError, RecursionError) as exc:
        _forget(exc)
        return [_Event("unknown", text=text, mode="unparsed")]
    if len(parsed) != 1:
        # A body the parser splits (``BEGIN ...; END``): the command's words say what it is.
        try:
            return _command_events(text, read)
        except _Unreadable:
            return [_Event("unknown", text=text, mode="unparsed")]
    statement = parsed[0]
    if _is_data(statement, exp):
        return []
    try:
        if isinstance(statement, exp.Create):
            return _create_events(statement, exp, read, text)
        if isinstance(statement, exp.Drop):
            return _drop_events(statement, read)
        if isinstance(statement, exp.Alter):
            return _alter_events(statement, exp, read)
        if isinstance(statement, exp.Comment):
            kind = str(statement.args.get("kind") or "").upper()
            target = statement.this
            if kind == "COLUMN":
                kind, target = "TABLE", _parent(target, exp)
            return [_Event("alter", _key(kind, target, read), text="a comment on it was changed")]
        if isinstance(statement, exp.Command):
            return _command_events(text, read)
    except _Unreadable:
        pass
    return [_Event("unknown", text=text)]


class _Unreadable(Exception):
    pass


def _parent(column: Any, exp: Any) -> Any:
    """The table of a ``table.column`` name."""
    if isinstance(column, exp.Column) and column.args.get("table") is not None:
        return exp.Table(this=column.args["table"], db=column.args.get("db"))
    raise _Unreadable


def _ident(node: Any, read: str) -> str:
    dialect = _sqlglot().Dialect.get_or_raise(read)
    return str(dialect.normalize_identifier(node.copy()).name)


def _key(kind: str, node: Any, read: str, within: Any = None) -> str:
    """``"<KIND> <name>"``: the name's parts (``within``'s parts first: the table an index
    or trigger belongs to, where its name is unique per table) as the dialect compares
    identifiers."""
    exp = _sqlglot().exp
    parts: list[Any] = []
    for owner in (within, node):
        if owner is None:
            continue
        if isinstance(owner, exp.Table):
            parts.extend(p for p in owner.parts if isinstance(p, exp.Identifier))
        elif isinstance(owner, exp.Identifier):
            parts.append(owner)
        else:
            raise _Unreadable
    if not parts:
        raise _Unreadable
    return f"{kind} {'.'.join(_ident(p, read) for p in parts)}"


def _dropped_key(statement: Any, target: Any, kind: str, read: str) -> str:
    try:
        return _drop_events(statement, read, [target])[0].key
    except _Unreadable:
        return ""


def _per_table(kind: str, read: str) -> bool:
    """Whether the name of an object of ``kind`` is unique only within its table (an
    index on MySQL, a trigger on PostgreSQL), not in the schema."""
    return (kind == "INDEX" and read == "mysql") or (kind == "TRIGGER" and read == "postgres")


def _drop_events(statement: Any, read: str, targets: Any = None) -> list[_Event]:
    kind = str(statement.args.get("kind") or "").upper()
    if statement.args.get("materialized"):
        kind = f"MATERIALIZED {kind}"
    if targets is None:
        expressions = statement.expressions if statement.args.get("expressions") else []
        targets = statement.args.get("tables") or expressions
    on = statement.args.get("cluster")
    table = on.this if on is not None else None
    events = []
    for target in targets:
        if kind == "SCHEMA":
            target = target.args.get("db")
        within = table if _per_table(kind, read) else None
        if within is None and _per_table(kind, read):
            raise _Unreadable  # without the table it belongs to
        events.append(_Event("drop", _key(kind, target, read, within)))
    return events


def _create_events(statement: Any, exp: Any, read: str, text: str) -> list[_Event]:
    kind = str(statement.args.get("kind") or "").upper()
    properties = statement.args.get("properties")
    props = properties.expressions if properties is not None else []
    if any(isinstance(p, exp.TemporaryProperty) for p in props):
        return []  # gone at the end of the session
    mode = "replace" if statement.args.get("replace") else ""
    mode = "if-not-exists" if statement.args.get("exists") else mode
    target = statement.this
    tables: tuple[str, ...] = ()
    within = None
    if kind == "INDEX":
        table = target.args.get("table")
        if target.this is None or table is None:
            return []  # a name chosen by the database: a DROP cannot name it here
        within = table if _per_table(kind, read) else None
        if read == "postgres" and table.args.get("db") is not None:
            name_node: Any = exp.Table(this=target.this, db=table.args["db"])
        else:
            name_node = target.this
        tables = (_key("TABLE", table, read),)
    elif kind == "TRIGGER":
        triggers = (p for p in props if isinstance(p, exp.TriggerProperties))
        table = next((t.args.get("table") for t in triggers), None)
        tables = (_key("TABLE", table, read),)  # none: _Unreadable
        within = table if _per_table(kind, read) else None
        name_node = target
    elif kind in ("FUNCTION", "PROCEDURE") and isinstance(target, exp.UserDefinedFunction):
        name_node = target.this
    elif kind in _DROPPABLE:
        name_node = target.this if isinstance(target, exp.Schema) else target
        if kind == "SCHEMA":
            name_node = name_node.args.get("db")
        if kind == "VIEW" and any(isinstance(p, exp.MaterializedProperty) for p in props):
            kind = "MATERIALIZED VIEW"
    else:
        raise _Unreadable
    key = _key(kind, name_node, read, within)
    name = key.rsplit(".", 1)[-1].split(" ", 1)[-1]
    events = [_Event("create", key, mode=mode, text=text, name=name, tables=tables)]
    # An index or a trigger changes its table: the table's CREATE alone no longer
    # restores it.
    return events + [_Event("alter", t, text=f"`{kind} {name}` was added to it") for t in tables]


def _alter_events(statement: Any, exp: Any, read: str) -> list[_Event]:
    kind = str(statement.args.get("kind") or "TABLE").upper()
    table = statement.this
    key = _key(kind, table, read)
    events = []
    for action in statement.args.get("actions") or []:
        if isinstance(action, exp.AlterRename):
            new = action.this.copy()
            if table.args.get("db") is not None and new.args.get("db") is None:
                new.set("db", table.args["db"].copy())
            events.append(_Event("rename", key, _key(kind, new, read)))
        elif isinstance(action, exp.RenameIndex):
            within = table if _per_table("INDEX", read) else None
            old, new = (_key("INDEX", action.args[k], read, within) for k in ("this", "to"))
            events.append(_Event("rename", old, new))
        elif isinstance(action, exp.Drop) and str(action.args.get("kind")).upper() == "INDEX":
            for target in action.args.get("tables") or []:
                within = table if _per_table("INDEX", read) else None
                events.append(_Event("drop", _key("INDEX", target, read, within)))
        else:
            events.append(_Event("alter", key, text=f"it was changed (`ALTER {kind}`)"))
    return events


def _command_events(text: str, read: str) -> list[_Event]:
    """Events of a statement the parser reads only as a generic command: its words."""
    sqlglot = _sqlglot()
    exp = sqlglot.exp
    dialect = sqlglot.Dialect.get_or_raise(read)
    tokens = dialect.tokenize(text)
    if len(tokens) == 2 and tokens[1].token_type.name == "STRING":
        # The tokenizer reads what follows some command words (RENAME) as one string.
        tokens = [tokens[0], *dialect.tokenize(tokens[1].text)]
    words = [
        t.text.upper() if t.token_type.name not in ("IDENTIFIER", "STRING") else "" for t in tokens
    ]

    def name_at(index: int) -> tuple[Any, int]:
        """The possibly dotted name at ``index`` as a table node, and the index after it."""
        parts = [tokens[index]]
        while index + 2 < len(tokens) and words[index + 1] == ".":
            index += 2
            parts.append(tokens[index])
        identifiers = [
            exp.Identifier(this=t.text, quoted=t.token_type.name == "IDENTIFIER") for t in parts
        ]
        if len(identifiers) > 3:
            raise _Unreadable
        names = dict(zip(("this", "db", "catalog"), reversed(identifiers), strict=False))
        return exp.Table(**names), index + 1

    verb = words[0] if words else ""
    at = 1
    mode = ""
    if verb == "CREATE":
        if words[1:3] == ["OR", "REPLACE"]:
            mode, at = "replace", 3
        while (
            at < len(words)
            and at < 12
            and words[at] not in ("FUNCTION", "TRIGGER", "EXTENSION", "PROCEDURE")
        ):
            at += 1  # CONSTRAINT, DEFINER = user, ...
        if at >= len(words) or at >= 12:
            raise _Unreadable
        kind = words[at]
        at += 1
        if words[at : at + 3] == ["IF", "NOT", "EXISTS"]:
            mode, at = "if-not-exists", at + 3
        node, after = name_at(at)
        within = None
        tables: tuple[str, ...] = ()
        if kind == "TRIGGER":
            if "ON" not in words[after:]:
                raise _Unreadable
            table, _ = name_at(words.index("ON", after) + 1)
            within = table if _per_table(kind, read) else None
            tables = (_key("TABLE", table, read),)
        key = _key(kind, node, read, within)
        name = _ident(node.this, read)
        events = [_Event("create", key, mode=mode, text=text, name=name, tables=tables)]
        return events + [
            _Event("alter", t, text=f"`{kind} {name}` was added to it") for t in tables
        ]
    if verb == "DROP" and words[at : at + 1] == ["EXTENSION"]:
        at += 3 if words[at + 1 : at + 3] == ["IF", "EXISTS"] else 1
        node, after = name_at(at)
        if after != len(tokens):
            raise _Unreadable  # several, or CASCADE
        return [_Event("drop", _key("EXTENSION", node, read))]
    if (
        verb == "ALTER"
        and at < len(words)
        and words[at] in ("INDEX", "SEQUENCE", "VIEW", "TABLE", "FUNCTION", "TYPE")
    ):
        kind = words[at]
        at += 1
        if words[at : at + 2] == ["IF", "EXISTS"]:
            at += 2
        node, after = name_at(at)
        key = _key(kind, node, read)
        if words[after : after + 2] == ["RENAME", "TO"] and after + 3 == len(tokens):
            new, _ = name_at(after + 2)
            if node.args.get("db") is not None and new.args.get("db") is None:
                new.set("db", node.args["db"].copy())
            return [_Event("rename", key, _key(kind, new, read))]
        return [_Event("alter", key, text=f"it was changed (`ALTER {kind}`)")]
    if verb == "RENAME" and words[1:2] == ["TABLE"]:
        events = []
        at = 2
        while at < len(tokens):
            old, at = name_at(at)
            if words[at : at + 1] != ["TO"]:
                raise _Unreadable
            new, at = name_at(at + 1)
            events.append(_Event("rename", _key("TABLE", old, read), _key("TABLE", new, read)))
            if at < len(tokens) and words[at] != ",":
                raise _Unreadable
            at += 1
        return events
    raise _Unreadable


# -- statements sqlglot reads only as a generic command: read their tokens ----------------


def _command(statement: Any, read: str, made: dict[str, str]) -> list[str]:
    sqlglot = _sqlglot()
    rest = statement.args.get("expression")
    rest = rest.this if isinstance(rest, sqlglot.exp.Literal) else rest
    if not isinstance(rest, str):
        raise _Uncertain(f"none known for `{statement.this}`")
    # The tokenizer reads what follows some command words (RENAME) as one string: the
    # first word and the rest are tokenized apart.
    text = rest
    tokens = [None, *sqlglot.Dialect.get_or_raise(read).tokenize(rest)]
    words = [str(statement.this).upper()] + [
        t.text.upper() if t.token_type.name not in ("IDENTIFIER", "STRING") else ""
        for t in tokens[1:]
    ]

    def spelled(index: int) -> str:
        return str(text[tokens[index].start : tokens[index].end + 1])

    def qualified(index: int) -> tuple[str, int]:
        """A possibly dotted name starting at ``index``, and the index after it."""
        end = index
        while end + 2 < len(tokens) and words[end + 1] == ".":
            end += 2
        return str(text[tokens[index].start : tokens[end].end + 1]), end + 1

    handlers: list[tuple[tuple[str, ...], Callable[[int], list[str]]]] = []

    def extension(at: int) -> list[str]:
        if words[at : at + 3] == ["IF", "NOT", "EXISTS"]:
            raise _Uncertain(f"`IF NOT EXISTS`: {MAY_HAVE_EXISTED}")
        name = spelled(at)
        return [f"DROP EXTENSION IF EXISTS {name}"]

    def function(at: int) -> list[str]:
        name, after = qualified(at)
        if after >= len(tokens) or words[after] != "(":
            raise _Uncertain("cannot read the function's arguments")
        depth, end = 0, after
        for end in range(after, len(tokens)):
            depth += {"(": 1, ")": -1}.get(words[end], 0)
            if depth == 0:
                break
        arguments = text[tokens[after].start : tokens[end].end + 1]
        if any(w in ("DEFAULT", "=") for w in words[after:end]):
            raise _Uncertain("a function with default arguments")
        if read == "mysql":
            return [f"DROP FUNCTION IF EXISTS {name}"]
        return [f"DROP FUNCTION IF EXISTS {name}{arguments}"]

    def trigger(at: int) -> list[str]:
        name, after = qualified(at)
        if "ON" not in words[after:]:
            raise _Uncertain("a trigger without its table")
        table, _ = qualified(words.index("ON", after) + 1)
        return [_drop_trigger(name, table, read)]

    def rename(kind: str) -> Callable[[int], list[str]]:
        def inverse(at: int) -> list[str]:
            exists = "IF EXISTS " if words[at : at + 2] == ["IF", "EXISTS"] else ""
            at += 2 if exists else 0
            name, after = qualified(at)
            if words[after : after + 2] != ["RENAME", "TO"] or after + 3 != len(tokens):
                raise _Uncertain(f"none known for this `ALTER {kind}`")
            new = spelled(after + 2)
            schema = name.rsplit(".", 1)[0] + "." if "." in name else ""
            return [f"ALTER {kind} {exists}{schema}{new} RENAME TO {name.rsplit('.', 1)[-1]}"]

        return inverse

    def rename_inside(at: int) -> list[str]:
        table, after = qualified(at)
        part = words[after + 1] if after + 1 < len(tokens) else ""
        if words[after : after + 1] != ["RENAME"] or part not in ("CONSTRAINT", "INDEX", "KEY"):
            raise _Uncertain("none known for this `ALTER TABLE`")
        if after + 5 != len(tokens) or words[after + 3] != "TO":
            raise _Uncertain("none known for this `ALTER TABLE`")
        old, new = spelled(after + 2), spelled(after + 4)
        return [f"ALTER TABLE {table} RENAME {part} {new} TO {old}"]

    def rename_table(at: int) -> list[str]:
        pairs: list[tuple[str, str]] = []
        index = at
        while index < len(tokens):
            old, index = qualified(index)
            if index >= len(tokens) or words[index] != "TO":
                raise _Uncertain("cannot read `RENAME TABLE`")
            new, index = qualified(index + 1)
            pairs.append((old, new))
            if index < len(tokens) and words[index] != ",":
                raise _Uncertain("cannot read `RENAME TABLE`")
            index += 1
        return ["RENAME TABLE " + ", ".join(f"{new} TO {old}" for old, new in reversed(pairs))]

    handlers = [
        (("CREATE", "EXTENSION"), extension),
        (("CREATE", "FUNCTION"), function),
        (("CREATE", "TRIGGER"), trigger),
        (("ALTER", "SEQUENCE"), rename("SEQUENCE")),
        (("ALTER", "INDEX"), rename("INDEX")),
        (("ALTER", "VIEW"), rename("VIEW")),
        (("ALTER", "TABLE"), rename_inside),
        (("RENAME", "TABLE"), rename_table),
    ]
    if words[:3] == ["CREATE", "OR", "REPLACE"]:
        raise _Uncertain(f"`CREATE OR REPLACE`: {MAY_HAVE_EXISTED}")
    for prefix, handler in handlers:
        if tuple(words[: len(prefix)]) == prefix and len(tokens) > len(prefix):
            return handler(len(prefix))
    verb = " ".join(w for w in words[:2] if w)
    raise _Uncertain(f"none known for `{verb}`" if verb else "the SQL parser cannot read it")
