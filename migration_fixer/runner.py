"""Per-file processing and its parallel execution.

A file goes through: read -> cheap text prefilter -> ``ast`` scan -> (only with a fixable
finding, and only when the mode needs the new text) libcst rewrite -> verification. The
result is a value; nothing here writes or prints. Files run in a process pool and the
results come back in path order, so the output is the same for every ``--jobs``.
"""

from __future__ import annotations

import ast
import fnmatch
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from migration_fixer.changeset import FileChange, VerificationError, verify
from migration_fixer.migration_ast import split_lines
from migration_fixer.rule import FileContext, Finding, Rule
from migration_fixer.rules import ALL_RULES, RULES_BY_CODE
from migration_fixer.source import SourceError, SourceFile, decode
from migration_fixer.suppression import NoqaComments, is_suppressed, unknown_codes


@dataclass(frozen=True)
class Problem:
    """A file that could not be processed (exit 2), with where and why."""

    path: Path
    line: int
    column: int
    message: str


@dataclass
class FileResult:
    path: Path
    findings: list[Finding] = field(default_factory=list)
    change: FileChange | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Options:
    """What a worker needs (picklable)."""

    select: frozenset[str]
    rewrite: bool  # compute the fixed text (fix and diff modes)
    ignores: tuple[tuple[str, frozenset[str]], ...] = ()  # per-file-ignores


_KNOWN = frozenset(RULES_BY_CODE)


def selected_rules(select: frozenset[str]) -> list[Rule]:
    return [rule for rule in ALL_RULES if rule.code in select]


def process_file(path: Path, options: Options) -> FileResult:
    result = FileResult(path)
    select = options.select
    for pattern, codes in options.ignores:
        if fnmatch.fnmatch(path.as_posix(), pattern):
            select = select - codes
    rules = selected_rules(select)
    try:
        data = path.read_bytes()
    except OSError as exc:
        result.problems.append(Problem(path, 1, 0, f"cannot read: {exc.strerror or exc}"))
        return result
    triggers = [t for rule in rules for t in rule.triggers]
    if not any(t in data for t in triggers):
        return result
    try:
        source = decode(path, data)
    except SourceError as exc:
        result.problems.append(Problem(path, exc.line, exc.column, f"cannot parse: {exc}"))
        return result
    return process_source(source, rules, options, result)


def process_source(
    source: SourceFile, rules: Sequence[Rule], options: Options, result: FileResult
) -> FileResult:
    path = source.path
    try:
        tree = ast.parse(source.text, filename=str(path))
    except SyntaxError as exc:
        message = (exc.msg or "invalid syntax").strip()
        result.problems.append(
            Problem(
                path, exc.lineno or 1, max((exc.offset or 1) - 1, 0), f"cannot parse: {message}"
            )
        )
        return result
    except (ValueError, RecursionError, MemoryError) as exc:
        result.problems.append(Problem(path, 1, 0, f"cannot parse: {exc}"))
        return result
    findings = scan(path, source.text, tree, rules, result)
    result.findings = findings
    fixes = [f for f in findings if f.fix is not None]
    if options.rewrite and fixes:
        _rewrite(source, tree, fixes, rules, result)
    return result


def scan(
    path: Path,
    text: str,
    tree: ast.Module,
    rules: Sequence[Rule],
    result: FileResult | None = None,
) -> list[Finding]:
    """Run the rules on one parsed file; drop what ``# noqa`` suppresses."""
    ctx = FileContext(path, text, tree)
    comments = NoqaComments(text, ctx.lines)
    findings: list[Finding] = []
    reported_noqa: set[int] = set()
    for rule in rules:
        for finding in rule.check(ctx):
            noqa = comments.on_line(finding.line)
            if noqa is not None and result is not None and finding.line not in reported_noqa:
                reported_noqa.add(finding.line)
                for bad in unknown_codes(noqa, _KNOWN):
                    result.problems.append(
                        Problem(
                            path, finding.line, noqa.column, f"unknown rule code in noqa: {bad}"
                        )
                    )
            if not is_suppressed(noqa, finding.code):
                findings.append(finding)
    findings.sort(key=lambda f: (f.line, f.column, f.code))
    return findings


def _rewrite(
    source: SourceFile,
    tree: ast.Module,
    fixes: list[Finding],
    rules: Sequence[Rule],
    result: FileResult,
) -> None:
    from migration_fixer.rewrite import RewriteError, apply_edits

    edits = [edit for f in fixes if f.fix is not None for edit in f.fix.edits]
    codes = sorted({f.code for f in fixes})
    try:
        new_text = apply_edits(source.text, edits)
        verify(
            tree,
            source.text,
            new_text,
            edits,
            lambda text, new_tree: scan(source.path, text, new_tree, rules),
            fixes,
        )
    except (RewriteError, VerificationError) as exc:
        result.problems.append(
            Problem(
                source.path,
                fixes[0].line,
                fixes[0].column,
                f"internal error in {', '.join(codes)} fix, file left untouched: {exc}",
            )
        )
        result.findings = [
            Finding(f.code, f.message, f.line, f.column, None, f.hint) for f in result.findings
        ]
        return
    if new_text != source.text:
        result.change = FileChange(source.path, source.text, new_text, source.encoding, source.bom)


def default_jobs() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def run_files(
    paths: Sequence[Path],
    options: Options,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[FileResult]:
    """Process ``paths``; yield results in the order of ``paths``."""
    workers = min(jobs or default_jobs(), max(1, len(paths) // 64))
    if workers <= 1:
        for path in paths:
            yield process_file(path, options)
            if progress:
                progress(1)
        return
    chunk = max(1, min(256, len(paths) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(process_file, paths, [options] * len(paths), chunksize=chunk):
            yield result
            if progress:
                progress(1)


__all__ = ["FileResult", "Options", "Problem", "process_file", "run_files", "split_lines"]
