"""``manage.py rehearse_rollback``: forward, back and forward again, deploy by deploy, with rows
in every table, on a scratch database (see :mod:`migration_fixer.django.rehearsal`)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from migration_fixer.django.rehearsal import RehearsalError, Step, rehearse
from migration_fixer.django.report import (
    header,
    render_json,
    render_junit,
    render_text,
    step_line,
)


class Command(BaseCommand):
    help = (
        "Rehearse the rollback of the next deploy on a scratch database: migrate to the "
        "starting point, insert rows into every table, then per deploy (after-deploy "
        "migrations are deploy 2) forward, rows again, back, compare schema and rows with the "
        "start, forward again. Exit 1 on the first failure."
    )
    requires_system_checks: ClassVar[list[str]] = []  # type: ignore[misc]
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "targets",
            nargs="*",
            metavar="APP:MIGRATION",
            help="rehearse the migrations after these (APP:zero: the whole app)",
        )
        parser.add_argument(
            "--since",
            metavar="REF",
            help="rehearse the migrations added since the merge-base of REF and HEAD",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="the alias whose test database is used (default: default)",
        )
        parser.add_argument(
            "--keep-db", action="store_true", help="keep the scratch database at the end"
        )
        parser.add_argument(
            "--output-format",
            choices=["text", "json", "junit"],
            default="text",
            help="text (default), json, or junit: a JUnit XML report, one test case per step",
        )
        parser.add_argument("--seed", type=int, default=0, help="seed of the rows (default 0)")
        parser.add_argument(
            "--no-rows",
            action="append",
            default=[],
            metavar="APP_LABEL[.ModelName]",
            help=(
                "insert no rows into this model's table (or this app's): for rows that a "
                "data migration of the plan cannot meet (repeatable)"
            ),
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="accepted as migrate accepts it: the rehearsal never asks anything",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = options["output_format"]
        text = fmt == "text"
        started = False

        def on_step(step: Step) -> None:
            nonlocal started
            if text:
                self.stdout.write(step_line(step))
                self.stdout.flush()

        try:
            report = rehearse(
                options["database"],
                since=options["since"],
                targets=options["targets"],
                seed=options["seed"],
                keep_db=options["keep_db"],
                no_rows=options["no_rows"],
                on_step=on_step if text else None,
                announce=(lambda r: self.stdout.write("\n".join(header(r)))) if text else None,
            )
        except RehearsalError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if fmt == "json":
            self.stdout.write(render_json(report), ending="")
        elif fmt == "junit":
            self.stdout.write(render_junit(report), ending="")
        else:
            self.stdout.write(render_text(report, with_steps=False), ending="")
        if not report.ok:
            raise SystemExit(1)
