"""Recognise Django migration operations in a module's ``ast``.

One walk over the module resolves every call whose callee is one of Django's migration
operations, by what the callee's name is *bound to* (the module's imports, its own
definitions, simple aliases, scopes), never by its text: a local function called
``RunPython`` is not Django's, and ``m.RunSQL`` is Django's when ``m`` is
``django.db.migrations``.

This is deliberately a small scope analysis on the stdlib ``ast`` (one pass to collect
bindings, one to resolve) rather than libcst's ``QualifiedNameProvider``, which gets the
same answers on migrations but costs ~55 ms a file.
"""

from __future__ import annotations

import ast
import bisect
import enum
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeAlias, cast

from migration_fixer.dotted_names import attribute_chain

#: Module paths under which Django exposes its migration operations.
_DJANGO_OP_MODULES = (
    "django.db.migrations",
    "django.db.migrations.operations",
    "django.db.migrations.operations.special",
    "django.db.migrations.operations.fields",
    "django.db.migrations.operations.models",
)

#: The Django operations this tool understands, with their parameters in order: one table
#: to recognise the calls and to bind their arguments.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "RunPython": ("code", "reverse_code", "atomic", "hints", "elidable"),
    "RunSQL": ("sql", "reverse_sql", "state_operations", "hints", "elidable"),
    "SeparateDatabaseAndState": ("database_operations", "state_operations"),
    "CreateModel": ("name", "fields", "options", "bases", "managers"),
    "DeleteModel": ("name",),
    "RenameModel": ("old_name", "new_name"),
    "AddField": ("model_name", "name", "field", "preserve_default"),
    "AlterField": ("model_name", "name", "field", "preserve_default"),
    "RemoveField": ("model_name", "name"),
    "RenameField": ("model_name", "old_name", "new_name"),
}
OPERATIONS = frozenset(SIGNATURES)

_DJANGO_NAMES = {f"{module}.{op}": op for module in _DJANGO_OP_MODULES for op in OPERATIONS}

#: The nodes that open a scope of their own (names bound inside are theirs).
SCOPE_NODES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)

#: Marker for a name bound to something this module defines or computes itself.
LOCAL = "<local>"


class BindingKind(enum.Enum):
    """How a statement binds a name."""

    IMPORT = "import"  # ``import x`` / ``from x import y``: ``target`` is the dotted path
    DEF = "def"
    CLASS = "class"  # ``node`` is the ClassDef
    ALIAS = "alias"  # ``name = <expr>``: ``node`` is the value
    OTHER = "other"  # anything else (parameters, loop targets, ...)


@dataclass
class _Binding:
    """One way a name is bound in a scope."""

    kind: BindingKind
    target: str = ""  # dotted path for imports
    node: ast.AST | None = None  # value for aliases, ClassDef for classes


@dataclass
class _Scope:
    node: ast.AST
    parent: _Scope | None
    bindings: dict[str, list[_Binding]] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)

    def bind(self, name: str, binding: _Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


@dataclass(frozen=True)
class Resolved:
    """What a callee expression refers to."""

    operation: str | None  # Django operation name (e.g. "RunPython"), or None
    subclass: str | None = None  # name of a local subclass of that operation, if any
    overrides_init: bool = False  # the local subclass defines its own __init__


@dataclass(frozen=True)
class OperationCall:
    """A call that constructs a Django migration operation."""

    node: ast.Call
    operation: str
    subclass: str | None
    overrides_init: bool
    scope: ast.AST


class ModuleIndex:
    """Name resolution for one module.

    The work is proportional to what matters, not to the size of the file: given the
    module's ``text``, a regular expression finds the lines that can hold an operation
    call (the operations' names, and local aliases and subclasses of them) and only the
    subtrees covering those lines are visited; a scope's bindings are collected, from its
    parameters and statements, only when a name must be resolved in it (and from its
    expressions too when the module has a ``:=``, the one binding made inside one).
    """

    def __init__(
        self, tree: ast.Module, text: str | None = None, starts: list[int] | None = None
    ) -> None:
        self.tree = tree
        self.text = text
        self._walrus = text is None or ":=" in text
        self._parents: dict[int, ast.AST] = {}
        self.scopes: dict[ast.AST, _Scope] = {}
        #: Where the text's lines start (computed when first needed, if not given).
        self._starts = starts
        #: The names bound to something spelled with another (:func:`spelled_names`), read
        #: once for every search of operation calls.
        self._spelled_from: dict[str, set[str]] | None = None
        #: :meth:`resolve_callee`'s answers, by scope and dotted name.
        self._callees: dict[tuple[ast.AST, str], Resolved] = {}
        #: :meth:`raising_unapply`'s answer, once looked for.
        self._raising_unapply: list[RaisingUnapply | None] = []

    def _scope(self, node: ast.AST) -> _Scope:
        scope = self.scopes.get(node)
        if scope is None:
            if node is not self.tree and id(node) not in self._parents:
                if isinstance(node, SCOPE_NODES) and any(stmt is node for stmt in self.tree.body):
                    self._parents[id(node)] = self.tree  # a module function or class
                else:
                    self._index_parents()
            parent_node = self._parents.get(id(node))
            parent = self._scope(parent_node) if parent_node is not None else None
            scope = _Scope(node, parent)
            _bind_scope(scope, node, walrus=self._walrus)
            self.scopes[node] = scope
        return scope

    def _index_parents(self) -> None:
        """Every scope's enclosing scope (needed only for a scope the search for
        operation calls did not pass through)."""
        pending: list[tuple[ast.AST, ast.AST]] = [(self.tree, self.tree)]
        while pending:
            node, scope_node = pending.pop()
            for child in child_nodes(node):
                if isinstance(child, SCOPE_NODES):
                    self._parents[id(child)] = scope_node
                    pending.append((child, child))
                else:
                    pending.append((child, scope_node))

    # -- qualified names ------------------------------------------------------------
    def qualified_name(self, expr: ast.expr, scope_node: ast.AST) -> str | None:
        """Dotted name an expression refers to (``django.db.migrations.RunPython``).

        Returns ``LOCAL`` (possibly dotted) for the module's own definitions, and ``None``
        when it cannot be known.
        """
        return self._qualified_name(expr, self._scope(scope_node), frozenset())

    def _qualified_name(self, expr: ast.expr, scope: _Scope, seen: frozenset[int]) -> str | None:
        # A chain of simple aliases (``a2 = a1``, ``a1 = migrations.RunPython``) is
        # followed in a loop, not by recursion: its length is the file's to choose.
        attrs: list[str] = []
        followed = set(seen)
        mark: int | None = None  # len(attrs) when the last alias was followed
        while True:
            while isinstance(expr, ast.Attribute):
                attrs.append(expr.attr)
                expr = expr.value
            if not isinstance(expr, ast.Name):
                base = None
                break
            found = self._lookup(expr.id, scope)
            alias = _single_alias(found[1]) if found is not None else None
            if found is None or alias is None:
                base = self._resolve_name(expr.id, scope, frozenset(followed))
                break
            if id(alias) in followed or not isinstance(alias, (ast.Name, ast.Attribute)):
                base, mark = LOCAL, None
                break
            followed.add(id(alias))
            mark = len(attrs)
            expr, scope = alias, found[0]
        if base is None:
            if mark is None:
                return None
            base, attrs = LOCAL, attrs[:mark]  # an alias of something unknown: local
        return ".".join([base, *reversed(attrs)])

    def _lookup(self, name: str, scope: _Scope) -> tuple[_Scope, list[_Binding]] | None:
        """Python's lookup rule: own scope, enclosing functions (not classes), module."""
        first = True
        current: _Scope | None = scope
        while current is not None:
            usable = first or not isinstance(current.node, ast.ClassDef)
            if usable and name in current.bindings:
                return current, current.bindings[name]
            first = False
            current = current.parent
        return None

    def _resolve_name(self, name: str, scope: _Scope, seen: frozenset[int]) -> str | None:
        found = self._lookup(name, scope)
        if found is None:
            module_scope = self._scope(self.tree)
            for module in module_scope.star_imports:
                if module in _DJANGO_OP_MODULES and name in OPERATIONS:
                    return f"{module}.{name}"
            return None  # a builtin, or something we cannot see
        owner, bindings = found
        answers = {self._binding_target(name, b, owner, seen) for b in bindings}
        if len(answers) == 1:
            return answers.pop()
        # The same operation imported from two places (``if django.VERSION ...``).
        operations = {_DJANGO_NAMES.get(a or "") for a in answers}
        if len(operations) == 1 and None not in operations:
            return min(a for a in answers if a)
        return None  # bound in several incompatible ways

    def _binding_target(
        self, name: str, binding: _Binding, owner: _Scope, seen: frozenset[int]
    ) -> str | None:
        if binding.kind is BindingKind.IMPORT:
            return binding.target
        if binding.kind in (BindingKind.DEF, BindingKind.CLASS):
            return f"{LOCAL}.{name}"
        if binding.kind is BindingKind.ALIAS and binding.node is not None:
            key = id(binding.node)
            if key in seen or not isinstance(binding.node, (ast.Name, ast.Attribute)):
                return LOCAL
            return self._qualified_name(binding.node, owner, seen | {key}) or LOCAL
        return LOCAL

    def import_statement(self, name: str) -> tuple[str, str | None, str | None] | None:
        """How the module imports ``name`` at top level: ``(module, None, None)`` for
        ``import module``, ``(module, imported, alias)`` for ``from module import
        imported [as alias]``, ``(module, None, alias)`` for ``import module as alias``."""
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname == name:
                        return alias.name, None, name
                    if alias.asname is None and alias.name.split(".")[0] == name:
                        return alias.name, None, None
            elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
                for alias in stmt.names:
                    if (alias.asname or alias.name) == name:
                        return stmt.module, alias.name, alias.asname
        return None

    # -- operations -----------------------------------------------------------------
    def resolve_callee(
        self, func: ast.expr, scope_node: ast.AST, seen: frozenset[int] = frozenset()
    ) -> Resolved:
        """What ``func`` refers to in ``scope_node``. A dotted name's answer depends only
        on its spelling and the scope (whose bindings never change once read), so it is
        kept: a file spells ``migrations.AddField`` in the same scope hundreds of times."""
        chain = attribute_chain(func) if not seen else None
        if chain is None:
            return self._resolve_callee(func, scope_node, seen)
        key = ".".join(chain)
        cached = self._callees.get((scope_node, key))
        if cached is None:
            cached = self._callees[scope_node, key] = self._resolve_callee(func, scope_node, seen)
        return cached

    def _resolve_callee(
        self, func: ast.expr, scope_node: ast.AST, seen: frozenset[int]
    ) -> Resolved:
        scope = self._scope(scope_node)
        qualified = self._qualified_name(func, scope, frozenset())
        if qualified is None:
            return Resolved(None)
        operation = _DJANGO_NAMES.get(qualified)
        if operation is not None:
            return Resolved(operation)
        if qualified.startswith(LOCAL + ".") and isinstance(func, ast.Name):
            return self._local_subclass(func.id, scope, seen)
        return Resolved(None)

    def _local_subclass(self, name: str, scope: _Scope, seen: frozenset[int]) -> Resolved:
        found = self._lookup(name, scope)
        assert found is not None  # resolve_callee resolved the name through it
        owner, bindings = found
        classes = [b.node for b in bindings if b.kind is BindingKind.CLASS]
        if len(bindings) != 1 or len(classes) != 1 or not isinstance(classes[0], ast.ClassDef):
            return Resolved(None)
        cls = classes[0]
        if id(cls) in seen:
            return Resolved(None)  # ``class A(B)`` and ``class B(A)``: never Django's
        for base in cls.bases:
            parent = self.resolve_callee(base, owner.node, seen | {id(cls)})
            if parent.operation is not None:
                overrides = parent.overrides_init or any(
                    isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and stmt.name == "__init__"
                    for stmt in cls.body
                )
                return Resolved(parent.operation, subclass=name, overrides_init=overrides)
        return Resolved(None)

    def operation_calls(self, wanted: frozenset[str] = OPERATIONS) -> Iterator[OperationCall]:
        """Every call in the module that constructs one of the ``wanted`` Django
        operations, in source order (the tree's own order puts a function's body before
        its decorators and defaults). Asking only for what the rules need keeps the
        search to the lines that name those operations."""
        if self.text is not None:
            if self._starts is None:
                self._starts = line_starts(self.text)
            spelled_from = self._spelled_from
            if spelled_from is None:
                if _bound_nowhere(self.text, wanted):
                    spelled_from = {}  # the operations' own names only: no statement read
                else:
                    spelled_from = self._spelled_from = spelled_names(self.tree)
            names, lines = _candidates(self.text, self.tree, wanted, self._starts, spelled_from)
            calls = self._pruned_calls(self.tree, names, lines) if lines else []
        else:
            calls = self._pruned_calls(self.tree, None, None)
        calls = [op for op in calls if op.operation in wanted]
        yield from sorted(calls, key=lambda op: (op.node.lineno, op.node.col_offset))

    def _pruned_calls(
        self,
        root: ast.AST,
        names: frozenset[str] | None,
        lines: list[int] | None,
    ) -> list[OperationCall]:
        """Operation calls below ``root``, in the order of a depth-first walk; with
        ``lines``, only subtrees covering one of them are entered, and with ``names`` only
        calls spelled with one are resolved. (A loop over a stack: a generator per node,
        and ``ast.iter_child_nodes``' own, cost more than the search.)"""
        found: list[OperationCall] = []
        # (node, the scope it is in), each node pushed once its span is known to cover a
        # candidate line; a node's children are pushed last to first, so that they come
        # off the stack in source order, each subtree before the next sibling.
        pending: list[tuple[ast.AST, ast.AST]] = []
        stack_children = pending.append
        scope_node = root
        child: ast.AST = root
        while True:
            children = child_nodes(child)
            for grandchild in reversed(children):
                if type(grandchild) in _NO_CHILD:
                    continue  # no call, no scope, nothing below
                start = getattr(grandchild, "lineno", None)
                if lines is not None and start is not None:
                    end = getattr(grandchild, "end_lineno", None) or start
                    position = bisect.bisect_left(lines, start)
                    if position == len(lines) or lines[position] > end:
                        continue  # no candidate line inside this subtree
                stack_children((grandchild, scope_node))
            if not pending:
                break
            child, scope_node = pending.pop()
            if isinstance(child, ast.Call) and (
                names is None or terminal_name(child.func) in names
            ):
                resolved = self.resolve_callee(child.func, scope_node)
                if resolved.operation is not None:
                    found.append(
                        OperationCall(
                            child,
                            resolved.operation,
                            resolved.subclass,
                            resolved.overrides_init,
                            scope_node,
                        )
                    )
            if isinstance(child, SCOPE_NODES):
                self._parents[id(child)] = scope_node
                scope_node = child
        return found

    # -- the migration's class --------------------------------------------------------
    def raising_unapply(self, sibling: Sibling | None = None) -> RaisingUnapply | None:
        """Where the module's ``class Migration``, or a class it inherits from, defines the
        ``unapply`` it runs with a body that always raises (an ``IrreversibleError``, as
        django-cms's ``IrreversibleMigration`` does); None when that is not certain. Its
        classes are followed in the module, and in the modules of its package that
        ``sibling`` reads (``from . import Base``: ``sibling("")``, the package's
        ``__init__``; ``from .base import Base``: ``sibling("base")``); a base class
        imported otherwise, Django's ``Migration`` among them, ends the search."""
        if not self._raising_unapply:
            self._raising_unapply.append(self._find_raising_unapply(sibling))
        return self._raising_unapply[0]

    def _find_raising_unapply(self, sibling: Sibling | None) -> RaisingUnapply | None:
        migration = self.module_class("Migration")
        order = None
        if migration is not None:
            order = self._class_order(migration, frozenset(), sibling, None)
        for entry in order or ():
            if isinstance(entry, str):
                return None  # a class not read (it may define `unapply`)
            index, cls, module = entry
            bindings = index._scope(cls).bindings.get("unapply")
            if bindings is None:
                continue
            defined = [
                s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "unapply"
            ]
            if len(bindings) != 1 or len(defined) != 1:
                return None  # bound otherwise (an assignment, an import, in an ``if``...)
            method = defined[0]
            if method.decorator_list or _yields(method) or not _always_raises(method.body):
                return None
            return RaisingUnapply(cls, method, module)
        return None

    def module_class(self, name: str) -> ast.ClassDef | None:
        """The class ``name`` is at module level, where a ``class`` statement is its one
        binding there (else None)."""
        bindings = self._scope(self.tree).bindings.get(name, [])
        if len(bindings) == 1 and isinstance(bindings[0].node, ast.ClassDef):
            return bindings[0].node
        return None

    def _class_order(
        self,
        cls: ast.ClassDef,
        seen: frozenset[int],
        sibling: Sibling | None,
        module: str | None,
    ) -> list[_OrderEntry] | None:
        """``cls``'s method resolution order (C3, as Python computes it): each class read
        (``module``: the file of the package it is in, None for this one) with its index,
        and each base class not read as its dotted name (what it inherits is not known);
        ``object`` left out. None: a decorated class, a metaclass or another keyword, a
        cycle, or bases Python would refuse to order."""
        if id(cls) in seen or cls.decorator_list or cls.keywords:
            return None
        orders: list[list[_OrderEntry]] = []
        for base in cls.bases:
            qualified = self.qualified_name(base, self.tree)
            if qualified is None and isinstance(base, ast.Name) and base.id == "object":
                continue
            found: tuple[ModuleIndex, ast.ClassDef, str | None] | None = None
            if qualified is not None and qualified.startswith(LOCAL + "."):
                local = self.module_class(qualified[len(LOCAL) + 1 :])
                found = None if local is None else (self, local, module)
            elif qualified == LOCAL and isinstance(base, ast.Name) and sibling is not None:
                found = self._imported_class(base.id, sibling)
            if found is None:
                orders.append([qualified or ast.unparse(base)])
                continue
            index, local, where = found
            order = index._class_order(local, seen | {id(cls)}, sibling, where)
            if order is None:
                return None
            orders.append(order)
        merged = _c3_merge([*orders, [order[0] for order in orders]])
        return None if merged is None else [(self, cls, module), *merged]

    def _imported_class(
        self, name: str, sibling: Sibling
    ) -> tuple[ModuleIndex, ast.ClassDef, str] | None:
        """The class ``name`` is bound to at module level by ``from . import ...`` or
        ``from .module import ...`` (one statement binds it, at the top level of the
        module), in the module of the package ``sibling`` reads (None: any other binding,
        or not read)."""
        statements = [
            stmt
            for stmt in self.tree.body
            if isinstance(stmt, ast.ImportFrom)
            and any((alias.asname or alias.name) == name for alias in stmt.names)
        ]
        if len(statements) != 1 or statements[0].level != 1:
            return None
        stmt = statements[0]
        alias = next(a for a in stmt.names if (a.asname or a.name) == name)
        read = sibling(stmt.module or "")
        if read is None:
            return None
        index, shown = read
        cls = index.module_class(alias.name)
        return None if cls is None else (index, cls, shown)


#: A module of the migration's package, read (:meth:`ModuleIndex.raising_unapply`): its
#: name relative to the package ("" for ``__init__``) to its index and the name it is shown
#: by ("__init__.py"), or None when it cannot be read.
Sibling: TypeAlias = Callable[[str], "tuple[ModuleIndex, str] | None"]
#: A class of a method resolution order: read (its module's index, the class, the file of
#: the package it is in or None for the migration's), or the dotted name of one not read.
_OrderEntry: TypeAlias = "tuple[ModuleIndex, ast.ClassDef, str | None] | str"


@dataclass(frozen=True)
class RaisingUnapply:
    """The ``unapply`` a migration's class runs, which always raises
    (:meth:`ModuleIndex.raising_unapply`)."""

    cls: ast.ClassDef
    method: ast.FunctionDef
    #: The file of the package that defines the class (None: the migration's own).
    module: str | None


#: Fields that hold only the parser's shared leaves (``Load``, ``Add``, ``In``...): no
#: call, statement or scope, and no child of their own.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops"})
#: Nodes without a child (once the shared leaves are left out): most of a tree's.
_NO_CHILD = frozenset({ast.Name, ast.Constant})
#: The fields of each node type that can hold nodes, worked out on first sight.
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node type that can hold nodes other than the shared leaves."""
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _LEAF_FIELDS)
    return fields


def string_constants(root: ast.AST) -> tuple[str, ...]:
    """The string constants in ``root`` (itself included), in the order of ``ast.walk``
    (breadth first), without its generic generators."""
    found: list[str] = []
    pending = [root]
    for node in pending:
        kind = type(node)
        if kind is ast.Constant:
            value = cast(ast.Constant, node).value
            if isinstance(value, str):
                found.append(value)
            continue
        if kind is ast.Name:
            continue
        for name in child_fields(kind):
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                pending.append(value)
            elif isinstance(value, list):
                pending.extend(item for item in value if isinstance(item, ast.AST))
    return tuple(found)


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes(node)`` as a list, without the shared leaves (``Load``,
    ``Add``...)."""
    children: list[ast.AST] = []
    for name in child_fields(type(node)):
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif isinstance(value, list):
            children.extend(item for item in value if isinstance(item, ast.AST))
    return children


def django_operation(qualified: str) -> str | None:
    """The operation a dotted name is, when it is one of Django's
    (``django.db.migrations.RunPython`` -> ``RunPython``), else None."""
    return _DJANGO_NAMES.get(qualified)


def _single_alias(bindings: list[_Binding]) -> ast.AST | None:
    """The value of a name bound once, by a plain assignment (else None)."""
    if len(bindings) != 1 or bindings[0].kind is not BindingKind.ALIAS:
        return None
    return bindings[0].node


def _c3_merge(orders: list[list[_OrderEntry]]) -> list[_OrderEntry] | None:
    """The C3 merge of method resolution orders (None where Python raises ``TypeError``)."""
    merged: list[_OrderEntry] = []
    pending = [order for order in orders if order]
    while pending:
        for order in pending:
            head = order[0]
            if not any(head in other[1:] for other in pending):
                break
        else:
            return None
        merged.append(head)
        pending = [order[1:] if order[0] == head else order for order in pending]
        pending = [order for order in pending if order]
    return merged


def _always_raises(body: list[ast.stmt]) -> bool:
    """Whether running ``body`` always ends in an exception: it reaches a ``raise`` (or an
    ``if`` whose branches each do) through statements that can only go on to the next
    (assignments, calls, definitions, ``pass``, ``if``s made of those or raising)."""
    for stmt in body:
        if _raises(stmt):
            return True
        if not _goes_on(stmt):
            return False
    return False


def _raises(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.If):
        return _always_raises(stmt.body) and _always_raises(stmt.orelse)
    return isinstance(stmt, ast.Raise)


_GOES_ON = (
    ast.Expr,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.Pass,
    ast.Import,
    ast.ImportFrom,
    ast.Assert,
    ast.Delete,
    ast.Global,
    ast.Nonlocal,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)


def _goes_on(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` goes on to the next statement or raises, never anything else (a
    ``return``, a loop's ``break``, a ``try`` or ``with`` that may swallow the exception)."""
    if isinstance(stmt, ast.If):
        return all(_goes_on(s) or _raises(s) for s in [*stmt.body, *stmt.orelse])
    return isinstance(stmt, _GOES_ON)


def _yields(function: ast.FunctionDef) -> bool:
    """Whether ``function`` is a generator (calling it runs none of its body)."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, SCOPE_NODES):
            pending.extend(ast.iter_child_nodes(node))
    return False


def has_star_args(call: ast.Call) -> bool:
    """Whether the call passes ``*args`` or ``**kwargs`` (its arguments cannot be bound)."""
    return any(isinstance(a, ast.Starred) for a in call.args) or any(
        kw.arg is None for kw in call.keywords
    )


def keyword_argument(call: ast.Call, name: str) -> ast.expr | None:
    """The value of the call's ``name=`` keyword argument, if given."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def bind_arguments(call: ast.Call, operation: str) -> dict[str, ast.expr] | None:
    """A call of ``operation`` with its arguments mapped to the parameter names (None
    with ``*args``/``**kwargs``)."""
    if has_star_args(call):
        return None
    bound = dict(zip(SIGNATURES[operation], call.args, strict=False))
    for kw in call.keywords:
        assert kw.arg is not None
        bound[kw.arg] = kw.value
    return bound


def find_argument(call: ast.Call, operation: str, name: str) -> tuple[int, ast.expr] | None:
    """The argument of a call of ``operation`` for parameter ``name``, given positionally
    or by keyword (positions before a ``*args`` still count), with its source-order index
    among the call's arguments (where an edit puts or replaces it)."""
    position = SIGNATURES[operation].index(name)
    if len(call.args) > position and not any(
        isinstance(a, ast.Starred) for a in call.args[: position + 1]
    ):
        return position, call.args[position]
    for offset, kw in enumerate(call.keywords):
        if kw.arg == name:
            return len(call.args) + offset, kw.value
    return None


def char_column(lines: list[str], line: int, byte_offset: int) -> int:
    """Convert an ``ast`` column (an offset in UTF-8 bytes) to a character column."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if text.isascii():
        return byte_offset
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


_NEWLINE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Physical lines as the tokenizer counts them (not ``str.splitlines``, which also
    breaks on form feeds and other Unicode separators)."""
    return _NEWLINE.split(text) if "\r" in text else text.split("\n")


def line_starts(text: str, lines: list[str] | None = None) -> list[int]:
    """The offset where each of :func:`split_lines`'s lines starts (``lines``: the
    text's, when the caller has them)."""
    if "\r" in text:
        return [0, *(m.end() for m in _NEWLINE.finditer(text))]
    # The same, without a Python step per line (a 50 MB file has a million lines).
    lines = text.split("\n") if lines is None else lines
    return [0, *itertools.accumulate(map((1).__add__, map(len, lines[:-1])))]


def terminal_name(func: ast.expr) -> str | None:
    """``Count`` of ``Count`` and of ``models.Count`` (None for any other callee)."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _candidates(
    text: str,
    tree: ast.Module,
    operations: frozenset[str] = OPERATIONS,
    starts: list[int] | None = None,
    spelled_from: dict[str, set[str]] | None = None,
) -> tuple[frozenset[str], list[int]]:
    """Names a call to one of ``operations`` can be spelled with (their names, plus local
    aliases and subclasses of them, to a fixed point), and the lines they appear on.

    Linear in the size of the file whatever it holds: the aliases come from the module's
    statements (not from a text search that a string of ``class A(`` lines makes
    quadratic), and the fixed point is a graph search, not a text search per round."""
    if spelled_from is None:
        spelled_from = spelled_names(tree)
    names = set(operations)
    pending = list(operations)
    while pending:
        for target in spelled_from.get(pending.pop(), ()):
            if target not in names:
                names.add(target)
                pending.append(target)
    starts = line_starts(text) if starts is None else starts
    if len(names) <= _FIND_LIMIT:  # str.find per name: much faster than any regex
        positions = [p for name in names for p in _whole_words(text, name)]
    else:  # one scan of every word (a regex alternation costs its branches everywhere)
        positions = [m.start() for m in _WORD.finditer(text) if m.group() in names]
    lines = sorted({bisect.bisect_right(starts, position) for position in positions})
    return frozenset(names), lines


_FIND_LIMIT = 16
_WORD = re.compile(r"\w+")


def occurrences(text: str, word: str, limit: int) -> int:
    """How many times ``word`` occurs in ``text`` as a whole word, counted up to ``limit``."""
    return sum(1 for _ in itertools.islice(_whole_words(text, word), limit))


def _whole_words(text: str, word: str) -> Iterator[int]:
    """Where ``word`` occurs in ``text`` as a whole word (as ``\\b`` delimits one)."""
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        if not (start and _is_word(text[start - 1])) and not (
            end < len(text) and _is_word(text[end])
        ):
            yield start
        start = text.find(word, end)


def _bound_nowhere(text: str, names: frozenset[str]) -> bool:
    """Whether the text shows that no statement binds a name to something spelled with one
    of ``names`` (what :func:`_name_bindings` reads): each of their occurrences is followed,
    after spaces, by ``(`` or ``.`` (a call, an attribute), never the last name of an
    alias's value, of a base class or of an ``import ... as``. Only on ASCII text, where a
    name in the tree is spelled as in the text (the parser normalizes others); a newline
    after a name is an answer of its own (``X = migrations.RunSQL`` then ``(...)`` on the
    next line is an alias), so the statements are read then."""
    if not text.isascii():
        return False
    for name in names:
        for start in _whole_words(text, name):
            after = start + len(name)
            while text[after : after + 1] in (" ", "\t"):
                after += 1
            if text[after : after + 1] not in ("(", "."):
                return False
    return True


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def spelled_names(tree: ast.Module) -> dict[str, set[str]]:
    """For each name, the names the module binds to something spelled with it (see
    :func:`_name_bindings`)."""
    spelled_from: dict[str, set[str]] = {}
    for source, target in _name_bindings(tree):
        spelled_from.setdefault(source, set()).add(target)
    return spelled_from


#: The fields that hold a block of statements (or of handlers, of ``case``s).
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
#: Those of each node type, worked out on first sight (most statements have none).
_BLOCK_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _name_bindings(tree: ast.Module) -> Iterator[tuple[str, str]]:
    """``(spelled, bound)`` for each statement that binds a name to something spelled
    with another name: ``bound = x.spelled``, ``class bound(x.spelled)``, ``from x import
    spelled as bound`` (at any depth: statements only, never into expressions)."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        kind = type(node)
        blocks = _BLOCK_FIELDS.get(kind)
        if blocks is None:
            blocks = _BLOCK_FIELDS[kind] = tuple(f for f in _BLOCKS if f in kind._fields)
        for name in blocks:
            pending.extend(getattr(node, name, None) or ())
        if isinstance(node, ast.Assign):
            source = terminal_name(node.value)
            if source is not None:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        yield source, target.id
        elif isinstance(node, ast.AnnAssign):
            source = terminal_name(node.value) if node.value is not None else None
            if source is not None and isinstance(node.target, ast.Name):
                yield source, node.target.id
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                source = terminal_name(base)
                if source is not None:
                    yield source, node.name
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.asname is not None:
                    yield alias.name.rsplit(".", 1)[-1], alias.asname


def _bind_scope(scope: _Scope, node: ast.AST, *, walrus: bool) -> None:
    """A scope's bindings, from its parameters and statements; with ``walrus``, also the
    ``:=`` targets in its expressions (the only binding made inside an expression)."""
    if walrus and not isinstance(node, _COMPREHENSIONS):
        for target in _walrus_targets(node):
            scope.bind(target, _Binding(BindingKind.OTHER))
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        every += [a for a in (args.vararg, args.kwarg) if a is not None]
        for arg in every:
            scope.bind(arg.arg, _Binding(BindingKind.OTHER))
        if not isinstance(node, ast.Lambda):
            _bind_statements(scope, node.body)
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        for generator in node.generators:
            _bind_names(scope, generator.target)
    else:  # a module or a class body
        assert isinstance(node, (ast.Module, ast.ClassDef))
        _bind_statements(scope, node.body)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _walrus_targets(node: ast.AST) -> Iterator[str]:
    """The ``:=`` targets that bind in ``node``'s scope: in its own code, and in its
    comprehensions (a walrus there binds in the enclosing scope), not in nested
    functions, lambdas or classes."""
    pending = list(ast.iter_child_nodes(node))
    while pending:
        child = pending.pop()
        if isinstance(child, ast.NamedExpr) and isinstance(child.target, ast.Name):
            yield child.target.id
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(child))


def _bind_names(scope: _Scope, target: ast.AST) -> None:
    for sub in ast.walk(target):
        if isinstance(sub, ast.Name):
            scope.bind(sub.id, _Binding(BindingKind.OTHER))
        elif isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
            scope.bind(sub.name, _Binding(BindingKind.OTHER))
        elif isinstance(sub, ast.MatchMapping) and sub.rest:
            scope.bind(sub.rest, _Binding(BindingKind.OTHER))


def _bind_statements(scope: _Scope, body: list[ast.stmt]) -> None:
    for stmt in body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    scope.bind(alias.asname, _Binding(BindingKind.IMPORT, alias.name))
                else:
                    top = alias.name.split(".")[0]
                    scope.bind(top, _Binding(BindingKind.IMPORT, top))
        elif isinstance(stmt, ast.ImportFrom):
            module = "." * stmt.level + (stmt.module or "")
            for alias in stmt.names:
                if alias.name == "*":
                    scope.star_imports.append(module)
                    continue
                dotted = f"{module}.{alias.name}" if stmt.level == 0 else LOCAL
                scope.bind(alias.asname or alias.name, _Binding(BindingKind.IMPORT, dotted))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.bind(stmt.name, _Binding(BindingKind.DEF))
        elif isinstance(stmt, ast.ClassDef):
            scope.bind(stmt.name, _Binding(BindingKind.CLASS, node=stmt))
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    scope.bind(target.id, _Binding(BindingKind.ALIAS, node=stmt.value))
                else:
                    _bind_names(scope, target)
        elif isinstance(stmt, ast.AnnAssign):
            if isinstance(stmt.target, ast.Name) and stmt.value is not None:
                scope.bind(stmt.target.id, _Binding(BindingKind.ALIAS, node=stmt.value))
            else:
                _bind_names(scope, stmt.target)
        elif isinstance(stmt, ast.AugAssign):
            _bind_names(scope, stmt.target)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                _bind_names(scope, target)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            _bind_names(scope, stmt.target)
            _bind_statements(scope, stmt.body)
            _bind_statements(scope, stmt.orelse)
        elif isinstance(stmt, (ast.While, ast.If)):
            _bind_statements(scope, stmt.body)
            _bind_statements(scope, stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    _bind_names(scope, item.optional_vars)
            _bind_statements(scope, stmt.body)
        elif isinstance(stmt, _TRY_NODES):
            block = cast(ast.Try, stmt)  # ``try``, or ``try``/``except*`` (same fields)
            _bind_statements(scope, block.body)
            for handler in block.handlers:
                if handler.name:
                    scope.bind(handler.name, _Binding(BindingKind.OTHER))
                _bind_statements(scope, handler.body)
            _bind_statements(scope, block.orelse)
            _bind_statements(scope, block.finalbody)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                _bind_names(scope, case.pattern)
                _bind_statements(scope, case.body)


_TRY_NODES: tuple[type[ast.stmt], ...] = (
    (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)
)
