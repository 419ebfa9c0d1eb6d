"""What the replay works out once per migration (history.MigrationFile): where each call
is in the operations, what comes after a removal, and which operations a replay for a
model reads."""

from __future__ import annotations

import ast
from pathlib import Path

from migration_fixer.history import MigrationFile, Placement, read_migration

PLACED = """\
from django.db import migrations


class Separate(migrations.SeparateDatabaseAndState):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class Migration(migrations.Migration):
    operations = [
        OTHERS[0],
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.SeparateDatabaseAndState(
                    state_operations=[migrations.RemoveField("a", "x")],
                    database_operations=[migrations.RemoveField("a", "y")],
                ),
            ],
        ),
        Separate(
            database_operations=[migrations.RemoveField("a", "z")],
            state_operations=[migrations.RemoveField("a", "w")],
        ),
        migrations.RunPython(migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.SeparateDatabaseAndState(
                    database_operations=[migrations.RemoveField("a", "v")],
                ),
            ],
        ),
    ]
"""


def _read(source: str) -> tuple[MigrationFile, dict[str, ast.Call]]:
    tree = ast.parse(source)
    calls = {ast.unparse(n): n for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return read_migration(Path("0002_x.py"), source, tree), calls


def test_placement_of_every_call() -> None:
    migration, calls = _read(PLACED)
    outer, separate, run_python, state = (migration.operations or [])[1:]
    assert isinstance(outer, ast.Call)
    inner_list = outer.keywords[0].value
    assert isinstance(inner_list, ast.List)
    inner = inner_list.elts[0]
    assert isinstance(state, ast.Call)
    state_list = state.keywords[0].value
    assert isinstance(state_list, ast.List)
    found = {text: migration.placement(call) for text, call in calls.items()}
    assert found == {
        ast.unparse(outer): (Placement.TOP_LEVEL, outer),
        ast.unparse(separate): (Placement.TOP_LEVEL, separate),
        ast.unparse(run_python): (Placement.TOP_LEVEL, run_python),
        # In the lists of a SeparateDatabaseAndState inside another one's.
        ast.unparse(inner): (Placement.DATABASE, outer),
        "migrations.RemoveField('a', 'x')": (Placement.STATE_ONLY, outer),
        "migrations.RemoveField('a', 'y')": (Placement.DATABASE, outer),
        # Written inside a subclass with its own __init__ (its lists are not read).
        "migrations.RemoveField('a', 'z')": (Placement.DATABASE, separate),
        "migrations.RemoveField('a', 'w')": (Placement.STATE_ONLY, separate),
        # In state_operations, even a database operation only changes the state.
        ast.unparse(state): (Placement.TOP_LEVEL, state),
        ast.unparse(state_list.elts[0]): (Placement.STATE_ONLY, state),
        "migrations.RemoveField('a', 'v')": (Placement.STATE_ONLY, state),
        "super().__init__(**kwargs)": (Placement.ELSEWHERE, None),
        "super()": (Placement.ELSEWHERE, None),
    }
    # A call of another tree is in none of the migration's lists.
    other = ast.parse("migrations.RemoveField('a', 'y')").body[0]
    assert isinstance(other, ast.Expr)
    assert isinstance(other.value, ast.Call)
    assert migration.placement(other.value) == (Placement.ELSEWHERE, None)


ORDERED = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    operations = [
        migrations.AddField("product", "a", models.IntegerField()),
        migrations.RemoveField("product", "sku"),
        migrations.AddField("order", "b", models.IntegerField()),
        migrations.RenameModel("old", "new"),
        migrations.DeleteModel("Product"),
        migrations.DeleteModel(name=NAME),
    ]
"""


def test_operations_a_replay_for_a_model_reads() -> None:
    migration, _ = _read(ORDERED)
    operations = migration.operations or []
    add, remove, other, rename, delete, unnamed = operations
    # The rename and the non-literal name may change any model.
    assert migration.operations_changing(frozenset({"product"})) == [
        add,
        remove,
        rename,
        delete,
        unnamed,
    ]
    assert migration.operations_changing(frozenset({"order", "x"})) == [other, rename, unnamed]
    assert migration.operations_changing(frozenset({"product"}), remove) == [add]
    assert migration.operations_changing(None, other) == [add, remove]
    assert migration.operations_changing(None) == operations
    assert migration.holds(remove)
    assert not migration.holds(ast.Constant(1))


def test_deletes_model_after() -> None:
    migration, _ = _read(ORDERED)
    add, remove, other, _, delete, _ = migration.operations or []
    assert migration.deletes_model_after(remove, "product")
    assert migration.deletes_model_after(add, "PRODUCT")
    assert not migration.deletes_model_after(other, "order")
    assert not migration.deletes_model_after(delete, "product")  # (not after itself)
    assert not migration.deletes_model_after(ast.Constant(1), "product")  # (not in it)
    ((after,),) = [migration.operations_after(delete)]
    assert [(kind, {k: ast.unparse(v) for k, v in args.items()}) for kind, args in after] == [
        ("DeleteModel", {"name": "NAME"})
    ]
    assert migration.operations_after(ast.Constant(1)) == []
