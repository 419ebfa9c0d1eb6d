"""MF003 on operations built by code that static reading can still tell: comprehensions
over literal constants (``[RemoveField(model_name=m, name="lft") for m in MODELS]``, one
removal per value), ``*`` unpacking, a module function that only returns a literal list
(``fields=_base_fields() + [...]``). What cannot be told stays "cannot determine"."""

from __future__ import annotations

from _mf003 import CHAR_MSG, initial
from _mf003_pure import check_report

BASE = {
    "0001_initial.py": initial(
        '("sku", models.CharField(max_length=32))',
        '("note", models.CharField(max_length=8, null=True))',
        '("code", models.IntegerField())',
    )
}
COMPREHENSION = (
    "the `RemoveField` is written in code that builds the operations (a comprehension, a "
    "function): split it by hand (nullable first, drop later)"
)


def _migration(operations: str, head: str = "") -> str:
    return (
        "from django.db import migrations, models\n\n"
        f"{head}\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        f"    operations = [\n        {operations},\n    ]\n"
    )


def test_a_comprehension_removes_one_field_per_value() -> None:
    source = _migration(
        "*[migrations.RemoveField(model_name='product', name=f) for f in FIELDS]",
        head="FIELDS = ('sku', 'note', 'code')\n",
    )
    check_report(
        BASE,
        {"0002_x.py": source},
        [
            "0002_x.py:10:11: MF003 removing `product.sku` cannot be rolled back: "
            + CHAR_MSG.format(cls="CharField", fill="''", dropped=""),
            f"  hint: {COMPREHENSION}",
            "0002_x.py:10:11: MF003 removing `product.code` cannot be rolled back: "
            + CHAR_MSG.format(cls="IntegerField", fill="0", dropped=""),
            f"  hint: {COMPREHENSION}",
        ],
    )
    # In ``state_operations``: no column is dropped.
    state = _migration(
        "migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("
        "'product', f) for f in ('sku', 'code')])"
    )
    check_report(BASE, {"0002_x.py": state}, [])


def test_a_comprehension_that_cannot_be_told() -> None:
    source = _migration(
        "*[migrations.RemoveField(model_name='product', name=f) for f in FIELDS if f]",
        head="FIELDS = ('sku', 'note', 'code')\n",
    )
    check_report(
        BASE,
        {"0002_x.py": source},
        [
            "0002_x.py:10:11: MF003 `RemoveField` with non-literal names: cannot determine "
            "whether it can be rolled back",
        ],
    )


def test_fields_from_a_function_that_returns_a_literal() -> None:
    first = (
        "from django.db import migrations, models\n\n\n"
        "def _base_fields():\n"
        '    return [("id", models.BigAutoField(primary_key=True))]\n\n\n'
        "class Migration(migrations.Migration):\n"
        "    initial = True\n\n"
        "    dependencies = []\n\n"
        "    operations = [\n"
        "        migrations.CreateModel(\n"
        '            name="Product",\n'
        '            fields=_base_fields() + [("sku", models.CharField(max_length=32))],\n'
        "        ),\n"
        "    ]\n"
    )
    removal = _migration("migrations.RemoveField(model_name='product', name='sku')")
    check_report(
        {"0001_initial.py": first},
        {"0002_x.py": removal},
        [
            "0002_x.py:9:9: MF003 removing `product.sku` cannot be rolled back: "
            + CHAR_MSG.format(cls="CharField", fill="''", dropped="")
            + " [fixable]",
            "  hint: deploy 0002_x.py (the field stays, nullable) in this release; "
            "0003_remove_product_sku.py drops it and is marked to run after the deploy: ship "
            "it in a later release, once no running code reads the column",
        ],
    )


def test_a_removal_returned_by_a_function() -> None:
    source = (
        "from django.db import migrations, models\n\n\n"
        "def removals():\n"
        "    return [migrations.RemoveField(model_name='product', name='sku')]\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        "    operations = removals()\n"
    )
    check_report(
        BASE,
        {"0002_x.py": source},
        [
            "0002_x.py:5:13: MF003 removing `product.sku` cannot be rolled back: "
            + CHAR_MSG.format(cls="CharField", fill="''", dropped=""),
            "  hint: the `RemoveField` is written in the function `removals` (line 4) at module "
            "level, which the operations reach through a name: split it by hand (nullable "
            "first, drop later)",
        ],
    )


def test_a_removal_in_a_function_that_builds_the_operations_in_local_lists() -> None:
    """sentry's shape: ``database_operations``/``state_operations`` lists in a function
    that returns them, the state ones inside ``SeparateDatabaseAndState``."""
    source = (
        "from django.db import migrations, models\n\n\n"
        "def product_migrations():\n"
        "    database_operations = [\n"
        "        migrations.RemoveField(model_name='product', name='sku'),\n"
        "    ]\n"
        "    state_operations = [\n"
        "        migrations.RemoveField(model_name='product', name='code'),\n"
        "    ]\n"
        "    return database_operations + [\n"
        "        migrations.SeparateDatabaseAndState(state_operations=state_operations)\n"
        "    ]\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        "    operations = product_migrations()\n"
    )
    check_report(
        BASE,
        {"0002_x.py": source},
        [
            "0002_x.py:6:9: MF003 removing `product.sku` cannot be rolled back: "
            + CHAR_MSG.format(cls="CharField", fill="''", dropped=""),
            f"  hint: {COMPREHENSION}",
        ],
    )
