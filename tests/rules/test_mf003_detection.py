"""MF003 detection, shape by shape, against the re-add matrix measured on SQLite,
PostgreSQL and MariaDB (docs/readd-matrix.md): every shape that fails
(or silently invents values) there is flagged with the reason; every shape that works is
not. Each case runs on the pure harness (tests/rules/_mf003_pure.py): 0001 on the git
base, the removal new."""

from __future__ import annotations

from pathlib import Path

import pytest
from _mf003 import (
    CANNOT_HINT,
    CHAR_MSG,
    FK_MSG,
    UNIQUE_MSG,
    initial,
    migration,
    plan_hint,
    remove,
)
from _mf003_pure import check_report

TARGET = (
    "        migrations.CreateModel(\n"
    '            name="Target",\n'
    '            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],\n'
    "        ),\n"
)
LOCATION = "0002_remove.py:8:9"


def _base(field: str) -> dict[str, str]:
    imports = "import django.db.models.deletion\nimport uuid\n"
    return {"0001_initial.py": initial(f'("value", {field})', imports=imports, extra=TARGET)}


def _check(base: dict[str, str], new: str, report: list[str]) -> None:
    check_report(base, {"0002_remove.py": new}, report)


def _chars(cls: str, fill: str = "''", dropped: str = "") -> str:
    return CHAR_MSG.format(cls=cls, fill=fill, dropped=dropped)


UNSAFE = [
    ("models.CharField(max_length=20)", _chars("CharField")),
    ("models.TextField()", _chars("TextField")),
    ("models.SlugField()", _chars("SlugField")),
    ("models.IntegerField()", _chars("IntegerField", "0")),
    ("models.FloatField()", _chars("FloatField", "0")),
    ("models.BooleanField()", _chars("BooleanField", "0")),
    ("models.DateTimeField()", _chars("DateTimeField", "0000-00-00")),
    ("models.DateField()", _chars("DateField", "0000-00-00")),
    ("models.JSONField()", _chars("JSONField")),
    ("models.BinaryField()", _chars("BinaryField")),
    ("models.IntegerField(blank=True)", _chars("IntegerField", "0")),
    (
        "models.DecimalField(blank=True, decimal_places=2, max_digits=5)",
        _chars("DecimalField", "0"),
    ),
    (
        "models.CharField(blank=True, default=None, max_length=20)",
        _chars("CharField", dropped=" (its default is None)"),
    ),
    (
        "models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='shop.target')",
        FK_MSG.format(cls="ForeignKey"),
    ),
    (
        "models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, to='shop.target')",
        FK_MSG.format(cls="OneToOneField"),
    ),
    (
        "models.CharField(default='x', max_length=20, unique=True)",
        UNIQUE_MSG.format(cls="CharField"),
    ),
    ("models.UUIDField(default=uuid.uuid4, unique=True)", UNIQUE_MSG.format(cls="UUIDField")),
]

SAFE = [
    "models.CharField(max_length=20, null=True)",
    "models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, to='shop.target')",
    "models.CharField(default='x', max_length=20)",
    "models.IntegerField(default=7)",
    "models.IntegerField(db_default=7)",
    "models.CharField(blank=True, max_length=20)",
    "models.TextField(blank=True)",
    "models.EmailField(blank=True, max_length=254)",
    "models.BinaryField(blank=True)",
    "models.DateTimeField(auto_now=True)",
    "models.DateTimeField(auto_now_add=True)",
    "models.JSONField(default=dict)",
    "models.UUIDField(default=uuid.uuid4)",
    "models.ManyToManyField(to='shop.target')",
    "models.GeneratedField(db_persist=True, expression=models.Value(1), "
    "output_field=models.IntegerField())",
]


@pytest.mark.parametrize(("field", "reason"), UNSAFE, ids=[f for f, _ in UNSAFE])
def test_unsafe_shape_is_flagged(field: str, reason: str) -> None:
    hint = plan_hint("0002_remove", "0003_remove_product_value")
    if field.startswith(("models.ForeignKey", "models.OneToOneField")):
        hint = (
            "a foreign key has no placeholder: before rolling 0002_remove back, give rows "
            f"with NULL `value` a value by hand (see `backfill_product_value`). {hint}"
        )
    _check(
        _base(field),
        migration(remove("value")),
        [
            f"{LOCATION}: MF003 removing `product.value` cannot be rolled back: {reason} [fixable]",
            f"  hint: {hint}",
        ],
    )


@pytest.mark.parametrize("field", SAFE)
def test_safe_shape_is_not_flagged(field: str) -> None:
    _check(_base(field), migration(remove("value")), [])


ADD_WITHOUT_KEEPING_DEFAULT = migration(
    'migrations.AddField(model_name="product", name="value", '
    'field=models.CharField(default="x", max_length=20), preserve_default=False)',
    imports="from django.db import migrations, models\n",
)


def test_default_not_preserved_by_add_field_does_not_count() -> None:
    base = {"0001_initial.py": initial(), "0002_add.py": ADD_WITHOUT_KEEPING_DEFAULT}
    new = migration(remove("value"), deps='("shop", "0002_add")')
    reason = _chars("CharField", dropped=" (its default has preserve_default=False)")
    check_report(
        base,
        {"0003_remove.py": new},
        [
            "0003_remove.py:8:9: MF003 removing `product.value` cannot be rolled "
            f"back: {reason} [fixable]",
            f"  hint: {plan_hint('0003_remove', '0004_remove_product_value')}",
        ],
    )


def test_default_kept_by_a_later_alter_field_counts() -> None:
    alter = migration(
        'migrations.AlterField(model_name="product", name="value", '
        'field=models.CharField(default="y", max_length=20))',
        deps='("shop", "0002_add")',
        imports="from django.db import migrations, models\n",
    )
    base = {
        "0001_initial.py": initial(),
        "0002_add.py": ADD_WITHOUT_KEEPING_DEFAULT,
        "0003_alter.py": alter,
    }
    new = migration(remove("value"), deps='("shop", "0003_alter")')
    check_report(base, {"0004_remove.py": new}, [])


def test_removal_together_with_its_model_is_not_flagged() -> None:
    new = migration(remove("value"), 'migrations.DeleteModel(name="Product")')
    _check(_base("models.IntegerField()"), new, [])


def test_removal_together_with_its_model_needs_no_history() -> None:
    """Rolling back creates the table again, empty, before the field is re-added: whatever
    the field was, and even when the history cannot be read (a dependency outside the
    folder), there is nothing to report."""
    new = migration(
        remove("value"), 'migrations.DeleteModel(name="Product")', deps='("shop", "0009_gone")'
    )
    _check(_base("models.IntegerField()"), new, [])
    # (Without the DeleteModel, the same history cannot tell.)
    alone = migration(remove("value"), deps='("shop", "0009_gone")')
    _check(
        _base("models.IntegerField()"),
        alone,
        [
            f"{LOCATION}: MF003 cannot determine whether removing `product.value` can be rolled "
            "back: 0002_remove depends on ('shop', '0009_gone'), which is not in this folder",
            f"  hint: {CANNOT_HINT}",
        ],
    )


def test_noqa() -> None:
    new = migration(remove("value") + ",  # noqa: MF003 the table is always empty")
    _check(_base("models.IntegerField()"), new, [])


def test_rule_needs_the_history_that_read_this_very_file(tmp_path: Path) -> None:
    """Without the folder's history (``check_source``), or with a history that parsed
    another version of the file, the rule reports nothing rather than guess."""
    import ast

    from migration_fixer.api import check_source
    from migration_fixer.history import History
    from migration_fixer.rule import FileContext
    from migration_fixer.rules import mf003_nonnull_remove_field as mf003

    folder = tmp_path / "shop/migrations"
    folder.mkdir(parents=True)
    (folder / "0001_initial.py").write_text(initial('("sku", models.IntegerField())'))
    # (Another operation in the file: the rule looks at removals only.)
    source = migration(remove("sku"), "migrations.RunSQL('SELECT 1', 'SELECT 1')")
    (folder / "0002_x.py").write_text(source)
    history = History.load(folder)
    assert check_source(source, select=frozenset({"MF003"})) == []
    same = FileContext(folder / "0002_x.py", source, history.files["0002_x"].tree, history)
    assert [f.code for f in mf003.check(same)] == ["MF003"]
    other_tree = FileContext(folder / "0002_x.py", source, ast.parse(source), history)
    assert list(mf003.check(other_tree)) == []
    not_in_folder = FileContext(folder / "0003_y.py", source, ast.parse(source), history)
    assert list(mf003.check(not_in_folder)) == []


def test_the_field_changed_earlier_or_later_in_the_same_migration() -> None:
    nullable = (
        'migrations.AlterField(model_name="product", name="value", '
        "field=models.IntegerField(null=True))"
    )
    new = migration(nullable, remove("value"), imports="from django.db import migrations, models\n")
    _check(_base("models.IntegerField()"), new, [])
    # Removed and added again (a type change): flagged, but the drop migration would
    # remove the new field, so it is left to split by hand.
    hint = "`value` is added again later in this migration (a change of type?): split it by hand"
    for later in [
        'migrations.AddField(model_name="product", name="value", field=models.TextField())',
        'migrations.RenameField(model_name="product", old_name="other", new_name="value")',
    ]:
        unrelated = (
            'migrations.AddField(model_name="product", name="other", '
            "field=models.TextField(null=True))"
        )
        new = migration(
            remove("value"), unrelated, later, imports="from django.db import migrations, models\n"
        )
        reason = CHAR_MSG.format(cls="IntegerField", fill="0", dropped="")
        _check(
            _base("models.IntegerField()"),
            new,
            [
                f"{LOCATION}: MF003 removing `product.value` cannot be rolled back: {reason}",
                f"  hint: {hint}",
            ],
        )
