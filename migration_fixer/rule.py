"""The rule contract: what a rule sees, what it reports, and how a fix is described.

Rules see parsed source only (and, for MF003, the replayed history). They never touch the
disk, print, or know about click or git. A fix is *data*: a list of edits that
:mod:`migration_fixer.rewrite` applies with libcst and :mod:`migration_fixer.changeset`
re-applies on the ``ast`` to verify the result.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from migration_fixer.layout import DEFAULT_LINE_LENGTH, reflow_line, string_literal
from migration_fixer.migration_ast import (
    OPERATIONS,
    ModuleIndex,
    OperationCall,
    char_column,
    line_starts,
    split_lines,
)

if TYPE_CHECKING:
    from migration_fixer.history import History


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
    #: What ``value`` must evaluate to, where the rule spells a string (or a list of
    #: strings): the verification compares the written value with it.
    literal: str | tuple[str, ...] | None = None


@dataclass(frozen=True)
class ReplaceArgument:
    """Replace the value of the ``index``-th argument (source order) of a call."""

    line: int
    column: int
    index: int
    value: str
    #: As in :class:`AddArgument`.
    literal: str | tuple[str, ...] | None = None


@dataclass(frozen=True)
class ReplaceElement:
    """Replace the call at (line, column), an element of a list or tuple, by several
    elements (each a Python expression in source form)."""

    line: int
    column: int
    elements: tuple[str, ...]
    #: Set when the list holding the call is written on one line: it is then laid out
    #: one element per line at this indentation (black's layout once an element spans
    #: lines), its closing bracket one level (four spaces) less.
    explode_indent: str | None = None


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


class Applicability(str, Enum):
    """Fix safety, as ruff has it. A **safe** fix keeps what the migration does and only
    makes it reversible the way its author would have; it is written by default. An
    **unsafe** fix may hide a problem (e.g. a no-op reverse of a statement that changes the
    schema: the rollback "succeeds" and leaves the schema different); it is written only
    with ``--unsafe-fixes`` (or ``unsafe-fixes = true``)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class NewMigration:
    """A migration a fix creates next to the file it fixes, before it has a name.

    The rule says what goes in it; the runner's per-folder planning
    (:mod:`migration_fixer.planning`) numbers it after every migration of the folder and
    decides what it depends on (the folder's leaf for the first new migration of the run,
    the previous new one after that, so the folder keeps one leaf), then renders it as a
    :class:`NewFile`: ``head``, the planned ``(label, name)`` dependency line, ``tail``.
    """

    origin: Path
    label: str
    #: The name after the number (``remove_product_sku`` -> ``0003_remove_product_sku``).
    suffix: str
    head: str
    tail: str
    #: The project's line length: a dependency line longer than that is split.
    line_length: int = DEFAULT_LINE_LENGTH
    #: The quote of the migration it is made from, for its strings.
    quote: str = '"'

    def render(self, name: str, depends_on: str) -> NewFile:
        label, parent = (string_literal(v, self.quote) for v in (self.label, depends_on))
        dependency = f"        ({label}, {parent}),"
        lines = reflow_line(dependency, True, self.line_length) or [dependency]
        text = self.head + "".join(f"{line}\n" for line in lines) + self.tail
        return NewFile(self.origin.parent / f"{name}.py", text, origin=self.origin)


#: In a finding's hint, where the planning writes the file name of the new migration
#: the fix creates (its number is known only once the folder is planned).
PLANNED_NAME = "{new migration}"


@dataclass(frozen=True)
class Fix:
    edits: tuple[Edit, ...]
    new_files: tuple[NewFile, ...] = ()
    #: Rules whose fix of the same call this one replaces when both would be written
    #: (MF004's real reverse replaces MF001's no-op): two fixes never edit one call.
    supersedes: tuple[str, ...] = ()
    #: New migrations still to be planned (numbered and given their dependency).
    new_migrations: tuple[NewMigration, ...] = ()
    applicability: Applicability = Applicability.SAFE
    #: The finding's hint once this fix is written, where the hint says how to have it
    #: written (an unsafe fix accepted with ``--unsafe-fixes``: what it leaves undone).
    written_hint: str | None = None

    def applies(self, unsafe_fixes: bool) -> bool:
        """Whether a run with (or without) ``--unsafe-fixes`` writes this fix."""
        return self.applicability is Applicability.SAFE or unsafe_fixes


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
        """Whether the finding has a fix at all (safe or unsafe)."""
        return self.fix is not None

    def applicable(self, unsafe_fixes: bool) -> bool:
        """Whether a run with (or without) ``--unsafe-fixes`` writes its fix."""
        return self.fix is not None and self.fix.applies(unsafe_fixes)

    def hidden_fix(self, unsafe_fixes: bool) -> bool:
        """Whether it has an unsafe fix that this run does not write."""
        return self.fix is not None and not self.fix.applies(unsafe_fixes)


@dataclass(frozen=True)
class GitBase:
    """Where a file stands relative to the run's git base (the commit migrations are
    "new" against): ``is_new`` is None when there is no base, and ``no_base_reason``
    says why."""

    is_new: bool | None = None
    commit: str = ""
    no_base_reason: str = "not in a git repository"


@dataclass(frozen=True)
class RuleSettings:
    """Settings that belong to rules (MF003's ``--strategy``, the project's deploy
    vocabulary...), as plain strings keyed by rule code and name: the runner carries
    them to the rules without knowing what they mean."""

    values: tuple[tuple[str, str, str], ...] = ()  # (rule code, name, value)

    def get(self, code: str, name: str, default: str) -> str:
        for rule_code, key, value in self.values:
            if rule_code == code and key == name:
                return value
        return default


@dataclass(frozen=True)
class UnparsedFile:
    """What a rule may look at to tell, without parsing a file, that it finds nothing in
    it (:attr:`Rule.nothing_unparsed`): its text and its folder's history."""

    path: Path
    text: str
    history: History
    settings: RuleSettings


@dataclass(frozen=True)
class NothingFound:
    """A rule's word that it finds nothing in a file it has not parsed."""

    #: Whether it read files outside the migrations folder to know it (the file's result
    #: is then not cached, as :attr:`FileContext.reads_outside` says).
    reads_outside: bool = False


@dataclass
class FileContext:
    """Everything a rule may look at for one file."""

    path: Path
    text: str
    tree: ast.Module
    #: The folder's replayed history, for rules that declare ``needs_history``.
    history: History | None = None
    base: GitBase = field(default_factory=GitBase)
    settings: RuleSettings = field(default_factory=RuleSettings)
    #: Set by the runner's per-folder planning when the new migrations of this folder
    #: cannot be written, with why: a fix that creates one must not be made then.
    plan_refused: str = ""
    #: The operations the selected rules look at (each rule's ``triggers`` name them).
    wanted: frozenset[str] = OPERATIONS
    #: Set by a rule whose findings depend on files outside the migrations folder (MF003
    #: following the project's field classes): the file's result is then not cached.
    reads_outside: bool = False
    #: Loads the folder's history for a rule that reads it only for some files (MF002,
    #: for a ``DROP``): see :meth:`folder_history`. None: there is no folder to read.
    load_history: Callable[[], History] | None = None
    #: Finds the line length the project's formatter keeps (:attr:`line_length`).
    find_line_length: Callable[[], int] = field(default=lambda: DEFAULT_LINE_LENGTH)
    #: What a rule worked out about the file that another rule asks about too, under the
    #: code of the rule that works it out (MF004's reading of the forward functions, which
    #: MF001 reads for the calls with no reverse): made once per file, by the first rule
    #: that needs it.
    shared: dict[str, object] = field(default_factory=dict)

    @cached_property
    def line_length(self) -> int:
        """The line length the project's formatter keeps (generated code is laid out for
        it), found when a fix is first laid out: finding it reads the project's
        configuration files, which a file with nothing to fix never needs."""
        return self.find_line_length()

    def folder_history(self) -> History | None:
        """The folder's history: ``history`` when the runner loaded it, else loaded now
        (once) by ``load_history``; None without a folder."""
        if self.history is None and self.load_history is not None:
            self.history = self.load_history()
        return self.history

    @cached_property
    def index(self) -> ModuleIndex:
        return ModuleIndex(self.tree, self.text, self.line_starts)

    @cached_property
    def operation_calls(self) -> list[OperationCall]:
        return list(self.index.operation_calls(self.wanted))

    @cached_property
    def lines(self) -> list[str]:
        return split_lines(self.text)

    @cached_property
    def line_starts(self) -> list[int]:
        return line_starts(self.text, self.lines)

    def position(self, node: ast.expr) -> tuple[int, int]:
        """(line, character column) of a node, as libcst counts them."""
        return node.lineno, char_column(self.lines, node.lineno, node.col_offset)

    def segment(self, node: ast.stmt | ast.expr) -> str:
        """The source of ``node``, as ``ast.get_source_segment`` gives it (which splits
        the whole text again at each call: seconds on a large file)."""
        assert node.end_lineno is not None
        assert node.end_col_offset is not None
        start = self.line_starts[node.lineno - 1]
        end = self.line_starts[node.end_lineno - 1]
        start += char_column(self.lines, node.lineno, node.col_offset)
        end += char_column(self.lines, node.end_lineno, node.end_col_offset)
        return self.text[start:end]


@dataclass(frozen=True)
class Example:
    """A documented example: ``after`` is the fixed source, or None for report-only."""

    before: str
    after: str | None = None
    #: Files the fix creates, as (file name, text), for rules that create them (MF003).
    new_files: tuple[tuple[str, str], ...] = ()
    #: The fix is unsafe: ``after`` is written only with ``--unsafe-fixes``.
    unsafe: bool = False


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
    #: What the fix does, in one line ("" for a rule that only reports).
    fix_summary: str
    #: The names of the operations the rule inspects, as bytes: a file must contain one
    #: for the rule to apply (the text prefilter), and only those calls are resolved.
    triggers: tuple[bytes, ...]
    #: Whether the rule reads the migrations folder's replayed history (``ctx.history``).
    needs_history: bool
    #: For a rule that reads the history only for some files (MF002: those with a
    #: ``DROP``), what such a file's bytes match: the history is then offered to it, loaded
    #: on first use (``ctx.folder_history()``), and its cached result depends on the folder.
    history_when: re.Pattern[bytes] | None
    #: What a file's bytes must also match for the rule to find anything in it (MF005: a
    #: literal ``null=True``), beside one of its ``triggers``; None: a trigger suffices.
    requires: re.Pattern[bytes] | None
    #: A preview rule runs only when a selection names it (its code, a prefix of it, or
    #: ``ALL``), not by default: new, and costlier than the others on a cold run.
    preview: bool
    #: For a rule that reads the history (``needs_history``), a cheaper look at a file it
    #: alone reads: :class:`NothingFound` when it finds nothing in the file without
    #: parsing it, None when the file must be parsed (and :meth:`check` run); None
    #: (the attribute): every file is parsed. A file that is not parsed is not checked
    #: for syntax errors (as a file no rule reads).
    nothing_unparsed: Callable[[UnparsedFile], NothingFound | None] | None
    examples: RuleExamples

    def check(self, ctx: FileContext) -> Iterator[Finding]: ...  # pragma: no cover
