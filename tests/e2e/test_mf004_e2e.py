"""MF004's generated reverses, for real: a migration that seeds rows with a unique value and
one that bumps a counter get `undo_...` reverses, so the app can be rolled back and migrated
forward again (with the no-op reverse, the second forward run fails on the unique name and
the counter is bumped twice), with the rows there exactly once, on every backend."""

from __future__ import annotations

from pathlib import Path

from .harness import CommandResult, DbBackend, copy_project, run_fixer, run_manage

HEAD = """\
from django.db import migrations
from django.db.models import F


def add_categories(apps, schema_editor):
    Category = apps.get_model("shop", "Category")
    db_alias = schema_editor.connection.alias
    Category.objects.using(db_alias).create(name="Spices")
    Category.objects.using(db_alias).bulk_create(
        [
            Category(name="Cocoa"),
            Category(name="Herbal"),
        ]
    )


def restock(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    Product.objects.filter(active=True).update(stock=F("stock") + 10)


"""

MIGRATION = (
    HEAD
    + """\
class Migration(migrations.Migration):
    dependencies = [("shop", "0004_remove_product_sku")]

    operations = [
        migrations.RunPython(add_categories, migrations.RunPython.noop),
        migrations.RunPython(restock),
    ]
"""
)

FIXED = (
    HEAD
    + """\
def undo_add_categories(apps, schema_editor):
    Category = apps.get_model("shop", "Category")
    db_alias = schema_editor.connection.alias
    Category.objects.using(db_alias).filter(name="Herbal").delete()
    Category.objects.using(db_alias).filter(name="Cocoa").delete()
    Category.objects.using(db_alias).filter(name="Spices").delete()


def undo_restock(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    Product.objects.filter(active=True).update(stock=F("stock") - 10)


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_remove_product_sku")]

    operations = [
        migrations.RunPython(add_categories, undo_add_categories),
        migrations.RunPython(restock, reverse_code=undo_restock),
    ]
"""
)

# What 0002_load_catalogue writes (name, stock), then what restock makes of it.
STOCK = [("Assam", 40), ("Darjeeling", 12), ("Kona", 3), ("Mocha", 25), ("Sencha", 0)]
RESTOCKED = [("Assam", 50), ("Darjeeling", 22), ("Kona", 13), ("Mocha", 35), ("Sencha", 0)]
SEEDED = ["Cocoa", "Herbal", "Spices"]


def test_seeded_rows_are_deleted_on_rollback_and_created_once_again(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "demo_project")
    migration = project / "shop" / "migrations" / "0005_seed.py"
    migration.write_text(MIGRATION)

    def manage(*args: str) -> CommandResult:
        return run_manage(project, *args, db=db_backend)

    def state() -> tuple[list[str], list[tuple[str, int]]]:
        names = db_backend.query("SELECT name FROM shop_category ORDER BY name")
        stock = db_backend.query("SELECT name, stock FROM shop_product ORDER BY name")
        return [n for (n,) in names if n in SEEDED], [(n, int(s)) for n, s in stock]

    fixed = run_fixer(migration, "--select", "MF001,MF004", "--unsafe-fixes", cwd=project)
    assert fixed.returncode == 0, fixed.describe()
    assert fixed.stdout.splitlines()[-1] == (
        "Found 3 findings in 1 migration file (3 fixed, 0 remaining)."
    ), fixed.describe()
    assert migration.read_text() == FIXED

    result = manage("migrate", "shop")
    assert result.returncode == 0, result.describe()
    assert state() == (SEEDED, RESTOCKED)

    result = manage("migrate", "shop", "0004")
    assert result.returncode == 0, result.describe()
    assert state() == ([], STOCK)

    result = manage("migrate", "shop")  # forward again: no duplicate name, no double bump
    assert result.returncode == 0, result.describe()
    assert state() == (SEEDED, RESTOCKED)


def test_with_the_noop_reverse_the_second_forward_run_fails(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    """What MF004 reports: rolled back with the no-op, migrated again, the seed collides."""
    project = copy_project(tmp_path / "demo_project")
    migration = project / "shop" / "migrations" / "0005_seed.py"
    migration.write_text(MIGRATION.replace("        migrations.RunPython(restock),\n", ""))

    def manage(*args: str) -> CommandResult:
        return run_manage(project, *args, db=db_backend)

    assert manage("migrate", "shop").returncode == 0
    result = manage("migrate", "shop", "0004")
    assert result.returncode == 0, result.describe()  # "succeeds", the rows stay
    assert db_backend.count("shop_category") == 2 + len(SEEDED)
    result = manage("migrate", "shop")
    assert result.returncode != 0, result.describe()
    assert "IntegrityError" in result.stderr, result.describe()


INLINE = """\
from django.db import migrations


def add_spices(apps, schema_editor):
    apps.get_model("shop", "Category").objects.using(schema_editor.connection.alias).create(
        name="Spices"
    )


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_remove_product_sku")]

    operations = [migrations.RunPython(add_spices)]
"""
UNDO_INLINE = """\
def undo_add_spices(apps, schema_editor):
    apps.get_model("shop", "Category").objects.using(schema_editor.connection.alias).filter(
        name="Spices",
    ).delete()
"""


def test_a_model_got_where_it_is_used_is_got_again_by_the_reverse(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "demo_project")
    migration = project / "shop" / "migrations" / "0005_seed.py"
    migration.write_text(INLINE)

    def manage(*args: str) -> CommandResult:
        return run_manage(project, *args, db=db_backend)

    def spices() -> int:
        return len(db_backend.query("SELECT id FROM shop_category WHERE name = %s", ["Spices"]))

    fixed = run_fixer(migration, "--select", "MF001,MF004", "--unsafe-fixes", cwd=project)
    assert fixed.returncode == 0, fixed.describe()
    assert UNDO_INLINE in migration.read_text()
    assert "migrations.RunPython(add_spices, reverse_code=undo_add_spices)" in (
        migration.read_text()
    )
    for target, expected in (("0005", 1), ("0004", 0), ("0005", 1)):
        result = manage("migrate", "shop", target)
        assert result.returncode == 0, result.describe()
        assert spices() == expected
