"""The removal of an auto-generated primary key (`id` removed when a model gets another
primary key), decided per database dialect as measured on SQLite, PostgreSQL and MariaDB
(tests/e2e/test_autopk_readd.py, docs/readd-matrix.md): re-adding the key numbers the rows
everywhere; a later `RenameField` to `id` makes the rollback fail on SQLite only; a key
re-added while another field is the primary key works on SQLite only. Pure harness: 0001 on
the git base, the removal new, the dialects as `--dialect` gives them."""

from __future__ import annotations

from pathlib import Path

import pytest
from _git_helpers import write
from _mf003 import CANNOT_HINT, make_repo, run
from _mf003 import initial as initial_with
from _mf003 import migration as migration_with
from _mf003_pure import check_report

CODE = '("code", models.CharField(max_length=20, unique=True))'
UUID = (
    '("uuid", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=False, '
    "serialize=False))"
)
REMOVE_ID = 'migrations.RemoveField(model_name="product", name="id")'
CODE_PK = (
    'migrations.AlterField(model_name="product", name="code", '
    "field=models.CharField(max_length=20, primary_key=True, serialize=False, unique=True))"
)
#: evap 0062/0105: the filled `uuid` takes the removed key's name and becomes the key.
RENAME_TO_ID = (
    'migrations.RenameField(model_name="product", old_name="uuid", new_name="id")',
    'migrations.AlterField(model_name="product", name="id", field=models.UUIDField('
    "default=uuid.uuid4, editable=False, primary_key=True, serialize=False))",
)
DIALECT_HINT = (
    "set `dialect` in [tool.migration-fixer] (or pass --dialect) to the databases the project "
    "runs on, or " + CANNOT_HINT
)
CANNOT = (
    "0002_x.py:{line}:9: MF003 cannot determine whether removing `product.id` can be rolled back: "
)


UUID_IMPORT = "import uuid\n"


def initial(key: str, *fields: str, id_arguments: str = "primary_key=True, serialize=False") -> str:
    """0001 creating Product whose ``id`` is the auto-generated ``key`` class."""
    return initial_with(
        *fields, imports=UUID_IMPORT, key=f"models.{key}(auto_created=True, {id_arguments})"
    )


def migration(*operations: str) -> str:
    return migration_with(
        *operations, imports=f"{UUID_IMPORT}\nfrom django.db import migrations, models\n"
    )


DIALECTS = ["", "sqlite", "postgresql", "mysql", "postgresql,mysql,sqlite"]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("key", ["AutoField", "BigAutoField", "SmallAutoField"])
@pytest.mark.parametrize(
    "after",
    [
        # aa-moonstuff 0003, councilmatic 0011, openwisp-radius 0013: an existing field
        # becomes the key after the removal
        (CODE_PK,),
        # django-q 0003: a new field takes the name
        (
            'migrations.AddField(model_name="product", name="id", field=models.CharField('
            'default="x", max_length=32, primary_key=True, serialize=False), '
            "preserve_default=False)",
        ),
        # papermerge 0013: a parent link becomes the key
        (
            'migrations.AddField(model_name="product", name="base_ptr", field=models.'
            "OneToOneField(auto_created=True, default=1, on_delete=models.CASCADE, "
            'parent_link=True, primary_key=True, serialize=False, to="shop.base"), '
            "preserve_default=False)",
        ),
        # openwisp-radius 0013: the new key made the primary key, then renamed `id`
        (
            'migrations.AlterField(model_name="product", name="uuid", field=models.UUIDField('
            "default=uuid.uuid4, editable=False, primary_key=True, serialize=False))",
            'migrations.RenameField(model_name="product", old_name="uuid", new_name="id")',
        ),
        # a rename to `id` on another model, of another field name, a field removed
        (
            'migrations.RenameField(model_name="order", old_name="uuid", new_name="id")',
            'migrations.RenameField(model_name="product", old_name="uuid", new_name="key")',
            'migrations.RemoveField(model_name="product", name="key")',
            'migrations.AlterModelOptions(name="product", options={})',
            CODE_PK,
        ),
    ],
)
def test_the_database_numbers_the_re_added_key(
    key: str, after: tuple[str, ...], dialect: str
) -> None:
    check_report(
        {"0001_initial.py": initial(key, CODE, UUID)},
        {"0002_x.py": migration(REMOVE_ID, *after)},
        [],
        dialect=dialect,
    )


RENAMED = (
    "`{key}` is the table's generated key, and a later operation of this migration leaves the "
    "model without a primary key beside a field `id` that is not one: "
)


@pytest.mark.parametrize("key", ["AutoField", "BigAutoField"])
def test_a_field_id_without_a_key_fails_on_sqlite(key: str) -> None:
    base = {"0001_initial.py": initial(key, CODE, UUID)}
    new = {"0002_x.py": migration(REMOVE_ID, *RENAME_TO_ID)}
    unsafe = [
        "0002_x.py:10:9: MF003 removing `product.id` cannot be rolled back: "
        + RENAMED.format(key=key)
        + "on SQLite, rolling the migration back fails (`duplicate column name: id`: Django's "
        "model for that state gets an automatic `id` beside it)",
        "  hint: an auto-generated key cannot be made nullable, so the removal is not split: "
        "do not roll this migration back on SQLite, or rewrite its rollback by hand",
    ]
    for dialect in ("sqlite", "postgresql,sqlite"):
        outcome = check_report(base, new, unsafe, dialect=dialect)
        assert outcome.fixed == {}
        assert outcome.new_files == {}
    for dialect in ("postgresql", "mysql", "postgresql,mysql"):
        check_report(base, new, [], dialect=dialect)
    check_report(
        base,
        new,
        [
            CANNOT.format(line=10)
            + RENAMED.format(key=key)
            + "rolling the migration back fails on SQLite (`duplicate column name: id`) and "
            "works on PostgreSQL and MySQL/MariaDB; the project's database is not known",
            f"  hint: {DIALECT_HINT}",
        ],
    )


SECOND_KEY = (
    "`AutoField`, the table's generated key, would be re-added while `code` is the primary "
    "key: SQLite re-numbers the rows and the rollback works; PostgreSQL and MySQL/MariaDB "
    "refuse a second primary key (the migration cannot be applied there); "
)


def test_another_primary_key_when_it_is_re_added() -> None:
    base = {"0001_initial.py": initial("AutoField", CODE)}
    new = {"0002_x.py": migration(CODE_PK, REMOVE_ID)}
    check_report(base, new, [], dialect="sqlite")
    check_report(
        base,
        new,
        [
            CANNOT.format(line=11) + SECOND_KEY + "the project's database is not known",
            f"  hint: {DIALECT_HINT}",
        ],
    )
    check_report(
        base,
        new,
        [
            CANNOT.format(line=11) + SECOND_KEY + "the project runs on PostgreSQL, SQLite",
            f"  hint: {CANNOT_HINT}",
        ],
        dialect="postgresql,sqlite",
    )


@pytest.mark.parametrize(
    "field",
    [
        '("code", models.CharField(max_length=20, primary_key=PK))',
        '("code", FIELD)',
        '("code", models.CharField(**CODE))',
    ],
)
def test_whether_another_field_is_the_key_cannot_be_told(field: str) -> None:
    check_report(
        {"0001_initial.py": initial("AutoField", field)},
        {"0002_x.py": migration(REMOVE_ID)},
        [
            CANNOT.format(line=10) + "`AutoField` is the table's generated key, and whether "
            "another field of the model is the primary key when it is re-added cannot be told "
            "(a field whose `primary_key=` cannot be read)",
            f"  hint: {CANNOT_HINT}",
        ],
        dialect="postgresql",
    )


def test_a_generated_key_without_a_literal_primary_key() -> None:
    check_report(
        {"0001_initial.py": initial("AutoField", CODE, id_arguments="serialize=False")},
        {"0002_x.py": migration(REMOVE_ID)},
        [
            CANNOT.format(line=10) + "`AutoField` is a generated key without a literal "
            "`primary_key=True` (defined in 0001_initial): how the database fills it when it "
            "is re-added was not measured",
            f"  hint: {CANNOT_HINT}",
        ],
    )


def test_the_cli_gives_mf003_the_dialect(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`--dialect` and `dialect` in [tool.migration-fixer] reach MF003 (a git repository,
    the CLI)."""
    repo = make_repo(
        tmp_path,
        {"0001_initial.py": initial("AutoField", CODE, UUID)},
        {"0002_x.py": migration(REMOVE_ID, *RENAME_TO_ID)},
    )
    found = run(monkeypatch, repo, "--check", "--dialect", "sqlite", ".")
    assert found.exit_code == 1
    assert "MF003 removing `product.id` cannot be rolled back" in found.output
    assert run(monkeypatch, repo, "--check", "--dialect", "postgresql", ".").exit_code == 0
    unknown = run(monkeypatch, repo, "--check", ".")
    assert unknown.exit_code == 1
    assert "MF003 cannot determine whether removing `product.id`" in unknown.output
    write(repo, "pyproject.toml", '[tool.migration-fixer]\ndialect = "mysql"\n')
    assert run(monkeypatch, repo, "--check", ".").exit_code == 0


UNREAD = (
    "`AutoField` is the table's generated key, and whether a later operation of this "
    "migration leaves the model without a primary key beside a field `id` cannot be told "
    "(a `primary_key=` or a name that cannot be read, operations that differ by branch, or a "
    "key other than `id` removed beside a field `id`, not measured): rolling such a "
    "migration back fails on SQLite"
)


@pytest.mark.parametrize(
    ("removed", "after"),
    [
        ("id", ('migrations.RenameField(model_name="product", old_name="uuid", new_name=NEW)',)),
        ("id", ('migrations.AlterField(model_name="product", name=NAME, field=FIELD)',)),
        ("id", ('migrations.RenameField(model_name=MODEL, old_name="uuid", new_name="id")',)),
        (
            "id",
            (
                'migrations.AddField(model_name="product", name="key", field=FIELD)',
                'migrations.RenameField(model_name="product", old_name="uuid", new_name="id")',
            ),
        ),
        # a key other than `id` removed beside a field `id` (not measured)
        ("key", ()),
    ],
)
def test_whether_a_field_id_is_left_without_a_key_cannot_be_told(
    removed: str, after: tuple[str, ...]
) -> None:
    fields = (
        (CODE, UUID) if removed == "id" else (CODE, '("key", models.AutoField(primary_key=True))')
    )
    base = initial("AutoField", *fields)
    if removed == "key":
        base = base.replace(
            '("id", models.AutoField(auto_created=True, primary_key=True, ',
            '("id", models.IntegerField(',
        )
    check_report(
        {"0001_initial.py": base},
        {
            "0002_x.py": migration(
                f'migrations.RemoveField(model_name="product", name="{removed}")', *after
            )
        },
        [
            CANNOT.format(line=10).replace("product.id", f"product.{removed}") + UNREAD,
            f"  hint: {CANNOT_HINT}",
        ],
        dialect="postgresql",
    )
