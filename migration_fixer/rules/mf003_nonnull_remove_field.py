"""## What it does
Checks for `RemoveField` operations that drop a column Django cannot re-add when the
migration is rolled back: a non-null field with nothing to fill existing rows with (no
`default`, `db_default`, `blank=True` on a string field, `auto_now`...), a non-null
foreign key, or a unique field whose default would be the same in every row. The field's
definition is found by replaying the folder's migration history statically.

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
django-syzygy, otherwise `post_deploy = True`, which `migrate_or_rollback` honours).

## Fix safety
Only migrations that are new relative to the git base (`--since`, or the merge-base with
the default branch) are split: an already-applied migration must not change. The
backfill's placeholder (`""`, `0`, `False`, 1970-01-01... or the field's old literal
default) is a reviewable guess and is marked as such in the code; a foreign key has no
placeholder, so its backfill is left for you to write (the finding says so). With
`--strategy db-default` (Django 5.0+) the column stays NOT NULL and gets a `db_default`
instead, so no NULL is ever written. Fields whose definition cannot be determined
statically (a custom field class, a field from an app outside the paths, operations built
dynamically) are reported as "cannot determine" and never rewritten.
"""

from __future__ import annotations

import ast
import builtins
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

from migration_fixer import __version__
from migration_fixer.dotted_names import attribute_chain, module_imports, required_module
from migration_fixer.history import (
    FieldState,
    History,
    MigrationFile,
    bind_arguments,
    literal_str,
)
from migration_fixer.migration_ast import LOCAL, OperationCall
from migration_fixer.readd import Verdict, classify
from migration_fixer.rule import (
    PLANNED_NAME,
    AddImport,
    AppendElement,
    Edit,
    Example,
    FileContext,
    Finding,
    Fix,
    InsertStatements,
    NewMigration,
    ReplaceElement,
    RuleExamples,
)
from migration_fixer.suppression import NoqaComments, is_suppressed

code: str = "MF003"
name: str = "non-null-field-removal"
summary: str = "`RemoveField` of a non-null field cannot be rolled back on a table with rows"
triggers: tuple[bytes, ...] = (b"RemoveField",)
#: This rule needs the folder's history (and git) to run; tests/rules/test_mf003*.py cover it.
needs_history: bool = True

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
            "    Product.objects.using(schema_editor.connection.alias).filter(sku__isnull=True)"
            '.update(sku="")\n'
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

_DJANGO_MIGRATIONS = "django.db.migrations"


@dataclass
class _Removal:
    op: OperationCall
    model: str
    field: str
    state: FieldState
    verdict: Verdict


class _CannotFix(Exception):
    pass


def check(ctx: FileContext) -> Iterator[Finding]:
    history: History | None = ctx.history
    if history is None:
        return
    migration = history.files.get(ctx.path.stem)
    if migration is None or migration.tree is not ctx.tree:
        return
    removals: list[tuple[_Removal, Finding]] = []
    comments = NoqaComments(ctx.text, ctx.lines)
    for op in ctx.operation_calls:
        if op.operation != "RemoveField":
            continue
        finding, removal = _examine(ctx, history, migration, op)
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
    refusal = _why_not_split(ctx)
    if refusal:
        for _, finding in removals:
            yield _with_hint(finding, refusal)
        return
    yield from _fix_all(ctx, history, migration, removals)


def _why_not_split(ctx: FileContext) -> str:
    """Why this migration's removals are not split ("" when they may be)."""
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
    ctx: FileContext, history: History, migration: MigrationFile, op: OperationCall
) -> tuple[Finding | None, _Removal | None]:
    line, column = ctx.position(op.node)
    args = bind_arguments(op.node, "RemoveField")
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
    top_level = migration.operations is not None and any(
        element is op.node for element in migration.operations
    )
    container = _enclosing_separate(migration, op.node)
    if container == "state":
        return None, None  # state only: no column is dropped
    if not top_level and container is None:
        where = "`RemoveField` outside the migration's `operations` list"
        if migration.operations is None:
            where = (
                f"the operations of {migration.name} are built dynamically "
                f"({migration.dynamic_reason})"
            )
        return _cannot(shown, where, line, column), None
    anchor = op.node if top_level else _separate_call(migration, op.node)
    assert anchor is not None  # top level, or inside a SeparateDatabaseAndState/RunSQL
    state = history.state_before(migration.name, anchor)
    if isinstance(state, str):
        return _cannot(shown, state, line, column), None
    if migration.deletes_model_after(op.node, model):
        return None, None  # the table is dropped too: rolling back re-adds it empty
    looked_up = state.lookup(model, field)
    if isinstance(looked_up, str):
        return _cannot(shown, looked_up, line, column), None
    verdict = classify(looked_up)
    if verdict.kind == "safe":
        return None, None
    if verdict.kind == "unknown":
        return _cannot(shown, verdict.reason, line, column), None
    message = f"removing {shown} cannot be rolled back: {verdict.reason}"
    finding = Finding(code, message, line, column)
    if not top_level:
        hint = "inside `SeparateDatabaseAndState`: split it by hand (nullable first, drop later)"
        return _with_hint(finding, hint), None
    return finding, _Removal(op, model, field, looked_up, verdict)


def _cannot(shown: str, reason: str, line: int, column: int) -> Finding:
    return Finding(
        code,
        f"cannot determine whether removing {shown} can be rolled back: {reason}",
        line,
        column,
        hint="check the field by hand; if it is non-null without a default, split the removal",
    )


def _enclosing_separate(migration: MigrationFile, node: ast.Call) -> str | None:
    call = _separate_call(migration, node)
    if call is None:
        return None
    operation = migration.index.resolve_callee(call.func, migration.tree).operation
    assert operation is not None
    args = bind_arguments(call, operation) or {}
    for kind in ("state", "database"):
        value = args.get(f"{kind}_operations")
        if value is not None and any(n is node for n in ast.walk(value)):
            return kind
    return None  # pragma: no cover - node was found inside the call's arguments


def _separate_call(migration: MigrationFile, node: ast.Call) -> ast.Call | None:
    for element in migration.operations or ():
        if (
            isinstance(element, ast.Call)
            and element is not node
            and element.lineno <= node.lineno <= (element.end_lineno or element.lineno)
            and any(n is node for n in ast.walk(element))
        ):
            resolved = migration.index.resolve_callee(element.func, migration.tree)
            # RunSQL(state_operations=...) changes the state only, like the other.
            if resolved.operation in ("SeparateDatabaseAndState", "RunSQL"):
                return element
    return None


# -- the fix ---------------------------------------------------------------------------


def _fix_all(
    ctx: FileContext,
    history: History,
    migration: MigrationFile,
    removals: list[tuple[_Removal, Finding]],
) -> Iterator[Finding]:
    leaves = history.leaves()
    unreadable = [m.path.name for m in history.files.values() if m.parse_error]
    if unreadable or len(leaves) != 1:
        reason = (
            f"the app has {len(leaves)} leaf migrations ({', '.join(leaves)}): "
            "run `manage.py makemigrations --merge` first"
        )
        if unreadable:
            reason = f"{', '.join(unreadable)} does not parse: fix it, then run again"
        for _, finding in removals:
            yield _with_hint(finding, reason)
        return
    strategy = ctx.settings.get(code, "strategy", "nullable")
    fixed: list[tuple[_Removal, Finding, list[Edit]]] = []
    used_names = {n.id for n in ast.walk(ctx.tree) if isinstance(n, ast.Name)} | {
        s.name for s in ctx.tree.body if isinstance(s, (ast.FunctionDef, ast.ClassDef))
    }
    added_dependencies: set[str] = set()
    for removal, finding in removals:
        try:
            edits = _split(
                ctx, history, migration, removal, strategy, used_names, added_dependencies
            )
        except _CannotFix as exc:
            yield _with_hint(finding, str(exc))
            continue
        fixed.append((removal, finding, edits))
    if not fixed:
        return
    drop = _drop_migration(ctx, history, migration, [r for r, _, _ in fixed])
    plan = (
        f"deploy {migration.path.name} (the field stays, "
        f"{'with a db_default' if strategy == 'db-default' else 'nullable'}) in this release; "
        f"{PLANNED_NAME} drops it and is marked to run after the deploy: ship it in "
        "a later release, once no running code reads the column"
    )
    for position, (removal, finding, edits) in enumerate(fixed):
        hint = plan
        if removal.verdict.placeholder is None:
            kind = "foreign key" if removal.verdict.relation else removal.verdict.field_class
            hint = (
                f"{_a(kind)} has no placeholder: before rolling {migration.name} back, "
                f"give rows with NULL `{removal.field}` a value by hand (see "
                f"backfill function). {plan}"
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


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'AEIOU' else 'a'} {noun}"


def _spell(ctx: FileContext, op: OperationCall, operation: str, edits: list[Edit]) -> str:
    """How this file names Django's ``operation`` (``migrations.AlterField``...)."""
    func = op.node.func
    if isinstance(func, ast.Attribute):
        # ``migrations.RemoveField``, ``m.RemoveField``: the same module has the others;
        # ``...operations.fields.RemoveField`` has no RunPython: import it by name.
        module = ctx.index.qualified_name(func.value, ctx.tree)
        operations = f"{_DJANGO_MIGRATIONS}.operations"
        if module == _DJANGO_MIGRATIONS or (
            module == operations and operation != "swappable_dependency"
        ):
            return f"{ast.unparse(func.value)}.{operation}"
    bound = ctx.index.qualified_name(ast.Name(id=operation, ctx=ast.Load()), ctx.tree)
    if bound is None:
        edits.append(AddImport(_DJANGO_MIGRATIONS, operation))
        return operation
    if bound.rsplit(".", 1)[-1] == operation and bound.startswith(_DJANGO_MIGRATIONS):
        return operation
    raise _CannotFix(f"`{operation}` means something else in this file")


def _split(
    ctx: FileContext,
    history: History,
    migration: MigrationFile,
    removal: _Removal,
    strategy: str,
    used_names: set[str],
    added_dependencies: set[str],
) -> list[Edit]:
    edits: list[Edit] = []
    verdict = removal.verdict
    placeholder = verdict.placeholder
    if strategy == "db-default" and (
        placeholder is None or verdict.unique or verdict.field_class == "JSONField"
    ):
        raise _CannotFix(
            f"--strategy db-default needs a single placeholder value, which a "
            f"{'unique ' if verdict.unique else ''}{verdict.field_class} does not have: "
            "use the default strategy (nullable) or split by hand"
        )
    if migration.adds_field_after(removal.op.node, removal.model, removal.field):
        raise _CannotFix(
            f"`{removal.field}` is added again later in this migration (a change of type?): "
            "split it by hand"
        )
    later = history.first_change_after(migration.name, removal.model, removal.field)
    if later is not None and later.unknown:
        raise _CannotFix(
            f"cannot determine whether a later migration changes "
            f"`{removal.model}.{removal.field}` ({later.unknown}): the deferred drop would "
            "come after it; split by hand"
        )
    if later is not None:
        raise _CannotFix(
            f"{later.migration} changes `{removal.model}.{removal.field}` (or its model) "
            "again: the deferred drop would come after it and undo it; split by hand"
        )
    line, column = ctx.position(removal.op.node)
    indent = _indent_of(ctx.lines[line - 1])
    inner = indent + "    "
    expression = _copy_field(ctx, history.label, removal.state, inner, edits)
    quote = _quote_style(migration.text)
    if strategy == "db-default":
        assert placeholder is not None
        value = placeholder[0]
        if value in ('""', 'b""') and quote == "'":
            value = value.replace('"', "'")
        expression = _set_keyword(expression, removal.state.expr, "db_default", value)
        edits.extend(AddImport(module) for module in placeholder[1])
    else:
        expression = _set_keyword(expression, removal.state.expr, "null", "True")
    alter = _spell(ctx, removal.op, "AlterField", edits)
    model_src, field_src = _quoted(removal.model, quote), _quoted(removal.field, quote)
    # A one-off default (AddField/AlterField(preserve_default=False)) is not in the state:
    # keep it out of the state here too, as Django writes it.
    one_off = "" if removal.state.preserve_default else f"{inner}preserve_default=False,\n"
    alter_src = (
        f"{alter}(\n{inner}model_name={model_src},\n{inner}name={field_src},\n"
        f"{inner}field={expression},\n{one_off}{indent})"
    )
    elements = [alter_src]
    if strategy != "db-default":
        function = _unique_name(f"backfill_{removal.model.lower()}_{removal.field}", used_names)
        run_python = _spell(ctx, removal.op, "RunPython", edits)
        elements.append(
            f"{run_python}(\n{inner}{run_python}.noop,\n{inner}reverse_code={function},\n{indent})"
        )
        edits.append(InsertStatements(_backfill(history, removal, function, quote, edits)))
    edits.insert(0, ReplaceElement(line, column, tuple(elements)))
    _swappable(ctx, migration, removal, edits, added_dependencies)
    return edits


def _indent_of(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t"))]


def _quote_style(text: str) -> str:
    singles = len(re.findall(r"'[A-Za-z_]", text))
    doubles = len(re.findall(r'"[A-Za-z_]', text))
    return "'" if singles > doubles else '"'


def _quoted(value: str, quote: str) -> str:
    body = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return f"{quote}{body}{quote}"


def _unique_name(base: str, used: set[str]) -> str:
    base = re.sub(r"\W", "_", base)
    candidate, counter = base, 2
    while candidate in used:
        candidate = f"{base}_{counter}"
        counter += 1
    used.add(candidate)
    return candidate


def _copy_field(
    ctx: FileContext, label: str, state: FieldState, indent: str, edits: list[Edit]
) -> str:
    """The field's defining expression, as written where it was last defined, re-indented
    for its new place; the imports it needs are added to ``edits``."""
    source = state.source
    segment = ast.get_source_segment(source.text, state.expr)
    if segment is None:  # pragma: no cover - the node comes from this text
        raise _CannotFix("cannot read the field's definition")
    _require_names(ctx, source, state.expr, edits)
    segment = _retarget(segment, state, label)
    if "\n" not in segment and "\r" not in segment:
        return segment
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(segment).readline))
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - it parsed as a node
        return segment
    if any(t.type == tokenize.STRING and t.start[0] != t.end[0] for t in tokens):
        return segment  # a multi-line string: leave every line as it is
    lines = re.split(r"\r\n|\r|\n", segment)
    old_base = _indent_of(source.text.splitlines()[state.expr.lineno - 1])
    out = [lines[0]]
    for text in lines[1:]:
        if text.startswith(old_base):
            text = indent + text[len(old_base) :]
        out.append(text)
    newline = "\r\n" if "\r\n" in ctx.text else "\n"
    return newline.join(out)


def _retarget(segment: str, state: FieldState, label: str) -> str:
    """A relation's ``to="shop.old"`` written before ``RenameModel(old, new)``, pointed at
    the new name (as Django's state does), in ``segment``, the source of ``state.expr``."""
    call = state.expr
    if not state.renamed_models or not isinstance(call, ast.Call):
        return segment
    target = next((k.value for k in call.keywords if k.arg == "to"), None)
    if target is None and call.args:
        target = call.args[0]
    if not (isinstance(target, ast.Constant) and isinstance(target.value, str)):
        return segment
    app, dot, model = target.value.rpartition(".")
    new = state.renamed_models.get(model.lower())
    if new is None or (dot and app != label):
        return segment
    # The text from the field's start to the literal: its offset in ``segment``.
    span = ast.Constant(
        None,
        lineno=call.lineno,
        col_offset=call.col_offset,
        end_lineno=target.lineno,
        end_col_offset=target.col_offset,
    )
    start = len(ast.get_source_segment(state.source.text, span) or "")
    literal = ast.get_source_segment(state.source.text, target) or ""
    quote = literal[-1:]
    value = f"{app}.{new.lower()}" if dot else new
    return segment[:start] + f"{quote}{value}{quote}" + segment[start + len(literal) :]


def _require_names(
    ctx: FileContext, source: MigrationFile, expr: ast.expr, edits: list[Edit]
) -> None:
    """Add to ``edits`` the imports that make every name of ``expr`` (copied from
    ``source``) mean here what it means there, from this module's own imports alone."""
    inner = {id(n.value) for n in ast.walk(expr) if isinstance(n, ast.Attribute)}
    imported = module_imports(ctx.tree) | {
        e.module for e in edits if isinstance(e, AddImport) and e.name is None and not e.alias
    }
    for node in ast.walk(expr):
        if not isinstance(node, (ast.Name, ast.Attribute)) or id(node) in inner:
            continue
        chain = attribute_chain(node)
        if chain is None:
            continue
        root = chain[0]
        theirs = source.index.qualified_name(ast.Name(id=root, ctx=ast.Load()), source.tree)
        ours = ctx.index.qualified_name(ast.Name(id=root, ctx=ast.Load()), ctx.tree)
        if theirs is None:
            if hasattr(builtins, root):
                continue
            raise _CannotFix(f"the field's definition uses `{root}`, which cannot be resolved")
        if theirs.startswith(LOCAL):
            raise _CannotFix(
                f"the field's definition uses `{root}`, defined in {source.name} itself: "
                "copy it by hand"
            )
        if ours is not None and ours != theirs:
            raise _CannotFix(f"`{root}` means something else here than in {source.name}")
        statement = source.index.import_statement(root)
        if statement is None:  # pragma: no cover - ``theirs`` resolved it to an import
            raise _CannotFix(f"cannot tell how `{root}` is imported")
        module, imported_name, alias = statement
        if imported_name is None and alias is None:
            # ``import django.db.models.deletion`` binds ``django``: the module the chain
            # needs must be imported here by name, whatever else binds ``django``.
            needed = required_module(chain, imported)
            if needed is not None:
                needed = _imported_prefix(source, chain) or needed
                imported = imported | {needed}
                edits.append(AddImport(needed))
        elif ours is None:
            edits.append(AddImport(module, imported_name, alias))


def _imported_prefix(source: MigrationFile, chain: list[str]) -> str | None:
    """The longest module ``source`` imports by name that starts ``chain``."""
    modules = module_imports(source.tree)
    for size in range(len(chain) - 1, 0, -1):
        if ".".join(chain[:size]) in modules:
            return ".".join(chain[:size])
    return None


def _set_keyword(expression: str, original: ast.expr, keyword: str, value: str) -> str:
    """``expression`` (the source of ``original``) with ``keyword=value`` set."""
    assert isinstance(original, ast.Call)
    tree = ast.parse(expression.strip(), mode="eval").body
    assert isinstance(tree, ast.Call)
    lines = re.split(r"(?<=\n)", expression)
    offsets = [0]
    for text in lines:
        offsets.append(offsets[-1] + len(text.encode("utf-8")))
    data = expression.encode("utf-8")

    def at(line: int, col: int) -> int:
        return offsets[line - 1] + col

    for kw in tree.keywords:
        if kw.arg == keyword:
            start = at(kw.value.lineno, kw.value.col_offset)
            end = at(kw.value.end_lineno or kw.value.lineno, kw.value.end_col_offset or 0)
            return (data[:start] + value.encode() + data[end:]).decode("utf-8")
    every = [*tree.args, *tree.keywords]
    if not every:
        end = at(tree.end_lineno or 1, (tree.end_col_offset or 1) - 1)
        return (data[:end] + f"{keyword}={value}".encode() + data[end:]).decode("utf-8")
    last = every[-1]
    node = last.value if isinstance(last, ast.keyword) else last
    assert isinstance(node, ast.expr)
    end = at(node.end_lineno or node.lineno, node.end_col_offset or 0)
    return (data[:end] + f", {keyword}={value}".encode() + data[end:]).decode("utf-8")


def _backfill(
    history: History, removal: _Removal, function: str, quote: str, edits: list[Edit]
) -> str:
    model = removal.state.model
    field = removal.field
    label = history.label
    header = f"def {function}(apps, schema_editor):\n"
    get_model = f"    {model} = apps.get_model({_quoted(label, quote)}, {_quoted(model, quote)})\n"
    manager = f"{model}.objects.using(schema_editor.connection.alias)"
    verdict = removal.verdict
    placeholder = verdict.placeholder
    # PostgreSQL queues the foreign key checks of an UPDATE until COMMIT, and ALTER TABLE
    # refuses a table with queued checks: run them before the AlterField is reversed.
    flush = (
        "    # Run the deferred foreign key checks now: ALTER TABLE refuses pending ones.\n"
        f"    if schema_editor.connection.vendor == {_quoted('postgresql', quote)}:\n"
        f"        schema_editor.execute({_quoted('SET CONSTRAINTS ALL IMMEDIATE', quote)})\n"
        f"        schema_editor.execute({_quoted('SET CONSTRAINTS ALL DEFERRED', quote)})\n"
    )
    if placeholder is None:
        kind, target, value = ("a foreign key", "point them at a", "<an instance>")
        if not verdict.relation:
            kind, target, value = (_a(verdict.field_class), "give them a", "<a value>")
        return (
            header + f"    # MF003: `{field}` is {kind}: there is no placeholder for rows written\n"
            f"    # while it was nullable. Before rolling this migration back, {target}\n"
            f"    # {'row' if verdict.relation else 'value'}, e.g.:\n"
            f"    # {model}.objects.filter({field}__isnull=True).update({field}={value})\n" + flush
        )
    value, modules = placeholder
    if value in ('""', 'b""') and quote == "'":
        value = value.replace('"', "'")
    edits.extend(AddImport(module) for module in modules)
    what = "its old default" if verdict.default_source is not None else "a placeholder"
    comment = (
        f"    # MF003: rows written while `{field}` was nullable get {what}, so that rolling\n"
        "    # this migration back can restore NOT NULL. Review the value.\n"
    )
    if verdict.unique:
        if verdict.field_class == "UUIDField":
            edits.append(AddImport("uuid"))
            per_row = "uuid.uuid4()"
        elif verdict.field_class in ("CharField", "SlugField", "TextField", "EmailField"):
            per_row = 'f"placeholder-{row.pk}"'
            limit = _max_length(removal.state.expr)
            if limit is not None and limit < 24:  # keep it within the column
                per_row = "str(row.pk)"
        elif "Integer" in verdict.field_class:
            per_row = "-row.pk"
        else:
            raise _CannotFix(f"a unique {verdict.field_class} needs a distinct value per row")
        return (
            header
            + comment.replace("get a placeholder", "get a distinct placeholder")
            + get_model
            + f"    for row in {manager}.filter({field}__isnull=True):\n"
            f"        row.{field} = {per_row}\n"
            f"        row.save(update_fields=[{_quoted(field, quote)}])\n" + flush
        )
    return (
        header
        + comment
        + get_model
        + f"    {manager}.filter({field}__isnull=True).update({field}={value})\n"
        + flush
    )


def _max_length(expr: ast.expr) -> int | None:
    assert isinstance(expr, ast.Call)
    for kw in expr.keywords:
        if kw.arg == "max_length" and isinstance(kw.value, ast.Constant):
            value = kw.value.value
            return value if isinstance(value, int) else None
    return None


def _swappable(
    ctx: FileContext,
    migration: MigrationFile,
    removal: _Removal,
    edits: list[Edit],
    added: set[str],
) -> None:
    """``to=settings.AUTH_USER_MODEL``: the migration depends on the swappable model,
    once (``added``: the settings whose dependency an earlier removal of this file added)."""
    source = removal.state.source
    for node in ast.walk(removal.state.expr):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        qualified = source.index.qualified_name(node, source.tree)
        if qualified is None or not qualified.startswith("django.conf.settings."):
            continue
        deps = migration.dependencies_node
        if deps is None:
            return
        present = {
            ctx.index.qualified_name(e.args[0], ctx.tree)
            for e in deps.elts
            if isinstance(e, ast.Call)
            and len(e.args) == 1
            and ast.unparse(e.func).endswith("swappable_dependency")
        }
        if qualified not in present and qualified not in added:
            added.add(qualified)
            # Spelled like the file's operations: migrations.swappable_dependency, an
            # alias's, or imported from django.db.migrations by name.
            function = _spell(ctx, removal.op, "swappable_dependency", edits)
            line, column = ctx.position(deps)
            edits.append(AppendElement(line, column, f"{function}({ast.unparse(node)})"))
        return


def _drop_migration(
    ctx: FileContext,
    history: History,
    migration: MigrationFile,
    removals: list[_Removal],
) -> NewMigration:
    """The deferred drop, to be numbered by the runner's planning (after every migration
    of the folder, depending on the folder's leaf or the run's previous new migration)."""
    fragments = [f"remove_{r.model.lower()}_{r.field.lower()}" for r in removals]
    suffix = fragments[0]
    for fragment in fragments[1:]:
        candidate = f"{suffix}_{fragment}"
        if len(candidate) > 52:
            suffix = f"{suffix}_and_more"
            break
        suffix = candidate
    vocabulary = ctx.settings.get(code, "vocabulary", "ours")
    imports = ["from django.db import migrations"]
    marker = (
        "    # The contract step of an expand/contract split (migration-fixer MF003): run it\n"
        f"    # in a deploy after the one that applies {migration.name}, once no running\n"
        "    # code reads the removed column.\n"
    )
    if vocabulary == "safemigrate":
        imports.append("from django_safemigrate import Safe")
        marker += "    safe = Safe.after_deploy()\n"
    elif vocabulary == "syzygy":
        imports.append("from syzygy import Stage")
        marker += "    stage = Stage.POST_DEPLOY\n"
    else:
        marker += "    post_deploy = True\n"
    operations = "".join(
        "        migrations.RemoveField(\n"
        f"            model_name={_quoted(r.model.lower(), chr(34))},\n"
        f"            name={_quoted(r.field, chr(34))},\n"
        "        ),\n"
        for r in removals
    )
    head = (
        f"# Generated by migration-fixer {__version__}: the deferred drop from {migration.name}\n"
        "\n"
        + "\n".join(imports)
        + "\n\n\nclass Migration(migrations.Migration):\n"
        + marker
        + "\n    dependencies = [\n"
    )
    tail = "    ]\n\n    operations = [\n" + operations + "    ]\n"
    return NewMigration(ctx.path, history.label, suffix, head, tail)
