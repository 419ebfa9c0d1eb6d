"""## What it does
Checks for `RunPython` operations whose reverse is a no-op (`RunPython.noop`, a lambda that
returns a constant, a function whose body is `pass`; or no reverse at all, which MF001 turns
into a no-op) while the forward function is not safe to run twice: it creates rows
(`create`, `bulk_create`, `save()` of a new instance, `INSERT` through a cursor) without
checking for existing ones, or changes values relative to themselves
(`update(stock=F("stock") + 5)`).

A creation counts as guarded, and is not reported, when it is `get_or_create` or
`update_or_create`, a `bulk_create(..., ignore_conflicts=True)` (or `update_conflicts`), an
`INSERT ... ON CONFLICT` / `INSERT IGNORE` / `ON DUPLICATE KEY` / `WHERE NOT EXISTS`, when
an existence check comes before it in the function (`.exists()`, `.first()`, `.last()`,
`.count()`, `.get()`, `.in_bulk()` or `.delete()` on a manager or queryset of the same
model, or of one it cannot tell, or an `in` / `not in` test), or when it is inside a `try`
that catches `IntegrityError`, `DatabaseError` or `Exception`. A check of another model
does not count (`Group.objects.get(name="Moderators")` before creating a permission row for
each page: a second run finds the group again and creates the rows again), nor does a
`try` that catches `DoesNotExist` (no creation raises it). Rows of a model that the same
migration creates (`CreateModel`) are not reported either: rolling the migration back drops
the table with them. Nor is a loop over the rows that still need its change, which a second
run does not find: the duplicates of `.annotate(c=Count(...)).filter(c__gt=1)` (what it
changes makes them unique), a loop that deletes the row it is at, a loop over the rows
without a related row (`filter(<related>__isnull=True)`) that creates one for each. The
forward function, and the functions it calls, are read where the migration module defines
them.

## Why is this bad?
The no-op makes `manage.py migrate app <earlier>` succeed, but the rows stay. When the
release is deployed again, the forward function runs a second time: the rows are created
twice, or the migration fails on a unique key (`duplicate key value violates unique
constraint`) and the deploy stops; an increment is applied twice.

## Example
```python
def add_countries(apps, schema_editor):
    Country = apps.get_model("geo", "Country")
    Country.objects.create(code="fr", name="France")


class Migration(migrations.Migration):
    operations = [migrations.RunPython(add_countries, migrations.RunPython.noop)]
```

## Use instead
```python
def add_countries(apps, schema_editor):
    Country = apps.get_model("geo", "Country")
    Country.objects.create(code="fr", name="France")


def undo_add_countries(apps, schema_editor):
    Country = apps.get_model("geo", "Country")
    Country.objects.filter(code="fr", name="France").delete()


class Migration(migrations.Migration):
    operations = [migrations.RunPython(add_countries, undo_add_countries)]
```
or make the forward function safe to run twice (`get_or_create`,
`bulk_create(..., ignore_conflicts=True)`).

## Fix safety
Two shapes get a generated reverse function, `undo_<forward>`, written before
`class Migration` and passed as `reverse_code` (replacing the no-op, or added where there was
no reverse). Everything else is reported with the reason in the hint.

- A forward function that is straight-line code over literal values (`apps.get_model(...)`,
  `schema_editor.connection.alias`, then `Model.objects[.using(alias)].create(field=<literal>,
  ...)` and `bulk_create([Model(field=<literal>, ...), ...])`, literals being strings,
  integers, booleans and `None`; the model may be got where it is used,
  `apps.get_model("app", "Model").objects.create(...)`, and the reverse then gets it the same
  way) gets a reverse that deletes each row it created, in reverse
  order, looked up by the fields it set that the folder's history defines as unique
  (`unique=True`, `primary_key=True`), else by every field it set (a row one of those values
  was changed in since, a tree's `numchild`, a counter, is then not found, and stays: the
  hint says so). This fix is **unsafe**: deleting is only the exact
  inverse if no identical row existed before the migration (it deletes that one too), a
  case-insensitive collation (MySQL/MariaDB) can match more rows, and a cascading foreign key
  deletes rows that point at the deleted ones (a protecting one makes the rollback fail).
- A forward function that only does `Model.objects[...].update(field=F("field") + n)` (or
  `- n`, `* n`, with an integer literal `n` other than zero), where the filters do not read
  the updated fields, gets the inverse update (`- n`, `+ n`, `/ n`), the updates undone in
  reverse order. This fix is **unsafe** too: the inverse is exact for the rows the forward
  function changed, but rows that match the filters and were written since are changed as
  well (a row added at 0 becomes -1, which a `PositiveIntegerField`'s check refuses, and the
  rollback stops there), and on a floating-point column the inverse can differ in the last
  digit.

With no reverse at all, MF001 and MF004 both report the call. MF001's fix is the no-op, an
unsafe one here (the rollback would report success and leave the rows or values behind);
where MF004 has a fix, it replaces MF001's (the two never both edit the call) under
`--unsafe-fixes`. Otherwise MF001's no-op is written under `--unsafe-fixes` only, and MF004
keeps reporting it. Where the migration's class overrides `unapply` with a body that always
raises, the rollback stops before the migration, which is never run twice: nothing is
reported (MF001 reports a missing reverse, with that hint).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from migration_fixer.dotted_names import attribute_chain
from migration_fixer.history import literal_str
from migration_fixer.migration_ast import (
    LOCAL,
    OperationCall,
    bind_arguments,
    child_nodes,
    django_operation,
    find_argument,
    has_star_args,
    terminal_name,
)
from migration_fixer.rule import (
    AddArgument,
    Applicability,
    Edit,
    Example,
    FileContext,
    Finding,
    Fix,
    InsertStatements,
    NothingFound,
    ReplaceArgument,
    RuleExamples,
    UnparsedFile,
)
from migration_fixer.rules._reverse import unapply_raises

code: str = "MF004"
name: str = "runpython-not-rerunnable"
triggers: tuple[bytes, ...] = (b"RunPython",)
needs_history: bool = False
#: The history tells which fields of a model are unique, for a reverse that deletes the
#: rows a forward function created.
history_when: re.Pattern[bytes] | None = re.compile(rb"create\b")
requires: re.Pattern[bytes] | None = None
preview: bool = False
nothing_unparsed: Callable[[UnparsedFile], NothingFound | None] | None = None
summary: str = "`RunPython` with a no-op reverse whose forward function is not safe to run twice"

fix_summary: str = (
    "where certain, a generated reverse (an unsafe fix): `undo_<forward>` deleting the "
    "literal rows it created, or the inverse update; else a hint"
)
_HEAD = "from django.db import migrations\n\n\n"
_CREATE = (
    "def add_countries(apps, schema_editor):\n"
    '    Country = apps.get_model("geo", "Country")\n'
    '    Country.objects.create(code="fr", name="France")\n\n\n'
)
_UNDO_CREATE = (
    "def undo_add_countries(apps, schema_editor):\n"
    '    Country = apps.get_model("geo", "Country")\n'
    '    Country.objects.filter(code="fr", name="France").delete()\n\n\n'
)
_BUMP = (
    "from django.db import migrations\nfrom django.db.models import F\n\n\n"
    "def restock(apps, schema_editor):\n"
    '    Product = apps.get_model("shop", "Product")\n'
    '    Product.objects.filter(active=True).update(stock=F("stock") + 10)\n\n\n'
)
_UNDO_BUMP = (
    "def undo_restock(apps, schema_editor):\n"
    '    Product = apps.get_model("shop", "Product")\n'
    '    Product.objects.filter(active=True).update(stock=F("stock") - 10)\n\n\n'
)
_LOOP = (
    "def add_countries(apps, schema_editor):\n"
    '    Country = apps.get_model("geo", "Country")\n'
    '    for code in ["fr", "de"]:\n'
    "        Country.objects.create(code=code)\n\n\n"
)
_MIGRATION = "class Migration(migrations.Migration):\n    operations = [{}]\n"

examples: RuleExamples = RuleExamples(
    flagged=(
        Example(
            _HEAD
            + _CREATE
            + _MIGRATION.format("migrations.RunPython(add_countries, migrations.RunPython.noop)"),
            _HEAD
            + _CREATE
            + _UNDO_CREATE
            + _MIGRATION.format("migrations.RunPython(add_countries, undo_add_countries)"),
            unsafe=True,
        ),
        Example(
            _BUMP + _MIGRATION.format("migrations.RunPython(restock)"),
            _BUMP
            + _UNDO_BUMP
            + _MIGRATION.format("migrations.RunPython(restock, reverse_code=undo_restock)"),
            unsafe=True,
        ),
        Example(
            _HEAD
            + _LOOP
            + _MIGRATION.format(
                "migrations.RunPython(add_countries, lambda apps, schema_editor: None)"
            ),
            None,
        ),
    ),
    clean=(
        _HEAD + "def add_countries(apps, schema_editor):\n"
        '    Country = apps.get_model("geo", "Country")\n'
        '    Country.objects.get_or_create(code="fr")\n\n\n'
        + _MIGRATION.format("migrations.RunPython(add_countries, migrations.RunPython.noop)"),
        _HEAD
        + _CREATE
        + _UNDO_CREATE
        + _MIGRATION.format("migrations.RunPython(add_countries, undo_add_countries)"),
        _HEAD
        + _CREATE
        + _MIGRATION.format(
            'migrations.CreateModel("Country", []), '
            "migrations.RunPython(add_countries, migrations.RunPython.noop)"
        ),
        _HEAD + _CREATE + "class Migration(migrations.Migration):\n    operations = [\n"
        "        migrations.RunPython(add_countries, migrations.RunPython.noop),  # noqa: MF004\n"
        "    ]\n",
    ),
)

#: What a creation or relative update is guarded by.
_EXISTENCE_CHECKS = frozenset({"exists", "first", "last", "count", "get", "in_bulk", "delete"})
_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
_CAUGHT = frozenset(
    {
        "IntegrityError",
        "DatabaseError",
        "Exception",
        "BaseException",
    }
)
#: The methods a site calls: a creation, a ``save()``, SQL, an update.
_SITE_METHODS = frozenset({"create", "bulk_create", "save", "execute", "executemany", "update"})
#: The methods of a manager or queryset that give one of the same model.
_SAME_MODEL = frozenset(
    {
        "all",
        "alias",
        "annotate",
        "complex_filter",
        "db_manager",
        "defer",
        "distinct",
        "exclude",
        "extra",
        "filter",
        "none",
        "only",
        "order_by",
        "prefetch_related",
        "reverse",
        "select_for_update",
        "select_related",
        "using",
    }
)
_INSERT = re.compile(r"\s*INSERT\b", re.IGNORECASE)
_INSERT_GUARD = re.compile(
    r"\bON\s+CONFLICT\b|\bINSERT\s+(?:OR\s+)?IGNORE\b|\bON\s+DUPLICATE\s+KEY\b|\bNOT\s+EXISTS\b"
    r"|\bOR\s+REPLACE\b",
    re.IGNORECASE,
)
#: ``def name`` and ``class name``, a pattern each that starts with its keyword, so that the
#: engine looks for it with a string search (``\b(?:def|class)`` steps through the text,
#: seconds on 5 MB); the name is read ahead, not consumed, so that each ``def`` counts
#: (``# def def f`` defines ``f`` once, as the search for ``def\s+f\b`` finds it).
_DEFINITIONS = tuple(re.compile(rf"{word}(?<!\w{word})(?=\s+(\w+))") for word in ("def", "class"))
_WORD = re.compile(r"\w+")
_REMOVE_FIELD = frozenset({"RemoveField"})
_F_NAMES = frozenset({"django.db.models.F", "django.db.models.expressions.F"})
_INVERSE_OPERATOR = {ast.Add: "-", ast.Sub: "+", ast.Mult: "/"}


def check(ctx: FileContext) -> Iterator[Finding]:
    module = _Module.of(ctx)
    for op, function, forward_index, reverse in _checked(module):
        finding = _finding(module, op, function, forward_index, reverse)
        if finding is not None:
            yield finding


def _checked(
    module: _Module,
) -> Iterator[tuple[OperationCall, ast.FunctionDef, int, tuple[int, ast.expr] | None]]:
    """Each ``RunPython`` call whose reverse does nothing (or is missing), with its forward
    function (one of the module), the forward argument's index, and the reverse argument."""
    for op in module.ctx.operation_calls:
        if op.operation != "RunPython" or has_star_args(op.node):
            continue
        forward = find_argument(op.node, "RunPython", "code")
        if forward is None:
            continue
        reverse = find_argument(op.node, "RunPython", "reverse_code")
        if reverse is not None and not _is_noop(module, op, reverse[1]):
            continue
        function = module.function(op.scope, forward[1])
        if function is not None:
            yield op, function, forward[0], reverse


@dataclass(frozen=True)
class ModelName:
    """How a migration names the model whose rows a statement writes.

    ``label`` ("app_label.Model"): ``apps.get_model("app_label", "Model")`` or
    ``apps.get_model("app_label.Model")``; with ``swapper``, the model
    ``swapper.get_model_name("app_label", "Model")`` names (that one, unless a setting
    swaps it: swapper's to read). ``setting``: the name of the Django setting that holds
    the label (``apps.get_model(settings.AUTH_USER_MODEL)``)."""

    label: str | None = None
    swapper: bool = False
    setting: str | None = None


def written_models(ctx: FileContext) -> dict[tuple[int, int], tuple[ModelName | None, ...]]:
    """For each ``RunPython`` call that :func:`check` may report, by the finding's
    ``(line, column)``: the model whose rows each statement of its forward function that a
    second run would do again writes (None where that is not known: SQL, an instance
    changed in place, a related manager, a model got otherwise), those of the module
    functions it calls included (all of them, where the finding names the first).

    For ``migrate_or_rollback``, which tells from them whether what the function did is
    still in the database after a rollback (not where the rollback drops the table). The
    ``(line, column)`` of a call without such a statement is left out."""
    module = _Module(ctx)  # (no rule reads this context: nothing to share)
    if unapply_raises(ctx) is not None:
        return {}
    found: dict[tuple[int, int], tuple[ModelName | None, ...]] = {}
    for op, function, _, _ in _checked(module):
        writes = _Body(module, function, op.node).written_sites()
        if writes:
            found[ctx.position(op.node)] = tuple(model for _, model in writes)
    return found


def rerun_hazards(ctx: FileContext) -> Callable[[OperationCall, ast.expr], str | None]:
    """For MF001, whose no-op is not enough where this rule finds a reason: a function
    that tells, for a ``RunPython`` call of ``ctx`` and its forward argument, what its
    forward function does that a second run would do again ("`create_x` creates rows
    without checking ...: after a rollback, ..."), or what it reads of a field that a
    later ``RemoveField`` of the module drops (a rollback re-adds the column empty: the
    data moved out of it is not put back), or None."""
    module = _Module.of(ctx)
    removals: list[tuple[int, int, str]] | None = None

    def hazard(op: OperationCall, forward: ast.expr) -> str | None:
        nonlocal removals
        function = module.function(op.scope, forward)
        if function is None:
            return None
        site = module.first_site(function, op.node)
        if site is not None:
            return f"`{function.name}` {site.what}: {site.consequence}"
        if removals is None:
            removals = _removed_fields(ctx)
        source = None
        for line, column, field in removals:
            if (line, column) <= (op.node.lineno, op.node.col_offset):
                continue
            source = source or ctx.segment(function)
            if _names_field(source, field):
                return (
                    f"`{function.name}` reads `{field}`, which the `RemoveField` at line {line} "
                    "drops after it: a rollback re-adds the column empty, and what was moved "
                    "out of it is lost"
                )
        return None

    return hazard


def _removed_fields(ctx: FileContext) -> list[tuple[int, int, str]]:
    """The ``RemoveField`` calls of the module with a literal ``name``: where each is
    (line, column) and the name."""
    found = []
    for removal in ctx.index.operation_calls(_REMOVE_FIELD):
        args = bind_arguments(removal.node, "RemoveField")
        name = None if args is None else literal_str(args.get("name"))
        if name is not None:
            found.append((removal.node.lineno, removal.node.col_offset, name))
    return found


def _names_field(source: str, field: str) -> bool:
    """Whether code reads the field ``field``: ``x.field``, ``field=``, ``field__...``
    or the string ``"field"``."""
    name = re.escape(field)
    return (
        re.search(rf"\.{name}\b|\b{name}(?:__\w+)?\s*=(?!=)|[\"']{name}(?:__\w+)?[\"']", source)
        is not None
    )


def _finding(
    module: _Module,
    op: OperationCall,
    function: ast.FunctionDef,
    forward_index: int,
    reverse: tuple[int, ast.expr] | None,
) -> Finding | None:
    ctx = module.ctx
    if unapply_raises(ctx) is not None:
        # The rollback stops before this migration (MF001 says so where a reverse is
        # missing): it is never unapplied, so never run twice.
        return None
    site = module.first_site(function, op.node)
    if site is None:
        return None
    body = _Body(module, function, op.node)  # (what the reverse is written from)
    line, column = ctx.position(op.node)
    shown = op.subclass or "RunPython"
    missing = reverse is None or (isinstance(reverse[1], ast.Constant) and reverse[1].value is None)
    if missing:
        start = f"`{shown}` without a reverse, where a no-op is not enough: `{function.name}`"
    else:
        start = f"`{shown}` has a no-op reverse, but `{function.name}`"
    message = f"{start} {site.what}: {site.consequence}"
    if op.overrides_init:
        by_hand = (
            f"`{shown}` defines its own `__init__`: add a reverse by hand (`reverse_code=...`)"
        )
        return Finding(code, message, line, column, hint=by_hand)
    generator = _Generator(ctx, body, op.node)
    generated = generator.reverse()
    if isinstance(generated, str):
        return Finding(code, message, line, column, hint=site.advice(generated, function.name))
    function_name = _unique_name(f"undo_{function.name}", _names(ctx.tree))
    source = f"def {function_name}({body.apps}, {body.schema_editor}):\n" + "".join(
        f"    {s}\n" for s in generated
    )
    edit: Edit
    if reverse is None:
        edit = AddArgument(line, column, forward_index, "reverse_code", function_name)
    else:
        edit = ReplaceArgument(line, column, reverse[0], function_name)
    # Unsafe, each: the reverse is the exact inverse for the rows the forward function
    # wrote, not for those written since.
    if generator.updates:
        hint = (
            f"review `{function_name}`: it undoes the change on every row the filters match, "
            "also on rows written since the forward function ran (a row added since at 0 "
            "becomes -1, which a `PositiveIntegerField` refuses)"
        )
    elif generator.by_all_values:
        hint = (
            f"review `{function_name}`: it deletes every row with the values the forward "
            "function set (also one that existed before), and with them the rows that "
            "reference them through a cascading foreign key; a row whose values were "
            "changed since is not found, and stays"
        )
    else:
        hint = (
            f"review `{function_name}`: it deletes the rows by the unique values the "
            "forward function gave them (also one that existed before), and with them the "
            "rows that reference them through a cascading foreign key"
        )
    fix = Fix(
        (edit, InsertStatements(source)), supersedes=("MF001",), applicability=Applicability.UNSAFE
    )
    return Finding(code, message, line, column, fix=fix, hint=hint)


# -- what the reverse is --------------------------------------------------------------------


def _is_noop(module: _Module, op: OperationCall, reverse: ast.expr) -> bool:
    """``None`` (what MF001 would replace by the no-op), ``RunPython.noop`` however it is
    spelled, a lambda returning a constant, or a module function that does nothing."""
    if isinstance(reverse, ast.Constant):
        return reverse.value is None
    if isinstance(reverse, ast.Lambda):
        return isinstance(reverse.body, ast.Constant)
    if (
        isinstance(reverse, ast.Attribute)
        and reverse.attr == "noop"
        and module.ctx.index.resolve_callee(reverse.value, op.scope).operation == "RunPython"
    ):
        return True
    qualified = module.ctx.index.qualified_name(reverse, op.scope) or ""
    prefix, _, attribute = qualified.rpartition(".")
    if attribute == "noop" and django_operation(prefix) == "RunPython":
        return True
    function = module.function(op.scope, reverse)
    return function is not None and all(_does_nothing(s) for s in function.body)


def _does_nothing(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, ast.Constant)
    return isinstance(stmt, ast.Return) and (
        stmt.value is None or (isinstance(stmt.value, ast.Constant) and stmt.value.value is None)
    )


class _Module:
    """What MF004 reads from the whole module, worked out once per file."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        #: The first unsafe statement of each module function analysed so far.
        self.sites: dict[ast.FunctionDef, _Site | None] = {}
        #: Each unsafe statement of each module function analysed so far by
        #: :func:`written_models`, with the model it writes to.
        self.writes: dict[ast.FunctionDef, list[tuple[_Site, ModelName | None]]] = {}
        #: The first unsafe statement of the forward function of each ``RunPython`` call
        #: read so far, by the call and the function (:meth:`first_site`).
        self.first_sites: dict[tuple[ast.expr, ast.FunctionDef], _Site | None] = {}

    @classmethod
    def of(cls, ctx: FileContext) -> _Module:
        """The module of ``ctx``, read once per file: this rule and MF001 (which asks
        :func:`rerun_hazards` about the calls with no reverse) share what it works out."""
        module = ctx.shared.get(code)
        if not isinstance(module, _Module):
            module = ctx.shared[code] = cls(ctx)
        return module

    def first_site(self, function: ast.FunctionDef, operation: ast.expr) -> _Site | None:
        """The first statement of ``function``, the forward function of the call
        ``operation``, that is not safe to run twice (:meth:`_Body.first_site`)."""
        key = (operation, function)
        if key not in self.first_sites:
            self.first_sites[key] = _Body(self, function, operation).first_site()
        return self.first_sites[key]

    @cached_property
    def functions(self) -> dict[str, list[ast.FunctionDef]]:
        """The module's top-level functions, by name."""
        found: dict[str, list[ast.FunctionDef]] = {}
        for stmt in self.ctx.tree.body:
            if isinstance(stmt, ast.FunctionDef):
                found.setdefault(stmt.name, []).append(stmt)
        return found

    @cached_property
    def created(self) -> set[str]:
        """Models the migration creates (lower case): their rows go with their table."""
        names = set()
        for op in self.ctx.index.operation_calls(frozenset({"CreateModel"})):
            found = find_argument(op.node, "CreateModel", "name")
            if found is not None and isinstance(found[1], ast.Constant):
                names.add(str(found[1].value).lower())
        return names

    @cached_property
    def defined_names(self) -> dict[str, int]:
        """How many times each word follows a ``def`` or a ``class`` in the text (in code,
        strings or comments alike): one search of the text for the whole module."""
        counts: dict[str, int] = {}
        for pattern in _DEFINITIONS:
            for match in pattern.finditer(self.ctx.text):
                word = match.group(1)
                counts[word] = counts.get(word, 0) + 1
        return counts

    def _definitions(self, name: str) -> int:
        """How many times ``def name`` or ``class name`` occurs in the text (``name`` a
        whole word)."""
        if _WORD.fullmatch(name):
            return self.defined_names.get(name, 0)
        # A name that is not one word as the regular expressions see it (an identifier
        # with a combining mark): searched for itself, as one word may hold it.
        escaped = re.escape(name)
        return sum(
            len(re.findall(rf"{word}(?<!\w{word})\s+{escaped}\b", self.ctx.text))
            for word in ("def", "class")
        )

    def function(self, scope: ast.AST, expr: ast.expr) -> ast.FunctionDef | None:
        """The module-level function ``expr`` (in ``scope``) names, when that is the only
        thing the name can be (one definition in the module, no other binding)."""
        if not isinstance(expr, ast.Name):
            return None
        defined = self.functions.get(expr.id, [])
        if len(defined) != 1:
            return None
        # No other function or class of that name anywhere (a method, a nested function
        # that could be the one meant): counted on the text, cheaper than a full walk.
        if self._definitions(expr.id) != 1:
            return None
        if self.ctx.index.qualified_name(expr, scope) != f"{LOCAL}.{expr.id}":
            return None
        return defined[0]


# -- what the forward function does ---------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    """A statement that makes the forward function unsafe to run twice."""

    line: int
    call: str  # its shape, e.g. ``Country.objects.create``
    update: bool  # a relative update (not a creation)
    insert: bool = False  # an INSERT through SQL
    within: str | None = None  # the module function it is in, if not the forward one

    @property
    def what(self) -> str:
        where = f"`{self.call}`" + (f" in `{self.within}`" if self.within else "")
        if self.update:
            return f"changes values relative to themselves ({where}, line {self.line})"
        verb = "inserts rows with SQL" if self.insert else "creates rows"
        return f"{verb} without checking for existing ones ({where}, line {self.line})"

    @property
    def consequence(self) -> str:
        if self.update:
            return "after a rollback, migrating again applies the change twice"
        return "after a rollback, migrating again creates them twice or fails on a unique key"

    def advice(self, reason: str, function: str) -> str:
        if self.update:
            return f"{reason}; write a reverse function that undoes the change"
        return (
            f"{reason}; write a reverse function that deletes the rows, or make `{function}` "
            "safe to run twice (`get_or_create`, `bulk_create(..., ignore_conflicts=True)`)"
        )


class _Body:
    """The forward function: its models, its guards, and the sites that are not safe to
    run twice."""

    def __init__(self, module: _Module, function: ast.FunctionDef, operation: ast.expr) -> None:
        self.module = module
        self.ctx = module.ctx
        self.function = function
        #: The ``RunPython`` call that runs it (the history is read just before it).
        self.operation = operation
        params = [*function.args.posonlyargs, *function.args.args]
        self.apps = params[0].arg if params else "apps"
        self.schema_editor = params[1].arg if len(params) > 1 else "schema_editor"
        self.two_params = (
            len(params) == 2
            and function.args.vararg is None
            and function.args.kwarg is None
            and not function.args.kwonlyargs
        )
        self.assigned: dict[str, list[ast.expr]] = {}
        #: Instances given an attribute value computed from that attribute
        #: (``item.qty = item.qty + 10``, ``item.qty += 10``), by name: the first line
        #: where no ``if`` on that attribute came first (``if "x" not in item.tags:``,
        #: ``if item.name.startswith("x"): continue``: a second run changes nothing).
        self.relative: dict[str, int] = {}
        changed: list[tuple[tuple[str, str], int]] = []  # (instance, attribute), line
        #: The function's calls and ``in`` / ``not in`` tests, in the order of ``ast.walk``
        #: (one walk of the function gathers all that the checks read), and the calls in
        #: the body of a ``try`` that catches what a second creation raises.
        self.calls: list[ast.Call] = []
        self.membership: list[ast.Compare] = []
        catching: list[ast.Try] = []
        branches: list[ast.If] = []
        self.loops: list[ast.For] = []
        # Breadth first, as ``ast.walk`` (the order of the calls decides which of two
        # sites on one line is reported). The commonest nodes push their children
        # themselves, in the order of their fields, rather than through ``child_nodes``:
        # this walk is most of MF004's time.
        pending: list[ast.AST] = [function]
        for node in pending:
            kind = type(node)
            if kind is ast.Name or kind is ast.Constant:
                continue  # most of the nodes: nothing to read, no child
            if isinstance(node, ast.Attribute):
                pending.append(node.value)
            elif isinstance(node, ast.Call):
                self.calls.append(node)
                pending.append(node.func)
                pending += node.args
                pending += node.keywords
            elif isinstance(node, (ast.keyword, ast.Expr)):
                pending.append(node.value)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(node.value)
                    elif (own := _relative_to_itself(target, node.value)) is not None:
                        changed.append((own, node.lineno))
                pending += node.targets
                pending.append(node.value)
            else:
                if isinstance(node, ast.AugAssign):
                    own = _instance_attribute(node.target)
                    if own is not None:
                        changed.append((own, node.lineno))
                if isinstance(node, ast.Compare):
                    if any(isinstance(o, (ast.In, ast.NotIn)) for o in node.ops):
                        self.membership.append(node)
                elif isinstance(node, ast.Try) and any(_catches(h) for h in node.handlers):
                    catching.append(node)
                elif isinstance(node, ast.If):
                    branches.append(node)
                elif isinstance(node, ast.For):
                    self.loops.append(node)
                pending += child_nodes(node)
        if changed:
            # The lines an ``if`` on an attribute guards: its body, and what follows it
            # when its body leaves (``continue``, ``return``, ``break``).
            guarded: dict[tuple[str, str], list[tuple[int, float]]] = {}
            # And the body of a loop that deletes the row it is at (richie 0028: for each
            # orphan node, ``node.delete()``, then ``parent.numchild -= 1``): a second
            # run no longer finds the rows, and changes nothing.
            deleting = [_body_lines(loop) for loop in self.loops if _deletes_its_row(loop)]
            for branch in branches:
                body = (branch.body[0].lineno, branch.body[-1].end_lineno or branch.lineno)
                leaves = isinstance(branch.body[-1], (ast.Continue, ast.Return, ast.Break))
                span = (body[0], float("inf")) if leaves else body
                for node in ast.walk(branch.test):
                    tested = _instance_attribute(node)
                    if tested is not None:
                        guarded.setdefault(tested, []).append(span)
            for (name, attr), line in changed:
                spans = [*guarded.get((name, attr), ()), *deleting]
                if not any(a <= line <= b for a, b in spans):
                    self.relative[name] = min(self.relative.get(name, line), line)
        self.caught: set[ast.Call] = set()
        for branch in branches:
            self.caught.update(_filled_once(branch))
        for handled in catching:
            inside: list[ast.AST] = [*handled.body]
            for node in inside:
                if isinstance(node, ast.Call):
                    self.caught.add(node)
                inside += child_nodes(node)
        #: Local names of historical models, and the model each is (its class name).
        self.models: dict[str, str] = {}
        for local, values in self.assigned.items():
            model = _get_model(values[-1]) if len(values) == 1 else None
            if model is not None:
                self.models[local] = model

    # -- sites ----------------------------------------------------------------------
    def first_site(self, seen: frozenset[str] = frozenset()) -> _Site | None:
        """The first statement that is not safe to run twice, here or in a module function
        this one calls (``seen``: the functions on the way here)."""
        seen = seen | {self.function.name}
        sites: list[tuple[int, _Site]] = []
        for node, call in self._site_calls():
            if call is None:
                site, model = self._in_helper(node, seen), None
            else:
                site, model = self._site(call)
            if site is not None and self._kept(node, site, model):
                sites.append((node.lineno, site))
        return min(sites, key=lambda s: s[0])[1] if sites else None

    def _site_calls(self) -> Iterator[tuple[ast.Call, ast.Call | None]]:
        """Each call of the function that may be a site, with the call of the method it
        makes (None: it may call a module function, whose sites are its own)."""
        for node in self.calls:
            # A call of a method is a site or nothing (the method is not a module
            # function); most are neither of the methods a site calls.
            if isinstance(node.func, ast.Attribute):
                if node.func.attr in _SITE_METHODS:
                    yield node, node
            elif (method := self._bound_creation(node.func)) is not None:
                # ``create = Model.objects.create`` and then ``create(...)``: the call is
                # the method's.
                yield node, ast.Call(method, node.args, node.keywords, lineno=node.lineno)
            else:
                yield node, None

    def _kept(self, node: ast.Call, site: _Site, model: str | None) -> bool:
        """Whether the site of the call ``node`` (of the model ``model`` when known) is
        not safe to run twice: not rows of a model the migration creates, nor a creation
        that a check, a ``try`` or a loop over the rows still without it keeps from
        happening twice, nor a change that makes the rows it goes over unique."""
        if model is not None and model.lower() in self.module.created:
            return False
        if not site.update and (
            self.guarded(node.lineno, model)
            or node in self.caught
            or any(a <= node.lineno <= b for a, b in self._done_once)
        ):
            return False
        return not (site.update and self._deduplicates)

    def written_sites(
        self, seen: frozenset[str] = frozenset()
    ) -> list[tuple[_Site, ModelName | None]]:
        """Each statement that is not safe to run twice, as :meth:`first_site` finds
        them (every one of a module function this one calls, not its first only), with
        the model whose rows it writes (None: not known)."""
        seen = seen | {self.function.name}
        found: list[tuple[_Site, ModelName | None]] = []
        for node, call in self._site_calls():
            if call is None:
                entries, model = self._helper_writes(node, seen), None
            else:
                site, model = self._site(call)
                entries = [] if site is None else [(site, self._written(call, site))]
            found += [entry for entry in entries if self._kept(node, entry[0], model)]
        return found

    def _helper_writes(
        self, call: ast.Call, seen: frozenset[str]
    ) -> list[tuple[_Site, ModelName | None]]:
        """:meth:`written_sites` of the module function ``call`` calls, if any."""
        helper = self.module.function(self.function, call.func)
        if helper is None or helper.name in seen:
            return []
        if helper not in self.module.writes:
            body = _Body(self.module, helper, self.operation)
            self.module.writes[helper] = body.written_sites(seen)
        return self.module.writes[helper]

    def _written(self, call: ast.Call, site: _Site) -> ModelName | None:
        """The model whose rows the site ``call`` writes: of ``Model.objects...`` (through
        methods that keep the model: ``filter``, ``using``, ...), of a new instance
        ``Model(...)``; None for SQL, an instance changed in place, a related manager."""
        func = call.func
        assert isinstance(func, ast.Attribute)
        if site.insert or (site.update and func.attr == "save"):
            return None
        if func.attr == "save":
            receiver = func.value
            if isinstance(receiver, ast.Name):
                receiver = self.assigned[receiver.id][0]
            assert isinstance(receiver, ast.Call)  # (a new instance: ``_new_instance``)
            return self._model_name(receiver.func)
        return self._managed(func.value)

    def _managed(self, expr: ast.expr) -> ModelName | None:
        """The model of ``Model.objects`` followed by calls of methods that keep the
        model (or of a name given such a queryset once), else None. (No name leads back
        to itself: :meth:`_on_manager` followed the same names to a manager.)"""
        while (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in _SAME_MODEL
        ):
            expr = expr.func.value
        if isinstance(expr, ast.Attribute) and expr.attr in _MANAGERS:
            return self._model_name(expr.value)
        if isinstance(expr, ast.Name):
            values = self.assigned.get(expr.id, [])
            if len(values) == 1:
                return self._managed(values[0])
        return None

    def _model_name(self, expr: ast.expr) -> ModelName | None:
        """The model a local name holds, or an ``apps.get_model(...)`` call gives."""
        if isinstance(expr, ast.Name):
            values = self.assigned.get(expr.id, [])
            return self._got_model(values[0]) if len(values) == 1 else None
        return self._got_model(expr)

    def _got_model(self, value: ast.expr) -> ModelName | None:
        """The model of ``apps.get_model("app", "Model")``, ``apps.get_model(
        settings.NAME)``, ``apps.get_model(swapper.get_model_name("app", "Model"))``."""
        model = _get_model(value)
        if model is not None:
            label = _get_model_label(value)
            return ModelName(f"{label}.{model}") if label else None
        if not (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "get_model"
            and len(value.args) == 1
            and not value.keywords
        ):
            return None
        argument = value.args[0]
        qualified = self.ctx.index.qualified_name(argument, self.function) or ""
        prefix, _, setting = qualified.rpartition(".")
        if prefix == "django.conf.settings":
            return ModelName(setting=setting)
        if (
            isinstance(argument, ast.Call)
            and self.ctx.index.qualified_name(argument.func, self.function)
            == "swapper.get_model_name"
            and len(argument.args) == 2
            and not argument.keywords
        ):
            app, name = (literal_str(a) for a in argument.args)
            if app and name:
                return ModelName(f"{app}.{name}", swapper=True)
        return None

    def _bound_creation(self, func: ast.expr) -> ast.Attribute | None:
        """The ``create`` or ``bulk_create`` method that the name ``func`` holds, given
        it once in this function (``create = Model.objects.using(alias).create``)."""
        if not isinstance(func, ast.Name):
            return None
        values = self.assigned.get(func.id, [])
        method = values[0] if len(values) == 1 else None
        if isinstance(method, ast.Attribute) and method.attr in ("create", "bulk_create"):
            return method
        return None

    def _in_helper(self, call: ast.Call, seen: frozenset[str]) -> _Site | None:
        """The first unsafe statement of the module function ``call`` calls, if any."""
        helper = self.module.function(self.function, call.func)
        if helper is None or helper.name in seen:
            return None
        if helper not in self.module.sites:
            self.module.sites[helper] = _Body(self.module, helper, self.operation).first_site(seen)
        site = self.module.sites[helper]
        if site is None or site.within is not None:
            return site
        return _Site(site.line, site.call, site.update, site.insert, within=helper.name)

    def _site(self, call: ast.Call) -> tuple[_Site | None, str | None]:
        """The site a call of one of :data:`_SITE_METHODS` is, with the model it writes
        to when that is known; (None, None) when the call is safe to run twice."""
        func = call.func
        assert isinstance(func, ast.Attribute)
        receiver, attr = func.value, func.attr
        if attr in ("create", "bulk_create") and self._on_manager(receiver, related=True):
            conflicts = [
                kw for kw in call.keywords if kw.arg in ("ignore_conflicts", "update_conflicts")
            ]
            if any(not _is_false(kw.value) for kw in conflicts):
                return None, None
            return _Site(call.lineno, _shape(func), update=False), self._model_of(receiver)
        if attr == "save":
            model = self._new_instance(receiver)
            if model is not None:
                return _Site(call.lineno, _shape(func), update=False), model
            if isinstance(receiver, ast.Name) and self.relative.get(
                receiver.id, call.lineno + 1
            ) <= (call.lineno):
                # ``item.qty = item.qty + 10`` then ``item.save()``: a second run adds again.
                return _Site(call.lineno, _shape(func), update=True), None
            return None, None
        if attr in ("execute", "executemany") and call.args:
            sql = self._string(call.args[0])
            if sql is not None and _INSERT.match(sql) and not _INSERT_GUARD.search(sql):
                return _Site(call.lineno, _shape(func), update=False, insert=True), None
            return None, None
        if attr == "update" and self._on_manager(receiver) and _relative_fields(self, call):
            return _Site(call.lineno, _shape(func), update=True), self._model_of(receiver)
        return None, None

    def _on_manager(
        self, expr: ast.expr, *, related: bool = False, seen: frozenset[str] = frozenset()
    ) -> bool:
        """Whether ``expr`` is a manager or queryset (``Model.objects...``, a variable
        holding one; with ``related``, also ``instance.children``, a related manager)."""
        chain = expr
        while True:
            if isinstance(chain, ast.Attribute):
                if chain.attr in _MANAGERS:
                    return True
                chain = chain.value
            elif isinstance(chain, ast.Call):
                chain = chain.func
            elif isinstance(chain, ast.Name):
                # The name's one value, or every value it was given on an earlier line
                # (``perm = Model.objects.filter(...)``, then ``perm = perm.get()``).
                values = self.assigned.get(chain.id, [])
                earlier = [v for v in values if v.lineno < chain.lineno]
                held = values if len(values) == 1 else earlier
                if (
                    held
                    and chain.id not in seen
                    and all(self._on_manager(v, seen=seen | {chain.id}) for v in held)
                ):
                    return True
                return (
                    related
                    and isinstance(expr, ast.Attribute)
                    and chain.id not in (self.models.keys() | {self.apps, self.schema_editor})
                )
            else:
                return False

    def _model_of(self, expr: ast.expr) -> str | None:
        root = _root_name(expr)
        return None if root is None else self.models.get(root)

    def _new_instance(self, receiver: ast.expr) -> str | None:
        """The model of an instance the function constructs (``Model(...)``), or None."""
        if isinstance(receiver, ast.Name):
            values = self.assigned.get(receiver.id, [])
            if len(values) != 1:
                return None
            receiver = values[0]
        if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name):
            return self.models.get(receiver.func.id)
        return None

    def _string(self, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            values = self.assigned.get(expr.id, [])
            expr = values[0] if len(values) == 1 else expr
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.JoinedStr):
            return "".join(
                v.value
                for v in expr.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
        return None

    def guarded(self, line: int, model: str | None) -> bool:
        """Whether an existence check that may be about the rows of ``model`` (None: not
        known) comes before ``line``: one of the same model, or of a model not known.
        A check of another model does not keep a second run from creating the rows
        again (wagtail's ``Group.objects.get(name="Moderators")`` before creating a
        ``GroupPagePermission`` for each root page)."""
        return any(
            at <= line and (checked is None or model is None or checked == model.lower())
            for at, checked in self._guards
        )

    @cached_property
    def _guards(self) -> list[tuple[int, str | None]]:
        """The function's existence checks: their lines, each with the model (lower case)
        whose rows it looks at when known (looked for once a creation needs them)."""
        guards: list[tuple[int, str | None]] = []
        for node in self.calls:
            if (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in _EXISTENCE_CHECKS
                and self._on_manager(node.func.value, related=True)
            ):
                guards.append((node.lineno, self._lowered_model(node.func.value)))
            elif (  # ``len(queryset)``
                isinstance(node.func, ast.Name)
                and node.func.id == "len"
                and len(node.args) == 1
                and self._on_manager(node.args[0])
            ):
                guards.append((node.lineno, self._lowered_model(node.args[0])))
        return guards + [(node.lineno, None) for node in self.membership]

    @cached_property
    def _done_once(self) -> list[tuple[int, float]]:
        """The bodies of the loops that go over the rows with no related row of a kind,
        and create one for each (pretalx 0050: ``for event in
        Event.objects.filter(score_categories__isnull=True)``, and in the loop's body
        ``ReviewScoreCategory.objects.create(event=event, ...)``): a second run finds
        none of the rows, and does nothing of what the body does."""
        spans = []
        for loop in self.loops:
            if not isinstance(loop.target, ast.Name):
                continue
            row = loop.target.id
            without: set[str] | None = None
            for stmt in loop.body:
                call = stmt.value if isinstance(stmt, (ast.Assign, ast.Expr)) else None
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "create"
                    and self._on_manager(call.func.value)
                ):
                    continue
                local = _root_name(call.func.value)
                fields = [kw.arg for kw in call.keywords if kw.arg and _is_row(kw.value, row)]
                if local not in self.models or not fields:
                    continue
                without = self._without(loop.iter) if without is None else without
                if any(self._related_query_name(local, f) in without for f in fields):
                    spans.append(_body_lines(loop))
                    break
        return spans

    def _without(self, rows: ast.expr) -> set[str]:
        """The relations a queryset keeps the rows without (``r__isnull=True`` in a
        ``filter``, ``r__isnull=False`` in an ``exclude``), where ``rows`` is one or a
        name given one once."""
        if isinstance(rows, ast.Name):
            values = self.assigned.get(rows.id, [])
            rows = values[0] if len(values) == 1 else rows
        relations = set()
        while isinstance(rows, ast.Call) and isinstance(rows.func, ast.Attribute):
            wanted = {"filter": True, "exclude": False}.get(rows.func.attr)
            for kw in rows.keywords:
                if (
                    wanted is not None
                    and kw.arg is not None
                    and kw.arg.count("__") == 1
                    and kw.arg.endswith("__isnull")
                    and isinstance(kw.value, ast.Constant)
                    and kw.value.value is wanted
                ):
                    relations.add(kw.arg.partition("__")[0])
            rows = rows.func.value
        return relations if self._on_manager(rows) else set()

    def _related_query_name(self, local: str, field: str) -> str | None:
        """The name by which the rows a foreign key ``field`` of the model ``local`` holds
        points at look its rows up: ``related_query_name``, else ``related_name``, else the
        model's name in lower case, as the folder's history defines the field (None: it
        does not, or not so that it is known); the model's name where its history is not
        the folder's (the only name its code can use then, unless it names another)."""
        model = self.models[local]
        fields = _fields_before(self.ctx, self.operation, self.assigned[local][-1], model)
        if fields is None:
            return model.lower()
        key = field.lower()
        definition = fields.get(key) or (fields.get(key[:-3]) if key.endswith("_id") else None)
        if definition is None:
            return None
        named = {
            kw.arg: literal_str(kw.value)
            for kw in definition.keywords
            if kw.arg in ("related_name", "related_query_name")
        }
        if any(name is None for name in named.values()):
            return None
        return named.get("related_query_name") or named.get("related_name") or model.lower()

    @cached_property
    def _deduplicates(self) -> bool:
        """Whether the function goes over the rows that share a value with others
        (``.annotate(c=Count(...)).filter(c__gt=1)``, pretix 0221, nautobot 0095): what
        it changes there makes them unique, so that a second run finds none to change."""
        counted = {
            kw.arg
            for call in self.calls
            if isinstance(call.func, ast.Attribute) and call.func.attr == "annotate"
            for kw in call.keywords
            if isinstance(kw.value, ast.Call) and terminal_name(kw.value.func) == "Count"
        }
        return any(
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "filter"
            and any(_more_than_one(kw, counted) for kw in call.keywords)
            for call in self.calls
        )

    def _lowered_model(self, expr: ast.expr) -> str | None:
        model = self._model_of(expr)
        return None if model is None else model.lower()

    def is_f(self, expr: ast.expr) -> str | None:
        """The field of ``F("field")`` (Django's ``F``), or None."""
        if not (
            isinstance(expr, ast.Call)
            and len(expr.args) == 1
            and not expr.keywords
            and isinstance(expr.args[0], ast.Constant)
            and isinstance(expr.args[0].value, str)
        ):
            return None
        qualified = self.ctx.index.qualified_name(expr.func, self.function)
        return expr.args[0].value if qualified in _F_NAMES else None


def _instance_attribute(node: ast.AST) -> tuple[str, str] | None:
    """``(name, attribute)`` of ``name.attribute``, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    return None


def _fields_before(
    ctx: FileContext, operation: ast.expr, get_model: ast.expr, model: str
) -> dict[str, ast.Call] | None:
    """The fields of ``model`` (``get_model``: the ``apps.get_model(...)`` that gave it)
    just before ``operation``, each (lower case) with the call that defines it, as the
    folder's history reads them; None when the model is another app's, or its history
    cannot be read."""
    history = ctx.folder_history()
    if history is None or _get_model_label(get_model) != history.label:
        return None
    migration = history.files.get(ctx.path.stem)
    if migration is None or migration.operations is None:
        return None
    # (The history parsed the file itself when it was loaded after the rules' parse.)
    line, column = operation.lineno, operation.col_offset
    anchor = next(
        (e for e in migration.operations if (e.lineno, e.col_offset) == (line, column)),
        None,
    )
    state = None if anchor is None else history.state_before(migration.name, anchor, model)
    if state is None or isinstance(state, str) or model.lower() not in state.models:
        return None
    fields = {}
    for name in state.models[model.lower()].fields:
        found = state.lookup(model, name)
        if not isinstance(found, str) and isinstance(found.expr, ast.Call):
            fields[name.lower()] = found.expr
    return fields


def _root_name(expr: ast.expr) -> str | None:
    """``Model`` of ``Model.objects.filter(...).create``."""
    while isinstance(expr, (ast.Attribute, ast.Call)):
        expr = expr.value if isinstance(expr, ast.Attribute) else expr.func
    return expr.id if isinstance(expr, ast.Name) else None


def _is_row(value: ast.expr, row: str) -> bool:
    """Whether ``value`` is the row ``row`` names, or its key (``row.pk``, ``row.id``)."""
    if isinstance(value, ast.Attribute) and value.attr in ("pk", "id"):
        value = value.value
    return isinstance(value, ast.Name) and value.id == row


def _body_lines(loop: ast.For) -> tuple[int, float]:
    return loop.body[0].lineno, loop.body[-1].end_lineno or loop.body[-1].lineno


def _deletes_its_row(loop: ast.For) -> bool:
    """Whether a statement of the loop's body (not one under a condition) is
    ``target.delete()``, the row the loop is at."""
    if not isinstance(loop.target, ast.Name):
        return False
    return any(
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Attribute)
        and stmt.value.func.attr == "delete"
        and isinstance(stmt.value.func.value, ast.Name)
        and stmt.value.func.value.id == loop.target.id
        for stmt in loop.body
    )


def _more_than_one(kw: ast.keyword, counted: set[str | None]) -> bool:
    """Whether ``kw`` keeps the groups counted more than once: ``c__gt=1``, ``c__gte=2``."""
    if kw.arg is None or "__" not in kw.arg:
        return False
    name, lookup = kw.arg.rsplit("__", 1)
    bound = {"gt": 1, "gte": 2}.get(lookup)
    return (
        name in counted
        and bound is not None
        and isinstance(kw.value, ast.Constant)
        and type(kw.value.value) is int
        and kw.value.value == bound
    )


def _relative_to_itself(target: ast.expr, value: ast.expr) -> tuple[str, str] | None:
    """The instance and attribute ``target = value`` sets from that attribute's own value
    in a way a second run changes again: arithmetic or concatenation with it
    (``item.key = prefix + item.key``), or an attribute of it (``node.parent =
    node.parent.parent``); None for anything else, a call of a method among them
    (``item.name = item.name.strip()``, which is the same the second time)."""
    own = _instance_attribute(target)
    if own is None:
        return None
    if isinstance(value, ast.Attribute):
        return own if _instance_attribute(value.value) == own else None
    operands: list[ast.expr] = [value] if isinstance(value, ast.BinOp) else []
    for operand in operands:
        if isinstance(operand, ast.BinOp):
            operands += [operand.left, operand.right]
        elif _instance_attribute(operand) == own:
            return own
    return None


def _relative_fields(body: _Body, update: ast.Call) -> list[str]:
    """The fields an ``update()`` sets relative to themselves (``f=F("f") + ...``)."""
    fields = []
    for kw in update.keywords:
        value = kw.value
        if isinstance(value, ast.BinOp) and kw.arg in (
            body.is_f(value.left),
            body.is_f(value.right),
        ):
            fields.append(kw.arg)
    return [f for f in fields if f is not None]


def _get_model(value: ast.expr) -> str | None:
    """The model name of ``apps.get_model("app", "Model")`` / ``("app.Model")`` (or with
    the keywords ``app_label=``, ``model_name=``)."""
    if not (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "get_model"
    ):
        return None
    arguments = [*value.args, *(kw.value for kw in value.keywords)]
    if not (
        1 <= len(arguments) <= 2
        and all(kw.arg in ("app_label", "model_name") for kw in value.keywords)
        and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in arguments)
    ):
        return None
    last = arguments[-1]
    assert isinstance(last, ast.Constant)
    return str(last.value).rpartition(".")[2]


def _get_model_label(value: ast.expr) -> str:
    """The app label of ``apps.get_model(...)`` (one that :func:`_get_model` reads)."""
    assert isinstance(value, ast.Call)  # (a model's local name holds one)
    given = dict(zip(("app_label", "model_name"), value.args, strict=False))
    given.update((kw.arg, kw.value) for kw in value.keywords if kw.arg is not None)
    label = given["app_label"]
    assert isinstance(label, ast.Constant)
    text = str(label.value)
    return text if "model_name" in given else text.rpartition(".")[0]


def _catches(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(
        isinstance(t, (ast.Name, ast.Attribute)) and _shape(t).rpartition(".")[2] in _CAUGHT
        for t in types
    )


def _is_false(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and not expr.value


def _shape(expr: ast.expr) -> str:
    """A short rendering of a call chain: ``Product.objects.filter(...).update``."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return f"{_shape(expr.value)}.{expr.attr}"
    if isinstance(expr, ast.Call):
        return f"{_shape(expr.func)}({'...' if expr.args or expr.keywords else ''})"
    return "..."


# -- the generated reverse ------------------------------------------------------------------


class _Generator:
    """The reverse of a straight-line forward function, or why there is none."""

    def __init__(self, ctx: FileContext, body: _Body, operation: ast.expr) -> None:
        self.ctx = ctx
        self.body = body
        self.function = body.function
        self.operation = operation  # the ``RunPython`` call
        self.setup: list[str] = []  # get_model, connection alias and import statements
        self.aliases: set[str] = set()
        #: Whether a deletion looks a row up by every value it was created with (no field
        #: among them is known to be unique).
        self.by_all_values = False
        #: Whether the reverse undoes updates (else it deletes created rows).
        self.updates = False
        #: ``apps.get_model(...)`` called where its manager is used, by its source: the
        #: call and the model it gives.
        self.inline: dict[str, tuple[ast.Call, str]] = {}

    def reverse(self) -> list[str] | str:
        """The reverse function's statements, or why there is none."""
        if not self.body.two_params:
            return f"`{self.function.name}` does not take the two arguments `(apps, schema_editor)`"
        statements = self._flat(self.function.body)
        undo: list[str] = []
        deletes = updates = False
        for stmt in statements:
            last = stmt is statements[-1]
            if (_does_nothing(stmt) and (last or not isinstance(stmt, ast.Return))) or self._setup(
                stmt
            ):
                continue
            call = _call_of(stmt)
            if call is None or not isinstance(call.func, ast.Attribute):
                return self._not_straight(stmt)
            attr = call.func.attr
            if attr in ("create", "bulk_create"):
                found = self._delete(call)
                deletes = True
            elif attr == "update":
                found = self._inverse_update(call)
                updates = True
            else:
                return self._not_straight(stmt)
            if isinstance(found, str):
                return found
            undo[:0] = found
        if deletes and updates:
            return f"`{self.function.name}` both creates and updates rows"
        self.updates = updates
        return self.setup + undo

    def _flat(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        """The statements, with the body of a ``with transaction.atomic():`` in its place
        (the reverse runs in the migration's transaction, or is atomic on its own)."""
        flat: list[ast.stmt] = []
        for stmt in statements:
            if isinstance(stmt, ast.With) and all(
                item.optional_vars is None
                and isinstance(item.context_expr, ast.Call)
                and self.ctx.index.qualified_name(item.context_expr.func, self.function)
                == "django.db.transaction.atomic"
                for item in stmt.items
            ):
                flat.extend(self._flat(stmt.body))
            else:
                flat.append(stmt)
        return flat

    def _not_straight(self, stmt: ast.stmt) -> str:
        call = _call_of(stmt)
        if call is not None:
            what = f"`{_shape(call.func)}`"
        else:
            what = _STATEMENTS.get(type(stmt), "a statement of its own")
        return (
            f"`{self.function.name}` is not straight-line code over literal values "
            f"({what} at line {stmt.lineno})"
        )

    def _setup(self, stmt: ast.stmt) -> bool:
        """A statement the reverse needs as it is: a model, the connection alias, an import."""
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.setup.append(self._segment(stmt))
            return True
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            return False
        target, value = stmt.targets[0].id, stmt.value
        is_model = (
            _get_model(value) is not None
            and isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and isinstance(value.func.value, ast.Name)
            and value.func.value.id == self.body.apps
        )
        is_alias = _shape(value) == f"{self.body.schema_editor}.connection.alias"
        if not (is_model or is_alias) or target in (self.body.apps, self.body.schema_editor):
            return False
        if is_alias:
            self.aliases.add(target)
        self.setup.append(self._segment(stmt))
        return True

    def _manager(self, expr: ast.expr, *, filters: bool) -> tuple[str, str] | str:
        """``Model.objects[.using(alias)]`` (with ``filters``, also ``.filter()``,
        ``.exclude()`` and ``.all()``): (its source, the model's local name), or why not."""
        chain = expr
        while isinstance(chain, ast.Call) and isinstance(chain.func, ast.Attribute):
            func = chain.func
            usable = func.attr == "using" and self._using_argument(chain)
            if not (usable or (filters and func.attr in ("filter", "exclude", "all"))):
                break
            chain = func.value
        if (
            isinstance(chain, ast.Attribute)
            and chain.attr in _MANAGERS
            and isinstance(chain.value, ast.Name)
            and chain.value.id in self.body.models
        ):
            return self._segment(expr), chain.value.id
        if (
            isinstance(chain, ast.Attribute)
            and chain.attr in _MANAGERS
            and isinstance(chain.value, ast.Call)
            and isinstance(chain.value.func, ast.Attribute)
            and isinstance(chain.value.func.value, ast.Name)
            and chain.value.func.value.id == self.body.apps
            and (model := _get_model(chain.value)) is not None
        ):
            # ``apps.get_model("geo", "Country").objects.create(...)``: the reverse calls
            # it the same way (it takes the same arguments).
            key = self._segment(chain.value)
            self.inline[key] = (chain.value, model)
            return self._segment(expr), key
        return (
            f"`{_shape(expr)}` is not a model's manager from `apps.get_model` (line {expr.lineno})"
        )

    def _using_argument(self, call: ast.Call) -> bool:
        if len(call.args) != 1 or call.keywords:
            return False
        argument = call.args[0]
        return (
            (isinstance(argument, ast.Name) and argument.id in self.aliases)
            or (isinstance(argument, ast.Constant) and isinstance(argument.value, str))
            or _shape(argument) == f"{self.body.schema_editor}.connection.alias"
        )

    def _delete(self, call: ast.Call) -> list[str] | str:
        assert isinstance(call.func, ast.Attribute)
        manager = self._manager(call.func.value, filters=False)
        if isinstance(manager, str):
            return manager
        source, model = manager
        rows: list[ast.Call] = []
        if call.func.attr == "create":
            if call.args:
                return f"`{_shape(call.func)}` gets positional arguments (line {call.lineno})"
            rows = [call]
        else:
            extra = [kw for kw in call.keywords if kw.arg != "batch_size"]
            if len(call.args) != 1 or extra or not isinstance(call.args[0], (ast.List, ast.Tuple)):
                return (
                    f"`{_shape(call.func)}` does not get a literal list of instances "
                    f"(line {call.lineno})"
                )
            for element in call.args[0].elts:
                if not (
                    isinstance(element, ast.Call)
                    and isinstance(element.func, ast.Name)
                    and element.func.id == model
                    and not element.args
                ):
                    return (
                        f"`{_shape(call.func)}` gets something other than `{model}(field=...)` "
                        f"(line {element.lineno})"
                    )
                rows.append(element)
        deletes: list[str] = []
        unique: frozenset[str] | None = None
        for row in rows:
            lookups: list[tuple[str, str]] = []
            for kw in row.keywords:
                if kw.arg is None or not _is_literal(kw.value):
                    shown = "**" if kw.arg is None else f"{kw.arg}="
                    return (
                        f"`{_shape(call.func)}` gets `{shown}{_shape(kw.value)}`, not a literal "
                        f"value (line {kw.value.lineno})"
                    )
                lookups.append((kw.arg, f"{kw.arg}={self._segment(kw.value)}"))
            if not lookups:
                return (
                    f"`{_shape(call.func)}` sets no field to look the row up by (line {row.lineno})"
                )
            if unique is None:
                unique = self._unique_fields(model)
            # By its unique values alone where it has some: another value may have been
            # changed since (treebeard's ``numchild``, a counter), and the row not found.
            keyed = [lookup for lookup in lookups if lookup[0].lower() in unique]
            self.by_all_values = self.by_all_values or not keyed
            deletes.insert(
                0,
                _call_statement(
                    f"{source}.filter",
                    [text for _, text in keyed or lookups],
                    ".delete()",
                    self.ctx.line_length,
                ),
            )
        return deletes

    def _unique_fields(self, local: str) -> frozenset[str]:
        """The fields (lower case) of the model ``local`` holds that are unique
        (``unique=True``, ``primary_key=True``) just before the operation, as the folder's
        history defines them; none when the model is another app's, or its history
        cannot be read."""
        get_model, model = self.inline.get(local) or (
            self.body.assigned[local][-1],
            self.body.models[local],
        )
        fields = _fields_before(self.ctx, self.operation, get_model, model)
        return frozenset(
            name
            for name, definition in (fields or {}).items()
            if any(
                kw.arg in ("unique", "primary_key")
                and isinstance(kw.value, ast.Constant)
                and kw.value.value is True
                for kw in definition.keywords
            )
        )

    def _inverse_update(self, call: ast.Call) -> list[str] | str:
        assert isinstance(call.func, ast.Attribute)
        manager = self._manager(call.func.value, filters=True)
        if isinstance(manager, str):
            return manager
        source, _ = manager
        if call.args or not call.keywords:
            return f"`{_shape(call.func)}` gets positional arguments (line {call.lineno})"
        fields = {kw.arg for kw in call.keywords}
        problem = self._filters_problem(call.func.value, fields)
        if problem is not None:
            return problem
        values = []
        for kw in call.keywords:
            inverse = self._inverse_value(kw)
            if inverse is None:
                return (
                    f"`{kw.arg}=` is not `F({kw.arg!r}) + n`, `- n` or `* n` with a literal "
                    f"integer n other than 0 (line {kw.value.lineno})"
                )
            values.append(f"{kw.arg}={inverse}")
        return [_call_statement(f"{source}.update", values, "", self.ctx.line_length)]

    def _inverse_value(self, kw: ast.keyword) -> str | None:
        value = kw.value
        if not isinstance(value, ast.BinOp):
            return None
        operator = _INVERSE_OPERATOR.get(type(value.op))
        if operator is None:
            return None
        if self.body.is_f(value.left) == kw.arg and _is_integer(value.right):
            f_side, amount = value.left, value.right
        elif (
            not isinstance(value.op, ast.Sub)
            and self.body.is_f(value.right) == kw.arg
            and _is_integer(value.left)
        ):
            f_side, amount = value.right, value.left
        else:
            return None
        return f"{self._segment(f_side)} {operator} {self._segment(amount)}"

    def _filters_problem(self, chain: ast.expr, fields: set[str | None]) -> str | None:
        """Why the filters of an update may select other rows once it has run, or None."""
        # (The ``apps.get_model(...)`` the manager is got from is not a filter.)
        got = {id(node) for call, _ in self.inline.values() for node in ast.walk(call)}
        for node in ast.walk(chain):
            if id(node) in got:
                continue
            if isinstance(node, ast.Name) and not (
                node.id in self.body.models
                or node.id in self.aliases
                or self.ctx.index.qualified_name(node, self.function)
                in ("django.db.models", "django.db.models.F", "django.db.models.Q")
            ):
                return f"the filters at line {node.lineno} read `{node.id}`"
            names: list[str] = []
            if isinstance(node, ast.keyword) and node.arg is not None:
                names.append(node.arg)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.append(node.value)
            for text in names:
                if text.split("__")[0] in fields:
                    return (
                        f"the filters read `{text.split('__')[0]}`, which the update changes "
                        f"(line {chain.lineno})"
                    )
        return None

    def _segment(self, node: ast.stmt | ast.expr) -> str:
        return self.ctx.segment(node)


_STATEMENTS: dict[type[ast.stmt], str] = {
    ast.For: "a `for` loop",
    ast.While: "a `while` loop",
    ast.If: "an `if`",
    ast.Try: "a `try`",
    ast.With: "a `with`",
    ast.Assign: "an assignment",
    ast.AugAssign: "an assignment",
    ast.AnnAssign: "an assignment",
    ast.Return: "a `return`",
}


def _call_statement(callee: str, arguments: list[str], suffix: str, line_length: int) -> str:
    """``callee(arguments)suffix`` as a statement of the reverse function's body: on one line
    if it fits in ``line_length`` (the project's), else one argument a line with a trailing
    comma, as black writes it."""
    line = f"{callee}({', '.join(arguments)}){suffix}"
    if len(line) + 4 <= line_length:
        return line
    inner = "".join(f"        {argument},\n" for argument in arguments)
    return f"{callee}(\n{inner}    ){suffix}"


def _filled_once(branch: ast.If) -> list[ast.Call]:
    """The calls whose result the ``if`` stores in the attribute its test finds empty
    (``if post.image_set is None: post.image_set = ImageSet.objects.create(...)``): a
    second run finds it set and creates nothing."""
    test = branch.test
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        empty = test.operand
    elif (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Is, ast.Eq))
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        empty = test.left
    else:
        return []
    chain = attribute_chain(empty) if isinstance(empty, ast.Attribute) else None
    if chain is None:
        return []
    return [
        stmt.value
        for stmt in branch.body
        if isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Attribute)
        and attribute_chain(stmt.targets[0]) == chain
        and isinstance(stmt.value, ast.Call)
    ]


def _call_of(stmt: ast.stmt) -> ast.Call | None:
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        return stmt.value
    return None


def _is_literal(expr: ast.expr) -> bool:
    """A value the database compares exactly: a string, an integer, a boolean, None."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return _is_integer(expr.operand)
    return isinstance(expr, ast.Constant) and (
        expr.value is None or isinstance(expr.value, (str, int))
    )


def _is_integer(expr: ast.expr) -> bool:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        expr = expr.operand
    return isinstance(expr, ast.Constant) and type(expr.value) is int and expr.value != 0


def _names(tree: ast.Module) -> set[str]:
    """Every name the module uses or binds (the generated function must not clash)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _unique_name(base: str, used: set[str]) -> str:
    candidate, counter = base, 2
    while candidate in used:
        candidate = f"{base}_{counter}"
        counter += 1
    return candidate
