"""MF005 for real, with rows: a migration makes `Product.name` nullable and the app then
writes NULL into it. Rolling back restores NOT NULL and fails on that row, on every backend;
after the fix the backfill gives the row a placeholder first, the rollback succeeds, no row
is lost, and migrating forward again works."""

from __future__ import annotations

from pathlib import Path

from .harness import CommandResult, DbBackend, copy_project, run_fixer, run_manage

ALTER = """\
        migrations.AlterField(
            model_name="product",
            name="name",
            field=models.CharField(max_length=200, null=True),
        ),
"""
MIGRATION = f"""\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_remove_product_sku")]

    operations = [
{ALTER}    ]
"""
FIXED = f"""\
from django.db import migrations, models


def backfill_product_name(apps, schema_editor):
    # MF005: rows written while `name` was nullable get a placeholder, so that rolling
    # this migration back can restore NOT NULL. Review the value.
    Product = apps.get_model("shop", "Product")
    db = schema_editor.connection.alias
    rows = Product.objects.using(db).filter(name__isnull=True)
    rows.update(name="")
    # Run the deferred foreign key checks now: ALTER TABLE refuses pending ones.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_remove_product_sku")]

    operations = [
{ALTER}        migrations.RunPython(
            migrations.RunPython.noop,
            reverse_code=backfill_product_name,
        ),
    ]
"""
# What 0002_load_catalogue writes, once the app has written NULL into Kona's name.
NAMES = ["", "Assam", "Darjeeling", "Mocha", "Sencha"]


def _setup(db_backend: DbBackend, tmp_path: Path) -> tuple[Path, Path]:
    project = copy_project(tmp_path / "demo_project")
    migration = project / "shop" / "migrations" / "0005_product_name_nullable.py"
    migration.write_text(MIGRATION)
    return project, migration


def _names(db_backend: DbBackend) -> list[str | None]:
    rows = db_backend.query("SELECT name FROM shop_product")
    return sorted((name for (name,) in rows), key=lambda n: (n is not None, n or ""))


def test_without_the_fix_the_rollback_fails_on_the_null(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    project, _ = _setup(db_backend, tmp_path)

    def manage(*args: str) -> CommandResult:
        return run_manage(project, *args, db=db_backend)

    assert manage("migrate", "shop").returncode == 0
    db_backend.query("UPDATE shop_product SET name = NULL WHERE name = %s", ["Kona"])
    result = manage("migrate", "shop", "0004")
    assert result.returncode != 0, result.describe()
    assert any(
        marker in result.stderr
        for marker in ("IntegrityError", "contains null values", "Data truncated")
    ), result.describe()


def test_with_the_fix_the_null_gets_a_placeholder_and_the_rollback_works(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    project, migration = _setup(db_backend, tmp_path)

    def manage(*args: str) -> CommandResult:
        return run_manage(project, *args, db=db_backend)

    checked = run_fixer(migration, "--check", "--select", "MF005", cwd=project)
    assert checked.returncode == 1, checked.describe()
    assert checked.stdout.splitlines()[0] == (
        "shop/migrations/0005_product_name_nullable.py:8:9: MF005 `AlterField` makes "
        "`product.name` nullable: rolling it back restores NOT NULL, which fails once a row "
        "holds NULL (a CharField with no default to fill them with) [fixable]"
    ), checked.describe()
    fixed = run_fixer(migration, "--select", "MF005", cwd=project)
    assert fixed.returncode == 0, fixed.describe()
    assert migration.read_text() == FIXED

    assert manage("migrate", "shop").returncode == 0
    db_backend.query("UPDATE shop_product SET name = NULL WHERE name = %s", ["Kona"])
    result = manage("migrate", "shop", "0004")
    assert result.returncode == 0, result.describe()
    assert _names(db_backend) == NAMES  # every row kept, the NULL one given ""
    # NOT NULL is back: the database refuses a NULL name again.
    refused = manage(
        "shell",
        "-c",
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('UPDATE shop_product SET name = NULL')\n",
    )
    assert refused.returncode != 0, refused.describe()
    result = manage("migrate", "shop")
    assert result.returncode == 0, result.describe()
    assert _names(db_backend) == NAMES


# -- a unique positive integer: distinct placeholders counted up from the largest value --

SERIAL = """\
from django.db import migrations, models


def number(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    for row in Product.objects.all():
        row.serial = row.pk * 10
        row.save(update_fields=["serial"])


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_remove_product_sku")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="serial",
            field=models.PositiveSmallIntegerField(null=True, unique=True),
        ),
        migrations.RunPython(number, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="product",
            name="serial",
            field=models.PositiveSmallIntegerField(unique=True),
        ),
    ]
"""
SERIAL_NULLABLE = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0005_product_serial")]

    operations = [
        migrations.AlterField(
            model_name="product",
            name="serial",
            field=models.PositiveSmallIntegerField(null=True, unique=True),
        ),
    ]
"""


def test_a_unique_positive_integer_gets_values_above_the_largest(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    """``-row.pk`` broke the CHECK (value >= 0) of PostgreSQL and SQLite and MariaDB's
    unsigned column: the backfill counts up from the largest value held instead."""
    project = copy_project(tmp_path / "demo_project")
    folder = project / "shop" / "migrations"
    (folder / "0005_product_serial.py").write_text(SERIAL)
    migration = folder / "0006_product_serial_nullable.py"
    migration.write_text(SERIAL_NULLABLE)
    fixed = run_fixer(migration, "--select", "MF005", cwd=project)
    assert fixed.returncode == 0, fixed.describe()
    assert (
        "    taken = Product.objects.using(db).exclude(serial__isnull=True)\n"
        '    top = taken.order_by("-serial").values_list("serial", flat=True).first() or 0\n'
        "    for offset, row in enumerate(rows, start=1):\n"
        "        row.serial = top + offset\n"
    ) in migration.read_text()

    def manage(*args: str) -> CommandResult:
        return run_manage(project, *args, db=db_backend)

    assert manage("migrate", "shop").returncode == 0
    before = sorted(v for (v,) in db_backend.query("SELECT serial FROM shop_product"))
    assert before == [10 * pk for pk in range(1, len(NAMES) + 1)]
    db_backend.query(
        "UPDATE shop_product SET serial = NULL WHERE serial IN (%s, %s)", [before[0], before[1]]
    )
    result = manage("migrate", "shop", "0005")
    assert result.returncode == 0, result.describe()
    after = sorted(v for (v,) in db_backend.query("SELECT serial FROM shop_product"))
    assert after == [*before[2:], before[-1] + 1, before[-1] + 2]
