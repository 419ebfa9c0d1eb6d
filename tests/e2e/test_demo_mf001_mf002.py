"""The demo project's data migration (MF001) and raw-SQL migration (MF002), for real.

Before the fix, rolling back fails with IrreversibleError; `python -m migration_fixer` writes the
raw SQL's inverse, and, with `--unsafe-fixes`, the data migration's no-op (unsafe: a rollback to
0001 leaves its rows, and migrating again fails on a unique name, as shown); then the app can be
rolled back to zero and migrated forward again, with rows in the tables, on every backend.
"""

from __future__ import annotations

from pathlib import Path

from .harness import CommandResult, DbBackend, copy_project, run_fixer, run_manage

# What 0002_load_catalogue writes.
CATEGORIES = 2
PRODUCTS = 5


def assert_catalogue_loaded(db: DbBackend) -> None:
    assert db.count("shop_category") == CATEGORIES
    assert db.count("shop_product") == PRODUCTS
    rows = db.query("SELECT name, stock FROM shop_product WHERE active = %s ORDER BY name", [True])
    assert rows == [("Assam", 40), ("Darjeeling", 12), ("Kona", 3), ("Mocha", 25)]


def test_demo_rolls_back_after_fix(db_backend: DbBackend, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "demo_project")
    migrations_dir = project / "shop" / "migrations"

    def manage(*args: str) -> CommandResult:
        return run_manage(project, *args, db=db_backend)

    # -- before the fix -------------------------------------------------------------------------
    result = manage("migrate", "shop", "0002")
    assert result.returncode == 0, result.describe()
    assert_catalogue_loaded(db_backend)

    # MF001: the data migration cannot be unapplied.
    result = manage("migrate", "shop", "0001")
    assert result.returncode != 0, result.describe()
    assert "IrreversibleError" in result.stderr, result.describe()
    assert "RunPython" in result.stderr
    assert "shop.0002_load_catalogue is not reversible" in result.stderr

    result = manage("migrate", "shop", "0003")
    assert result.returncode == 0, result.describe()

    # MF002: the raw SQL cannot be unapplied either, so the whole app is stuck.
    result = manage("migrate", "shop", "zero")
    assert result.returncode != 0, result.describe()
    assert "IrreversibleError" in result.stderr, result.describe()
    assert "shop.0003_product_active_stock_index is not reversible" in result.stderr
    assert_catalogue_loaded(db_backend)  # nothing was undone

    # -- the fix ----------------------------------------------------------------------------------
    data, sql = "0002_load_catalogue.py", "0003_product_active_stock_index.py"
    before = {p.name: p.read_text() for p in sorted(migrations_dir.glob("*.py"))}
    # The CREATE INDEX's inverse depends on the database (DROP INDEX ... ON t on MySQL):
    # the demo's settings name SQLite, --dialect says which one this run deploys to.
    fixed = run_fixer(migrations_dir, "--dialect", db_backend.vendor, cwd=project)
    # MF003 also flags 0004 (it drops the non-null `sku`), but the copy is outside any git
    # repository, so the removal cannot be known to be new: reported, not split (exit 1).
    # tests/e2e/test_mf003_e2e.py covers the split.
    assert fixed.returncode == 1, fixed.describe()
    report = fixed.stdout.splitlines()
    # load_catalogue creates rows (in a loop, so no reverse is certain): MF001's no-op would
    # make a rollback to 0001 report success and leave them, so it is an unsafe fix, and
    # MF004 reports the call with a hint. tests/e2e/test_mf004_e2e.py covers MF004's fixes.
    assert report[0:2] == [
        "shop/migrations/0002_load_catalogue.py:28:9: MF001 `RunPython` without `reverse_code` "
        "cannot be reversed [unsafe fix available]",
        "  hint: a no-op reverse is not enough: `load_catalogue` creates rows without checking "
        "for existing ones (`Category.objects.using(...).create`, line 14): after a rollback, "
        "migrating again creates them twice or fails on a unique key; write a reverse function "
        "that undoes it (MF004 writes one where it is certain), or accept the no-op with "
        "--unsafe-fixes",
    ], fixed.describe()
    assert report[2] == (
        "shop/migrations/0002_load_catalogue.py:28:9: MF004 `RunPython` without a reverse, "
        "where a no-op is not enough: `load_catalogue` creates rows without checking for "
        "existing ones (`Category.objects.using(...).create`, line 14): after a rollback, "
        "migrating again creates them twice or fails on a unique key"
    ), fixed.describe()
    assert report[3].startswith("  hint: `load_catalogue` is not straight-line code over literal")
    assert report[4] == (
        "shop/migrations/0003_product_active_stock_index.py:13:9: MF002 `RunSQL` without "
        "`reverse_sql` cannot be reversed [fixed]"
    ), fixed.describe()
    assert report[5].startswith(
        "shop/migrations/0004_remove_product_sku.py:13:9: MF003 removing `product.sku` cannot "
        "be rolled back: "
    ), fixed.describe()
    assert report[6].startswith("  hint: not in a git repository"), fixed.describe()
    assert report[-1] == (
        "Found 4 findings in 4 migration files (1 fixed, 3 remaining; 1 hidden fix can be "
        "enabled with the `--unsafe-fixes` option)."
    )
    after = {p.name: p.read_text() for p in sorted(migrations_dir.glob("*.py"))}
    assert after[data] == before[data]
    index = "shop_product_active_stock_idx"
    drop = (
        f"DROP INDEX {index} ON shop_product"
        if db_backend.vendor == "mysql"
        else (f"DROP INDEX IF EXISTS {index}")
    )
    assert f'reverse_sql="{drop}"' in after[sql], after[sql]
    assert after["0001_initial.py"] == before["0001_initial.py"]
    assert after["0004_remove_product_sku.py"] == before["0004_remove_product_sku.py"]
    assert set(after) == set(before)  # no drop migration was written

    # 0003 rolls back now; 0002 still refuses.
    result = manage("migrate", "shop", "0002")
    assert result.returncode == 0, result.describe()
    result = manage("migrate", "shop", "0001")
    assert "shop.0002_load_catalogue is not reversible" in result.stderr, result.describe()

    # -- the no-op, accepted with --unsafe-fixes --------------------------------------------------
    unsafe = run_fixer(migrations_dir / data, "--unsafe-fixes", cwd=project)
    assert unsafe.returncode == 1, unsafe.describe()  # MF004 still reports it
    assert "reverse_code=migrations.RunPython.noop" in (migrations_dir / data).read_text()

    # Why it was unsafe: back to 0001, the rows stay; migrating again fails on the unique name.
    result = manage("migrate", "shop", "0001")
    assert result.returncode == 0, result.describe()
    assert db_backend.count("shop_category") == CATEGORIES
    result = manage("migrate", "shop", "0002")
    assert result.returncode != 0, result.describe()
    assert "IntegrityError" in result.stderr, result.describe()

    # -- back to zero (the tables go, and their rows with them), forward again, back to zero -----
    result = manage("migrate", "shop", "zero")
    assert result.returncode == 0, result.describe()
    assert not {"shop_category", "shop_product"} & db_backend.tables()

    result = manage("migrate", "shop", "0003")
    assert result.returncode == 0, result.describe()
    assert_catalogue_loaded(db_backend)

    result = manage("migrate", "shop", "zero")
    assert result.returncode == 0, result.describe()
    assert not {"shop_category", "shop_product"} & db_backend.tables()


def test_demo_models_match_migrations(tmp_path: Path) -> None:
    """The demo's models.py is the final state of its migrations (they are hand-written)."""
    project = copy_project(tmp_path / "demo_project")
    db = DbBackend(
        name="sqlite",
        vendor="sqlite",
        database=str(tmp_path / "db.sqlite3"),
        env={"MF_DB_ENGINE": "sqlite", "MF_DB_NAME": str(tmp_path / "db.sqlite3")},
    )
    result = run_manage(project, "makemigrations", "--check", "--dry-run", db=db)
    assert result.returncode == 0, result.describe()
    assert "No changes detected" in result.stdout
