"""The rule contract: what a rule sees, what it reports, and how a fix is described.

Rules see parsed source only (and, for MF003, the replayed history). They never touch the
disk, print, or know about click or git. A fix is *data*: a list of edits that
:mod:`migration_fixer.rewrite` applies with libcst and :mod:`migration_fixer.changeset`
re-applies on the ``ast`` to verify the result.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from migration_fixer.migration_ast import (
    OPERATIONS,
    ModuleIndex,
    OperationCall,
    char_column,
    split_lines,
)


@dataclass(frozen=True)
class AddArgument:
    """Insert ``keyword=value`` into the call starting at (line, column).

    ``after`` is the source-order index of the argument the new one follows.
    """

    line: int
    column: int
    after: int
    keyword: str
    value: str


@dataclass(frozen=True)
class ReplaceArgument:
    """Replace the value of the ``index``-th argument (source order) of a call."""

    line: int
    column: int
    index: int
    value: str


@dataclass(frozen=True)
class ReplaceElement:
    """Replace the call at (line, column), an element of a list or tuple, by several
    elements (each a Python expression in source form)."""

    line: int
    column: int
    elements: tuple[str, ...]


@dataclass(frozen=True)
class AppendElement:
    """Append an element (source form) to the list or tuple starting at (line, column)."""

    line: int
    column: int
    element: str


@dataclass(frozen=True)
class InsertStatements:
    """Insert module-level statements (source form) just before ``class Migration``."""

    source: str


@dataclass(frozen=True)
class AddImport:
    """Make sure the module has ``import <module>`` (``name`` is None) or
    ``from <module> import <name> [as <alias>]``."""

    module: str
    name: str | None = None
    alias: str | None = None


Edit = AddArgument | ReplaceArgument | ReplaceElement | AppendElement | InsertStatements | AddImport


@dataclass(frozen=True)
class NewFile:
    """A file the fix creates (e.g. MF003's later drop migration)."""

    path: Path
    text: str
    #: The migration whose fix creates this file (it is written only with that fix).
    origin: Path | None = None


@dataclass(frozen=True)
class Fix:
    edits: tuple[Edit, ...]
    new_files: tuple[NewFile, ...] = ()
    #: Rules whose fix of the same call this one replaces when both would be written
    #: (MF004's real reverse replaces MF001's no-op): two fixes never edit one call.
    supersedes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One problem in one file. ``line`` is 1-based, ``column`` 0-based (characters)."""

    code: str
    message: str
    line: int
    column: int
    fix: Fix | None = None
    hint: str | None = None

    @property
    def fixable(self) -> bool:
        return self.fix is not None


@dataclass
class FileContext:
    """Everything a rule may look at for one file."""

    path: Path
    text: str
    tree: ast.Module
    history: Any = None  # migration_fixer.history.History, for MF003
    #: Whether MF003 may split this migration (new relative to the git base), and why not.
    splittable: bool = False
    split_reason: str = ""
    #: MF003's strategy ("nullable" or "db-default") and the project's deploy vocabulary
    #: for "run after deploy" ("safemigrate", "syzygy" or "ours").
    strategy: str = "nullable"
    vocabulary: str = "ours"
    #: The operations the selected rules look at (each rule's ``triggers`` name them).
    wanted: frozenset[str] = OPERATIONS

    @cached_property
    def index(self) -> ModuleIndex:
        return ModuleIndex(self.tree, self.text)

    @cached_property
    def operation_calls(self) -> list[OperationCall]:
        return list(self.index.operation_calls(self.wanted))

    @cached_property
    def lines(self) -> list[str]:
        return split_lines(self.text)

    def position(self, node: ast.expr) -> tuple[int, int]:
        """(line, character column) of a node, as libcst counts them."""
        return node.lineno, char_column(self.lines, node.lineno, node.col_offset)


@dataclass(frozen=True)
class Example:
    """A documented example: ``after`` is the fixed source, or None for report-only."""

    before: str
    after: str | None = None
    #: Files the fix creates, as (file name, text), for rules that create them (MF003).
    new_files: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RuleExamples:
    flagged: tuple[Example, ...]
    clean: tuple[str, ...] = field(default_factory=tuple)
    #: For rules that read a migration history (MF003): the earlier migrations of the
    #: folder, as (file name, text), already committed on the git base; each example is
    #: the next migration, new on the branch.
    history: tuple[tuple[str, str], ...] = ()


class Rule(Protocol):
    """The interface every module in :mod:`migration_fixer.rules` provides."""

    code: str
    name: str
    summary: str
    #: The names of the operations the rule inspects, as bytes: a file must contain one
    #: for the rule to apply (the text prefilter), and only those calls are resolved.
    triggers: tuple[bytes, ...]
    #: Whether the rule reads the migrations folder's replayed history (``ctx.history``).
    needs_history: bool
    examples: RuleExamples

    def check(self, ctx: FileContext) -> Iterator[Finding]: ...  # pragma: no cover
