"""MF003 on migrations whose operations depend on ``if`` statements or are changed in
place (``operations.append(...)``): read as Python runs the module, each way through the
``if`` statements apart. A removal is decided when every branch that can reach it gives
the same answer; what disagrees, or what cannot be followed, stays "cannot determine"
with the reason. Each case runs on the pure harness: 0001 on the git base, the rest new."""

from __future__ import annotations

from _mf003 import CANNOT_HINT, CHAR_MSG, class_body_migration, initial, migration, remove
from _mf003_pure import check_report

BASE = {"0001_initial.py": initial('("sku", models.CharField(max_length=32))')}
UNSAFE = "removing `product.sku` cannot be rolled back: " + CHAR_MSG.format(
    cls="CharField", fill="''", dropped=""
)
SAME_CONDITION = "split it by hand (nullable first, drop later, under the same condition)"
NULLABLE = "migrations.AlterField('product', 'sku', models.CharField(max_length=32, null=True))"


def _later(*operations: str) -> str:
    return migration(*operations, deps='("shop", "0002_x")')


def test_a_removal_in_one_branch_is_decided_from_that_branch() -> None:
    source = class_body_migration(
        "    if FLAG:\n"
        f"        operations = [{remove('sku')}]\n"
        "    else:\n"
        "        operations = []\n"
    )
    check_report(
        BASE,
        {"0002_x.py": source},
        [
            f"0002_x.py:8:23: MF003 {UNSAFE}",
            f"  hint: the `RemoveField` is written under `if FLAG: ...` (line 7): {SAME_CONDITION}",
        ],
    )
    # The same at module level.
    module = (
        "from django.db import migrations, models\n\n"
        "OPS = []\n"
        "if FLAG:\n"
        f"    OPS.append({remove('sku')})\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        "    operations = OPS\n"
    )
    check_report(
        BASE,
        {"0002_x.py": module},
        [
            f"0002_x.py:5:16: MF003 {UNSAFE}",
            "  hint: the `RemoveField` is written under `if FLAG: ...` (line 4) at module "
            f"level: {SAME_CONDITION}",
        ],
    )


def test_straight_line_appends_are_read() -> None:
    source = class_body_migration(f"    operations = []\n    operations.append({remove('sku')})\n")
    check_report(
        BASE,
        {"0002_x.py": source},
        [
            f"0002_x.py:8:23: MF003 {UNSAFE}",
            "  hint: the `RemoveField` is added by `operations.append(...)`: split it by hand "
            "(nullable first, drop later)",
        ],
    )


def test_operations_that_depend_on_an_if_are_not_rewritten() -> None:
    """The removal is in every variant, but the drop migration would run whatever the
    condition: split by hand."""
    source = class_body_migration(
        f"    operations = [{remove('sku')}]\n"
        "    if FLAG:\n"
        "        operations.append(migrations.RunSQL('SELECT 1'))\n"
    )
    hint = f"the operations of 0002_x depend on the `if` at line 8: {SAME_CONDITION}"
    check_report(
        BASE, {"0002_x.py": source}, [f"0002_x.py:7:19: MF003 {UNSAFE}", f"  hint: {hint}"]
    )
    # A ``DeleteModel`` in one branch only: the other branch still drops the column alone.
    deleted = source.replace("migrations.RunSQL('SELECT 1')", "migrations.DeleteModel('Product')")
    check_report(
        BASE, {"0002_x.py": deleted}, [f"0002_x.py:7:19: MF003 {UNSAFE}", f"  hint: {hint}"]
    )


def test_an_earlier_if_whose_branches_agree() -> None:
    earlier = class_body_migration(
        "    if FLAG:\n        operations = [migrations.RunSQL('SELECT 1')]\n"
    )
    check_report(
        BASE,
        {"0002_x.py": earlier, "0003_y.py": _later(remove("sku"))},
        [
            f"0003_y.py:8:9: MF003 {UNSAFE} [fixable]",
            "  hint: deploy 0003_y.py (the field stays, nullable) in this release; "
            "0004_remove_product_sku.py drops it and is marked to run after the deploy: ship it "
            "in a later release, once no running code reads the column",
        ],
    )


def test_an_earlier_if_whose_branches_disagree() -> None:
    earlier = class_body_migration(f"    if FLAG:\n        operations = [{NULLABLE}]\n")
    check_report(
        BASE,
        {"0002_x.py": earlier, "0003_y.py": _later(remove("sku"))},
        [
            "0003_y.py:8:9: MF003 cannot determine whether removing `product.sku` can be rolled "
            "back: `Product.sku` is not the same after each branch of the `if` at line 7 of "
            "0002_x: it can be re-added after one, not after another",
            f"  hint: {CANNOT_HINT}",
        ],
    )


WHY = "`Product.sku` is not the same after each branch of the `if` at line 7 of 0002_x"


def _alter(field: str) -> str:
    return f"migrations.AlterField('product', 'sku', {field})"


def _either(then: str, otherwise: str) -> str:
    return class_body_migration(
        f"    if FLAG:\n        operations = [{then}]\n"
        f"    else:\n        operations = [{otherwise}]\n"
    )


def test_branches_that_define_the_field_differently_but_agree() -> None:
    """Different definitions, one answer: decided (and never rewritten)."""
    unsafe = _either(_alter("models.CharField(max_length=64)"), _alter("models.TextField()"))
    check_report(
        BASE,
        {"0002_x.py": unsafe, "0003_y.py": _later(remove("sku"))},
        [
            f"0003_y.py:8:9: MF003 {UNSAFE}; or "
            + CHAR_MSG.format(cls="TextField", fill="''", dropped=""),
            f"  hint: {WHY}: split it by hand (nullable first, drop later)",
        ],
    )
    same_reason = _either(
        _alter("models.CharField(max_length=64)"), _alter("models.CharField(max_length=16)")
    )
    check_report(
        BASE,
        {"0002_x.py": same_reason, "0003_y.py": _later(remove("sku"))},
        [
            f"0003_y.py:8:9: MF003 {UNSAFE}",
            f"  hint: {WHY}: split it by hand (nullable first, drop later)",
        ],
    )
    safe = _either(NULLABLE, _alter("models.CharField(max_length=32, default='x')"))
    check_report(BASE, {"0002_x.py": safe, "0003_y.py": _later(remove("sku"))}, [])
    # After a branch that leaves no such field, the removal would fail: it cannot run there.
    gone = _either(NULLABLE, "migrations.RemoveField('product', 'sku')")
    check_report(
        BASE,
        {"0002_x.py": gone, "0003_y.py": _later(remove("sku"))},
        [
            f"0002_x.py:10:23: MF003 {UNSAFE}",
            f"  hint: the `RemoveField` is written under `if FLAG: ...` (line 7): {SAME_CONDITION}",
        ],
    )


def test_branches_where_one_answer_is_unknown() -> None:
    unknown = _either(_alter("models.CharField(max_length=32)"), _alter("Unknown()"))
    check_report(
        BASE,
        {"0002_x.py": unknown, "0003_y.py": _later(remove("sku"))},
        [
            "0003_y.py:8:9: MF003 cannot determine whether removing `product.sku` can be rolled "
            f"back: {WHY}; after one: `Unknown` is not a Django field class this tool knows "
            "(defined in 0002_x): cannot tell whether it can be re-added",
            f"  hint: {CANNOT_HINT}",
        ],
    )
    key = _either(_alter("models.AutoField(primary_key=True)"), NULLABLE)
    check_report(
        BASE,
        {"0002_x.py": key, "0003_y.py": _later(remove("sku"))},
        [
            "0003_y.py:8:9: MF003 cannot determine whether removing `product.sku` can be rolled "
            f"back: {WHY}, and it is an auto-generated key after one",
            f"  hint: {CANNOT_HINT}",
        ],
    )


def test_a_list_passed_to_a_function_stays_unknown() -> None:
    source = class_body_migration(
        f"    operations = [{remove('sku')}]\n    if FLAG:\n        prepare(operations)\n"
    )
    check_report(
        BASE,
        {"0002_x.py": source},
        [
            "0002_x.py:7:19: MF003 cannot determine whether removing `product.sku` can be rolled "
            "back: the operations of 0002_x are built dynamically (`operations` passed to "
            "`prepare(...)` (line 9))",
            f"  hint: {CANNOT_HINT}",
        ],
    )


def test_dependencies_that_depend_on_an_if() -> None:
    """The branches agree on this folder's migrations: the removal is decided; they differ:
    the order of the replay cannot be told."""

    def deps_under_if(then: str, otherwise: str) -> str:
        return (
            "from django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n"
            f"    if FLAG:\n        dependencies = [{then}]\n"
            f"    else:\n        dependencies = [{otherwise}]\n\n"
            f"    operations = [{remove('sku')}]\n"
        )

    agree = deps_under_if('("shop", "0001_initial")', '("shop", "0001_initial"), ("filer", "0001")')
    check_report(
        BASE,
        {"0002_x.py": agree},
        [
            f"0002_x.py:10:19: MF003 {UNSAFE} [fixable]",
            "  hint: deploy 0002_x.py (the field stays, nullable) in this release; "
            "0003_remove_product_sku.py drops it and is marked to run after the deploy: ship it "
            "in a later release, once no running code reads the column",
        ],
    )
    differ = deps_under_if('("shop", "0001_initial")', '("shop", "0002_x")')
    check_report(
        BASE,
        {
            "0002_x.py": class_body_migration("    operations = []\n"),
            "0003_y.py": differ.replace('0002_x")', '0002_x")'),
        },
        [
            "0003_y.py:10:19: MF003 cannot determine whether removing `product.sku` can be "
            "rolled back: the dependencies of 0003_y on this folder's migrations depend on the "
            "`if` at line 5",
            f"  hint: {CANNOT_HINT}",
        ],
    )
