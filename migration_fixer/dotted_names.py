"""Whether every name a module uses is bound by the module itself.

A fix that copies ``django.db.models.deletion.CASCADE`` into a file that only has
``import django.db.models`` works by accident: ``django`` is bound, and the submodule
happens to be loaded by something else. Python guarantees ``a.b.c.X`` only after
``import a.b.c`` (or ``import a.b.c.X``) in the same module. This module finds the names
and dotted chains that no statement of the module itself guarantees, so that a fix can be
rejected before it is written (:mod:`migration_fixer.changeset`) and the tests can check
every file the tool writes.
"""

from __future__ import annotations

import ast
import builtins


def module_imports(tree: ast.Module) -> frozenset[str]:
    """The modules ``import x.y`` (without ``as``) binds anywhere in the module."""
    return frozenset(
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.asname is None
    )


def attribute_chain(node: ast.expr) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; None when the chain does not start at a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def required_module(chain: list[str], imported: frozenset[str]) -> str | None:
    """The module an ``import`` must name for ``chain`` (rooted at a name that a plain
    ``import`` binds) to be guaranteed, or None when ``imported`` already covers it.

    Covered means: the chain minus its last one or two names is imported (an attribute
    of a module, ``django.db.models.deletion.CASCADE``, or of an object in it,
    ``datetime.timezone.utc``, ``django.conf.settings.AUTH_USER_MODEL``). Which prefix is
    a module cannot be known without importing; this is the standard Django's own writer
    meets (it imports ``django.db.models.deletion`` for ``...deletion.CASCADE``).
    """
    for size in range(len(chain), max(len(chain) - 3, 0), -1):
        if ".".join(chain[:size]) in imported:
            return None
    return ".".join(chain[:-1]) if len(chain) > 1 else chain[0]


def unresolved_names(tree: ast.Module) -> set[str]:
    """The names and dotted chains of ``tree`` that its own statements do not bind or
    import (a name bound in any scope counts as bound: this is a check of imports, not
    of scoping). One walk of the tree collects what the module binds, the names it
    reads and its attribute chains."""
    plain_roots: set[str] = set()  # bound by a plain ``import`` (a module path's root)
    other: set[str] = set()  # bound any other way
    imported: set[str] = set()  # the modules ``import x.y`` (without ``as``) binds
    loaded: set[str] = set()
    attributes: list[ast.Attribute] = []
    inner: set[int] = set()  # attributes that are the value of another
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else other).add(node.id)
        elif isinstance(node, ast.Attribute):
            attributes.append(node)
            inner.add(id(node.value))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is None:
                    plain_roots.add(alias.name.split(".")[0])
                    imported.add(alias.name)
                else:
                    other.add(alias.asname)
        elif isinstance(node, ast.ImportFrom):
            other.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            other.add(node.name)
        elif isinstance(node, ast.arg):
            other.add(node.arg)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            other.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            other.update(node.names)
    bound = plain_roots | other
    plain_only = plain_roots - other
    modules = frozenset(imported)
    missing = {name for name in loaded - bound if not hasattr(builtins, name)}
    for node in attributes:
        if id(node) in inner:
            continue
        chain = attribute_chain(node)
        if chain is None or chain[0] not in plain_only:
            continue
        if required_module(chain, modules) is not None:
            missing.add(".".join(chain))
    return missing


def introduced_names(old: ast.Module, new: ast.Module) -> set[str]:
    """The names ``new`` uses without importing them that ``old`` did not: a fix may
    spell ``x.y.RunSQL.noop`` where the file already calls ``x.y.RunSQL`` (it is as
    valid as the call), but adds nothing else its imports do not guarantee."""
    before = unresolved_names(old)
    return {
        name
        for name in unresolved_names(new) - before
        if not any(name.startswith(f"{known}.") for known in before)
    }
