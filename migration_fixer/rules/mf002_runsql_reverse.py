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
Where the forward SQL is one plain `CREATE TABLE`, `CREATE VIEW`, `CREATE MATERIALIZED
VIEW`, `CREATE SEQUENCE` or `CREATE EXTENSION` statement, the fix adds its inverse,
`reverse_sql="DROP <kind> IF EXISTS <name>"` (the same on PostgreSQL, MySQL/MariaDB and
SQLite): rolling back then removes what the migration created, with the rows in it, as
unapplying `CreateModel` does. Everything else gets `reverse_sql=<RunSQL>.noop`, spelled the
way the call spells `RunSQL`: a no-op reverse leaves what the forward SQL did in place, so if
it created an object (`CREATE INDEX`: its `DROP` differs between PostgreSQL and MySQL, and the
fix does not know the database), running the migration forward again after a rollback fails
with "already exists". Review those and write the matching `DROP` where it matters.
`IF NOT EXISTS`/`OR REPLACE` forms get the no-op: the object may have existed before.
`state_operations=` and every other argument are kept as they are.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from migration_fixer.rule import Example, FileContext, Finding, RuleExamples
from migration_fixer.rules._reverse import missing_reverse

code: str = "MF002"
name: str = "runsql-without-reverse"
triggers: tuple[bytes, ...] = (b"RunSQL",)
needs_history: bool = False
summary: str = "`RunSQL` without `reverse_sql` cannot be rolled back"
fix_summary: str = (
    "adds `reverse_sql=migrations.RunSQL.noop`, or `DROP ... IF EXISTS` for a plain "
    "`CREATE TABLE/VIEW/...`"
)

_HEAD = "from django.db import migrations\n\n"

examples: RuleExamples = RuleExamples(
    flagged=(
        Example(
            _HEAD + 'operations = [migrations.RunSQL("UPDATE t SET a = 1")]\n',
            _HEAD + 'operations = [migrations.RunSQL("UPDATE t SET a = 1", '
            "reverse_sql=migrations.RunSQL.noop)]\n",
        ),
        Example(
            _HEAD + 'operations = [migrations.RunSQL(sql=["UPDATE t SET a = 1"], '
            "reverse_sql=None)]\n",
            _HEAD + 'operations = [migrations.RunSQL(sql=["UPDATE t SET a = 1"], '
            "reverse_sql=migrations.RunSQL.noop)]\n",
        ),
        Example(
            "from django.db import migrations as m\n\n"
            'operations = [m.RunSQL([("UPDATE t SET a = %s", [1])], state_operations=[])]\n',
            "from django.db import migrations as m\n\n"
            'operations = [m.RunSQL([("UPDATE t SET a = %s", [1])], '
            "reverse_sql=m.RunSQL.noop, state_operations=[])]\n",
        ),
        Example(
            _HEAD + 'operations = [migrations.RunSQL("CREATE TABLE shop_archive (id int)")]\n',
            _HEAD + 'operations = [migrations.RunSQL("CREATE TABLE shop_archive (id int)", '
            'reverse_sql="DROP TABLE IF EXISTS shop_archive")]\n',
        ),
        Example(
            _HEAD + "operations = [migrations.RunSQL(['CREATE EXTENSION \"uuid-ossp\";'], None)]\n",
            _HEAD + "operations = [migrations.RunSQL(['CREATE EXTENSION \"uuid-ossp\";'], "
            "'DROP EXTENSION IF EXISTS \"uuid-ossp\"')]\n",
        ),
        Example(
            _HEAD + 'operations = [migrations.RunSQL("CREATE VIEW IF NOT EXISTS v AS SELECT 1")]\n',
            _HEAD + 'operations = [migrations.RunSQL("CREATE VIEW IF NOT EXISTS v AS SELECT 1", '
            "reverse_sql=migrations.RunSQL.noop)]\n",
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
    return missing_reverse(
        ctx,
        code=code,
        operation="RunSQL",
        forward="sql",
        reverse="reverse_sql",
        inverse=inverse_sql,
    )


_NAME = r'(?:"[^"]+"|`[^`]+`|\w+)'
_CREATE = re.compile(
    rf"\s*CREATE\s+(TABLE|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|EXTENSION)\s+(?!IF\b)"
    rf"({_NAME}(?:\.{_NAME})?)(?=[\s(;]|$)",
    re.IGNORECASE,
)


def inverse_sql(forward: ast.expr) -> str | None:
    """``DROP <kind> IF EXISTS <name>`` for one plain ``CREATE TABLE/VIEW/MATERIALIZED
    VIEW/SEQUENCE/EXTENSION <name>`` statement (as a string, or a list of one string);
    None for anything else. ``IF NOT EXISTS``, ``OR REPLACE`` and ``TEMPORARY`` forms get
    no inverse: the object may have existed before the migration."""
    if isinstance(forward, (ast.List, ast.Tuple)) and len(forward.elts) == 1:
        forward = forward.elts[0]
    if not (isinstance(forward, ast.Constant) and isinstance(forward.value, str)):
        return None
    sql = forward.value.strip()
    if sql.endswith(";"):
        sql = sql[:-1]
    if ";" in sql or "--" in sql or "/*" in sql:
        return None  # several statements, or comments that could hide one
    match = _CREATE.match(sql)
    if match is None:
        return None
    kind = " ".join(match.group(1).upper().split())
    statement = f"DROP {kind} IF EXISTS {match.group(2)}"
    return repr(statement) if '"' in statement else f'"{statement}"'
