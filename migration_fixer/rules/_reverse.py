"""Shared logic of MF001 and MF002: an operation whose reverse is missing or ``None``."""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from migration_fixer.migration_ast import ModuleIndex, find_argument, has_star_args
from migration_fixer.parsing import parse_module
from migration_fixer.rule import (
    AddArgument,
    Applicability,
    FileContext,
    Finding,
    Fix,
    ReplaceArgument,
)
from migration_fixer.source import SourceError, decode

#: How a hint of MF001 and MF002 ends where the no-op is an unsafe fix (a deploy that stopped
#: on the missing reverse quotes the hint without it: the no-op is no way back there).
ACCEPT_NOOP = ", or accept the no-op with --unsafe-fixes"
#: How a hint goes on after :func:`unapply_raises` where the fix would write a reverse.
NEVER_RUNS = (
    "a reverse here would never run; the rollback stops at this migration whatever its "
    "operations say"
)


@dataclass(frozen=True)
class Reverse:
    """The reverse a rule offers for a forward argument: ``value`` in source form, or
    None for the no-op (``<callee>.noop``); whether writing it is safe; and, where it
    is not the certain inverse, why (the finding's hint)."""

    value: str | None = None
    applicability: Applicability = Applicability.SAFE
    hint: str | None = None
    #: The value ``value`` spells (a string or list of strings), checked on verification.
    literal: str | tuple[str, ...] | None = None
    #: The hint once the fix is written (an unsafe no-op: what it leaves undone).
    written_hint: str | None = None


def missing_reverse(
    ctx: FileContext,
    *,
    code: str,
    operation: str,
    forward: str,
    reverse: str,
    inverse: Callable[[ast.Call, ast.expr], Reverse],
) -> Iterator[Finding]:
    """Report each ``operation(...)`` call that has no reverse (or ``reverse=None``).

    The fix adds ``reverse=<callee>.noop``, spelled with the callee exactly as the call
    spells it, so it is valid wherever the call is (same imports, same scope); or, where
    ``inverse`` finds a real inverse of the forward argument (given with its call), that
    (source form).
    ``inverse`` also says whether the fix is safe, and why not. Nothing is written where
    the migration's class raises in ``unapply`` (:func:`unapply_raises`): the reverse would
    never run.
    """
    for op in ctx.operation_calls:
        if op.operation != operation:
            continue
        call = op.node
        line, column = ctx.position(call)
        shown = op.subclass or operation
        existing = find_argument(call, operation, reverse)
        if existing is not None:
            index, value = existing
            if not (isinstance(value, ast.Constant) and value.value is None):
                continue
            message = f"`{shown}` with `{reverse}=None` cannot be reversed"
        elif has_star_args(call):
            raising = unapply_raises(ctx)
            yield Finding(
                code,
                f"`{shown}` called with `*args`/`**kwargs`: cannot tell whether it has `{reverse}`",
                line,
                column,
                hint=f"{raising}: {NEVER_RUNS}"
                if raising is not None
                else f"pass `{reverse}=` explicitly (e.g. `{_noop(call)}`)",
            )
            continue
        else:
            forward_arg = find_argument(call, operation, forward)
            if forward_arg is None:
                continue  # not a valid call; Django itself would reject it
            index = forward_arg[0]
            message = f"`{shown}` without `{reverse}` cannot be reversed"
        raising = unapply_raises(ctx)
        if raising is not None:
            yield Finding(code, message, line, column, hint=f"{raising}: {NEVER_RUNS}")
            continue
        if op.overrides_init:
            yield Finding(
                code,
                f"{message}; `{shown}` defines its own `__init__`, so it is not rewritten",
                line,
                column,
                hint=f"add a reverse by hand (`{reverse}=...`)",
            )
            continue
        offer = _offer(call, operation, forward, inverse)
        written = offer.value or _noop(call)
        edit = (
            ReplaceArgument(line, column, index, written, offer.literal)
            if existing is not None
            else AddArgument(line, column, index, reverse, written, offer.literal)
        )
        fix = Fix((edit,), applicability=offer.applicability, written_hint=offer.written_hint)
        yield Finding(code, message, line, column, fix=fix, hint=offer.hint)


def _offer(
    call: ast.Call,
    operation: str,
    forward: str,
    inverse: Callable[[ast.Call, ast.expr], Reverse],
) -> Reverse:
    forward_arg = find_argument(call, operation, forward)
    # (No forward argument: ``RunSQL(reverse_sql=None)``, which Django refuses anyway.)
    return Reverse() if forward_arg is None else inverse(call, forward_arg[1])


def _noop(call: ast.Call) -> str:
    return f"{ast.unparse(call.func)}.noop"


def unapply_raises(ctx: FileContext) -> str | None:
    """Why the file's migration is never unapplied, where its class (or one it inherits
    from, in the module or in a module of its package: ``from . import IrreversibleMigration``)
    overrides ``unapply`` with a body that always raises
    (:meth:`~migration_fixer.migration_ast.ModuleIndex.raising_unapply`): the start of a
    hint, which the rule goes on with what its fix would leave undone; else None. Django
    then stops the rollback before it unapplies any operation of the migration: a reverse
    written there would make it look reversible."""
    found = ctx.index.raising_unapply(functools.partial(_package_module, ctx))
    if found is None:
        return None
    cls, line = found.cls, found.method.lineno
    where = f"line {line}" if found.module is None else f"{found.module}, line {line}"
    if found.module is None and cls is ctx.index.module_class("Migration"):
        return f"`{cls.name}.unapply` ({where}) always raises"
    return (
        f"the migration's class inherits `unapply` from `{cls.name}` ({where}), which always raises"
    )


def _package_module(ctx: FileContext, module: str) -> tuple[ModuleIndex, str] | None:
    """The module ``module`` of the migration's package ("": its ``__init__``), read and
    parsed (never run), with the name of its file; None when it is not a plain file of the
    migration's folder (a package, a symlink) or does not parse. The file's result then
    depends on it: it is not cached."""
    if module and not module.isidentifier():
        return None  # (``from .sub.mod import X``: not followed)
    name = f"{module or '__init__'}.py"
    path = ctx.path.parent / name
    ctx.reads_outside = True
    try:
        if path.is_symlink() or not path.is_file():
            return None
        source = decode(path, path.read_bytes())
        tree = parse_module(source.text, filename=str(path))
    except (OSError, SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return ModuleIndex(tree, source.text), name
