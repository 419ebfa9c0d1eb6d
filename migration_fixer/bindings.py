"""What the names of a migration module hold, as Django evaluates them (for MF003).

Django reads ``Migration.operations`` after the module has run: a list (or tuple, or ``+``
concatenation of them) whose parts may be names bound in the ``Migration`` class body or
at module level, e.g. ``state_operations = [...]`` above ``operations =
[migrations.SeparateDatabaseAndState(state_operations=state_operations)]``. A name is
looked up as Python does in a class body: the class body's bindings made *before* the
point of use first, then the module's bindings made before the ``class`` statement. The
binding in force at that point is used: a name rebound several times takes the last one
before the use; ``name += [...]`` adds to it.

Nothing is executed, and nothing is guessed: a name bound inside an ``if``/``for``/
``try``/``with`` block, by unpacking, an import or a ``def``, a name changed in place
(``name.append(...)``, ``name[0] = ...``, passed to a function called for its side
effects), or a value that is not a list, tuple or concatenation is :class:`Unknown`, with
the reason.
"""

from __future__ import annotations

import ast
import bisect
import copy
import enum
import functools
import re
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeGuard

from migration_fixer.migration_ast import SCOPE_NODES as _SCOPES
from migration_fixer.migration_ast import line_starts, occurrences

#: How many names a value may go through (``a = b``, ``b = c + d``...) before giving up.
_MAX_DEPTH = 64
#: What in a module's source may change a list in place: a list method called, an item
#: assigned, ``+=``/``*=`` (looked for as strings), a call or a loop that starts a line at
#: the top of the module, of the class body or of a function's body (the text's first
#: line, or after a newline: one pattern with ``^`` would be tried at every character).
_CHANGES = (
    re.compile(r"\.\s*(?:append|extend|insert|remove|pop|clear|sort|reverse|__\w+__)\b"),
    re.compile(r"\]\s*=[^=]"),
    re.compile(r"\n(?:    |\t)?(?:[\w.]+\s*\(|for\b|while\b)"),
)
_CHANGES_FIRST_LINE = re.compile(r"(?:    |\t)?(?:[\w.]+\s*\(|for\b|while\b)")
#: List methods that change the list in place.
_MUTATORS = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse"})


@dataclass(frozen=True)
class Unknown:
    """Why a value cannot be told statically; ``reason`` completes a sentence about the
    value, e.g. "`operations` is `make()`" or "`operations` is `ops`, bound conditionally
    (line 7)"."""

    reason: str


class _Scope(enum.Enum):
    MODULE = "module"
    CLASS = "class"


@dataclass(frozen=True)
class _Env:
    """Where an expression is evaluated: a scope, and the index of the statement (of the
    module's or the class body's) that holds it."""

    scope: _Scope
    index: int


@dataclass(frozen=True)
class _Site:
    """One statement of a scope that binds a name: how (``value`` for ``name = value``,
    ``added`` for ``name += value``; otherwise ``other`` says how it binds it)."""

    index: int
    line: int
    value: ast.expr | None = None
    added: ast.expr | None = None
    other: str = ""


class Bindings:
    """The names of one module, for the expressions of its ``Migration`` class ``cls``."""

    def __init__(self, tree: ast.Module, cls: ast.ClassDef | None, text: str | None = None) -> None:
        self.tree = tree
        self.cls = cls
        #: The module's source (ASCII only: a name is then spelled as the tree has it). A
        #: name it mentions once, where it is bound, is changed nowhere: no walk of the
        #: whole module looks for changes (most migrations: ``operations = [...]``).
        self._text = text if text is not None and text.isascii() else None
        #: The source where a column of the tree is an offset from the start of its line,
        #: and a name of the tree is spelled as it has it (:func:`_source_view`): what
        #: tells which statements may mention a name (most statements do not have to be
        #: walked).
        self._source = _source_view(text)
        self._lines: list[int] | None = None  # where the source's lines start
        self._bodies = {_Scope.MODULE: tree.body, _Scope.CLASS: cls.body if cls else []}
        self._starts_of: dict[_Scope, list[tuple[int, int]]] = {}  # (see :meth:`_starts`)
        self._sites: dict[_Scope, dict[str, list[_Site]]] = {}
        self._changed: dict[_Scope, dict[str, int]] = {}
        #: What calls to the module's functions return (by the call's id: see
        #: :meth:`_returned_literal`).
        self._returned: dict[int, ast.expr | None] = {}
        #: Comprehensions expanded (by id: their copies of the element, or None), and the
        #: copies by the id of the element they copy.
        self._expansions: dict[int, list[ast.expr] | None] = {}
        self._copies: dict[int, list[ast.expr]] = {}
        #: Spans of the functions, lambdas and comprehensions of a statement, by statement.
        self._inner_scopes: dict[int, list[tuple[tuple[int, int], tuple[int, int]]]] = {}
        #: Where each word occurs in the text (:meth:`_positions`), and where the object
        #: each name holds in a scope may first be changed (:meth:`_changed_at`).
        self._words: dict[str, list[int]] = {}
        self._first_changes: dict[tuple[_Scope, str], int | None] = {}

    # -- public ------------------------------------------------------------------------
    def elements(self, expr: ast.expr, what: str) -> list[ast.expr] | Unknown:
        """The elements of the sequence ``expr`` (written in the module) evaluates to;
        ``what`` names it in the reason (e.g. "`state_operations`")."""
        if _literal_of_values(expr):
            # What it says wherever it is (no name to look up): not where it is, which
            # walks its statement (the `fields` of every `CreateModel` the replay applies).
            return list(expr.elts)
        env = self._env_of(expr)
        if env is None:
            # Under an ``if`` (of a variant of the operations), in a function...: a literal
            # list is still what it says; what its names hold is not told here.
            if isinstance(expr, (ast.List, ast.Tuple)) and not any(
                isinstance(e, ast.Starred) for e in expr.elts
            ):
                return list(expr.elts)
            return _dynamic(what, expr)
        return self._elements(expr, env, what, 0)

    def class_attribute(self, name: str) -> list[ast.expr] | Unknown | None:
        """The elements of the sequence the class attribute ``name`` holds once the class
        body has run (None: the class body does not bind it)."""
        if self.cls is None or name not in self._sites_of(_Scope.CLASS):
            return None
        end = _Env(_Scope.CLASS, len(self.cls.body))
        return self._name_elements(name, end, f"`{name}`", 0, follow_module=False)

    def variants(self, name: str) -> list[Variant] | Unknown | None:
        """The values the class attribute ``name`` may hold once the module has run (None:
        the class body does not bind it): one, or one per way through the module's and
        the class body's ``if`` statements that gives a different one (with the branches
        that give it). Lists changed in place in straight-line code (``append``,
        ``extend``, ``insert`` at a literal index, ``+=``) are evaluated in source order."""
        plain = self._plain_literal(name)
        if plain is not None:
            return [Variant(plain)]
        found = self.class_attribute(name)
        if found is None:
            return None
        if not isinstance(found, Unknown) and (
            not self._may_change_lists() or self._fresh_and_untouched(name)
        ):
            return [Variant(found)]
        # Read as Python runs the module: also when a list may be changed in place through
        # another name bound to it (``x = ops``, ``x.append(...)``), which the reading by
        # name does not follow.
        return _Interpreter(self).attribute(name)

    def _plain_literal(self, name: str) -> list[ast.expr] | None:
        """The elements of the class attribute ``name`` when the module is the plainest
        migration, told from the class body alone (None: not told here). A class at the
        top of the module binds ``name = [...]`` (or a tuple) without ``*`` and without a
        name among the elements, the text spells ``name`` nowhere else, and neither the
        module nor the class body has an ``if``: nothing can reach or change that list,
        so it is what reading the module's bindings finds (see :meth:`variants`), without
        the scan of its text and statements that reading costs for each migration of a
        folder."""
        cls = self.cls
        if cls is None or self._source is None:
            return None
        if self._text is not None:  # (ASCII: a search of the text is cheaper)
            if occurrences(self._text, name, 2) != 1:
                return None
        elif len(self._positions(name)) != 1:
            return None
        value = next(
            (
                s.value
                for s in cls.body
                if type(s) is ast.Assign
                and len(s.targets) == 1
                and type(s.targets[0]) is ast.Name
                and s.targets[0].id == name
            ),
            None,
        )
        if not _literal_of_values(value) or not self._one_way_through_class():
            return None
        return list(value.elts)

    def _fresh_and_untouched(self, name: str) -> bool:
        """Whether the class body binds ``name`` once, to a literal list or tuple (without
        ``*``), and mentions it nowhere else, in a module without ``if`` statements (at its
        top and the class body's): then nothing can reach that list after it is made, and
        running the module gives what :meth:`class_attribute` read (a data migration whose
        functions change other lists)."""
        assert self.cls is not None
        sites = self._sites_of(_Scope.CLASS)[name]
        if self._source is None or len(sites) != 1:
            return False
        statement = self.cls.body[sites[0].index]
        if isinstance(statement, ast.Assign) and len(statement.targets) != 1:
            return False  # (``operations = ops = [...]``: changed through ``ops``)
        if not _literal_without_star(sites[0].value) or not self._one_way_through_class():
            return False
        span = self._span(self.cls)
        assert span is not None
        return not self._mentions(name, span, self._targets(self.cls))

    def _one_way_through_class(self) -> bool:
        """Whether the class is a statement at the top of the module, and neither the
        module nor the class body has an ``if``: running them takes one way (more than 16
        ways would be unknown)."""
        cls = self.cls
        assert cls is not None
        kinds = {*map(type, self.tree.body), *map(type, cls.body)}  # (the parser's nodes)
        return ast.If not in kinds and any(s is cls for s in self.tree.body)

    def _may_change_lists(self) -> bool:
        """Whether the module may change a list in place (known from its source: a list
        method called, an item assigned, ``+=``, a call or a loop at the top of the module,
        of the class body or of a function's body)."""
        if self._text is None:
            return True
        text = self._text
        return (
            "+=" in text
            or "*=" in text
            or _CHANGES_FIRST_LINE.match(text) is not None
            or any(pattern.search(text) is not None for pattern in _CHANGES)
        )

    def value(self, expr: ast.expr) -> ast.expr:
        """``expr``, or when it is a name, the expression it is bound to at that point
        (followed through names); the name itself when that cannot be told."""
        if not isinstance(expr, ast.Name):
            return expr  # (before _env_of: most elements are calls, and it walks)
        env = self._env_of(expr)
        for _ in range(_MAX_DEPTH):
            if not isinstance(expr, ast.Name) or env is None:
                break
            found = self._binding(expr.id, env, follow_module=True)
            if not isinstance(found, tuple) or found[0].value is None:
                break
            site, scope = found
            if self._changed_at(scope, expr.id) is not None:
                break
            assert site.value is not None
            expr, env = site.value, _Env(scope, site.index)
        return expr

    def holder(self, node: ast.expr) -> tuple[str, bool]:
        """The statement that holds ``node``, as messages show it (e.g. "`ops = ...`"),
        and whether it is in the class body."""
        env = self._env_of(node)
        if env is None:
            branch = self._branch_of(node)
            if branch is not None:
                return branch
            return "a statement outside the class body and the module's", False
        statement = self._bodies[env.scope][env.index]
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            targets = [statement.target]
        else:
            targets = []
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                return f"`{ast.unparse(statement.value.func)[:40]}(...)`", (
                    env.scope is _Scope.CLASS
                )
        names = " = ".join(ast.unparse(t) for t in targets)
        shown = f"`{names} {'+' if isinstance(statement, ast.AugAssign) else ''}= ...`"
        return (shown if targets else f"`{ast.unparse(statement)[:40]}`"), (
            env.scope is _Scope.CLASS
        )

    def _branch_of(self, node: ast.expr) -> tuple[str, bool] | None:
        """ "under `if ...: ...` (line N)" when ``node`` is in a branch of an ``if`` of the
        class body or the module (outside functions), and whether it is the class's."""
        index = _containing(self._starts(_Scope.MODULE), self.tree.body, node)
        if index is None:
            return None
        scope, statement = _Scope.MODULE, self.tree.body[index]
        if self.cls is not None and statement is self.cls:
            index = _containing(self._starts(_Scope.CLASS), self.cls.body, node)
            if index is None:
                return None
            scope, statement = _Scope.CLASS, self.cls.body[index]
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return f"the function `{statement.name}` (line {statement.lineno})", False
        if not isinstance(statement, ast.If):
            return None
        if any(
            isinstance(n, _SCOPES) and _start(n) <= _start(node) and _end(node) <= _end(n)
            for n in ast.walk(statement)
        ):
            return None
        return f"under `{_summary(statement)}` (line {statement.lineno})", scope is _Scope.CLASS

    # -- resolution --------------------------------------------------------------------
    def _elements(
        self, expr: ast.expr, env: _Env, what: str, depth: int
    ) -> list[ast.expr] | Unknown:
        if depth > _MAX_DEPTH:
            return Unknown(f"{what} goes through too many names")
        if isinstance(expr, (ast.List, ast.Tuple)):
            found: list[ast.expr] = []
            for element in expr.elts:
                if not isinstance(element, ast.Starred):
                    found.append(self._element(element))
                    continue
                # ``*[...]``, ``*(...)``, ``*name``, ``*[x for x in (...)]``: its elements.
                inner = self._elements(element.value, env, what, depth + 1)
                if isinstance(inner, Unknown):
                    return _dynamic(what, expr)
                found.extend(inner)
            return found
        if isinstance(expr, ast.ListComp):
            expanded = self._expanded(expr, env)
            return _dynamic(what, expr) if expanded is None else expanded
        if isinstance(expr, ast.Call):
            returned = self._returned_literal(expr, env)
            if returned is not None:
                built = self._elements(returned, self._module_env(env), what, depth + 1)
                return _dynamic(what, expr) if isinstance(built, Unknown) else built
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = self._elements(expr.left, env, what, depth + 1)
            if isinstance(left, Unknown):
                return left
            right = self._elements(expr.right, env, what, depth + 1)
            return right if isinstance(right, Unknown) else left + right
        if isinstance(expr, ast.Name):
            return self._name_elements(expr.id, env, what, depth, follow_module=True)
        return _dynamic(what, expr)

    def _expanded(self, comprehension: ast.ListComp, env: _Env) -> list[ast.expr] | None:
        """The elements of ``[f(x, y) for x in (...) for y in (...)]`` whose iterables
        are literal lists or tuples of constants (or names bound to one), without ``if``:
        one copy of the element per value, the names replaced by the values (None: not
        such a comprehension). The copies are made once: the same ones on every call."""
        if id(comprehension) in self._expansions:
            return self._expansions[id(comprehension)]
        module = self._module_env(env)

        def constant(name: ast.Name) -> ast.expr | None:
            # A free name of the element is the module's (a comprehension does not see
            # the class body): followed when it holds a constant.
            value = self.value_at(name, module)
            return value if isinstance(value, ast.Constant) else None

        expanded = _expand(comprehension, lambda node: self._literal_values(node, env), constant)
        self._expansions[id(comprehension)] = expanded
        if expanded is not None:
            self._copies[id(comprehension.elt)] = expanded
        return expanded

    def copies_of(self, node: ast.expr) -> list[ast.expr] | None:
        """The copies of ``node`` a comprehension gives, once its elements were asked for
        (None: ``node`` is not the element of such a comprehension)."""
        return self._copies.get(id(node))

    def _literal_values(self, node: ast.expr, env: _Env) -> list[ast.expr] | None:
        """The constants (or tuples of constants) a comprehension iterates over: a literal
        list or tuple, or a name bound to a tuple (a list bound to a name may be changed
        through another name)."""
        if isinstance(node, ast.Name):
            node = self.value_at(node, env)
            if not isinstance(node, ast.Tuple):
                return None
        if not isinstance(node, (ast.List, ast.Tuple)):
            return None
        if all(_constant(e) for e in node.elts):
            return list(node.elts)
        return None

    def value_at(self, name: ast.Name, env: _Env) -> ast.expr:
        """What ``name`` holds at ``env`` when it is bound plainly and never changed."""
        found = self._binding(name.id, env, follow_module=True)
        if not isinstance(found, tuple) or found[0].value is None:
            return name
        site, scope = found
        if self._changed_at(scope, name.id) is not None:
            return name
        assert site.value is not None
        return site.value

    def _returned_literal(self, call: ast.Call, env: _Env) -> ast.expr | None:
        """What a call to a module function returns, when the function takes no arguments
        and only returns a literal list or tuple (``def _base_fields(): return [...]``), or
        first binds local names to literal lists that its ``return`` adds or hands to a
        Django operation (``database_operations = [...]``, ``state_operations = [...]``,
        ``return database_operations + [SeparateDatabaseAndState(state_operations=...)]``):
        each call makes it anew (None: not such a call). With local names, the returned
        expression is a copy with them replaced, made once per call."""
        if id(call) in self._returned:
            return self._returned[id(call)]
        found = self._returned_by(call, env)
        self._returned[id(call)] = found
        return found

    def _returned_by(self, call: ast.Call, env: _Env) -> ast.expr | None:
        if not isinstance(call.func, ast.Name) or call.args or call.keywords:
            return None
        name, module = call.func.id, self._module_env(env)
        if env.scope is _Scope.CLASS and name in self._sites_of(_Scope.CLASS):
            return None  # (bound in the class body: a function there is not this one)
        sites = [s for s in self._sites_of(_Scope.MODULE).get(name, []) if s.index < module.index]
        if not sites:
            return None
        function = self.tree.body[sites[-1].index]
        if not (
            isinstance(function, ast.FunctionDef)
            and function.name == name
            and not function.decorator_list
            and _no_arguments(function.args)
        ):
            return None
        body = function.body[1:] if _docstring(function.body[0]) else function.body
        if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
            return None
        value = body[-1].value
        local: dict[str, ast.expr] = {}
        for statement in body[:-1]:
            if not (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and statement.targets[0].id not in local
                and isinstance(statement.value, (ast.List, ast.Tuple))
                and not any(
                    isinstance(n, ast.Name) and n.id in local for n in ast.walk(statement.value)
                )
            ):
                return None
            local[statement.targets[0].id] = statement.value
        if not local:
            return value if isinstance(value, (ast.List, ast.Tuple, ast.ListComp)) else None
        if not isinstance(value, (ast.List, ast.Tuple, ast.BinOp)) or not _only_read(value, local):
            return None
        copies: dict[int, ast.expr] = {}
        returned = _substituted(value, local, copies)
        for original, copied in copies.items():
            self._copies.setdefault(original, []).append(copied)
        return returned

    def _module_env(self, env: _Env) -> _Env:
        """Where the module's names are read from ``env`` (a function's globals)."""
        if env.scope is _Scope.MODULE:
            return env
        index = next(i for i, s in enumerate(self.tree.body) if s is self.cls)
        return _Env(_Scope.MODULE, index)

    def _name_elements(
        self, name: str, env: _Env, what: str, depth: int, *, follow_module: bool
    ) -> list[ast.expr] | Unknown:
        shown = what if what == f"`{name}`" else f"{what} is `{name}`,"
        found = self._binding(name, env, follow_module=follow_module)
        if found is None:
            return Unknown(f"{shown} not bound before line {self._line(env)}")
        if isinstance(found, Unknown):
            return Unknown(f"{shown} {found.reason}")
        site, scope = found
        changed = self._changed_at(scope, name)
        if changed is not None:
            return Unknown(f"{shown} changed in place (line {changed})")
        site_env = _Env(scope, site.index)
        if site.added is not None:
            # ``name += value``: what ``name`` was just before, then ``value``.
            before = self._name_elements(name, site_env, what, depth + 1, follow_module=False)
            if isinstance(before, Unknown):
                return before
            added = self._elements(site.added, site_env, what, depth + 1)
            return added if isinstance(added, Unknown) else before + added
        assert site.value is not None
        return self._elements(site.value, site_env, what, depth + 1)

    def _element(self, element: ast.expr) -> ast.expr:
        """An element of a sequence; a name is followed to the operation call it holds."""
        if not isinstance(element, ast.Name):
            return element
        resolved = self.value(element)
        return resolved if isinstance(resolved, ast.Call) else element

    def _binding(
        self, name: str, env: _Env, *, follow_module: bool
    ) -> tuple[_Site, _Scope] | Unknown | None:
        """The binding of ``name`` in force just before the statement ``env`` (None: not
        bound), in its scope and then, from a class body, at module level."""
        sites = self._sites_of(env.scope).get(name, [])
        position = bisect.bisect_left([s.index for s in sites], env.index)
        if position:
            site = sites[position - 1]
            if site.other:
                return Unknown(f"{site.other} (line {site.line})")
            if site.added is not None and position == 1 and env.scope is _Scope.CLASS:
                # ``name += x`` in a class body: Python reads ``name`` at module level.
                return Unknown(f"added to before the class binds it (line {site.line})")
            return site, env.scope
        if env.scope is _Scope.CLASS and follow_module:
            assert self.cls is not None
            index = next(i for i, s in enumerate(self.tree.body) if s is self.cls)
            return self._binding(name, _Env(_Scope.MODULE, index), follow_module=False)
        return None

    def _line(self, env: _Env) -> int:
        return self._bodies[env.scope][env.index].lineno

    # -- where an expression is --------------------------------------------------------
    def _starts(self, scope: _Scope) -> list[tuple[int, int]]:
        """Where the statements of ``scope`` start (found when first needed: most modules
        are only asked for their operations)."""
        if scope not in self._starts_of:
            self._starts_of[scope] = [_start(s) for s in self._bodies[scope]]
        return self._starts_of[scope]

    def _env_of(self, node: ast.expr) -> _Env | None:
        """The statement of the module or of the class body that holds ``node`` (None
        when it is inside a function, a comprehension or a compound statement, where
        names are not the class's or the module's as of that statement)."""
        index = _containing(self._starts(_Scope.MODULE), self.tree.body, node)
        if index is None:
            return None
        scope = _Scope.MODULE
        if self.cls is not None and self.tree.body[index] is self.cls:
            index = _containing(self._starts(_Scope.CLASS), self.cls.body, node)
            if index is None:
                return None
            scope = _Scope.CLASS
        statement = self._bodies[scope][index]
        if not isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)):
            return None
        spans = self._inner_scopes.get(id(statement))
        if spans is None:
            spans = [(_start(n), _end(n)) for n in self._scopes_within(statement)]
            self._inner_scopes[id(statement)] = spans
        start, end = _start(node), _end(node)
        # (A comprehension itself is where its first iterable is read: not inside itself.)
        if any(
            first <= start and end <= last and (first, last) != (start, end)
            for first, last in spans
        ):
            return None
        return _Env(scope, index)

    def _scopes_within(self, statement: ast.stmt) -> list[ast.AST]:
        """The lambdas and comprehensions of ``statement`` (an assignment or an expression:
        no ``def`` or ``class`` inside). When the module's source is known, the walk goes
        only into the parts whose source has the word ``lambda`` or ``for`` (each of these
        has one), not over a whole ``operations`` list; it goes into an f-string whole
        (before Python 3.12, the places of the nodes inside one are not always right)."""
        if self._source is None:
            return [n for n in ast.walk(statement) if isinstance(n, _SCOPES)]
        found: list[ast.AST] = []
        pending: list[ast.AST] = [statement]
        while pending:
            node = pending.pop()
            if isinstance(node, _SCOPES):
                found.append(node)
            if isinstance(node, ast.JoinedStr):
                found.extend(n for n in ast.walk(node) if isinstance(n, _SCOPES))
                continue
            for child in ast.iter_child_nodes(node):
                span = self._span(child)
                if span is None or self._mentions("lambda", span) or self._mentions("for", span):
                    pending.append(child)
        return found

    # -- the module's source (ASCII: a column is an offset in its line) ------------------
    def _offset(self, line: int, column: int) -> int:
        """The offset in the text of ``column`` of ``line``."""
        if self._lines is None:
            assert self._source is not None
            self._lines = line_starts(self._source)
        return self._lines[line - 1] + column

    def _span(self, node: ast.AST) -> tuple[int, int] | None:
        """Where the source of ``node`` starts and ends in the text, its decorators
        included (None: the text is not known, or the node has no place, e.g. an
        ``ast.comprehension``)."""
        end_line: int | None = getattr(node, "end_lineno", None)
        if self._source is None or end_line is None:
            return None
        first = node
        decorators: list[ast.expr] | None = getattr(node, "decorator_list", None)
        if decorators:
            first = decorators[0]
        start = self._offset(getattr(first, "lineno", 0), getattr(first, "col_offset", 0))
        return start, self._offset(end_line, getattr(node, "end_col_offset", 0))

    def _positions(self, word: str) -> list[int]:
        """Where ``word`` occurs in the text as a whole word (in strings and comments too:
        a node that holds a name, a keyword or an attribute has it in its source)."""
        found = self._words.get(word)
        if found is None:
            assert self._source is not None
            found = []
            if word in self._source:  # (most words asked are not there: a scan saved)
                source = self._source
                found = [
                    start
                    for m in _word_ending(word).finditer(source)
                    if not ((start := m.start()) and source[start - 1] in _WORD_CHARACTERS)
                ]
            self._words[word] = found
        return found

    def _mentions(
        self, word: str, span: tuple[int, int], beside: frozenset[int] = frozenset()
    ) -> bool:
        """Whether ``word`` occurs in the text within ``span``, elsewhere than at the
        offsets ``beside``."""
        positions = self._positions(word)
        index = bisect.bisect_left(positions, span[0])
        while index < len(positions) and positions[index] < span[1]:
            if positions[index] not in beside:
                return True
            index += 1
        return False

    def _targets(self, statement: ast.stmt) -> frozenset[int]:
        """The offsets of the names an assignment binds (``name = ...``, ``name += ...``),
        or for a class, the assignments of its body: where a statement mentions a name
        without reading or changing it (nor its functions)."""
        if isinstance(statement, ast.ClassDef):
            return frozenset(o for s in statement.body for o in self._targets(s))
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            targets = [statement.target]
        else:
            return frozenset()
        return frozenset(
            self._offset(t.lineno, t.col_offset) for t in targets if isinstance(t, ast.Name)
        )

    def _may_hold_function_using(self, name: str, nodes: list[ast.stmt]) -> bool:
        """Whether a function or lambda among ``nodes`` (statements of one scope) may
        mention ``name``: not unless one of them has the word ``def`` or ``lambda`` and
        ``name`` elsewhere than where it binds it (True when the text is not known)."""
        if self._source is None:
            return True
        for statement in nodes:
            span = self._span(statement)
            assert span is not None
            if self._mentions(name, span, self._targets(statement)) and (
                self._mentions("def", span) or self._mentions("lambda", span)
            ):
                return True
        return False

    def _may_declare_global(self) -> bool:
        """Whether a function of the module may have a ``global`` statement."""
        return self._source is None or bool(self._positions("global"))

    # -- what binds and what changes names (worked out once per module, when needed) -------
    def _sites_of(self, scope: _Scope) -> dict[str, list[_Site]]:
        if scope not in self._sites:
            self._sites[scope] = _scope_sites(self._bodies[scope], self._may_declare_global())
        return self._sites[scope]

    def _changed_at(self, scope: _Scope, name: str) -> int | None:
        """The first line where the object ``name`` holds in ``scope`` may be changed in
        place (None: nowhere). Asked only of a bound name, whose binding mentions it once:
        a change mentions it again."""
        if self._source is None:
            return self._changes(scope).get(name)
        if self._text is not None and occurrences(self._text, name, 2) < 2:
            return None
        if (scope, name) not in self._first_changes:
            # Only the statements that mention the name elsewhere than where they bind it
            # are walked (not an ``operations = [...]`` list, whose name is its target).
            lines: list[int] = []
            for statement in self._bodies[scope]:
                span = self._span(statement)
                assert span is not None
                if self._mentions(name, span, self._targets(statement)):
                    lines.extend(self._lines_changing(statement, name, scope is _Scope.MODULE))
            self._first_changes[(scope, name)] = min(lines, default=None)
        return self._first_changes[(scope, name)]

    def _lines_changing(self, statement: ast.stmt, name: str, into_functions: bool) -> list[int]:
        """Where ``statement`` may change the object ``name`` holds in place (as
        :func:`_changed_in_place` finds it): the walk goes only into the parts whose
        source mentions the name (a change does), into an f-string whole (see
        :meth:`_scopes_within`)."""
        lines: list[int] = []
        pending: list[tuple[ast.AST, frozenset[str], bool]] = [(statement, frozenset(), True)]
        while pending:
            node, own, pruned = pending.pop()
            if isinstance(node, _SCOPES):
                if not into_functions:
                    continue
                own = own | _locals(node)
            if name not in own:
                lines.extend(line for changed, line in _changes_by(node) if changed == name)
            pruned = pruned and not isinstance(node, ast.JoinedStr)
            for child in ast.iter_child_nodes(node):
                span = self._span(child) if pruned else None
                if span is None or self._mentions(name, span):
                    pending.append((child, own, pruned))
        return lines

    def _changes(self, scope: _Scope) -> dict[str, int]:
        """The names of ``scope`` whose object may be changed in place, with where."""
        changes = self._changed.get(scope)
        if changes is None:
            changes = {}
            found = _changed_in_place(self._bodies[scope], into_functions=scope is _Scope.MODULE)
            for name, line in sorted(found, key=lambda change: change[1]):
                changes.setdefault(name, line)
            self._changed[scope] = changes
        return changes


#: How many copies a comprehension may make before it is left unknown.
_MAX_COPIES = 256


def _constant(node: ast.expr) -> bool:
    if isinstance(node, ast.Tuple):
        return all(_constant(e) for e in node.elts)
    return isinstance(node, ast.Constant)


def _docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _no_arguments(arguments: ast.arguments) -> bool:
    return not (
        arguments.posonlyargs
        or arguments.args
        or arguments.vararg
        or arguments.kwonlyargs
        or arguments.kwarg
    )


def _expand(
    comprehension: ast.ListComp,
    values_of: Callable[[ast.expr], list[ast.expr] | None],
    constant: Callable[[ast.Name], ast.expr | None],
) -> list[ast.expr] | None:
    """The copies of the element of ``comprehension``, one per combination of the values
    its ``for`` clauses go over (``values_of`` gives them from an iterable, or None) that
    its ``if`` clauses keep (comparisons of constants only); other names of the element
    that hold a constant (``constant``) replaced too."""
    if any(isinstance(n, _SCOPES) for n in ast.walk(comprehension.elt)):
        return None  # (a name inside may be another scope's)
    combinations: list[dict[str, ast.expr]] = [{}]
    for generator in comprehension.generators:
        values = values_of(generator.iter)
        if generator.is_async or values is None:
            return None
        following = []
        for bound in combinations:
            for value in values:
                names = _unpacked(generator.target, value)
                if names is None:
                    return None
                names = {**bound, **names}
                kept = [_compared(_substituted(test, names)) for test in generator.ifs]
                if None in kept:
                    return None
                if all(kept):
                    following.append(names)
        combinations = following
        if len(combinations) > _MAX_COPIES:
            return None
    targets = {name for g in comprehension.generators for name in _stored(g.target)}
    free = {
        n.id: held
        for n in ast.walk(comprehension.elt)
        if isinstance(n, ast.Name) and n.id not in targets and (held := constant(n)) is not None
    }
    return [_substituted(comprehension.elt, {**free, **bound}) for bound in combinations]


_COMPARISONS: dict[type[ast.cmpop], Callable[[object, object], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.In: lambda a, b: a in b,  # type: ignore[operator]
    ast.NotIn: lambda a, b: a not in b,  # type: ignore[operator]
}


def _compared(test: ast.expr) -> bool | None:
    """The truth of ``a == b``, ``!=``, ``in``, ``not in`` between constants (None: not
    such a test)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    compare = _COMPARISONS.get(type(test.ops[0]))
    operands = [test.left, test.comparators[0]]
    if compare is None or not all(_constant(o) or _constants(o) for o in operands):
        return None
    left, right = (ast.literal_eval(o) for o in operands)
    return compare(left, right)


def _constants(node: ast.expr) -> bool:
    return isinstance(node, ast.List) and all(_constant(e) for e in node.elts)


def _unpacked(target: ast.expr, value: ast.expr) -> dict[str, ast.expr] | None:
    """``target = value`` for a name or a tuple of names (None: something else)."""
    if isinstance(target, ast.Name):
        return {target.id: value}
    if not (
        isinstance(target, ast.Tuple)
        and isinstance(value, ast.Tuple)
        and len(target.elts) == len(value.elts)
    ):
        return None
    names: dict[str, ast.expr] = {}
    for inner_target, inner_value in zip(target.elts, value.elts, strict=True):
        inner = _unpacked(inner_target, inner_value)
        if inner is None:
            return None
        names.update(inner)
    return names


class _Substitute(ast.NodeTransformer):
    def __init__(self, bound: dict[str, ast.expr], copies: dict[int, ast.expr] | None) -> None:
        self.bound = bound
        self.copies = copies

    def visit_Name(self, node: ast.Name) -> ast.expr:
        value = self.bound.get(node.id)
        if value is None or not isinstance(node.ctx, ast.Load):
            return node
        copied = copy.deepcopy(value)
        if self.copies is not None:
            self.copies.update(_pairs(value, copied))
        return ast.copy_location(copied, node)


def _pairs(original: ast.AST, copied: ast.AST) -> Iterator[tuple[int, ast.expr]]:
    """Each expression of ``original`` (by id) with its counterpart in ``copied``, a
    copy of it."""
    for a, b in zip(ast.walk(original), ast.walk(copied), strict=True):
        if isinstance(b, ast.expr):
            yield id(a), b


def _substituted(
    element: ast.expr, bound: dict[str, ast.expr], copies: dict[int, ast.expr] | None = None
) -> ast.expr:
    """A copy of ``element`` (at its place in the source) with the names ``bound`` replaced
    by their values; with ``copies``, each expression of ``element`` and of the values
    copied is recorded there with its copy (by the original's id)."""
    copied = copy.deepcopy(element)
    if copies is not None:
        copies.update(_pairs(element, copied))
    result = _Substitute(bound, copies).visit(copied)
    assert isinstance(result, ast.expr)
    return result


def _only_read(value: ast.expr, local: dict[str, ast.expr]) -> bool:
    """Whether ``value`` uses the ``local`` names only as operands of ``+``, elements, or
    arguments given by keyword to a Django operation (``migrations.X(...)``): nothing
    there can change them before they are read."""
    parents = {id(child): node for node in ast.walk(value) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(value):
        if not (isinstance(node, ast.Name) and node.id in local):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.keyword):
            call = parents.get(id(parent))
            if not (
                isinstance(call, ast.Call) and ast.unparse(call.func).startswith("migrations.")
            ):
                return False
        elif not isinstance(parent, (ast.BinOp, ast.List, ast.Tuple, ast.Starred, type(None))):
            return False
    return True


def _literal_without_star(value: ast.expr | None) -> TypeGuard[ast.List | ast.Tuple]:
    """Whether ``value`` is a list or tuple display without ``*`` among its elements."""
    return isinstance(value, (ast.List, ast.Tuple)) and not any(
        isinstance(e, ast.Starred) for e in value.elts
    )


def _literal_of_values(value: ast.expr | None) -> TypeGuard[ast.List | ast.Tuple]:
    """Whether ``value`` is a list or tuple display whose elements say what they are
    wherever it stands: no ``*`` and no name among them (nothing to look up)."""
    return isinstance(value, (ast.List, ast.Tuple)) and not any(
        isinstance(e, (ast.Starred, ast.Name)) for e in value.elts
    )


def _source_view(text: str | None) -> str | None:
    """``text`` with each character of its UTF-8 encoding a character (the tree's columns
    count these), when every name of the tree is spelled there as the tree has it: always
    when the text is ASCII; otherwise unless a character of the text may be read as an
    ASCII one in a name (Python normalizes names: ``ﬁ`` is ``fi``). None: no such text."""
    if text is None or text.isascii():
        return text
    others = {c for c in set(text) if not c.isascii()}
    if any(any(c.isascii() for c in unicodedata.normalize("NFKC", o)) for o in others):
        return None
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


@functools.lru_cache(maxsize=1024)
def _word_ending(word: str) -> re.Pattern[str]:
    """``word`` where a word ends (its start is checked apart: a pattern that starts with
    a look behind is searched for a character at a time, ten times slower)."""
    return re.compile(rf"{re.escape(word)}(?![0-9A-Za-z_])")


#: What continues a word (of an ASCII text, as :func:`occurrences` delimits one).
_WORD_CHARACTERS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")


def _dynamic(what: str, expr: ast.expr) -> Unknown:
    return Unknown(f"{what} is `{ast.unparse(expr)[:60]}`")


def _start(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


def _end(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0


def _containing(starts: list[tuple[int, int]], body: list[ast.stmt], node: ast.AST) -> int | None:
    """The index of the statement of ``body`` (starting at ``starts``) that holds
    ``node``."""
    position = bisect.bisect_right(starts, _start(node)) - 1
    if position < 0 or _end(body[position]) < _end(node):
        return None
    return position


def _scope_sites(body: list[ast.stmt], may_declare_global: bool) -> dict[str, list[_Site]]:
    """Every statement of ``body`` that binds a name, by name, in order (see
    :func:`_bound_names` for ``may_declare_global``)."""
    sites: dict[str, list[_Site]] = {}
    for index, statement in enumerate(body):
        line = statement.lineno
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    sites.setdefault(target.id, []).append(_Site(index, line, statement.value))
                else:
                    for name in _stored(target):
                        sites.setdefault(name, []).append(
                            _Site(index, line, other="bound by unpacking")
                        )
        elif isinstance(statement, ast.AnnAssign):
            if isinstance(statement.target, ast.Name) and statement.value is not None:
                sites.setdefault(statement.target.id, []).append(
                    _Site(index, line, statement.value)
                )
        elif isinstance(statement, ast.AugAssign):
            if isinstance(statement.target, ast.Name):
                name = statement.target.id
                if isinstance(statement.op, ast.Add):
                    site = _Site(index, line, added=statement.value)
                else:
                    site = _Site(index, line, other=f"changed by `{name} {_op(statement.op)}= ...`")
                sites.setdefault(name, []).append(site)
        else:
            how = _how(statement)
            for name in _bound_names(statement, may_declare_global):
                sites.setdefault(name, []).append(_Site(index, line, other=how))
    return sites


def _op(op: ast.operator) -> str:
    return _OPERATORS[type(op)]


_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.MatMult: "@",
    ast.Div: "/",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.FloorDiv: "//",
}


def _how(statement: ast.stmt) -> str:
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return "bound by an import"
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return f"bound by `{'class' if isinstance(statement, ast.ClassDef) else 'def'}`"
    if isinstance(statement, ast.Delete):
        return "deleted by `del`"
    return "bound conditionally"


def _stored(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node.id


def _bound_names(statement: ast.stmt, may_declare_global: bool = True) -> Iterator[str]:
    """The names a statement other than an assignment binds in its scope (in its blocks
    too; not in the functions and classes it defines, apart from their names, and the
    names they declare ``global``: not looked for when ``may_declare_global`` is False,
    the module's source not having the word)."""
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
            pending.extend(node.decorator_list)
            # ``global name`` in a function: calling it may rebind the module's name.
            for inner in ast.walk(node) if may_declare_global else ():
                if isinstance(inner, ast.Global):
                    yield from inner.names
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                yield alias.asname or alias.name.split(".")[0]
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node.id
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            yield node.name
        elif isinstance(node, ast.MatchMapping) and node.rest:
            yield node.rest
        pending.extend(ast.iter_child_nodes(node))


def _changed_in_place(nodes: list[ast.stmt], *, into_functions: bool) -> Iterator[tuple[str, int]]:
    """Names whose object ``nodes`` may change in place: a list method that changes it
    (``name.append(...)``), an item or slice assigned or deleted, or the name passed to a
    call whose result is thrown away (a call made for its effects). With
    ``into_functions``, also in the functions they define, where the name is not one of
    the function's own (a module's names); otherwise not (a class body's names are not
    seen from its functions)."""
    pending: list[tuple[ast.AST, frozenset[str]]] = [(node, frozenset()) for node in nodes]
    while pending:
        node, own = pending.pop()
        if isinstance(node, _SCOPES):
            if not into_functions:
                continue
            own = own | _locals(node)
        for name, line in _changes_by(node):
            if name not in own:
                yield name, line
        pending.extend((child, own) for child in ast.iter_child_nodes(node))


def _changes_by(node: ast.AST) -> Iterator[tuple[str, int]]:
    """The names ``node`` itself may change in place (see :func:`_changed_in_place`)."""
    method = isinstance(node, ast.Attribute) and (
        node.attr in _MUTATORS or node.attr.startswith("__")
    )
    item = isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del))
    if (method or item) and isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node.value, ast.Name):
            yield node.value.id, node.lineno
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        call = node.value
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            if isinstance(argument, ast.Starred):
                argument = argument.value
            if isinstance(argument, ast.Name):
                yield argument.id, node.lineno


def _locals(scope: ast.AST) -> frozenset[str]:
    """The names a function, lambda, class or comprehension binds for itself."""
    names: set[str] = set()
    declared: set[str] = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        arguments = scope.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        names.update(a.arg for a in every)
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        if not isinstance(node, _SCOPES):
            pending.extend(ast.iter_child_nodes(node))
    return frozenset(names - declared)


# -- several ways through the module: ``if`` statements and lists changed in place ----------

#: How many ways through the module's and the class body's ``if`` statements are followed.
MAX_VARIANTS = 16
#: The list methods whose effect is evaluated (others make the list unknown).
_EVALUATED = frozenset({"append", "extend", "insert"})


@dataclass(frozen=True)
class Variant:
    """One value a class attribute may hold once the module has run, and the branches of
    the ``if`` statements that give it: ``(line, taken)`` pairs, outermost first (empty
    when every way through the module gives this value)."""

    elements: list[ast.expr]
    branches: tuple[tuple[int, bool], ...] = ()


class _List:
    """A list object (shared by the names bound to it); ``unknown`` says why its elements
    cannot be told once something may have changed it, through the name ``via``."""

    __slots__ = ("elements", "unknown", "via")

    def __init__(self, elements: list[ast.expr], unknown: str = "", via: str = "") -> None:
        self.elements = elements
        self.unknown = unknown
        self.via = via

    def spoil(self, via: str, why: str) -> None:
        """From here on, the elements cannot be told (the first reason is kept)."""
        if not self.unknown:
            self.unknown, self.via = why, via

    def why(self, name: str) -> str:
        """Why the elements cannot be told, completing a sentence about ``name``."""
        return self.unknown if name == self.via else f"is `{self.via}`, {self.unknown}"


@dataclass(frozen=True)
class _Tuple:
    elements: tuple[ast.expr, ...]


#: A value: a list object, a tuple, or why it cannot be told (a phrase completing the
#: name, e.g. "is `make()`", "bound by an import (line 1)").
_Value = _List | _Tuple | Unknown


@dataclass
class _Run:
    """One way through the module so far: the names of the module and of the class body."""

    module: dict[str, _Value]
    cls: dict[str, _Value] | None
    branches: tuple[tuple[int, bool], ...] = ()

    def fork(self, branch: tuple[int, bool]) -> _Run:
        """A copy whose list objects are new ones, shared as they were shared."""
        copies: dict[int, _List] = {}

        def copy(value: _Value) -> _Value:
            if not isinstance(value, _List):
                return value
            if id(value) not in copies:
                copies[id(value)] = _List(list(value.elements), value.unknown, value.via)
            return copies[id(value)]

        module = {name: copy(value) for name, value in self.module.items()}
        cls = None if self.cls is None else {n: copy(v) for n, v in self.cls.items()}
        return _Run(module, cls, (*self.branches, branch))

    def signature(self) -> tuple[object, ...]:
        """What the names hold, lists compared by their elements and by which names share
        them: two runs with the same signature go on the same way."""
        objects: dict[int, int] = {}
        shown: list[object] = []
        for scope, names in (("module", self.module), ("class", self.cls or {})):
            for name in sorted(names):
                value = names[name]
                if isinstance(value, _List):
                    number = objects.setdefault(id(value), len(objects))
                    elements = tuple(id(e) for e in value.elements)
                    shown.append((scope, name, number, elements, value.unknown, value.via))
                elif isinstance(value, _Tuple):
                    shown.append((scope, name, tuple(id(e) for e in value.elements)))
                else:
                    shown.append((scope, name, value.reason))
        return (self.cls is None, *shown)


class _TooManyWays(Exception):
    pass


class _Interpreter:
    """Runs the module's statements in source order over lists and tuples, as Python
    would: ``name = [...]``, ``+`` and ``+=``, ``name.append(x)``, ``name.extend([...])``,
    ``name.insert(<int>, x)``, each branch of an ``if`` (the ways through are followed
    apart, merged where they end up the same). Anything else that binds a name makes it
    unknown, and a list used in any other way (passed to a call, a method, indexed, read
    by a loop or a function) is unknown from there on: it may have been changed."""

    def __init__(self, bindings: Bindings) -> None:
        self.bindings = bindings
        assert bindings.cls is not None
        self.cls = bindings.cls
        #: Names a function or lambda of the module may change when it is called (any
        #: time, so from the start): module names it mentions and does not bind for
        #: itself, with the line of the first; and the attributes of a name that the
        #: methods of the class mention (``self.operations = ...`` in ``__init__``).
        #: Found when first needed (:meth:`_deferred`, :meth:`_attributes`).
        self._found: tuple[dict[str, int], dict[str, int]] | None = None
        #: The names each statement (or part of one) reads, by its id (:meth:`_loads`).
        self._read_names: dict[int, tuple[ast.AST, list[ast.Name]]] = {}
        self._may_declare_global = bindings._may_declare_global()

    def _functions_use(self) -> tuple[dict[str, int], dict[str, int]]:
        """The names the module's functions may change, and the attributes the class's
        methods may change (see :meth:`__init__`), found once: a walk of the module."""
        if self._found is None:
            deferred: dict[str, int] = {}
            attributes: dict[str, int] = {}
            functions, methods = _functions(self.bindings.tree, self.cls)
            for function in functions:
                own = _locals(function)
                for inner in ast.walk(function):
                    if isinstance(inner, ast.Name) and inner.id not in own:
                        deferred.setdefault(inner.id, function.lineno)
            for function in methods:
                for attribute in _changed_attributes(function):
                    attributes.setdefault(attribute, function.lineno)
            self._found = deferred, attributes
        return self._found

    def _deferred(self, name: str) -> int | None:
        """The line of the first function that may change the module's ``name`` (None:
        none). The module's functions are walked only when a statement that may hold one
        mentions the name (most modules bind no list of their own)."""
        if not self.bindings._may_hold_function_using(name, self.bindings.tree.body):
            return None
        return self._functions_use()[0].get(name)

    def _attribute_changed(self, name: str) -> int | None:
        """The line of the first method of the class that may change its attribute
        ``name`` (None: none); looked for only when the class may have one that mentions
        it (not where the class body binds it)."""
        if not self.bindings._may_hold_function_using(name, [self.cls]):
            return None
        return self._functions_use()[1].get(name)

    def attribute(self, name: str) -> list[Variant] | Unknown | None:
        line = self._attribute_changed(name)
        if line is not None:
            return Unknown(f"`{name}` may be changed by the function at line {line}")
        try:
            runs = self._body(self.bindings.tree.body, [_Run({}, None)], _Scope.MODULE)
        except _TooManyWays:
            return Unknown(
                f"`{name}` depends on more than {MAX_VARIANTS} ways through the "
                "module's `if` statements"
            )
        variants: list[Variant] = []
        for run in runs:
            value = (run.cls or {}).get(name)
            if value is None:
                elements: list[ast.expr] = []  # the base class's empty list
            elif isinstance(value, Unknown):
                return Unknown(f"`{name}` {value.reason}")
            elif isinstance(value, _List) and value.unknown:
                return Unknown(f"`{name}` {value.why(name)}")
            else:
                elements = list(value.elements)
            same = next((v for v in variants if _same(v.elements, elements)), None)
            if same is None:
                variants.append(Variant(elements, run.branches))
            else:
                common = _common(same.branches, run.branches)
                variants[variants.index(same)] = Variant(same.elements, common)
        if len(variants) == 1:
            return [Variant(variants[0].elements)]
        if not any(v.branches for v in variants):
            lines = sorted({line for run in runs for line, _ in run.branches})
            shown = ", ".join(str(line) for line in lines)
            return Unknown(f"`{name}` depends on the `if` statements at lines {shown} together")
        return variants

    # -- statements --------------------------------------------------------------------
    def _body(self, body: list[ast.stmt], runs: list[_Run], scope: _Scope) -> list[_Run]:
        for statement in body:
            following: list[_Run] = []
            for run in runs:
                following.extend(self._statement(statement, run, scope))
            runs = _merged(following)
            if len(runs) > MAX_VARIANTS:
                raise _TooManyWays
        return runs

    def _statement(self, statement: ast.stmt, run: _Run, scope: _Scope) -> list[_Run]:
        line = statement.lineno
        if statement is self.cls:
            run.cls = {}
            return self._body(statement.body, [run], _Scope.CLASS)
        if isinstance(statement, ast.If):
            self._escapes(statement.test, run, scope, line, set())
            taken = self._body(statement.body, [run.fork((line, True))], scope)
            other = self._body(statement.orelse, [run.fork((line, False))], scope)
            return [*taken, *other]
        names = _names(run, scope)
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            used: set[int] = set()
            value = self._value(statement.value, run, scope, line, used)
            self._escapes(statement.value, run, scope, line, used)
            for target in targets:
                if isinstance(target, ast.Name):
                    self._bind(names, target.id, value, scope)
                else:
                    self._escapes(target, run, scope, line, set(), statement)
                    for name in _stored(target):
                        names[name] = Unknown(f"bound by unpacking (line {line})")
            return [run]
        if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
            self._augmented(statement, run, scope, names)
            return [run]
        if isinstance(statement, ast.Expr) and self._method(statement.value, run, scope, line):
            return [run]
        # Anything else: the names it binds are unknown, the lists it uses may be changed.
        self._escapes(statement, run, scope, line, set())
        if not isinstance(statement, ast.AnnAssign):  # (``x: list`` binds nothing)
            for name in _bound_names(statement, self._may_declare_global):
                names[name] = Unknown(f"{_how(statement)} (line {line})")
        return [run]

    def _bind(self, names: dict[str, _Value], name: str, value: _Value, scope: _Scope) -> None:
        """Bind ``name``; a list bound to a module name that a function mentions may be
        changed when that function is called."""
        if scope is _Scope.MODULE and isinstance(value, _List):
            line = self._deferred(name)
            if line is not None:
                value.spoil(name, f"may be changed by the function at line {line}")
        names[name] = value

    def _augmented(
        self, statement: ast.AugAssign, run: _Run, scope: _Scope, names: dict[str, _Value]
    ) -> None:
        target = statement.target
        assert isinstance(target, ast.Name)
        line = statement.lineno
        used: set[int] = set()
        added = self._value(statement.value, run, scope, line, used)
        self._escapes(statement.value, run, scope, line, used)
        current = self._lookup(target.id, run, scope, line)
        if not isinstance(statement.op, ast.Add):
            changed = f"changed by `{target.id} {_op(statement.op)}= ...` (line {line})"
            if isinstance(current, _List):
                current.spoil(target.id, changed)
            names[target.id] = current if isinstance(current, _List) else Unknown(changed)
            return
        if isinstance(current, _List):
            # ``list += iterable`` extends the list itself: every name bound to it sees it.
            if isinstance(added, Unknown):
                current.spoil(target.id, f"extended by a value that {added.reason} (line {line})")
            else:
                current.elements.extend(added.elements)
            self._bind(names, target.id, current, scope)
        elif isinstance(current, _Tuple) and isinstance(added, _Tuple):
            names[target.id] = _Tuple(current.elements + added.elements)
        elif isinstance(current, Unknown):
            names[target.id] = current
        else:
            names[target.id] = Unknown(f"is `{ast.unparse(statement)[:60]}` (line {line})")

    def _method(self, call: ast.expr, run: _Run, scope: _Scope, line: int) -> bool:
        """Evaluate ``name.append(x)``, ``name.extend(seq)``, ``name.insert(<int>, x)`` on a
        list (False: not one of these)."""
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.attr in _EVALUATED
            and not call.keywords
            and not any(isinstance(a, ast.Starred) for a in call.args)
        ):
            return False
        name = call.func.value.id
        target = self._lookup(name, run, scope, line)
        method, args = call.func.attr, call.args
        if isinstance(target, _Tuple):
            # A tuple has no such method: the module fails to import.
            _names(run, scope)[name] = Unknown(
                f"is a tuple: `{name}.{method}(...)` fails (line {line})"
            )
            return True
        if not isinstance(target, _List) or len(args) != {"insert": 2}.get(method, 1):
            return False
        used: set[int] = set()
        if method == "extend":
            added = self._value(args[0], run, scope, line, used)
        elif method == "append":
            added = _Tuple((self.bindings._element(args[0]),))
        else:
            index = _int(args[0])
            if index is None:
                return False
            added = _Tuple((self.bindings._element(args[1]),))
        for argument in args:
            self._escapes(argument, run, scope, line, used)
        if target.unknown:
            return True
        if isinstance(added, Unknown):
            target.spoil(name, f"extended by a value that {added.reason} (line {line})")
        elif method == "insert":
            assert index is not None
            target.elements.insert(index, added.elements[0])
        else:
            target.elements.extend(added.elements)
        return True

    # -- expressions -------------------------------------------------------------------
    def _value(self, expr: ast.expr, run: _Run, scope: _Scope, line: int, used: set[int]) -> _Value:
        """What ``expr`` evaluates to; the names read as lists (which it does not
        change) are added to ``used``."""
        if isinstance(expr, (ast.List, ast.Tuple)):
            elements: list[ast.expr] = []
            for element in expr.elts:
                if not isinstance(element, ast.Starred):
                    elements.append(self.bindings._element(element))
                    continue
                inner = self._value(element.value, run, scope, line, used)
                if isinstance(inner, Unknown) or (isinstance(inner, _List) and inner.unknown):
                    return Unknown(f"is `{ast.unparse(expr)[:60]}`")
                elements.extend(inner.elements)
            return _List(elements) if isinstance(expr, ast.List) else _Tuple(tuple(elements))
        if isinstance(expr, ast.ListComp):
            env = self.bindings._env_of(expr)
            expanded = None if env is None else self.bindings._expanded(expr, env)
            if expanded is None:
                return Unknown(f"is `{ast.unparse(expr)[:60]}`")
            return _List(list(expanded))
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = self._value(expr.left, run, scope, line, used)
            right = self._value(expr.right, run, scope, line, used)
            if isinstance(left, Unknown):
                return left
            if isinstance(right, Unknown):
                return right
            for side in (left, right):
                if isinstance(side, _List) and side.unknown:
                    return Unknown(side.why(""))
            if isinstance(left, _List) and isinstance(right, _List):
                return _List([*left.elements, *right.elements])
            if isinstance(left, _Tuple) and isinstance(right, _Tuple):
                return _Tuple(left.elements + right.elements)
            return Unknown(f"is `{ast.unparse(expr)[:60]}`, a list added to a tuple")
        if isinstance(expr, ast.Name):
            used.add(id(expr))
            value = self._lookup(expr.id, run, scope, line)
            if isinstance(value, Unknown):
                return Unknown(f"is `{expr.id}`, {value.reason}")
            return value
        return Unknown(f"is `{ast.unparse(expr)[:60]}`")

    def _lookup(self, name: str, run: _Run, scope: _Scope, line: int) -> _Value:
        """``name`` as Python reads it there: the class body's names, then the module's."""
        for names in (run.cls, run.module) if scope is _Scope.CLASS else (run.module,):
            if names is not None and name in names:
                return names[name]
        return Unknown(f"not bound before line {line}")

    def _loads(self, node: ast.AST) -> list[ast.Name]:
        """The names ``node`` reads, in the order of :func:`ast.walk` (found once: each
        way through the module reads the same statements)."""
        if id(node) not in self._read_names:
            loads = [
                n for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            ]
            # (The node is kept with them: its id is not reused while the cache holds it.)
            self._read_names[id(node)] = (node, loads)
        return self._read_names[id(node)][1]

    def _escapes(
        self,
        node: ast.AST,
        run: _Run,
        scope: _Scope,
        line: int,
        used: set[int],
        statement: ast.AST | None = None,
    ) -> None:
        """Every list that ``node`` (of ``statement``) reads other than through ``used``
        may be changed by it: its elements are unknown from here on."""
        lists = _known_lists(run, scope)
        if not lists:
            return  # (most statements run while no name holds a list: imports, functions)
        span = self.bindings._span(node)
        if span is not None and not any(self.bindings._mentions(n, span) for n in lists):
            return  # (it reads none of them: not walked, e.g. a whole ``operations`` list)
        calls: dict[int, ast.Call] | None = None  # (found when a list is read)
        for inner in self._loads(node):
            if id(inner) in used:
                continue
            value = self._lookup(inner.id, run, scope, line)
            if isinstance(value, _List) and not value.unknown:
                if calls is None:
                    calls = _calls_by_argument(node)
                call = calls.get(id(inner))
                if call is not None:
                    how = f"passed to `{ast.unparse(call.func)[:40]}(...)`"
                else:
                    how = f"used by `{_summary(statement or node)}`"
                value.spoil(inner.id, f"{how} (line {line})")


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_Function = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


def _functions(tree: ast.AST, cls: ast.AST) -> tuple[list[_Function], list[_Function]]:
    """The functions and lambdas of ``tree``, and those inside ``cls`` (one of its
    nodes), each in the order of :func:`ast.walk` (one walk for both)."""
    everywhere: list[_Function] = []
    inside_class: list[_Function] = []
    pending: deque[tuple[ast.AST, bool]] = deque([(tree, tree is cls)])
    while pending:
        node, inside = pending.popleft()
        if isinstance(node, _FUNCTIONS):
            everywhere.append(node)
            if inside:
                inside_class.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                pending.extend(
                    (item, inside or item is cls) for item in value if isinstance(item, ast.AST)
                )
            elif isinstance(value, ast.AST):
                pending.append((value, inside or value is cls))
    return everywhere, inside_class


def _calls_by_argument(node: ast.AST) -> dict[int, ast.Call]:
    """The call of ``node`` each argument is passed to, by the argument's id."""
    calls: dict[int, ast.Call] = {}
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            for argument in [*inner.args, *(k.value for k in inner.keywords)]:
                if isinstance(argument, ast.Starred):
                    argument = argument.value
                calls[id(argument)] = inner
    return calls


def _changed_attributes(function: ast.AST) -> Iterator[str]:
    """The attributes of a name (``self.operations``) that ``function`` binds, deletes or
    changes in place (a list method, an item assigned)."""
    for node in ast.walk(function):
        target: ast.AST | None = None
        stored = not isinstance(getattr(node, "ctx", None), ast.Load)
        if isinstance(node, ast.Attribute) and stored:
            target = node
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and (
            stored or getattr(node, "attr", "") in _MUTATORS
        ):
            target = node.value
        elif isinstance(node, ast.AugAssign):
            target = node.target
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            yield target.attr


def _summary(node: ast.AST) -> str:
    """A statement or expression, short, as messages show it."""
    if isinstance(node, ast.If):
        return f"if {ast.unparse(node.test)[:40]}: ..."
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return f"for ... in {ast.unparse(node.iter)[:40]}: ..."
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return f"{'class' if isinstance(node, ast.ClassDef) else 'def'} {node.name}"
    first = ast.unparse(node).splitlines()[0]
    return first if len(first) <= 40 else f"{first[:37]}..."


def _known_lists(run: _Run, scope: _Scope) -> list[str]:
    """The names that hold a list whose elements are known, as ``scope`` reads them."""
    inner = run.cls if scope is _Scope.CLASS and run.cls is not None else {}
    found = [n for n, v in inner.items() if isinstance(v, _List) and not v.unknown]
    found += [
        n
        for n, v in run.module.items()
        if isinstance(v, _List) and not v.unknown and n not in inner
    ]
    return found


def _names(run: _Run, scope: _Scope) -> dict[str, _Value]:
    if scope is _Scope.CLASS:
        assert run.cls is not None
        return run.cls
    return run.module


def _int(node: ast.expr) -> int | None:
    """The value of an integer literal (``-1`` too)."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1, node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sign * node.value
    return None


def _same(a: list[ast.expr], b: list[ast.expr]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _common(
    a: tuple[tuple[int, bool], ...], b: tuple[tuple[int, bool], ...]
) -> tuple[tuple[int, bool], ...]:
    """The branches two ways through both took."""
    return tuple(branch for branch in a if branch in b)


def _merged(runs: list[_Run]) -> list[_Run]:
    """The runs, those that hold the same values merged (keeping the branches they share)."""
    if len(runs) == 1:
        return runs  # (the way through a module without ``if``: nothing to compare)
    kept: dict[tuple[object, ...], _Run] = {}
    for run in runs:
        key = run.signature()
        if key in kept:
            kept[key].branches = _common(kept[key].branches, run.branches)
        else:
            kept[key] = run
    return list(kept.values())
