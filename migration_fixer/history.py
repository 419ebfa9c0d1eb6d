"""Static replay of one migrations folder's history (for MF003).

The unit is the *folder*, not the app label: a monorepo can hold several projects with an
app ``core`` each. Every migration file of the folder is read once and parsed with ``ast``;
the graph comes from ``dependencies``/``replaces``/``run_before``; the state (models and
the expression that last defined each field) is replayed from ``CreateModel``,
``AddField``, ``AlterField``, ``RemoveField``, ``RenameField``, ``RenameModel``,
``DeleteModel`` and the ``state_operations`` of ``SeparateDatabaseAndState``/``RunSQL``.

Nothing is imported or executed. Where the answer cannot be known statically (operations
built dynamically, a custom operation that may change fields, a name that is not a
literal), the state says so, with the reason, instead of guessing.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import enum
import io
import re
import tokenize
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from migration_fixer.bindings import Bindings, Unknown, Variant
from migration_fixer.discovery import folder_migrations, loaded_by_django
from migration_fixer.migration_ast import OPERATIONS, ModuleIndex, bind_arguments
from migration_fixer.parsing import cannot_parse_reason, parse_module
from migration_fixer.skim import (
    GRAPH_NAMES,
    GraphEdges,
    graph_edges,
    must_read,
    names_model,
    no_migration_class,
    tuple_pairs,
)
from migration_fixer.source import SourceError, decode
from migration_fixer.writer_layout import (
    NAMED_BY,
    LaidOutField,
    Layout,
    called_alone,
    model_fields,
    parse_field,
    parse_operation,
    plain_header,
    read_layout,
)

_NUMBER = re.compile(r"^(\d+)_")
#: Where a group of fields made unique together starts: the word, then its bracket.
_UNIQUE_GROUP = re.compile(
    r"\b(?:unique_together[\"']?\s*[=:]\s*(?:set|frozenset|tuple|list)?|UniqueConstraint)"
    r"\s*(?=[(\[{])"
)
_BRACKET_OR_STRING = re.compile(r"[()\[\]{}]|'((?:[^'\\\n]|\\.)*)'|\"((?:[^\"\\\n]|\\.)*)\"")


def _grouped_names(text: str) -> set[str]:
    """The strings in the brackets that follow each ``unique_together =`` and
    ``UniqueConstraint`` of ``text``."""
    names: set[str] = set()
    if "unique_together" not in text and "UniqueConstraint" not in text:
        return names  # (most migrations: no search of the whole text)
    # Each group is read once, and the search goes on after it (a group inside it, a
    # ``UniqueConstraint`` in a ``unique_together``, is read with it): one pass over the
    # text whatever it holds, even brackets that never close.
    position = 0
    while (found := _UNIQUE_GROUP.search(text, position)) is not None:
        depth, position = 0, len(text)
        for token in _BRACKET_OR_STRING.finditer(text, found.end()):
            bracket = token.group()
            if bracket in "([{":
                depth += 1
            elif bracket in ")]}":
                depth -= 1
                if depth <= 0:
                    position = token.end()
                    break
            else:
                names.add(token.group(1) if token.group(1) is not None else token.group(2))
    return names


def literal_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Visit(enum.Enum):
    """A migration's state in the depth-first walk of the graph."""

    IN_PROGRESS = "in progress"  # its ancestors are being visited: seen again = a cycle
    DONE = "done"


class Placement(enum.Enum):
    """Where an operation call is in a migration."""

    TOP_LEVEL = "an element of the migration's operations"
    #: In ``database_operations`` of ``SeparateDatabaseAndState`` (or elsewhere in it).
    DATABASE = "inside SeparateDatabaseAndState"
    #: In ``state_operations`` (of ``SeparateDatabaseAndState`` or ``RunSQL``): it
    #: changes Django's state only, never the database.
    STATE_ONLY = "in state_operations"
    ELSEWHERE = "outside the migration's operations"


@dataclass
class MigrationFile:
    path: Path
    name: str
    text: str
    tree: ast.Module
    index: ModuleIndex
    dependencies: list[tuple[str, str]] = field(default_factory=list)
    replaces: list[tuple[str, str]] = field(default_factory=list)
    run_before: list[tuple[str, str]] = field(default_factory=list)
    #: The top-level operations list, or None when it is built dynamically (with
    #: several ``variants``: the elements of all of them, in order).
    operations: list[ast.expr] | None = None
    #: The lists ``operations`` may be, one per way through the ``if`` statements of the
    #: class body and the module that gives a different one (empty: just ``operations``).
    variants: list[Variant] = field(default_factory=list)
    #: ``dependencies`` bound under an ``if`` of the class body: the pairs of each way
    #: through it (``dependencies`` is then all of them), and the ``if``'s line.
    dependency_variants: list[list[tuple[str, str]]] = field(default_factory=list)
    dependency_if: int = 0
    operations_node: ast.List | ast.Tuple | None = None
    dependencies_node: ast.List | ast.Tuple | None = None
    migration_class: ast.ClassDef | None = None
    #: Memo of :func:`_models_changed` (keyed by the operation node's id).
    changes: dict[int, frozenset[str] | None] = field(default_factory=dict)
    #: Memo of :func:`operation_of` (keyed by the operation node's id).
    resolved: dict[int, tuple[str, ast.Call, dict[str, ast.expr] | None] | None] = field(
        default_factory=dict
    )
    dynamic_reason: str = ""
    #: Set for a file that does not parse (kept in the graph, with nothing known about it).
    parse_error: str = ""
    #: A file that does not parse: whether its ``dependencies`` could be read anyway.
    graph_read: bool = True

    @classmethod
    def unparsed(cls, path: Path, text: str = "") -> MigrationFile:
        """A migration whose source does not parse: still a node of the graph, with
        nothing known about it but its ``text`` (when it could be read) and the literal
        ``dependencies``/``replaces``/``run_before`` lists found in it."""
        empty = ast.Module(body=[], type_ignores=[])
        migration = cls(
            path,
            path.stem,
            text,
            empty,
            ModuleIndex(empty),
            parse_error=f"{path.name} does not parse",
        )
        migration.graph_read = False
        for name, value in _literal_lists(text):
            pairs = tuple_pairs(value)
            setattr(migration, name, pairs or [])
            if name == "dependencies" and pairs is not None:
                migration.graph_read = True
        return migration

    @property
    def skippable(self) -> bool:
        """A migration that does not parse, whose text and dependencies are known: the
        replay goes past it, for the models and fields its text does not name. (Not one
        that builds its operations at run time: the code that does may be imported, and
        name what it changes anywhere.)"""
        return bool(self.parse_error and self.text and self.graph_read)

    def cannot_touch(self, name: str) -> bool:
        """Whether this migration, which does not parse, cannot change the model or field
        ``name``: its text does not name it (an operation names the model it changes, and
        the field), compared case-insensitively as Django compares names."""
        return self.skippable and name.lower() not in self._lowered

    @cached_property
    def _lowered(self) -> str:
        return self.text.lower()

    @property
    def unreadable(self) -> str:
        """Why this migration's operations cannot be read ("" when they can)."""
        if self.operations is not None:
            return ""
        return self.parse_error or (
            f"the operations of {self.name} are built dynamically ({self.dynamic_reason})"
        )

    @cached_property
    def bindings(self) -> Bindings:
        """What the names of the module hold (operations bound to names)."""
        return Bindings(self.tree, self.migration_class, self.text)

    def nested(self, element: ast.expr) -> Iterator[tuple[str, list[ast.expr] | Unknown]]:
        """The operations lists inside ``element`` when it is a ``SeparateDatabaseAndState``
        or a ``RunSQL`` (``database_operations`` first), each with its elements or why
        they cannot be told."""
        found = operation_of(self, element)
        if found is None or found[0] not in ("SeparateDatabaseAndState", "RunSQL"):
            return
        args = found[2] or {}
        for key in ("database_operations", "state_operations"):
            value = args.get(key)
            if value is not None:
                yield key, self.bindings.elements(value, f"`{key}`")

    def placement(self, node: ast.Call) -> tuple[Placement, ast.expr | None]:
        """Where the operation ``node`` is in this migration, and the top-level operation
        that holds it (where the state before it is replayed to). Lists bound to names
        are followed (``SeparateDatabaseAndState(database_operations=ops)``)."""
        found = self._placements.get(id(node))
        if found is None or found[0] is not node:
            return Placement.ELSEWHERE, None
        return found[1], found[2]

    @cached_property
    def _placements(self) -> dict[int, tuple[ast.expr, Placement, ast.expr]]:
        """Every call :meth:`placement` finds, by id: the call (kept, so that its id is not
        reused), where it is and the top-level operation that holds it. Worked out once
        for the migration: its removals are looked up one by one. The first element that
        holds a call wins, as a search of the elements in order would find."""
        found: dict[int, tuple[ast.expr, Placement, ast.expr]] = {}
        for element in self.operations or ():
            found.setdefault(id(element), (element, Placement.TOP_LEVEL, element))
            for key, (inner, where) in self._placements_in(element).items():
                found.setdefault(key, (inner, where, element))
        return found

    def _placements_in(self, element: ast.expr) -> dict[int, tuple[ast.expr, Placement]]:
        """The calls inside the operation ``element`` (by id), each with where it is."""
        found: dict[int, tuple[ast.expr, Placement]] = {}
        for key, elements in self.nested(element):
            for inner in elements if isinstance(elements, list) else ():
                # In state_operations, even a database operation only changes the state.
                found.setdefault(
                    id(inner),
                    (
                        inner,
                        Placement.STATE_ONLY if key == "state_operations" else Placement.DATABASE,
                    ),
                )
                for inner_key, (call, where) in self._placements_in(inner).items():
                    if key == "state_operations":
                        where = Placement.STATE_ONLY
                    found.setdefault(inner_key, (call, where))
        if not isinstance(element, ast.Call):
            return found
        # Written inside it, in a list that cannot be read (or in another argument).
        operation = operation_of(self, element)
        kind: str | None
        if operation is not None:
            # (Resolved already; with_constants leaves ``state_operations`` alone.)
            kind, args = operation[0], operation[2] or {}
        else:  # (not an operation, or a subclass with its own ``__init__``)
            kind = self.index.resolve_callee(element.func, self.tree).operation
            args = {}
        if kind not in ("SeparateDatabaseAndState", "RunSQL"):
            return found
        if operation is None:
            args = bind_arguments(element, kind) or {}
        state = args.get("state_operations")
        in_state = set() if state is None else {id(n) for n in ast.walk(state)}
        for node in ast.walk(element):
            if isinstance(node, ast.Call):
                where = Placement.STATE_ONLY if id(node) in in_state else Placement.DATABASE
                found.setdefault(id(node), (node, where))
        return found

    def database_operations(self, elements: list[ast.expr] | None = None) -> Iterator[ast.expr]:
        """This migration's operations (or ``elements``) in the order they change the
        database: a ``SeparateDatabaseAndState`` stands for its ``database_operations``
        (followed through names; one that cannot be read stands for itself)."""
        pending = list(reversed(self.operations or () if elements is None else elements))
        while pending:
            element = pending.pop()
            database = dict(self.nested(element)).get("database_operations")
            if isinstance(database, list):
                pending.extend(reversed(database))
            else:
                yield element

    def holds(self, operation: ast.expr) -> bool:
        """Whether ``operation`` is one of this migration's (top-level) operations."""
        return id(operation) in self._operations_by_model[2]

    def operations_changing(
        self, names: frozenset[str] | None, until: ast.expr | None = None
    ) -> list[ast.expr]:
        """The operations (in order) that may change the state of a model called one of
        ``names`` (lower case; None: any model), before ``until`` when it is one of them:
        a replay for those models leaves out the others (:func:`_models_changed`)."""
        operations = self.operations or []
        by_model, any_model, positions = self._operations_by_model
        end = positions.get(id(until), len(operations))
        if names is None:
            return operations[:end]
        chosen = set(any_model).union(*(by_model.get(name, ()) for name in names))
        return [operations[position] for position in sorted(chosen) if position < end]

    @cached_property
    def _operations_by_model(self) -> tuple[dict[str, list[int]], list[int], dict[int, int]]:
        """Where the operations that change each model are (lower-case name), those
        that may change any model, and where each operation is (by id, the first
        place): worked out once, the replay reads the migration for many models."""
        by_model: dict[str, list[int]] = {}
        any_model: list[int] = []
        positions: dict[int, int] = {}
        for position, op in enumerate(self.operations or ()):
            positions.setdefault(id(op), position)
            changed = _changed_by(self, op)
            if changed is None:
                any_model.append(position)
            for model in changed or ():
                by_model.setdefault(model, []).append(position)
        return by_model, any_model, positions

    @cached_property
    def _database_sequences(self) -> list[_DatabaseSequence]:
        """Each variant of the operations (or the operations) as the database sees them
        (:meth:`database_operations`), resolved once: every removal of the migration asks
        what comes after it."""
        sequences = []
        for variant in self.variants or [Variant(self.operations or [])]:
            elements = list(self.database_operations(variant.elements))
            positions: dict[int, int] = {}
            for position, element in enumerate(elements):
                positions.setdefault(id(element), position)
            resolved = [operation_of(self, element) for element in elements]
            operations = [(r[0], r[2] or {}) if r is not None else None for r in resolved]
            # The last DeleteModel of each literal name (lower case).
            deleted: dict[str, int] = {}
            for position, found in enumerate(operations):
                name = literal_str(found[1].get("name")) if found is not None else None
                if found is not None and found[0] == "DeleteModel" and name is not None:
                    deleted[name.lower()] = position
            sequences.append(_DatabaseSequence(elements, positions, operations, deleted))
        return sequences

    def _positions_of(self, node: ast.expr) -> list[tuple[_DatabaseSequence, int]]:
        """The sequences that hold ``node``, each with where it is in it."""
        return [
            (sequence, sequence.positions[id(node)])
            for sequence in self._database_sequences
            if id(node) in sequence.positions  # (the elements are kept: ids are not reused)
        ]

    def operations_after(self, node: ast.expr) -> list[list[tuple[str, dict[str, ast.expr]]]]:
        """The operations that change the database after ``node`` in this migration,
        with their arguments: one list per variant of the operations that holds ``node``."""
        return [
            [found for found in sequence.operations[position + 1 :] if found is not None]
            for sequence, position in self._positions_of(node)
        ]

    def deletes_model_after(self, node: ast.expr, model: str) -> bool:
        """Whether an operation after ``node`` deletes ``model`` (in every variant of the
        operations that holds ``node``)."""
        holding = self._positions_of(node)
        return bool(holding) and all(
            sequence.deleted.get(model.lower(), -1) > position for sequence, position in holding
        )

    def adds_field_after(self, node: ast.expr, model: str, field: str) -> bool:
        """Whether an ``AddField``/``RenameField`` after ``node`` gives ``model`` a field
        called ``field`` (a change of type written as remove + add), in every variant of
        the operations that holds ``node``."""
        variants = self.operations_after(node)
        return bool(variants) and all(_adds_field(after, model, field) for after in variants)


@dataclass
class _DatabaseSequence:
    """A variant of a migration's operations in the order they change the database."""

    elements: list[ast.expr]
    #: Where each element is (by id; the first place when it is there twice).
    positions: dict[int, int]
    #: Each element's operation and arguments (None: not an operation).
    operations: list[tuple[str, dict[str, ast.expr]] | None]
    #: Where the last ``DeleteModel`` of each model is (its literal name, lower case).
    deleted: dict[str, int]


def _adds_field(after: list[tuple[str, dict[str, ast.expr]]], model: str, field: str) -> bool:
    for operation, args in after:
        target = {"AddField": "name", "RenameField": "new_name"}.get(operation)
        if (
            target
            and names_match(args.get("model_name"), model)
            and names_match(args.get(target), field)
        ):
            return True
    return False


@dataclass
class FieldState:
    model: str  # the model's name as written in CreateModel (e.g. "Product")
    name: str
    #: The expression that defines the field, or the laid-out operation that holds it,
    #: parsed when first read (:attr:`expr`).
    definition: ast.expr | _DeferredField
    #: The migration that defines it (None: the deferred definition's).
    defined_in: MigrationFile | None
    preserve_default: bool = True
    #: Models renamed since the definition (lower-case old name -> new name): a relation's
    #: ``to="app.old"`` now means the new model.
    renamed_models: dict[str, str] = field(default_factory=dict)

    @property
    def expr(self) -> ast.expr:
        """The expression that defines the field (a deferred definition that does not
        parse reads as a name, which no rule can follow: :attr:`unreadable` says why)."""
        if isinstance(self.definition, ast.expr):
            return self.definition
        read = self.definition.read()
        return ast.Name(id="<unreadable>") if isinstance(read, str) else read[0]

    @property
    def source(self) -> MigrationFile:
        """The migration whose operation defines the field."""
        if self.defined_in is not None:
            return self.defined_in
        assert isinstance(self.definition, _DeferredField)
        read = self.definition.read()
        if isinstance(read, str):
            return MigrationFile.unparsed(self.definition.laid.path, self.definition.laid.text)
        return read[1]

    @property
    def unreadable(self) -> str:
        """Why the definition cannot be read ("" when it can)."""
        if isinstance(self.definition, ast.expr):
            return ""
        read = self.definition.read()
        return read if isinstance(read, str) else ""


@dataclass
class ModelState:
    name: str
    fields: dict[str, FieldState] = field(default_factory=dict)
    #: Set when something we could not read may have changed this model's fields.
    unknown: str = ""
    #: Fields that are not the same after every branch of an ``if`` (lower-case name ->
    #: why), until an operation defines or removes them again.
    differing: dict[str, str] = field(default_factory=dict)
    #: For some of those, what each branch leaves (None: no such field after it).
    alternatives: dict[str, list[FieldState | None]] = field(default_factory=dict)


@dataclass
class State:
    models: dict[str, ModelState] = field(default_factory=dict)
    #: Set when something we could not read may have changed any model.
    unknown: str = ""
    #: Migrations that do not parse, skipped by the replay (they name none of its models).
    skipped: list[MigrationFile] = field(default_factory=list)

    def copy(self) -> State:
        """An independent copy (the replay mutates models and field states)."""
        models = {
            key: ModelState(
                model.name,
                dict(model.fields),
                model.unknown,
                dict(model.differing),
                dict(model.alternatives),
            )
            for key, model in self.models.items()
        }
        return State(models, self.unknown, list(self.skipped))

    @classmethod
    def merged(cls, states: list[State], where: str) -> State:
        """What every one of ``states`` (one per branch of ``where``, e.g. "the `if` at
        line 7 of 0002_x") agrees on: a model or field that is not the same in all of
        them is unknown, with the reason."""
        if len(states) == 1:
            return states[0]
        skipped = list({id(m): m for s in states for m in s.skipped}.values())
        unknown = next((s.unknown for s in states if s.unknown), "")
        if unknown:
            return State({}, unknown, skipped)
        models: dict[str, ModelState] = {}
        for key in dict.fromkeys(k for s in states for k in s.models):
            present = [s.models.get(key) for s in states]
            known = [m for m in present if m is not None]
            shown = known[0].name
            if len(known) < len(present) or len({m.name for m in known}) > 1:
                reason = f"model `{shown}` is not the same after each branch of {where}"
                models[key] = ModelState(shown, unknown=reason)
                continue
            reason = next((m.unknown for m in known if m.unknown), "")
            if reason:
                models[key] = ModelState(shown, unknown=reason)
                continue
            merged = ModelState(shown)
            for name in dict.fromkeys(n for m in known for n in (*m.fields, *m.differing)):
                fields = [m.fields.get(name) for m in known]
                first = fields[0]
                why = next((m.differing[name] for m in known if name in m.differing), "")
                if not why and first is not None and all(_same_field(first, f) for f in fields[1:]):
                    merged.fields[name] = first
                    continue
                if not why:
                    shown_field = (first or next(f for f in fields if f is not None)).name
                    why = f"`{shown}.{shown_field}` is not the same after each branch of {where}"
                merged.differing[name] = why
                # What each branch leaves, when every branch's is known.
                alternatives: list[FieldState | None] = []
                for m in known:
                    if name in m.differing and name not in m.alternatives:
                        break
                    alternatives.extend(m.alternatives.get(name, [m.fields.get(name)]))
                else:
                    merged.alternatives[name] = alternatives
            models[key] = merged
        return State(models, "", skipped)

    def skip(self, migration: MigrationFile) -> None:
        """Replay a migration that does not parse, whose text is known: the models its
        text names become unknown; the others cannot have been changed by it (nor the
        fields it does not name: :meth:`lookup`)."""
        self.skipped.append(migration)
        for model in self.models.values():
            if not migration.cannot_touch(model.name):
                model.unknown = f"{migration.parse_error}, and its text names `{model.name}`"

    def lookup(self, model: str, name: str) -> FieldState | str:
        """The field's state, or a reason why it cannot be determined."""
        if self.unknown:
            return self.unknown
        state = self.models.get(model.lower())
        if state is not None and state.unknown:
            return state.unknown
        for shown in (model, name) if state is None else (name,):
            for skipped in self.skipped:
                if not skipped.cannot_touch(shown):
                    return f"{skipped.parse_error}, and its text names `{shown}`"
        if state is None:
            return f"model `{model}` is not created in this folder's migrations"
        found = state.fields.get(name.lower())
        if found is None:
            if name.lower() in state.differing:
                return state.differing[name.lower()]
            return f"field `{model}.{name}` is not defined in this folder's migrations"
        return found.unreadable or found

    def alternatives(self, model: str, name: str) -> list[FieldState | None] | None:
        """When :meth:`lookup` cannot tell the field because branches of an ``if`` leave
        it different: what each branch leaves (None: no such field after it), if known."""
        state = self.models.get(model.lower())
        if state is None or self.lookup(model, name) != state.differing.get(name.lower()):
            return None
        return state.alternatives.get(name.lower())


@dataclass
class HistoryProblem:
    path: Path
    line: int
    message: str


@dataclass
class _Source:
    """One migration file of the folder: its text and graph lists, read when the history
    is loaded; its ``ast`` built only when something asks for it (:class:`_Files`)."""

    path: Path
    text: str
    dependencies: list[tuple[str, str]]
    replaces: list[tuple[str, str]]
    run_before: list[tuple[str, str]]
    #: The file read from its parsed source (or unparsed), once it has been asked for.
    parsed: MigrationFile | None = None
    #: Whether the graph lists are known (not for a file that neither parses nor has a
    #: literal ``dependencies``).
    graph_known: bool = True
    #: Its ``ast``, parsed by the run for the rules, before ``parsed`` is asked for.
    tree: ast.Module | None = None
    #: What the replay reads of it from its writer layout, once looked for (None: the
    #: file is not laid out so, or was parsed before the replay first read it).
    laid: _LaidOut | None = None
    layout_read: bool = False

    @classmethod
    def of(cls, migration: MigrationFile) -> _Source:
        return cls(
            migration.path,
            migration.text,
            migration.dependencies,
            migration.replaces,
            migration.run_before,
            migration,
            graph_known=migration.graph_read,
        )

    @cached_property
    def lowered(self) -> str:
        return self.text.lower()

    @cached_property
    def renames_models(self) -> bool:
        return "RenameModel" in self.text

    @cached_property
    def must_read(self) -> str:
        """Why the replay reads this file whatever it asks about ("" if it need not)."""
        return must_read(self.text)

    def cannot_touch(self, aliases: frozenset[str]) -> bool:
        """Whether this file cannot change the model whose names (lower case) are
        ``aliases``: its text is known, none of its operations names one of them
        (:func:`migration_fixer.skim.names_model`), and it has nothing that could change a
        model it does not name (:func:`migration_fixer.skim.must_read`)."""
        if not self.text or not self.graph_known or names_model(self.lowered, aliases):
            return False
        return not self.must_read  # (the costlier read last: often not needed)


@dataclass
class _LaidOut:
    """A migration the replay reads from its writer layout
    (:mod:`migration_fixer.writer_layout`): the models each operation changes are told
    from its lines; the module without its operations is parsed (``file``, whose
    ``operations`` is empty) only when an operation must be, and each operation only when
    the replay first applies it."""

    #: The file's (not the :class:`_Source`, which holds this: a reference cycle keeps
    #: a folder's history alive until the collector's next full collection).
    path: Path
    text: str
    graph: tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]
    layout: Layout
    #: The operations parsed so far, by position (None: it does not parse, or reads a
    #: name of the module).
    parsed: dict[int, ast.Call | None] = field(default_factory=dict)
    #: The name and pairs of each ``CreateModel`` read from its lines so far, by position
    #: (None: it is parsed).
    created: dict[int, tuple[str, tuple[LaidOutField, ...]] | None] = field(default_factory=dict)
    #: Whether each operation applied from its lines so far is called alone, by position.
    alone: dict[int, bool] = field(default_factory=dict)

    @classmethod
    def read(cls, source: _Source) -> _LaidOut | None:
        """``source`` read from its layout, or None when it has not the writer's, or when
        its text before the operations may make them mean something else than their
        lines say (:func:`migration_fixer.writer_layout.plain_header`)."""
        layout = read_layout(source.text)
        if layout is None or not plain_header(source.text, layout):
            return None
        graph = (source.dependencies, source.replaces, source.run_before)
        return cls(source.path, source.text, graph, layout)

    @cached_property
    def file(self) -> MigrationFile | None:
        """The module without its operations, parsed (None: it does not parse; the file
        is then parsed whole, and the error reported)."""
        try:
            tree = parse_module(self.layout.header(self.text), filename=str(self.path))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        # (Its one line ``class Migration`` in column 0, not in a string (the graph was
        # read from the text: graph_edges), is the last in column 0: plain_header.)
        last = tree.body[-1]
        assert isinstance(last, ast.ClassDef)
        return MigrationFile(
            self.path,
            self.path.stem,
            self.text,
            tree,
            ModuleIndex(tree, self.text),
            *self.graph,
            operations=[],
            migration_class=last,
        )

    @cached_property
    def models(self) -> frozenset[str] | None:
        """The models whose state the operations change (None: any), as
        :meth:`History._models_changed_by` tells them."""
        changed: set[str] = set()
        for operation in self.layout.operations:
            if operation.models is None:
                return None
            changed |= operation.models
        return frozenset(changed)

    def operations_changing(
        self, names: frozenset[str], before: int | None = None
    ) -> list[tuple[int, ast.Call | None]] | None:
        """The operations (those before the position ``before``, when given) that may
        change a model called one of ``names``, by position, parsed unless they are
        applied from their lines (None); None when one does not parse, or reads a name of
        the module (the file is then read whole)."""
        found: list[tuple[int, ast.Call | None]] = []
        for position, operation in enumerate(self.layout.operations[:before]):
            if operation.models is not None and operation.models.isdisjoint(names):
                continue
            if (operation.names is not None and self.called_alone(position)) or (
                operation.kind == "CreateModel" and self.model_fields(position) is not None
            ):
                found.append((position, None))
                continue
            node = self.operation(position)
            if node is None:
                return None
            found.append((position, node))
        return found

    def called_alone(self, position: int) -> bool:
        """Whether the operation at ``position``, which the replay would apply from its
        lines, is the one call they seem to make
        (:func:`migration_fixer.writer_layout.called_alone`)."""
        if position not in self.alone:
            self.alone[position] = called_alone(self.text, self.layout.operations[position])
        return self.alone[position]

    def model_fields(self, position: int) -> tuple[str, tuple[LaidOutField, ...]] | None:
        """The name and fields of the ``CreateModel`` at ``position`` when the replay
        creates the model from its lines (:func:`migration_fixer.writer_layout.model_fields`)."""
        if position not in self.created:
            operation = self.layout.operations[position]
            self.created[position] = model_fields(self.text, operation)
        return self.created[position]

    def operation(self, position: int) -> ast.Call | None:
        """The operation at ``position`` parsed alone (None: it does not parse, or the
        module without its operations does not, or the replay would read it otherwise
        in the whole module)."""
        if position not in self.parsed:
            operation = self.layout.operations[position]
            node = None
            if self.file is not None:
                node = parse_operation(self.text, operation, str(self.path))
                if node is not None and not _read_alone(node, operation.kind):
                    node = None
            self.parsed[position] = node
        return self.parsed[position]


@dataclass(eq=False)
class _DeferredField:
    """A field that the replay defined from a laid-out operation's lines: the ``field``
    of an ``AddField`` or ``AlterField``
    (:attr:`migration_fixer.writer_layout.LaidOutOperation.names`), or a pair of a
    ``CreateModel``'s ``fields`` (``pair``: :func:`migration_fixer.writer_layout.model_fields`),
    parsed when first read. Most fields the replay defines are never looked up; a
    syntax error in one is found (the file parsed whole, and the error reported) when it
    is."""

    laid: _LaidOut
    position: int
    #: The folder's migrations (the file is read from them when the operation does not
    #: parse alone).
    files: Mapping[str, MigrationFile]
    pair: LaidOutField | None = None

    def read(self) -> tuple[ast.expr, MigrationFile] | str:
        """The field's expression and the migration that holds it, or why it cannot be
        read (read once)."""
        if self._read is None:
            self._read = self._read_now()
        return self._read

    _read: tuple[ast.expr, MigrationFile] | str | None = field(default=None, init=False)

    def _read_now(self) -> tuple[ast.expr, MigrationFile] | str:
        operation = self.laid.layout.operations[self.position]
        if self.laid.file is not None:
            if self.pair is not None:
                expr = parse_field(self.laid.text, self.pair, str(self.laid.path))
                if expr is not None:
                    return expr, self.laid.file
            else:
                node = self.laid.operation(self.position)
                if node is not None:
                    args = bind_arguments(node, operation.kind)
                    assert args is not None  # (its arguments are keywords, ``field`` one)
                    return args["field"], self.laid.file
        whole = self.files[self.laid.path.stem]
        for element in whole.operations or ():
            if (element.lineno, element.col_offset) != (operation.line, 8):
                continue
            found = operation_of(whole, element)
            args = found[2] if found is not None else None
            if args is not None and self.pair is None and "field" in args:
                return whole.bindings.value(args["field"]), whole
            if args is not None and self.pair is not None and "fields" in args:
                elements = whole.bindings.elements(args["fields"], "")
                for pair in elements if isinstance(elements, list) else ():
                    if (
                        isinstance(pair, ast.Tuple)
                        and len(pair.elts) == 2
                        and (pair.lineno, pair.col_offset) == (self.pair.line, 16)
                    ):
                        return whole.bindings.value(pair.elts[1]), whole
        return whole.unreadable or (
            f"{whole.name}: the `{operation.kind}` at line {operation.line} cannot be read"
        )


def _read_alone(call: ast.Call, kind: str) -> bool:
    """Whether :func:`_apply` applies ``call``, parsed alone, as it applies it in the
    whole module: it calls ``migrations.<kind>``, and the arguments the replay reads hold
    no name it would look up in the module (a field or a model's fields bound to a name,
    a name given as a variable)."""
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr == kind
        and isinstance(func.value, ast.Name)
        and func.value.id == "migrations"
    ):
        return False
    if kind not in OPERATIONS:
        return True  # (not Django's: applied by its name alone)
    args = bind_arguments(call, kind)
    if args is None:
        return True  # (applied as a call with ``*``/``**``: nothing looked up)
    if any(isinstance(args.get(key), ast.Name) for key in (*_NAME_ARGUMENTS, "field")):
        return False
    fields = args.get("fields")
    if kind != "CreateModel" or fields is None:
        return True
    return isinstance(fields, (ast.List, ast.Tuple)) and not any(
        isinstance(element, (ast.Starred, ast.Name))
        or (isinstance(element, ast.Tuple) and any(isinstance(e, ast.Name) for e in element.elts))
        for element in fields.elts
    )


class _Files(Mapping[str, MigrationFile]):
    """The folder's migrations by name, each parsed when first looked up."""

    def __init__(self, sources: dict[str, _Source], problems: list[HistoryProblem]) -> None:
        self._sources = sources
        self._problems = problems

    def __getitem__(self, name: str) -> MigrationFile:
        source = self._sources[name]
        if source.parsed is None and source.tree is not None:
            source.parsed = _read_migration(source.path, source.text, source.tree)
        elif source.parsed is None:
            source.parsed = _parse(source.path, source.text, self._problems)
        return source.parsed

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


def _parse(path: Path, text: str, problems: list[HistoryProblem]) -> MigrationFile:
    """``path`` read from its source, or unparsed (with the problem said) if it does not
    parse."""
    try:
        tree = parse_module(text, filename=str(path))
    except SyntaxError as exc:
        line, reason = exc.lineno or 1, exc.msg or str(exc) or "SyntaxError"
    except (ValueError, RecursionError, MemoryError) as exc:
        line, reason = 1, cannot_parse_reason(exc)
    else:
        return _read_migration(path, text, tree)
    problems.append(
        HistoryProblem(path, line, f"migration history: cannot parse {path.name}: {reason}")
    )
    return MigrationFile.unparsed(path, text)


def _source(
    path: Path, text: str, problems: list[HistoryProblem], tree: ast.Module | None = None
) -> _Source:
    """A file of the folder (``tree``: its ``ast``, when parsed already): its graph read
    from the text when the file has the usual shape (:func:`migration_fixer.skim.graph_edges`),
    else from its parse, done now."""
    edges = graph_edges(text)
    if edges is None and not path.name[:1].isdigit() and no_migration_class(text):
        # A module that is no migration (a helper, a test module): its graph is empty.
        # (One named as ``makemigrations`` names migrations is parsed now, so that when it
        # does not parse the problem is said when the history loads, before the
        # migrations that depend on it are read.)
        edges = GraphEdges([], [], [])
    if edges is None:
        read = _parse(path, text, problems) if tree is None else _read_migration(path, text, tree)
        return _Source.of(read)
    return _Source(path, text, edges.dependencies, edges.replaces, edges.run_before, tree=tree)


#: The name Django's loader reads from every migration module.
_MIGRATION_WORD = re.compile(r"\bMigration\b")
_STAR_IMPORT = re.compile(r"\bimport\s*\*")


class History:
    """The migrations of one folder, with their graph.

    Every file's text and graph lists are read when the history is loaded; a file is
    parsed only when a rule or the replay needs its operations (``files[name]``). The
    replay for a model (:meth:`state_before`) does not parse a file that cannot change
    that model (:meth:`_Source.cannot_touch`): a file the replay leaves unparsed and that
    has a syntax error is not reported."""

    def __init__(self, folder: Path, sources: Sequence[_Source], problems: list[HistoryProblem]):
        self.folder = folder
        self._sources = {s.path.stem: s for s in sources}
        self.files: Mapping[str, MigrationFile] = _Files(self._sources, problems)
        self.problems = problems
        self.label = self._infer_label()
        #: Migrations that depend on one that is not in the folder, and on which.
        self._missing: dict[str, tuple[str, str]] = {}
        #: Migrations whose dependencies on this folder's differ by branch, and why.
        self._conditional: dict[str, str] = {}
        self._parents = self._build_parents()
        #: The state saved by the last replay, by the model names it was replayed for.
        self._snapshots: dict[frozenset[str] | None, tuple[tuple[str, ...], State]] = {}
        #: The models each migration renames (old and new names, lower case).
        self._renames: dict[str, list[tuple[str, str]]] = {}
        #: The migrations whose text names ``RenameModel`` (read when first needed).
        self._renaming: frozenset[str] | None = None
        #: The names of fields in a unique group (:meth:`in_unique_group`), read once.
        self._grouped: frozenset[str] | None = None
        #: The models whose state each migration's operations change (None: any model).
        self._changes: dict[str, frozenset[str] | None] = {}
        self._ancestors: dict[str, list[str] | str] = {}
        #: How many of ``problems`` the run has reported (a parse done later adds some).
        self.problems_reported = 0

    # -- loading --------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        folder: Path,
        parsed: dict[Path, tuple[str, ast.Module]] | None = None,
        read: Mapping[Path, bytes] | None = None,
    ) -> History:
        """The history of ``folder``; ``parsed``: files of it the run has parsed already
        (taken out of it: the history keeps them); ``read``: the bytes of files of it the
        run has read already (not read again)."""
        sources: list[_Source] = []
        problems: list[HistoryProblem] = []
        for path in folder_migrations(folder):
            try:
                data = read.get(path) if read is not None else None
                text = decode(path, path.read_bytes() if data is None else data).text
            except (OSError, SourceError) as exc:
                line = getattr(exc, "line", 1) or 1
                reason = str(exc) or type(exc).__name__
                problems.append(
                    HistoryProblem(
                        path,
                        int(line),
                        f"migration history: cannot parse {path.name}: {reason}",
                    )
                )
                sources.append(_Source.of(MigrationFile.unparsed(path)))
                continue
            tree = None
            if parsed is not None and path in parsed:
                earlier, tree = parsed.pop(path)
                tree = tree if earlier == text else None
            sources.append(_source(path, text, problems, tree))
        return cls(folder, sources, problems)

    @classmethod
    def from_sources(cls, folder: Path, sources: Mapping[str, str]) -> History:
        """The history of ``folder`` given as ``{file name: source}``, reading nothing from
        disk (MF003's test harness); a source that does not parse is in the graph with
        nothing known about it, and one Django's loader skips is not, as with
        :meth:`load`."""
        unreported: list[HistoryProblem] = []
        read = [
            _source(folder / name, text, unreported)
            for name, text in sorted(sources.items())
            if loaded_by_django(name)
        ]
        history = cls(folder, read, [])
        history.files = _Files(history._sources, unreported)
        return history

    def parsed_tree(self, name: str, text: str) -> ast.Module | None:
        """The ``ast`` of the migration ``name`` when it is parsed already from ``text``
        (None: not parsed yet, or it does not parse)."""
        source = self._sources.get(name)
        if source is None or source.text != text:
            return None
        if source.parsed is not None:
            return None if source.parsed.parse_error else source.parsed.tree
        return source.tree

    def adopt(self, name: str, text: str, tree: ast.Module) -> None:
        """The migration ``name`` parsed by the run from ``text``: the history uses that
        ``ast`` instead of parsing it again."""
        source = self._sources.get(name)
        if source is not None and source.parsed is None and source.text == text:
            source.tree = tree

    def extended(self, added: Sequence[MigrationFile]) -> History:
        """This folder's history with the migrations ``added`` (new files, not on disk)."""
        sources = [*self._sources.values(), *(_Source.of(m) for m in added)]
        return History(self.folder, sources, [])

    def _infer_label(self) -> str:
        # A migration that depends on (label, its own name) says that label is another
        # app's (waldur's monitoring/0001_initial on ("contenttypes", "0001_initial")).
        others = {
            label
            for migration_name, source in self._sources.items()
            for label, name in source.dependencies
            if name == migration_name
        }
        votes: dict[str, int] = {}
        for source in self._sources.values():
            for label, name in source.dependencies:
                if name in self._sources and label not in others:
                    votes[label] = votes.get(label, 0) + 1
        if votes:
            return max(sorted(votes), key=lambda k: votes[k])
        return self.folder.parent.name

    def _build_parents(self) -> dict[str, set[str]]:
        sources = self._sources
        parents: dict[str, set[str]] = {name: set() for name in sources}
        for migration_name, migration in sources.items():
            for label, name in migration.dependencies:
                if label == self.label:
                    if name in sources:
                        parents[migration_name].add(name)
                    elif name != "__first__" and not any(
                        (self.label, name) in m.replaces for m in sources.values()
                    ):
                        self._missing.setdefault(migration_name, (label, name))
                        self.problems.append(
                            HistoryProblem(
                                migration.path,
                                1,
                                f"migration history: {migration_name} depends on "
                                f"({label!r}, {name!r}), which is not in {self.folder}",
                            )
                        )
            for label, name in migration.run_before:
                if label == self.label and name in sources:
                    parents[name].add(migration_name)
        for migration_name, migration in sources.items():
            parsed = migration.parsed
            ways = parsed.dependency_variants if parsed is not None else []
            if len({frozenset(p for p in way if p[0] == self.label) for way in ways}) > 1:
                assert parsed is not None
                self._conditional[migration_name] = (
                    f"the dependencies of {migration_name} on this folder's migrations depend "
                    f"on the `if` at line {parsed.dependency_if}"
                )
        # Dependencies on a replaced migration that is gone point to its squash.
        for squash_name, squash in sources.items():
            for label, name in squash.replaces:
                if label == self.label and name not in sources:
                    for migration_name, migration in sources.items():
                        if (label, name) in migration.dependencies:
                            parents[migration_name].add(squash_name)
        return parents

    # -- graph ----------------------------------------------------------------------
    def ancestors(self, name: str) -> list[str] | str:
        """``name``'s ancestors in application order (itself last), or why not."""
        if name not in self._ancestors:
            self._ancestors[name] = self._find_ancestors(name)
        found = self._ancestors[name]
        return found if isinstance(found, str) else list(found)

    def _find_ancestors(self, name: str) -> list[str] | str:
        order: list[str] = []
        error = self._visit(name, (), order, {})
        if error:
            return error
        return self._drop_duplicated_squashes(order)

    def _visit(
        self, node: str, trail: tuple[str, ...], order: list[str], state: dict[str, _Visit]
    ) -> str | None:
        """Add ``node``'s ancestors, then ``node``, to ``order`` (depth first); why not.
        (A method, not a function nested in :meth:`_find_ancestors`: a nested function
        that calls itself is a reference cycle, which would keep the whole history alive
        until the collector's next full collection.)"""
        if state.get(node) is _Visit.DONE:
            return None
        if state.get(node) is _Visit.IN_PROGRESS:
            cycle = " -> ".join([*trail[trail.index(node) :], node])
            return f"dependency cycle: {cycle}"
        if node in self._missing:
            return f"{node} depends on {self._missing[node]!r}, which is not in this folder"
        if node in self._conditional:
            return self._conditional[node]
        state[node] = _Visit.IN_PROGRESS
        for parent in sorted(self._parents[node]):
            error = self._visit(parent, (*trail, node), order, state)
            if error:
                return error
        state[node] = _Visit.DONE
        order.append(node)
        return None

    def _drop_duplicated_squashes(self, order: list[str]) -> list[str]:
        present = set(order)
        drop: set[str] = set()
        for name in order:
            replaced = {n for label, n in self._sources[name].replaces if label == self.label}
            if replaced & present:
                drop.add(name)  # the originals are here: replay them, not the squash
        return [n for n in order if n not in drop]

    def squash_replacing(self, name: str) -> str | None:
        """The squashed migration of this folder that replaces ``name``, if any."""
        return next((n for n, m in self._sources.items() if (self.label, name) in m.replaces), None)

    def descendants(self, name: str) -> list[str]:
        """The migrations that come after ``name`` (depend on it, directly or not)."""
        children: dict[str, set[str]] = {}
        for child, parents in self._parents.items():
            for parent in parents:
                children.setdefault(parent, set()).add(child)
        found: set[str] = set()
        pending = [name]
        while pending:
            for child in children.get(pending.pop(), ()):
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return sorted(found)

    def first_change_after(self, name: str, model: str, field: str) -> LaterChange | None:
        """The first migration after ``name`` that changes ``model.field`` (adds it back,
        alters, renames or removes it) or the whole model, or that cannot be read, so
        could: something deferred to after every one of them (MF003's drop) would undo
        what it made, or be a guess. A migration that cannot change ``model`` is not
        read (:meth:`_Source.cannot_touch`)."""
        names = frozenset({model.lower()})
        for later_name in self.descendants(name):
            if self._sources[later_name].cannot_touch(names):
                continue
            later = self.files[later_name]
            if later.unreadable:
                return LaterChange(later_name, later.unreadable)
            for element in later.operations or ():
                found = _touches(later, element, model, field)
                if found is not None:
                    return found
        return None

    def without_migration_class(self) -> list[str]:
        """The files of the folder in which no ``Migration`` is named at all, nor imported by
        a ``*`` (a helper or a note left in the folder): Django's loader stops on them
        (``BadMigrationError``)."""
        return [
            source.path.name
            for source in self._sources.values()
            if source.text
            and _MIGRATION_WORD.search(source.text) is None
            and _STAR_IMPORT.search(source.text) is None
        ]

    def leaves(self) -> list[str]:
        replaced = {
            n for m in self._sources.values() for label, n in m.replaces if label == self.label
        }
        has_child = {p for parents in self._parents.values() for p in parents}
        squashes_with_originals = {
            name
            for name, m in self._sources.items()
            if any(n in self._sources for label, n in m.replaces if label == self.label)
        }
        return sorted(
            n
            for n in self._sources
            if n not in has_child and n not in replaced and n not in squashes_with_originals
        )

    def in_unique_group(self, field: str) -> bool:
        """Whether a field called ``field`` may be one of the fields of a
        ``unique_together`` or a ``UniqueConstraint`` of the folder: its name is a string
        in the brackets after one of those words in some migration's text (whatever the
        model: a backfill then gives each row its own value)."""
        if self._grouped is None:
            self._grouped = frozenset(
                name for source in self._sources.values() for name in _grouped_names(source.text)
            )
        return field in self._grouped

    def next_number(self) -> int:
        numbers = [int(m.group(1)) for n in self._sources if (m := _NUMBER.match(n))]
        return max(numbers, default=0) + 1

    # -- state ----------------------------------------------------------------------
    def state_before(self, name: str, operation: ast.expr, model: str | None = None) -> State | str:
        """The state just before ``operation`` (an element of ``name``'s operations).

        With ``model``, the replay is for that model: a migration that cannot change it
        (nor a name it had, :meth:`_Source.cannot_touch`) is not read, so only ``model``
        is to be looked up in the state returned."""
        order = self.ancestors(name)
        if isinstance(order, str):
            return order
        names = None if model is None else self._names_of(model, order)
        state, start = self._saved_state(order, names)
        for position, migration_name in enumerate(order[start:], start):
            if migration_name != name:
                state = self._replay(state, migration_name, names)
                continue
            if position == len(order) - 1 and position:
                self._snapshots[names] = (tuple(order[:position]), state.copy())
            migration = self.files[migration_name]
            if migration.operations is None:
                state.unknown = migration.parse_error or (
                    f"the operations of {migration.name} are built dynamically "
                    f"({migration.dynamic_reason})"
                )
                return state
            if len(migration.variants) > 1:
                return _replay_variants(state, migration, operation, own=True, names=names)
            for op in migration.operations_changing(names, operation):
                _apply(state, migration, op)
            if migration.holds(operation):
                return state
        return state

    def state_before_laid_out(self, name: str, position: int, model: str) -> State | str | None:
        """The state just before the operation at ``position`` of ``name``, for ``model``
        (as :meth:`state_before`), with ``name`` read from its writer layout, not parsed;
        None when it must be parsed (it is not laid out so, or an operation before
        ``position`` that may change ``model`` must be read in the whole module)."""
        laid = self._laid_out(name)
        if laid is None:
            return None
        order = self.ancestors(name)
        if isinstance(order, str):
            return order
        if order[-1] != name:
            return None  # (a squash whose replaced migrations are its ancestors)
        names = self._names_of(model, order)
        state, start = self._saved_state(order, names)
        for migration_name in order[start:-1]:
            state = self._replay(state, migration_name, names)
        if len(order) > 1:
            self._snapshots[names] = (tuple(order[:-1]), state.copy())
        if not self._replayed_laid_out(state, laid, names, before=position):
            return None
        return state

    def laid_out_operations(
        self, name: str, text: str
    ) -> list[tuple[str, tuple[str, ...] | None]] | None:
        """The operations of the migration ``name`` read from its writer layout, when
        ``text`` is the text the history holds: each one's kind, with the names it gives
        (:attr:`migration_fixer.writer_layout.LaidOutOperation.names`) when it is the one
        call its lines make; None when the file is not laid out so."""
        source = self._sources.get(name)
        if source is None or source.text != text:
            return None
        laid = self._laid_out(name)
        if laid is None:
            return None
        return [
            (op.kind, op.names if op.names is not None and laid.called_alone(i) else None)
            for i, op in enumerate(laid.layout.operations)
        ]

    def _saved_state(self, order: Sequence[str], names: frozenset[str] | None) -> tuple[State, int]:
        """Where a replay for ``names`` along ``order`` starts: removals are examined in
        file order, so the replay usually extends the last one: from the state saved after
        the longest proper prefix of ``order`` already replayed (a copy), else from
        nothing."""
        cached = self._snapshots.get(names)
        # (A proper prefix: the saved state must not include the last migration itself.)
        if (
            cached is not None
            and len(cached[0]) < len(order)
            and tuple(order[: len(cached[0])]) == cached[0]
        ):
            return cached[1].copy(), len(cached[0])
        return State(), 0

    def _replay(self, state: State, name: str, names: frozenset[str] | None) -> State:
        """``state`` after the operations of the migration ``name`` (one before the
        migration the replay is for) that may change the models ``names`` (None: any),
        applied to it (or a new state, after operations that depend on ``if``
        statements)."""
        if names is not None:
            # A migration an earlier replay read is known by the models its operations
            # change: the text is not searched again (most of a folder's replays are
            # for other models than the one that had it read).
            known = self._changes.get(name)
            if known is not None and known.isdisjoint(names):
                return state
            laid = self._laid_out(name)
            if laid is not None:
                if self._replayed_laid_out(state, laid, names):
                    return state
            elif self._sources[name].cannot_touch(names):
                return state
        migration = self.files[name]
        if migration.skippable:
            state.skip(migration)
            return state
        if migration.operations is None:
            state.unknown = migration.parse_error or (
                f"the operations of {migration.name} are built dynamically "
                f"({migration.dynamic_reason})"
            )
            return state
        if names is not None:
            changes = self._models_changed_by(migration)
            if changes is not None and changes.isdisjoint(names):
                return state
        if len(migration.variants) > 1:
            return _replay_variants(state, migration, None, own=False, names=names)
        for op in migration.operations_changing(names, None):
            _apply(state, migration, op)
        return state

    def _laid_out(self, name: str) -> _LaidOut | None:
        """The migration ``name`` as the replay reads it from its writer layout (None: it
        is not laid out so, or was parsed before the replay first read it)."""
        source = self._sources[name]
        if not source.layout_read:
            source.layout_read = True
            if source.parsed is None and source.tree is None and source.graph_known:
                source.laid = _LaidOut.read(source)
        return source.laid

    def _replayed_laid_out(
        self, state: State, laid: _LaidOut, names: frozenset[str], before: int | None = None
    ) -> bool:
        """Replay a migration (its operations before the position ``before``, when given)
        for the models ``names`` from its writer layout, parsing only the operations that
        may change them (False: an operation must be read in the whole module; the file is
        then parsed whole, and read so from then on)."""
        name = laid.path.stem
        # (Known now for every later replay, which then goes past it without a look.)
        self._changes.setdefault(name, laid.models)
        if laid.models is not None and laid.models.isdisjoint(names):
            return True
        operations = laid.operations_changing(names, before)
        if operations is None:
            self._sources[name].laid = None
            return False
        for position, node in operations:
            if node is not None:
                assert laid.file is not None  # (the operation was parsed in it)
                _apply(state, laid.file, node)
                continue
            operation = laid.layout.operations[position]
            created = laid.model_fields(position) if operation.kind == "CreateModel" else None
            if created is not None:
                model_name, pairs = created
                model = ModelState(model_name)
                for pair in pairs:
                    deferred = _DeferredField(laid, position, self.files, pair)
                    model.fields[pair.name.lower()] = FieldState(
                        model_name, pair.name, deferred, None
                    )
                state.models[model_name.lower()] = model
                continue
            assert operation.names is not None  # (and called alone)
            _apply_named(state, operation.kind, operation.names)
            if operation.kind in ("AddField", "AlterField"):
                model_name, field_name = operation.names
                _set_field(
                    state,
                    model_name,
                    field_name,
                    _DeferredField(laid, position, self.files),
                    None,
                    keep=operation.preserve_default,
                )
        return True

    def _models_changed_by(self, migration: MigrationFile) -> frozenset[str] | None:
        """The models whose state ``migration``'s operations change (None: any)."""
        if migration.name not in self._changes:
            changed: set[str] = set()
            for op in migration.operations or ():
                models = _changed_by(migration, op)
                if models is None:
                    self._changes[migration.name] = None
                    break
                changed |= models
            else:
                self._changes[migration.name] = frozenset(changed)
        return self._changes[migration.name]

    def _names_of(self, model: str, order: Sequence[str]) -> frozenset[str]:
        """The names (lower case) ``model`` has had over the migrations ``order``: the
        ``RenameModel`` operations that connect a name to it, followed both ways."""
        if self._renaming is None:
            # Read once per folder: most folders rename no model, and the replay asks
            # for the names of a model thousands of times over the same ancestors.
            self._renaming = frozenset(n for n, s in self._sources.items() if s.renames_models)
        if not self._renaming:
            return frozenset({model.lower()})
        renames = [
            pair
            for migration_name in order
            if migration_name in self._renaming
            for pair in self._renamed_in(migration_name)
        ]
        names = {model.lower()}
        grown = True
        while grown:
            grown = False
            for old, new in renames:
                if (old in names) != (new in names):
                    names |= {old, new}
                    grown = True
        return frozenset(names)

    def _renamed_in(self, name: str) -> list[tuple[str, str]]:
        """The ``(old, new)`` names (lower case) of the ``RenameModel`` calls in ``name``
        with literal names (the replay makes the others unknown)."""
        if name not in self._renames:
            migration = self.files[name]
            found = []
            # The operations the replay applies (:func:`_apply`): the migration's, and
            # the ``state_operations`` inside them.
            pending = list(migration.operations or ())
            while pending:
                operation = operation_of(migration, pending.pop())
                if operation is None or operation[2] is None:
                    continue
                kind, args = operation[0], operation[2]
                old, new = literal_str(args.get("old_name")), literal_str(args.get("new_name"))
                if kind == "RenameModel" and old is not None and new is not None:
                    found.append((old.lower(), new.lower()))
                nested = args.get("state_operations")
                if kind in ("SeparateDatabaseAndState", "RunSQL") and nested is not None:
                    elements = migration.bindings.elements(nested, "`state_operations`")
                    pending.extend(elements if isinstance(elements, list) else ())
            self._renames[name] = found
        return self._renames[name]


def _replay_variants(
    state: State,
    migration: MigrationFile,
    operation: ast.expr | None,
    *,
    own: bool,
    names: frozenset[str] | None,
) -> State:
    """The state after ``migration``, whose operations depend on ``if`` statements, or
    with ``own`` just before ``operation`` (one of them): each variant replayed (those
    that hold ``operation``), and what they agree on kept."""
    states: list[State] = []
    variants = migration.variants
    holding = [v for v in variants if any(e is operation for e in v.elements)]
    if own and holding:
        variants = holding
    for variant in variants:
        replayed = state.copy()
        for op in variant.elements:
            if own and op is operation:
                break
            if names is None or _may_change(migration, op, names):
                _apply(replayed, migration, op)
        states.append(replayed)
    # The first ``if`` whose branches these variants take (some variant takes one).
    lines = {line for v in variants for line, _ in v.branches} or {
        line for v in migration.variants for line, _ in v.branches
    }
    return State.merged(states, f"the `if` at line {min(lines)} of {migration.name}")


def _same_field(a: FieldState | None, b: FieldState | None) -> bool:
    """Whether two branches leave a field defined the same way."""
    if a is None or b is None:
        return False
    return a is b or (
        a.model == b.model
        and a.name == b.name
        and a.source is b.source
        and a.preserve_default == b.preserve_default
        and a.renamed_models == b.renamed_models
        and ast.dump(a.expr) == ast.dump(b.expr)
    )


def _literal_lists(text: str) -> Iterator[tuple[str, ast.expr]]:
    """``name = [...]`` for the graph's names, found by the tokenizer in a source the
    parser refuses (the last of each wins, as in a class body), when the bracketed value
    parses alone."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    starts = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]
    found: dict[str, ast.expr] = {}
    for index, token in enumerate(tokens[:-2]):
        if not (
            token.type == tokenize.NAME
            and token.string in GRAPH_NAMES
            and tokens[index + 1].string == "="
            and tokens[index + 2].string in ("[", "(")
        ):
            continue
        # The tokenizer refuses unbalanced brackets: the value's closing one is there.
        following = iter(tokens[index + 3 :])
        depth, closing = 1, tokens[index + 2]
        while depth:
            closing = next(following)
            depth += (closing.string in ("[", "(", "{")) - (closing.string in ("]", ")", "}"))
        first, last = tokens[index + 2].start, closing.end
        source = text[starts[first[0] - 1] + first[1] : starts[last[0] - 1] + last[1]]
        with contextlib.suppress(SyntaxError, ValueError, RecursionError, MemoryError):
            found[token.string] = ast.parse(source.strip(), mode="eval").body
    yield from found.items()


def _class_assignments(cls: ast.ClassDef) -> Iterator[tuple[str, ast.expr, bool]]:
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    yield target.id, stmt.value, False
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            yield stmt.target.id, stmt.value, False
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            yield stmt.target.id, stmt.value, True


def _read_migration(path: Path, text: str, tree: ast.Module) -> MigrationFile:
    migration = MigrationFile(path, path.stem, text, tree, ModuleIndex(tree, text))
    classes = [s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == "Migration"]
    if not classes:
        migration.dynamic_reason = "no `class Migration` at module level"
        return migration
    cls = classes[-1]
    migration.migration_class = cls
    for name, value, augmented in _class_assignments(cls):
        if name in ("dependencies", "replaces", "run_before"):
            pairs = tuple_pairs(value) or []
            if augmented:  # ``dependencies += [...]`` adds to the list
                pairs = getattr(migration, name) + pairs
            setattr(migration, name, pairs)
            if name == "dependencies" and not augmented and isinstance(value, ast.List | ast.Tuple):
                migration.dependencies_node = value
        elif name == "operations" and isinstance(value, (ast.List, ast.Tuple)) and not augmented:
            migration.operations_node = value
    if "dependencies" not in {name for name, _, _ in _class_assignments(cls)} and any(
        isinstance(s, ast.If) for s in cls.body
    ):
        _read_dependencies_under_ifs(migration)
    # What Django reads: ``Migration.operations`` once the class body has run (the base
    # class's empty list when the body does not bind it).
    found = migration.bindings.variants("operations")
    operations: list[ast.expr] | None = [] if found is None else None
    reasons = []
    if isinstance(found, Unknown):
        reasons.append(found.reason)
    elif found is not None:
        operations = list({id(e): e for v in found for e in v.elements}.values())
        migration.variants = found if len(found) > 1 else []
    # Operations added outside the class (``Migration.operations.append(...)``).
    outside = ".operations" in text and (
        re.search(r"\bMigration\s*\.\s*operations\b", text) is not None
    )
    for node in ast.walk(tree) if outside else ():
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "operations"
            and isinstance(node.value, ast.Name)
            and node.value.id == "Migration"
        ):
            reasons.append("`Migration.operations` is changed outside the class")
            operations = None
            migration.variants = []
    migration.operations = operations
    migration.dynamic_reason = "; ".join(reasons)
    return migration


def _read_dependencies_under_ifs(migration: MigrationFile) -> None:
    """``dependencies`` bound in the branches of an ``if`` of the class body: all the
    pairs, and each way's (the graph checks they agree on this folder's migrations)."""
    found = migration.bindings.variants("dependencies")
    if not isinstance(found, list):
        return
    ways = [tuple_pairs(ast.List(elts=v.elements, ctx=ast.Load())) or [] for v in found]
    migration.dependencies = list(dict.fromkeys(pair for pairs in ways for pair in pairs))
    if len(found) > 1:
        migration.dependency_variants = ways
        migration.dependency_if = min(line for v in found for line, _ in v.branches)


def read_migration(path: Path, text: str, tree: ast.Module) -> MigrationFile:
    """A migration file read from its parsed source (the file need not exist yet)."""
    return _read_migration(path, text, tree)


def operation_of(
    migration: MigrationFile, op: ast.expr
) -> tuple[str, ast.Call, dict[str, ast.expr] | None] | None:
    """The Django operation ``op`` constructs, and its bound arguments (None with
    ``*``/``**``). Resolved once per operation: the replay goes over the same migrations
    for every removal it examines."""
    key = id(op)
    if key in migration.resolved:
        return migration.resolved[key]
    found = None
    if isinstance(op, ast.Call):
        resolved = migration.index.resolve_callee(op.func, migration.index.tree)
        if resolved.operation is not None and not resolved.overrides_init:
            found = (
                resolved.operation,
                op,
                with_constants(migration, bind_arguments(op, resolved.operation)),
            )
    migration.resolved[key] = found
    return found


#: The arguments of an operation that name a model or a field.
_NAME_ARGUMENTS = ("model_name", "name", "old_name", "new_name")


def with_constants(
    migration: MigrationFile, args: dict[str, ast.expr] | None
) -> dict[str, ast.expr] | None:
    """``args`` with the names of models and fields that are names bound to a string
    (``model_name=MODEL`` below ``MODEL = "region"``) replaced by that string."""
    if args is None or not any(isinstance(args.get(k), ast.Name) for k in _NAME_ARGUMENTS):
        return args
    resolved = dict(args)
    for key in _NAME_ARGUMENTS:
        value = args.get(key)
        if isinstance(value, ast.Name):
            held = migration.bindings.value(value)
            if literal_str(held) is not None:
                resolved[key] = held
    return resolved


def names_match(node: ast.expr | None, name: str) -> bool:
    """Whether ``node`` is the string literal ``name`` (model and field names compare
    case-insensitively, as Django's state does)."""
    value = literal_str(node)
    return value is not None and value.lower() == name.lower()


@dataclass(frozen=True)
class LaterChange:
    """A later migration that changes a field or its model; ``unknown`` says why it
    cannot be told whether it does ("" when it does)."""

    migration: str
    unknown: str = ""


_FIELD_KEYS = ("name", "old_name", "new_name")
_MODEL_KEYS: dict[str, tuple[str, ...]] = {
    "CreateModel": ("name",),
    "DeleteModel": ("name",),
    "RenameModel": ("old_name", "new_name"),
}


def _touches(migration: MigrationFile, op: ast.expr, model: str, field: str) -> LaterChange | None:
    """How ``op`` changes ``model.field`` or its model (None: it leaves them alone)."""
    found = operation_of(migration, op)
    if found is None:
        reason = _custom_may_change_fields(migration, op)
        return LaterChange(migration.name, f"{migration.name}: {reason}") if reason else None
    operation, _, args = found
    if args is None:
        if operation in ("RunPython", "RunSQL"):
            return None
        return LaterChange(
            migration.name, f"{migration.name}: `{operation}` called with *args/**kwargs"
        )
    if operation in ("AddField", "AlterField", "RemoveField", "RenameField"):
        names = [args.get("model_name"), *(args.get(key) for key in _FIELD_KEYS)]
        if any(n is not None and literal_str(n) is None for n in names):
            return LaterChange(
                migration.name, f"{migration.name}: `{operation}` with non-literal names"
            )
        if names_match(args.get("model_name"), model) and any(
            names_match(args.get(key), field) for key in _FIELD_KEYS
        ):
            return LaterChange(migration.name)
        return None
    if operation in _MODEL_KEYS:
        values = [args.get(key) for key in _MODEL_KEYS[operation]]
        if any(v is not None and literal_str(v) is None for v in values):
            return LaterChange(
                migration.name, f"{migration.name}: `{operation}` with non-literal names"
            )
        return LaterChange(migration.name) if any(names_match(v, model) for v in values) else None
    if operation in ("SeparateDatabaseAndState", "RunSQL"):
        for key in ("state_operations", "database_operations"):
            nested = args.get(key)
            if nested is None:
                continue
            elements = migration.bindings.elements(nested, f"`{key}`")
            if isinstance(elements, Unknown):
                return LaterChange(migration.name, f"{migration.name}: {elements.reason}")
            for element in elements:
                touched = _touches(migration, element, model, field)
                if touched is not None:
                    return touched
    return None


def _custom_may_change_fields(migration: MigrationFile, op: ast.expr) -> str | None:
    if not isinstance(op, ast.Call):
        return f"`{ast.unparse(op)[:60]}` is not an operation call"
    name = ast.unparse(op.func)
    resolved = migration.index.resolve_callee(op.func, migration.tree)
    if resolved.operation is not None and resolved.operation not in ("RunPython", "RunSQL"):
        # A local subclass with its own __init__: its arguments mean something else.
        return f"`{name}` subclasses `{resolved.operation}` with its own `__init__`"
    last = name.rsplit(".", 1)[-1]
    if last.endswith(("Field", "Model")) or "Field" in last:
        return f"custom operation `{name}` may change fields"
    return None


def _may_change(migration: MigrationFile, op: ast.expr, names: frozenset[str]) -> bool:
    """Whether applying ``op`` may change the state of a model called one of ``names``
    (lower case): a replay for those models leaves out the other operations."""
    changed = _changed_by(migration, op)
    return changed is None or not changed.isdisjoint(names)


def _changed_by(migration: MigrationFile, op: ast.expr) -> frozenset[str] | None:
    """:func:`_models_changed`, worked out once per operation."""
    key = id(op)
    if key not in migration.changes:
        migration.changes[key] = _models_changed(migration, op)
    return migration.changes[key]


def _models_changed(migration: MigrationFile, op: ast.expr) -> frozenset[str] | None:
    """The models (lower case) whose state :func:`_apply` changes with ``op``; None when
    it may change any model's (a rename, names that are not literals, nested operations,
    a custom operation)."""
    found = operation_of(migration, op)
    if found is None:
        return None if _custom_may_change_fields(migration, op) else frozenset()
    operation, _, args = found
    if args is None:
        return frozenset() if operation in ("RunPython", "RunSQL") else None
    if operation not in NAMED_BY:
        nested = operation in ("SeparateDatabaseAndState", "RunSQL") and "state_operations" in args
        return None if nested or operation == "RenameModel" else frozenset()
    names = [literal_str(args.get(key)) for key in NAMED_BY[operation]]
    if any(name is None for name in names) or (
        operation in ("AddField", "AlterField") and args.get("field") is None
    ):
        return None
    model = names[0]
    assert model is not None
    return frozenset({model.lower()})


def _apply(state: State, migration: MigrationFile, op: ast.expr) -> None:
    found = operation_of(migration, op)
    if found is None:
        reason = _custom_may_change_fields(migration, op)
        if reason:
            state.unknown = f"{migration.name}: {reason}"
        return
    operation, _, args = found
    if args is None:
        if operation in ("RunPython", "RunSQL"):
            return
        state.unknown = f"{migration.name}: `{operation}` called with *args/**kwargs"
        return
    if operation == "CreateModel":
        _create_model(state, migration, args)
    elif operation in NAMED_BY:  # (DeleteModel, AddField, AlterField, RemoveField, RenameField)
        names = [literal_str(args.get(key)) for key in NAMED_BY[operation]]
        if operation in ("AddField", "AlterField") and args.get("field") is None:
            names.append(None)
        if None in names:
            plural = "a non-literal name" if operation == "DeleteModel" else "non-literal names"
            state.unknown = f"{migration.name}: `{operation}` with {plural}"
            return
        named = tuple(n for n in names if n is not None)
        _apply_named(state, operation, named)
        if operation in ("AddField", "AlterField") and named[0].lower() in state.models:
            preserve = args.get("preserve_default")
            keep = not (isinstance(preserve, ast.Constant) and preserve.value is False)
            field_expr = migration.bindings.value(args["field"])
            _set_field(state, named[0], named[1], field_expr, migration, keep=keep)
    elif operation == "RenameModel":
        old, new = literal_str(args.get("old_name")), literal_str(args.get("new_name"))
        if old is None or new is None:
            state.unknown = f"{migration.name}: `RenameModel` with non-literal names"
            return
        for other in state.models.values():
            other.alternatives.clear()  # (what they name is not renamed: unknown)
            for key_, field_state in list(other.fields.items()):
                renamed = {
                    key: new if value.lower() == old.lower() else value
                    for key, value in field_state.renamed_models.items()
                }
                renamed[old.lower()] = new
                # Field states are shared between snapshots: replace, never mutate.
                other.fields[key_] = dataclasses.replace(field_state, renamed_models=renamed)
        if old.lower() in state.models:
            model = state.models.pop(old.lower())
            model.name = new
            model.fields = {k: dataclasses.replace(f, model=new) for k, f in model.fields.items()}
            state.models[new.lower()] = model
    elif operation in ("SeparateDatabaseAndState", "RunSQL"):
        nested = args.get("state_operations")
        if nested is None:
            return
        elements = migration.bindings.elements(nested, "`state_operations`")
        if isinstance(elements, Unknown):
            state.unknown = f"{migration.name}: {elements.reason}"
            return
        for element in elements:
            _apply(state, migration, element)


def _create_model(state: State, migration: MigrationFile, args: dict[str, ast.expr]) -> None:
    name = literal_str(args.get("name"))
    if name is None:
        state.unknown = f"{migration.name}: `CreateModel` with a non-literal name"
        return
    model = ModelState(name)
    fields = args.get("fields")
    what = f"the `fields` of `{name}`"
    elements = migration.bindings.elements(fields, what) if fields is not None else []
    if isinstance(elements, Unknown):
        model.unknown = f"{migration.name}: {elements.reason}"
    else:
        for element in elements:
            if (
                isinstance(element, ast.Tuple)
                and len(element.elts) == 2
                and literal_str(element.elts[0]) is not None
            ):
                field_name = literal_str(element.elts[0])
                assert field_name is not None
                expr = migration.bindings.value(element.elts[1])
                model.fields[field_name.lower()] = FieldState(name, field_name, expr, migration)
            else:
                model.unknown = f"{migration.name}: a field of `{name}` is not a literal pair"
    state.models[name.lower()] = model


def _apply_named(state: State, operation: str, names: tuple[str, ...]) -> None:
    """Apply a ``DeleteModel``, ``RemoveField`` or ``RenameField`` whose names are
    ``names`` (in :data:`NAMED_BY`'s order); nothing for ``AddField``/``AlterField``,
    whose field :func:`_set_field` sets."""
    if operation == "DeleteModel":
        state.models.pop(names[0].lower(), None)
        return
    model = state.models.get(names[0].lower())
    if model is None:
        return
    if operation == "RemoveField":
        name = names[1].lower()
        model.fields.pop(name, None)
        model.differing.pop(name, None)
        model.alternatives.pop(name, None)
    elif operation == "RenameField":
        old, new = names[1], names[2]
        moved = model.fields.pop(old.lower(), None)
        model.differing.pop(new.lower(), None)
        model.alternatives.pop(new.lower(), None)
        if moved is not None:
            model.fields[new.lower()] = dataclasses.replace(moved, name=new)
        elif old.lower() in model.differing:
            model.differing[new.lower()] = model.differing.pop(old.lower())
            alternatives = model.alternatives.pop(old.lower(), None)
            if alternatives is not None:
                model.alternatives[new.lower()] = [
                    None if f is None else dataclasses.replace(f, name=new) for f in alternatives
                ]


def _set_field(
    state: State,
    model_name: str,
    name: str,
    definition: ast.expr | _DeferredField,
    migration: MigrationFile | None,
    *,
    keep: bool,
) -> None:
    """An ``AddField``'s or ``AlterField``'s field defined (``keep``: its
    ``preserve_default``)."""
    model = state.models.get(model_name.lower())
    if model is None:
        return
    model.fields[name.lower()] = FieldState(model.name, name, definition, migration, keep)
    model.differing.pop(name.lower(), None)
    model.alternatives.pop(name.lower(), None)
