"""MF002's real inverse, for real: a migration that creates a view and a table gets
`DROP ... IF EXISTS` reverses, so it can be rolled back AND applied again (a no-op reverse
would leave the objects behind and the second forward run would fail with "already
exists"), on every backend."""

from __future__ import annotations

from pathlib import Path

from .harness import CommandResult, DbBackend, copy_project, run_fixer, run_manage

MIGRATION = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_remove_product_sku")]

    operations = [
        migrations.RunSQL("CREATE TABLE shop_archive (id integer PRIMARY KEY)"),
        migrations.RunSQL(
            "CREATE VIEW shop_active_product AS SELECT id, name FROM shop_product WHERE active",
        ),
    ]
"""

FIXED = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_remove_product_sku")]

    operations = [
        migrations.RunSQL(
            "CREATE TABLE shop_archive (id integer PRIMARY KEY)",
            reverse_sql="DROP TABLE IF EXISTS shop_archive",
        ),
        migrations.RunSQL(
            "CREATE VIEW shop_active_product AS SELECT id, name FROM shop_product WHERE active",
            reverse_sql="DROP VIEW IF EXISTS shop_active_product",
        ),
    ]
"""


def test_created_objects_are_dropped_on_rollback_and_created_again(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "demo_project")
    migration = project / "shop" / "migrations" / "0005_archive.py"
    migration.write_text(MIGRATION)

    def manage(*args: str) -> CommandResult:
        return run_manage(project, *args, db=db_backend)

    fixed = run_fixer(migration, "--select", "MF002", cwd=project)
    assert fixed.returncode == 0, fixed.describe()
    assert migration.read_text() == FIXED

    result = manage("migrate", "shop")
    assert result.returncode == 0, result.describe()
    assert "shop_archive" in db_backend.tables()
    result = manage("migrate", "shop", "0004")
    assert result.returncode == 0, result.describe()
    assert not {"shop_archive", "shop_active_product"} & db_backend.tables()
    result = manage("migrate", "shop")  # forward again: nothing left behind to collide with
    assert result.returncode == 0, result.describe()
    assert db_backend.query("SELECT COUNT(*) FROM shop_active_product")[0][0] >= 0
