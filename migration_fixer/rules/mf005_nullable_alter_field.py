"""## What it does
Checks for `AlterField` operations that make a non-null field nullable (`null=True`) when the
field had no `default`. The field's previous definition is found by replaying the folder's
migration history statically, as MF003 does.

## Why is this bad?
Once the migration is applied, the application may write NULL into the column. Unapplying
the `AlterField` restores NOT NULL, and the database refuses while a row holds NULL:
PostgreSQL `column "x" contains null values`, SQLite `NOT NULL constraint failed` (the table
is copied), MySQL/MariaDB `Data truncated for column` (strict mode). The rollback stops at
this migration. Django fills the NULLs itself only when the non-null field has a `default`
(it then runs `UPDATE ... SET x = <default> WHERE x IS NULL` before restoring NOT NULL).

## Example
```python
operations = [
    migrations.AlterField(
        model_name="product",
        name="sku",
        field=models.CharField(max_length=32, null=True),
    ),
]
```

## Use instead
Give the rollback a value to put into those rows, with a `RunPython` after the `AlterField`
whose reverse backfills a placeholder (the operations are unapplied in reverse order, so the
backfill runs before NOT NULL is restored):
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

## Fix safety
The fix adds that `RunPython` and its backfill function, the one MF003 writes for its
nullable step: rows holding NULL get a placeholder (`""`, `0`, `False`, 1970-01-01..., a
distinct value per row for a unique field) when the migration is rolled back, and nothing
changes going forward. The placeholder is a reviewable guess, marked as such in the code. It
is a safe fix: without it the rollback fails. A foreign key has no placeholder, nor has a
field class this tool does not follow: those are reported, with a hint, and not rewritten;
so is an `AlterField` inside `SeparateDatabaseAndState`, reached through a name, or in
operations that depend on an `if`. An `AlterField` in `state_operations` changes no column
and is not reported. A field whose previous definition cannot be determined (a custom field
class, a model from another app, operations built at run time) is not reported: this rule
reports only what it can tell. Where the migration's class overrides `unapply` with a body
that always raises, the migration is never rolled back: it is not reported.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable, Iterator

from migration_fixer.column_readd import Outcome, classify, never_not_null
from migration_fixer.field_classes import FieldClasses, from_rule_settings
from migration_fixer.history import (
    FieldState,
    History,
    MigrationFile,
    Placement,
    literal_str,
    with_constants,
)
from migration_fixer.migration_ast import OperationCall, bind_arguments, has_star_args
from migration_fixer.migration_writer import (
    CannotWrite,
    Removal,
    backfill_step,
    element_layout,
    quote_style,
    with_article,
)
from migration_fixer.rule import (
    Edit,
    Example,
    FileContext,
    Finding,
    Fix,
    NothingFound,
    ReplaceElement,
    RuleExamples,
    UnparsedFile,
)
from migration_fixer.rules._reverse import unapply_raises

code: str = "MF005"
name: str = "nullable-alter-field"
summary: str = (
    "`AlterField` that makes a field nullable cannot be rolled back once a row holds NULL"
)
fix_summary: str = (
    "adds a `RunPython` after it whose reverse backfills a placeholder into the rows holding "
    "NULL, so that the rollback can restore NOT NULL"
)
triggers: tuple[bytes, ...] = (b"AlterField",)
needs_history: bool = False
#: A file is read only when it makes something nullable, and the history then.
requires: re.Pattern[bytes] | None = re.compile(rb"null\s*=\s*True")
history_when: re.Pattern[bytes] | None = requires
#: Not run unless selected (``--select MF005``): it replays the history for every field
#: made nullable, about half again the CPU of a cold run with the other rules.
preview: bool = True
nothing_unparsed: Callable[[UnparsedFile], NothingFound | None] | None = None

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
                ("stock", models.IntegerField(default=0)),
                ("legacy", models.IntegerField(null=True)),
            ],
        ),
    ]
"""


def _nullable(field: str, definition: str) -> str:
    return (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        "    operations = [\n"
        "        migrations.AlterField(\n"
        '            model_name="product",\n'
        f'            name="{field}",\n'
        f"            field={definition},\n"
        "        ),\n"
        "    ]\n"
    )


examples = RuleExamples(
    history=(("0001_initial.py", _INITIAL),),
    flagged=(
        Example(
            _nullable("sku", "models.CharField(max_length=32, null=True)"),
            "from django.db import migrations, models\n\n\n"
            "def backfill_product_sku(apps, schema_editor):\n"
            "    # MF005: rows written while `sku` was nullable get a placeholder, so that"
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
        ),
    ),
    clean=(
        # A default: Django fills the NULLs before restoring NOT NULL.
        _nullable("stock", "models.IntegerField(default=0, null=True)"),
        # Nullable already.
        _nullable("legacy", "models.IntegerField(null=True, help_text='old')"),
        # Still not nullable.
        _nullable("sku", "models.CharField(max_length=64)"),
    ),
)


def check(ctx: FileContext) -> Iterator[Finding]:
    alters = [
        op
        for op in ctx.operation_calls
        if op.operation == "AlterField" and _made_nullable(op.node) and not op.overrides_init
    ]
    if not alters:
        return
    history = ctx.folder_history()
    migration = None if history is None else history.files.get(ctx.path.stem)
    if history is None or migration is None or migration.tree is not ctx.tree:
        return
    classes = from_rule_settings(ctx.settings)
    used: set[str] = set()  # (the module's names, read when a backfill is first named)
    for op in alters:
        finding = _examine(ctx, history, migration, op, classes, used)
        ctx.reads_outside = ctx.reads_outside or classes.consulted
        if finding is not None:
            yield finding


def _made_nullable(node: ast.Call) -> bool:
    """Whether the ``AlterField`` call's new field is a call with a literal ``null=True``."""
    args = bind_arguments(node, "AlterField")
    field = None if args is None else args.get("field")
    return (
        isinstance(field, ast.Call)
        and not has_star_args(field)
        and any(
            kw.arg == "null" and isinstance(kw.value, ast.Constant) and kw.value.value is True
            for kw in field.keywords
        )
    )


def _examine(
    ctx: FileContext,
    history: History,
    migration: MigrationFile,
    op: OperationCall,
    classes: FieldClasses,
    used: set[str],
) -> Finding | None:
    args = with_constants(migration, bind_arguments(op.node, "AlterField"))
    model = literal_str(args.get("model_name")) if args else None
    field = literal_str(args.get("name")) if args else None
    placement, anchor = migration.placement(op.node)
    if model is None or field is None or anchor is None or placement is Placement.STATE_ONLY:
        return None
    state = history.state_before(migration.name, anchor, model)
    before = None if isinstance(state, str) else state.lookup(model, field)
    if not isinstance(before, FieldState) or not _loses_null_rows(before):
        return None
    if _backfilled_later(ctx, op, field):
        return None
    verdict = classify(before, classes)
    if (
        verdict.kind is Outcome.UNKNOWN
        or not verdict.field_class
        or never_not_null(verdict.field_class)
    ):
        return None
    # What Django would put into a re-added column (blank text, auto_now, db_default) fills
    # the NULLs on SQLite, whose AlterField copies the table with COALESCE; the others only
    # take a ``default``.
    sqlite_fills = verdict.kind is Outcome.SAFE
    dialects = {d for d in ctx.settings.get(code, "dialect", "").split(",") if d}
    if sqlite_fills and dialects == {"sqlite"}:
        return None
    if unapply_raises(ctx) is not None:
        return None  # never rolled back: the rollback stops before this migration
    line, column = ctx.position(op.node)
    shown = f"`{model}.{field}`"
    where = "on PostgreSQL and MySQL/MariaDB (SQLite fills them)" if sqlite_fills else ""
    message = (
        f"`AlterField` makes {shown} nullable: rolling it back restores NOT NULL, which fails "
        f"{where + ' ' if where else ''}once a row holds NULL "
        f"({with_article(verdict.field_class)} with no default to fill them with)"
    )
    by_hand = _why_by_hand(migration, op, placement, verdict.placeholder is None, verdict.relation)
    if by_hand:
        return Finding(code, message, line, column, hint=by_hand)
    if history.in_unique_group(field):
        # (One placeholder in every row would break a unique_together or a UniqueConstraint.)
        verdict = dataclasses.replace(verdict, unique=True)
    removal = Removal(op, model, field, before, verdict)
    try:
        edits = _backfill_after(ctx, history.label, migration, removal, used)
    except CannotWrite as exc:
        return Finding(code, message, line, column, hint=f"{exc}: write the backfill by hand")
    return Finding(code, message, line, column, fix=Fix(tuple(edits)))


_RUN_PYTHON = frozenset({"RunPython"})
_WORD = re.compile(r"\w+")


def _backfilled_later(ctx: FileContext, op: OperationCall, field: str) -> bool:
    """Whether a ``RunPython`` after the ``AlterField`` has a reverse, a function of the
    module, that names the field (a backfill: this rule's own, or one written by hand)."""
    word = re.compile(rf"\b{re.escape(field)}\b")
    functions = {stmt.name: stmt for stmt in ctx.tree.body if isinstance(stmt, ast.FunctionDef)}
    # (Not among ``ctx.operation_calls``, which hold the calls of the selected rules' kinds.)
    for later in ctx.index.operation_calls(_RUN_PYTHON):
        if later.node.lineno <= op.node.lineno:
            continue
        args = bind_arguments(later.node, "RunPython")
        reverse = None if args is None else args.get("reverse_code")
        function = functions.get(reverse.id) if isinstance(reverse, ast.Name) else None
        if function is not None and word.search(ctx.segment(function)):
            return True
    return False


def _loses_null_rows(before: FieldState) -> bool:
    """Whether restoring ``before`` (the field as it was: not null) fails on rows holding
    NULL: Django's ``AlterField`` reverse fills them only from a ``default`` the state keeps
    (``has_default()``, not ``db_default``, not a blank string's ``''``)."""
    expr = before.expr
    if not isinstance(expr, ast.Call) or has_star_args(expr):
        return False
    keywords = {kw.arg: kw.value for kw in expr.keywords if kw.arg is not None}
    null, key = keywords.get("null"), keywords.get("primary_key")
    if null is not None and not (isinstance(null, ast.Constant) and null.value is False):
        return False  # nullable already, or not a literal
    if key is not None and not (isinstance(key, ast.Constant) and key.value is False):
        return False
    default = keywords.get("default")
    kept = before.preserve_default and default is not None
    return not kept or (isinstance(default, ast.Constant) and default.value is None)


def _why_by_hand(
    migration: MigrationFile,
    op: OperationCall,
    placement: Placement,
    no_placeholder: bool,
    relation: bool,
) -> str:
    """Why the backfill is not written ("" when it is)."""
    if no_placeholder:
        what = "a foreign key has no placeholder" if relation else "there is no placeholder"
        return (
            f"{what}: add after it `RunPython(RunPython.noop, reverse_code=...)` whose "
            "reverse gives the rows holding NULL a value, before rolling back"
        )
    holder, in_class = migration.bindings.holder(op.node)
    written = placement is Placement.TOP_LEVEL and in_class and holder == "`operations = ...`"
    if not written or migration.variants or migration.bindings.copies_of(op.node):
        return (
            "the `AlterField` is not written directly in `operations = [...]`: add the "
            "backfilling `RunPython` after it by hand"
        )
    return ""


def _backfill_after(
    ctx: FileContext, label: str, migration: MigrationFile, removal: Removal, used: set[str]
) -> list[Edit]:
    """The edits that add, after the ``AlterField``, a ``RunPython`` whose reverse is the
    backfill, and the backfill function."""
    edits: list[Edit] = []
    line, column, indent, explode = element_layout(ctx, removal.op.node)
    if not used:
        # Every word of the text (a name the module binds is one): what a new function
        # must not be called.
        used.update(_WORD.findall(ctx.text))
    quote = quote_style(migration.text)
    run, _ = backfill_step(ctx, label, removal, quote, used, indent, edits, code)
    edits.insert(0, ReplaceElement(line, column, (ctx.segment(removal.op.node), run), explode))
    return edits
