"""What the user sees at the end of a run, and the exit code (this module owns both).

Exit codes: 0 nothing to report (or everything fixed); 1 findings remain (fix mode and
``--check``), or (``--diff``) the patch is not empty; 2 a usage error, or a file could not
be processed.
"""

from __future__ import annotations

from pathlib import Path

from migration_fixer.api import RunResult
from migration_fixer.config import Mode
from migration_fixer.rule import Finding

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def display_path(path: Path) -> str:
    return path.as_posix()


def status(result: RunResult, path: Path, finding: Finding) -> str:
    """``fixed``/``fixable``, ``unsafe fix available`` (a fix that only
    ``--unsafe-fixes`` writes), or nothing."""
    if result.hidden_fix(finding):
        return "unsafe fix available"
    mode = result.config.mode
    if mode is Mode.FIX:
        return "fixed" if result.is_fixed(path, finding) else ""
    return "fixable" if result.fixable(finding) else ""


def finding_line(result: RunResult, path: Path, finding: Finding) -> str:
    state = status(result, path, finding)
    suffix = f" [{state}]" if state else ""
    return (
        f"{display_path(path)}:{finding.line}:{finding.column + 1}: "
        f"{finding.code} {finding.message}{suffix}"
    )


def problem_lines(result: RunResult) -> list[str]:
    lines = []
    for p in result.problems:
        where = (
            f"{display_path(p.path)}:{p.line}:{p.column + 1}" if p.line else display_path(p.path)
        )
        lines.append(f"{where}: {p.message}")
    return lines


def empty_folder_notes(result: RunResult) -> list[str]:
    """What to say of each folder to check below which no file is a migration (its
    migrations, if it has any, are somewhere this tool is not told to look): what a
    migration is, and the setting that says where else they are, with an example glob
    (relative to the configuration's folder, as the setting reads it; for a folder outside
    it, relative to a ``pyproject.toml`` of its own, the one a run of that folder reads)."""
    notes = []
    root = result.config.root.resolve()
    for folder in result.empty_folders:
        if folder.name == "migrations":
            # A migrations folder of its own: its migrations are not elsewhere, it has none.
            notes.append(
                f"no migration files found under {display_path(folder)}: it holds no "
                "migration yet (a migration is a `.py` file of it other than `__init__.py`)"
            )
            continue
        try:
            relative = folder.resolve().relative_to(root).as_posix()
        except ValueError:
            relative = "."
        example = "**/db_migrations/*.py"
        if relative != ".":
            example = f"{relative}/{example}"
        notes.append(
            f"no migration files found under {display_path(folder)} (a migration is a `.py` "
            "file of a `migrations` folder, or of a folder MIGRATION_MODULES names); for "
            "migrations kept elsewhere, add them to [tool.migration-fixer] in pyproject.toml, "
            f'e.g. extend-include = ["{example}"]'
        )
    return notes


def remaining(result: RunResult) -> list[tuple[Path, Finding]]:
    return [(p, f) for p, f in result.findings if not result.is_fixed(p, f)]


def summary(result: RunResult) -> str:
    findings = result.findings
    total = len(findings)
    files = result.files_checked
    checked = f"{files} migration file{'s' if files != 1 else ''}"
    if not total:
        return f"No findings in {checked}."
    noun = "finding" if total == 1 else "findings"
    mode = result.config.mode
    hidden = sum(1 for _, f in findings if result.hidden_fix(f))
    # ruff's wording for the fixes that only --unsafe-fixes writes
    unsafe = (
        f"; {hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the "
        "`--unsafe-fixes` option"
        if hidden
        else ""
    )
    if mode is Mode.FIX:
        fixed = sum(1 for p, f in findings if result.is_fixed(p, f))
        return (
            f"Found {total} {noun} in {checked} ({fixed} fixed, {total - fixed} remaining{unsafe})."
        )
    fixable = sum(1 for _, f in findings if result.fixable(f))
    changed = len(result.changeset.changes) + len(result.changeset.new_files)
    tail = f"{fixable} fixable"
    if mode is Mode.DIFF:
        tail += f"; {changed} file{'s' if changed != 1 else ''} would change"
    else:
        tail += " with `migration-fixer`"
    return f"Found {total} {noun} in {checked} ({tail}{unsafe})."


def exit_code(result: RunResult) -> int:
    if result.problems:
        return EXIT_ERROR
    mode = result.config.mode
    if mode is Mode.CHECK:
        return EXIT_FINDINGS if result.findings else EXIT_OK
    if mode is Mode.DIFF:
        # The patch is the answer: findings without a fix are for ``--check``.
        return EXIT_FINDINGS if result.changeset else EXIT_OK
    return EXIT_FINDINGS if remaining(result) else EXIT_OK
