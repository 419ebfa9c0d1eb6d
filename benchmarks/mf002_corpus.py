"""MF002 on a corpus of real migrations: how many `RunSQL` calls without a reverse get a real
inverse, a safe no-op (data statements) or an unsafe no-op, by statement kind; how many
`DROP`s get the `CREATE` of an earlier `RunSQL` of their folder, and why the others do not;
every rewritten file must compile, and nothing may crash. Files are processed as a run
processes them (the folder's history loaded only for a file with a `DROP`).

    python benchmarks/mf002_corpus.py --corpus /work/corpus/migrations [--dialect postgresql]
"""

from __future__ import annotations

import argparse
import ast
import collections
import re
import sys
from pathlib import Path

from migration_fixer.history import History
from migration_fixer.rule import AddArgument, Applicability, ReplaceArgument, RuleSettings
from migration_fixer.runner import Options, process_file

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


_DROP_REASONS = (
    ("the CREATE of an earlier RunSQL", r"^$"),
    ("no earlier RunSQL creates it", r"no earlier `RunSQL` of this migrations folder creates it\)"),
    ("not created, and SQL that cannot be read", r"creates it, but"),
    ("dropped before", r"dropped it, and no later one"),
    ("renamed", r"was renamed"),
    ("created twice", r"created twice"),
    ("changed after its CREATE", r"was changed at|was added to it|comment on it"),
    ("SQL in between that may change it", r"which may change it"),
    ("several objects or CASCADE", r"several objects, or with CASCADE"),
    ("differs between databases", r"differs between databases"),
    ("SQL that is not a literal", r"not a literal string"),
)


def drop_outcome(outcome: str, hint: str | None) -> str:
    """Why a DROP got (or did not get) the CREATE that made its object."""
    if outcome == "inverse":
        return _DROP_REASONS[0][0]
    for label, pattern in _DROP_REASONS[1:]:
        if hint and re.search(pattern, hint):
            return label
    return "other"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--dialect", default="")
    parser.add_argument("--reasons", action="store_true", help="print each unsafe no-op's hint")
    args = parser.parse_args()
    dialect = tuple(d for d in args.dialect.split(",") if d)
    options = Options(
        select=frozenset({"MF002"}),
        rewrite=True,
        settings=RuleSettings((("MF002", "dialect", ",".join(dialect)),)),
        unsafe_fixes=True,
    )
    table: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    totals: collections.Counter[str] = collections.Counter()
    drops: collections.Counter[str] = collections.Counter()
    crashes = not_compiling = files = rewritten = 0
    histories: dict[Path, History] = {}
    for path in sorted(args.corpus.rglob("*.py")):
        if path.parent not in histories:
            histories.clear()  # one folder at a time, as a run's batches do
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
            result = process_file(path, options, histories, data)
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
                if kind.startswith("DROP"):
                    drops[drop_outcome(outcome, finding.hint)] += 1
            if result.change is not None:
                rewritten += 1
                try:
                    compile(result.change.new_text, str(path), "exec")
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
    print(
        f"RunSQL calls whose first statement is a DROP: {sum(drops.values())}: "
        + ", ".join(f"{k} {v}" for k, v in drops.most_common())
    )
    print(f"{'statement kind':<32} {'inverse':>8} {'safe no-op':>11} {'unsafe no-op':>13}")
    for kind, counts in sorted(table.items(), key=lambda kv: -sum(kv[1].values())):
        print(
            f"{kind:<32} {counts['inverse']:>8} {counts['safe no-op']:>11} "
            f"{counts['unsafe no-op']:>13}"
        )
    return 1 if crashes or not_compiling else 0


if __name__ == "__main__":
    sys.exit(main())
