"""Writing migration code: what MF003's fix puts into the migration it splits and into
the new drop migration, spelled the way the file already writes things.

Shared helpers over the parsed source, in the manner of django-upgrade's ``tokens.py``:
quoting and indentation that follow the file, a field's definition copied from the
migration that last defined it (re-indented, retargeted after a ``RenameModel``, with the
imports it needs from this module alone), a keyword set in a call's source, the backfill
function, the swappable dependency, and the drop migration (a
:class:`~migration_fixer.rule.NewMigration` the runner's planning numbers). A
:class:`CannotWrite` says why something cannot be written safely.
"""

from __future__ import annotations

import ast
import builtins
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path

from migration_fixer import __version__
from migration_fixer.column_readd import Verdict
from migration_fixer.dotted_names import attribute_chain, module_imports, required_module
from migration_fixer.history import FieldState, MigrationFile
from migration_fixer.layout import DEFAULT_LINE_LENGTH, reflow_line, str_width, string_literal
from migration_fixer.migration_ast import LOCAL, OperationCall, keyword_argument, split_lines
from migration_fixer.rule import (
    AddImport,
    AppendElement,
    Edit,
    FileContext,
    InsertStatements,
    NewMigration,
    ReplaceElement,
)
from migration_fixer.skim import quote_counts

_DJANGO_MIGRATIONS = "django.db.migrations"


class CannotWrite(Exception):
    """The fix cannot be written safely; the message says why (shown as the hint)."""


@dataclass
class Removal:
    """A ``RemoveField`` to split: the call, the names it removes, the field's state
    where it is removed, and why it cannot be rolled back."""

    op: OperationCall
    model: str
    field: str
    state: FieldState
    verdict: Verdict


def with_article(noun: str) -> str:
    """``noun`` after its article, by its sound: "an IntegerField", "a UUIDField"."""
    return f"{'an' if noun[:1] in 'AEIO' and not noun.startswith('One') else 'a'} {noun}"


def indent_of(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t"))]


def quote_style(text: str) -> str:
    """The quote the module's string literals mostly use (``"`` on a tie): counted on its
    strings, not on its comments, whose apostrophes ("it's", "don't") are no quotes."""
    singles, doubles = quote_counts(text)
    return "'" if singles > doubles else '"'


#: The shortest unique text column a per-row placeholder is written for: ten digits count
#: past every row a table keyed by an ``AutoField`` (a 32-bit integer) can hold.
_DISTINCT_DIGITS = 10
#: What a unique text column's placeholders are numbered after, when the column holds it
#: and ten digits (``_DISTINCT_DIGITS``); a shorter one gets the digits alone.
_PLACEHOLDER_PREFIX = "placeholder-"


def unique_name(base: str, used: set[str]) -> str:
    base = re.sub(r"\W", "_", base)
    candidate, counter = base, 2
    while candidate in used:
        candidate = f"{base}_{counter}"
        counter += 1
    used.add(candidate)
    return candidate


def operation_spelling(
    ctx: FileContext, op: OperationCall, operation: str, edits: list[Edit]
) -> str:
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
    raise CannotWrite(f"`{operation}` means something else in this file")


def copy_field(
    ctx: FileContext, label: str, state: FieldState, indent: str, edits: list[Edit]
) -> str:
    """The field's defining expression, as written where it was last defined, re-indented
    for its new place; the imports it needs are added to ``edits``."""
    source = state.source
    segment = ast.get_source_segment(source.text, state.expr)
    if segment is None:  # pragma: no cover - the node comes from this text
        raise CannotWrite("cannot read the field's definition")
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
    old_base = indent_of(source.text.splitlines()[state.expr.lineno - 1])
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
    target = keyword_argument(call, "to")
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
            raise CannotWrite(f"the field's definition uses `{root}`, which cannot be resolved")
        if theirs.startswith(LOCAL):
            raise CannotWrite(
                f"the field's definition uses `{root}`, defined in {source.name} itself: "
                "copy it by hand"
            )
        if ours is not None and ours != theirs:
            raise CannotWrite(f"`{root}` means something else here than in {source.name}")
        statement = source.index.import_statement(root)
        if statement is None:  # pragma: no cover - ``theirs`` resolved it to an import
            raise CannotWrite(f"cannot tell how `{root}` is imported")
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


def set_keyword(expression: str, original: ast.expr, keyword: str, value: str) -> str:
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
    every: list[ast.expr | ast.keyword] = [*tree.args, *tree.keywords]
    if not every:
        end = at(tree.end_lineno or 1, (tree.end_col_offset or 1) - 1)
        return (data[:end] + f"{keyword}={value}".encode() + data[end:]).decode("utf-8")
    last = every[-1]
    node = last.value if isinstance(last, ast.keyword) else last
    assert isinstance(node, ast.expr)
    end = at(node.end_lineno or node.lineno, node.end_col_offset or 0)
    closing = at(tree.end_lineno or 1, (tree.end_col_offset or 1) - 1)
    # The argument ends at its last bracket: ``help_text=("...")``'s node is the string.
    rest = data[end:closing]
    while rest.lstrip().startswith(b")"):
        end = closing - len(rest.lstrip()) + 1
        rest = data[end:closing]
    first = at(last.lineno, 0)
    start = at(last.lineno, last.col_offset)
    before = data[first:start].decode("utf-8")
    if last.lineno > tree.lineno and not before.strip() and b"," in data[end:closing]:
        # One argument per line (a magic trailing comma): the new one gets a line of its
        # own, indented alike.
        newline = "\r\n" if "\r\n" in expression else "\n"
        added = f",{newline}{before}{keyword}={value}"
        return (data[:end] + added.encode() + data[end:]).decode("utf-8")
    return (data[:end] + f", {keyword}={value}".encode() + data[end:]).decode("utf-8")


def _join_hugged(lines: list[str], line_length: int) -> list[str]:
    """``lines`` (a definition copied from a deeper place) with each pair of brackets that
    holds one line of its own (``f(`` / ``a, b`` / ``)``, black's layout when it did not fit
    there) joined back where it now fits, as black would join it; innermost first."""
    lines = list(lines)
    joined = True
    while joined:
        joined = False
        for index in range(len(lines) - 2):
            head, body, tail = lines[index : index + 3]
            if (
                head.rstrip()[-1:] in ("(", "[", "{")
                and tail.strip()[:1] in (")", "]", "}")
                and indent_of(tail) == indent_of(head)
                and indent_of(body) == indent_of(head) + "    "
                and not body.rstrip().endswith(",")  # a magic trailing comma stays
                and not any(mark in body for mark in ("#", '"""', "'''"))
            ):
                line = head.rstrip() + body.strip() + tail.strip()
                if str_width(line) <= line_length:
                    lines[index : index + 3] = [line]
                    joined = True
                    break
    return lines


def _max_length(expr: ast.expr) -> int | None:
    assert isinstance(expr, ast.Call)
    value = keyword_argument(expr, "max_length")
    if isinstance(value, ast.Constant) and isinstance(value.value, int):
        return value.value
    return None


def backfill_function(
    label: str,
    removal: Removal,
    function: str,
    quote: str,
    edits: list[Edit],
    line_length: int = DEFAULT_LINE_LENGTH,
    rule: str = "MF003",
) -> str:
    """The reverse of the nullable step: puts a placeholder into the rows written with
    NULL (or, with no placeholder, says what to write by hand), laid out to keep within
    ``line_length`` (a long query on a line of its own, long comments wrapped); its
    comments name ``rule``, the rule that wrote it."""
    source = _backfill_function(label, removal, function, quote, edits, rule)
    return _keep_within(source, line_length)


def _keep_within(source: str, line_length: int) -> str:
    """``source`` (a function) with its lines longer than ``line_length`` laid out as
    black would: statements split at their last brackets, comment paragraphs wrapped."""
    out: list[str] = []
    comment: list[str] = []

    def flush() -> None:
        if any(str_width(c) > line_length for c in comment):
            indent = indent_of(comment[0])
            text = " ".join(c.strip()[1:].strip() for c in comment)
            out.extend(
                textwrap.wrap(
                    text,
                    line_length,
                    initial_indent=indent + "# ",
                    subsequent_indent=indent + "# ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        else:
            out.extend(comment)
        comment.clear()

    for line in source.splitlines():
        if line.lstrip().startswith("#"):
            comment.append(line)
            continue
        flush()
        out.extend(reflow_line(line, False, line_length, chains=True) or [line])
    flush()
    return "\n".join(out) + "\n"


def _backfill_function(
    label: str, removal: Removal, function: str, quote: str, edits: list[Edit], rule: str
) -> str:
    model = removal.state.model
    field = removal.field
    header = f"def {function}(apps, schema_editor):\n"
    names = f"{string_literal(label, quote)}, {string_literal(model, quote)}"
    get_model = f"    {model} = apps.get_model({names})\n"
    rows = (
        "    db = schema_editor.connection.alias\n"
        f"    rows = {model}.objects.using(db).filter({field}__isnull=True)\n"
    )
    verdict = removal.verdict
    placeholder = verdict.placeholder
    # PostgreSQL queues the foreign key checks of an UPDATE until COMMIT, and ALTER TABLE
    # refuses a table with queued checks: run them before the AlterField is reversed.
    flush = (
        "    # Run the deferred foreign key checks now: ALTER TABLE refuses pending ones.\n"
        f"    if schema_editor.connection.vendor == {string_literal('postgresql', quote)}:\n"
        f"        schema_editor.execute({string_literal('SET CONSTRAINTS ALL IMMEDIATE', quote)})\n"
        f"        schema_editor.execute({string_literal('SET CONSTRAINTS ALL DEFERRED', quote)})\n"
    )
    if placeholder is None:
        kind, target, value = ("a foreign key", "point them at a", "<an instance>")
        if not verdict.relation:
            kind, target, value = (with_article(verdict.field_class), "give them a", "<a value>")
        return (
            header
            + f"    # {rule}: `{field}` is {kind}: there is no placeholder for rows written\n"
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
        f"    # {rule}: rows written while `{field}` was nullable get {what}, so that rolling\n"
        "    # this migration back can restore NOT NULL. Review the value.\n"
    )
    if verdict.unique:
        # Each row its own value: the start of the function, and the rows holding one.
        start = (
            header
            + comment.replace("get a placeholder", "get a distinct placeholder")
            + get_model
            + rows
        )
        taken = f"    taken = {model}.objects.using(db).exclude({field}__isnull=True)\n"
        name = string_literal(field, quote)
        if verdict.field_class == "UUIDField":
            edits.append(AddImport("uuid"))
            per_row = "uuid.uuid4()"
        elif verdict.field_class in ("CharField", "SlugField", "TextField", "EmailField"):
            limit = _max_length(removal.state.expr)
            if limit is not None and limit < _DISTINCT_DIGITS:
                raise CannotWrite(
                    f"a unique {verdict.field_class} of max_length {limit} cannot hold a "
                    f"distinct placeholder for every row ({limit} digits count to "
                    f"{10**limit - 1:,}; a table can hold more rows)"
                )
            # Numbered from 1, skipping each value a row holds: one made of the key ("12"
            # for pk 12) could be another row's, and the rollback failed on the unique
            # constraint. The database compares them, in the column's collation, as the
            # constraint does ("PLACEHOLDER-1" is "placeholder-1" on MySQL): a set of the
            # values read into Python would not, and would hold a big table's column.
            number = "{next(numbers)}"
            candidate = f"str({number[1:-1]})"
            if limit is None or limit >= len(_PLACEHOLDER_PREFIX) + _DISTINCT_DIGITS:
                candidate = "f" + string_literal(_PLACEHOLDER_PREFIX + number, quote)
            edits.append(AddImport("itertools"))
            return (
                start + taken + "    numbers = itertools.count(1)\n"
                "    for row in rows:\n"
                f"        value = {candidate}\n"
                f"        while taken.filter({field}=value).exists():\n"
                f"            value = {candidate}\n"
                f"        row.{field} = value\n"
                f"        row.save(update_fields=[{name}])\n" + flush
            )
        elif "Integer" in verdict.field_class:
            # Counted up from the largest value held: distinct from every row's, and not
            # negative (``-row.pk`` broke a PositiveIntegerField's CHECK constraint, and
            # went out of a SmallIntegerField's range past 32,768 rows).
            descending = string_literal(f"-{field}", quote)
            return (
                start + taken + f"    top = taken.order_by({descending}).values_list("
                f"{name}, flat=True).first() or 0\n"
                "    for offset, row in enumerate(rows, start=1):\n"
                f"        row.{field} = top + offset\n"
                f"        row.save(update_fields=[{name}])\n" + flush
            )
        else:
            raise CannotWrite(f"a unique {verdict.field_class} needs a distinct value per row")
        return (
            start + "    for row in rows:\n"
            f"        row.{field} = {per_row}\n"
            f"        row.save(update_fields=[{name}])\n" + flush
        )
    return header + comment + get_model + rows + f"    rows.update({field}={value})\n" + flush


def add_swappable_dependency(
    ctx: FileContext,
    migration: MigrationFile,
    removal: Removal,
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
            function = operation_spelling(ctx, removal.op, "swappable_dependency", edits)
            line, column = ctx.position(deps)
            edits.append(AppendElement(line, column, f"{function}({ast.unparse(node)})"))
        return


def drop_migration(
    origin: Path,
    label: str,
    removals: list[Removal],
    vocabulary: str,
    line_length: int = DEFAULT_LINE_LENGTH,
    quote: str = '"',
) -> NewMigration:
    """The deferred drop, to be numbered by the runner's planning (after every migration
    of the folder, depending on the folder's leaf or the run's previous new migration);
    its strings between ``quote`` characters, those of the migration it comes from."""
    fragments = [f"remove_{r.model.lower()}_{r.field.lower()}" for r in removals]
    suffix = fragments[0]
    for fragment in fragments[1:]:
        candidate = f"{suffix}_{fragment}"
        if len(candidate) > 52:
            suffix = f"{suffix}_and_more"
            break
        suffix = candidate
    imports = ["from django.db import migrations"]
    marker = (
        "    # The contract step of an expand/contract split (migration-fixer MF003): run it\n"
        f"    # in a deploy after the one that applies {origin.stem}, once no running\n"
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
        f"            model_name={string_literal(r.model.lower(), quote)},\n"
        f"            name={string_literal(r.field, quote)},\n"
        "        ),\n"
        for r in removals
    )
    # (Comments too long for the line length, with a long migration name, are wrapped.)
    generated = (
        f"# Generated by migration-fixer {__version__}: the deferred drop from {origin.stem}\n"
    )
    head = (
        _keep_within(generated, line_length)
        + "\n"
        + "\n".join(imports)
        + "\n\n\nclass Migration(migrations.Migration):\n"
        + _keep_within(marker, line_length)
        + "\n    dependencies = [\n"
    )
    tail = "    ]\n\n    operations = [\n" + operations + "    ]\n"
    return NewMigration(origin, label, suffix, head, tail, line_length, quote)


def element_layout(ctx: FileContext, node: ast.expr) -> tuple[int, int, str, str | None]:
    """Where the operation ``node`` stands (line, column), the indentation the elements
    replacing it take, and the one of its list when that list is written on one line
    (black lays it out one element per line once an element spans several lines)."""
    line, column = ctx.position(node)
    indent = indent_of(ctx.lines[line - 1])
    # (A call after something else on its line is in a list written on one line.)
    explode = indent + "    " if column > len(indent) else None
    return line, column, explode or indent, explode


def backfill_step(
    ctx: FileContext,
    label: str,
    removal: Removal,
    quote: str,
    used_names: set[str],
    indent: str,
    edits: list[Edit],
    rule: str = "MF003",
) -> tuple[str, str]:
    """The ``RunPython`` (laid out at ``indent``) whose reverse backfills the rows written
    with NULL, and the name of the backfill function, which ``edits`` gets (with the
    imports it needs); ``used_names``: the module's names, which the function's avoids."""
    function = unique_name(f"backfill_{removal.model.lower()}_{removal.field}", used_names)
    run_python = operation_spelling(ctx, removal.op, "RunPython", edits)
    inner = indent + "    "
    element = (
        f"{run_python}(\n{inner}{run_python}.noop,\n{inner}reverse_code={function},\n{indent})"
    )
    source = backfill_function(label, removal, function, quote, edits, ctx.line_length, rule)
    edits.append(InsertStatements(source))
    return element, function


def nullable_step(
    ctx: FileContext,
    label: str,
    migration: MigrationFile,
    removal: Removal,
    strategy: str,
    used_names: set[str],
    added_dependencies: set[str],
) -> tuple[list[Edit], str | None]:
    """The edits that turn ``removal`` into the expand step: ``AlterField`` with the
    field's own definition made nullable (or given a ``db_default``), then a
    ``RunPython`` whose reverse is the backfill (``used_names``: the module's names, so
    the function gets a new one; ``added_dependencies``: swappable settings already
    depended on by an earlier removal of the file); and the backfill function's name
    (None with a ``db_default``: there is none)."""
    edits: list[Edit] = []
    function = None
    placeholder = removal.verdict.placeholder
    line, column, indent, explode = element_layout(ctx, removal.op.node)
    inner = indent + "    "
    expression = copy_field(ctx, label, removal.state, inner, edits)
    quote = quote_style(migration.text)
    if strategy == "db-default":
        assert placeholder is not None
        value = placeholder[0]
        if value in ('""', 'b""') and quote == "'":
            value = value.replace('"', "'")
        expression = set_keyword(expression, removal.state.expr, "db_default", value)
        edits.extend(AddImport(module) for module in placeholder[1])
    else:
        expression = set_keyword(expression, removal.state.expr, "null", "True")
    # A line now too long (the keyword added) is split as black would split it.
    newline = "\r\n" if "\r\n" in ctx.text else "\n"
    field_lines = _join_hugged(split_lines(f"{inner}field={expression},"), ctx.line_length)
    split = [
        part for line in field_lines for part in reflow_line(line, True, ctx.line_length) or [line]
    ]
    expression = newline.join(split)[len(inner) + len("field=") : -1]
    alter = operation_spelling(ctx, removal.op, "AlterField", edits)
    model_src, field_src = (
        string_literal(removal.model, quote),
        string_literal(removal.field, quote),
    )
    # A one-off default (AddField/AlterField(preserve_default=False)) is not in the state:
    # keep it out of the state here too, as Django writes it.
    one_off = "" if removal.state.preserve_default else f"{inner}preserve_default=False,\n"
    alter_src = (
        f"{alter}(\n{inner}model_name={model_src},\n{inner}name={field_src},\n"
        f"{inner}field={expression},\n{one_off}{indent})"
    )
    elements = [alter_src]
    if strategy != "db-default":
        element, function = backfill_step(ctx, label, removal, quote, used_names, indent, edits)
        elements.append(element)
    edits.insert(0, ReplaceElement(line, column, tuple(elements), explode))
    add_swappable_dependency(ctx, migration, removal, edits, added_dependencies)
    return edits, function
