"""A pure harness for MF003: the folder's history built from sources, the rule run on every
file of the folder as a run does, then the runner's per-folder planning; no git, no CLI,
nothing read from or written to disk. Which migrations are new relative to the git base is
given by the test (``new``); the git logic itself is tested through the CLI elsewhere.

``check_transformed(base, before, after, new_files)`` is django-upgrade's helper of the
same name for a rule that reads a history: it also checks that what the fix writes uses
only names its file imports, and that a second run changes nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from _mf003 import initial, migration, remove

from migration_fixer.dotted_names import introduced_names
from migration_fixer.history import History
from migration_fixer.newer_syntax import parse
from migration_fixer.planning import Refusal, plan_folder
from migration_fixer.rule import RuleSettings
from migration_fixer.rules import mf003_nonnull_remove_field as mf003
from migration_fixer.runner import FileResult, Options, process_source
from migration_fixer.source import SourceFile

#: A folder that does not exist: the harness never touches the disk.
FOLDER = Path("/nonexistent-mf003-harness/shop/migrations")
BASE_COMMIT = "b" * 40


@dataclass
class Outcome:
    #: The findings as the CLI prints them, without the folder: ``0002_x.py:8:9: MF003
    #: message [fixable]`` then ``  hint: ...``.
    report: list[str] = field(default_factory=list)
    #: New text of each file the fix changes, by file name.
    fixed: dict[str, str] = field(default_factory=dict)
    #: Files the fix creates, by file name.
    new_files: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _planned_results(
    base: Mapping[str, str],
    new: Mapping[str, str],
    strategy: str = "nullable",
    *,
    vocabulary: str = "ours",
    no_base_reason: str | None = None,
    dialect: str = "",
) -> list[FileResult]:
    """Every file's result, planned for the folder as the runner does."""
    sources = {**base, **new}
    history = History.from_sources(FOLDER, sources)
    options = Options(
        select=frozenset({mf003.code}),
        rewrite=True,
        new_migrations=(
            None if no_base_reason is not None else frozenset(str(FOLDER / n) for n in new)
        ),
        no_base_reason=no_base_reason or "",
        base=BASE_COMMIT,
        settings=RuleSettings(
            (
                ("MF003", "strategy", strategy),
                ("MF003", "vocabulary", vocabulary),
                ("MF003", "dialect", dialect),
            )
        ),
    )

    def process(name: str, plan_refused: str = "") -> FileResult:
        path = FOLDER / name
        source = SourceFile(path, sources[name], "utf-8", False)
        return process_source(source, [mf003], options, FileResult(path), history, plan_refused)

    names = sorted(sources)
    results = [process(name) for name in names]
    planned = plan_folder(history, results)
    if isinstance(planned, Refusal):
        planned = [
            process(r.path.name, planned.reason) if r.path in planned.origins else r
            for r in results
        ]
    return planned


def run_mf003(
    base: Mapping[str, str],
    new: Mapping[str, str],
    *,
    strategy: str = "nullable",
    vocabulary: str = "ours",
    no_base_reason: str | None = None,
    dialect: str = "",
) -> Outcome:
    """MF003 over a folder whose ``base`` files are on the git base and ``new`` ones are
    not (``no_base_reason``: there is no base, and why; ``dialect``: the project's, as
    ``--dialect`` takes them)."""
    planned = _planned_results(
        base, new, strategy, vocabulary=vocabulary, no_base_reason=no_base_reason, dialect=dialect
    )
    return _outcome(planned)


def _outcome(planned: list[FileResult]) -> Outcome:
    outcome = Outcome()
    for result in planned:
        outcome.problems.extend(f"{p.path.name}:{p.line}: {p.message}" for p in result.problems)
        for finding in result.findings:
            state = " [fixable]" if finding.fixable else ""
            outcome.report.append(
                f"{result.path.name}:{finding.line}:{finding.column + 1}: {finding.code} "
                f"{finding.message}{state}"
            )
            if finding.hint:
                outcome.report.append(f"  hint: {finding.hint}")
            for new_file in finding.fix.new_files if finding.fix else ():
                outcome.new_files[new_file.path.name] = new_file.text
        if result.change is not None:
            outcome.fixed[result.path.name] = result.change.new_text
    return outcome


def check_transformed(
    base: Mapping[str, str],
    before: str,
    after: str,
    new_files: Mapping[str, str] = {},
    *,
    name: str = "0002_x.py",
    strategy: str = "nullable",
    vocabulary: str = "ours",
) -> Outcome:
    """``before`` (the new migration ``name`` after ``base``) is fixed into ``after`` and
    creates ``new_files``; what it writes imports what it uses; the result is clean."""
    outcome = run_mf003(base, {name: before}, strategy=strategy, vocabulary=vocabulary)
    assert outcome.problems == []
    assert outcome.fixed == {name: after}
    assert outcome.new_files == dict(new_files)
    assert introduced_names(parse(before), parse(after)) == set()
    for text in new_files.values():
        assert introduced_names(ast.Module(body=[], type_ignores=[]), ast.parse(text)) == set()
    again = run_mf003(base, {name: after, **new_files}, strategy=strategy, vocabulary=vocabulary)
    assert again.fixed == {}
    assert again.new_files == {}
    assert not any(line.endswith("[fixable]") for line in again.report)
    return outcome


def check_report(
    base: Mapping[str, str], new: Mapping[str, str], report: list[str], **kwargs: str
) -> Outcome:
    """The findings are exactly ``report`` (lines as :class:`Outcome` has them)."""
    outcome = run_mf003(base, new, **kwargs)
    assert outcome.report == report, outcome.report
    return outcome


# -- the CLI's view, for tests written against its output ------------------------------------

SHOWN = Path("shop/migrations")


@dataclass
class PureRepo:
    """The folder of a would-be git repository: ``base`` on the git base, ``new`` not;
    a fix run updates ``new`` as the CLI would write it."""

    base: dict[str, str]
    new: dict[str, str]


@dataclass
class PureResult:
    stdout: str
    exit_code: int


def make_repo(root: Path, base: Mapping[str, str], new: Mapping[str, str] = {}) -> PureRepo:
    """Like ``_mf003.make_repo`` (``root`` is ignored: nothing is written)."""
    return PureRepo(dict(base), dict(new))


def run(repo: PureRepo, *args: str) -> PureResult:
    """What ``migration-fixer [--check] [--strategy S] .`` prints and exits with, for a
    folder of a repository, computed by the real report code on the pure run."""
    from migration_fixer import report
    from migration_fixer.api import RunResult
    from migration_fixer.changeset import ChangeSet, FileChange
    from migration_fixer.config import Config, Mode

    options = list(args)
    mode = Mode.FIX
    strategy = "nullable"
    while options:
        option = options.pop(0)
        if option == "--check":
            mode = Mode.CHECK
        elif option == "--strategy":
            strategy = options.pop(0)
        elif option != ".":
            raise NotImplementedError(f"the pure harness has no {option}: use the git tests")
    planned = _planned_results(repo.base, repo.new, strategy)
    outcome = _outcome(planned)
    assert outcome.problems == []
    result = RunResult(Config(mode=mode, strategy=strategy))
    result.files_checked = len(repo.base) + len(repo.new)
    for planned_result in planned:
        if planned_result.findings:
            result.files.append(
                FileResult(SHOWN / planned_result.path.name, planned_result.findings)
            )
    changes = tuple(
        FileChange(SHOWN / name, {**repo.base, **repo.new}[name], text)
        for name, text in sorted(outcome.fixed.items())
    )
    result.changeset = ChangeSet(changes)
    if mode is Mode.FIX:
        result.written = {SHOWN / name for name in [*outcome.fixed, *outcome.new_files]}
        repo.new.update(outcome.fixed)
        repo.new.update(outcome.new_files)
    lines = []
    for path, finding in result.findings:
        lines.append(report.finding_line(result, path, finding))
        if finding.hint:
            lines.append(f"  hint: {finding.hint}")
    lines.append(report.summary(result))
    return PureResult("".join(f"{line}\n" for line in lines), report.exit_code(result))


def read(repo: PureRepo, name: str) -> str:
    return {**repo.base, **repo.new}[name]


def listing(repo: PureRepo) -> list[str]:
    return sorted([*repo.base, *repo.new, "__init__.py"])


def fixed_folder(base: Mapping[str, str], new: Mapping[str, str], *args: str) -> PureRepo:
    """The folder after a fix run that exits 0 (``args``: its options), checked as
    :func:`fixed_again` checks it: read what the fix wrote from it."""
    repo = make_repo(Path(), base, new)
    result = run(repo, *args, ".")
    assert result.exit_code == 0, result.stdout
    fixed_again(repo)
    return repo


def removed_then(
    later: str, *, imports: str = "from django.db import migrations, models\n", head: str = ""
) -> PureRepo:
    """The folder where new 0002_remove removes ``product.sku`` (a CharField on the git
    base) and new 0003_later runs the operation ``later`` (its file starts with ``imports``,
    then ``head``)."""
    return make_repo(
        Path(),
        {"0001_initial.py": initial('("sku", models.CharField(max_length=9))')},
        {
            "0002_remove.py": migration(remove("sku")),
            "0003_later.py": migration(
                later, deps='("shop", "0002_remove")', imports=imports, head=head
            ),
        },
    )


def fixed_again(repo: PureRepo) -> None:
    """The fixed folder: every file compiles and imports what it uses, and a second run
    finds nothing and changes nothing."""
    for name, text in {**repo.base, **repo.new}.items():
        compile(parse(text), name, "exec")
    before = dict(repo.new)
    again = run(repo, ".")
    assert " MF003 " not in again.stdout
    assert again.exit_code == 0
    assert repo.new == before
    assert run(repo, "--check", ".").exit_code == 0
