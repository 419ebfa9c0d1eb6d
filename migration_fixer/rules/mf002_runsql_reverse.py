"""## What it does
Checks for `RunSQL` operations that have no reverse SQL (no `reverse_sql`, or
`reverse_sql=None`).

## Why is this bad?
Django cannot unapply such a migration: `manage.py migrate app <earlier>` stops with
`IrreversibleError`, and every migration after it in the rollback is stuck behind it.

## Example
```python
migrations.RunSQL("UPDATE shop_product SET stock = 0 WHERE stock < 0")
```

## Use instead
```python
migrations.RunSQL(
    "UPDATE shop_product SET stock = 0 WHERE stock < 0",
    reverse_sql=migrations.RunSQL.noop,
)
```
and, for a statement that creates an object, a reverse that drops it:
```python
migrations.RunSQL(
    "CREATE VIEW shop_stock AS SELECT id, stock FROM shop_product",
    reverse_sql="DROP VIEW IF EXISTS shop_stock",
)
```

## Fix safety
The forward SQL is read by a SQL parser (sqlglot) for the databases the project runs on: the
`dialect` setting (`"postgresql"`, `"mysql"` for MySQL/MariaDB, `"sqlite"`, or a list),
`--dialect`, else the one database engine named in the project's settings files; when none
is known, an inverse is written only where it is the same on all three. Where the inverse is
certain, the fix writes it (a safe fix):

- `CREATE [UNIQUE] INDEX [CONCURRENTLY] i ON t ...`: `DROP INDEX [CONCURRENTLY] IF EXISTS i`
  (PostgreSQL, SQLite), `DROP INDEX i ON t` (MySQL);
- `CREATE TABLE/VIEW/MATERIALIZED VIEW/SEQUENCE/SCHEMA/TYPE/EXTENSION x`:
  `DROP <kind> IF EXISTS x`;
- `CREATE FUNCTION f(a integer) ...`: `DROP FUNCTION IF EXISTS f(INT)` (PostgreSQL: with the
  argument types), `DROP FUNCTION IF EXISTS f` (MySQL);
- `CREATE TRIGGER g ... ON t`: `DROP TRIGGER IF EXISTS g ON t` (PostgreSQL),
  `DROP TRIGGER IF EXISTS g` (MySQL, SQLite);
- `ALTER TABLE/INDEX/SEQUENCE/VIEW a RENAME TO b`, `ALTER TABLE t RENAME COLUMN/CONSTRAINT/
  INDEX a TO b`, MySQL's `RENAME TABLE a TO b`: the same with the names swapped;
- `ALTER TABLE t ADD [COLUMN] c ...`: `ALTER TABLE t DROP COLUMN c`;
- `ALTER TABLE t ADD CONSTRAINT n ...`: `DROP CONSTRAINT n` (PostgreSQL); on MySQL by kind,
  `DROP INDEX n` (unique), `DROP PRIMARY KEY`, `DROP CONSTRAINT n` (not a foreign key: the
  index MySQL adds with it where none covers its columns is left by `DROP FOREIGN KEY`);
- `COMMENT ON ... IS '...'` on an object the same `RunSQL` creates: `COMMENT ON ... IS NULL`;
- `DROP INDEX/VIEW/MATERIALIZED VIEW/TABLE/SEQUENCE/SCHEMA/TYPE/FUNCTION/TRIGGER/EXTENSION x`
  (`DROP INDEX x ON t` on MySQL, `DROP TRIGGER g ON t` on PostgreSQL; `IF EXISTS` or not):
  the `CREATE` statement that made `x`, verbatim, when a `RunSQL` of the same migrations
  folder created it before: in an ancestor migration (in the order of the folder's
  dependency graph), earlier in the same migration, or earlier in the same call. Exactly one
  definition must be live when the `DROP` runs: dropped and created again, the latest
  `CREATE` counts, and `CREATE OR REPLACE` is the latest definition; renamed, changed by an
  `ALTER`, created twice, created with parameters, created `IF NOT EXISTS` with nothing
  known of it before (it may have existed), or followed by SQL that cannot be read or by
  another operation that names it (`RemoveIndex`, a custom operation...) and may change it,
  there is no certain inverse and the hint says why and where (a `RunPython` in between is
  not read). Names are
  compared as the database compares identifiers (unquoted ones folded as it folds them). An
  object created by a Django operation (`AddIndex`...) has no `CREATE` to run. The folder's
  history is read only for a file with a `DROP`.

The SQL may be a name bound to a string or a list at module level or in the class
body (`RunSQL(CREATE_VIEW)` below `CREATE_VIEW = "CREATE VIEW ..."`): it is read as the
value bound where the call is, when that is certain (a plain assignment, not one inside
an `if`, `for` or `try`, nor a value built by a call or an f-string); the earlier `RunSQL`
calls of the folder are read the same way.

Several statements (one string, or a list) get their inverses in reverse order; a data
statement on a table the same call creates needs none (dropping the table undoes it). A
reverse that drops an index `CONCURRENTLY` needs the migration to stay `atomic = False`, as
the forward did.

Otherwise the fix is `reverse_sql=<RunSQL>.noop`, spelled the way the call spells `RunSQL`.
When every statement only changes data (`SELECT`, `INSERT`, `UPDATE`, `DELETE`, `SET`), that
is a safe fix: running nothing on the way back leaves the schema as it was. For anything else
(one statement without a certain inverse makes the whole call uncertain: `IF NOT EXISTS`,
`OR REPLACE` and `TEMPORARY` forms, since the object may have existed before; a data change
mixed with schema changes; a `DROP` without a `CREATE` as above; SQL the parser does not
understand) it is an **unsafe** fix, written only with `--unsafe-fixes`: the rollback would
"succeed" and leave the schema different, and running the migration forward again could fail
with "already exists". The hint names the statement and says why. `(sql, params)` pairs are
read as Django runs them; `state_operations=` and every other argument are kept as they are.
Where the migration's class overrides `unapply` with a body that always raises, nothing is
written: the reverse would never run (as for MF001).
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from migration_fixer.bindings import Unknown
from migration_fixer.history import MigrationFile, operation_of, read_migration
from migration_fixer.layout import string_literal
from migration_fixer.migration_ast import find_argument, string_constants, terminal_name
from migration_fixer.migration_writer import quote_style
from migration_fixer.rule import (
    Applicability,
    Example,
    FileContext,
    Finding,
    NothingFound,
    RuleExamples,
    UnparsedFile,
)
from migration_fixer.rules._reverse import ACCEPT_NOOP, Reverse, missing_reverse
from migration_fixer.sqlinverse import Earlier  # light: the parser is imported on first use

code: str = "MF002"
name: str = "runsql-without-reverse"
triggers: tuple[bytes, ...] = (b"RunSQL",)
needs_history: bool = False
#: A ``DROP`` in the file (any case): only then are the earlier ``RunSQL`` calls read.
history_when: re.Pattern[bytes] | None = re.compile(rb"(?i)\bdrop\b")
requires: re.Pattern[bytes] | None = None
preview: bool = False
nothing_unparsed: Callable[[UnparsedFile], NothingFound | None] | None = None
summary: str = "`RunSQL` without `reverse_sql` cannot be rolled back"
fix_summary: str = (
    "adds the inverse SQL where it is certain for the project's database (`DROP INDEX ...`, "
    "names swapped back for a `RENAME`, `DROP COLUMN` for `ADD COLUMN`...); else "
    "`reverse_sql=migrations.RunSQL.noop`: a safe fix for data statements, an unsafe one "
    "(`--unsafe-fixes`) for schema changes"
)

_HEAD = "from django.db import migrations\n\n"

examples: RuleExamples = RuleExamples(
    flagged=(
        Example(
            _HEAD + 'operations = [migrations.RunSQL("UPDATE t SET a = 1")]\n',
            _HEAD + 'operations = [\n    migrations.RunSQL("UPDATE t SET a = 1", '
            "reverse_sql=migrations.RunSQL.noop)\n]\n",
        ),
        Example(
            _HEAD + 'operations = [migrations.RunSQL(sql=["UPDATE t SET a = 1"], '
            "reverse_sql=None)]\n",
            _HEAD + 'operations = [\n    migrations.RunSQL(sql=["UPDATE t SET a = 1"], '
            "reverse_sql=migrations.RunSQL.noop)\n]\n",
        ),
        Example(
            "from django.db import migrations as m\n\n"
            'operations = [m.RunSQL([("UPDATE t SET a = %s", [1])], state_operations=[])]\n',
            "from django.db import migrations as m\n\n"
            "operations = [\n    m.RunSQL(\n"
            '        [("UPDATE t SET a = %s", [1])], reverse_sql=m.RunSQL.noop, '
            "state_operations=[]\n"
            "    )\n]\n",
        ),
        Example(
            _HEAD + 'operations = [migrations.RunSQL("CREATE TABLE shop_archive (id int)")]\n',
            _HEAD + "operations = [\n    migrations.RunSQL(\n"
            '        "CREATE TABLE shop_archive (id int)",\n'
            '        reverse_sql="DROP TABLE IF EXISTS shop_archive",\n    )\n]\n',
        ),
        Example(
            _HEAD + "operations = [migrations.RunSQL(['CREATE EXTENSION \"uuid-ossp\";'], None)]\n",
            _HEAD + "operations = [\n    migrations.RunSQL(\n"
            "        ['CREATE EXTENSION \"uuid-ossp\";'], "
            "'DROP EXTENSION IF EXISTS \"uuid-ossp\"'\n"
            "    )\n]\n",
        ),
        Example(
            _HEAD
            + 'operations = [migrations.RunSQL("ALTER TABLE shop_item RENAME TO shop_product")]\n',
            _HEAD + "operations = [\n    migrations.RunSQL(\n"
            '        "ALTER TABLE shop_item RENAME TO shop_product",\n'
            '        reverse_sql="ALTER TABLE shop_product RENAME TO shop_item",\n    )\n]\n',
        ),
        Example(
            _HEAD + "operations = [migrations.RunSQL(['CREATE TABLE a (id int)', "
            "'CREATE VIEW b AS SELECT id FROM a'])]\n",
            _HEAD + "operations = [\n    migrations.RunSQL(\n"
            "        ['CREATE TABLE a (id int)', 'CREATE VIEW b AS SELECT id FROM a'],\n"
            "        reverse_sql=['DROP VIEW IF EXISTS b', 'DROP TABLE IF EXISTS a'],\n"
            "    )\n]\n",
        ),
        Example(
            _HEAD + "\nclass Migration(migrations.Migration):\n    operations = [\n"
            '        migrations.RunSQL("CREATE VIEW v AS SELECT 1", "DROP VIEW v"),\n'
            '        migrations.RunSQL("DROP VIEW v"),\n'
            "    ]\n",
            _HEAD + "\nclass Migration(migrations.Migration):\n    operations = [\n"
            '        migrations.RunSQL("CREATE VIEW v AS SELECT 1", "DROP VIEW v"),\n'
            '        migrations.RunSQL("DROP VIEW v", reverse_sql="CREATE VIEW v AS SELECT 1"),\n'
            "    ]\n",
        ),
        Example(
            _HEAD + 'VIEW = "CREATE VIEW cheap AS SELECT id FROM t WHERE a < 5"\n'
            "operations = [migrations.RunSQL(VIEW)]\n",
            _HEAD + 'VIEW = "CREATE VIEW cheap AS SELECT id FROM t WHERE a < 5"\n'
            'operations = [migrations.RunSQL(VIEW, reverse_sql="DROP VIEW IF EXISTS cheap")]\n',
        ),
        Example(
            _HEAD + 'operations = [migrations.RunSQL("CREATE INDEX i ON t (c)")]\n',
            _HEAD + 'operations = [\n    migrations.RunSQL("CREATE INDEX i ON t (c)", '
            "reverse_sql=migrations.RunSQL.noop)\n]\n",
            unsafe=True,
        ),
        Example(
            _HEAD + 'operations = [migrations.RunSQL("CREATE VIEW IF NOT EXISTS v AS SELECT 1")]\n',
            _HEAD + "operations = [\n    migrations.RunSQL(\n"
            '        "CREATE VIEW IF NOT EXISTS v AS SELECT 1", '
            "reverse_sql=migrations.RunSQL.noop\n"
            "    )\n]\n",
            unsafe=True,
        ),
        Example(
            _HEAD + "kwargs = {}\noperations = [migrations.RunSQL(**kwargs)]\n",
            None,
        ),
    ),
    clean=(
        _HEAD + 'operations = [migrations.RunSQL("SELECT 1", "SELECT 1")]\n',
        _HEAD + 'operations = [migrations.RunSQL("SELECT 1", reverse_sql="")]\n',
        _HEAD + 'operations = [migrations.RunSQL("SELECT 1")]  # noqa: MF002\n',
        "class RunSQL:\n    def __init__(self, sql):\n        pass\n\n\n"
        'operations = [RunSQL("SELECT 1")]\n',
    ),
)


def check(ctx: FileContext) -> Iterator[Finding]:
    before = _Before(ctx)
    # (The file's quotes, read once, when an inverse is written.)
    quote = functools.cache(lambda: quote_style(ctx.text))
    return missing_reverse(
        ctx,
        code=code,
        operation="RunSQL",
        forward="sql",
        reverse="reverse_sql",
        inverse=lambda call, forward: inverse_sql(
            forward,
            _dialects(ctx),
            lambda: before.calls(call),
            quote(),
            before.value,
        ),
    )


class _Before:
    """The ``RunSQL`` calls that run before a given one: those of its ancestors in the
    folder's migration graph (in the order Django applies them), then the earlier ones
    of its own migration. Read only when a ``DROP`` asks for them; the folder's history is
    loaded then (:meth:`FileContext.folder_history`), once per file."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self._ancestors: list[Earlier] | None = None
        self._own: MigrationFile | None = None

    def own(self) -> MigrationFile:
        """The file itself, read as a migration (its names, its operations)."""
        if self._own is None:
            self._own = read_migration(self.ctx.path, self.ctx.text, self.ctx.tree)
        return self._own

    def value(self, expr: ast.expr) -> ast.expr:
        """What ``expr`` is bound to, when it is a name (the file's names are read then,
        not for the literal SQL of most calls)."""
        return self.own().bindings.value(expr) if isinstance(expr, ast.Name) else expr

    def calls(self, call: ast.Call) -> list[Earlier]:
        migration = self.own()
        own: list[Earlier] = []
        if migration.operations is None:
            own.append(Earlier(self.ctx.path.name, None, migration.unreadable))
        else:
            for found in _runsql_calls(migration, migration.operations):
                if found is call:
                    break
                own.append(_earlier(migration, found))
        return [*self._ancestor_calls(), *own]

    def _ancestor_calls(self) -> list[Earlier]:
        if self._ancestors is None:
            self._ancestors = []
            history = self.ctx.folder_history()
            name = self.ctx.path.stem
            if history is not None and name in history.files:
                order = history.ancestors(name)
                if isinstance(order, str):
                    why = f"the migration graph cannot be followed ({order})"
                    self._ancestors.append(Earlier(name, None, why))
                    order = []
                for ancestor in order[:-1]:
                    migration = history.files[ancestor]
                    if migration.operations is None:
                        self._ancestors.append(Earlier(ancestor, None, migration.unreadable))
                        continue
                    self._ancestors.extend(
                        _earlier(migration, found)
                        for found in _runsql_calls(migration, migration.operations)
                    )
        return self._ancestors


def _runsql_calls(
    migration: MigrationFile, elements: list[ast.expr]
) -> Iterator[ast.Call | str | tuple[str, ast.expr]]:
    """The operations the database runs among ``elements`` (operations of ``migration``),
    in order, also inside ``SeparateDatabaseAndState``'s ``database_operations``: each
    ``RunSQL`` call, any other operation (Django's, a custom one, an expression) as ``(what
    it is, its node)``, and why what cannot be read cannot (a string). A ``RunPython`` is
    not read."""
    for element in elements:
        found = operation_of(migration, element)
        if found is None:  # AddIndex, RemoveConstraint, a custom one, an expression...
            if isinstance(element, ast.Call):
                shown = _callee_name(element.func)
            else:
                shown = ast.unparse(element)
            yield (shown if len(shown) <= 60 else shown[:57] + "..."), element
            continue
        operation, call, args = found
        if operation == "RunSQL":
            yield call
        elif operation not in ("SeparateDatabaseAndState", "RunPython"):
            yield operation, call
        elif operation == "SeparateDatabaseAndState":
            nested = (args or {}).get("database_operations")
            inner = (
                migration.bindings.elements(nested, "`database_operations`")
                if nested is not None
                else []
            )
            if args is None or isinstance(inner, Unknown):
                where = f"{migration.path.name}:{call.lineno}"
                yield f"the `database_operations` at {where} are built dynamically"
                continue
            yield from _runsql_calls(migration, inner)


def _callee_name(func: ast.expr) -> str:
    """The last part of a callee as written (``AddIndex`` for ``migrations.AddIndex``)."""
    return terminal_name(func) or ast.unparse(func).rsplit(".", 1)[-1]


def _earlier(migration: MigrationFile, found: ast.Call | str | tuple[str, ast.expr]) -> Earlier:
    if isinstance(found, str):
        return Earlier(migration.path.name, None, found)
    if isinstance(found, tuple):
        operation, call = found
        names = string_constants(call)
        where = f"{migration.path.name}:{call.lineno}"
        return Earlier(where, None, f"`{operation}` at {where}", names)
    where = f"{migration.path.name}:{found.lineno}"
    forward = find_argument(found, "RunSQL", "sql")
    statements = (
        _statements(forward[1], migration.bindings.value, with_params=True)
        if forward is not None
        else None
    )
    if statements is None:
        return Earlier(where, None, f"the `RunSQL` at {where} runs SQL that is not a literal")
    return Earlier(where, tuple(statements))


def _dialects(ctx: FileContext) -> tuple[str, ...]:
    return tuple(d for d in ctx.settings.get(code, "dialect", "").split(",") if d)


_NO_OP = (
    "a no-op reverse would leave the schema changed after a rollback that reports success: "
    f"write `reverse_sql=` by hand{ACCEPT_NOOP}"
)
#: The same, once the no-op is written.
_NO_OP_WRITTEN = (
    "the no-op reverse written (--unsafe-fixes) leaves the schema changed after a rollback "
    "that reports success: write `reverse_sql=` by hand"
)


def _unsafe_no_op(why: str) -> Reverse:
    """The no-op as an unsafe fix; ``why`` it is not the inverse (a sentence that ends
    with its separator, ", so " or "; ") begins its hints."""
    return Reverse(
        None, Applicability.UNSAFE, f"{why}{_NO_OP}", written_hint=f"{why}{_NO_OP_WRITTEN}"
    )


def _statements(
    forward: ast.expr, resolve: Callable[[ast.expr], ast.expr], with_params: bool = False
) -> list[Any] | None:
    """The SQL strings of the forward argument: a string, or a list/tuple of strings and
    ``(sql, params)`` pairs (as Django accepts them), each of them possibly a name
    ``resolve`` follows to the literal it is bound to (``RunSQL(CREATE_VIEW)`` below
    ``CREATE_VIEW = "..."``); None where one is not a literal. ``with_params``: each as
    ``(text, whether it runs with params)``."""
    forward = resolve(forward)
    items = forward.elts if isinstance(forward, (ast.List, ast.Tuple)) else [forward]
    texts: list[Any] = []
    for item in items:
        params = False
        item = resolve(item)
        if isinstance(item, (ast.List, ast.Tuple)) and len(item.elts) == 2:
            # ``(sql, None)`` runs without parameters, as a plain string does.
            params = not (isinstance(item.elts[1], ast.Constant) and item.elts[1].value is None)
            item = resolve(item.elts[0])
        if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
            return None
        # With params, the database driver fills the placeholders in: the parser reads
        # each as a value.
        text = _PLACEHOLDER.sub(_fill, item.value) if params else item.value
        texts.append((text, params) if with_params else text)
    return texts


_PLACEHOLDER = re.compile(r"%%|%\(\w+\)s|%s")


def _fill(match: re.Match[str]) -> str:
    return "%" if match.group() == "%%" else "NULL"


def python_string(value: str, quote: str = '"') -> str:
    """A Python string literal whose value is exactly ``value``: between ``quote``
    characters (the file's, :func:`migration_fixer.migration_writer.quote_style`) unless
    the text holds one and not the other quote."""
    other = "'" if quote == '"' else '"'
    if quote in value and other not in value:
        quote = other
    return string_literal(value, quote)


def inverse_sql(
    forward: ast.expr,
    dialects: tuple[str, ...] = (),
    earlier: Callable[[], Sequence[Earlier]] | None = None,
    quote: str = '"',
    resolve: Callable[[ast.expr], ast.expr] = lambda expr: expr,
) -> Reverse:
    """The reverse of the forward SQL on ``dialects`` (see :mod:`migration_fixer.sqlinverse`):
    the inverse statements where certain (a safe fix), spelled with ``quote``; else the
    no-op, a safe fix when every statement only changes data, an unsafe one otherwise, with
    the reason. ``earlier``: the ``RunSQL`` calls that run before this one (to undo a
    ``DROP``); ``resolve``: what a name in the forward argument is bound to."""
    texts = _statements(forward, resolve)
    if texts is None:
        what = "the SQL is not a literal string"
        if isinstance(forward, ast.Name):
            what = f"the SQL is `{forward.id}`, which is not bound to a literal string here"
        return _unsafe_no_op(f"{what}, so ")
    from migration_fixer.sqlinverse import invert

    inversion = invert(texts, dialects, earlier)
    if inversion.statements:
        statements = inversion.statements
        if len(statements) == 1:
            return Reverse(python_string(statements[0], quote), literal=statements[0])
        value = "[" + ", ".join(python_string(s, quote) for s in statements) + "]"
        return Reverse(value, literal=statements)
    if inversion.data_only:
        return Reverse()
    return _unsafe_no_op(f"{inversion.reason}; ")
