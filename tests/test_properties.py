"""Property-based tests: generated migrations of many shapes, with arbitrary valid Python
injected around and inside them.

For every generated file: the fix is idempotent, its output compiles, and its ``ast``
equals the input's apart from the added reverses. For generated projects: ``--diff``
applied with ``git apply`` equals fix mode, ``--jobs 1`` equals ``--jobs 2``, and a
cached run equals an uncached one.

The number of cases is Hypothesis's profile: ``default`` in the normal test run (a few
hundred files, well under a minute), ``nightly`` for the benchmark/nightly run (a few
thousand)::

    MIGRATION_FIXER_HYPOTHESIS=nightly pytest tests/test_properties.py --no-cov
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from migration_fixer.api import fix_source
from migration_fixer.cli import cli

settings.register_profile(
    "default",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "nightly",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("MIGRATION_FIXER_HYPOTHESIS", "default"))

SELECT = frozenset({"MF001", "MF002"})

# -- random valid Python ---------------------------------------------------------------------

names = st.sampled_from(["x", "y", "data", "RunPython", "RunSQL", "migrations", "noop", "_a1"])
literals = st.one_of(
    st.integers(-(10**6), 10**6).map(repr),
    st.text(max_size=12).map(repr),
    st.binary(max_size=8).map(repr),
    st.sampled_from(
        [
            '"""a\nclass A(\n    migrations.RunPython(f)\n"""',  # operation names in a string
            "'RunSQL(\"x\")  # not a call'",
            'f"{x!r:>{y}}"',
            "None",
            "...",
            "r'\\d+'",
            "'caf\\u00e9'",
        ]
    ),
)


@st.composite
def expressions(draw: st.DrawFn, depth: int = 2) -> str:
    if depth <= 0:
        return draw(st.one_of(names, literals))
    sub = expressions(depth - 1)
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return (
            f"({draw(sub)} {draw(st.sampled_from(['+', 'and', 'or', '<', '*', '|']))} {draw(sub)})"
        )
    if kind == 1:
        return "[" + ", ".join(draw(st.lists(sub, max_size=3))) + "]"
    if kind == 2:
        return (
            "{"
            + ", ".join(f"{draw(literals)}: {draw(sub)}" for _ in range(draw(st.integers(0, 2))))
            + "}"
        )
    if kind == 3:
        return f"{draw(names)}({', '.join(draw(st.lists(sub, max_size=2)))})"
    if kind == 4:
        return f"(lambda {draw(names)}: {draw(sub)})"
    if kind == 5:
        return f"[{draw(names)} for {draw(names)} in {draw(sub)}]"
    if kind == 6:
        return f"({draw(names)} := {draw(sub)})"
    if kind == 7:
        return f"({draw(sub)} if {draw(sub)} else {draw(sub)})"
    return draw(st.one_of(names, literals))


@st.composite
def statements(draw: st.DrawFn, indent: str = "") -> str:
    kind = draw(st.integers(0, 7))
    expr = draw(expressions())
    name = draw(names)
    if kind == 0:
        return f"{indent}{name} = {expr}\n"
    if kind == 1:
        return f"{indent}if {expr}:\n{indent}    {name} = {draw(expressions())}\n"
    if kind == 2:
        return f"{indent}# {draw(st.text(alphabet='abc RunPython()', max_size=20))}\n"
    if kind == 3:
        return f"{indent}for {name} in {expr}:\n{indent}    pass\n"
    if kind == 4:
        return f"{indent}try:\n{indent}    {expr}\n{indent}except Exception:\n{indent}    pass\n"
    if kind == 5:
        return f"{indent}{expr}\n"
    if kind == 6:
        return f"{indent}with {draw(names)}() as {name}:\n{indent}    pass\n"
    return f"\n{indent}{name}: int = {expr}\n"


def injected(draw: st.DrawFn, indent: str = "") -> str:
    return "".join(draw(st.lists(statements(indent), max_size=2)))


# -- migrations --------------------------------------------------------------------------------

STYLES = {
    "module": ("from django.db import migrations\n", "migrations.{}"),
    "alias": ("from django.db import migrations as m\n", "m.{}"),
    "names": ("from django.db.migrations import RunPython, RunSQL\n", "{}"),
    "dotted": ("import django.db.migrations\n", "django.db.migrations.{}"),
}


@st.composite
def operations(draw: st.DrawFn, spell: str) -> str:
    kind = draw(st.integers(0, 5))
    sql = draw(
        st.sampled_from(["'SELECT 1'", '"CREATE INDEX i ON t (c)"', "['SELECT 1', 'SELECT 2']"])
    )
    pieces = {
        0: [spell.format("RunPython") + "(forwards"],
        1: [spell.format("RunPython") + "(code=forwards"],
        2: [spell.format("RunPython") + "(forwards, backwards"],
        3: [spell.format("RunSQL") + f"({sql}"],
        4: [spell.format("RunSQL") + f"(sql={sql}"],
        5: [spell.format("RunSQL") + f"({sql}, reverse_sql={sql}"],
    }[kind]
    if draw(st.booleans()):
        pieces.append(", elidable=True")
    if draw(st.booleans()):
        pieces.append(",\n            ")  # a trailing comma, the closing bracket on its own line
    return "".join(pieces) + ")"


@st.composite
def migrations(draw: st.DrawFn) -> str:
    header, spell = STYLES[draw(st.sampled_from(sorted(STYLES)))]
    parts = []
    if draw(st.booleans()):
        parts.append('"""A migration."""\n')
    parts.append(header)
    parts.append(injected(draw))
    parts.append("\n\ndef forwards(apps, schema_editor):\n")
    parts.append(injected(draw, "    ") or "    pass\n")
    parts.append("    return None\n\n\ndef backwards(apps, schema_editor):\n    pass\n\n")
    parts.append(injected(draw))
    ops = draw(st.lists(operations(spell), min_size=1, max_size=4))
    if draw(st.booleans()):
        body = "".join(f"        {op},\n" for op in ops)
        parts.append(f"\nclass Migration(object):\n    operations = [\n{body}    ]\n")
    else:
        parts.append(f"\nclass Migration(object):\n    operations = [{', '.join(ops)}]\n")
    parts.append(injected(draw))
    text = "".join(parts)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


def _without_reverses(tree: ast.AST) -> str:
    """The tree with every reverse blanked: the ``reverse_code``/``reverse_sql`` keywords
    dropped, and the second positional argument of a ``RunPython``/``RunSQL`` call (its
    reverse: an explicit ``None`` there is replaced in place, not by a keyword)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            node.keywords = [
                k for k in node.keywords if k.arg not in ("reverse_code", "reverse_sql")
            ]
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else None
            if isinstance(node.func, ast.Name):
                callee = node.func.id
            if callee in ("RunPython", "RunSQL") and len(node.args) >= 2:
                node.args[1] = ast.Constant(value="<reverse>")
    return ast.dump(tree)


def _compiles(source: str) -> bool:
    try:
        compile(source, "<generated>", "exec")
    except SyntaxError:  # e.g. a walrus where the grammar allows it but the compiler not
        return False
    return True


@given(migrations().filter(_compiles))
@example(  # found by CI: an explicit None reverse outside the class is replaced in place
    "from django.db.migrations import RunPython\n\n\nclass Migration(object):\n"
    "    operations = [RunPython(forwards)]\nx = ((x + x) + RunPython(x, None))\n"
)
def test_fix_is_idempotent_and_changes_nothing_but_the_reverses(source: str) -> None:
    fixed = fix_source(source, select=SELECT)
    assert fix_source(fixed, select=SELECT) == fixed
    compile(fixed, "<fixed>", "exec")
    assert _without_reverses(ast.parse(fixed)) == _without_reverses(ast.parse(source))


# -- whole runs ------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout


def _invoke(root: Path, *args: str) -> tuple[int, bytes]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, ["--select", "MF001,MF002", *args], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout_bytes


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*.py"))
        if ".git" not in p.parts
    }


@settings(max_examples=40 if settings.default.max_examples > 1000 else 2)
@given(sources=st.lists(migrations().filter(_compiles), min_size=1, max_size=12))
def test_diff_jobs_and_cache_agree_with_fix_mode(
    sources: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("project")
    for i in range(130):  # enough files for two workers
        path = base / f"app{i % 4}" / "migrations" / f"{i:04d}_m.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sources[i % len(sources)].encode())
    _git(base, "init", "-q")
    _git(base, "add", "-A")
    _git(base, "commit", "-qm", "start")
    copies = {}
    for name in ("fix", "apply", "jobs2", "cached"):
        copies[name] = base.parent / f"{base.name}-{name}"
        shutil.copytree(base, copies[name])
    check1 = _invoke(copies["fix"], "--check", "--no-cache", "--jobs", "1")
    check2 = _invoke(copies["fix"], "--check", "--no-cache", "--jobs", "2")
    assert check1 == check2
    diff = _invoke(copies["apply"], "--diff", "--no-cache", "--jobs", "1")
    assert diff[0] in (0, 1)
    _invoke(copies["fix"], "--no-cache", "--jobs", "1")
    _invoke(copies["jobs2"], "--no-cache", "--jobs", "2")
    _invoke(copies["cached"], "--check")  # fills the cache
    _invoke(copies["cached"])  # fixes from it
    if diff[1]:
        subprocess.run(["git", "apply", "-"], cwd=copies["apply"], input=diff[1], check=True)
    fixed = _files(copies["fix"])
    assert _files(copies["apply"]) == fixed
    assert _files(copies["jobs2"]) == fixed
    assert _files(copies["cached"]) == fixed
    # A second run changes nothing (unsafe fixes, which are not written, may remain).
    assert _invoke(copies["fix"], "--diff", "--no-cache") == (0, b"")
    _invoke(copies["fix"], "--no-cache")
    assert _files(copies["fix"]) == fixed
