"""## What it does
Checks for `RemoveField` operations that drop a column Django cannot re-add when the
migration is rolled back: a non-null field with nothing to fill existing rows with (no
`default`, `db_default`, `blank=True` on a string field, `auto_now`...), a non-null
foreign key, or a unique field whose default would be the same in every row. The field's
definition is found by replaying the folder's migration history statically. Operations
bound to names are read as Django evaluates them: lists and tuples (and `+` concatenations)
bound in the `Migration` class body or at module level, e.g. `state_operations = [...]`
above `operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]`,
with the binding in force where the name is used. A list changed in straight-line code
(`operations.append(...)`, `.extend([...])`, `.insert(0, ...)`, `+=`) is evaluated in source
order, and operations that depend on an `if` of the class body or the module (`if
connection.vendor == "postgresql": operations.append(...)`) are replayed branch by branch:
a removal is decided when every branch that reaches it gives the same answer
(docs/mf003-operations.md).

## Why is this bad?
Unapplying `RemoveField` re-adds the column to a table that has rows. With no value to
put in them, SQLite and PostgreSQL refuse (NOT NULL or UNIQUE violation) and the rollback
stops half-way; MySQL/MariaDB "succeed" by writing `''`, `0` or `0000-00-00` into every row,
which corrupts the data silently.

## Example
```python
operations = [
    migrations.RemoveField(model_name="product", name="sku"),
]
```

## Use instead
Expand/contract over two deploys. In this migration, make the field nullable, with a
reverse that backfills a placeholder into rows written without it:
```python
operations = [
    migrations.AlterField(
        model_name="product",
        name="sku",
        field=models.CharField(max_length=32, null=True),
    ),
    migrations.RunPython(migrations.RunPython.noop, reverse_code=backfill_product_sku),
]
```
and drop the column in a new migration, marked to run after the deploy
(`safe = Safe.after_deploy()` with django-safemigrate, `stage = Stage.POST_DEPLOY` with
django-syzygy, otherwise `post_deploy = True`, which `migrate_or_rollback` honours). Why two
deploys, and what each step does on rollback: docs/two-deploys.md.

## Fix safety
Only migrations that are new relative to the git base (`--since`, or the merge-base with
the default branch) are split: an already-applied migration must not change. A migration that a
squashed migration replaces, and a squashed migration itself, are not split either: the
databases that take the other path would run the drop without the nullable step. A
primary key (`primary_key=True`) is never split: it cannot be made nullable (PostgreSQL refuses
`DROP NOT NULL` on a key column, and Django allows one key per model), so its removal is
reported with a hint to rewrite the rollback by hand. The
backfill's placeholder (`""`, `0`, `False`, 1970-01-01... or the field's old literal
default) is a reviewable guess and is marked as such in the code; a foreign key has no
placeholder, so its backfill is left for you to write (the finding says so). A unique field
gets a value per row that no other row holds: an integer counted up from the largest one
held, a new UUID, and for text `placeholder-1`, `placeholder-2`... (the digits alone under
22 characters), each skipped while a row holds it, as the database compares them (in the
column's collation, as its unique constraint does); a unique text column shorter than 10
characters cannot count past every row, and is reported with a hint instead. With
`--strategy db-default` (Django 5.0+) the column stays NOT NULL and gets a `db_default`
instead, so no NULL is ever written. A field class that is not Django's own is followed in
the project's source (parsed, never imported), found in a table of widely used third-party
classes, or declared in `field-classes` (docs/configuration.md); one that cannot be
followed is still decided by its own `db_default=` or kept `default=` (the assumption and
its exception: docs/readd-matrix.md). A removal inside
`SeparateDatabaseAndState`, written in a list the operations reach through a name
(`ops = [...]`, `operations = ops`) or added by `operations.append(...)`, or in a migration
whose operations depend on an `if`, is reported with a hint and left to split by hand (the
drop migration would run whatever the condition). Nor is a migration whose class overrides
`unapply` with a body that always raises split (as for MF001): its rollback stops before any
operation, and the backfill of the nullable step would never run.
The removal of an auto-generated primary key (`id` removed when the model gets another
primary key) is re-addable: every database numbers the rows again (new numbers, not the old
ones); where the rollback depends on the database (a later operation that leaves the model
without a primary key beside a field `id` makes it fail on SQLite) it is decided from the
project's `dialect` (`--dialect`, `[tool.migration-fixer]`, the settings files), and "cannot
determine" names that setting when the dialect is unknown (measured: docs/readd-matrix.md).
Fields whose definition cannot be determined statically (a custom field class whose
`__init__` cannot be read, a field from an app outside the paths, operations built
dynamically, a list passed to a function, branches of an `if` that leave the field
different) are reported as "cannot determine" and never rewritten. The replay for a model
reads only the migrations that may change it: those whose operations name it (or a name it
had), and those with anything that could change a model they do not name (a `RenameModel`,
a class, an import from outside Django, names reached at run time or not written as string
literals); an earlier migration that builds its operations at run time but cannot change
the model is passed over.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from migration_fixer.column_readd import Outcome, Verdict, classify, decide_auto_key
from migration_fixer.field_classes import FieldClasses, from_rule_settings
from migration_fixer.history import (
    FieldState,
    History,
    MigrationFile,
    Placement,
    State,
    literal_str,
    names_match,
    with_constants,
)
from migration_fixer.migration_ast import (
    OperationCall,
    bind_arguments,
    has_star_args,
    keyword_argument,
)
from migration_fixer.migration_writer import (
    CannotWrite,
    Removal,
    drop_migration,
    nullable_step,
    quote_style,
    with_article,
)
from migration_fixer.rule import (
    PLANNED_NAME,
    Edit,
    Example,
    FileContext,
    Finding,
    Fix,
    NothingFound,
    RuleExamples,
    UnparsedFile,
)
from migration_fixer.rules._reverse import unapply_raises
from migration_fixer.suppression import NoqaComments, is_suppressed

code: str = "MF003"
name: str = "non-null-field-removal"
summary: str = "`RemoveField` of a non-null field cannot be rolled back on a table with rows"
fix_summary: str = (
    "expand/contract: the field becomes nullable now (with a backfilling reverse), a new "
    "migration drops it in a later deploy ([docs/two-deploys.md](docs/two-deploys.md))"
)
triggers: tuple[bytes, ...] = (b"RemoveField",)
#: This rule needs the folder's history (and git) to run; tests/rules/test_mf003*.py cover it.
needs_history: bool = True
history_when: re.Pattern[bytes] | None = None
requires: re.Pattern[bytes] | None = None
preview: bool = False

_INITIAL = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Product",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("sku", models.CharField(max_length=32)),
                ("note", models.CharField(blank=True, max_length=200)),
                ("legacy", models.IntegerField(null=True)),
            ],
        ),
    ]
"""


def _removal(field: str) -> str:
    return (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        "    operations = [\n"
        f'        migrations.RemoveField(model_name="product", name="{field}"),\n'
        "    ]\n"
    )


examples = RuleExamples(
    history=(("0001_initial.py", _INITIAL),),
    flagged=(
        Example(
            _removal("sku"),
            "from django.db import migrations, models\n\n\n"
            "def backfill_product_sku(apps, schema_editor):\n"
            "    # MF003: rows written while `sku` was nullable get a placeholder, so that"
            " rolling\n"
            "    # this migration back can restore NOT NULL. Review the value.\n"
            '    Product = apps.get_model("shop", "Product")\n'
            "    db = schema_editor.connection.alias\n"
            "    rows = Product.objects.using(db).filter(sku__isnull=True)\n"
            '    rows.update(sku="")\n'
            "    # Run the deferred foreign key checks now: ALTER TABLE refuses pending ones.\n"
            '    if schema_editor.connection.vendor == "postgresql":\n'
            '        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")\n'
            '        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")\n\n\n'
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("shop", "0001_initial")]\n\n'
            "    operations = [\n"
            "        migrations.AlterField(\n"
            '            model_name="product",\n'
            '            name="sku",\n'
            "            field=models.CharField(max_length=32, null=True),\n"
            "        ),\n"
            "        migrations.RunPython(\n"
            "            migrations.RunPython.noop,\n"
            "            reverse_code=backfill_product_sku,\n"
            "        ),\n"
            "    ]\n",
            new_files=(
                (
                    "0003_remove_product_sku.py",
                    "# Generated by migration-fixer {version}: the deferred drop from "
                    "0002_example\n\n"
                    "from django.db import migrations\n\n\n"
                    "class Migration(migrations.Migration):\n"
                    "    # The contract step of an expand/contract split (migration-fixer MF003): "
                    "run it\n"
                    "    # in a deploy after the one that applies 0002_example, once no running\n"
                    "    # code reads the removed column.\n"
                    "    post_deploy = True\n\n"
                    "    dependencies = [\n"
                    '        ("shop", "0002_example"),\n'
                    "    ]\n\n"
                    "    operations = [\n"
                    "        migrations.RemoveField(\n"
                    '            model_name="product",\n'
                    '            name="sku",\n'
                    "        ),\n"
                    "    ]\n",
                ),
            ),
        ),
    ),
    clean=(_removal("note"), _removal("legacy")),
)


def _nothing_unparsed(file: UnparsedFile) -> NothingFound | None:
    """Nothing to report in a migration laid out as ``makemigrations`` writes it, told
    without parsing it, when each of its removals is of a field that is certainly safe to
    remove (its model's table dropped later in the migration, or the field nullable or
    with a default): the replay reads the file's operations before the removal from their
    lines. None otherwise: the file is parsed, and :func:`check` decides (a removal that
    is not safe, one the replay cannot decide, anything the lines do not say plainly)."""
    history = file.history
    name = file.path.stem
    operations = history.laid_out_operations(name, file.text)
    if operations is None:
        return None
    removals = [
        (position, names)
        for position, (kind, names) in enumerate(operations)
        if kind == "RemoveField" and names is not None
    ]
    deletions = [
        (position, names[0].lower())
        for position, (kind, names) in enumerate(operations)
        if kind == "DeleteModel" and names is not None
    ]
    # Every mention is one of those calls (none in a comment, a string, another call).
    if file.text.count("RemoveField") != len(removals) or file.text.count("DeleteModel") != len(
        deletions
    ):
        return None
    classes = from_rule_settings(file.settings)
    for position, (model, field) in removals:
        if any(model.lower() == deleted and position < at for at, deleted in deletions):
            continue  # the table is dropped too: as in _examine
        state = history.state_before_laid_out(name, position, model)
        if not isinstance(state, State):
            return None
        looked_up = state.lookup(model, field)
        if isinstance(looked_up, str):
            return None
        verdict = classify(looked_up, classes)
        if verdict.auto_key or verdict.kind is not Outcome.SAFE:
            return None
    return NothingFound(reads_outside=classes.consulted)


nothing_unparsed: Callable[[UnparsedFile], NothingFound | None] | None = _nothing_unparsed

_DJANGO_MIGRATIONS = "django.db.migrations"


def check(ctx: FileContext) -> Iterator[Finding]:
    history: History | None = ctx.history
    if history is None:
        return
    migration = history.files.get(ctx.path.stem)
    if migration is None or migration.tree is not ctx.tree:
        return
    removals: list[tuple[Removal, Finding]] = []
    comments = NoqaComments(ctx.text, ctx.lines)
    classes = from_rule_settings(ctx.settings)
    examined = [
        (each, copied)
        for op in ctx.operation_calls
        if op.operation == "RemoveField"
        for each, copied in _instances(migration, op)
    ]
    for op, copied in examined:
        finding, removal = _examine(ctx, history, migration, op, classes, copied=copied)
        ctx.reads_outside = ctx.reads_outside or classes.consulted
        if finding is None:
            continue
        if removal is None:
            yield finding
        elif is_suppressed(comments.on_line(finding.line), code):
            # Kept by a noqa comment for MF003: neither split nor in the drop migration (the
            # runner drops the finding, and checks the comment's codes).
            yield finding
        else:
            removals.append((removal, finding))
    if not removals:
        return
    refusal = _why_not_split(ctx, history, migration)
    if refusal:
        for _, finding in removals:
            yield _with_hint(finding, refusal)
        return
    yield from _fix_all(ctx, history, migration, removals)


def _instances(migration: MigrationFile, op: OperationCall) -> list[tuple[OperationCall, bool]]:
    """The removals ``op`` makes: itself, or the copies of it the operations hold (and
    True): one per value when it is the element of a comprehension over literal constants
    (``[RemoveField(model_name=m, name="lft") for m in MODELS]``, the names in place), one
    per call of a function that builds its operations in local lists."""
    migration.placement(op.node)  # (reads the lists that hold it: copies made)
    copies = migration.bindings.copies_of(op.node) or []
    calls = [c for c in copies if isinstance(c, ast.Call)]
    return [(dataclasses.replace(op, node=c), True) for c in calls] or [(op, False)]


def _why_not_split(ctx: FileContext, history: History, migration: MigrationFile) -> str:
    """Why this migration's removals are not split ("" when they may be)."""
    raising = unapply_raises(ctx)
    if raising is not None:
        return (
            f"{raising}: the rollback stops at this migration whatever its operations say, so "
            "the removal is not split (the backfill of its nullable step would never run)"
        )
    squash = history.squash_replacing(migration.name)
    if squash:
        return (
            f"{migration.name} is replaced by the squashed migration {squash}: a database "
            "migrated through the squash would run the new drop without ever having made the "
            "field nullable; split it by hand, in the squash too"
        )
    replaced = [n for label, n in migration.replaces if label == history.label]
    if replaced:
        return (
            f"{migration.name} is a squashed migration (it replaces {len(replaced)}): a "
            "database that applied the replaced migrations skips it but would run the new "
            "drop; split it by hand, in the replaced migrations too"
        )
    if ctx.base.is_new is None:
        return (
            f"{ctx.base.no_base_reason}; MF003 splits only migrations that are new relative "
            "to the git base: split this one by hand (nullable step now, drop later) if it "
            "has not been applied anywhere"
        )
    if not ctx.base.is_new:
        return (
            f"{ctx.path.name} is already on the base branch ({ctx.base.commit[:12]}), so it "
            "has probably been applied: splitting it would make Django run the drop again. "
            "Roll back with care, or restore the column in a new migration"
        )
    if ctx.plan_refused:
        return f"not split: {ctx.plan_refused}"
    return ""


def _with_hint(finding: Finding, hint: str) -> Finding:
    return Finding(finding.code, finding.message, finding.line, finding.column, None, hint)


def _examine(
    ctx: FileContext,
    history: History,
    migration: MigrationFile,
    op: OperationCall,
    classes: FieldClasses,
    *,
    copied: bool = False,
) -> tuple[Finding | None, Removal | None]:
    """The finding for one removal (``copied``: one of the copies a comprehension makes of
    the call written in the source), and the removal to split when it may be."""
    line, column = ctx.position(op.node)
    args = with_constants(migration, bind_arguments(op.node, "RemoveField"))
    model = literal_str(args.get("model_name")) if args else None
    field = literal_str(args.get("name")) if args else None
    if model is None or field is None:
        return (
            Finding(
                code,
                "`RemoveField` with non-literal names: cannot determine whether it "
                "can be rolled back",
                line,
                column,
            ),
            None,
        )
    shown = f"`{model}.{field}`"
    placement, anchor = migration.placement(op.node)
    if placement is Placement.STATE_ONLY:
        return None, None  # no column is dropped
    if anchor is None:
        where = "`RemoveField` outside the migration's `operations` list"
        if migration.operations is None:
            where = (
                f"the operations of {migration.name} are built dynamically "
                f"({migration.dynamic_reason})"
            )
        return _cannot(shown, where, line, column), None
    if migration.deletes_model_after(op.node, model):
        # The table is dropped too: rolling back creates it again, empty, before the field
        # is re-added, whatever the field was (no history needed).
        return None, None
    state = history.state_before(migration.name, anchor, model)
    if isinstance(state, str):
        return _cannot(shown, state, line, column), None
    looked_up = state.lookup(model, field)
    if isinstance(looked_up, str):
        alternatives = state.alternatives(model, field)
        if alternatives:
            return _examine_branches(shown, looked_up, alternatives, classes, line, column), None
        return _cannot(shown, looked_up, line, column), None
    verdict = classify(looked_up, classes)
    if verdict.auto_key:
        verdict = _auto_key(ctx, migration, op, state, looked_up, verdict)
    if verdict.kind is Outcome.SAFE:
        return None, None
    if verdict.kind is Outcome.UNKNOWN:
        return _cannot(shown, verdict.reason, line, column, verdict.hint), None
    message = f"removing {shown} cannot be rolled back: {verdict.reason}"
    finding = Finding(code, message, line, column)
    if placement is Placement.DATABASE:
        hint = "inside `SeparateDatabaseAndState`: split it by hand (nullable first, drop later)"
        return _with_hint(finding, hint), None
    if verdict.auto_key:
        hint = (
            "an auto-generated key cannot be made nullable, so the removal is not split: do not "
            "roll this migration back on SQLite, or rewrite its rollback by hand"
        )
        return _with_hint(finding, hint), None
    if verdict.primary_key:
        hint = (
            "a primary key cannot be made nullable, so the removal is not split: rewrite its "
            "rollback by hand (re-add the column nullable, give each row its own value, then "
            "make it the key)"
        )
        return _with_hint(finding, hint), None
    if not verdict.field_class:
        hint = (
            f"the nullable step cannot be written for a field class this tool does not "
            f"follow ({_field_call(looked_up)}): split it by hand (nullable first, drop later)"
        )
        return _with_hint(finding, hint), None
    if copied:
        hint = (
            "the `RemoveField` is written in code that builds the operations (a comprehension, "
            "a function): split it by hand (nullable first, drop later)"
        )
        return _with_hint(finding, hint), None
    holder, in_class = migration.bindings.holder(op.node)
    if holder.startswith("under "):
        # In a branch of an ``if``: the drop migration would run whichever branch ran.
        where = holder + ("" if in_class else " at module level")
        hint = (
            f"the `RemoveField` is written {where}: split it by hand (nullable first, "
            "drop later, under the same condition)"
        )
        return _with_hint(finding, hint), None
    if holder.endswith("(...)`"):
        where = holder + ("" if in_class else " at module level")
        hint = (
            f"the `RemoveField` is added by {where}: split it by hand (nullable first, drop later)"
        )
        return _with_hint(finding, hint), None
    if not (in_class and holder in ("`operations = ...`", "`operations += ...`")):
        # Reached through a name (``ops = [...]``, ``operations = ops``): that value may be
        # used elsewhere too, so it is not rewritten.
        where = holder + ("" if in_class else " at module level")
        hint = (
            f"the `RemoveField` is written in {where}, which the operations reach through "
            "a name: split it by hand (nullable first, drop later)"
        )
        return _with_hint(finding, hint), None
    if migration.variants:
        lines = sorted({line for v in migration.variants for line, _ in v.branches})
        hint = (
            f"the operations of {migration.name} depend on the `if` at line {lines[0]}: "
            "split it by hand (nullable first, drop later, under the same condition)"
        )
        return _with_hint(finding, hint), None
    return finding, Removal(op, model, field, looked_up, verdict)


def _examine_branches(
    shown: str,
    why: str,
    alternatives: list[FieldState | None],
    classes: FieldClasses,
    line: int,
    column: int,
) -> Finding | None:
    """A field that the branches of an ``if`` leave different (``why`` says which): decided
    when every branch that leaves such a field gives the same answer (after a branch that
    leaves none, the removal would fail: it does not run there). Never rewritten."""
    verdicts = [classify(f, classes) for f in alternatives if f is not None]
    kinds = {v.kind for v in verdicts}
    if any(v.auto_key for v in verdicts):
        return _cannot(shown, f"{why}, and it is an auto-generated key after one", line, column)
    if kinds == {Outcome.SAFE}:
        return None
    if kinds == {Outcome.UNSAFE}:
        reasons = "; or ".join(dict.fromkeys(v.reason for v in verdicts))
        finding = Finding(code, f"removing {shown} cannot be rolled back: {reasons}", line, column)
        return _with_hint(finding, f"{why}: split it by hand (nullable first, drop later)")
    unknown = next((v for v in verdicts if v.kind is Outcome.UNKNOWN), None)
    if unknown is not None:
        return _cannot(shown, f"{why}; after one: {unknown.reason}", line, column, unknown.hint)
    return _cannot(shown, f"{why}: it can be re-added after one, not after another", line, column)


def _auto_key(
    ctx: FileContext,
    migration: MigrationFile,
    op: OperationCall,
    state: State,
    removed: FieldState,
    verdict: Verdict,
) -> Verdict:
    """The verdict for an auto-generated primary key's removal, from the model's other
    fields, the rest of the migration and the project's dialects (measured:
    :func:`migration_fixer.column_readd.decide_auto_key`)."""
    # Each field of the model after the removal: whether it is the primary key (None:
    # cannot be told).
    keys = {
        name: _primary_key(other.expr)
        for name, other in state.models[removed.model.lower()].fields.items()
        if name != removed.name.lower()
    }
    names = {name: other.name for name, other in state.models[removed.model.lower()].fields.items()}
    other_key: str | None = next((names[n] for n, key in keys.items() if key), "")
    if not other_key and None in keys.values():
        other_key = None
    # Right after the removal (not measured: a key other than `id` removed beside a field
    # `id`), then after each later operation of the migration on the model, in each variant
    # of the operations that holds the removal (an answer only when they all agree).
    initial: bool | None = None if _id_without_key(keys) is not False else False
    outcomes = {
        _id_without_key_after(dict(keys), initial, after, removed.model)
        for after in migration.operations_after(op.node)
    }
    id_without_key = outcomes.pop() if len(outcomes) == 1 else None
    dialects = tuple(d for d in ctx.settings.get(code, "dialect", "").split(",") if d)
    result = decide_auto_key(
        verdict, other_key=other_key, id_without_key=id_without_key, dialects=dialects
    )
    return dataclasses.replace(result, auto_key=True)


def _id_without_key_after(
    keys: dict[str, bool | None],
    id_without_key: bool | None,
    after: list[tuple[str, dict[str, ast.expr]]],
    model: str,
) -> bool | None:
    """Whether the operations ``after`` the removal leave ``model`` with a field ``id``
    and no primary key (None: cannot be told), from its fields' ``keys`` and what is known
    right after the removal (``id_without_key``)."""
    for operation, args in after:
        if id_without_key:
            break
        if literal_str(args.get("model_name")) is None and "model_name" in args:
            id_without_key = None
            continue
        if not names_match(args.get("model_name"), model):
            continue
        if operation in ("AddField", "AlterField", "RemoveField"):
            name = literal_str(args.get("name"))
            if name is None:
                id_without_key = None
                continue
            keys.pop(name.lower(), None)
            if operation != "RemoveField":
                keys[name.lower()] = _primary_key(args.get("field"))
        else:  # RenameField: the one other operation with a `model_name`
            old, new = literal_str(args.get("old_name")), literal_str(args.get("new_name"))
            if old is None or new is None:
                id_without_key = None
                continue
            keys[new.lower()] = keys.pop(old.lower(), None)
        now = _id_without_key(keys)
        if now is not False:
            id_without_key = now
    return id_without_key


def _primary_key(expr: ast.expr | None) -> bool | None:
    """Whether a field's definition makes it the primary key (None: cannot be told)."""
    if not isinstance(expr, ast.Call) or has_star_args(expr):
        return None
    value = keyword_argument(expr, "primary_key")
    if value is None:
        return False
    if isinstance(value, ast.Constant) and value.value is not Ellipsis:
        return bool(value.value)  # by its truth, as Django reads it
    return None


def _id_without_key(keys: dict[str, bool | None]) -> bool | None:
    """Whether a model whose fields are ``keys`` (name: is the primary key) has a field
    `id` that is not the primary key and no primary key (None: cannot be told)."""
    if "id" not in keys or True in keys.values():
        return False
    return None if None in keys.values() else True


def _field_call(field: FieldState) -> str:
    expr = field.expr
    return f"`{ast.unparse(expr.func if isinstance(expr, ast.Call) else expr)[:60]}`"


def _cannot(shown: str, reason: str, line: int, column: int, hint: str = "") -> Finding:
    advice = "check the field by hand; if it is non-null without a default, split the removal"
    return Finding(
        code,
        f"cannot determine whether removing {shown} can be rolled back: {reason}",
        line,
        column,
        hint=f"{hint}, or {advice}" if hint else advice,
    )


# -- what is left undecided, by cause ----------------------------------------------------

#: The shapes of the reasons a removal cannot be decided, first match wins (the reason is
#: a "cannot determine" finding's message).
_CAUSES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), shape)
    for pattern, shape in (
        (r"which is not in this folder", "a dependency is not in the folder"),
        (r"dependency cycle", "a dependency cycle"),
        (r"is not among the project's files", "a field class whose source is not found"),
        (r"is underneath cannot be told", "a field class that cannot be followed"),
        (r"is not a Django field class this tool knows", "a field class this tool does not know"),
        (r"generated key", "an auto-generated primary key"),
        (r"no `class Migration` at module level", "not a migration module"),
        (r"does not parse", "a migration that does not parse"),
        (r"is not the same after each branch of the `if`", "branches that disagree"),
        (
            r"bound conditionally|bound by|deleted by|changed by|changed in place|"
            r"not bound before|added to before|too many names|passed to `|used by `|"
            r"extended by a value|is a tuple: |ways through the module|statements at lines",
            "a list bound to a name dynamically",
        ),
        (r"built dynamically|operations` is `|the `fields` of", "operations built by code"),
        (r"outside the migration's `operations` list", "a removal outside the operations"),
        (r"non-literal name", "names that are not literals"),
        (r"custom operation|subclasses `|is not an operation call", "a custom operation"),
        (r"is not created in|is not defined in", "a model or field from outside the folder"),
        (
            r"is not a literal|\*args|the field is `|to a value this tool cannot read",
            "field arguments that are not literals",
        ),
    )
)


def cause_shape(message: str) -> str | None:
    """The shape of why a finding cannot be decided (None: it is decided)."""
    if "cannot determine" not in message:
        return None
    return next((shape for pattern, shape in _CAUSES if pattern.search(message)), "other")


def summarize(findings: Sequence[Finding]) -> list[str]:
    """For ``--verbose``: how many of the findings cannot be decided, by cause shape."""
    shapes = Counter(cause_shape(f.message) for f in findings if f.code == code)
    unknown = sum(n for shape, n in shapes.items() if shape is not None)
    if not unknown:
        return []
    total = sum(shapes.values())
    by_cause = ", ".join(
        f"{n} {shape}"
        for shape, n in sorted(shapes.items(), key=lambda item: (-item[1], str(item[0])))
        if shape is not None
    )
    return [f"{code}: {unknown} of {total} findings cannot be determined: {by_cause}"]


# -- the fix ---------------------------------------------------------------------------


def _fix_all(
    ctx: FileContext,
    history: History,
    migration: MigrationFile,
    removals: list[tuple[Removal, Finding]],
) -> Iterator[Finding]:
    leaves = history.leaves()
    unreadable = [m.path.name for m in history.files.values() if m.parse_error]
    strays = history.without_migration_class()
    if unreadable or strays or len(leaves) != 1:
        reason = (
            f"the app has {len(leaves)} leaf migrations ({', '.join(leaves)}): "
            "run `manage.py makemigrations --merge` first"
        )
        if strays:
            reason = (
                f"{', '.join(strays)} has no `Migration` class: Django's loader stops on it "
                "(BadMigrationError); give it a name starting with `_` (Django skips those) "
                "or move it out of the folder, then run again"
            )
        if unreadable:
            reason = f"{', '.join(unreadable)} does not parse: fix it, then run again"
        for _, finding in removals:
            yield _with_hint(finding, reason)
        return
    # A field in a unique group of the folder: one placeholder in every row would break the
    # group's uniqueness. (Asked only of a removal to split: it reads every file's text.)
    removals = [
        (
            dataclasses.replace(r, verdict=dataclasses.replace(r.verdict, unique=True))
            if history.in_unique_group(r.field)
            else r,
            finding,
        )
        for r, finding in removals
    ]
    strategy = ctx.settings.get(code, "strategy", "nullable")
    fixed: list[tuple[Removal, Finding, list[Edit], str | None]] = []
    used_names = {n.id for n in ast.walk(ctx.tree) if isinstance(n, ast.Name)} | {
        s.name for s in ctx.tree.body if isinstance(s, (ast.FunctionDef, ast.ClassDef))
    }
    added_dependencies: set[str] = set()
    for removal, finding in removals:
        try:
            edits, backfill = _split(
                ctx, history, migration, removal, strategy, used_names, added_dependencies
            )
        except CannotWrite as exc:
            yield _with_hint(finding, str(exc))
            continue
        fixed.append((removal, finding, edits, backfill))
    if not fixed:
        return
    vocabulary = ctx.settings.get(code, "vocabulary", "ours")
    drop = drop_migration(
        ctx.path,
        history.label,
        [r for r, *_ in fixed],
        vocabulary,
        ctx.line_length,
        quote_style(migration.text),
    )
    plan = (
        f"deploy {migration.path.name} (the field stays, "
        f"{'with a db_default' if strategy == 'db-default' else 'nullable'}) in this release; "
        f"{PLANNED_NAME} drops it and is marked to run after the deploy: ship it in "
        "a later release, once no running code reads the column"
    )
    for position, (removal, finding, edits, backfill) in enumerate(fixed):
        hint = plan
        if removal.verdict.placeholder is None:
            kind = "foreign key" if removal.verdict.relation else removal.verdict.field_class
            hint = (
                f"{with_article(kind)} has no placeholder: before rolling {migration.name} back, "
                f"give rows with NULL `{removal.field}` a value by hand (see `{backfill}`). "
                f"{plan}"
            )
        new_migrations = (drop,) if position == 0 else ()
        yield Finding(
            finding.code,
            finding.message,
            finding.line,
            finding.column,
            Fix(tuple(edits), new_migrations=new_migrations),
            hint,
        )


def _split(
    ctx: FileContext,
    history: History,
    migration: MigrationFile,
    removal: Removal,
    strategy: str,
    used_names: set[str],
    added_dependencies: set[str],
) -> tuple[list[Edit], str | None]:
    verdict = removal.verdict
    placeholder = verdict.placeholder
    if strategy == "db-default" and (
        placeholder is None or verdict.unique or verdict.field_class == "JSONField"
    ):
        raise CannotWrite(
            f"--strategy db-default needs a single placeholder value, which a "
            f"{'unique ' if verdict.unique else ''}{verdict.field_class} does not have: "
            "use the default strategy (nullable) or split by hand"
        )
    if migration.adds_field_after(removal.op.node, removal.model, removal.field):
        raise CannotWrite(
            f"`{removal.field}` is added again later in this migration (a change of type?): "
            "split it by hand"
        )
    later = history.first_change_after(migration.name, removal.model, removal.field)
    if later is not None and later.unknown:
        raise CannotWrite(
            f"cannot determine whether a later migration changes "
            f"`{removal.model}.{removal.field}` ({later.unknown}): the deferred drop would "
            "come after it; split by hand"
        )
    if later is not None:
        raise CannotWrite(
            f"{later.migration} changes `{removal.model}.{removal.field}` (or its model) "
            "again: the deferred drop would come after it and undo it; split by hand"
        )
    return nullable_step(
        ctx, history.label, migration, removal, strategy, used_names, added_dependencies
    )
