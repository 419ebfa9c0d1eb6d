"""Planning the new migrations a folder's fixes create (MF003's deferred drops).

Rules return data and never number files: a fix that creates a migration carries a
:class:`~migration_fixer.rule.NewMigration` without a name. The runner plans each folder
once all its files are processed: the new migrations are numbered after every migration
of the folder, in path order of the files that create them, the first depending on the
folder's leaf and each next one on the previous, so the folder keeps one leaf. Then they
are verified like edited files are (they parse and compile, use only names they import,
every dependency they name exists on disk or in the plan, no number is taken twice, one
leaf after the change). A folder is planned whole or not at all: when a file that creates
a migration will not be written (unstaged changes) or anything fails, none of the
folder's fixes that create migrations is made, and the findings say why.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from migration_fixer.dotted_names import unresolved_names
from migration_fixer.history import History, MigrationFile, read_migration
from migration_fixer.rule import PLANNED_NAME, NewFile

if TYPE_CHECKING:
    from migration_fixer.runner import FileResult

_NUMBER = re.compile(r"^(\d+)_")


@dataclass(frozen=True)
class Refusal:
    """The folder's new migrations cannot be written: why, and the files whose fixes
    create them (processed again without those fixes)."""

    reason: str
    origins: frozenset[Path]


def plan_folder(
    history: History, results: Sequence[FileResult], unwritable: frozenset[str] = frozenset()
) -> list[FileResult] | Refusal:
    """``results`` (one folder's, in path order) with every new migration numbered,
    rendered and verified, or why the folder's new migrations cannot be written."""
    requests = [
        (result, new)
        for result in results
        for finding in result.findings
        if finding.fix is not None
        for new in finding.fix.new_migrations
    ]
    origins = frozenset(result.path for result, _ in requests)
    refused = sorted(p.name for p in origins if str(p.resolve()) in unwritable)
    if refused:
        return Refusal(
            f"{', '.join(refused)} {'has' if len(refused) == 1 else 'have'} unstaged changes "
            "and will not be written, and the new migrations of a folder are written "
            "together or not at all (commit or stash the changes, or pass --allow-dirty)",
            origins,
        )
    leaves = history.leaves()
    if len(leaves) != 1:
        return Refusal(f"the folder has {len(leaves)} leaf migrations", origins)
    number = history.next_number()
    depends_on = leaves[0]
    planned: dict[int, NewFile] = {}
    for _, new in requests:
        name = f"{number:04d}_{new.suffix}"
        planned[id(new)] = new.render(name, depends_on)
        number, depends_on = number + 1, name
    problem = verify_new_migrations(history, list(planned.values()))
    if problem:
        return Refusal(f"the new migrations would be wrong ({problem})", origins)
    names = {result.path: planned[id(new)].path.name for result, new in requests}
    return [_with_new_files(result, planned, names.get(result.path)) for result in results]


def _with_new_files(
    result: FileResult, planned: dict[int, NewFile], name: str | None
) -> FileResult:
    if name is None:
        return result
    findings = []
    for finding in result.findings:
        fix = finding.fix
        if fix is not None and fix.new_migrations:
            new_files = tuple(planned[id(n)] for n in fix.new_migrations)
            fix = dataclasses.replace(fix, new_files=new_files, new_migrations=())
        hint = finding.hint.replace(PLANNED_NAME, name) if finding.hint else finding.hint
        findings.append(dataclasses.replace(finding, fix=fix, hint=hint))
    return dataclasses.replace(result, findings=findings)


def verify_new_migrations(history: History, new_files: Sequence[NewFile]) -> str:
    """Why ``new_files`` (new migrations of ``history``'s folder) must not be written
    ("" when they may): the safety check edited files get, for files that are new."""
    existing = {int(m.group(1)) for n in history.files if (m := _NUMBER.match(n))}
    added: list[MigrationFile] = []
    for new_file in new_files:
        name = new_file.path.stem
        if new_file.path.exists() or name in history.files:
            return f"{new_file.path.name} exists"
        match = _NUMBER.match(name)
        if match is None:
            return f"{name} has no number"
        if int(match.group(1)) in existing:
            return f"the number of {name} is taken"
        existing.add(int(match.group(1)))
        try:
            tree = ast.parse(new_file.text, filename=str(new_file.path))
            compile(tree, str(new_file.path), "exec")
        except (SyntaxError, ValueError) as exc:
            return f"{name} does not compile: {exc}"
        missing = unresolved_names(tree)
        if missing:
            return f"{name} uses {', '.join(sorted(missing))} without importing it"
        added.append(read_migration(new_file.path, new_file.text, tree))
    known = set(history.files) | {m.name for m in added}
    for migration in added:
        for label, dependency in migration.dependencies:
            if label == history.label and dependency not in known:
                return f"{migration.name} depends on {dependency}, which does not exist"
    after = history.extended(added)
    leaves = after.leaves()
    if len(leaves) != 1:
        return f"the folder would have {len(leaves)} leaf migrations ({', '.join(leaves)})"
    return ""


__all__ = ["Refusal", "plan_folder", "verify_new_migrations"]
