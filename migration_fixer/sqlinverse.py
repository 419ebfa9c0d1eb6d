"""The inverse of raw SQL (MF002), from a real parser: sqlglot, imported only when a
``RunSQL`` needs a reverse, so a run with nothing to fix never pays for its import.

:func:`invert` takes the forward statements and the project's dialects (PostgreSQL,
MySQL/MariaDB, SQLite: those the project runs on, or all three when unknown) and returns
the reverse statements where they are certain and the same on every one of those dialects,
or why not. Names in the reverse are spelled as the parser read them from the forward SQL.
Nothing here guesses: a statement the parser does not understand has no inverse.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


class _Uncertain(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_DATA = object()  # a statement that only changes data


def invert(
    texts: Sequence[str],
    dialects: Sequence[str] = (),
    created: Mapping[str, str] | None = None,
) -> Inversion:
    """The reverse of the statements in ``texts`` on every one of ``dialects`` (all of
    them when empty). ``created`` maps ``"<KIND> <name>"`` (as :func:`object_key` spells
    it) to the statement that created that object earlier, to undo a ``DROP``."""
    chosen = tuple(dialects) or DIALECTS
    results = {d: _invert_in(texts, d, created or {}) for d in chosen}
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
    return Inversion(
        None,
        False,
        f"the inverse differs between databases ({spelled}): say which one the project "
        "uses with `dialect` in [tool.migration-fixer] or --dialect",
    )


def object_key(kind: str, name: str) -> str:
    return f"{kind.upper()} {name.lower()}"


def _sqlglot() -> Any:
    import sqlglot

    # sqlglot warns (logging) when it falls back to a generic command: that is an answer
    # here (handled below), not something to print.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return sqlglot


def _invert_in(texts: Sequence[str], dialect: str, created: Mapping[str, str]) -> Inversion:
    sqlglot = _sqlglot()
    exp = sqlglot.exp
    read = _SQLGLOT[dialect]
    statements: list[Any] = []
    for text in texts:
        try:
            parsed = sqlglot.parse(text, read=read)
        except (sqlglot.errors.SqlglotError, ValueError, RecursionError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return Inversion(
                None, False, f"`{_short(text)}`: the SQL parser cannot read it ({reason})"
            )
        statements.extend(s for s in parsed if s is not None)
    if not statements:
        return Inversion(None, True)
    made: dict[str, str] = {}  # objects created earlier in this call
    reverse: list[list[str]] = []
    for number, statement in enumerate(statements, 1):
        shown = _short(statement.sql(dialect=read))
        where = f"statement {number} of {len(statements)}" if len(statements) > 1 else "it"
        try:
            result = _one(statement, exp, read, made, created)
        except _Uncertain as exc:
            return Inversion(None, False, f"{where} (`{shown}`): {exc.reason}")
        if result is _DATA:
            if not _into_created(statement, exp, read, made):
                if len(statements) == 1 or all(_is_data(s, exp) for s in statements):
                    return Inversion(None, True)
                return Inversion(None, False, f"{where} (`{shown}`): {DATA_CHANGE}")
            continue
        reverse.append(result)
    return Inversion(tuple(s for r in reversed(reverse) for s in r))


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
    created: Mapping[str, str],
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
        return _drop(statement, exp, read, created)
    if isinstance(statement, exp.Command):
        return _command(statement, read, made)
    words = statement.sql(dialect=read).split()
    raise _Uncertain(f"no certain inverse for `{words[0].upper() if words else '?'}`")


def _verb(statement: Any) -> str:
    return f"`{type(statement).__name__.upper()}`"


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
    raise _Uncertain(f"no certain inverse for `CREATE {kind or '...'}`")


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
        raise _Uncertain(f"no certain inverse for this form of `ALTER {kind}`")
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
            raise _Uncertain(f"no certain inverse for this `ALTER {kind}`")
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
            raise _Uncertain(f"no certain inverse for `ALTER TABLE ... {_verb(action)[1:-1]}`")
    if not inverses:
        raise _Uncertain(f"no certain inverse for this `ALTER {kind}`")
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
        return f"DROP FOREIGN KEY {name}"
    if len(kinds) == 1 and isinstance(kinds[0], exp.PrimaryKey):
        return "DROP PRIMARY KEY"
    if len(kinds) == 1 and isinstance(kinds[0], exp.CheckColumnConstraint):
        return f"DROP CONSTRAINT {name}"
    raise _Uncertain("no certain inverse for this kind of constraint on MySQL")


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


def _drop(statement: Any, exp: Any, read: str, created: Mapping[str, str]) -> list[str]:
    kind = str(statement.args.get("kind") or "").upper()
    if statement.args.get("materialized"):
        kind = f"MATERIALIZED {kind}"
    tables = statement.expressions if statement.args.get("expressions") else []
    names = [_name(t, read) for t in statement.args.get("tables") or tables]
    if len(names) != 1 or statement.args.get("cascade"):
        raise _Uncertain(
            f"`DROP {kind}`: dropping several objects, or with CASCADE, cannot be undone"
        )
    definition = created.get(object_key(kind, names[0]))
    if definition is None:
        raise _Uncertain(
            f"`DROP {kind} {names[0]}` cannot be undone without the object's definition "
            "(no earlier `RunSQL` of this migrations folder creates it)"
        )
    return [definition]


# -- statements sqlglot reads only as a generic command: read their tokens ----------------


def _command(statement: Any, read: str, made: dict[str, str]) -> list[str]:
    sqlglot = _sqlglot()
    rest = statement.args.get("expression")
    rest = rest.this if isinstance(rest, sqlglot.exp.Literal) else rest
    if not isinstance(rest, str):
        raise _Uncertain(f"no certain inverse for `{statement.this}`")
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
                raise _Uncertain(f"no certain inverse for this `ALTER {kind}`")
            new = spelled(after + 2)
            schema = name.rsplit(".", 1)[0] + "." if "." in name else ""
            return [f"ALTER {kind} {exists}{schema}{new} RENAME TO {name.rsplit('.', 1)[-1]}"]

        return inverse

    def rename_inside(at: int) -> list[str]:
        table, after = qualified(at)
        part = words[after + 1] if after + 1 < len(tokens) else ""
        if words[after : after + 1] != ["RENAME"] or part not in ("CONSTRAINT", "INDEX", "KEY"):
            raise _Uncertain("no certain inverse for this `ALTER TABLE`")
        if after + 5 != len(tokens) or words[after + 3] != "TO":
            raise _Uncertain("no certain inverse for this `ALTER TABLE`")
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
    raise _Uncertain(
        f"no certain inverse for `{verb}`" if verb else "the SQL parser cannot read it"
    )
