"""MF003's fix through the CLI in real git repositories, for what needs git: which
migrations are new (the base, --since, a file already committed, no repository), the
project's own files (deploy vocabulary, pyproject strategy), --diff as a patch git applies,
and what stays untouched on disk. The rest of the fix is tested on the pure harness
(test_mf003_fix.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _git_helpers import commit_all, git, init_repo, write
from _mf003 import (
    CANNOT_HINT,
    CHAR,
    CHAR_MSG,
    FIELDS,
    FK,
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


def fixed_again(monkeypatch: pytest.MonkeyPatch, repo: Path) -> None:
    """The fixed tree: compiles, and a second run finds nothing and changes nothing."""
    assert_compiles(repo)
    before = {p: p.read_bytes() for p in repo.rglob("*.py")}
    again = run(monkeypatch, repo, ".")
    assert " MF003 " not in again.stdout
    assert again.exit_code == 0
    assert {p: p.read_bytes() for p in repo.rglob("*.py")} == before
    assert run(monkeypatch, repo, "--check", ".").exit_code == 0


def test_name_defined_in_the_defining_migration_is_not_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {
        "0001_initial.py": initial(
            '("code", models.CharField(max_length=8, validators=[check_code]))',
            imports="\n\ndef check_code(value):\n    pass\n",
        )
    }
    repo = make_repo(tmp_path / "repo", base, {"0002_x.py": migration(remove("code"))})
    result = run(monkeypatch, repo, ".")
    assert result.stdout == (
        f"shop/migrations/0002_x.py:8:9: MF003 removing `product.code` cannot be rolled back: "
        f"{CHAR}\n"
        "  hint: the field's definition uses `check_code`, defined in 0001_initial itself: "
        "copy it by hand\n"
        "Found 1 finding in 2 migration files (0 fixed, 1 remaining).\n"
    )
    assert result.exit_code == 1
    assert status(repo) == "?? shop/migrations/0002_x.py\n"


@pytest.mark.parametrize(
    ("dependency_file", "content", "marker", "imports"),
    [
        (
            "pyproject.toml",
            '[project]\ndependencies = ["Django>=5", "django-safemigrate>=5.0"]\n',
            "    safe = Safe.after_deploy()\n",
            "from django.db import migrations\nfrom django_safemigrate import Safe\n",
        ),
        (
            "requirements.txt",
            "Django==5.2\ndjango-syzygy==1.2\n",
            "    stage = Stage.POST_DEPLOY\n",
            "from django.db import migrations\nfrom syzygy import Stage\n",
        ),
        ("requirements.txt", "Django==5.2\n", "    post_deploy = True\n", None),
    ],
    ids=["safemigrate", "syzygy", "ours"],
)
def test_drop_migration_uses_the_projects_deploy_vocabulary(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dependency_file: str,
    content: str,
    marker: str,
    imports: str | None,
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {"0001_initial.py": initial(*FIELDS)},
        {"0002_x.py": migration(remove("sku"))},
        files={dependency_file: content},
    )
    assert run(monkeypatch, repo, ".").exit_code == 0
    expected = drop_file(
        "0002_x",
        [("product", "sku")],
        marker=marker,
        **({"imports": imports} if imports else {}),
    )
    drop = read(repo, "0003_remove_product_sku.py")
    assert drop == expected
    compile(drop, "drop", "exec")


# -- strategies --------------------------------------------------------------------------


def test_db_default_strategy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fields = (
        *FIELDS[:2],
        '("seen", models.DateTimeField())',
        '("owner", models.ForeignKey(on_delete=models.CASCADE, to="shop.product"))',
        '("code", models.SlugField(default="x", unique=True))',
    )
    new = migration(*(remove(f) for f in ("sku", "stock", "seen", "owner", "code")))
    repo = make_repo(tmp_path / "repo", {"0001_initial.py": initial(*fields)}, {"0002_x.py": new})
    result = run(monkeypatch, repo, "--strategy", "db-default", ".")
    name = "0003_remove_product_sku_remove_product_stock_and_more"
    plan = (
        "deploy 0002_x.py (the field stays, with a db_default) in this release; "
        f"{name}.py drops it and is marked to run after the deploy: ship it in a later "
        "release, once no running code reads the column"
    )
    date = CHAR_MSG.format(cls="DateTimeField", fill="0000-00-00", dropped="")
    unique = (
        "`SlugField(unique=True)` with a default: every existing row would get the same value, "
        "and the unique constraint refuses it"
    )
    no_single = (
        "--strategy db-default needs a single placeholder value, which a {} does not have: "
        "use the default strategy (nullable) or split by hand"
    )
    where = "shop/migrations/0002_x.py"
    assert result.stdout == (
        f"{where}:8:9: MF003 removing `product.sku` cannot be rolled back: {CHAR} [fixed]\n"
        f"  hint: {plan}\n"
        f"{where}:9:9: MF003 removing `product.stock` cannot be rolled back: {INTEGER} [fixed]\n"
        f"  hint: {plan}\n"
        f"{where}:10:9: MF003 removing `product.seen` cannot be rolled back: {date} [fixed]\n"
        f"  hint: {plan}\n"
        f"{where}:11:9: MF003 removing `product.owner` cannot be rolled back: {FK}\n"
        f"  hint: {no_single.format('ForeignKey')}\n"
        f"{where}:12:9: MF003 removing `product.code` cannot be rolled back: {unique}\n"
        f"  hint: {no_single.format('unique SlugField')}\n"
        "Found 5 findings in 2 migration files (3 fixed, 2 remaining).\n"
    )
    assert result.exit_code == 1

    def alter(field: str, expression: str) -> str:
        return (
            "        migrations.AlterField(\n"
            '            model_name="product",\n'
            f'            name="{field}",\n'
            f"            field={expression},\n"
            "        ),\n"
        )

    assert read(repo, "0002_x.py") == (
        "import datetime\n\nfrom django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        "    operations = [\n"
        + alter("sku", 'models.CharField(max_length=32, db_default="")')
        + alter("stock", "models.IntegerField(db_default=0)")
        + alter(
            "seen",
            # Too long for one line at 88 columns: split as black would.
            "models.DateTimeField(\n"
            "                db_default=datetime.datetime("
            "1970, 1, 1, tzinfo=datetime.timezone.utc)\n"
            "            )",
        )
        + f"        {remove('owner')},\n"
        f"        {remove('code')},\n"
        "    ]\n"
    )
    assert read(repo, f"{name}.py") == drop_file(
        "0002_x", [("product", "sku"), ("product", "stock"), ("product", "seen")]
    )
    assert_compiles(repo)


def test_strategy_from_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {"0001_initial.py": initial(*FIELDS)},
        {"0002_x.py": migration(remove("stock"))},
        files={"pyproject.toml": '[tool.migration-fixer]\nstrategy = "db-default"\n'},
    )
    assert run(monkeypatch, repo, ".").exit_code == 0
    assert "field=models.IntegerField(db_default=0)," in read(repo, "0002_x.py")


# -- when the fix must not be made -------------------------------------------------------


def committed_removal(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose base commit (returned with it) already holds 0002_x.py, which
    removes ``product.sku``."""
    base = {"0001_initial.py": initial(*FIELDS), "0002_x.py": migration(remove("sku"))}
    repo = make_repo(tmp_path / "repo", base)
    return repo, git(repo, "rev-parse", "HEAD").strip()


def test_already_committed_migration_is_reported_not_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, head = committed_removal(tmp_path)
    result = run(monkeypatch, repo, ".")
    assert result.stdout == (
        f"shop/migrations/0002_x.py:8:9: MF003 removing `product.sku` cannot be rolled back: "
        f"{CHAR}\n"
        f"  hint: 0002_x.py is already on the base branch ({head[:12]}), so it has probably "
        "been applied: splitting it would make Django run the drop again. Roll back with "
        "care, or restore the column in a new migration\n"
        "Found 1 finding in 2 migration files (0 fixed, 1 remaining).\n"
    )
    assert result.exit_code == 1
    assert status(repo) == ""


def test_outside_a_git_repository_is_reported_not_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    write(root, "shop/migrations/__init__.py", "")
    write(root, "shop/migrations/0001_initial.py", initial(*FIELDS))
    write(root, "shop/migrations/0002_x.py", migration(remove("sku")))
    result = run(monkeypatch, root, ".")
    assert result.stdout == (
        f"shop/migrations/0002_x.py:8:9: MF003 removing `product.sku` cannot be rolled back: "
        f"{CHAR}\n"
        "  hint: not in a git repository, so nothing tells a new migration from an applied "
        "one; MF003 splits only migrations that are new relative to the git base: split this "
        "one by hand (nullable step now, drop later) if it has not been applied anywhere\n"
        "Found 1 finding in 2 migration files (0 fixed, 1 remaining).\n"
    )
    assert result.exit_code == 1
    assert sorted(p.name for p in (root / "shop/migrations").iterdir()) == [
        "0001_initial.py",
        "0002_x.py",
        "__init__.py",
    ]


def test_since_sets_the_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a feature branch: a migration committed on the branch is new relative to the
    default branch (split), but not relative to a later ``--since`` base (reported)."""
    repo = init_repo(tmp_path / "repo")
    write(repo, "shop/migrations/__init__.py", "")
    write(repo, "shop/migrations/0001_initial.py", initial(*FIELDS))
    commit_all(repo, "main")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "shop/migrations/0002_x.py", migration(remove("sku")))
    commit_all(repo, "the removal")
    write(repo, "shop/migrations/0003_y.py", migration(remove("stock"), deps='("shop", "0002_x")'))
    feature = commit_all(repo, "another removal")

    since_head = run(monkeypatch, repo, "--check", "--since", "HEAD~1", ".")
    assert since_head.stdout == (
        f"shop/migrations/0003_y.py:8:9: MF003 removing `product.stock` cannot be rolled back: "
        f"{INTEGER} [fixable]\n"
        f"  hint: {plan_hint('0003_y', '0004_remove_product_stock')}\n"
        "Found 1 finding in 1 migration file (1 fixable with `migration-fixer`).\n"
    )
    since_main = run(monkeypatch, repo, "--check", "--since", "main", ".")
    assert since_main.stdout.count("[fixable]") == 2
    # The default base: the merge-base with the default branch.
    default = run(monkeypatch, repo, ".")
    assert default.exit_code == 0
    assert listing(repo) == [
        "0001_initial.py",
        "0002_x.py",
        "0003_y.py",
        "0004_remove_product_sku.py",
        "0005_remove_product_stock.py",
        "__init__.py",
    ]
    assert git(repo, "rev-parse", "HEAD").strip() == feature
    fixed_again(monkeypatch, repo)


def test_since_base_after_the_migration_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, head = committed_removal(tmp_path)
    # An edit after the base: the file is checked, but it is not new.
    write(repo, "shop/migrations/0002_x.py", migration(remove("sku"), remove("stock")))
    result = run(monkeypatch, repo, "--check", "--since", "HEAD", ".")
    assert result.stdout.count(f"is already on the base branch ({head[:12]})") == 2
    assert result.exit_code == 1


def test_cannot_determine_is_never_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {
        "0001_initial.py": initial('("sku", CustomField())', imports="from x import CustomField\n")
    }
    repo = make_repo(tmp_path / "repo", base, {"0002_x.py": migration(remove("sku"))})
    result = run(monkeypatch, repo, ".")
    assert result.stdout == (
        "shop/migrations/0002_x.py:8:9: MF003 cannot determine whether removing `product.sku` "
        "can be rolled back: what `CustomField` is underneath cannot be told (defined in "
        "0001_initial): its module `x` is not among the project's files\n"
        '  hint: add "x.CustomField" = "<the Django field class it derives from, e.g. '
        'CharField>" under [tool.migration-fixer.field-classes] in pyproject.toml, or '
        f"{CANNOT_HINT}\n"
        "Found 1 finding in 2 migration files (0 fixed, 1 remaining).\n"
    )
    assert status(repo) == "?? shop/migrations/0002_x.py\n"


# -- --diff ------------------------------------------------------------------------------


def test_diff_shows_the_new_file_and_git_applies_the_patch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {"0001_initial.py": initial(*FIELDS)},
        {"0002_x.py": migration(remove("sku"))},
    )
    git(repo, "add", "shop/migrations/0002_x.py")
    result = run(monkeypatch, repo, "--diff", ".")
    assert result.exit_code == 1
    drop = drop_file("0002_x", [("product", "sku")])
    new_file = (
        "diff --git a/shop/migrations/0003_remove_product_sku.py "
        "b/shop/migrations/0003_remove_product_sku.py\n"
        "new file mode 100644\n"
        "--- /dev/null\n"
        "+++ b/shop/migrations/0003_remove_product_sku.py\n"
        f"@@ -0,0 +1,{drop.count(chr(10))} @@\n"
        + "".join(f"+{line}\n" for line in drop.splitlines())
    )
    assert result.stdout.startswith(
        "diff --git a/shop/migrations/0002_x.py b/shop/migrations/0002_x.py\n"
        "--- a/shop/migrations/0002_x.py\n"
        "+++ b/shop/migrations/0002_x.py\n"
    )
    assert result.stdout.endswith(new_file)
    assert "[fixable]" in result.stderr
    assert status(repo) == "A  shop/migrations/0002_x.py\n"  # nothing written
    patch = tmp_path / "fix.patch"
    patch.write_text(result.stdout)
    git(repo, "apply", "--check", str(patch))
    git(repo, "apply", str(patch))
    assert read(repo, "0003_remove_product_sku.py") == drop
    fixed_again(monkeypatch, repo)
