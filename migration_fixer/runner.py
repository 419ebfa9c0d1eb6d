"""Per-file processing and its parallel execution.

A file goes through: read -> cheap text prefilter -> ``ast`` scan -> (only with a fixable
finding, and only when the mode needs the new text) libcst rewrite -> verification. The
result is a value; nothing here writes or prints. Files run in a process pool and the
results come back in path order, so the output is the same for every ``--jobs``.
"""

from __future__ import annotations

import ast
import contextlib
import fnmatch
import functools
import gc
import itertools
import os
import signal
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from migration_fixer.cache import FolderCache
from migration_fixer.cache import key as cache_key
from migration_fixer.changeset import FileChange, VerificationError, verify
from migration_fixer.history import History
from migration_fixer.layout import DEFAULT_LINE_LENGTH
from migration_fixer.line_length import project_line_length
from migration_fixer.migration_ast import split_lines
from migration_fixer.parsing import cannot_parse_reason, parse_module
from migration_fixer.planning import Refusal, plan_folder
from migration_fixer.pool import Crashed, WorkerPool
from migration_fixer.rule import (
    AddArgument,
    FileContext,
    Finding,
    GitBase,
    NothingFound,
    ReplaceArgument,
    Rule,
    RuleSettings,
    UnparsedFile,
)
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
    #: False when the result depends on files outside the folder (MF003 read the
    #: project's field classes, or looked for them): it is not cached.
    cacheable: bool = True


@dataclass(frozen=True)
class Options:
    """What a worker needs (picklable)."""

    select: frozenset[str]
    rewrite: bool  # compute the fixed text (fix and diff modes)
    ignores: tuple[tuple[str, frozenset[str]], ...] = ()  # per-file-ignores
    #: Migrations (resolved paths) new relative to the git base, or None when there is
    #: no base (``no_base_reason`` says why).
    new_migrations: frozenset[str] | None = None
    no_base_reason: str = "not in a git repository"
    base: str = ""
    settings: RuleSettings = field(default_factory=RuleSettings)
    #: Files (resolved paths) that will not be written (unstaged changes): a folder's
    #: new migrations are planned without the fixes of those files' folder.
    unwritable: frozenset[str] = frozenset()
    #: Write unsafe fixes too (``--unsafe-fixes``).
    unsafe_fixes: bool = False
    #: Where results are cached (see :mod:`migration_fixer.cache`), or None, and the
    #: secret that signs the cache files (the cache is used only with both).
    cache_dir: str | None = None
    cache_secret: str | None = None
    #: The line length fixes keep to; None: each file's project's
    #: (:func:`migration_fixer.line_length.project_line_length`).
    line_length: int | None = None

    def line_length_for(self, path: Path) -> int:
        if self.line_length is not None:
            return self.line_length
        return _folder_line_length(path.parent, "" if path.is_absolute() else os.getcwd())

    def fingerprint(self) -> str:
        """What in the options changes a file's result (the cache key's part)."""
        return repr(
            (sorted(self.select), self.rewrite, self.ignores, self.settings, self.unsafe_fixes)
        )


_KNOWN = frozenset(RULES_BY_CODE)


@functools.lru_cache(maxsize=1024)
def _folder_line_length(folder: Path, cwd: str) -> int:
    """:func:`project_line_length` of ``folder`` (relative to ``cwd``, when it is not
    absolute) once per folder: it resolves the folder's path first (a system call per
    component), for each file that a rule reads, a tenth of a second on 3,000 files."""
    return project_line_length(folder)


def selected_rules(select: frozenset[str]) -> list[Rule]:
    return [rule for rule in ALL_RULES if rule.code in select]


@functools.lru_cache(maxsize=64)
def _rules_and_triggers(select: frozenset[str]) -> tuple[tuple[Rule, ...], tuple[bytes, ...]]:
    """The rules ``select`` names and their triggers, worked out once per selection
    (not once per file)."""
    rules = tuple(selected_rules(select))
    return rules, tuple(t for rule in rules for t in rule.triggers)


def process_file(
    path: Path,
    options: Options,
    histories: dict[Path, History] | None = None,
    data: bytes | None = None,
    plan_refused: str = "",
    parsed: dict[Path, tuple[str, ast.Module]] | None = None,
    read: Mapping[Path, bytes] | None = None,
) -> FileResult:
    """One file's result (``data``: its bytes, when the caller has read them already;
    ``plan_refused``: why the folder's new migrations cannot be written, if so;
    ``parsed``: the files of the batch parsed before their folder's history was loaded,
    which the history takes instead of parsing them again; ``read``: the bytes of the
    batch's files, which the history takes instead of reading them again)."""
    result = FileResult(path)
    select = options.select
    for pattern, codes in options.ignores:
        if fnmatch.fnmatch(path.as_posix(), pattern):
            select = select - codes
    rules, triggers = _rules_and_triggers(select)
    try:
        data = path.read_bytes() if data is None else data
    except OSError as exc:
        result.problems.append(Problem(path, 1, 0, f"cannot read: {exc.strerror or exc}"))
        return result
    for trigger in triggers:
        if trigger in data:
            break
    else:
        return result
    if any(rule.requires is not None for rule in rules):
        rules = tuple(rule for rule in rules if _applies(rule, data))
        if not rules:
            return result
    try:
        source = decode(path, data)
    except SourceError as exc:
        result.problems.append(Problem(path, exc.line, exc.column, f"cannot parse: {exc}"))
        return result
    history = None
    loader = None
    known = histories if histories is not None else {}
    if _reads_history(rules, data):
        history = _history(path.parent, known, result, parsed, read)
    elif _may_read_history(rules, data):
        loader = functools.partial(_history, path.parent, known, None, parsed, read)
    if history is not None:
        nothing = _nothing_unparsed(rules, data, source, history, options)
        if nothing is not None:  # (not parsed: see Rule.nothing_unparsed)
            result.cacheable = not nothing.reads_outside
            _report_problems(history, result)
            return result
    # The history parses the files of its folder once, for the rules and the replay.
    shared = known.get(path.parent, history) if known else history
    process_source(source, rules, options, result, history, plan_refused, loader, shared, parsed)
    if history is not None:
        _report_problems(history, result)
    return result


def _nothing_unparsed(
    rules: Sequence[Rule], data: bytes, source: SourceFile, history: History, options: Options
) -> NothingFound | None:
    """Whether every rule that applies to the file tells, without parsing it, that it
    finds nothing (:attr:`migration_fixer.rule.Rule.nothing_unparsed`): what it found, or
    None when the file must be parsed."""
    applying = [rule for rule in rules if any(t in data for t in rule.triggers)]
    if not applying or any(rule.nothing_unparsed is None for rule in applying):
        return None
    file = UnparsedFile(source.path, source.text, history, options.settings)
    reads_outside = False
    for rule in applying:
        assert rule.nothing_unparsed is not None
        found = rule.nothing_unparsed(file)
        if found is None:
            return None
        reads_outside = reads_outside or found.reads_outside
    return NothingFound(reads_outside)


def _applies(rule: Rule, data: bytes) -> bool:
    """Whether the rule may find something in a file of these bytes."""
    return any(t in data for t in rule.triggers) and (
        rule.requires is None or rule.requires.search(data) is not None
    )


def _reads_history(rules: Sequence[Rule], data: bytes) -> bool:
    """Whether a rule that reads the folder's history applies to this file."""
    return any(rule.needs_history and any(t in data for t in rule.triggers) for rule in rules)


def _may_read_history(rules: Sequence[Rule], data: bytes) -> bool:
    """Whether a rule that reads the folder's history only for some files (its
    ``history_when``) may read it for this one."""
    return any(
        rule.history_when is not None
        and any(t in data for t in rule.triggers)
        and rule.history_when.search(data) is not None
        for rule in rules
    )


def _history(
    folder: Path,
    histories: dict[Path, History],
    result: FileResult | None,
    parsed: dict[Path, tuple[str, ast.Module]] | None = None,
    read: Mapping[Path, bytes] | None = None,
) -> History:
    """The folder's history, loaded once per batch; its problems are reported once, with
    the first ``result`` given (a rule that reads it only for some files reports none:
    its findings say what could not be read)."""
    if folder not in histories:
        histories[folder] = History.load(folder, parsed, read)
    history = histories[folder]
    if result is not None:
        _report_problems(history, result)
    return history


def _report_problems(history: History, result: FileResult) -> None:
    """Report with ``result`` the history's problems not reported yet (a file the history
    parses while a rule reads it adds one when it does not parse)."""
    for problem in history.problems[history.problems_reported :]:
        result.problems.append(Problem(problem.path, problem.line, 0, problem.message))
    history.problems_reported = len(history.problems)


def _context(
    source: SourceFile,
    tree: ast.Module,
    options: Options,
    history: History | None,
    plan_refused: str = "",
    load_history: Callable[[], History] | None = None,
) -> FileContext:
    is_new = None
    if options.new_migrations is not None:
        is_new = str(source.path.resolve()) in options.new_migrations
    base = GitBase(is_new, options.base, options.no_base_reason)
    return FileContext(
        source.path,
        source.text,
        tree,
        history=history,
        base=base,
        settings=options.settings,
        plan_refused=plan_refused,
        load_history=load_history,
        find_line_length=functools.partial(options.line_length_for, source.path),
    )


def process_source(
    source: SourceFile,
    rules: Sequence[Rule],
    options: Options,
    result: FileResult,
    history: History | None = None,
    plan_refused: str = "",
    load_history: Callable[[], History] | None = None,
    shared: History | None = None,
    parsed: dict[Path, tuple[str, ast.Module]] | None = None,
) -> FileResult:
    """``shared``: the folder's history, when loaded (the file is parsed once, for the
    rules and the replay); ``parsed``: where a file parsed here is kept for the history
    loaded later."""
    path = source.path
    shared = history if shared is None else shared
    tree = shared.parsed_tree(path.stem, source.text) if shared is not None else None
    try:
        if tree is None:
            tree = parse_module(source.text, filename=str(path))
            if shared is not None:
                shared.adopt(path.stem, source.text, tree)
            elif parsed is not None:
                parsed[path] = (source.text, tree)
    except SyntaxError as exc:
        message = (exc.msg or "invalid syntax").strip()
        result.problems.append(
            Problem(
                path, exc.lineno or 1, max((exc.offset or 1) - 1, 0), f"cannot parse: {message}"
            )
        )
        return result
    except (ValueError, RecursionError, MemoryError) as exc:
        result.problems.append(Problem(path, 1, 0, f"cannot parse: {cannot_parse_reason(exc)}"))
        return result
    ctx = _context(source, tree, options, history, plan_refused, load_history)
    findings = scan(path, source.text, tree, rules, result, ctx)
    result.findings = findings
    result.cacheable = not ctx.reads_outside
    fixes = one_fix_per_call([f for f in findings if f.applicable(options.unsafe_fixes)])
    if options.rewrite and fixes:
        _rewrite(source, tree, fixes, rules, result, options.unsafe_fixes, ctx.line_length)
    return result


def scan(
    path: Path,
    text: str,
    tree: ast.Module,
    rules: Sequence[Rule],
    result: FileResult | None = None,
    ctx: FileContext | None = None,
) -> list[Finding]:
    """Run the rules on one parsed file; drop what ``# noqa`` suppresses."""
    ctx = ctx or FileContext(path, text, tree)
    ctx.wanted = frozenset(t.decode() for rule in rules for t in rule.triggers)
    comments = NoqaComments(text, ctx.lines)
    findings: list[Finding] = []
    reported_noqa: set[int] = set()
    try:
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
    finally:
        # (What the rules shared points back to the context: let it go with the file.)
        ctx.shared.clear()
    findings.sort(key=lambda f: (f.line, f.column, f.code))
    return findings


def one_fix_per_call(fixes: list[Finding]) -> list[Finding]:
    """The fixes to write: where one supersedes another rule's fix of the same call
    (MF004's real reverse, MF001's no-op), only that one, so two fixes never edit one call."""
    claimed = {
        (superseded, call)
        for f in fixes
        if f.fix is not None
        for superseded in f.fix.supersedes
        for call in _calls(f)
    }
    return [f for f in fixes if not any((f.code, call) in claimed for call in _calls(f))]


def _calls(finding: Finding) -> set[tuple[int, int]]:
    edits = finding.fix.edits if finding.fix is not None else ()
    return {(e.line, e.column) for e in edits if isinstance(e, (AddArgument, ReplaceArgument))}


def _rewrite(
    source: SourceFile,
    tree: ast.Module,
    fixes: list[Finding],
    rules: Sequence[Rule],
    result: FileResult,
    unsafe_fixes: bool = False,
    line_length: int = DEFAULT_LINE_LENGTH,
) -> None:
    from migration_fixer.rewrite import RewriteError, rewrite

    # Two findings may need the same edit (one generated function for two calls): once.
    edits = list(dict.fromkeys(edit for f in fixes if f.fix is not None for edit in f.fix.edits))
    codes = sorted({f.code for f in fixes})
    try:
        rewritten = rewrite(source.text, edits, tree, line_length)
        new_text = rewritten.text
        verify(
            tree,
            source.text,
            new_text,
            edits,
            # what the same run would fix in the new text (an unsafe fix it does not
            # write remains, with the same message)
            lambda text, new_tree: [
                f for f in scan(source.path, text, new_tree, rules) if f.applicable(unsafe_fixes)
            ],
            fixes,
            rewritten.splices,
        )
    except Exception as exc:
        # Whatever stops the fix, the findings stay, reported as not fixed, with why.
        if _INTERRUPTED.is_set():
            raise KeyboardInterrupt from exc
        if isinstance(exc, RecursionError):
            # libcst and the verification recurse deeper than the ast scan.
            message = (
                f"cannot fix {', '.join(codes)}: the code is nested too deeply to rewrite "
                "safely, file left untouched"
            )
        else:
            reason = (
                str(exc)
                if isinstance(exc, (RewriteError, VerificationError))
                else (f"{type(exc).__name__}: {_first_line(exc)}")
            )
            message = f"internal error in {', '.join(codes)} fix, file left untouched: {reason}"
        result.problems.append(Problem(source.path, fixes[0].line, fixes[0].column, message))
        result.findings = [
            Finding(f.code, f.message, f.line, f.column, None, f.hint) for f in result.findings
        ]
        return
    if new_text != source.text:  # pragma: no branch - verify rejects a fix that changes nothing
        result.change = FileChange(
            source.path, source.text, new_text, source.encoding, source.bom, source.cr
        )


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "(no message)"


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
    """Process ``paths``; yield results in the order of ``paths``.

    The unit of work is a batch of files of one migrations folder, so that a folder's
    history is read once and MF003's new migrations are numbered in one place; big
    folders are cut into several batches when no rule reading the history is selected.
    """
    batches = _batches(paths, any(r.needs_history for r in selected_rules(options.select)))
    workers = min(jobs or default_jobs(), max(1, len(paths) // 64), len(batches))
    with stop_on_signals(), collections_between_folders():
        if workers <= 1:
            done: Iterable[list[FileResult]] = (process_batch(b, options) for b in batches)
            yield from _in_path_order(paths, done, progress)
            return
        # Each worker has its own pipe (see migration_fixer.pool): one that dies costs
        # only the batch it was running, which is cut in halves and run again until the
        # file that kills a worker is alone; that file is reported, the others processed.
        # On any exception (Ctrl-C included) the workers are stopped, not waited for.
        _import_before_fork(options.select)
        with WorkerPool(functools.partial(_worker_batch, options=options), workers) as pool:
            yield from _in_path_order(paths, _isolated(pool, batches), progress)


def _import_before_fork(select: frozenset[str]) -> None:
    """Import what the selected rules import on first use, before the workers are
    forked: they share it instead of each importing it again. MF002's SQL parser (0.06 s
    of CPU per process) is needed as soon as one of the files has a ``RunSQL`` without a
    reverse; a run of more than a hundred files, the only kind that starts workers,
    nearly always has one (the parser then costs the main process what it saves one
    worker)."""
    if "MF002" in select:
        from migration_fixer.sqlinverse import import_parser

        import_parser()


def _worker_batch(names: Sequence[str], options: Options) -> list[tuple[int, FileResult]]:
    """:func:`process_batch` in a worker: the paths come as text, and only the results
    that say something come back, with their place in the batch (the main process makes
    the empty ones: pickling 16,000 results and their paths, most of them empty, cost
    it a tenth of a second and more)."""
    results = process_batch([Path(name) for name in names], options)
    return [(i, r) for i, r in enumerate(results) if r.findings or r.problems or r.change]


def _isolated(
    pool: WorkerPool[Sequence[str], list[tuple[int, FileResult]]], batches: list[list[Path]]
) -> Iterator[list[FileResult]]:
    """The batches' results in completion order; a file that kills its worker gets one
    problem instead of its result. The biggest batches go first, so that a big folder
    taken last does not leave one worker busy while the others wait."""
    work: dict[Hashable, list[Path]] = {}
    keys = itertools.count()

    def submit(batch: list[Path]) -> None:
        key = next(keys)
        work[key] = batch
        pool.submit(key, [str(path) for path in batch])

    for batch in sorted(batches, key=len, reverse=True):
        submit(batch)
    while pool.pending:
        _stop_if_interrupted()
        done = pool.next_done(timeout=0.25)
        if done is None:
            continue
        key, outcome = done
        batch = work.pop(key)
        if not isinstance(outcome, Crashed):
            results = [FileResult(path) for path in batch]
            for index, result in outcome:
                results[index] = result
            yield results
        elif len(batch) > 1:
            half = len(batch) // 2
            submit(batch[:half])
            submit(batch[half:])
        else:
            path = batch[0]
            message = (
                f"cannot process: the process handling this file was {outcome.reason}; "
                "file left untouched"
                if outcome.reason.startswith(("killed", "exited"))
                else f"cannot process: {outcome.reason}; file left untouched"
            )
            yield [FileResult(path, problems=[Problem(path, 1, 0, message)])]


#: Set when Ctrl-C (or SIGTERM) reached this process: a library interrupted mid-call can
#: turn the KeyboardInterrupt into another error (libcst's metadata then fails with a
#: KeyError), which must stop the run, not be reported as a broken file, or swallow it
#: (a handler run at fork time only prints "Exception ignored"): the run checks it.
_INTERRUPTED = threading.Event()


def _stop_if_interrupted() -> None:
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt in the main thread (SIGTERM, a CI
    runner's or a container's way of stopping a job, behaves like Ctrl-C: workers
    stopped, nothing half-written) and are noticed by :data:`_INTERRUPTED`."""
    _INTERRUPTED.clear()
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def interrupted(signum: int, frame: object) -> None:
        _INTERRUPTED.set()
        raise KeyboardInterrupt

    for sig in previous:
        signal.signal(sig, interrupted)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


#: When the collector runs during a run, between two folders (see
#: :func:`collections_between_folders`): after this many objects allocated and not freed
#: since its last collection of the young objects, and a collection of the older ones
#: after 10 and 100 of those, as the collector's own thresholds say.
GC_THRESHOLDS = (50_000, 10, 100)


@contextlib.contextmanager
def collections_between_folders() -> Iterator[None]:
    """Run with the cyclic garbage collector collecting only between two folders
    (:func:`collect_if_due`), not on its own.

    A run allocates a great many short-lived objects (the ``ast`` of every file, the
    history of every folder), freed by reference counting as soon as a folder is done: a
    folder leaves next to nothing in reference cycles (a test checks it), so that a
    collection is time spent walking what is still in use. With Python's default
    thresholds (700, 10, 10) the full collections took about a fifth of a cold run's CPU
    time, and with thresholds of (50,000, 10, 100) the collector still walked a folder's
    history while it was in use (0.2 s of a cold run with every rule); between two folders
    there is next to nothing to walk. The collector is on again on the way out, if it
    was (a library caller keeps its own)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collect_if_due() -> None:
    """Between two folders, while the collector does not run on its own
    (:func:`collections_between_folders`): collect what reference cycles left, when as
    much is new since the last collection as :data:`GC_THRESHOLDS` says."""
    if gc.isenabled():
        return  # (it runs on its own: not in a run)
    young, older, oldest = gc.get_count()
    if young < GC_THRESHOLDS[0]:
        return
    generation = 0
    if older + 1 >= GC_THRESHOLDS[1]:
        generation = 2 if oldest + 1 >= GC_THRESHOLDS[2] else 1
    gc.collect(generation)


def _in_path_order(
    paths: Sequence[Path],
    done: Iterable[list[FileResult]],
    progress: Callable[[int], None] | None,
) -> Iterator[FileResult]:
    """The batches' results in the order of ``paths`` (a folder's files need not be
    contiguous in it: ``migrations/0001.py``, ``migrations/old/migrations/x.py``,
    ``migrations/0002.py``), each yielded as soon as the ones before it are."""
    # Keyed by the paths' text: hashing 16,000 Path objects costs more than their text.
    slots: dict[str, list[int]] = {}
    for index, path in enumerate(paths):
        slots.setdefault(str(path), []).append(index)
    ready: dict[int, FileResult] = {}
    next_index = 0
    for results in done:
        _stop_if_interrupted()
        for result in results:
            ready[slots[str(result.path)].pop(0)] = result
            if progress:
                progress(1)
        while next_index in ready:
            yield ready.pop(next_index)
            next_index += 1


_BATCH = 64


def _batches(paths: Sequence[Path], by_folder: bool) -> list[list[Path]]:
    """Batches of about :data:`_BATCH` files: a folder's files together (a big folder cut
    in pieces of that size unless ``by_folder``), small folders one after the other in
    one batch (a corpus of 1,400 folders of 11 files on average made 1,400 round trips
    to the workers, each of which waits for the main process between two)."""
    folders: dict[str, list[Path]] = {}
    for path in paths:  # by the folder's text (cheaper than path.parent, the same groups)
        folders.setdefault(os.path.dirname(path), []).append(path)
    batches: list[list[Path]] = []
    pending: list[Path] = []
    for files in folders.values():
        if len(files) >= _BATCH:
            pieces = (
                [files]
                if by_folder
                else [files[i : i + _BATCH] for i in range(0, len(files), _BATCH)]
            )
            batches.extend(pieces)
            continue
        pending.extend(files)
        if len(pending) >= _BATCH:
            batches.append(pending)
            pending = []
    if pending:
        batches.append(pending)
    return batches


def process_batch(paths: Sequence[Path], options: Options) -> list[FileResult]:
    """The results of ``paths``, in their order, processed folder by folder: what a
    folder's files share (its history, the files parsed before the history was loaded,
    its cache) is let go of before the next folder (a batch of many small folders held
    them all to the end: more memory, and more for the garbage collector to walk)."""
    folders: dict[str, list[int]] = {}
    for index, path in enumerate(paths):  # (by the folder's text: see _batches)
        folders.setdefault(os.path.dirname(path), []).append(index)
    results: list[FileResult | None] = [None] * len(paths)
    for indexes in folders.values():
        folder = paths[indexes[0]].parent
        done = _process_folder(folder, [paths[i] for i in indexes], options)
        for index, result in zip(indexes, done, strict=True):
            results[index] = result
        collect_if_due()
    return [result for result in results if result is not None]


def _process_folder(folder: Path, paths: Sequence[Path], options: Options) -> list[FileResult]:
    """The results of ``paths``, all of them files of ``folder``."""
    histories: dict[Path, History] = {}
    parsed: dict[Path, tuple[str, ast.Module]] = {}
    root = Path(options.cache_dir) if options.cache_dir and options.cache_secret else None
    folder_cache = FolderCache.load(root, folder, FileResult, options.cache_secret)
    # Every file read before the first is processed: the folder's history, loaded while
    # one of them is, takes their bytes instead of reading them again.
    read: dict[Path, bytes] = {}
    for path in paths:
        with contextlib.suppress(OSError):  # unreadable: process_file reports it
            read[path] = path.read_bytes()
    results = []
    for path in paths:
        data = read.get(path)
        cache_key = None
        if root is not None and data is not None:
            cache_key = _cache_key(path, data, options, folder_cache)
        cached = folder_cache.get(path, cache_key) if cache_key is not None else None
        if isinstance(cached, FileResult):
            results.append(cached)
            continue
        result = _process_safely(path, options, histories, data, parsed=parsed, read=read)
        if cache_key is not None and result.cacheable:
            folder_cache.put(path, cache_key, result)
        results.append(result)
    folder_cache.save()
    return _planned(results, options, histories)


def _planned(
    results: list[FileResult], options: Options, histories: dict[Path, History]
) -> list[FileResult]:
    """The results with the new migrations their fixes create planned, folder by folder
    (:mod:`migration_fixer.planning`); a folder whose plan is refused has its files
    processed again without those fixes, so that none of them is written."""
    by_folder: dict[str, list[int]] = {}
    for index, result in enumerate(results):  # (by the folder's text: see _batches)
        by_folder.setdefault(os.path.dirname(result.path), []).append(index)
    planned = list(results)
    for indexes in by_folder.values():
        group = [results[i] for i in indexes]
        if not any(f.fix and f.fix.new_migrations for r in group for f in r.findings):
            continue
        folder = group[0].path.parent
        if folder not in histories:
            histories[folder] = History.load(folder)
        outcome = plan_folder(histories[folder], group, options.unwritable)
        if isinstance(outcome, Refusal):
            for index in indexes:
                if results[index].path in outcome.origins:
                    planned[index] = _process_safely(
                        results[index].path, options, histories, plan_refused=outcome.reason
                    )
        else:
            for index, result in zip(indexes, outcome, strict=True):
                planned[index] = result
    return planned


def _cache_key(path: Path, data: bytes, options: Options, folder_cache: FolderCache) -> str:
    """Everything ``path``'s result depends on, hashed."""
    extra: list[str] = []
    rules = selected_rules(options.select)
    if _reads_history(rules, data) or _may_read_history(rules, data):
        # MF003 reads the folder's history and asks git which migrations are new; MF002
        # reads the earlier RunSQL calls of the folder for a DROP.
        extra = [
            folder_cache.folder_hash(path.parent, options.new_migrations),
            repr((options.new_migrations is None, options.base, options.no_base_reason)),
        ]
    if options.rewrite:
        extra.append(str(options.line_length_for(path)))
    return cache_key(options.fingerprint(), data, *extra)


def _process_safely(
    path: Path,
    options: Options,
    histories: dict[Path, History],
    data: bytes | None = None,
    plan_refused: str = "",
    parsed: dict[Path, tuple[str, ast.Module]] | None = None,
    read: Mapping[Path, bytes] | None = None,
) -> FileResult:
    """:func:`process_file`, with anything unexpected reported against the file: one odd
    file must not stop (or crash with a traceback) a run over thousands."""
    try:
        return process_file(path, options, histories, data, plan_refused, parsed, read)
    except RecursionError:
        message = "cannot analyse: the code is nested too deeply"
    except Exception as exc:
        if _INTERRUPTED.is_set():
            raise KeyboardInterrupt from exc
        message = f"internal error, file left untouched: {type(exc).__name__}: {exc}"
    return FileResult(path, problems=[Problem(path, 1, 0, message)])


__all__ = ["FileResult", "Options", "Problem", "process_file", "run_files", "split_lines"]
