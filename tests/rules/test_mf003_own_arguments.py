"""A field whose own arguments settle the re-add question decides it whatever its class:
`db_default=`, or a kept `default=` that is not None, fills every row (with `unique=True`
the same value in every row, which the constraint refuses). The class is assumed to pass
them on to Django's `Field` (docs/readd-matrix.md). Pure harness: 0001 on the git base,
the removal new."""

from __future__ import annotations

from pathlib import Path

import pytest
from _mf003 import CANNOT_HINT, initial, migration, remove
from _mf003_pure import check_report
from test_mf003_field_classes import CLEAN, cannot, check, project, unsafe

IMPORT = "from vendor.fields import SkuField\n"


def _base(field: str, extra: str = "") -> dict[str, str]:
    return {"0001_initial.py": initial(f'("sku", {field})', imports=IMPORT) + extra}


@pytest.mark.parametrize(
    "field",
    [
        'SkuField(default="x")',
        "SkuField(default=make_sku)",
        "SkuField(db_default=models.Value(1))",
        'SkuField(db_default="x", unique=True)',
        "SkuField(null=True)",
    ],
)
def test_own_arguments_settle_it(field: str) -> None:
    check_report(_base(field), {"0002_x.py": migration(remove("sku"))}, [])


def test_a_unique_default_is_the_same_value_in_every_row() -> None:
    outcome = check_report(
        _base('SkuField(default="x", unique=True)'),
        {"0002_x.py": migration(remove("sku"))},
        [
            "0002_x.py:8:9: MF003 removing `product.sku` cannot be rolled back: "
            "`SkuField(unique=True)` with a default: every existing row would get the same "
            "value, and the unique constraint refuses it",
            "  hint: the nullable step cannot be written for a field class this tool does not "
            "follow (`SkuField`): split it by hand (nullable first, drop later)",
        ],
    )
    assert outcome.fixed == {}
    assert outcome.new_files == {}
    primary = "SkuField(default=1, primary_key=True)"
    check_report(
        _base(primary),
        {"0002_x.py": migration(remove("sku"))},
        [
            "0002_x.py:8:9: MF003 removing `product.sku` cannot be rolled back: "
            "`SkuField(primary_key=True)` with a default: every existing row would get the "
            "same value, and the unique constraint refuses it",
            "  hint: a primary key cannot be made nullable, so the removal is not split: "
            "rewrite its rollback by hand (re-add the column nullable, give each row its own "
            "value, then make it the key)",
        ],
    )


UNKNOWN = (
    "what `SkuField` is underneath cannot be told (defined in 0001_initial): its module "
    "`vendor.fields` is not among the project's files"
)
HINT = (
    'add "vendor.fields.SkuField" = "<the Django field class it derives from, e.g. '
    'CharField>" under [tool.migration-fixer.field-classes] in pyproject.toml, or ' + CANNOT_HINT
)


@pytest.mark.parametrize(
    "field",
    [
        "SkuField()",
        "SkuField(default=None)",
        "SkuField(default='x', unique=UNIQUE)",
        "SkuField(blank=True)",
    ],
)
def test_what_the_arguments_do_not_settle_stays_unknown(field: str) -> None:
    check_report(
        _base(field),
        {"0002_x.py": migration(remove("sku"))},
        [
            "0002_x.py:8:9: MF003 cannot determine whether removing `product.sku` can be "
            f"rolled back: {UNKNOWN}",
            f"  hint: {HINT}",
        ],
    )


def test_a_default_not_kept_by_the_state_does_not_count() -> None:
    add = migration(
        'migrations.AddField(model_name="product", name="code", '
        'field=SkuField(default="x"), preserve_default=False)',
        imports="from django.db import migrations\n" + IMPORT,
    )
    base = {"0001_initial.py": initial(), "0002_add.py": add}
    new = migration(remove("code"), deps='("shop", "0002_add")')
    reason = UNKNOWN.replace("0001_initial", "0002_add")
    check_report(
        base,
        {"0003_x.py": new},
        [
            "0003_x.py:8:9: MF003 cannot determine whether removing `product.code` can be "
            f"rolled back: {reason}",
            f"  hint: {HINT}",
        ],
    )


def test_a_class_that_drops_the_default_is_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exception to the assumption (docs/readd-matrix.md): an ``__init__`` that drops
    ``default``. With the class's source at hand it is followed, and the default does not
    count; read and not followed, the arguments settle nothing."""
    fields = """\
        from django.db import models


        class SkuField(models.CharField):
            def __init__(self, *args, **kwargs):
                kwargs.pop("default", None)
                super().__init__(*args, **kwargs)
    """
    field = 'shop.fields.SkuField(default="x")'
    project(tmp_path, field, "import shop.fields", {"shop/fields.py": fields})
    assert check(tmp_path, monkeypatch, "--check") == (1, unsafe("`SkuField` (a CharField)"))
    hidden = fields.replace("super().__init__(*args, **kwargs)", "setup(self, kwargs)")
    project(tmp_path, field, "import shop.fields", {"shop/fields.py": hidden})
    assert check(tmp_path, monkeypatch, "--check") == (
        1,
        cannot(
            "what `shop.fields.SkuField` is underneath cannot be told (defined in 0001_initial): "
            "`SkuField.__init__` (shop/fields.py:7) passes `kwargs` to `setup`",
            'if `SkuField` stores like a plain CharField, add "shop.fields.SkuField" = '
            '"CharField" under [tool.migration-fixer.field-classes] in pyproject.toml',
        ),
    )


def test_a_class_defined_in_the_migration_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A class the migration imports relatively is not followed; its arguments settle it."""
    project(tmp_path, 'SkuField(default="x")', "from ..fields import SkuField", {})
    assert check(tmp_path, monkeypatch, "--check") == (0, CLEAN)
