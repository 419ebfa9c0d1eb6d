"""Rendering a rehearsal :class:`~migration_fixer.django.rehearsal.Report`: text (one line per
step with its time), JSON (for tools) and JUnit XML (for CI systems)."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import quoteattr

from .rehearsal import Report, Step

#: Version of the JSON document; within a version no member is removed or changes meaning.
JSON_VERSION = 1


def step_line(step: Step) -> str:
    status = "ok" if step.ok else "FAILED"
    detail = f" ({step.detail})" if step.detail else ""
    return f"{step.label + detail:<72} {step.seconds:8.3f}s  {status}"


def header(report: Report) -> list[str]:
    # (No scratch database is created for an empty plan.)
    where = f" (scratch database {report.database})" if report.database else ""
    lines = [f"Rehearsing rollbacks on {report.vendor}{where}, seed {report.seed}"]
    if not report.phases:
        lines.append("Nothing to rehearse: no migration in the plan.")
    for number, phase in enumerate(report.phases, 1):
        shown = phase if len(phase) <= 6 else [*phase[:3], "...", *phase[-2:]]
        count = f" ({len(phase)} migrations)" if len(phase) > 6 else ""
        lines.append(f"deploy {number}: {', '.join(shown)}{count}")
    return lines


def render_text(report: Report, *, with_steps: bool = True) -> str:
    lines = header(report) if with_steps else []
    if with_steps:
        lines += [step_line(step) for step in report.steps]
    lines += footer(report)
    return "".join(f"{line}\n" for line in lines)


def footer(report: Report) -> list[str]:
    lines = []
    for unfilled in report.unfilled:
        lines.append(f"not filled: {unfilled.describe()}")
    failed = report.failure
    if failed is not None and failed.failure is not None:
        lines.append(f"FAILED at {failed.label}: {failed.failure.describe()}")
        if failed.failure.hint:
            lines.append(f"  hint: {failed.failure.hint}")
    elif report.phases:
        lines.append(
            f"Rollback rehearsal passed: {len(report.phases)} deploy"
            f"{'s' * (len(report.phases) != 1)}, forward, back and forward again."
        )
    if report.kept:
        lines.append(f"Kept the scratch database {report.database}.")
    return lines


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "vendor": report.vendor,
        "database": report.database,
        "seed": report.seed,
        "deploys": [
            {"deploy": number, "migrations": phase} for number, phase in enumerate(report.phases, 1)
        ],
        "steps": [
            {
                "deploy": step.phase,
                "name": step.name,
                "detail": step.detail,
                "seconds": round(step.seconds, 6),
                "ok": step.ok,
                "failure": None
                if step.failure is None
                else {
                    "migration": step.failure.migration,
                    "operation": step.failure.operation,
                    "message": step.failure.message,
                    "hint": step.failure.hint,
                },
            }
            for step in report.steps
        ],
        "not_filled": [
            {"model": u.model, "table": u.table, "reason": u.reason} for u in report.unfilled
        ],
        "ok": report.ok,
        "exit_code": report.exit_code,
    }


def render_json(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2) + "\n"


def render_junit(report: Report) -> str:
    failures = sum(1 for step in report.steps if not step.ok)
    total = sum(step.seconds for step in report.steps)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="rehearse_rollback" tests="{len(report.steps)}" '
        f'failures="{failures}" time="{total:.3f}">',
        f"  <testsuite name={quoteattr(f'rehearse_rollback ({report.vendor})')} "
        f'tests="{len(report.steps)}" failures="{failures}" errors="0" skipped="0" '
        f'time="{total:.3f}">',
    ]
    for step in report.steps:
        classname = "rehearse_rollback." + ("start" if step.phase == 0 else f"deploy{step.phase}")
        attrs = (
            f"classname={quoteattr(classname)} name={quoteattr(step.name)} "
            f'time="{step.seconds:.3f}"'
        )
        lines.append(f"    <testcase {attrs}>")
        if step.failure is not None:
            message = step.failure.describe()
            body = f"{message}\nhint: {step.failure.hint}" if step.failure.hint else message
            lines.append(
                f'      <failure message={quoteattr(message)} type="RollbackRehearsalFailure">'
                f"{_text(body)}</failure>"
            )
        if step.detail:
            lines.append(f"      <system-out>{_text(step.detail)}</system-out>")
        lines.append("    </testcase>")
    if report.unfilled:
        text = "\n".join(f"not filled: {u.describe()}" for u in report.unfilled)
        lines.append(f"    <system-out>{_text(text)}</system-out>")
    lines += ["  </testsuite>", "</testsuites>"]
    return "\n".join(lines) + "\n"


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
