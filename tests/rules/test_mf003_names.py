"""MF003 sees through names, as Django evaluates them: lists bound in the ``Migration``
class body or at module level, ``+`` concatenations, names referring to names, the binding
in force where the name is used. What cannot be told stays "cannot determine". Each case
runs on the pure harness (tests/rules/_mf003_pure.py): 0001 on the git base, 0002 new."""

from __future__ import annotations

from _mf003 import (
    CANNOT_HINT,
    CHAR_MSG,
    class_body_migration,
    drop_file,
    initial,
    migration,
    plan_hint,
    remove,
)
from _mf003_fixed import backfill_function, nullable_step
from _mf003_pure import check_report, check_transformed

BASE = {"0001_initial.py": initial('("sku", models.CharField(max_length=32))')}
SKU = "`product.sku`"
UNSAFE = CHAR_MSG.format(cls="CharField", fill="''", dropped="")


def _cannot(where: str, reason: str, name: str = "0002_x.py") -> list[str]:
    return [
        f"{name}:{where}: MF003 cannot determine whether removing {SKU} can be rolled back: "
        f"{reason}",
        f"  hint: {CANNOT_HINT}",
    ]


def _unsafe(where: str, hint: str, fixable: bool = False, name: str = "0002_x.py") -> list[str]:
    state = " [fixable]" if fixable else ""
    return [
        f"{name}:{where}: MF003 removing {SKU} cannot be rolled back: {UNSAFE}{state}",
        f"  hint: {hint}",
    ]


BY_HAND = "inside `SeparateDatabaseAndState`: split it by hand (nullable first, drop later)"


def test_class_body_database_operations_are_decided() -> None:
    """saleor's shape: the lists are bound in the class body above ``operations``; the
    removal in ``database_operations`` drops the column (reported), the one in
    ``state_operations`` does not."""
    source = class_body_migration(
        "    database_operations = [\n"
        f"        {remove('sku')},\n"
        "    ]\n"
        "    state_operations = [\n"
        f"        {remove('sku')},\n"
        "    ]\n\n"
        "    operations = [\n"
        "        migrations.SeparateDatabaseAndState(\n"
        "            database_operations=database_operations,\n"
        "            state_operations=state_operations,\n"
        "        ),\n"
        "    ]\n"
    )
    outcome = check_report(BASE, {"0002_x.py": source}, _unsafe("8:9", BY_HAND))
    assert outcome.fixed == {}
    assert outcome.new_files == {}


def test_class_body_state_operations_only_is_not_a_finding() -> None:
    source = class_body_migration(
        "    state_operations = [\n"
        f"        {remove('sku')},\n"
        '        migrations.DeleteModel(name="Product"),\n'
        "    ]\n\n"
        "    operations = [\n"
        "        migrations.SeparateDatabaseAndState(state_operations=state_operations)\n"
        "    ]\n"
    )
    outcome = check_report(BASE, {"0002_x.py": source}, [])
    assert outcome.fixed == {}


def test_a_removal_in_a_list_bound_to_a_name_is_reported_not_rewritten() -> None:
    source = class_body_migration(
        "    operations = OPS\n",
        head=f"OPS = [\n    {remove('sku')},\n]\n\n\n",
    )
    hint = (
        "the `RemoveField` is written in `OPS = ...` at module level, which the operations "
        "reach through a name: split it by hand (nullable first, drop later)"
    )
    outcome = check_report(BASE, {"0002_x.py": source}, _unsafe("5:5", hint))
    assert outcome.fixed == {}
    class_body = class_body_migration(
        f"    removals = [{remove('sku')}]\n    operations = removals\n"
    )
    hint = hint.replace("`OPS = ...` at module level", "`removals = ...`")
    check_report(BASE, {"0002_x.py": class_body}, _unsafe("7:17", hint))


def test_module_level_concatenation() -> None:
    """``operations = COMMON + [...]``: the names are replayed (the field's definition is
    the one COMMON's AlterField gave it), and the removal written in the operations
    statement itself is split as usual."""
    head = (
        "COMMON = [\n"
        '    migrations.AlterField("product", "sku", models.CharField(max_length=64)),\n'
        "]\n\n\n"
    )
    before = class_body_migration(
        f"    operations = COMMON + [\n        {remove('sku')},\n    ]\n", head=head
    )
    after = class_body_migration(
        "    operations = COMMON + [\n"
        + nullable_step("sku", "models.CharField(max_length=64, null=True)")
        + "    ]\n",
        head=head + backfill_function("sku", '""') + "\n\n",
    )
    outcome = check_transformed(
        BASE,
        before,
        after,
        {"0003_remove_product_sku.py": drop_file("0002_x", [("product", "sku")])},
    )
    assert outcome.report == _unsafe(
        "13:9", plan_hint("0002_x", "0003_remove_product_sku"), fixable=True
    )


def test_history_replays_lists_bound_to_names() -> None:
    """A later migration's class-body ``state_operations`` and a module-level ``fields``
    list are replayed: the field made nullable in the state is safe to remove."""
    base = {
        "0001_initial.py": (
            "from django.db import migrations, models\n\n"
            'FIELDS = [("id", models.BigAutoField(primary_key=True)), ("sku", SKU)]\n'
            "SKU = models.CharField(max_length=32)\n"
            "FIELDS = [\n"
            '    ("id", models.BigAutoField(primary_key=True)),\n'
            '    ("sku", SKU),\n'
            "]\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.CreateModel(name='Product', fields=FIELDS)]\n"
        ),
    }
    check_report(
        base,
        {"0002_x.py": migration(remove("sku"))},
        _unsafe("8:9", plan_hint("0002_x", "0003_remove_product_sku"), fixable=True),
    )
    nullable = class_body_migration(
        "    state_operations = [\n"
        '        migrations.AlterField("product", "sku", models.CharField(null=True)),\n'
        "    ]\n"
        "    operations = [\n"
        "        migrations.SeparateDatabaseAndState(state_operations=state_operations),\n"
        "    ]\n"
    )
    later = migration(remove("sku"), deps='("shop", "0002_x")')
    check_report({**base, "0002_x.py": nullable}, {"0003_y.py": later}, [])


def test_the_binding_in_force_where_the_name_is_used() -> None:
    """A name rebound in sequence takes the binding before its use; class-body names
    shadow the module's; ``+=`` adds to the list."""
    source = class_body_migration(
        "    ops = []\n"
        f"    ops = [{remove('sku')}]\n"
        "    operations = [migrations.SeparateDatabaseAndState(database_operations=ops)]\n"
        "    ops = []\n",
        head="ops = []\n\n\n",
    )
    check_report(BASE, {"0002_x.py": source}, _unsafe("11:12", BY_HAND))
    added = class_body_migration(
        "    ops = []\n"
        f"    ops += [{remove('sku')}]\n"
        "    operations = [migrations.SeparateDatabaseAndState(database_operations=ops)]\n"
    )
    check_report(BASE, {"0002_x.py": added}, _unsafe("8:13", BY_HAND))


def test_what_cannot_be_told_stays_unknown() -> None:
    conditional = class_body_migration(
        "    if FLAG:\n"
        f"        ops = [{remove('sku')}]\n"
        "    else:\n"
        "        ops = []\n"
        "    operations = [migrations.SeparateDatabaseAndState(database_operations=ops)]\n"
    )
    where = "`RemoveField` outside the migration's `operations` list"
    check_report(BASE, {"0002_x.py": conditional}, _cannot("8:16", where))
    changed = class_body_migration(
        f"    ops = [{remove('sku')}]\n"
        "    ops.append(migrations.DeleteModel('Product'))\n"
        "    prepare(ops)\n"
        "    operations = ops\n"
    )
    reason = (
        "the operations of 0002_x are built dynamically (`operations` is `ops`, passed to "
        "`prepare(...)` (line 9))"
    )
    check_report(BASE, {"0002_x.py": changed}, _cannot("7:12", reason))
    # The list is changed by a function only the module sees: a class-body name is not.
    head = f"ops = [{remove('sku')}]\nextend(ops)\n\n\n"
    module = class_body_migration("    operations = ops\n", head=head)
    reason = reason.replace("line 9", "line 5").replace("prepare", "extend")
    check_report(BASE, {"0002_x.py": module}, _cannot("4:8", reason))


def test_lists_written_inline_that_cannot_be_read() -> None:
    """A removal written inside a ``SeparateDatabaseAndState`` list that cannot be read as
    a whole is still placed by where it is written."""
    state = migration(
        f"migrations.SeparateDatabaseAndState(state_operations=[{remove('sku')}] + more())"
    )
    check_report(BASE, {"0002_x.py": state}, [])
    database = migration(
        f"migrations.SeparateDatabaseAndState(database_operations=[{remove('sku')}] + more())"
    )
    check_report(BASE, {"0002_x.py": database}, _unsafe("8:66", BY_HAND))


def test_a_later_database_operation_drops_the_table_too() -> None:
    """The operations after the removal are the database's: a ``DeleteModel`` in a later
    ``database_operations`` list (bound to a name) drops the table too."""
    source = class_body_migration(
        '    drop = [migrations.DeleteModel(name="Product")]\n'
        "    operations = [\n"
        f"        {remove('sku')},\n"
        "        migrations.SeparateDatabaseAndState(database_operations=drop),\n"
        "    ]\n"
    )
    check_report(BASE, {"0002_x.py": source}, [])
