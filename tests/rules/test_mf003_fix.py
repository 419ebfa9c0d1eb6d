"""MF003's fix, on the pure harness (tests/rules/_mf003_pure.py: the folder's history from
sources, no git, no disk, the real report code for the output): the nullable step with its
backfill in the migration that removed the field, the deferred drop migration, the imports
and dependencies the copied field needs, the strategies, and when the fix must not be
made. After every fix the folder runs again and nothing changes. What needs git (the base,
--since, --diff, dirty files, the project's files) is in test_mf003_git.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from _mf003 import (
    CANNOT_HINT,
    CATEGORY,
    CHAR,
    CHAR_MSG,
    FIELDS,
    FK,
    INTEGER,
    drop_file,
    initial,
    migration,
    plan_hint,
    remove,
)
from _mf003_fixed import FLUSH, backfill_function, nullable_step
from _mf003_pure import fixed_again, fixed_folder, listing, make_repo, read, removed_then, run

from migration_fixer import __version__

# -- the drop migration ------------------------------------------------------------------

TWO = "0003_remove_product_sku_remove_product_stock"
LONG = "0003_remove_product_a_rather_long_field_name"


# -- foreign keys ------------------------------------------------------------------------


def test_foreign_key_is_split_and_the_backfill_is_left_to_write(tmp_path: Path) -> None:
    base = {
        "0001_initial.py": initial(
            '("category", models.ForeignKey(on_delete=models.deletion.CASCADE, '
            'to="shop.category"))',
            extra=CATEGORY,
        )
    }
    repo = make_repo(tmp_path / "repo", base, {"0002_remove.py": migration(remove("category"))})
    result = run(repo, ".")
    hint = (
        "a foreign key has no placeholder: before rolling 0002_remove back, give rows with "
        "NULL `category` a value by hand (see `backfill_product_category`). "
        + plan_hint("0002_remove", "0003_remove_product_category")
    )
    assert result.stdout == (
        "shop/migrations/0002_remove.py:8:9: MF003 removing `product.category` cannot be "
        f"rolled back: {FK} [fixed]\n"
        f"  hint: {hint}\n"
        "Found 1 finding in 2 migration files (1 fixed, 0 remaining).\n"
    )
    assert result.exit_code == 0
    assert read(repo, "0002_remove.py") == (
        "from django.db import migrations, models\n\n\n"
        "def backfill_product_category(apps, schema_editor):\n"
        "    # MF003: `category` is a foreign key: there is no placeholder for rows written\n"
        "    # while it was nullable. Before rolling this migration back, point them at a\n"
        "    # row, e.g.:\n"
        "    # Product.objects.filter(category__isnull=True).update(category=<an instance>)\n"
        + FLUSH
        + "\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        "    operations = [\n"
        + nullable_step(
            "category",
            # Too long for one line at 88 columns: split as black would.
            "models.ForeignKey(\n"
            '                on_delete=models.deletion.CASCADE, to="shop.category", null=True\n'
            "            )",
        )
        + "    ]\n"
    )
    assert read(repo, "0003_remove_product_category.py") == drop_file(
        "0002_remove", [("product", "category")]
    )
    fixed_again(repo)


def test_foreign_key_to_the_user_model_adds_the_swappable_dependency() -> None:
    initial_source = initial(
        '("owner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, '
        "to=settings.AUTH_USER_MODEL))",
        imports="from django.conf import settings\nimport django.db.models.deletion\n",
    ).replace(
        "    dependencies = []",
        "    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]",
    )
    new = migration(remove("owner"), deps='\n        ("shop", "0001_initial"),\n    ')
    repo = fixed_folder({"0001_initial.py": initial_source}, {"0002_x.py": new})
    fixed = read(repo, "0002_x.py")
    assert fixed.startswith(
        "import django.db.models.deletion\n"
        "from django.conf import settings\n"
        "from django.db import migrations, models\n\n\n"
        "def backfill_product_owner(apps, schema_editor):\n"
    )
    assert (
        "    dependencies = [\n"
        '        ("shop", "0001_initial"),\n'
        "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n"
        "    ]\n"
    ) in fixed
    assert (
        "            field=models.ForeignKey(\n"
        "                on_delete=django.db.models.deletion.CASCADE,\n"
        "                to=settings.AUTH_USER_MODEL,\n"
        "                null=True,\n"
        "            ),\n"
    ) in fixed


def test_existing_swappable_dependency_is_not_repeated() -> None:
    base = {
        "0001_initial.py": initial(
            '("owner", models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL))',
            imports="from django.conf import settings\n",
        )
    }
    deps = '("shop", "0001_initial"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)'
    new = migration(
        remove("owner"),
        deps=deps,
        imports="from django.conf import settings\nfrom django.db import migrations\n",
    )
    repo = fixed_folder(base, {"0002_x.py": new})
    fixed = read(repo, "0002_x.py")
    assert fixed.count("swappable_dependency") == 1
    assert fixed.startswith("from django.conf import settings\n")


# -- imports the copied field needs ------------------------------------------------------


def test_on_delete_spelled_with_the_module_path_imports_it() -> None:
    base = {
        "0001_initial.py": initial(
            '("category", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, '
            'to="shop.category"))',
            imports="import django.db.models.deletion\n",
            extra=CATEGORY,
        )
    }
    repo = fixed_folder(base, {"0002_x.py": migration(remove("category"))})
    assert read(repo, "0002_x.py").startswith(
        "import django.db.models.deletion\nfrom django.db import migrations, models\n\n\n"
    )


def test_date_time_field_placeholder_imports_datetime() -> None:
    base = {"0001_initial.py": initial('("seen", models.DateTimeField())')}
    repo = fixed_folder(base, {"0002_x.py": migration(remove("seen"))})
    assert read(repo, "0002_x.py") == (
        "import datetime\n\nfrom django.db import migrations, models\n\n\n"
        + backfill_function("seen", "datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)")
        + "\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        "    operations = [\n"
        + nullable_step("seen", "models.DateTimeField(null=True)")
        + "    ]\n"
    )


def test_unresolvable_or_conflicting_names_are_not_copied(tmp_path: Path) -> None:
    base = {
        "0001_initial.py": initial(
            '("code", models.CharField(max_length=LENGTH))',
        ),
        "0002_other.py": migration(
            'migrations.AddField(model_name="product", name="kind", '
            "field=models.CharField(choices=KINDS, max_length=9))",
            imports="from django.db import migrations, models\nfrom shop.kinds import KINDS\n",
        ),
    }
    new = {
        "0003_x.py": migration(
            remove("code"),
            remove("kind"),
            deps='("shop", "0002_other")',
            imports="from django.db import migrations\nKINDS = ()\n",
        )
    }
    repo = make_repo(tmp_path / "repo", base, new)
    result = run(repo, "--check", ".")
    assert result.stdout == (
        "shop/migrations/0003_x.py:9:9: MF003 removing `product.code` cannot be rolled back: "
        f"{CHAR}\n"
        "  hint: the field's definition uses `LENGTH`, which cannot be resolved\n"
        "shop/migrations/0003_x.py:10:9: MF003 removing `product.kind` cannot be rolled back: "
        f"{CHAR}\n"
        "  hint: `KINDS` means something else here than in 0002_other\n"
        "Found 2 findings in 3 migration files (0 fixable with `migration-fixer`).\n"
    )


# -- placeholders ------------------------------------------------------------------------


def distinct_backfill(candidate: str, field: str = "code") -> str:
    """The backfill of a unique text field: ``candidate`` (made of ``next(numbers)``) for
    each row, skipping the values other rows hold."""
    return (
        f"def backfill_product_{field}(apps, schema_editor):\n"
        f"    # MF003: rows written while `{field}` was nullable get a distinct placeholder, so "
        "that\n"
        "    # rolling this migration back can restore NOT NULL. Review the value.\n"
        '    Product = apps.get_model("shop", "Product")\n'
        "    db = schema_editor.connection.alias\n"
        f"    rows = Product.objects.using(db).filter({field}__isnull=True)\n"
        f"    taken = Product.objects.using(db).exclude({field}__isnull=True)\n"
        "    numbers = itertools.count(1)\n"
        "    for row in rows:\n"
        f"        value = {candidate}\n"
        f"        while taken.filter({field}=value).exists():\n"
        f"            value = {candidate}\n"
        f"        row.{field} = value\n"
        f'        row.save(update_fields=["{field}"])\n' + FLUSH
    )


PLACEHOLDER = 'f"placeholder-{next(numbers)}"'
DIGITS = "str(next(numbers))"


@pytest.mark.parametrize(
    ("field", "candidate"),
    [
        # "placeholder-" and ten digits: 22 characters.
        ('models.CharField(default="x", max_length=48, unique=True)', PLACEHOLDER),
        ('models.CharField(default="x", max_length=22, unique=True)', PLACEHOLDER),
        # Shorter: the digits alone, ten of them at least.
        ('models.CharField(default="x", max_length=21, unique=True)', DIGITS),
        ('models.CharField(default="x", max_length=12, unique=True)', DIGITS),
        ('models.CharField(default="x", max_length=10, unique=True)', DIGITS),
        # No max_length: a TextField's, or a SlugField's and an EmailField's default.
        ("models.TextField(unique=True)", PLACEHOLDER),
        ("models.SlugField(unique=True)", PLACEHOLDER),
        ("models.EmailField(unique=True)", PLACEHOLDER),
    ],
)
def test_unique_text_field_gets_a_value_no_row_holds(field: str, candidate: str) -> None:
    # Made of the key, `str(row.pk)[-12:]` gave the row of pk 12 the "12" that another
    # row's code could hold, and the rollback failed on the unique constraint: the values
    # are numbered from 1, each skipped while a row holds it (the database compares).
    base = {"0001_initial.py": initial(f'("code", {field})')}
    repo = fixed_folder(base, {"0002_x.py": migration(remove("code"))})
    fixed = read(repo, "0002_x.py")
    assert fixed.startswith("import itertools\n\nfrom django.db import migrations, models\n")
    assert distinct_backfill(candidate) in fixed


def test_unique_uuid_field_gets_a_new_uuid_per_row() -> None:
    field = "models.UUIDField(default=uuid.uuid4, unique=True)"
    base = {"0001_initial.py": initial(f'("code", {field})', imports="import uuid\n")}
    repo = fixed_folder(base, {"0002_x.py": migration(remove("code"))})
    assert (
        "    for row in rows:\n"
        "        row.code = uuid.uuid4()\n"
        '        row.save(update_fields=["code"])\n' + FLUSH
    ) in read(repo, "0002_x.py")


def test_the_distinct_backfill_of_a_long_field_name_is_laid_out_as_black_would() -> None:
    # (The longest a column's name can be on PostgreSQL: 63 characters.)
    field = "an_uncommonly_long_reference_code_of_the_item_and_then_some_more"[:63]
    base = {"0001_initial.py": initial(f'("{field}", models.TextField(unique=True))')}
    repo = fixed_folder(base, {"0002_x.py": migration(remove(field))})
    assert (
        "    taken = Product.objects.using(db).exclude(\n"
        f"        {field}__isnull=True\n"
        "    )\n"
        "    numbers = itertools.count(1)\n"
        "    for row in rows:\n"
        f"        value = {PLACEHOLDER}\n"
        "        while taken.filter(\n"
        f"            {field}=value\n"
        "        ).exists():\n"
        f"            value = {PLACEHOLDER}\n"
        f"        row.{field} = value\n"
    ) in read(repo, "0002_x.py")


@pytest.mark.parametrize(
    "field",
    [
        "models.IntegerField(unique=True)",
        "models.PositiveSmallIntegerField(unique=True)",
        "models.BigIntegerField(unique=True)",
    ],
)
def test_unique_integer_field_counts_up_from_the_largest_value(field: str) -> None:
    # ``-row.pk`` broke a positive field's CHECK constraint, and a SmallIntegerField's
    # range past 32,768 rows: the values go on from the largest one held.
    base = {"0001_initial.py": initial(f'("code", {field})')}
    repo = fixed_folder(base, {"0002_x.py": migration(remove("code"))})
    assert (
        "def backfill_product_code(apps, schema_editor):\n"
        "    # MF003: rows written while `code` was nullable get a distinct placeholder, so that\n"
        "    # rolling this migration back can restore NOT NULL. Review the value.\n"
        '    Product = apps.get_model("shop", "Product")\n'
        "    db = schema_editor.connection.alias\n"
        "    rows = Product.objects.using(db).filter(code__isnull=True)\n"
        "    taken = Product.objects.using(db).exclude(code__isnull=True)\n"
        '    top = taken.order_by("-code").values_list("code", flat=True).first() or 0\n'
        "    for offset, row in enumerate(rows, start=1):\n"
        "        row.code = top + offset\n"
        '        row.save(update_fields=["code"])\n' + FLUSH
    ) in read(repo, "0002_x.py")


def test_a_field_unique_with_others_gets_a_distinct_placeholder_per_row() -> None:
    # A unique_together of the folder names it: one "" in two rows of one group would
    # break it when the rollback restores the group (wagtail's permission_type).
    base = {
        "0001_initial.py": initial(
            '("code", models.CharField(max_length=48))',
            '("shelf", models.IntegerField())',
            extra="        migrations.AlterUniqueTogether(\n"
            '            name="product", unique_together={("code", "shelf")}\n'
            "        ),\n",
        )
    }
    repo = fixed_folder(base, {"0002_x.py": migration(remove("code"))})
    assert distinct_backfill(PLACEHOLDER) in read(repo, "0002_x.py")


def test_unique_field_without_a_per_row_value_is_not_fixed(tmp_path: Path) -> None:
    base = {"0001_initial.py": initial('("day", models.DateField(unique=True))')}
    repo = make_repo(tmp_path / "repo", base, {"0002_x.py": migration(remove("day"))})
    result = run(repo, ".")
    reason = CHAR_MSG.format(cls="DateField", fill="0000-00-00", dropped="")
    assert result.stdout == (
        f"shop/migrations/0002_x.py:8:9: MF003 removing `product.day` cannot be rolled back: "
        f"{reason}\n"
        "  hint: a unique DateField needs a distinct value per row\n"
        "Found 1 finding in 2 migration files (0 fixed, 1 remaining).\n"
    )


def test_a_migration_whose_class_raises_in_unapply_is_not_split(tmp_path: Path) -> None:
    base = {"0001_initial.py": initial(*FIELDS[:1])}
    source = migration(remove("sku")).replace(
        "class Migration(migrations.Migration):\n",
        "class IrreversibleMigration(migrations.Migration):\n"
        "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
        '        raise RuntimeError("irreversible")\n\n\n'
        "class Migration(IrreversibleMigration):\n",
    )
    repo = make_repo(tmp_path / "repo", base, {"0002_x.py": source})
    result = run(repo, ".")
    assert result.stdout == (
        "shop/migrations/0002_x.py:13:9: MF003 removing `product.sku` cannot be rolled back: "
        f"{CHAR}\n"
        "  hint: the migration's class inherits `unapply` from `IrreversibleMigration` "
        "(line 5), which always raises: the rollback stops at this migration whatever its "
        "operations say, so the removal is not split (the backfill of its nullable step would "
        "never run)\n"
        "Found 1 finding in 2 migration files (0 fixed, 1 remaining).\n"
    )
    assert read(repo, "0002_x.py") == source
    assert listing(repo) == ["0001_initial.py", "0002_x.py", "__init__.py"]


@pytest.mark.parametrize(("length", "count"), [(4, "9,999"), (9, "999,999,999")])
def test_a_unique_column_too_short_for_every_row_is_not_fixed(
    tmp_path: Path, length: int, count: str
) -> None:
    # (MF005's trial: rows 10001 and 20001 both got "0001", and the rollback failed on the
    # unique constraint.) Ten digits count past every row of an AutoField's table.
    field = f'models.CharField(default="x", max_length={length}, unique=True)'
    base = {"0001_initial.py": initial(f'("code", {field})')}
    repo = make_repo(tmp_path / "repo", base, {"0002_x.py": migration(remove("code"))})
    result = run(repo, ".")
    assert result.stdout.splitlines()[1:] == [
        f"  hint: a unique CharField of max_length {length} cannot hold a distinct placeholder "
        f"for every row ({length} digits count to {count}; a table can hold more rows)",
        "Found 1 finding in 2 migration files (0 fixed, 1 remaining).",
    ]


PK_HINT = (
    "a primary key cannot be made nullable, so the removal is not split: rewrite its "
    "rollback by hand (re-add the column nullable, give each row its own value, then make "
    "it the key)"
)


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        (
            # pulpcore 0008: the UUID key removed while another field becomes the key.
            "models.UUIDField(default=uuid.uuid4, primary_key=True, serialize=False)",
            "`UUIDField(primary_key=True)` with a default: every existing row would get the "
            "same value, and the unique constraint refuses it",
        ),
        (
            "models.CharField(max_length=8, primary_key=True)",
            CHAR_MSG.format(cls="CharField", fill="''", dropped=""),
        ),
        (
            'models.OneToOneField(on_delete=models.CASCADE, primary_key=True, to="shop.category")',
            "non-null `OneToOneField` has no value for existing rows: re-adding it fails on "
            "every database (a foreign key cannot be filled with a placeholder)",
        ),
    ],
)
def test_primary_key_is_never_made_nullable(tmp_path: Path, field: str, reason: str) -> None:
    base = {
        "0001_initial.py": (
            "import uuid\n\nfrom django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    initial = True\n\n"
            "    dependencies = []\n\n"
            "    operations = [\n"
            '        migrations.CreateModel(name="Category", fields=[("id", '
            "models.BigAutoField(primary_key=True, serialize=False))]),\n"
            '        migrations.CreateModel(name="Product", fields=[("key", '
            f'{field}), ("code", models.IntegerField())]),\n'
            "    ]\n"
        )
    }
    new = migration(
        remove("key"),
        'migrations.AlterField(model_name="product", name="code", '
        "field=models.IntegerField(primary_key=True, serialize=False))",
        imports="from django.db import migrations, models\n",
    )
    repo = make_repo(tmp_path / "repo", base, {"0002_x.py": new})
    result = run(repo, ".")
    assert result.stdout == (
        f"shop/migrations/0002_x.py:8:9: MF003 removing `product.key` cannot be rolled back: "
        f"{reason}\n"
        f"  hint: {PK_HINT}\n"
        "Found 1 finding in 2 migration files (0 fixed, 1 remaining).\n"
    )
    assert result.exit_code == 1
    assert listing(repo) == ["0001_initial.py", "0002_x.py", "__init__.py"]
    assert read(repo, "0002_x.py") == new


def test_dropped_literal_default_is_the_placeholder() -> None:
    add = migration(
        'migrations.AddField(model_name="product", name="size", '
        "field=models.IntegerField(default=3), preserve_default=False)",
        imports="from django.db import migrations, models\n",
    )
    base = {"0001_initial.py": initial(), "0002_add.py": add}
    new = {"0003_x.py": migration(remove("size"), deps='("shop", "0002_add")')}
    repo = fixed_folder(base, new)
    fixed = read(repo, "0003_x.py")
    assert "    # MF003: rows written while `size` was nullable get its old default, so" in fixed
    assert ".filter(size__isnull=True)\n    rows.update(size=3)\n" in fixed
    assert "            field=models.IntegerField(default=3, null=True),\n" in fixed


def test_field_type_without_placeholder_is_left_to_write(tmp_path: Path) -> None:
    base = {
        "0001_initial.py": initial(
            '("tags", ArrayField(models.CharField(max_length=9)))',
            imports="from django.contrib.postgres.fields import ArrayField\n",
        )
    }
    repo = make_repo(tmp_path / "repo", base, {"0002_x.py": migration(remove("tags"))})
    result = run(repo, ".")
    assert (
        "  hint: an ArrayField has no placeholder: before rolling 0002_x back, give rows with "
        "NULL `tags` a value by hand (see `backfill_product_tags`). "
    ) in result.stdout
    fixed = read(repo, "0002_x.py")
    assert (
        "    # MF003: `tags` is an ArrayField: there is no placeholder for rows written\n"
        "    # while it was nullable. Before rolling this migration back, give them a\n"
        "    # value, e.g.:\n"
        "    # Product.objects.filter(tags__isnull=True).update(tags=<a value>)\n"
    ) in fixed
    assert fixed.startswith(
        "from django.contrib.postgres.fields import ArrayField\n"
        "from django.db import migrations, models\n"
    )
    fixed_again(repo)


def test_multi_line_field_definition_is_reindented() -> None:
    field = (
        '(\n                    "sku",\n                    models.CharField(\n'
        '                        help_text="""two\nlines""",\n'
        "                        max_length=32,\n                    ),\n                )"
    )
    other = '("note", models.CharField(\n                    max_length=32,\n                ))'
    base = {"0001_initial.py": initial(field, other)}
    new = migration(remove("sku"), remove("note"), imports="from django.db import migrations\n")
    repo = fixed_folder(base, {"0002_x.py": new})
    fixed = read(repo, "0002_x.py")
    # A multi-line string keeps every line as it is; otherwise lines move to the new indent.
    assert (
        "            field=models.CharField(\n"
        '                        help_text="""two\nlines""",\n'
        "                        max_length=32,\n"
        "                        null=True,\n"
        "                    ),\n"
    ) in fixed
    # One argument per line (a magic trailing comma): the new one gets a line of its own.
    assert (
        "            field=models.CharField(\n"
        "                max_length=32,\n"
        "                null=True,\n"
        "            ),\n"
    ) in fixed


@pytest.mark.parametrize(
    ("removed", "name"),
    [
        (["sku"], "0003_remove_product_sku"),
        (["sku", "stock"], "0003_remove_product_sku_remove_product_stock"),
        # Django's Migration.suggest_name(): fragments joined while the name stays within
        # 52 characters, then "_and_more".
        (["sku", "stock", "a_rather_long_field_name"], f"{TWO}_and_more"),
        (["a_rather_long_field_name", "sku"], f"{LONG}_and_more"),
    ],
)
def test_several_removals_go_into_one_drop_migration_named_like_django(
    tmp_path: Path, removed: list[str], name: str
) -> None:
    new = migration(*(remove(f) for f in removed))
    repo = make_repo(tmp_path / "repo", {"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    result = run(repo, ".")
    assert result.stdout.count(f"{name}.py drops it") == len(removed)
    assert listing(repo) == ["0001_initial.py", "0002_x.py", f"{name}.py", "__init__.py"]
    assert read(repo, f"{name}.py") == drop_file("0002_x", [("product", f) for f in removed])
    fixed_again(repo)


def test_two_new_migrations_get_two_drop_migrations_in_a_row(tmp_path: Path) -> None:
    new = {
        "0002_a.py": migration(remove("sku")),
        "0003_b.py": migration(remove("stock"), deps='("shop", "0002_a")'),
    }
    repo = make_repo(tmp_path / "repo", {"0001_initial.py": initial(*FIELDS)}, new)
    result = run(repo, ".")
    assert result.stdout == (
        f"shop/migrations/0002_a.py:8:9: MF003 removing `product.sku` cannot be rolled back: "
        f"{CHAR} [fixed]\n"
        f"  hint: {plan_hint('0002_a', '0004_remove_product_sku')}\n"
        f"shop/migrations/0003_b.py:8:9: MF003 removing `product.stock` cannot be rolled back: "
        f"{INTEGER} [fixed]\n"
        f"  hint: {plan_hint('0003_b', '0005_remove_product_stock')}\n"
        "Found 2 findings in 3 migration files (2 fixed, 0 remaining).\n"
    )
    # Each drop depends on the app's leaf at the time: the second on the first.
    assert read(repo, "0004_remove_product_sku.py") == drop_file(
        "0002_a", [("product", "sku")], depends_on="0003_b"
    )
    assert read(repo, "0005_remove_product_stock.py") == drop_file(
        "0003_b", [("product", "stock")], depends_on="0004_remove_product_sku"
    )
    fixed_again(repo)


def test_the_drop_migration_quotes_its_strings_as_the_migration_it_comes_from() -> None:
    # As Django's makemigrations writes them without black: single quotes.
    new = migration(
        "migrations.RemoveField(model_name='product', name='sku')",
        deps="('shop', '0001_initial')",
    )
    repo = fixed_folder({"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    assert read(repo, "0003_remove_product_sku.py") == drop_file(
        "0002_x", [("product", "sku")], quote="'"
    )


def test_a_later_new_migration_is_the_leaf_the_drop_depends_on() -> None:
    new = {
        "0002_a.py": migration(remove("sku")),
        "0003_b.py": migration(
            "migrations.RunSQL('SELECT 1', 'SELECT 1')", deps='("shop", "0002_a")'
        ),
    }
    repo = fixed_folder({"0001_initial.py": initial(*FIELDS)}, new)
    assert read(repo, "0004_remove_product_sku.py") == drop_file(
        "0002_a", [("product", "sku")], depends_on="0003_b"
    )


def test_db_default_strategy_refuses_json(tmp_path: Path) -> None:
    base = {"0001_initial.py": initial('("data", models.JSONField())')}
    repo = make_repo(tmp_path / "repo", base, {"0002_x.py": migration(remove("data"))})
    result = run(repo, "--check", "--strategy", "db-default", ".")
    assert (
        "  hint: --strategy db-default needs a single placeholder value, which a JSONField "
        "does not have: use the default strategy (nullable) or split by hand\n"
    ) in result.stdout


# -- how the file spells things ----------------------------------------------------------


def test_operations_imported_by_name_are_spelled_the_same_way() -> None:
    new = (
        "from django.db import migrations\n"
        "from django.db.migrations import RemoveField\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0001_initial')]\n\n"
        "    operations = [\n"
        "        RemoveField('product', 'sku'),\n"
        "    ]\n"
    )
    repo = fixed_folder({"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    assert read(repo, "0002_x.py") == (
        "from django.db import migrations, models\n"
        "from django.db.migrations import AlterField, RemoveField, RunPython\n\n\n"
        "def backfill_product_sku(apps, schema_editor):\n"
        "    # MF003: rows written while `sku` was nullable get a placeholder, so that rolling\n"
        "    # this migration back can restore NOT NULL. Review the value.\n"
        "    Product = apps.get_model('shop', 'Product')\n"
        "    db = schema_editor.connection.alias\n"
        "    rows = Product.objects.using(db).filter(sku__isnull=True)\n"
        "    rows.update(sku='')\n" + FLUSH.replace('"', "'") + "\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0001_initial')]\n\n"
        "    operations = [\n"
        "        AlterField(\n"
        "            model_name='product',\n"
        "            name='sku',\n"
        "            field=models.CharField(max_length=32, null=True),\n"
        "        ),\n"
        "        RunPython(\n"
        "            RunPython.noop,\n"
        "            reverse_code=backfill_product_sku,\n"
        "        ),\n"
        "    ]\n"
    )


def test_aliased_migrations_module() -> None:
    new = migration(
        remove("sku").replace("migrations.", "m."),
        imports="from django.db import migrations as m\nfrom django.db import models\n",
    ).replace("(migrations.Migration)", "(m.Migration)")
    repo = fixed_folder({"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    fixed = read(repo, "0002_x.py")
    assert "        m.AlterField(\n" in fixed
    assert "            m.RunPython.noop,\n" in fixed
    assert fixed.startswith("from django.db import migrations as m\nfrom django.db import models\n")


def test_name_that_means_something_else_is_not_used(tmp_path: Path) -> None:
    new = migration(
        "RemoveField('product', 'sku')",
        imports="from django.db import migrations\n"
        "from django.db.migrations import RemoveField\n"
        "from shop.ops import AlterField\n",
    )
    repo = make_repo(tmp_path / "repo", {"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    result = run(repo, "--check", ".")
    assert "  hint: `AlterField` means something else in this file\n" in result.stdout
    assert "(0 fixable with `migration-fixer`)" in result.stdout


def test_crlf_migration_stays_crlf() -> None:
    indent = "\n                    "
    field = f'({indent}"sku",{indent}models.CharField(max_length=32),\n                )'
    base = {"0001_initial.py": initial(field).replace("\n", "\r\n")}
    new = migration(remove("sku")).replace("\n", "\r\n")
    repo = fixed_folder(base, {"0002_x.py": new})
    fixed = read(repo, "0002_x.py")
    assert "\n" not in fixed.replace("\r\n", "")
    assert "field=models.CharField(max_length=32, null=True),\r\n" in fixed


def test_single_quoted_file_gets_single_quotes() -> None:
    new = migration(
        "migrations.RemoveField(model_name='product', name='sku')", deps="('shop', '0001_initial')"
    )
    repo = fixed_folder({"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    fixed = read(repo, "0002_x.py")
    assert ".update(sku='')\n" in fixed
    assert "            model_name='product',\n" in fixed


def test_a_single_quoted_file_gets_a_single_quoted_distinct_backfill() -> None:
    new = migration(
        "migrations.RemoveField(model_name='product', name='code')",
        deps="('shop', '0001_initial')",
    )
    field = "models.CharField(default='x', max_length=40, unique=True)"
    repo = fixed_folder({"0001_initial.py": initial(f"('code', {field})")}, {"0002_x.py": new})
    assert (
        "    for row in rows:\n"
        "        value = f'placeholder-{next(numbers)}'\n"
        "        while taken.filter(code=value).exists():\n"
        "            value = f'placeholder-{next(numbers)}'\n"
        "        row.code = value\n"
        "        row.save(update_fields=['code'])\n"
    ) in read(repo, "0002_x.py")


def test_backfill_name_does_not_shadow_an_existing_one() -> None:
    new = migration(remove("sku"), head="def backfill_product_sku():\n    pass\n\n\n")
    repo = fixed_folder({"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    fixed = read(repo, "0002_x.py")
    assert "def backfill_product_sku_2(apps, schema_editor):\n" in fixed
    assert "reverse_code=backfill_product_sku_2,\n" in fixed


def test_non_literal_names_cannot_be_determined(tmp_path: Path) -> None:
    new = migration(
        'migrations.RemoveField(model_name=MODEL, name="sku")', head="MODEL = model()\n\n\n"
    )
    repo = make_repo(tmp_path / "repo", {"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    result = run(repo, "--check", ".")
    assert result.stdout == (
        "shop/migrations/0002_x.py:11:9: MF003 `RemoveField` with non-literal names: cannot "
        "determine whether it can be rolled back\n"
        "Found 1 finding in 2 migration files (0 fixable with `migration-fixer`).\n"
    )


def test_names_held_by_module_constants_are_read(tmp_path: Path) -> None:
    """``model_name=MODEL`` below ``MODEL = 'product'``: the model is known, the removal is
    split (the nullable step and the drop name it literally)."""
    new = migration(
        'migrations.RemoveField(model_name=MODEL, name="sku")', head="MODEL = 'product'\n\n\n"
    )
    repo = make_repo(tmp_path / "repo", {"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    result = run(repo, ".")
    assert result.stdout == (
        "shop/migrations/0002_x.py:11:9: MF003 removing `product.sku` cannot be rolled back: "
        "non-null `CharField` with no default: re-adding it fails on SQLite and PostgreSQL, "
        "and MySQL/MariaDB silently fill every row with '' [fixed]\n"
        "  hint: deploy 0002_x.py (the field stays, nullable) in this release; "
        "0003_remove_product_sku.py drops it and is marked to run after the deploy: ship it in "
        "a later release, once no running code reads the column\n"
        "Found 1 finding in 2 migration files (1 fixed, 0 remaining).\n"
    )
    fixed = read(repo, "0002_x.py")
    assert (
        "        migrations.AlterField(\n"
        '            model_name="product",\n'
        '            name="sku",\n'
    ) in fixed
    assert 'model_name="product",\n            name="sku",\n' in read(
        repo, "0003_remove_product_sku.py"
    )


@pytest.mark.parametrize(
    ("new", "where"),
    [
        pytest.param(
            migration(
                "migrations.RunSQL('SELECT 1', 'SELECT 1')",
                head=f"def helper():\n    return {remove('sku')}\n\n\n",
            ),
            "5:12",
            id="in-a-function",
        ),
        pytest.param(
            migration(f"Wrapper({remove('sku')})", head="def Wrapper(op):\n    return op\n\n\n"),
            "12:17",
            id="wrapped-in-another-call",
        ),
    ],
)
def test_removal_outside_the_operations_list_cannot_be_determined(new: str, where: str) -> None:
    repo = make_repo(Path(), {"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    result = run(repo, "--check", ".")
    assert result.stdout == (
        f"shop/migrations/0002_x.py:{where}: MF003 cannot determine whether removing "
        "`product.sku` can be rolled back: `RemoveField` outside the migration's `operations` "
        f"list\n  hint: {CANNOT_HINT}\n"
        "Found 1 finding in 2 migration files (0 fixable with `migration-fixer`).\n"
    )


# -- more shapes -------------------------------------------------------------------------


def test_operations_already_imported_by_name_are_not_imported_again() -> None:
    imports = (
        "from django.db import migrations, models\n"
        "from django.db.migrations import AlterField, RemoveField, RunPython\n"
    )
    new = migration("RemoveField('product', 'sku')", imports=imports)
    repo = fixed_folder({"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    assert read(repo, "0002_x.py").startswith(imports + "\n\ndef backfill_product_sku(")


@pytest.mark.parametrize(
    ("imports", "remove_call", "dependency"),
    [
        (
            "from django.db import migrations as m\n",
            "m.RemoveField('product', 'owner')",
            "m.swappable_dependency(settings.AUTH_USER_MODEL)",
        ),
        (
            "from django.db import migrations\nfrom django.db.migrations import RemoveField\n",
            "RemoveField('product', 'owner')",
            "swappable_dependency(settings.AUTH_USER_MODEL)",
        ),
    ],
)
def test_swappable_dependency_is_spelled_like_the_file(
    tmp_path: Path,
    imports: str,
    remove_call: str,
    dependency: str,
) -> None:
    base = {
        "0001_initial.py": initial(
            '("owner", models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL))',
            imports="from django.conf import settings\n",
        )
    }
    new = migration(remove_call, imports=imports).replace("(migrations.Migration)", "(object)")
    repo = fixed_folder(base, {"0002_x.py": new})
    fixed = read(repo, "0002_x.py")
    assert f'    dependencies = [("shop", "0001_initial"), {dependency}]\n' in fixed


def test_swappable_dependency_without_a_dependencies_list() -> None:
    first = initial(
        '("owner", models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL))',
        imports="from django.conf import settings\n",
    ).replace("    dependencies = []\n", '    run_before = [("shop", "0002_x")]\n')
    new = migration(remove("owner")).replace('    dependencies = [("shop", "0001_initial")]\n', "")
    repo = fixed_folder({"0001_initial.py": first}, {"0002_x.py": new})
    fixed = read(repo, "0002_x.py")
    assert "swappable_dependency" not in fixed
    assert "to=settings.AUTH_USER_MODEL, null=True\n" in fixed


def test_db_default_in_a_single_quoted_file(tmp_path: Path) -> None:
    new = migration(
        "migrations.RemoveField(model_name='product', name='sku')", deps="('shop', '0001_initial')"
    )
    repo = make_repo(tmp_path / "repo", {"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": new})
    assert run(repo, "--strategy", "db-default", ".").exit_code == 0
    assert "            field=models.CharField(max_length=32, db_default=''),\n" in read(
        repo, "0002_x.py"
    )


def test_explicit_null_false_becomes_true_and_builtins_are_kept() -> None:
    field = '("sku", models.CharField(help_text="x".upper(), max_length=len("abcd"), null=False))'
    repo = fixed_folder(
        {"0001_initial.py": initial(field)}, {"0002_x.py": migration(remove("sku"))}
    )
    assert (
        "            field=models.CharField(\n"
        '                help_text="x".upper(), max_length=len("abcd"), null=True\n'
        "            ),\n"
    ) in read(repo, "0002_x.py")


def test_continuation_lines_left_of_the_definition_stay_where_they_are() -> None:
    field = '("sku", models.CharField(\nmax_length=32))'
    repo = fixed_folder(
        {"0001_initial.py": initial(field)}, {"0002_x.py": migration(remove("sku"))}
    )
    assert "            field=models.CharField(\nmax_length=32, null=True),\n" in read(
        repo, "0002_x.py"
    )


def test_deleting_another_model_later_does_not_hide_the_removal(tmp_path: Path) -> None:
    base = {"0001_initial.py": initial(*FIELDS, extra=CATEGORY)}
    new = migration(
        remove("sku"),
        'migrations.DeleteModel(name="Category")',
        "migrations.DeleteModel(NAME)",
        "Noop()",
    )
    repo = make_repo(tmp_path / "repo", base, {"0002_x.py": new})
    result = run(repo, "--check", ".")
    assert result.stdout.startswith(
        f"shop/migrations/0002_x.py:8:9: MF003 removing `product.sku` cannot be rolled back: {CHAR}"
    )


@pytest.mark.parametrize("first", [True, False], ids=["noqa-first", "noqa-second"])
def test_removal_kept_with_noqa_is_neither_split_nor_dropped_again(
    tmp_path: Path, first: bool
) -> None:
    kept = remove("stock") + ",  # noqa: MF003 the table is empty"
    ops = [kept, remove("sku")] if first else [remove("sku"), kept]
    source = migration(*ops).replace("empty,\n", "empty\n")
    repo = make_repo(
        tmp_path / "repo", {"0001_initial.py": initial(*FIELDS)}, {"0002_x.py": source}
    )
    result = run(repo, ".")
    assert result.stdout.count(" MF003 ") == 1
    assert result.exit_code == 0
    assert '        migrations.RemoveField(model_name="product", name="stock"),  # noqa' in read(
        repo, "0002_x.py"
    )
    assert read(repo, "0003_remove_product_sku.py") == drop_file("0002_x", [("product", "sku")])
    fixed_again(repo)


@pytest.mark.parametrize(
    ("imports", "call", "alter", "run_python", "dependency", "added"),
    [
        (
            "import django.db.migrations.operations\n",
            "django.db.migrations.operations.RemoveField",
            "django.db.migrations.operations.AlterField",
            "django.db.migrations.operations.RunPython",
            "swappable_dependency",
            "from django.db.migrations import swappable_dependency\n",
        ),
        (
            "from django.db.migrations.operations import fields\n",
            "fields.RemoveField",
            "AlterField",
            "RunPython",
            "swappable_dependency",
            "from django.db.migrations import AlterField, RunPython, swappable_dependency\n",
        ),
    ],
    ids=["operations-module", "fields-module"],
)
def test_operations_module_spellings(
    tmp_path: Path,
    imports: str,
    call: str,
    alter: str,
    run_python: str,
    dependency: str,
    added: str,
) -> None:
    base = {
        "0001_initial.py": initial(
            '("owner", models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL))',
            imports="from django.conf import settings\n",
        )
    }
    new = migration(
        f"{call}('product', 'owner')", imports=f"from django.db import migrations\n{imports}"
    )
    repo = fixed_folder(base, {"0002_x.py": new})
    fixed = read(repo, "0002_x.py")
    assert f"        {alter}(\n" in fixed
    assert f"        {run_python}(\n            {run_python}.noop,\n" in fixed
    assert f"{dependency}(settings.AUTH_USER_MODEL)]\n" in fixed
    assert added in fixed


@pytest.mark.parametrize(
    ("later", "changed"),
    [
        # The field comes back (a later AddField of the same name): the column the drop
        # would remove is the new one.
        (
            'migrations.AddField(model_name="product", name="sku", '
            "field=models.IntegerField(null=True))",
            True,
        ),
        ('migrations.AlterField(model_name="product", name="sku", field=models.TextField())', True),
        ('migrations.RenameField(model_name="product", old_name="code", new_name="sku")', True),
        ('migrations.DeleteModel(name="Product")', True),
        ('migrations.RenameModel(old_name="Product", new_name="Item")', True),
        ('migrations.CreateModel(name="Product", fields=[])', True),
        # Other fields, other models, other operations: the split goes ahead.
        (
            'migrations.AddField(model_name="product", name="sku2", '
            "field=models.IntegerField(null=True))",
            False,
        ),
        ('migrations.DeleteModel(name="Other")', False),
        ('migrations.RunSQL("SELECT 1", migrations.RunSQL.noop)', False),
        ("helper()", False),
    ],
)
def test_a_later_migration_that_changes_the_field_again_blocks_the_split(
    later: str, changed: bool
) -> None:
    repo = removed_then(
        later, head="def helper():\n    return migrations.RunSQL('SELECT 1', '')\n\n\n"
    )
    result = run(repo, "--check", ".")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("shop/migrations/0002_remove.py:8:9: MF003 removing `product.sku`")
    if changed:
        assert not lines[0].endswith("[fixable]")
        assert lines[1] == (
            "  hint: 0003_later changes `product.sku` (or its model) again: the deferred drop "
            "would come after it and undo it; split by hand"
        )
    else:
        assert lines[0].endswith("[fixable]")


def test_the_drop_migrations_comments_are_wrapped_to_the_line_length() -> None:
    """A long migration name makes the comments longer than the line length: they are
    wrapped (a short name keeps the lines ``drop_file`` shows)."""
    origin = "0002_remove_notification_check_status_and_more"
    repo = fixed_folder(
        {"0001_initial.py": initial(*FIELDS)}, {f"{origin}.py": migration(remove("sku"))}
    )
    drop = read(repo, "0003_remove_product_sku.py")
    assert drop.startswith(
        f"# Generated by migration-fixer {__version__}: the deferred drop from\n# {origin}\n\n"
    )
    assert (
        "    # The contract step of an expand/contract split (migration-fixer MF003): run it in a\n"
        f"    # deploy after the one that applies {origin},\n"
        "    # once no running code reads the removed column.\n"
    ) in drop
    assert max(len(line) for line in drop.splitlines()) <= 88
