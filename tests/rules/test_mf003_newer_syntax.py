"""Migrations the running Python cannot parse: PEP 758's ``except A, B:`` (Python 3.14) is
read anyway, positions kept, and fixed like any file; a file that does not parse at all is
skipped by the history replay only when its text does not name the model. Pure harness."""

from __future__ import annotations

import pytest
from _mf003 import CANNOT_HINT, CHAR_MSG, drop_file, initial, migration, plan_hint, remove
from _mf003_fixed import backfill_function, nullable_step
from _mf003_pure import check_report, check_transformed

BASE = {"0001_initial.py": initial('("sku", models.CharField(max_length=32))')}
UNSAFE = CHAR_MSG.format(cls="CharField", fill="''", dropped="")
PEP_758 = (
    "def forwards(apps, schema_editor):\n"
    "    try:\n"
    "        apps.get_model('shop', 'Product')\n"
    "    except LookupError, ValueError:\n"
    "        pass\n\n\n"
)


def test_except_without_parentheses_is_read_and_fixed() -> None:
    before = migration(
        "migrations.RunPython(forwards, migrations.RunPython.noop)",
        remove("sku"),
        imports="from django.db import migrations, models\n",
        head=PEP_758,
    )
    after = before.replace(
        f"        {remove('sku')},\n",
        nullable_step("sku", "models.CharField(max_length=32, null=True)"),
    ).replace(PEP_758, PEP_758 + backfill_function("sku", '""') + "\n\n")
    outcome = check_transformed(
        BASE,
        before,
        after,
        {"0003_remove_product_sku.py": drop_file("0002_x", [("product", "sku")])},
    )
    assert outcome.report == [
        f"0002_x.py:16:9: MF003 removing `product.sku` cannot be rolled back: {UNSAFE} [fixable]",
        f"  hint: {plan_hint('0002_x', '0003_remove_product_sku')}",
    ]


def test_an_earlier_migration_with_pep_758_is_replayed() -> None:
    alter = (
        'migrations.AlterField(model_name="product", name="sku", '
        "field=models.CharField(max_length=32, null=True))"
    )
    earlier = migration(alter, imports="from django.db import migrations, models\n", head=PEP_758)
    later = migration(remove("sku"), deps='("shop", "0002_x")')
    check_report({**BASE, "0002_x.py": earlier}, {"0003_y.py": later}, [])


PYTHON_2 = 'print "0002 ran"\n'


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        # The field's name, not the model's: no operation of it can change the model, so
        # the replay for the model does not read it.
        "UPDATE t SET sku = 1",
    ],
)
def test_a_file_that_does_not_parse_and_does_not_name_the_model_is_skipped(sql: str) -> None:
    unreadable = migration(f'migrations.RunSQL("{sql}")') + PYTHON_2
    later = migration(remove("sku"), deps='("shop", "0002_sql")')
    check_report(
        {**BASE, "0002_sql.py": unreadable},
        {"0003_y.py": later},
        [
            f"0003_y.py:8:9: MF003 removing `product.sku` cannot be rolled back: {UNSAFE}",
            "  hint: 0002_sql.py does not parse: fix it, then run again",
        ],
    )


def test_a_file_that_does_not_parse_read_for_what_it_imports_may_name_neither() -> None:
    imports = "from django.db import migrations\nfrom shop import sql\n"
    unreadable = migration('migrations.RunSQL("SELECT 1")', imports=imports) + PYTHON_2
    later = migration(remove("sku"), deps='("shop", "0002_sql")')
    check_report(
        {**BASE, "0002_sql.py": unreadable},
        {"0003_y.py": later},
        [
            f"0003_y.py:8:9: MF003 removing `product.sku` cannot be rolled back: {UNSAFE}",
            "  hint: 0002_sql.py does not parse: fix it, then run again",
        ],
    )


def assert_cannot_determine(earlier: dict[str, str], removes: str, field: str, why: str) -> None:
    """With ``earlier`` files on the base after BASE, the new 0003_y.py ``removes`` the
    ``model.field`` ``field``: MF003 cannot determine whether that can be rolled back,
    for the reason ``why``."""
    check_report(
        {**BASE, **earlier},
        {"0003_y.py": removes},
        [
            f"0003_y.py:8:9: MF003 cannot determine whether removing `{field}` can be "
            f"rolled back: {why}",
            f"  hint: {CANNOT_HINT}",
        ],
    )


def test_a_file_that_does_not_parse_and_names_the_model_is_unknown() -> None:
    unreadable = (
        migration('migrations.AlterField("product", "sku", models.TextField(null=True))') + PYTHON_2
    )
    assert_cannot_determine(
        {"0002_alter.py": unreadable},
        migration(remove("sku"), deps='("shop", "0002_alter")'),
        "product.sku",
        "0002_alter.py does not parse, and its text names `Product`",
    )
    # A model the replay does not know: the file that does not parse may create it (it
    # names it), or not.
    creates = migration('migrations.CreateModel("Order", [])') + PYTHON_2
    for model, reason in [
        ("order", "0002_alter.py does not parse, and its text names `order`"),
        ("invoice", "model `invoice` is not created in this folder's migrations"),
    ]:
        assert_cannot_determine(
            {"0002_alter.py": creates},
            migration(remove("sku", model=model), deps='("shop", "0002_alter")'),
            f"{model}.sku",
            reason,
        )


def test_a_file_that_does_not_parse_and_names_the_field_is_unknown() -> None:
    # Read because it calls code of the project (which could change any model); the
    # replay goes past it for the model, which it does not name, not for the field.
    imports = "from django.db import migrations\nfrom shop import sql\n"
    unreadable = migration('migrations.RunSQL(sql.of("UPDATE t SET sku = 1"))', imports=imports)
    unreadable += PYTHON_2
    assert_cannot_determine(
        {"0002_sql.py": unreadable},
        migration(remove("sku"), deps='("shop", "0002_sql")'),
        "product.sku",
        "0002_sql.py does not parse, and its text names `sku`",
    )
