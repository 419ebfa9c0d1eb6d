"""MF002 on a corpus of real migrations: how many `RunSQL` calls without a reverse get a real
inverse, a safe no-op (data statements) or an unsafe no-op, by statement kind; every
rewritten file must compile, and nothing may crash.

    python benchmarks/mf002_corpus.py --corpus /work/corpus/migrations [--dialect postgresql]
"""

from __future__ import annotations

import argparse
import ast
import collections
import re
import sys
from pathlib import Path

from migration_fixer.api import fix_source
from migration_fixer.rule import AddArgument, Applicability, ReplaceArgument
from migration_fixer.runner import FileResult, Options, process_source, selected_rules
from migration_fixer.source import SourceFile

_WORDS = re.compile(r"[A-Za-z_]+")
_KIND_WORDS = 3


def statement_kind(value: str | None) -> str:
    """The first words of the first statement, upper-cased (e.g. ``CREATE INDEX``)."""
    if not value:
        return "(not a literal)"
    text = re.sub(r"--[^\n]*|/\*.*?\*/", " ", value, flags=re.S)
    words = [w.upper() for w in _WORDS.findall(text)[:6]]
    if not words:
        return "(empty)"
    skip = {"OR", "REPLACE", "UNIQUE", "TEMPORARY", "TEMP", "IF", "NOT", "EXISTS", "ONLY"}
    head = [words[0], *[w for w in words[1:] if w not in skip][: _KIND_WORDS - 2]]
    if words[0] == "ALTER" and "RENAME" in words:
        return f"ALTER {words[1]} ... RENAME"
    return " ".join(head)


def forward_text(call: ast.Call) -> str | None:
    node = (
        call.args[0]
        if call.args
        else next((k.value for k in call.keywords if k.arg == "sql"), None)
    )
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
        node = node.elts[0]
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            node = node.elts[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--dialect", default="")
    parser.add_argument("--reasons", action="store_true", help="print each unsafe no-op's hint")
    args = parser.parse_args()
    dialect = tuple(d for d in args.dialect.split(",") if d)
    rules = selected_rules(frozenset({"MF002"}))
    options = Options(select=frozenset({"MF002"}), rewrite=False, dialect=dialect)
    table: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    totals: collections.Counter[str] = collections.Counter()
    crashes = not_compiling = files = rewritten = 0
    for path in sorted(args.corpus.rglob("*.py")):
        data = path.read_bytes()
        if b"RunSQL" not in data:
            continue
        try:
            text = data.decode("utf-8")
            tree = ast.parse(text)
        except (UnicodeDecodeError, SyntaxError, ValueError):
            continue
        files += 1
        try:
            result = process_source(
                SourceFile(path, text, "utf-8", False), rules, options, FileResult(path)
            )
            calls = {(n.lineno, n.col_offset): n for n in ast.walk(tree) if isinstance(n, ast.Call)}
            for finding in result.findings:
                if finding.fix is None:
                    totals["not fixable (star-args, own __init__)"] += 1
                    continue
                edit = finding.fix.edits[0]
                assert isinstance(edit, (AddArgument, ReplaceArgument))
                call = next((c for (line, _), c in calls.items() if line == finding.line), None)
                kind = statement_kind(forward_text(call) if call is not None else None)
                if not edit.value.endswith(".noop"):
                    outcome = "inverse"
                elif finding.fix.applicability is Applicability.SAFE:
                    outcome = "safe no-op"
                else:
                    outcome = "unsafe no-op"
                table[kind][outcome] += 1
                if args.reasons and outcome == "unsafe no-op":
                    print(f"{kind}: {finding.hint}", file=sys.stderr)
                totals[outcome] += 1
            if any(f.fix is not None for f in result.findings):
                new = fix_source(
                    text, str(path), frozenset({"MF002"}), unsafe_fixes=True, dialect=dialect
                )
                rewritten += 1
                try:
                    compile(new, str(path), "exec")
                except SyntaxError:
                    not_compiling += 1
        except Exception as exc:
            crashes += 1
            print(f"CRASH {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
    print(f"dialect: {', '.join(dialect) or 'unknown'}")
    print(
        f"files with RunSQL: {files}; rewritten (with --unsafe-fixes): {rewritten}; "
        f"not compiling: {not_compiling}; crashes: {crashes}"
    )
    print("totals: " + ", ".join(f"{k} {v}" for k, v in totals.most_common()))
    print(f"{'statement kind':<32} {'inverse':>8} {'safe no-op':>11} {'unsafe no-op':>13}")
    for kind, counts in sorted(table.items(), key=lambda kv: -sum(kv[1].values())):
        print(
            f"{kind:<32} {counts['inverse']:>8} {counts['safe no-op']:>11} "
            f"{counts['unsafe no-op']:>13}"
        )
    return 1 if crashes or not_compiling else 0


if __name__ == "__main__":
    sys.exit(main())
