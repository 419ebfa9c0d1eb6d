"""Entry points usable from Python, without click.

>>> from migration_fixer.api import fix_source
>>> source = "from django.db import migrations\\nops = [migrations.RunSQL('DELETE FROM t')]\\n"
>>> print(fix_source(source))
from django.db import migrations
ops = [migrations.RunSQL('DELETE FROM t', reverse_sql=migrations.RunSQL.noop)]
<BLANKLINE>
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from migration_fixer import cache, git
from migration_fixer.cache import CACHE_DIR_NAME
from migration_fixer.changeset import ChangeSet, FileChange
from migration_fixer.config import Config, ConfigError, Mode, anchor_per_file_ignores
from migration_fixer.dialect import describe as describe_dialect
from migration_fixer.dialect import detect as detect_dialect
from migration_fixer.dialect import project_folder, settings_files
from migration_fixer.discovery import discover
from migration_fixer.layout import DEFAULT_LINE_LENGTH
from migration_fixer.migration_modules import include_patterns, migration_modules
from migration_fixer.parsing import parse_module
from migration_fixer.project import deploy_vocabulary
from migration_fixer.rule import Finding, NewFile, RuleSettings
from migration_fixer.rules import DEFAULT_CODES
from migration_fixer.runner import FileResult, Options, Problem, process_source, run_files, scan
from migration_fixer.runner import selected_rules as _selected
from migration_fixer.source import (
    ChangedOnDisk,
    SourceFile,
    clean_stale_temporaries,
    encode,
    write_atomic,
)


@dataclass
class RunResult:
    config: Config
    files: list[FileResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    changeset: ChangeSet = field(default_factory=ChangeSet)
    written: set[Path] = field(default_factory=set)
    files_checked: int = 0
    notices: list[str] = field(default_factory=list)
    #: Said only with --verbose (e.g. why the cache is off for this run).
    details: list[str] = field(default_factory=list)
    #: The folders of the paths to check below which no file is a migration (not looked
    #: for with ``--since``, which lists only the changed files).
    empty_folders: list[Path] = field(default_factory=list)
    repo_root: Path | None = None
    #: The commit migrations are "new" against: the merge-base of ``--since REF`` and
    #: HEAD, else of the default branch (origin/HEAD, origin/main, origin/master, main,
    #: master: the first that exists and is not the checked-out branch) and HEAD; None
    #: outside a repository or without such a branch.
    base_commit: str | None = None
    #: Absolute paths of the files that do not exist in ``base_commit`` (added since,
    #: committed or not, and untracked files); None when ``base_commit`` is None.
    new_since_base: frozenset[Path] | None = None
    #: Resolved paths of the files with unstaged changes (fix mode without
    #: --allow-dirty): never written.
    unwritable: frozenset[Path] = frozenset()

    def is_new(self, path: Path) -> bool | None:
        """Whether ``path`` is new relative to :attr:`base_commit` (None: unknown)."""
        if self.new_since_base is None:
            return None
        return path.resolve() in self.new_since_base

    @property
    def findings(self) -> list[tuple[Path, Finding]]:
        return [(r.path, f) for r in self.files for f in r.findings]

    def fixable(self, finding: Finding) -> bool:
        """Whether this run writes (or would write) the finding's fix: a safe fix, or an
        unsafe one with ``--unsafe-fixes``."""
        return finding.applicable(self.config.unsafe_fixes)

    def hidden_fix(self, finding: Finding) -> bool:
        """Whether the finding has an unsafe fix that only ``--unsafe-fixes`` writes."""
        return finding.hidden_fix(self.config.unsafe_fixes)

    def is_fixed(self, path: Path, finding: Finding) -> bool:
        return self.fixable(finding) and path in self.written

    def hint(self, path: Path, finding: Finding) -> str | None:
        """The finding's hint, as it reads after this run: once an unsafe fix is written,
        what it leaves undone rather than how to accept it."""
        if finding.fix is not None and finding.fix.written_hint and self.is_fixed(path, finding):
            return finding.fix.written_hint
        return finding.hint


#: The rules that read the project's dialect (their ``dialect`` setting).
_DIALECT_RULES = ("MF002", "MF003", "MF005")


def _dialect_settings(dialects: Sequence[str]) -> tuple[tuple[str, str, str], ...]:
    return tuple((rule, "dialect", ",".join(dialects)) for rule in _DIALECT_RULES)


def _codes(select: frozenset[str] | None) -> frozenset[str]:
    return DEFAULT_CODES if select is None else select


def check_source(
    text: str, path: str = "<string>", select: frozenset[str] | None = None
) -> list[Finding]:
    """The findings for one module's source (noqa comments honoured)."""
    rules = _selected(_codes(select))
    return scan(Path(path), text, parse_module(text), rules)


def fix_source(
    text: str,
    path: str = "<string>",
    select: frozenset[str] | None = None,
    *,
    unsafe_fixes: bool = False,
    dialect: tuple[str, ...] = (),
    line_length: int = DEFAULT_LINE_LENGTH,
) -> str:
    """The source with every fixable finding fixed (verified like a run's fixes); unsafe
    fixes only with ``unsafe_fixes=True``; a line a fix makes longer than
    ``line_length`` split as black would."""
    result = FileResult(Path(path))
    source = SourceFile(Path(path), text, "utf-8", False)
    options = Options(
        select=_codes(select),
        rewrite=True,
        unsafe_fixes=unsafe_fixes,
        settings=RuleSettings(_dialect_settings(dialect)),
        line_length=line_length,
    )
    process_source(source, _selected(options.select), options, result)
    if result.problems:
        raise ValueError(result.problems[0].message)
    return result.change.new_text if result.change else text


def run(config: Config, progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Discover, scan, fix/diff/check according to ``config``. Writes only in fix mode."""
    result = RunResult(config)
    repo = git.open_repository(config.paths[0])
    result.repo_root = repo.root if repo else None
    changed = _resolve_base(result, repo)
    errors: list[tuple[Path, str]] = []
    skipped: list[Path] = []
    project = project_folder(config.paths[0], config.root)
    # The settings files, listed once, when something needs them: the folders of
    # MIGRATION_MODULES (not for files named on the command line, checked whatever their
    # folder: a pre-commit run names them) and the SQL dialect (unless configured).
    settings = functools.cache(lambda: settings_files(project))
    folders = [p for p in config.paths if not p.is_file()]
    modules = migration_modules(project, settings()) if folders else []
    for module in modules:
        result.details.append(
            f"migrations of {module.label} in {module.module} (MIGRATION_MODULES in {module.where})"
        )
    files, missing = discover(
        config.paths,
        repo=repo,
        root=config.root,
        extend_include=(*config.extend_include, *include_patterns(modules, config.root)),
        exclude=config.exclude,
        changed=changed,
        errors=errors,
        skipped=skipped,
        empty=result.empty_folders,
    )
    for path in missing:
        result.problems.append(Problem(path, 0, 0, "no such file or directory"))
    for path, why in errors:
        result.problems.append(Problem(path, 0, 0, why))
    for path in skipped:
        result.notices.append(f"{path.as_posix()}: skipped: not a regular file")
    if config.mode is Mode.FIX:
        for folder in sorted({f.parent for f in files}):
            for stale in clean_stale_temporaries(folder):
                result.details.append(
                    f"removed {stale.as_posix()}, left behind by an interrupted run"
                )
    result.files_checked = len(files)
    project_root = repo.root if repo else config.root
    targets = _Targets(config.paths, repo) if config.mode is Mode.FIX else None
    if targets is not None and not config.allow_dirty:
        # The one dirty check, in the repository that holds each file, before the run:
        # a folder's new migrations are planned without the fixes of a file that will
        # not be written, and _write refuses the same files.
        result.unwritable = frozenset(p.resolve() for p in targets.dirty(files))
    dialects, dialect_source = config.dialect, config.dialect_source
    if dialects is None:
        dialects, dialect_source = detect_dialect(project, settings())
    result.details.append(describe_dialect(dialects, dialect_source))
    options = Options(
        select=config.select,
        rewrite=config.mode is not Mode.CHECK,
        ignores=anchor_per_file_ignores(config.per_file_ignores, config.root),
        new_migrations=(
            None
            if result.new_since_base is None
            else frozenset(str(p) for p in result.new_since_base)
        ),
        no_base_reason=(
            "not in a git repository, so nothing tells a new migration from an applied one"
            if repo is None
            else "no git base to tell new migrations from applied ones (pass --since REF)"
        ),
        base=result.base_commit or "",
        settings=RuleSettings(
            (
                ("MF003", "strategy", config.strategy),
                ("MF003", "vocabulary", deploy_vocabulary(project_root)),
                ("MF003", "roots", os.pathsep.join(_source_roots(repo, config))),
                ("MF003", "field-classes", json.dumps(dict(config.field_classes), sort_keys=True)),
                *_dialect_settings(dialects),
            )
        ),
        unwritable=frozenset(str(p) for p in result.unwritable),
        unsafe_fixes=config.unsafe_fixes,
        line_length=config.line_length,
    )
    if config.cache:
        cache_dir, secret = _cache(result, repo, config.root)
        options = dataclasses.replace(options, cache_dir=cache_dir, cache_secret=secret)
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, len(files))

    for file_result in run_files(files, options, config.jobs, tick):
        result.problems.extend(file_result.problems)
        if file_result.findings or file_result.change:
            result.files.append(file_result)
    for rule in _selected(config.select):
        # A rule may sum up its findings for --verbose (MF003: what is left undecided).
        summarize = getattr(rule, "summarize", None)
        if summarize is not None:
            result.details.extend(summarize([f for _, f in result.findings]))
    changes = tuple(r.change for r in result.files if r.change is not None)
    new_files: tuple[NewFile, ...] = tuple(
        nf
        for r in result.files
        for f in r.findings
        if f.fix and result.fixable(f)
        for nf in f.fix.new_files
    )
    result.changeset = ChangeSet(changes, new_files)
    if targets is not None and result.changeset:
        _write(result, targets)
    return result


def _source_roots(repo: git.Repository | None, config: Config) -> list[str]:
    """Where MF003 looks for the modules of the project's own field classes: the
    repository, or else the paths the run was given."""
    if repo is not None:
        return [str(repo.root)]
    folders = (p if p.is_dir() else p.parent for p in (p.resolve() for p in config.paths))
    return list(dict.fromkeys(str(f) for f in folders))  # (files of one folder: one root)


def _cache(
    result: RunResult, repo: git.Repository | None, config_root: Path
) -> tuple[str | None, str | None]:
    """Where this run's cache is, and the secret that signs it; (None, None) with the
    reason in ``result.details`` when the cache is off for the run.

    The cache lives at the repository root; outside a repository, in the folder of the
    project's pyproject.toml, and nowhere when there is none (a run over a folder that
    is no project leaves nothing behind in the working directory)."""
    if repo is not None:
        root = repo.root
    elif (config_root / "pyproject.toml").is_file():
        root = config_root
    else:
        return None, None
    folder = root / CACHE_DIR_NAME
    why = cache.check_dir(folder)
    if why is None:
        secret, why = cache.load_secret(repo.root if repo is not None else None)
        if secret is not None:
            return str(folder), secret
    result.details.append(f"cache off for this run: {why}")
    return None, None


def _resolve_base(result: RunResult, repo: git.Repository | None) -> set[Path] | None:
    """Set ``result.base_commit``/``new_since_base``; with ``--since``, return the
    changed files (absolute) that discovery must limit itself to."""
    since = result.config.since
    if since is not None and repo is None:
        raise ConfigError(
            f"--since needs a git repository, and {result.config.paths[0]} is not in one"
        )
    if repo is None:
        return None
    pathspecs = [p for p in result.config.paths if p.exists() and repo.contains(p)]
    try:
        # Without --since: the merge-base with the default branch, else (on the default
        # branch itself, or with no remote) HEAD, so that uncommitted migrations are new.
        base = repo.merge_base(since) if since is not None else repo.default_base() or repo.head()
        if base is None:
            return None
        result.base_commit = base
        result.new_since_base = frozenset(repo.added_since(base, pathspecs))
        return repo.changed_since(base, pathspecs) if since is not None else None
    except git.GitError as exc:
        if since is None:  # no --since: a base we cannot find is just no base
            result.base_commit = result.new_since_base = None
            return None
        raise ConfigError(f"--since {since}: {exc}") from exc


def _write(result: RunResult, targets: _Targets) -> None:
    """Write the ChangeSet: only files inside the repository (or the given paths), never
    over unstaged changes (``result.unwritable``, checked before the run in each repository
    that holds a file) or an edit saved during the run (each write compares the file with
    what was read); folder by folder, each folder's writes ordered so that an interrupt or
    a crash at any instant leaves it untouched, fully fixed, or migratable."""
    refused: dict[Path, str] = {}  # path -> why it is not written
    for change in result.changeset.changes:
        why = targets.outside(change.path)
        if why:
            refused[change.path] = why
    for new_file in result.changeset.new_files:
        why = targets.outside(new_file.path, new=True)
        if why:
            refused[new_file.path] = why
    # Unstaged changes only: staged files and untracked ones are written (see
    # git.Repository.dirty_files and docs/configuration.md for why).
    for change in result.changeset.changes:
        if change.path not in refused and change.path.resolve() in result.unwritable:
            refused[change.path] = (
                "has unstaged changes: not written (commit, stage or stash them, "
                "or pass --allow-dirty)"
            )
    for path in [c.path for c in result.changeset.changes] + [
        nf.path for nf in result.changeset.new_files
    ]:
        if path in refused:
            result.problems.append(Problem(path, 0, 0, refused[path]))
    folders: dict[Path, _Folder] = {}
    for change in result.changeset.changes:
        folders.setdefault(change.path.parent, _Folder()).changes.append(change)
    for new_file in result.changeset.new_files:
        folder = (new_file.origin or new_file.path).parent
        folders.setdefault(folder, _Folder()).new_files.append(new_file)
    for path in sorted(folders):
        with _signals_deferred():
            _write_folder(result, folders[path], refused)


@dataclass
class _Folder:
    changes: list[FileChange] = field(default_factory=list)
    new_files: list[NewFile] = field(default_factory=list)


def _write_folder(result: RunResult, folder: _Folder, refused: dict[Path, str]) -> None:
    """One migrations folder. A fix that creates files (MF003's split: the edited
    migration plus its later drop migration) is all or nothing for the whole folder,
    because a folder's drop migrations may depend on each other: the edited migrations
    first (each is migratable on its own: it only makes the field nullable), then the
    new files; on any failure, what was done is undone in reverse order."""
    split = {nf.origin for nf in folder.new_files if nf.origin is not None}
    blocked = [p for p in [*split, *(nf.path for nf in folder.new_files)] if p in refused]
    group = [c for c in folder.changes if c.path in split]
    if blocked:
        for path in sorted({*split, *(nf.path for nf in folder.new_files)} - set(refused)):
            result.problems.append(
                Problem(
                    path,
                    0,
                    0,
                    f"not written: the fix of this folder is all or nothing, and "
                    f"{blocked[0].name} is not written",
                )
            )
        group = []
    for change in sorted(folder.changes, key=lambda c: c.path):
        if change.path in split or change.path in refused:
            continue
        if _write_change(result, change):
            result.written.add(change.path)
    if blocked or not folder.new_files:
        return
    done: list[FileChange] = []
    created: list[Path] = []
    failed = False
    for change in sorted(group, key=lambda c: c.path):
        if not _write_change(result, change):
            failed = True
            break
        done.append(change)
    for new_file in sorted(folder.new_files, key=lambda nf: nf.path):
        if failed:
            break
        try:
            write_atomic(new_file.path, new_file.text.encode("utf-8"), create=True)
        except OSError as exc:
            result.problems.append(Problem(new_file.path, 0, 0, f"cannot create: {exc}"))
            failed = True
            break
        created.append(new_file.path)
    if not failed:
        result.written.update(c.path for c in done)
        result.written.update(created)
        return
    # Undo, newest first: the drop files go before the edits are reverted, so that the
    # folder stays migratable at every step.
    for path in reversed(created):
        path.unlink(missing_ok=True)
    for change in reversed(done):
        try:
            write_atomic(change.path, _encode_old(change), expected=_encode(change))
        except OSError as exc:  # pragma: no cover - the file was just written by us
            result.problems.append(
                Problem(
                    change.path,
                    0,
                    0,
                    f"fixed without its new migration, and cannot be restored: {exc}; "
                    "it still migrates, restore it with git",
                )
            )
            continue
    untouched = sorted({*split, *(nf.path for nf in folder.new_files)})
    for path in untouched:
        if not any(p.path == path for p in result.problems):
            result.problems.append(
                Problem(path, 0, 0, "not written: another file of this folder's fix failed")
            )


def _write_change(result: RunResult, change: FileChange) -> bool:
    try:
        write_atomic(change.path, _encode(change), expected=_encode_old(change))
    except ChangedOnDisk:
        result.problems.append(
            Problem(change.path, 0, 0, "changed on disk during the run: not written (run again)")
        )
        return False
    except OSError as exc:
        result.problems.append(Problem(change.path, 0, 0, f"cannot write: {exc}"))
        return False
    return True


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done (a folder's writes): an interrupt
    never lands between an edited migration and its drop migration."""
    if not hasattr(signal, "pthread_sigmask") or (
        threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    deferred = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, deferred)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class _Targets:
    """Where a write may land: inside the root of the repository of each given path, or
    the given folder itself (a given file: its folder) outside a repository; and which
    repository holds each written file, for the dirty check."""

    def __init__(self, paths: Sequence[Path], repo: git.Repository | None) -> None:
        self.roots: list[Path] = []
        self.in_repo = False
        for path in paths:
            found = git.open_repository(path) if path.exists() else None
            if found is not None:
                self.roots.append(found.root)
                self.in_repo = True
            elif path.is_dir():
                self.roots.append(path.resolve())
            else:
                self.roots.append(path.absolute().parent.resolve())
        if repo is not None:
            self.roots.append(repo.root)
            self.in_repo = True
        self._repos: dict[Path, git.Repository | None] = {}

    def _inside(self, real: Path) -> bool:
        return any(real == root or root in real.parents for root in self.roots)

    def outside(self, path: Path, *, new: bool = False) -> str | None:
        """Why writing ``path`` would leave the repository (or the given paths), or None."""
        real = (
            Path(os.path.realpath(path.parent)) / path.name if new else Path(os.path.realpath(path))
        )
        if self._inside(real):
            return None
        where = "the repository" if self.in_repo else "the given paths"
        if new:
            return f"{path.parent} leads to {real.parent}, outside {where}: not created"
        return f"is a symlink to {real}, outside {where}: not written"

    def dirty(self, paths: Sequence[Path]) -> set[Path]:
        """Those of ``paths`` with unstaged changes in the repository holding each one
        (a second repository, a submodule, or the target of a symlink)."""
        groups: dict[Path, tuple[git.Repository, list[tuple[Path, Path]]]] = {}
        for path in paths:
            real = Path(os.path.realpath(path))
            holder = self._repository(real.parent)
            if holder is not None and holder.contains(real):
                groups.setdefault(holder.root, (holder, []))[1].append((path, real))
        found: set[Path] = set()
        for holder, members in groups.values():
            reals = [real for _, real in members]
            dirty = holder.dirty_files(reals if len(reals) <= 1000 else ())
            found.update(path for path, real in members if real in dirty)
        return found

    def _repository(self, folder: Path) -> git.Repository | None:
        """The repository holding ``folder``: a folder without ``.git`` (a directory, or
        the file of a submodule or a worktree) is in its parent's, as git finds it; opened
        once per repository, not once per folder."""
        if folder not in self._repos:
            if (folder / ".git").exists() or folder.parent == folder:
                self._repos[folder] = git.open_repository(folder)
            else:
                self._repos[folder] = self._repository(folder.parent)
        return self._repos[folder]


def _encode(change: FileChange) -> bytes:
    return encode(
        SourceFile(change.path, change.old_text, change.encoding, change.bom, change.cr),
        change.new_text,
    )


def _encode_old(change: FileChange) -> bytes:
    """The bytes the run read (decoding and encoding back is lossless: see source.py)."""
    return encode(
        SourceFile(change.path, change.old_text, change.encoding, change.bom, change.cr),
        change.old_text,
    )
