"""Machine-readable output: JSON (stable schema), GitHub workflow commands, SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from migration_fixer import __version__
from migration_fixer.api import RunResult
from migration_fixer.config import Mode
from migration_fixer.docs import rule_doc
from migration_fixer.report import exit_code, status
from migration_fixer.rules import ALL_RULES

JSON_SCHEMA_VERSION = 1


def render(fmt: str, result: RunResult) -> str:
    if fmt == "json":
        return to_json(result)
    if fmt == "github":
        return to_github(result)
    if fmt == "sarif":
        return to_sarif(result)
    raise ValueError(f"unknown output format {fmt!r}")  # pragma: no cover - click guards it


def _path(path: Path) -> str:
    return path.as_posix()


def _repo_path(result: RunResult, path: Path) -> str:
    """Relative to the repository root when there is one (GitHub and code scanning
    resolve paths from the checkout's root), else as displayed."""
    if result.repo_root is not None:
        try:
            return path.resolve().relative_to(result.repo_root).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def to_json(result: RunResult) -> str:
    findings = [
        {
            "path": _path(path),
            "line": f.line,
            "column": f.column + 1,
            "code": f.code,
            "message": f.message,
            "fixable": result.fixable(f),
            "fixed": result.is_fixed(path, f),
            "hint": result.hint(path, f),
            "fix_applicability": f.fix.applicability.value if f.fix else None,
        }
        for path, f in result.findings
    ]
    errors = [
        {
            "path": _path(p.path),
            "line": p.line or None,
            "column": (p.column + 1) if p.line else None,
            "message": p.message,
        }
        for p in result.problems
    ]
    changed = [c.path for c in result.changeset.changes]
    created = [n.path for n in result.changeset.new_files]
    if result.config.mode is Mode.FIX:  # what was written, not what was refused
        changed = [p for p in changed if p in result.written]
        created = [p for p in created if p in result.written]
    payload: dict[str, Any] = {
        "version": JSON_SCHEMA_VERSION,
        "tool": {"name": "migration-fixer", "version": __version__},
        "mode": result.config.mode.value,
        "files_checked": result.files_checked,
        "findings": findings,
        "errors": errors,
        "changed_files": [_path(p) for p in changed],
        "new_files": [_path(p) for p in created],
        "base_commit": result.base_commit,
        "exit_code": exit_code(result),
    }
    if result.config.mode is Mode.DIFF:
        from migration_fixer.output.diff import render_diff

        payload["diff"] = render_diff(result.changeset, result.repo_root or Path.cwd())
    return json.dumps(payload, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(result: RunResult) -> str:
    lines = []
    for path, f in result.findings:
        state = status(result, path, f)
        level = "notice" if state == "fixed" else "error"
        title = _escape_property(f"{f.code} {state}".strip())
        hint = result.hint(path, f)
        message = f.message + (f" ({hint})" if hint else "")
        lines.append(
            f"::{level} file={_escape_property(_repo_path(result, path))},"
            f"line={f.line},col={f.column + 1},"
            f"title={title}::{_escape_data(f'{f.code} {message}')}"
        )
    for p in result.problems:
        where = f"file={_escape_property(_repo_path(result, p.path))}"
        if p.line:
            where += f",line={p.line},col={p.column + 1}"
        lines.append(f"::error {where}::{_escape_data(p.message)}")
    return "".join(line + "\n" for line in lines)


def _location(result: RunResult, path: Path) -> dict[str, Any]:
    """A SARIF artifactLocation: relative to %SRCROOT% (the repository root) when the
    file is in the repository, else its path as shown."""
    rel = _repo_path(result, path)
    location: dict[str, Any] = {"uri": quote(rel)}
    if result.repo_root is not None and not Path(rel).is_absolute():
        location["uriBaseId"] = "%SRCROOT%"
    return location


def to_sarif(result: RunResult) -> str:
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule_doc(rule)},
            "help": {"text": rule_doc(rule), "markdown": rule_doc(rule)},
            "defaultConfiguration": {"level": "error"},
        }
        for rule in ALL_RULES
    ]
    index = {rule.code: i for i, rule in enumerate(ALL_RULES)}
    results = []
    for path, f in result.findings:
        properties = {"fixApplicability": f.fix.applicability.value} if f.fix else {}
        unsafe = ""
        if result.hidden_fix(f):
            unsafe = " An unsafe fix is available with `--unsafe-fixes`."
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": "note" if result.is_fixed(path, f) else "error",
                "message": {"text": f.message + _hint_text(result.hint(path, f)) + unsafe},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _location(result, path),
                            "region": {"startLine": f.line, "startColumn": f.column + 1},
                        }
                    }
                ],
                **({"properties": properties} if properties else {}),
            }
        )
    notifications = []
    for p in result.problems:
        physical: dict[str, Any] = {"artifactLocation": _location(result, p.path)}
        if p.line:
            physical["region"] = {"startLine": p.line, "startColumn": p.column + 1}
        notifications.append(
            {
                "level": "error",
                "message": {"text": p.message},
                "locations": [{"physicalLocation": physical}],
            }
        )
    run: dict[str, Any] = {}
    if result.repo_root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": result.repo_root.as_uri() + "/"}}
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "migration-fixer",
                        "version": __version__,
                        "informationUri": "https://github.com/migration-fixer/migration-fixer",
                        "rules": rules,
                    }
                },
                **run,
                "columnKind": "unicodeCodePoints",
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": not result.problems,
                        "toolExecutionNotifications": notifications,
                    }
                ],
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _hint_text(hint: str | None) -> str:
    return f" Hint: {hint}" if hint else ""
