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

## Fix safety
The fix adds `reverse_sql=<RunSQL>.noop`, spelled the way the call spells `RunSQL`. A
no-op reverse leaves whatever the forward SQL created in place: if it created an object
(`CREATE INDEX`, `CREATE TABLE`...), running the migration forward again after a rollback
fails with "already exists". Review such statements and write the matching `DROP ... IF
EXISTS` where it matters. `state_operations=` and every other argument are kept as they
are.
"""

from __future__ import annotations

from collections.abc import Iterator

from migration_fixer.rule import Example, FileContext, Finding, RuleExamples
from migration_fixer.rules._reverse import missing_reverse

code: str = "MF002"
name: str = "runsql-without-reverse"
triggers: tuple[bytes, ...] = (b"RunSQL",)
summary: str = "`RunSQL` without `reverse_sql` cannot be rolled back"

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
    return missing_reverse(ctx, code=code, operation="RunSQL", forward="sql", reverse="reverse_sql")
