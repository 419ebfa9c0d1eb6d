"""MF003 reads the field's definition from a static replay of the migrations folder's
history: the history on the git base and the removal new, checked on the pure harness
(exact output as the CLI prints it, exit code), or through the CLI in a real git repository
where the run's problems or the disk matter."""

from __future__ import annotations

from pathlib import Path

import pytest
from _mf003 import (
    CANNOT_HINT,
    CHAR_MSG,
    initial,
    make_repo,
    migration,
    plan_hint,
    read,
    remove,
    run,
    status,
)
from _mf003_pure import PureResult
from _mf003_pure import make_repo as pure_repo
from _mf003_pure import run as pure_run
from click.testing import Result

SKU = '("sku", models.CharField(max_length=32))'
INITIAL = initial(SKU)
MODELS = "from django.db import migrations, models\n"
CHAR = CHAR_MSG.format(cls="CharField", fill="''", dropped="")
INTEGER = CHAR_MSG.format(cls="IntegerField", fill="0", dropped="")


def check(base: dict[str, str], new: dict[str, str], *args: str) -> PureResult:
    """The CLI's output for the folder, on the pure harness."""
    return pure_run(pure_repo(Path(), base, new), *(args or ("--check", ".")))


def check_git(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    base: dict[str, str],
    new: dict[str, str],
    *args: str,
    folder: str = "shop/migrations",
) -> Result:
    """The CLI in a real git repository, for what the pure harness does not see (the
    problems a run reports on stderr, files on disk, other folders)."""
    repo = make_repo(tmp_path / "repo", base, new, folder=folder)
    return run(monkeypatch, repo, *(args or ("--check", ".")))


def flagged(
    name: str, field: str, reason: str, hint: str, fixable: bool = True, line: int = 8
) -> str:
    tail = " [fixable]" if fixable else ""
    return (
        f"shop/migrations/{name}.py:{line}:9: MF003 removing `{field}` cannot be rolled back: "
        f"{reason}{tail}\n  hint: {hint}\n"
    )


def cannot(
    name: str, field: str, reason: str, line: int = 8, column: int = 9, hint: str = ""
) -> str:
    return (
        f"shop/migrations/{name}.py:{line}:{column}: MF003 cannot determine whether removing "
        f"`{field}` can be rolled back: {reason}\n"
        f"  hint: {hint + ', or ' + CANNOT_HINT if hint else CANNOT_HINT}\n"
    )


def summary(findings: int, files: int, fixable: int) -> str:
    noun = "finding" if findings == 1 else "findings"
    return (
        f"Found {findings} {noun} in {files} migration files "
        f"({fixable} fixable with `migration-fixer`).\n"
    )


# -- the definition that counts is the last one ----------------------------------------


def test_add_field_then_alter_field_copies_the_last_definition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {
        "0001_initial.py": initial(),
        "0002_add.py": migration(
            'migrations.AddField(model_name="product", name="value", '
            "field=models.CharField(max_length=10, null=True))",
            imports=MODELS,
        ),
        "0003_alter.py": migration(
            'migrations.AlterField(model_name="product", name="value", '
            "field=models.IntegerField(help_text='count'))",
            deps='("shop", "0002_add")',
            imports=MODELS,
        ),
    }
    new = {"0004_remove.py": migration(remove("value"), deps='("shop", "0003_alter")')}
    result = check_git(tmp_path, monkeypatch, base, new, ".")
    assert result.stdout.startswith(
        "shop/migrations/0004_remove.py:8:9: MF003 removing `product.value` cannot be rolled "
        f"back: {INTEGER} [fixed]\n"
    )
    assert result.exit_code == 0
    fixed = read(tmp_path / "repo", "0004_remove.py")
    assert "            field=models.IntegerField(help_text='count', null=True),\n" in fixed
    assert "from django.db import migrations, models\n" in fixed


def test_rename_field() -> None:
    base = {
        "0001_initial.py": INITIAL,
        "0002_rename.py": migration(
            'migrations.RenameField(model_name="product", old_name="sku", new_name="code")'
        ),
    }
    new = {"0003_remove.py": migration(remove("code"), deps='("shop", "0002_rename")')}
    result = check(base, new)
    assert result.stdout == (
        flagged(
            "0003_remove",
            "product.code",
            CHAR,
            plan_hint("0003_remove", "0004_remove_product_code"),
        )
        + summary(1, 3, 1)
    )
    # The old name is gone.
    new = {"0003_remove.py": migration(remove("sku"), deps='("shop", "0002_rename")')}
    result = check(base, new)
    assert result.stdout == (
        cannot(
            "0003_remove",
            "product.sku",
            "field `product.sku` is not defined in this folder's migrations",
        )
        + summary(1, 3, 0)
    )


def test_rename_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = {
        "0001_initial.py": INITIAL,
        "0002_rename.py": migration('migrations.RenameModel(old_name="Product", new_name="Item")'),
    }
    new = {"0003_remove.py": migration(remove("sku", "item"), deps='("shop", "0002_rename")')}
    result = check_git(tmp_path, monkeypatch, base, new, ".")
    assert result.exit_code == 0
    fixed = read(tmp_path / "repo", "0003_remove.py")
    assert '    Item = apps.get_model("shop", "Item")\n' in fixed
    assert '            model_name="item",\n' in fixed
    assert read(tmp_path / "repo", "0004_remove_item_sku.py").count('model_name="item"') == 1


def test_delete_model_and_recreate() -> None:
    recreate = migration(
        'migrations.DeleteModel(name="Product")',
        "migrations.CreateModel(name='Product', fields=[('sku', models.CharField(null=True))])",
        imports=MODELS,
    )
    base = {"0001_initial.py": INITIAL, "0002_recreate.py": recreate}
    new = {"0003_remove.py": migration(remove("sku"), deps='("shop", "0002_recreate")')}
    assert check(base, new).stdout == "No findings in 3 migration files.\n"
    # Deleted and not recreated: nothing to look up.
    delete = migration('migrations.DeleteModel(name="Product")')
    base = {"0001_initial.py": INITIAL, "0002_delete.py": delete}
    new = {"0003_remove.py": migration(remove("sku"), deps='("shop", "0002_delete")')}
    result = check(base, new)
    assert result.stdout == (
        cannot(
            "0003_remove",
            "product.sku",
            "model `product` is not created in this folder's migrations",
        )
        + summary(1, 3, 0)
    )


def test_rename_model_retargets_a_copied_relation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    category = '        migrations.CreateModel(name="Category", fields=[]),\n'
    fk = '("category", models.ForeignKey(on_delete=models.CASCADE, to="shop.category"))'
    base = {
        "0001_initial.py": initial(fk, extra=category),
        "0002_rename.py": migration('migrations.RenameModel("Category", "Kind")'),
        "0003_rename.py": migration(
            'migrations.RenameModel(old_name="Kind", new_name="Sort")',
            deps='("shop", "0002_rename")',
        ),
    }
    new = {"0004_remove.py": migration(remove("category"), deps='("shop", "0003_rename")')}
    assert check_git(tmp_path, monkeypatch, base, new, ".").exit_code == 0
    fixed = read(tmp_path / "repo", "0004_remove.py")
    assert (
        "            field=models.ForeignKey(\n"
        '                on_delete=models.CASCADE, to="shop.sort", null=True\n'
        "            ),\n"
    ) in fixed


@pytest.mark.parametrize(
    ("target", "expected", "split"),
    [
        ("'Category'", "'Sort'", False),  # positional, without the app label
        # another app's model (the line is then longer than 88 columns: split)
        ("to='other.category'", "to='other.category'", True),
        ("to=settings.CATEGORY_MODEL", "to=settings.CATEGORY_MODEL", True),
    ],
)
def test_rename_model_retargets_only_this_apps_literal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, expected: str, split: bool
) -> None:
    category = '        migrations.CreateModel(name="Category", fields=[]),\n'
    fk = f'("category", models.ForeignKey({target}, on_delete=models.CASCADE))'
    base = {
        "0001_initial.py": initial(
            fk, extra=category, imports="from django.conf import settings\n"
        ),
        "0002_rename.py": migration('migrations.RenameModel("Category", "Sort")'),
    }
    new = {"0003_remove.py": migration(remove("category"), deps='("shop", "0002_rename")')}
    assert check_git(tmp_path, monkeypatch, base, new, ".").exit_code == 0
    arguments = f"{expected}, on_delete=models.CASCADE, null=True"
    layout = (
        f"            field=models.ForeignKey(\n                {arguments}\n            ),\n"
        if split
        else f"            field=models.ForeignKey({arguments}),\n"
    )
    assert layout in read(tmp_path / "repo", "0003_remove.py")


# -- state-only operations ---------------------------------------------------------------

SEPARATE = (
    "migrations.SeparateDatabaseAndState(database_operations=[{db}], state_operations=[{state}])"
)


def test_separate_database_and_state_removal_in_state_only_is_not_a_finding() -> None:
    op = SEPARATE.format(db="", state=remove("sku"))
    result = check({"0001_initial.py": INITIAL}, {"0002_x.py": migration(op)})
    assert result.stdout == "No findings in 2 migration files.\n"
    assert result.exit_code == 0


def test_separate_database_and_state_removal_in_database_is_reported_not_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    op = SEPARATE.format(db=remove("sku"), state=remove("sku"))
    result = check_git(
        tmp_path, monkeypatch, {"0001_initial.py": INITIAL}, {"0002_x.py": migration(op)}
    )
    hint = "inside `SeparateDatabaseAndState`: split it by hand (nullable first, drop later)"
    assert result.stdout == (
        f"shop/migrations/0002_x.py:8:66: MF003 removing `product.sku` cannot be rolled back: "
        f"{CHAR}\n  hint: {hint}\n" + summary(1, 2, 0)
    )
    assert result.exit_code == 1
    fixed = run(monkeypatch, tmp_path / "repo", ".")
    assert fixed.exit_code == 1
    assert status(tmp_path / "repo") == "?? shop/migrations/0002_x.py\n"


def test_state_operations_are_replayed() -> None:
    nullable = (
        'migrations.AlterField(model_name="product", name="sku", '
        "field=models.CharField(max_length=32, null=True))"
    )
    for op in [
        SEPARATE.format(db="", state=nullable),
        f'migrations.RunSQL("SELECT 1", "SELECT 1", state_operations=[{nullable}])',
    ]:
        base = {"0001_initial.py": INITIAL, "0002_state.py": migration(op, imports=MODELS)}
        new = {"0003_remove.py": migration(remove("sku"), deps='("shop", "0002_state")')}
        result = check(base, new)
        assert result.stdout == "No findings in 3 migration files.\n"


def test_run_sql_state_operations_removal_is_not_a_finding() -> None:
    sql = '"ALTER TABLE t DROP COLUMN sku", ""'
    op = f"migrations.RunSQL({sql}, state_operations=[{remove('sku')}])"
    result = check({"0001_initial.py": INITIAL}, {"0002_x.py": migration(op)})
    assert result.stdout == "No findings in 2 migration files.\n"


MAKE_STATE = "migrations.SeparateDatabaseAndState(state_operations=make_state())"
#: A function whose operation names the model `product`: a file with it may change it.
NAMES_PRODUCT = (
    "def make_state(kind=None):\n"
    '    return [migrations.AlterField(model_name="product", name="sku", field=None)]\n\n\n'
)
STATE_UNKNOWN = "0002_state: `state_operations` is `make_state()`"


def test_state_operations_built_dynamically() -> None:
    base = {"0001_initial.py": INITIAL, "0002_state.py": migration(MAKE_STATE, head=NAMES_PRODUCT)}
    new = {"0003_remove.py": migration(remove("sku"), deps='("shop", "0002_state")')}
    result = check(base, new)
    assert result.stdout == cannot("0003_remove", "product.sku", STATE_UNKNOWN) + summary(1, 3, 0)


def test_an_earlier_migration_built_at_run_time_that_cannot_touch_the_model_is_skipped() -> None:
    # No operation in 0002 names `product` (a relation's `to=` does not change it), and
    # nothing in it could change a model it does not name: the replay for `product`
    # does not read it, so what it builds at run time does not matter.
    related = 'models.ForeignKey(to="shop.product", on_delete=models.CASCADE)'
    head = (
        "def make_state():\n"
        f'    return [migrations.AddField(model_name="order", name="item", field={related})]'
        "\n\n\n"
    )
    earlier = migration(MAKE_STATE, head=head, imports=MODELS)
    base = {"0001_initial.py": INITIAL, "0002_state.py": earlier}
    new = {"0003_remove.py": migration(remove("sku"), deps='("shop", "0002_state")')}
    result = check(base, new)
    assert result.stdout == (
        flagged(
            "0003_remove", "product.sku", CHAR, plan_hint("0003_remove", "0004_remove_product_sku")
        )
        + summary(1, 3, 1)
    )


@pytest.mark.parametrize(
    ("head", "imports", "operation"),
    [
        # A renamed model: the relations to it now point to its new name.
        ("", "", 'migrations.RenameModel("Category", "Group")'),
        # A class: a custom operation can change any model.
        ("class Helper:\n    pass\n\n\n", "", ""),
        # Code from the project: it can name any model.
        ("", "from shop.operations import make_state\n", ""),
        ("", "from django.db import migrations as m\n", ""),
        # Names reached at run time.
        ('exec("")\n\n\n', "", ""),
        ("", "", 'migrations.AlterField(MODEL, "sku", None)'),
        ("", "", 'migrations.AlterField(model_name=MODEL, name="sku", field=None)'),
        ("", "", "migrations.AlterField(**FIELD)"),
    ],
)
def test_an_earlier_migration_that_could_change_any_model_is_read(
    head: str, imports: str, operation: str
) -> None:
    operations = [op for op in (operation, MAKE_STATE) if op]
    earlier = migration(
        *operations, head=head, imports="from django.db import migrations\n" + imports
    )
    base = {"0001_initial.py": INITIAL, "0002_state.py": earlier}
    new = {"0003_remove.py": migration(remove("sku"), deps='("shop", "0002_state")')}
    result = check(base, new)
    assert result.stdout == cannot("0003_remove", "product.sku", STATE_UNKNOWN) + summary(1, 3, 0)


def test_the_names_a_model_had_are_followed() -> None:
    # The replay for `product` reads the migrations that name `item`, its name before.
    base = {
        "0001_initial.py": initial(SKU, model="Item"),
        "0002_rename.py": migration('migrations.RenameModel("Item", "Product")'),
    }
    new = {"0003_remove.py": migration(remove("sku"), deps='("shop", "0002_rename")')}
    result = check(base, new)
    assert result.stdout == (
        flagged(
            "0003_remove", "product.sku", CHAR, plan_hint("0003_remove", "0004_remove_product_sku")
        )
        + summary(1, 3, 1)
    )


# -- the graph ---------------------------------------------------------------------------

SQUASH = (
    "from django.db import migrations, models\n\n\n"
    "class Migration(migrations.Migration):\n"
    '    replaces = [("shop", "0001_initial"), ("shop", "0002_alter")]\n\n'
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            name="Product",\n'
    '            fields=[("sku", models.TextField())],\n'
    "        ),\n"
    "    ]\n"
)
ALTER_TO_TEXT = migration(
    'migrations.AlterField(model_name="product", name="sku", field=models.TextField())',
    imports=MODELS,
)
TEXT = CHAR_MSG.format(cls="TextField", fill="''", dropped="")


@pytest.mark.parametrize("originals", [True, False], ids=["with-originals", "squash-only"])
@pytest.mark.parametrize("parent", ["0002_alter", "0001_squashed_0002_alter"])
def test_squashed_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, originals: bool, parent: str
) -> None:
    base = {"0001_squashed_0002_alter.py": SQUASH}
    if originals:
        base |= {"0001_initial.py": INITIAL, "0002_alter.py": ALTER_TO_TEXT}
    new = {"0003_remove.py": migration(remove("sku"), deps=f'("shop", "{parent}")')}
    result = check_git(tmp_path, monkeypatch, base, new)
    files = len(base) + 1
    assert result.stdout == (
        flagged(
            "0003_remove", "product.sku", TEXT, plan_hint("0003_remove", "0004_remove_product_sku")
        )
        + summary(1, files, 1)
    )
    assert result.stderr == ""


def test_a_removal_replaced_by_a_squash_is_not_split() -> None:
    # Found on allianceauth's eveonline app: 0005 removes a field, 0019_v5squash replaces
    # 0001-0018. Split, the drop would run on databases migrated through the squash, where the
    # nullable step never ran: Django's state replay fails with KeyError.
    removal = migration(remove("sku"))
    squash = SQUASH.replace('("shop", "0002_alter")', '("shop", "0002_remove")').replace(
        "models.TextField()", "models.CharField(max_length=32)"
    )
    new = {
        "0001_initial.py": INITIAL,
        "0002_remove.py": removal,
        "0003_squashed.py": squash.replace(
            'fields=[("sku", models.CharField(max_length=32))]', "fields=[]"
        ),
    }
    result = check({}, new)
    assert result.stdout == (
        flagged(
            "0002_remove",
            "product.sku",
            CHAR,
            "0002_remove is replaced by the squashed migration 0003_squashed: a database "
            "migrated through the squash would run the new drop without ever having made the "
            "field nullable; split it by hand, in the squash too",
            fixable=False,
        )
        + summary(1, 3, 0)
    )


def test_a_squash_that_removes_a_field_is_not_split() -> None:
    squash = migration(remove("sku")).replace(
        "    dependencies =",
        '    replaces = [("shop", "0002_x"), ("shop", "0003_y")]\n    dependencies =',
    )
    result = check({"0001_initial.py": INITIAL}, {"0002_squashed_0003_y.py": squash})
    assert result.stdout == (
        flagged(
            "0002_squashed_0003_y",
            "product.sku",
            CHAR,
            "0002_squashed_0003_y is a squashed migration (it replaces 2): a database that "
            "applied the replaced migrations skips it but would run the new drop; split it by "
            "hand, in the replaced migrations too",
            fixable=False,
            line=9,
        )
        + summary(1, 2, 0)
    )


def test_run_before_puts_a_migration_before_the_removal() -> None:
    nullable = migration(
        'migrations.AlterField(model_name="product", name="sku", '
        "field=models.CharField(max_length=32, null=True))",
        imports=MODELS,
        head="",
    ).replace(
        "    dependencies =", '    run_before = [("shop", "0002_remove")]\n    dependencies ='
    )
    base = {"0001_initial.py": INITIAL, "0003_nullable.py": nullable}
    new = {"0002_remove.py": migration(remove("sku"))}
    result = check(base, new)
    assert result.stdout == "No findings in 3 migration files.\n"


def test_dependencies_on_other_apps_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = '("shop", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")'
    new = {"0002_remove.py": migration(remove("sku"), deps=deps)}
    result = check_git(tmp_path, monkeypatch, {"0001_initial.py": INITIAL}, new)
    assert result.stdout == (
        flagged(
            "0002_remove", "product.sku", CHAR, plan_hint("0002_remove", "0003_remove_product_sku")
        )
        + summary(1, 2, 1)
    )
    assert result.stderr == ""


def test_model_created_in_another_folder_cannot_be_determined() -> None:
    new = {"0002_remove.py": migration(remove("sku", "order"))}
    result = check({"0001_initial.py": INITIAL}, new)
    assert result.stdout == (
        cannot(
            "0002_remove", "order.sku", "model `order` is not created in this folder's migrations"
        )
        + summary(1, 2, 0)
    )
    assert result.exit_code == 1


def test_custom_field_class_cannot_be_determined() -> None:
    base = {
        "0001_initial.py": initial(
            '("sku", shop.fields.SkuField(max_length=32))', imports="import shop.fields\n"
        )
    }
    result = check(base, {"0002_remove.py": migration(remove("sku"))})
    assert result.stdout == (
        cannot(
            "0002_remove",
            "product.sku",
            "what `shop.fields.SkuField` is underneath cannot be told (defined in "
            "0001_initial): its module `shop.fields` is not among the project's files",
            hint='add "shop.fields.SkuField" = "<the Django field class it derives from, e.g. '
            'CharField>" under [tool.migration-fixer.field-classes] in pyproject.toml',
        )
        + summary(1, 2, 0)
    )


@pytest.mark.parametrize(
    ("operations", "reason"),
    [
        ("operations = make_operations()", "`operations` is `make_operations()`"),
        (
            "operations = []\n\n\nMigration.operations.append(None)",
            "`Migration.operations` is changed outside the class",
        ),
    ],
)
def test_operations_built_dynamically_cannot_be_determined(operations: str, reason: str) -> None:
    # (An operation in 0002 names `product`: it may change it.)
    dynamic = (
        "from django.db import migrations\n\n"
        'NAMES = migrations.AlterField(model_name="product", name="sku", field=None)\n\n\n'
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        f"    {operations}\n"
    )
    base = {"0001_initial.py": INITIAL, "0002_dynamic.py": dynamic}
    new = {"0003_remove.py": migration(remove("sku"), deps='("shop", "0002_dynamic")')}
    result = check(base, new)
    assert result.stdout == (
        cannot(
            "0003_remove",
            "product.sku",
            f"the operations of 0002_dynamic are built dynamically ({reason})",
        )
        + summary(1, 3, 0)
    )


def test_removal_in_dynamically_built_operations_cannot_be_determined() -> None:
    dynamic = (
        "from django.db import migrations\n\n\n"
        "def removals(flag=True):\n"
        f"    return [{remove('sku')}]\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        "    operations = removals()\n"
    )
    result = check({"0001_initial.py": INITIAL}, {"0002_x.py": dynamic})
    assert result.stdout == (
        cannot(
            "0002_x",
            "product.sku",
            "the operations of 0002_x are built dynamically (`operations` is `removals()`)",
            line=5,
            column=13,
        )
        + summary(1, 2, 0)
    )


def test_cycle_cannot_be_determined_and_names_the_cycle() -> None:
    base = {
        "0001_initial.py": INITIAL,
        "0002_a.py": migration(
            "migrations.RunSQL('SELECT 1', 'SELECT 1')", deps='("shop", "0003_b")'
        ),
        "0003_b.py": migration(
            "migrations.RunSQL('SELECT 1', 'SELECT 1')", deps='("shop", "0002_a")'
        ),
    }
    new = {"0004_remove.py": migration(remove("sku"), deps='("shop", "0003_b")')}
    result = check(base, new)
    assert result.stdout == (
        cannot("0004_remove", "product.sku", "dependency cycle: 0003_b -> 0002_a -> 0003_b")
        + summary(1, 4, 0)
    )
    assert result.exit_code == 1


def test_missing_dependency_is_an_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = '("shop", "0001_initial"), ("shop", "0009_gone")'
    result = check_git(
        tmp_path,
        monkeypatch,
        {"0001_initial.py": INITIAL},
        {"0002_remove.py": migration(remove("sku"), deps=deps)},
    )
    assert result.stderr == (
        "error: shop/migrations/0002_remove.py:1:1: migration history: 0002_remove depends on "
        "('shop', '0009_gone'), which is not in shop/migrations\n"
    )
    # Never a guess from an incomplete graph.
    assert result.stdout == (
        cannot(
            "0002_remove",
            "product.sku",
            "0002_remove depends on ('shop', '0009_gone'), which is not in this folder",
        )
        + summary(1, 2, 0)
    )
    assert result.exit_code == 2


def test_unparsable_sibling_is_an_error_and_other_folders_are_processed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = {
        "blog/migrations/__init__.py": "",
        "blog/migrations/0001_initial.py": INITIAL.replace("Product", "Post"),
    }
    repo = make_repo(
        tmp_path / "repo",
        {"0001_initial.py": INITIAL, "0002_broken.py": "def broken(:\n"},
        {
            "0003_remove.py": migration(remove("sku"), deps='("shop", "0002_broken")'),
            "blog/migrations/0002_remove.py": migration(
                remove("sku", "post"), deps='("blog", "0001_initial")'
            ),
        },
        files=other,
    )
    result = run(monkeypatch, repo, "--check", ".")
    assert result.stderr == (
        "error: shop/migrations/0002_broken.py:1:1: migration history: cannot parse "
        "0002_broken.py: invalid syntax\n"
    )
    assert result.stdout == (
        "blog/migrations/0002_remove.py:8:9: MF003 removing `post.sku` cannot be rolled back: "
        f"{CHAR} [fixable]\n"
        "  hint: deploy 0002_remove.py (the field stays, nullable) in this release; "
        "0003_remove_post_sku.py drops it and is marked to run after the deploy: ship it in a "
        "later release, once no running code reads the column\n"
        + cannot("0003_remove", "product.sku", "0002_broken.py does not parse")
        + summary(2, 5, 1)
    )
    assert result.exit_code == 2


def test_unparsable_later_sibling_blocks_the_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {"0001_initial.py": INITIAL, "0003_broken.py": "x = (\n"}
    result = check_git(
        tmp_path, monkeypatch, base, {"0002_remove.py": migration(remove("sku"))}, "."
    )
    assert result.stdout == (
        flagged(
            "0002_remove",
            "product.sku",
            CHAR,
            "0003_broken.py does not parse: fix it, then run again",
            fixable=False,
        )
        + "Found 1 finding in 3 migration files (0 fixed, 1 remaining).\n"
    )
    assert result.exit_code == 2
    assert status(tmp_path / "repo") == "?? shop/migrations/0002_remove.py\n"


def test_two_leaves_are_reported_with_the_merge_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    noop = "migrations.RunSQL('SELECT 1', 'SELECT 1')"
    base = {"0001_initial.py": INITIAL, "0002_other.py": migration(noop)}
    # Duplicate numbers, both on 0001, and no merge migration.
    result = check_git(
        tmp_path, monkeypatch, base, {"0002_remove.py": migration(remove("sku"))}, "."
    )
    hint = (
        "the app has 2 leaf migrations (0002_other, 0002_remove): run `manage.py "
        "makemigrations --merge` first"
    )
    assert result.stdout == (
        flagged("0002_remove", "product.sku", CHAR, hint, fixable=False)
        + "Found 1 finding in 3 migration files (0 fixed, 1 remaining).\n"
    )
    assert result.exit_code == 1
    assert status(tmp_path / "repo") == "?? shop/migrations/0002_remove.py\n"


def test_duplicate_numbers_with_a_merge_migration() -> None:
    noop = "migrations.RunSQL('SELECT 1', 'SELECT 1')"
    base = {
        "0001_initial.py": INITIAL,
        "0002_a.py": migration(noop),
        "0002_b.py": migration(noop),
        "0003_merge.py": migration(deps='("shop", "0002_a"), ("shop", "0002_b")'),
    }
    new = {"0004_remove.py": migration(remove("sku"), deps='("shop", "0003_merge")')}
    repo = pure_repo(Path(), base, new)
    assert pure_run(repo, ".").exit_code == 0
    assert "0005_remove_product_sku.py" in repo.new


def test_a_helper_module_is_no_leaf() -> None:
    # migrations/_helpers.py (imported by the migrations, skipped by Django's loader)
    # does not make the app look unmerged: the removal is split.
    base = {"0001_initial.py": INITIAL, "_helpers.py": "def forwards(apps, editor):\n    pass\n"}
    repo = pure_repo(Path(), base, {"0002_remove.py": migration(remove("sku"))})
    assert pure_run(repo, ".").exit_code == 0
    assert "0003_remove_product_sku.py" in repo.new


@pytest.mark.parametrize(
    ("stray", "split"),
    [("X = 1\n", False), ("from .base import *\n", True), ("class Migration:\n    pass\n", True)],
)
def test_a_module_without_a_migration_class_is_named_in_the_hint(stray: str, split: bool) -> None:
    # Django's loader stops on it (BadMigrationError): no merge would help.
    base = {"0001_initial.py": INITIAL, "notes.py": stray}
    repo = pure_repo(Path(), base, {"0002_remove.py": migration(remove("sku"))})
    result = pure_run(repo, ".")
    if split:
        # (A star import may bring a Migration; a class that depends on nothing is one
        # more leaf.)
        assert "notes.py has no `Migration` class" not in result.stdout
        return
    assert result.exit_code == 1
    assert "hint: notes.py has no `Migration` class: Django's loader stops on it " in result.stdout
    assert list(repo.new) == ["0002_remove.py"]  # not rewritten, no drop migration
    assert repo.new["0002_remove.py"] == migration(remove("sku"))


def test_two_projects_with_the_same_app_label_are_independent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nullable = initial('("sku", models.CharField(max_length=32, null=True))')
    two = migration("migrations.RunSQL('SELECT 1', 'SELECT 1')", deps='("core", "0001_initial")')
    files = {
        "one/core/migrations/__init__.py": "",
        "one/core/migrations/0001_initial.py": INITIAL,
        "two/core/migrations/__init__.py": "",
        "two/core/migrations/0001_initial.py": nullable,
        "two/core/migrations/0002_noop.py": two,
    }
    removal = migration(remove("sku"), deps='("core", "0001_initial")')
    new = {
        "one/core/migrations/0002_remove.py": removal,
        "two/core/migrations/0003_remove.py": removal.replace("0001_initial", "0002_noop"),
    }
    repo = make_repo(tmp_path / "repo", {}, new, folder="", files=files)
    result = run(monkeypatch, repo, ".")
    assert result.stdout == (
        f"one/core/migrations/0002_remove.py:8:9: MF003 removing `product.sku` cannot be rolled "
        f"back: {CHAR} [fixed]\n"
        f"  hint: {plan_hint('0002_remove', '0003_remove_product_sku')}\n"
        "Found 1 finding in 5 migration files (1 fixed, 0 remaining).\n"
    )
    assert sorted(p.name for p in (repo / "one/core/migrations").glob("0*.py")) == [
        "0001_initial.py",
        "0002_remove.py",
        "0003_remove_product_sku.py",
    ]
    assert sorted(p.name for p in (repo / "two/core/migrations").glob("0*.py")) == [
        "0001_initial.py",
        "0002_noop.py",
        "0003_remove.py",
    ]
    drop = (repo / "one/core/migrations/0003_remove_product_sku.py").read_text()
    assert '        ("core", "0002_remove"),\n' in drop


def test_migrations_checked_out_of_graph_order() -> None:
    """0003_early runs before 0002_late (``run_before``), but is checked after it: its
    removal is judged on the state before it, not after it."""
    two_fields = initial(SKU, '("stock", models.IntegerField())')
    early = migration(remove("stock")).replace(
        "    dependencies =", '    run_before = [("shop", "0002_late")]\n    dependencies ='
    )
    new = {
        "0002_late.py": migration(remove("sku")),
        "0003_early.py": early,
    }
    result = check({"0001_initial.py": two_fields}, new)
    assert result.stdout.count("cannot be rolled back: non-null") == 2
    assert "cannot determine" not in result.stdout
