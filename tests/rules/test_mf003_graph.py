"""MF003 never leaves a broken migration graph: a folder's splits are written together
or not at all (the mixed git state of a real branch), what the fix writes imports what it
uses, a dependency is never added twice, and a later migration the replay cannot read
stops the split."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from _git_helpers import WriteHook, git, hook_writes
from _mf003 import (
    CATEGORY,
    CHAR,
    INTEGER,
    assert_compiles,
    drop_file,
    initial,
    listing,
    make_repo,
    migration,
    plan_hint,
    read,
    remove,
    run,
    status,
)
from _mf003_pure import make_repo as pure_repo
from _mf003_pure import read as pure_read
from _mf003_pure import removed_then
from _mf003_pure import run as pure_run

FIELDS = (
    '("sku", models.CharField(max_length=32))',
    '("stock", models.IntegerField())',
    '("name", models.CharField(max_length=50))',
)
REFUSED = (
    "not split: 0002_b.py has unstaged changes and will not be written, and the new "
    "migrations of a folder are written together or not at all (commit or stash the "
    "changes, or pass --allow-dirty)"
)


def assert_nothing_written(
    monkeypatch: pytest.MonkeyPatch,
    repo: Path,
    failing: WriteHook,
    errors: list[str],
) -> None:
    """With the writes ``failing`` raises in, the fix exits 2, prints exactly ``errors``
    and leaves every file of ``repo`` as it was."""
    before = {p: p.read_bytes() for p in repo.rglob("*.py")}
    hook_writes(monkeypatch, failing)
    result = run(monkeypatch, repo, ".")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == errors
    assert {p: p.read_bytes() for p in repo.rglob("*.py")} == before


def test_mixed_git_state_writes_no_split_of_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0001 committed; 0002 staged, then edited again (unstaged changes); 0003 untracked;
    each new one removes a non-null field. 0002 cannot be written, so neither is 0003's
    split: its drop would have depended on 0002's, which is never written."""
    repo = make_repo(
        tmp_path / "repo",
        {"0001_initial.py": initial(*FIELDS)},
        {"0002_b.py": migration(remove("sku"))},
    )
    git(repo, "add", "shop/migrations/0002_b.py")
    staged = migration(remove("sku"), remove("stock"))
    (repo / "shop/migrations/0002_b.py").write_text(staged)
    third = migration(remove("name"), deps='("shop", "0002_b")')
    (repo / "shop/migrations/0003_c.py").write_text(third)
    before = status(repo)
    result = run(monkeypatch, repo, ".")
    assert result.stdout == (
        f"shop/migrations/0002_b.py:8:9: MF003 removing `product.sku` cannot be rolled back: "
        f"{CHAR}\n"
        f"  hint: {REFUSED}\n"
        f"shop/migrations/0002_b.py:9:9: MF003 removing `product.stock` cannot be rolled back: "
        f"{INTEGER}\n"
        f"  hint: {REFUSED}\n"
        f"shop/migrations/0003_c.py:8:9: MF003 removing `product.name` cannot be rolled back: "
        f"{CHAR}\n"
        f"  hint: {REFUSED}\n"
        "Found 3 findings in 3 migration files (0 fixed, 3 remaining).\n"
    )
    assert result.exit_code == 1
    assert status(repo) == before
    assert read(repo, "0002_b.py") == staged
    assert read(repo, "0003_c.py") == third
    assert listing(repo) == ["0001_initial.py", "0002_b.py", "0003_c.py", "__init__.py"]
    # With the changes staged, both are split, the drops one after the other.
    git(repo, "add", "shop/migrations/0002_b.py")
    assert run(monkeypatch, repo, ".").exit_code == 0
    assert listing(repo) == [
        "0001_initial.py",
        "0002_b.py",
        "0003_c.py",
        "0004_remove_product_sku_remove_product_stock.py",
        "0005_remove_product_name.py",
        "__init__.py",
    ]
    assert read(repo, "0005_remove_product_name.py") == drop_file(
        "0003_c",
        [("product", "name")],
        depends_on="0004_remove_product_sku_remove_product_stock",
    )
    assert_compiles(repo)


def test_a_failed_write_leaves_the_whole_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    repo = make_repo(
        tmp_path / "repo",
        {"0001_initial.py": initial(*FIELDS)},
        {
            "0002_b.py": migration(remove("sku")),
            "0003_c.py": migration(remove("name"), deps='("shop", "0002_b")'),
        },
    )

    def failing(path: Path, options: Mapping[str, object]) -> None:
        if path.name == "0003_c.py":
            raise OSError("disk full")

    assert_nothing_written(
        monkeypatch,
        repo,
        failing,
        [
            "error: shop/migrations/0003_c.py: cannot write: disk full",
            "error: shop/migrations/0002_b.py: not written: another file of this folder's fix "
            "failed",
            "error: shop/migrations/0004_remove_product_sku.py: not written: another file of "
            "this folder's fix failed",
            "error: shop/migrations/0005_remove_product_name.py: not written: another file of "
            "this folder's fix failed",
        ],
    )


# -- what the fix writes imports what it uses -------------------------------------------------


def test_a_chain_under_a_bound_package_gets_its_own_import(tmp_path: Path) -> None:
    """saleor site/0008: `django` is bound here by another import, but nothing imports
    django.contrib.sites.models: the copied validator needs its own import."""
    field = (
        '("domain", models.CharField(max_length=100, '
        "validators=[django.contrib.sites.models._simple_domain_name_validator]))"
    )
    base = {"0001_initial.py": initial(field, imports="import django.contrib.sites.models\n")}
    new = migration(
        remove("domain"),
        imports="import django.db.models.deletion\nfrom django.db import migrations\n",
    )
    repo = pure_repo(tmp_path / "repo", base, {"0002_x.py": new})
    assert pure_run(repo, ".").exit_code == 0
    fixed = pure_read(repo, "0002_x.py")
    assert fixed.startswith(
        "import django.contrib.sites.models\nimport django.db.models.deletion\n"
        "from django.db import migrations, models\n\n\n"
    )
    assert (
        "            field=models.CharField(\n"
        "                max_length=100,\n"
        "                validators=[django.contrib.sites.models._simple_domain_name_validator],\n"
        "                null=True,\n"
        "            ),\n"
    ) in fixed
    assert pure_run(repo, "--check", ".").exit_code == 0


def test_a_chain_the_file_already_imports_gets_nothing(tmp_path: Path) -> None:
    field = (
        '("category", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, '
        'to="shop.category"))'
    )
    base = {
        "0001_initial.py": initial(
            field, imports="import django.db.models.deletion\n", extra=CATEGORY
        )
    }
    new = migration(
        remove("category"),
        imports="import django.db.models\nfrom django.db import migrations\n",
    )
    repo = pure_repo(tmp_path / "repo", base, {"0002_x.py": new})
    assert pure_run(repo, ".").exit_code == 0
    # ``import django.db.models`` guarantees django.db.models.deletion.CASCADE.
    assert pure_read(repo, "0002_x.py").startswith(
        "import django.db.models\nfrom django.db import migrations, models\n\n\n"
    )


def test_two_foreign_keys_to_the_user_model_add_one_swappable_dependency(tmp_path: Path) -> None:
    """healthchecks api/0057: two removals of a foreign key to the user model."""
    user = '("user", models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL))'
    base = {
        "0001_initial.py": initial(
            user,
            imports="from django.conf import settings\n",
            extra=(
                "        migrations.CreateModel(\n"
                '            name="Channel",\n'
                f"            fields=[{user}],\n"
                "        ),\n"
            ),
        )
    }
    new = migration(remove("user", "channel"), remove("user"))
    repo = pure_repo(tmp_path / "repo", base, {"0002_x.py": new})
    result = pure_run(repo, ".")
    assert result.exit_code == 0, result.output
    fixed = pure_read(repo, "0002_x.py")
    assert fixed.count("swappable_dependency") == 1
    assert (
        '    dependencies = [("shop", "0001_initial"), '
        "migrations.swappable_dependency(settings.AUTH_USER_MODEL)]\n"
    ) in fixed
    assert pure_run(repo, "--check", ".").exit_code == 0


# -- what the replay cannot read after the removal ------------------------------------------

#: A helper whose operation names `product`: a migration with it may change the model.
HELPER = (
    "def helper(kind=None):\n"
    "    return [migrations.AlterField(model_name='product', name='sku', field=None)]\n\n\n"
)


@pytest.mark.parametrize(
    ("later", "head", "reason"),
    [
        (
            "*helper()",
            HELPER,
            "the operations of 0003_later are built dynamically (`operations` is `[*helper()]`)",
        ),
        (
            "migrations.AlterField(model_name=MODEL, name='sku', field=models.IntegerField())",
            "MODEL = model()\n\n\n",
            "0003_later: `AlterField` with non-literal names",
        ),
        (
            "migrations.SeparateDatabaseAndState(state_operations=helper())",
            HELPER,
            "0003_later: `state_operations` is `helper()`",
        ),
        (
            "migrations.AddField(*args)",
            "",
            "0003_later: `AddField` called with *args/**kwargs",
        ),
        (
            "custom.ChangeField('product', 'sku')",
            "import custom\n",
            "0003_later: custom operation `custom.ChangeField` may change fields",
        ),
    ],
    ids=["dynamic", "non-literal", "nested-dynamic", "star-args", "custom"],
)
def test_a_later_migration_the_replay_cannot_read_stops_the_split(
    later: str, head: str, reason: str
) -> None:
    repo = removed_then(later, imports=f"{head}from django.db import migrations, models\n")
    repo.new["0003_later.py"] = repo.new["0003_later.py"].replace(
        "operations = [\n        *helper(),\n    ]", "operations = [*helper()]"
    )
    result = pure_run(repo, "--check", ".")
    assert result.stdout.splitlines()[:2] == [
        f"shop/migrations/0002_remove.py:8:9: MF003 removing `product.sku` cannot be rolled "
        f"back: {CHAR}",
        "  hint: cannot determine whether a later migration changes `product.sku` "
        f"({reason}): the deferred drop would come after it; split by hand",
    ]


def test_a_later_migration_built_at_run_time_that_cannot_touch_the_model_is_passed() -> None:
    # No operation of 0003 names `product`, nothing in it could change a model it does
    # not name: the split goes ahead, its drop after 0003.
    helper = "def helper():\n    return [migrations.DeleteModel(name='order')]\n\n\n"
    repo = removed_then(
        "migrations.SeparateDatabaseAndState(state_operations=helper())",
        imports=f"{helper}from django.db import migrations, models\n",
    )
    result = pure_run(repo, "--check", ".")
    assert result.stdout.splitlines()[:2] == [
        f"shop/migrations/0002_remove.py:8:9: MF003 removing `product.sku` cannot be rolled "
        f"back: {CHAR} [fixable]",
        f"  hint: {plan_hint('0002_remove', '0004_remove_product_sku')}",
    ]


def test_a_later_migration_that_changes_other_fields_of_the_model_is_passed() -> None:
    later = (
        "migrations.SeparateDatabaseAndState(database_operations=[migrations.RunSQL('')], "
        "state_operations=[migrations.AlterField('product', 'name', models.IntegerField())])"
    )
    result = pure_run(removed_then(later), "--check", ".")
    assert result.stdout.splitlines()[1] == (
        f"  hint: {plan_hint('0002_remove', '0004_remove_product_sku')}"
    )


def test_a_later_separate_database_and_state_that_changes_the_field_stops_the_split() -> None:
    later = (
        "migrations.SeparateDatabaseAndState(database_operations=[], state_operations=["
        "migrations.AlterField('product', 'sku', models.IntegerField())])"
    )
    result = pure_run(removed_then(later), "--check", ".")
    assert result.stdout.splitlines()[1] == (
        "  hint: 0003_later changes `product.sku` (or its model) again: the deferred drop "
        "would come after it and undo it; split by hand"
    )


def test_a_new_drop_migration_that_cannot_be_created_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    repo = make_repo(
        tmp_path / "repo",
        {"0001_initial.py": initial(*FIELDS)},
        {"0002_b.py": migration(remove("sku"))},
    )

    def failing(path: Path, options: Mapping[str, object]) -> None:
        if options.get("create"):
            raise OSError("read-only")

    assert_nothing_written(
        monkeypatch,
        repo,
        failing,
        [
            "error: shop/migrations/0003_remove_product_sku.py: cannot create: read-only",
            "error: shop/migrations/0002_b.py: not written: another file of this folder's fix "
            "failed",
        ],
    )


def test_a_chain_that_works_by_accident_in_its_source_gets_its_module_imported(
    tmp_path: Path,
) -> None:
    """The defining migration imports another django module only: the chain's own module
    (all but its last name) is imported in the fixed file."""
    field = (
        '("domain", models.CharField(max_length=100, '
        "validators=[django.contrib.sites.models._simple_domain_name_validator]))"
    )
    base = {"0001_initial.py": initial(field, imports="import django.db.models.deletion\n")}
    repo = pure_repo(tmp_path / "repo", base, {"0002_x.py": migration(remove("domain"))})
    assert pure_run(repo, ".").exit_code == 0
    assert pure_read(repo, "0002_x.py").startswith(
        "import django.contrib.sites.models\nfrom django.db import migrations, models\n\n\n"
    )
