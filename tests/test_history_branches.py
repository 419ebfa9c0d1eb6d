"""The replay of migrations whose operations depend on ``if`` statements (one variant of
``operations`` per way through them): each variant is replayed, and a model or field is
known only where every variant leaves it the same."""

from __future__ import annotations

import ast
from pathlib import Path

from test_history import CREATE, after, cls, dep, field, load, mig

from migration_fixer.history import FieldState, History, State

ALTER_NULL = "migrations.AlterField('product', 'sku', models.CharField(max_length=9, null=True))"
ALTER_SAME = "migrations.AlterField('product', 'sku', models.CharField(max_length=9))"


def branches(then: str, otherwise: str = "", deps: str = dep("0001_initial")) -> str:
    """A migration whose operations are ``[then]`` if ``FLAG`` else ``[otherwise]``
    (the ``if`` is on line 6)."""
    body = f"    dependencies = [{deps}]\n    if FLAG:\n        operations = [{then}]\n"
    if otherwise:
        body += f"    else:\n        operations = [{otherwise}]\n"
    return cls(body)


def history(tmp_path: Path, *later: str) -> History:
    files = {"0001_initial.py": mig(CREATE)}
    for number, source in enumerate(later, start=2):
        files[f"000{number}_x.py"] = source
    return load(tmp_path, files)


def test_branches_that_agree(tmp_path: Path) -> None:
    found = history(tmp_path, branches("migrations.RunSQL('SELECT 1')"))
    assert field(found, "0002_x") == "models.CharField(max_length=9)"
    same = history(tmp_path / "b", branches(ALTER_SAME, ALTER_SAME))
    assert field(same, "0002_x") == "models.CharField(max_length=9)"


def test_branches_that_disagree(tmp_path: Path) -> None:
    found = history(tmp_path, branches(ALTER_NULL))
    reason = "`Product.sku` is not the same after each branch of the `if` at line 6 of 0002_x"
    assert field(found, "0002_x") == reason
    # A later migration that defines it again settles it.
    settled = history(tmp_path / "b", branches(ALTER_NULL), mig(ALTER_SAME, deps=dep("0002_x")))
    assert field(settled, "0003_x") == "models.CharField(max_length=9)"
    # One that renames it carries the doubt along; one that removes it ends it.
    rename = "migrations.RenameField('product', 'sku', 'code')"
    renamed = history(tmp_path / "c", branches(ALTER_NULL), mig(rename, deps=dep("0002_x")))
    assert field(renamed, "0003_x", field="code") == reason
    assert (
        field(renamed, "0003_x") == "field `product.sku` is not defined in this folder's migrations"
    )
    remove = "migrations.RemoveField('product', 'sku')"
    removed = history(tmp_path / "d", branches(ALTER_NULL), mig(remove, deps=dep("0002_x")))
    assert field(removed, "0003_x") == (
        "field `product.sku` is not defined in this folder's migrations"
    )
    # The doubt goes through a later ``if`` that leaves the field alone.
    again = history(
        tmp_path / "e", branches(ALTER_NULL), branches("migrations.RunSQL('')", deps=dep("0002_x"))
    )
    assert field(again, "0003_x") == reason


def test_a_field_or_model_in_some_branches_only(tmp_path: Path) -> None:
    add = "migrations.AddField('product', 'code', models.IntegerField())"
    found = history(tmp_path, branches(add))
    assert field(found, "0002_x", field="code") == (
        "`Product.code` is not the same after each branch of the `if` at line 6 of 0002_x"
    )
    create = "migrations.CreateModel(name='Other', fields=[('id', models.AutoField())])"
    created = history(tmp_path / "b", branches(create))
    assert field(created, "0002_x", model="other", field="id") == (
        "model `Other` is not the same after each branch of the `if` at line 6 of 0002_x"
    )
    rename = "migrations.RenameModel('Product', 'Item')"
    renamed = history(tmp_path / "c", branches(rename, "migrations.RenameModel('Product', 'ITEM')"))
    assert field(renamed, "0002_x", model="item") == (
        "model `Item` is not the same after each branch of the `if` at line 6 of 0002_x"
    )


def test_a_branch_that_cannot_be_read(tmp_path: Path) -> None:
    found = history(tmp_path, branches("migrations.AlterField('product', 'sku', *args)"))
    assert field(found, "0002_x") == "0002_x: `AlterField` called with *args/**kwargs"
    fields = "migrations.CreateModel(name='Product', fields=make())"
    unknown_model = history(tmp_path / "b", branches(fields))
    assert field(unknown_model, "0002_x") == "0002_x: the `fields` of `Product` is `make()`"


def test_the_state_just_before_an_operation_in_a_branch(tmp_path: Path) -> None:
    source = cls(
        f"    dependencies = [{dep('0001_initial')}]\n"
        f"    operations = [{ALTER_NULL}]\n"
        "    if FLAG:\n"
        "        operations.append(migrations.RemoveField('product', 'sku'))\n"
    )
    found = history(tmp_path, source)
    migration = found.files["0002_x"]
    assert len(migration.variants) == 2
    assert migration.operations is not None
    removal = migration.operations[1]
    state = found.state_before("0002_x", removal)
    assert isinstance(state, State)
    looked_up = state.lookup("product", "sku")
    assert isinstance(looked_up, FieldState)
    assert ast.unparse(looked_up.expr) == "models.CharField(max_length=9, null=True)"
    # Once the whole migration has run, the field exists after one branch only.
    assert field(found, "0002_x") == (
        "`Product.sku` is not the same after each branch of the `if` at line 7 of 0002_x"
    )


def test_operations_after_a_removal_in_each_variant(tmp_path: Path) -> None:
    remove = "migrations.RemoveField('product', 'sku')"
    delete = "migrations.DeleteModel('Product')"
    add = "migrations.AddField('product', 'sku', models.IntegerField(null=True))"
    source = cls(
        f"    dependencies = [{dep('0001_initial')}]\n"
        f"    operations = [{remove}]\n"
        "    if FLAG:\n"
        f"        operations.append({delete})\n"
        f"        operations.append({add})\n"
    )
    found = history(tmp_path, source).files["0002_x"]
    assert found.operations is not None
    node = found.operations[0]
    assert [[op for op, _ in ops] for ops in found.operations_after(node)] == [
        ["DeleteModel", "AddField"],
        [],
    ]
    # Only in one branch: not in every variant that holds the removal.
    assert not found.deletes_model_after(node, "product")
    assert not found.adds_field_after(node, "product", "sku")
    always = source.replace("    if FLAG:\n", "    if FLAG:\n        pass\n").replace(
        "        operations.append", "    operations.append"
    )
    both = history(tmp_path / "b", always).files["0002_x"]
    assert both.variants == []
    assert both.operations is not None
    assert both.deletes_model_after(both.operations[0], "product")
    assert both.adds_field_after(both.operations[0], "product", "sku")
    assert not both.deletes_model_after(ast.Constant(None), "product")


def test_merging_one_state_is_that_state() -> None:
    state = State()
    assert State.merged([state], "the `if` at line 1 of x") is state


def _alternatives(
    found: History, name: str, model: str = "product", field: str = "sku"
) -> list[str] | None:
    """What each branch leaves of the field after ``name``, as the rule sees it."""
    alternatives = after(found, name).alternatives(model, field)
    if alternatives is None:
        return None
    return [
        "-" if f is None else f"{f.model}.{f.name}: {ast.unparse(f.expr)}" for f in alternatives
    ]


def test_what_each_branch_leaves(tmp_path: Path) -> None:
    found = history(tmp_path, branches(ALTER_NULL))
    assert _alternatives(found, "0002_x") == [
        "Product.sku: models.CharField(max_length=9, null=True)",
        "Product.sku: models.CharField(max_length=9)",
    ]
    # A field in one branch only; and through a second ``if``, every way through.
    add = "migrations.AddField('product', 'code', models.IntegerField())"
    twice = history(tmp_path / "b", branches(add), branches(ALTER_SAME, deps=dep("0002_x")))
    assert _alternatives(twice, "0002_x", field="code") == [
        "Product.code: models.IntegerField()",
        "-",
    ]
    assert _alternatives(twice, "0003_x", field="code") == [
        "Product.code: models.IntegerField()",
        "-",
        "Product.code: models.IntegerField()",
        "-",
    ]
    # Renamed with the field.
    rename = "migrations.RenameField('product', 'sku', 'code')"
    renamed = history(tmp_path / "c", branches(ALTER_NULL), mig(rename, deps=dep("0002_x")))
    assert _alternatives(renamed, "0003_x", field="code") == [
        "Product.code: models.CharField(max_length=9, null=True)",
        "Product.code: models.CharField(max_length=9)",
    ]
    # A field known the same way has none; nor one a later migration could not read.
    assert _alternatives(renamed, "0003_x", field="id") is None
    unreadable = history(
        tmp_path / "d",
        branches(ALTER_NULL),
        mig("migrations.AlterField(*args)", deps=dep("0002_x")),
    )
    assert _alternatives(unreadable, "0003_x") is None


def test_a_renamed_model_forgets_what_each_branch_left(tmp_path: Path) -> None:
    """A relation's target is not renamed in the branches' definitions: unknown again."""
    rename = "migrations.RenameModel('Product', 'Item')"
    found = history(
        tmp_path,
        branches(ALTER_NULL),
        mig(rename, deps=dep("0002_x")),
        branches("migrations.RunSQL('')", deps=dep("0003_x")),
    )
    assert _alternatives(found, "0003_x", model="item") is None
    assert field(found, "0004_x", model="item") == (
        "`Product.sku` is not the same after each branch of the `if` at line 6 of 0002_x"
    )
    assert _alternatives(found, "0004_x", model="item") is None


def test_a_renamed_field_without_what_each_branch_left(tmp_path: Path) -> None:
    rename_model = "migrations.RenameModel('Product', 'Item')"
    rename_field = "migrations.RenameField('item', 'sku', 'code')"
    found = history(
        tmp_path, branches(ALTER_NULL), mig(rename_model, rename_field, deps=dep("0002_x"))
    )
    assert field(found, "0003_x", model="item", field="code") == (
        "`Product.sku` is not the same after each branch of the `if` at line 6 of 0002_x"
    )
    assert _alternatives(found, "0003_x", model="item", field="code") is None


def _deps_under_if(then: str, otherwise: str) -> str:
    return cls(
        "    if FLAG:\n"
        f"        dependencies = [{then}]\n"
        "    else:\n"
        f"        dependencies = [{otherwise}]\n"
        f"    operations = [{ALTER_NULL}]\n"
    )


def test_dependencies_bound_under_an_if(tmp_path: Path) -> None:
    # Both branches depend on 0001 (one on another app too): the graph is the same.
    agree = _deps_under_if(dep("0001_initial"), f"('filer', '__first__'), {dep('0001_initial')}")
    found = history(tmp_path, agree)
    assert found.files["0002_x"].dependencies == [("shop", "0001_initial"), ("filer", "__first__")]
    assert found.ancestors("0002_x") == ["0001_initial", "0002_x"]
    assert field(found, "0002_x") == "models.CharField(max_length=9, null=True)"
    # On this folder's migrations they differ: the order cannot be told.
    other = mig(deps=dep("0001_initial"))
    differ = _deps_under_if(dep("0001_initial"), dep("0002_other"))
    files = {"0001_initial.py": mig(CREATE), "0002_other.py": other, "0003_x.py": differ}
    split = load(tmp_path / "b", files)
    reason = "the dependencies of 0003_x on this folder's migrations depend on the `if` at line 5"
    assert split.ancestors("0003_x") == reason
    assert split.state_before("0003_x", ast.Constant(None)) == reason
    # One that cannot be told is left as before (no pairs).
    unknown = cls(f"    if FLAG:\n        dependencies = make()\n    operations = [{ALTER_NULL}]\n")
    assert history(tmp_path / "c", unknown).files["0002_x"].dependencies == []
    # Every branch binds the same list: one way, its pairs.
    single = cls(
        "    if FLAG:\n        dependencies = DEPS\n    else:\n        dependencies = DEPS\n"
        f"    operations = [{ALTER_NULL}]\n",
        head=f"DEPS = [{dep('0001_initial')}]\n\n\n",
    )
    same = history(tmp_path / "d", single).files["0002_x"]
    assert same.dependency_variants == []
    assert same.dependencies == [("shop", "0001_initial")]
