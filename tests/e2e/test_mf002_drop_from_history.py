"""MF002 undoes a DROP with the CREATE an earlier migration ran, for real, on each backend:
0002 creates an index (partial where the database has them) and a view by `RunSQL`, 0003
drops both without a reverse; the fix gives 0003 those CREATEs as reverses; forward, back to
0002 (the index and the view exist again: the schema equals the one before 0003, by Django's
introspection, `manage.py schema_snapshot`), and forward again all succeed."""

from __future__ import annotations

from pathlib import Path

from .deploy_helpers import DeployProject, migration_source
from .harness import DbBackend, run_fixer

INDEX = {
    "postgresql": "CREATE INDEX alpha_busy_idx ON alpha_item (qty) WHERE qty > 0",
    "sqlite": "CREATE INDEX alpha_busy_idx ON alpha_item (qty) WHERE qty > 0",
    "mysql": "CREATE INDEX alpha_busy_idx ON alpha_item (qty, name)",
}
DROP_INDEX = {
    "postgresql": "DROP INDEX alpha_busy_idx",
    "sqlite": "DROP INDEX alpha_busy_idx",
    "mysql": "DROP INDEX alpha_busy_idx ON alpha_item",
}
VIEW = "CREATE VIEW alpha_busy AS SELECT id, name FROM alpha_item WHERE qty > 0"
#: How the fix writes it: too long for the line, cut into two strings of even lengths.
VIEW_CUT = ("CREATE VIEW alpha_busy AS SELECT id, ", "name FROM alpha_item WHERE qty > 0")


def _with_reverse(forward: str, reverse: str | tuple[str, str]) -> str:
    """The call once fixed: too long for one line, split one argument a line (black); a
    reverse still too long is given as the two strings it is cut into."""
    value = f'"{reverse}"'
    if isinstance(reverse, tuple):
        value = f'(\n                "{reverse[0]}"\n                "{reverse[1]}"\n            )'
    return (
        f'migrations.RunSQL(\n            "{forward}",\n'
        f"            reverse_sql={value},\n        ),\n"
    )


def test_a_dropped_index_and_view_come_back_on_rollback(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    vendor = db_backend.vendor
    project = DeployProject.create(tmp_path, db_backend)
    project.write(
        "alpha",
        "0002_busy",
        migration_source(
            [("alpha", "0001_initial")],
            f'migrations.RunSQL("{INDEX[vendor]}", "{DROP_INDEX[vendor]}"),\n'
            f'migrations.RunSQL("{VIEW}", "DROP VIEW alpha_busy"),\n',
        ),
    )
    drops = migration_source(
        [("alpha", "0002_busy")],
        f'migrations.RunSQL("DROP VIEW alpha_busy"),\nmigrations.RunSQL("{DROP_INDEX[vendor]}"),\n',
    )
    migration = project.write("alpha", "0003_drop_busy", drops)
    fixed = run_fixer(migration, "--select", "MF002", "--dialect", vendor, cwd=project.root)
    assert fixed.returncode == 0, fixed.describe()
    assert migration.read_text() == drops.replace(
        'migrations.RunSQL("DROP VIEW alpha_busy"),\n',
        _with_reverse("DROP VIEW alpha_busy", VIEW_CUT),
    ).replace(
        f'migrations.RunSQL("{DROP_INDEX[vendor]}"),\n',
        _with_reverse(DROP_INDEX[vendor], INDEX[vendor]),
    )

    before = tmp_path / "before.json"

    def gone() -> None:
        compared = project.manage("schema_snapshot", "--compare", str(before))
        assert compared.returncode != 0
        assert "alpha_busy_idx" in compared.stdout + compared.stderr

    def back() -> None:
        assert db_backend.query("SELECT COUNT(*) FROM alpha_busy") == [(0,)]

    project.rolls_back_to_the_same_schema("alpha", "0002", before, gone, back)
