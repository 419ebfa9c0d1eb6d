"""``manage.py schema_snapshot``: write the schema of a database as JSON, or compare it with a
snapshot taken earlier (exit 1 when they differ), for example around a manual rollback::

    python manage.py schema_snapshot --output before.json
    python manage.py migrate shop 0012
    python manage.py schema_snapshot --compare before.json
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from migration_fixer.django.snapshot import (
    SnapshotError,
    compare_snapshots,
    read_snapshot,
    take_snapshot,
    write_snapshot,
)


class Command(BaseCommand):
    help = (
        "Print the schema of a database (tables; columns with type, nullability and default; "
        "indexes; unique, foreign-key and check constraints) as JSON, or compare it with a "
        "snapshot file: every difference is printed and the exit status is 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            choices=tuple(connections),
            help='The database to snapshot. Defaults to "default".',
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the snapshot to FILE (atomically) instead of standard output.",
        )
        group.add_argument(
            "--compare",
            metavar="FILE",
            help="Compare the database with the snapshot in FILE; exit 1 when they differ.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        database: str = options["database"]
        verbosity: int = options["verbosity"]
        try:
            before = read_snapshot(options["compare"]) if options["compare"] else None
        except SnapshotError as exc:
            raise CommandError(str(exc), returncode=2) from None
        snapshot = take_snapshot(database)
        if before is None:
            if options["output"]:
                try:
                    write_snapshot(snapshot, options["output"])
                except OSError as exc:
                    raise CommandError(f"{options['output']}: cannot write ({exc})") from None
                if verbosity >= 1:
                    self.stdout.write(
                        f"Schema of database '{database}' ({len(snapshot.tables)} tables) "
                        f"written to {options['output']}"
                    )
            else:
                self.stdout.write(snapshot.to_json(), ending="")
            return
        differences = compare_snapshots(before, snapshot)
        if not differences:
            if verbosity >= 1:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Schema of database '{database}' matches {options['compare']}."
                    )
                )
            return
        self.stdout.write(
            self.style.ERROR(
                f"Schema of database '{database}' differs from {options['compare']} "
                f"({len(differences)} difference{'s' if len(differences) != 1 else ''}):"
            )
        )
        for line in differences:
            self.stdout.write(f"  {line}")
        raise SystemExit(1)
