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
recommends) where the forward function does nothing that a second run would repeat: the
rollback then succeeds without undoing a change the schema's own reverse does not need undone.
Where the forward function (or a module function it calls) creates rows without checking for
existing ones, or changes values relative to themselves (`F("n") + 1`), as MF004 finds, the
no-op would make the rollback report success and leave the rows or values behind, to be
created or changed again by the next `migrate`: the fix is then **unsafe**, written only with
`--unsafe-fixes`, and the hint says what the function does (MF004 writes the real reverse where
it is certain). So it is where the forward function reads a field that a later `RemoveField`
of the same module drops (data moved to a new field or table before the old column goes): a
rollback re-adds the column empty, and with a no-op nothing puts the data back. Calls with
`*args`/`**kwargs`, and local subclasses that define their own `__init__`, are reported but
not rewritten.

Where the migration's class overrides `unapply` with a body that always raises (django-cms's
`IrreversibleMigration`, a `Migration` subclass whose `unapply` raises `IrreversibleError`),
the rollback stops at the migration before any of its operations is unapplied: a reverse
would never run, and writing one would only make the migration look reversible. The call is
reported without a fix, and the hint names the class. The class and its bases are followed
within the module, and into the migrations package where a base is imported from it
(`from . import IrreversibleMigration`, as django-cms does, or `from .base import ...`: the
package's `__init__.py` or that module, read, never run); a base class imported from
anywhere else is not read (the fix is then made as usual).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

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
from migration_fixer.rules.mf004_runpython_rerun import rerun_hazards

code: str = "MF001"
name: str = "runpython-without-reverse"
triggers: tuple[bytes, ...] = (b"RunPython",)
needs_history: bool = False
history_when: re.Pattern[bytes] | None = None
requires: re.Pattern[bytes] | None = None
preview: bool = False
nothing_unparsed: Callable[[UnparsedFile], NothingFound | None] | None = None
summary: str = "`RunPython` without `reverse_code` cannot be rolled back"
fix_summary: str = (
    "adds `reverse_code=migrations.RunPython.noop`; an unsafe fix (`--unsafe-fixes`) where the "
    "forward function creates rows or changes values that a second run would again (MF004)"
)

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
        Example(
            "from django.db import migrations\n\n\ndef seed(apps, schema_editor):\n"
            '    apps.get_model("geo", "Country").objects.create(code="fr")\n\n\n'
            "operations = [migrations.RunPython(seed)]\n",
            "from django.db import migrations\n\n\ndef seed(apps, schema_editor):\n"
            '    apps.get_model("geo", "Country").objects.create(code="fr")\n\n\n'
            "operations = [migrations.RunPython(seed, reverse_code=migrations.RunPython.noop)]\n",
            unsafe=True,
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
    hazard = rerun_hazards(ctx)
    ops = {id(op.node): op for op in ctx.operation_calls}

    def reverse(call: ast.Call, forward: ast.expr) -> Reverse:
        found = hazard(ops[id(call)], forward)
        if found is None:
            return Reverse()
        undo = "write a reverse function that undoes it (MF004 writes one where it is certain)"
        return Reverse(
            applicability=Applicability.UNSAFE,
            hint=f"a no-op reverse is not enough: {found}; {undo}{ACCEPT_NOOP}",
            written_hint=(
                f"the no-op reverse written (--unsafe-fixes) is not enough: {found}; {undo}"
            ),
        )

    return missing_reverse(
        ctx,
        code=code,
        operation="RunPython",
        forward="code",
        reverse="reverse_code",
        inverse=reverse,
    )
