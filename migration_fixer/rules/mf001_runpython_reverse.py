"""## What it does
Checks for `RunPython` operations that have no reverse function (no `reverse_code`, or
`reverse_code=None`).

## Why is this bad?
Django cannot unapply such a migration: `manage.py migrate app <earlier>` stops with
`IrreversibleError`, typically in the middle of an emergency rollback. Most data migrations
need nothing undone on the way back (the schema change they accompany is undone by its own
operation), so an explicit no-op reverse is the usual fix.

## Example
```python
migrations.RunPython(forwards)
```

## Use instead
```python
migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)
```

## Fix safety
The fix adds `reverse_code=<RunPython>.noop`, spelled the way the call spells `RunPython`.
It is a safe fix (the usual reverse of a data migration, as Django's documentation
recommends): it makes the rollback succeed without undoing what the forward function did: review
whether the data change needs a real reverse (for example, rows the forward function
created that a later forward run would create again). Calls with `*args`/`**kwargs`, and
local subclasses that define their own `__init__`, are reported but not rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from migration_fixer.rule import Example, FileContext, Finding, RuleExamples
from migration_fixer.rules._reverse import missing_reverse

code: str = "MF001"
name: str = "runpython-without-reverse"
triggers: tuple[bytes, ...] = (b"RunPython",)
needs_history: bool = False
history_when: re.Pattern[bytes] | None = None
summary: str = "`RunPython` without `reverse_code` cannot be rolled back"
fix_summary: str = "adds `reverse_code=migrations.RunPython.noop`"

_HEAD = "from django.db import migrations\n\n\ndef forwards(apps, schema_editor):\n    pass\n\n\n"

examples: RuleExamples = RuleExamples(
    flagged=(
        Example(
            _HEAD + "operations = [migrations.RunPython(forwards)]\n",
            _HEAD + "operations = [migrations.RunPython(forwards, "
            "reverse_code=migrations.RunPython.noop)]\n",
        ),
        Example(
            _HEAD + "operations = [migrations.RunPython(code=forwards, reverse_code=None)]\n",
            _HEAD + "operations = [\n    migrations.RunPython(code=forwards, "
            "reverse_code=migrations.RunPython.noop)\n]\n",
        ),
        Example(
            _HEAD + "operations = [\n    migrations.RunPython(\n        forwards,\n"
            "        elidable=True,\n    ),\n]\n",
            _HEAD + "operations = [\n    migrations.RunPython(\n        forwards,\n"
            "        reverse_code=migrations.RunPython.noop,\n"
            "        elidable=True,\n    ),\n]\n",
        ),
        Example(
            "from django.db.migrations import RunPython\n\noperations = [RunPython(print, None)]\n",
            "from django.db.migrations import RunPython\n\n"
            "operations = [RunPython(print, RunPython.noop)]\n",
        ),
        Example(
            "from django.db import migrations\n\nargs = (print,)\n"
            "operations = [migrations.RunPython(*args)]\n",
            None,
        ),
    ),
    clean=(
        _HEAD + "operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n",
        _HEAD + "operations = [migrations.RunPython(forwards, reverse_code=forwards)]\n",
        _HEAD + "operations = [migrations.RunPython(forwards)]  # noqa: MF001 data is disposable\n",
        "def RunPython(code):\n    return code\n\n\noperations = [RunPython(print)]\n",
    ),
)


def check(ctx: FileContext) -> Iterator[Finding]:
    return missing_reverse(
        ctx, code=code, operation="RunPython", forward="code", reverse="reverse_code"
    )
