"""The static replay of one migrations folder (history.History): the graph from
``dependencies``/``replaces``/``run_before``, and the state each operation leaves, with
"cannot determine" (a reason) wherever reading the source is not enough."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from migration_fixer import history as history_module
from migration_fixer.history import FieldState, History, MigrationFile, State, read_migration
from migration_fixer.migration_ast import bind_arguments
from migration_fixer.runner import Options, process_file

HEAD = "from django.db import migrations, models\n\n\n"


def mig(*operations: str, deps: str = "", body: str = "", head: str = "") -> str:
    ops = "".join(f"        {op},\n" for op in operations)
    return (
        f"{HEAD}{head}class Migration(migrations.Migration):\n"
        f"    dependencies = [{deps}]\n"
        f"{body}"
        f"    operations = [\n{ops}    ]\n"
    )


def cls(body: str, head: str = "") -> str:
    """A module with a ``Migration`` class whose body is ``body`` (indented lines)."""
    return f"{HEAD}{head}class Migration(migrations.Migration):\n{body}"


def dep(name: str, label: str = "shop") -> str:
    return f'("{label}", "{name}")'


CREATE = (
    "migrations.CreateModel(name='Product', fields=[('id', models.AutoField(primary_key=True)), "
    "('sku', models.CharField(max_length=9))])"
)


def load(tmp_path: Path, files: dict[str, str], folder: str = "shop/migrations") -> History:
    root = tmp_path / folder
    root.mkdir(parents=True, exist_ok=True)
    (root / "__init__.py").write_text("")
    for name, text in files.items():
        (root / name).write_text(text)
    return History.load(root)


def after(history: History, name: str) -> State:
    """The state once ``name`` and its ancestors are applied."""
    state = history.state_before(name, ast.Constant(None))
    assert isinstance(state, State)
    return state


def field(history: History, name: str, model: str = "product", field: str = "sku") -> str:
    """What the replay knows of ``model.field`` after ``name``: its source, or why not."""
    found = after(history, name).lookup(model, field)
    if isinstance(found, str):
        return found
    return ast.unparse(found.expr)


# -- operations --------------------------------------------------------------------------


def test_create_add_alter_remove(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_add.py": mig(
                "migrations.AddField('product', 'size', models.IntegerField())",
                "migrations.AlterField(model_name='product', name='size', "
                "field=models.IntegerField(null=True), preserve_default=False)",
                "migrations.RemoveField('product', 'sku')",
                deps=dep("0001_initial"),
            ),
        },
    )
    assert field(history, "0001_initial") == "models.CharField(max_length=9)"
    assert field(history, "0002_add", field="size") == "models.IntegerField(null=True)"
    found = after(history, "0002_add").lookup("Product", "SIZE")
    assert isinstance(found, FieldState)
    assert (found.model, found.name, found.source.name) == ("Product", "size", "0002_add")
    assert found.preserve_default is False
    assert field(history, "0002_add") == (
        "field `product.sku` is not defined in this folder's migrations"
    )
    assert field(history, "0002_add", model="order") == (
        "model `order` is not created in this folder's migrations"
    )


def test_state_before_an_operation(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_x.py": mig(
                "migrations.AlterField('product', 'sku', models.TextField())",
                "migrations.RemoveField('product', 'sku')",
                deps=dep("0001_initial"),
            ),
        },
    )
    operations = history.files["0002_x"].operations
    assert operations is not None
    first = history.state_before("0002_x", operations[0])
    second = history.state_before("0002_x", operations[1])
    assert isinstance(first, State)
    assert isinstance(second, State)
    assert ast.unparse(first.models["product"].fields["sku"].expr) == (
        "models.CharField(max_length=9)"
    )
    assert ast.unparse(second.models["product"].fields["sku"].expr) == "models.TextField()"


def test_renames_and_delete(tmp_path: Path) -> None:
    fk = (
        "migrations.AddField('product', 'kind', models.ForeignKey('shop.Category', models.CASCADE))"
    )
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(
                CREATE,
                "migrations.CreateModel('Category', [])",
                fk,
                "migrations.CreateModel('Gone', [])",
            ),
            "0002_renames.py": mig(
                "migrations.RenameField('product', 'sku', 'code')",
                "migrations.RenameField('product', 'missing', 'other')",
                "migrations.RenameField('nobody', 'a', 'b')",
                "migrations.RenameModel('Category', 'Kind')",
                "migrations.RenameModel('Kind', 'Sort')",
                "migrations.RenameModel('Product', 'Item')",
                "migrations.RenameModel('Nobody', 'Somebody')",
                "migrations.DeleteModel('Gone')",
                "migrations.DeleteModel('Nobody')",
                "migrations.RemoveField('nobody', 'x')",
                "migrations.AddField('nobody', 'x', models.IntegerField())",
                deps=dep("0001_initial"),
            ),
        },
    )
    state = after(history, "0002_renames")
    assert sorted(state.models) == ["item", "sort"]
    code = state.lookup("item", "code")
    assert isinstance(code, FieldState)
    assert (code.model, code.name) == ("Item", "code")
    kind = state.lookup("Item", "kind")
    assert isinstance(kind, FieldState)
    # A relation's target follows the model's renames (chained).
    assert kind.renamed_models == {
        "category": "Sort",
        "kind": "Sort",
        "product": "Item",
        "nobody": "Somebody",
    }
    assert state.models["item"].name == "Item"


@pytest.mark.parametrize(
    ("operation", "reason"),
    [
        ("migrations.CreateModel(NAME, [])", "`CreateModel` with a non-literal name"),
        ("migrations.DeleteModel(NAME)", "`DeleteModel` with a non-literal name"),
        ("migrations.RenameModel(NAME, 'New')", "`RenameModel` with non-literal names"),
        ("migrations.AddField('product', F, models.F())", "`AddField` with non-literal names"),
        ("migrations.AlterField('product', 'sku')", "`AlterField` with non-literal names"),
        ("migrations.RemoveField(NAME, 'sku')", "`RemoveField` with non-literal names"),
        ("migrations.RenameField('product', NAME, 'x')", "`RenameField` with non-literal names"),
        ("migrations.AddField(*ARGS)", "`AddField` called with *args/**kwargs"),
        ("migrations.AlterField(**KWARGS)", "`AlterField` called with *args/**kwargs"),
        (
            "migrations.SeparateDatabaseAndState([], OPS)",
            "`state_operations` is `OPS`, not bound before line 11",
        ),
        (
            "migrations.SeparateDatabaseAndState([], make())",
            "`state_operations` is `make()`",
        ),
        ("MyAlterField('product', 'sku')", "custom operation `MyAlterField` may change fields"),
        ("ops.ReplaceModel('Product')", "custom operation `ops.ReplaceModel` may change fields"),
        ("OPERATION", "`OPERATION` is not an operation call"),
        ("Sub('product', 'sku')", "`Sub` subclasses `AlterField` with its own `__init__`"),
    ],
)  # fmt: skip
def test_what_cannot_be_read_makes_the_state_unknown(
    tmp_path: Path, operation: str, reason: str
) -> None:
    head = (
        "class Sub(migrations.AlterField):\n"
        "    def __init__(self, model_name, name):\n"
        "        super().__init__(model_name, name, models.IntegerField(null=True))\n\n\n"
    )
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_x.py": mig(operation, deps=dep("0001_initial"), head=head),
        },
    )
    assert field(history, "0001_initial") == "models.CharField(max_length=9)"
    assert field(history, "0002_x") == f"0002_x: {reason}"


@pytest.mark.parametrize(
    "operation",
    [
        "migrations.RunPython(*ARGS)",
        "migrations.RunPython(forwards)",
        "migrations.RunSQL('SELECT 1')",
        "migrations.RunSQL(*SQL)",
        "migrations.AddIndex('product', models.Index(fields=['sku'], name='i'))",
        "migrations.AlterModelOptions('product', {})",
        "migrations.SeparateDatabaseAndState(database_operations=[])",
        "Noop()",
    ],
)
def test_operations_that_leave_fields_alone(tmp_path: Path, operation: str) -> None:
    history = load(
        tmp_path,
        {"0001_initial.py": mig(CREATE), "0002_x.py": mig(operation, deps=dep("0001_initial"))},
    )
    assert field(history, "0002_x") == "models.CharField(max_length=9)"


def test_fields_that_cannot_be_read_make_the_model_unknown(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(
                "migrations.CreateModel('Product', FIELDS)",
                "migrations.CreateModel('Order', [('id', models.AutoField()), FIELD])",
                "migrations.CreateModel('Empty')",
            )
        },
    )
    assert field(history, "0001_initial") == (
        "0001_initial: the `fields` of `Product` is `FIELDS`, not bound before line 6"
    )
    assert field(history, "0001_initial", model="order", field="id") == (
        "0001_initial: a field of `Order` is not a literal pair"
    )
    assert field(history, "0001_initial", model="empty", field="id") == (
        "field `empty.id` is not defined in this folder's migrations"
    )


def test_state_operations_are_replayed(tmp_path: Path) -> None:
    alter = "migrations.AlterField('product', 'sku', models.TextField())"
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_state.py": mig(
                f"migrations.SeparateDatabaseAndState([], [{alter}])", deps=dep("0001_initial")
            ),
            "0003_sql.py": mig(
                "migrations.RunSQL('', '', state_operations=EXTRA + "
                "[migrations.AlterField('product', 'sku', models.SlugField())])",
                deps=dep("0002_state"),
                head="EXTRA = []\n\n\n",
            ),
        },
    )
    assert field(history, "0002_state") == "models.TextField()"
    assert field(history, "0003_sql") == "models.SlugField()"


# -- reading the Migration class ---------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "operations"),
    [
        (mig(CREATE), 1),
        (cls("    operations = OPS\n", head=f"OPS = [{CREATE}]\n\n\n"), 1),
        (cls(f"    operations: list = [{CREATE}]\n"), 1),
        (cls(f"    operations = [{CREATE}] + [{CREATE}]\n"), 2),
        (cls(f"    operations = [{CREATE}]\n    operations += ({CREATE},)\n"), 2),
        (cls(f"    operations = [{CREATE}]\n    operations = []\n"), 0),
        (cls("    initial = True\n"), 0),
    ],
    ids=["list", "module-name", "annotated", "added", "augmented", "reassigned", "none"],
)  # fmt: skip
def test_operations_list_shapes(tmp_path: Path, source: str, operations: int) -> None:
    history = load(tmp_path, {"0001_initial.py": source})
    found = history.files["0001_initial"].operations
    assert found is not None
    assert len(found) == operations


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (cls("    operations = make()\n"), "`operations` is `make()`"),
        (cls("    operations = [*OPS]\n"), "`operations` is `[*OPS]`"),
        (cls("    operations = OPS()\n    operations += [1]\n"), "`operations` is `OPS()`"),
        (
            cls("    operations = OPS\n", head="OPS = []\nextend(OPS)\n\n\n"),
            "`operations` is `OPS`, passed to `extend(...)` (line 5)",
        ),
        (
            cls("    operations = []\n") + "\n\nMigration.operations.append(1)\n",
            "`Migration.operations` is changed outside the class",
        ),
        (
            cls("    operations = []\n").replace("class Migration", "class Base"),
            "no `class Migration` at module level",
        ),
    ],
)
def test_operations_that_cannot_be_read(tmp_path: Path, source: str, reason: str) -> None:
    deps = "Migration):\n    dependencies = [('shop', '0001_initial')]\n"
    source = source.replace("Migration):\n", deps, 1)
    history = load(tmp_path, {"0001_initial.py": mig(CREATE), "0002_x.py": source})
    migration = history.files["0002_x"]
    assert migration.operations is None
    assert migration.dynamic_reason == reason
    state = history.state_before("0002_x", ast.Constant(None))
    assert isinstance(state, State)
    assert state.lookup("product", "sku") == (
        f"the operations of 0002_x are built dynamically ({reason})"
    )


def test_dependencies_shapes(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_x.py": HEAD + "class Migration(migrations.Migration):\n"
            "    dependencies = [('shop', '0001_initial'), ('shop', NAME), ['other', '0001_x'],"
            " migrations.swappable_dependency('auth.User')]\n"
            "    replaces = REPLACED\n"
            "    operations = []\n",
            "0003_y.py": HEAD + "class Migration(migrations.Migration):\n"
            "    dependencies = [('shop', '0002_x')]\n"
            "    dependencies += [('other', '0002_y')]\n"
            "    run_before = [('shop', '0009_z')]\n"
            "    run_before += (('shop', '0008_z'),)\n"
            "    (a, b) = (1, 2)\n"
            "    a.b = 1\n"
            "    x[0] += 1\n"
            "    label: str\n\n"
            "    def method(self):\n"
            "        pass\n\n"
            "    operations = []\n",
        },
    )
    x = history.files["0002_x"]
    assert x.dependencies == [("shop", "0001_initial"), ("other", "0001_x")]
    assert x.replaces == []
    assert x.dependencies_node is not None
    y = history.files["0003_y"]
    assert y.dependencies == [("shop", "0002_x"), ("other", "0002_y")]
    assert y.run_before == [("shop", "0009_z"), ("shop", "0008_z")]
    # The node an edit can append to is the list as first written, not the ``+=``.
    assert y.dependencies_node is not None
    assert ast.unparse(y.dependencies_node) == "[('shop', '0002_x')]"


def test_bind_arguments() -> None:
    call = ast.parse("AddField('m', name='f', field=F)", mode="eval").body
    assert isinstance(call, ast.Call)
    bound = bind_arguments(call, "AddField")
    assert bound is not None
    assert {k: ast.unparse(v) for k, v in bound.items()} == {
        "model_name": "'m'",
        "name": "'f'",
        "field": "F",
    }
    star = ast.parse("AddField(*a)", mode="eval").body
    assert isinstance(star, ast.Call)
    assert bind_arguments(star, "AddField") is None


# -- the graph ---------------------------------------------------------------------------


def test_label_from_dependencies_else_the_folder(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {"0001_initial.py": mig(), "0002_x.py": mig(deps=dep("0001_initial", "store"))},
        folder="shop/migrations",
    )
    assert history.label == "store"
    alone = load(tmp_path / "b", {"0001_initial.py": mig()}, folder="blog/migrations")
    assert alone.label == "blog"


def test_a_label_a_migration_names_with_its_own_name_is_another_apps(tmp_path: Path) -> None:
    # waldur's monitoring: 0001_initial depends on ("contenttypes", "0001_initial"), and
    # so does 0002 beside ("monitoring", "0001_initial"): contenttypes got two votes, the
    # folder became contenttypes' and 0001_initial its own parent (a cycle).
    contenttypes = dep("0001_initial", "contenttypes")
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(deps=contenttypes),
            "0002_sla.py": mig(deps=f"{contenttypes}, {dep('0001_initial', 'monitoring')}"),
        },
        folder="monitoring/migrations",
    )
    assert history.label == "monitoring"
    assert history.ancestors("0002_sla") == ["0001_initial", "0002_sla"]


def test_an_initial_migration_that_depends_on_other_apps_initial_ones(tmp_path: Path) -> None:
    # django-crm's planner: 0001_initial depends on two other apps' 0001_initial, 0002 on
    # ("planner", "0001_initial"): three labels got a vote each, and "contacts" won (the
    # first in sorted order); "leads" and "contacts" are named with 0001_initial's own name.
    others = f"{dep('0001_initial', 'leads')}, {dep('0001_initial', 'contacts')}"
    remove_sku = "migrations.RemoveField(model_name='product', name='sku')"
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE, deps=others),
            "0002_x.py": mig(remove_sku, deps=dep("0001_initial", "planner")),
        },
        folder="planner/migrations",
    )
    assert history.label == "planner"
    assert history.ancestors("0002_x") == ["0001_initial", "0002_x"]


def test_ancestors_leaves_and_numbers(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(deps=dep("0001_initial", "auth")),
            "0002_a.py": mig(deps=dep("0001_initial")),
            "0002_b.py": mig(deps=dep("0001_initial") + ", " + dep("__first__", "other")),
            "0003_merge.py": mig(deps=dep("0002_a") + ", " + dep("0002_b")),
            "0004_c.py": mig(deps=dep("0003_merge")),
            "0010_d.py": mig(deps=dep("0004_c")),
            "helper.py": "VALUE = 1\n",
        },
    )
    assert history.ancestors("0004_c") == [
        "0001_initial",
        "0002_a",
        "0002_b",
        "0003_merge",
        "0004_c",
    ]
    assert history.leaves() == ["0010_d", "helper"]
    assert history.next_number() == 11
    assert history.problems == []


def test_files_django_skips_are_not_in_the_history(tmp_path: Path) -> None:
    # Django's loader reads no module whose name starts with "_" or "~" (a helper the
    # migrations import): it is no node of the graph, and no leaf.
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(),
            "0002_a.py": mig(deps=dep("0001_initial")),
            "_helpers.py": "def forwards(apps, schema_editor):\n    pass\n",
            "~0003_b.py": mig(deps=dep("0002_a")),
        },
    )
    assert history.leaves() == ["0002_a"]
    assert sorted(history.files) == ["0001_initial", "0002_a"]


def test_run_before_adds_an_edge(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(),
            "0002_a.py": mig(deps=dep("0001_initial")),
            "0003_early.py": mig(
                deps=dep("0001_initial"),
                body="    run_before = [('shop', '0002_a'), ('other', '0001_x'), ('shop', 'x')]\n",
            ),
        },
    )
    assert history.ancestors("0002_a") == ["0001_initial", "0003_early", "0002_a"]
    assert history.leaves() == ["0002_a"]


def test_next_number_follows_the_highest(tmp_path: Path) -> None:
    history = load(tmp_path, {"0001_initial.py": mig(), "0007_x.py": mig(deps=dep("0001_initial"))})
    assert history.next_number() == 8


def test_cycle(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(deps=dep("0003_c")),
            "0002_b.py": mig(deps=dep("0001_initial")),
            "0003_c.py": mig(deps=dep("0002_b")),
            "0004_d.py": mig(deps=dep("0003_c")),
        },
    )
    assert history.ancestors("0004_d") == (
        "dependency cycle: 0003_c -> 0002_b -> 0001_initial -> 0003_c"
    )
    assert history.state_before("0004_d", ast.Constant(None)) == history.ancestors("0004_d")


def test_missing_dependency(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_x.py": mig(deps=dep("0001_initial") + ", " + dep("0009_gone")),
            "0003_y.py": mig(deps=dep("0002_x")),
        },
    )
    problem = history.problems[0]
    assert (problem.path.name, problem.line) == ("0002_x.py", 1)
    assert problem.message == (
        f"migration history: 0002_x depends on ('shop', '0009_gone'), which is not in "
        f"{tmp_path / 'shop/migrations'}"
    )
    assert len(history.problems) == 1
    reason = "0002_x depends on ('shop', '0009_gone'), which is not in this folder"
    assert history.ancestors("0003_y") == reason
    assert history.ancestors("0001_initial") == ["0001_initial"]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("def broken(:\n", 1, "invalid syntax"),
        ("x = 1\ny = (\n", 2, "'(' was never closed"),
        ("x = '\udcff'\n", 1, "'utf-8' codec can't encode"),
    ],
)
def test_unparsable_file_is_a_problem_and_a_node(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    root = tmp_path / "shop/migrations"
    root.mkdir(parents=True)
    (root / "0001_initial.py").write_text(mig(CREATE))
    (root / "0002_broken.py").write_bytes(text.encode("utf-8", "surrogateescape"))
    (root / "0003_x.py").write_text(mig(deps=dep("0002_broken")))
    history = History.load(root)
    [problem] = history.problems
    assert (problem.path.name, problem.line) == ("0002_broken.py", line)
    assert problem.message.startswith("migration history: cannot parse 0002_broken.py: ")
    broken = history.files["0002_broken"]
    assert broken.parse_error == "0002_broken.py does not parse"
    assert history.next_number() == 4
    assert field(history, "0003_x") == "0002_broken.py does not parse"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("utils.py", "def forwards(apps, schema_editor):\n    pass\n"),
        ("test_it.py", "class MigrationTests:\n    dependencies = [('shop', '0001_initial')]\n"),
        ("broken.py", "def broken(:\n"),
    ],
)
def test_a_module_that_is_no_migration_is_parsed_when_read(
    tmp_path: Path, name: str, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (No ``class Migration``, and not named as a migration: no graph, and not parsed
    # when the history loads; a syntax error is said when the file is read.)
    root = tmp_path / "shop/migrations"
    root.mkdir(parents=True)
    (root / "0001_initial.py").write_text(mig(CREATE))
    (root / name).write_text(text)
    parsed: list[str] = []
    parse = history_module._parse

    def counted(path: Path, *args: object) -> MigrationFile:
        parsed.append(path.name)
        return parse(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(history_module, "_parse", counted)
    history = History.load(root)
    assert parsed == []
    assert history.problems == []
    assert history.ancestors(Path(name).stem) == [Path(name).stem]
    assert history.files[Path(name).stem].dependencies == []
    assert parsed == [name]
    broken = name == "broken.py"
    assert [p.path.name for p in history.problems] == (["broken.py"] if broken else [])


def test_recursion_while_parsing_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def deep(*args: object, **kwargs: object) -> ast.Module:
        raise RecursionError

    root = tmp_path / "shop/migrations"
    root.mkdir(parents=True)
    (root / "0001_initial.py").write_text(mig())
    monkeypatch.setattr("migration_fixer.history.ast.parse", deep)
    history = History.load(root)
    assert history.problems == []  # (its graph is read from the text)
    assert history.files["0001_initial"].parse_error == "0001_initial.py does not parse"
    monkeypatch.undo()
    assert [p.message for p in history.problems] == [
        "migration history: cannot parse 0001_initial.py: the code is nested too deeply for "
        "Python's parser"
    ]


# -- squashed migrations -----------------------------------------------------------------

SQUASH = mig(
    "migrations.CreateModel('Product', [('sku', models.TextField())])",
    body="    replaces = [('shop', '0001_initial'), ('shop', '0002_alter')]\n",
)
ALTER = mig("migrations.AlterField('product', 'sku', models.TextField())", deps=dep("0001_initial"))


def test_squash_with_its_originals(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_alter.py": ALTER,
            "0001_squashed_0002_alter.py": SQUASH,
            "0003_on_original.py": mig(deps=dep("0002_alter")),
            "0003_on_squash.py": mig(deps=dep("0001_squashed_0002_alter")),
            "0004_on_both.py": mig(deps=dep("0003_on_original") + ", " + dep("0003_on_squash")),
        },
    )
    assert history.ancestors("0003_on_original") == [
        "0001_initial",
        "0002_alter",
        "0003_on_original",
    ]
    assert history.ancestors("0003_on_squash") == ["0001_squashed_0002_alter", "0003_on_squash"]
    # Both: the originals are replayed, not the squash on top of them.
    assert history.ancestors("0004_on_both") == [
        "0001_initial",
        "0002_alter",
        "0003_on_original",
        "0003_on_squash",
        "0004_on_both",
    ]
    assert field(history, "0004_on_both") == "models.TextField()"
    assert history.leaves() == ["0004_on_both"]
    assert history.problems == []


def test_squash_without_its_originals(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_squashed_0002_alter.py": SQUASH,
            # Written before the squash: depends on a replaced migration that is gone.
            "0003_x.py": mig(deps=dep("0002_alter")),
        },
    )
    assert history.problems == []
    assert history.ancestors("0003_x") == ["0001_squashed_0002_alter", "0003_x"]
    assert field(history, "0003_x") == "models.TextField()"
    assert history.leaves() == ["0003_x"]
    assert history.label == "shop"


def _described(state: FieldState) -> tuple[object, ...]:
    renamed = sorted(state.renamed_models.items())
    return (state.model, state.name, ast.unparse(state.expr), renamed)


def test_replay_answers_do_not_depend_on_what_was_asked_before(tmp_path: Path) -> None:
    """The replay resumes from saved states: whatever order the questions come in, every
    answer is the one a fresh replay gives."""
    fk = (
        "migrations.AddField('product', 'kind', models.ForeignKey('shop.Category', models.CASCADE))"
    )
    files = {
        "0001_initial.py": mig(CREATE, "migrations.CreateModel('Category', [])", fk),
        "0002_a.py": mig(
            "migrations.RenameField('product', 'sku', 'code')",
            "migrations.RenameModel('Category', 'Kind')",
            "migrations.RemoveField('product', 'code')",
            deps=dep("0001_initial"),
        ),
        "0003_b.py": mig(
            "migrations.RenameModel('Product', 'Item')",
            "migrations.AddField('item', 'code', models.IntegerField())",
            "migrations.RemoveField('item', 'kind')",
            deps=dep("0002_a"),
        ),
        "0004_c.py": mig("migrations.RemoveField('item', 'code')", deps=dep("0003_b")),
    }
    shared = load(tmp_path / "shared", files)
    questions = [
        (name, index)
        for name, migration in sorted(shared.files.items())
        for index in range(len(migration.operations or ()))
    ]

    def answer(history: History, name: str, index: int) -> object:
        operations = history.files[name].operations
        assert operations is not None
        state = history.state_before(name, operations[index])
        assert isinstance(state, State)
        return {
            key: (model.name, {k: _described(f) for k, f in model.fields.items()})
            for key, model in state.models.items()
        }

    for order in (questions, questions[::-1], questions[1::2] + questions[::2]):
        for name, index in order:
            fresh = load(tmp_path / f"fresh-{name}-{index}", files)
            assert answer(shared, name, index) == answer(fresh, name, index)


def test_a_replay_does_not_search_a_migration_known_to_change_other_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a replay has read a migration, a replay for another model skips it by the
    models its operations change, without searching its text again."""
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(
                CREATE, "migrations.CreateModel('Category', [('title', models.TextField())])"
            ),
            "0002_a.py": mig(
                "migrations.AlterField('category', 'title', models.CharField(max_length=5))",
                deps=dep("0001_initial"),
            ),
            "0003_b.py": mig(
                "migrations.RemoveField('product', 'sku')",
                "migrations.RemoveField('category', 'title')",
                deps=dep("0002_a"),
            ),
        },
    )
    operations = history.files["0003_b"].operations
    assert operations is not None
    category = history.state_before("0003_b", operations[1], "Category")
    assert isinstance(category, State)
    title = category.lookup("Category", "title")
    assert isinstance(title, FieldState)
    assert ast.unparse(title.expr) == "models.CharField(max_length=5)"
    searched: list[str] = []
    search = history_module._Source.cannot_touch

    def spy(source: history_module._Source, aliases: frozenset[str]) -> bool:
        searched.append(source.path.stem)
        return search(source, aliases)

    monkeypatch.setattr("migration_fixer.history._Source.cannot_touch", spy)
    product = history.state_before("0003_b", operations[0], "Product")
    assert searched == ["0001_initial"]  # (not 0002_a: it changes `category` only)
    assert isinstance(product, State)
    sku = product.lookup("Product", "sku")
    assert isinstance(sku, FieldState)
    assert ast.unparse(sku.expr) == "models.CharField(max_length=9)"


def test_descendants_of_a_migration_in_a_diamond(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(),
            "0002_a.py": mig(deps=dep("0001_initial")),
            "0002_b.py": mig(deps=dep("0001_initial")),
            "0003_merge.py": mig(deps=dep("0002_a") + ", " + dep("0002_b")),
        },
    )
    assert history.descendants("0001_initial") == ["0002_a", "0002_b", "0003_merge"]
    assert history.descendants("0002_a") == ["0003_merge"]
    assert history.descendants("0003_merge") == []


@pytest.mark.parametrize(
    ("later", "found"),
    [
        ("migrations.RunPython(*ops)", None),
        ("migrations.RunSQL('x', 'y')", None),
        ("migrations.RunPython(print)", None),
        ("migrations.AddField('product', 'other', models.IntegerField())", None),
        ("migrations.AlterField('product', 'sku', models.IntegerField())", ("0003_b", "")),
        ("migrations.RenameField('product', 'old', 'sku')", ("0003_b", "")),
        ("migrations.DeleteModel('Other')", None),
        ("migrations.RenameModel('Product', 'Item')", ("0003_b", "")),
        (
            "migrations.DeleteModel(NAME)",
            ("0003_b", "0003_b: `DeleteModel` with non-literal names"),
        ),
        ("migrations.SeparateDatabaseAndState(database_operations=[])", None),
        (
            "migrations.SeparateDatabaseAndState(state_operations=["
            "migrations.DeleteModel('Other')])",
            None,
        ),
        (
            "migrations.RunSQL('x', state_operations=[migrations.DeleteModel('Product')])",
            ("0003_b", ""),
        ),
        ("migrations.CreateModel('Other', [])", None),
        ("print('x')", None),
    ],
)
def test_first_change_after(tmp_path: Path, later: str, found: tuple[str, str] | None) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_a.py": mig(deps=dep("0001_initial")),
            "0003_b.py": mig(later, deps=dep("0002_a"), head="NAME = make()\n"),
        },
    )
    change = history.first_change_after("0002_a", "Product", "sku")
    assert (None if change is None else (change.migration, change.unknown)) == found
    assert history.first_change_after("0003_b", "Product", "sku") is None


def test_history_from_sources_reads_nothing_from_disk(tmp_path: Path) -> None:
    folder = tmp_path / "absent" / "migrations"
    history = History.from_sources(
        folder, {"0001_initial.py": mig(CREATE), "0002_x.py": "def broken(:\n"}
    )
    assert not folder.exists()
    assert history.files["0001_initial"].parse_error == ""
    assert history.files["0002_x"].parse_error == "0002_x.py does not parse"
    assert history.files["0002_x"].unreadable == "0002_x.py does not parse"
    assert history.problems == []


@pytest.mark.parametrize(
    ("text", "dependencies", "replaces", "skippable"),
    [
        (
            'print "python 2"\nclass Migration(migrations.Migration):\n'
            "    dependencies = [('shop', '0001_initial')]\n"
            "    replaces = (\n        ('shop', '0001_a'),\n        ('shop', '0001_b'),\n    )\n",
            [("shop", "0001_initial")],
            [("shop", "0001_a"), ("shop", "0001_b")],
            True,
        ),
        ('print "x"\ndependencies = [d for d in DEPS]\nreplaces = [x y]\n', [], [], False),
        ('print "x"\nclass Migration:\n    dependencies = []\n', [], [], True),
        ('print "x"\ndependencies = DEPS\ns = """never closed\n', [], [], False),
        ("", [], [], False),
    ],
    ids=["literal", "not-literal", "initial", "tokenizer-error", "unread"],
)
def test_a_migration_that_does_not_parse_keeps_its_literal_graph(
    text: str,
    dependencies: list[tuple[str, str]],
    replaces: list[tuple[str, str]],
    skippable: bool,
) -> None:
    """What the replay may go past: its dependencies are known, and its text names the
    models it may change."""
    migration = MigrationFile.unparsed(Path("0002_x.py"), text)
    assert (migration.dependencies, migration.replaces) == (dependencies, replaces)
    assert migration.parse_error == "0002_x.py does not parse"
    assert migration.skippable is skippable
    assert migration.cannot_touch("Product") is skippable
    assert migration.cannot_touch("PRINT") is False


BROKEN = 'print "a Python 2 statement"\n'


def test_the_replay_for_a_model_reads_only_what_may_change_it(tmp_path: Path) -> None:
    other = "migrations.CreateModel(name='Order', fields=[('id', models.AutoField())])"
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_order.py": mig(other, deps=dep("0001_initial")) + BROKEN,
            "0003_x.py": mig(deps=dep("0002_order")),
        },
    )
    # The graph is read from the text: nothing is parsed yet, nothing reported.
    assert history.problems == []
    assert history.ancestors("0003_x") == ["0001_initial", "0002_order", "0003_x"]
    state = history.state_before("0003_x", ast.Constant(None), "Product")
    assert isinstance(state, State)
    found = state.lookup("Product", "sku")
    assert isinstance(found, FieldState)
    assert found.source.name == "0001_initial"
    assert list(state.models) == ["product"]  # the other models are not kept
    # 0002 cannot change Product: it was not parsed, its syntax error is not reported.
    assert history.problems == []
    # For its own model it is read: it does not parse, and names it.
    state = history.state_before("0003_x", ast.Constant(None), "order")
    assert isinstance(state, State)
    assert state.lookup("order", "id") == "0002_order.py does not parse, and its text names `order`"
    [problem] = history.problems
    assert problem.message.startswith("migration history: cannot parse 0002_order.py: ")
    # The same state again: from the saved one.
    again = history.state_before("0003_x", ast.Constant(None), "order")
    assert isinstance(again, State)
    assert again.lookup("order", "id") == state.lookup("order", "id")


def test_a_field_class_imported_from_a_package_does_not_make_a_migration_read(
    tmp_path: Path,
) -> None:
    tagged = (
        "migrations.CreateModel(name='Order', fields=[('tags', taggit.managers.TaggableManager())])"
    )
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_order.py": mig(tagged, deps=dep("0001_initial"), head="import taggit.managers\n")
            + BROKEN,
            "0003_tags.py": mig(
                "migrations.AddField('order', 'more', taggit.managers.TaggableManager())",
                "taggit.managers.AddTagsField('product')",
                deps=dep("0002_order"),
                head="import taggit.managers\n",
            ),
            "0004_x.py": mig(deps=dep("0003_tags")),
        },
    )
    first = (history.files["0003_tags"].operations or [])[0]
    state = history.state_before("0003_tags", first, "Product")
    assert isinstance(state, State)
    found = state.lookup("Product", "sku")
    assert isinstance(found, FieldState)
    assert found.source.name == "0001_initial"
    # 0002 uses the import in a field definition only: not parsed, its syntax error not
    # reported. 0003 calls something the package defines as an operation: read.
    assert history.problems == []
    state = history.state_before("0004_x", ast.Constant(None), "Product")
    assert isinstance(state, State)
    assert state.lookup("Product", "sku") == (
        "0003_tags: custom operation `taggit.managers.AddTagsField` may change fields"
    )
    assert history.problems == []


def test_the_replay_for_a_model_applies_only_its_operations(tmp_path: Path) -> None:
    # 0002 must be read (a class), but only what it does to `product` is applied.
    order = "migrations.CreateModel(name='Order', fields=[('id', models.AutoField())])"
    alter = "migrations.AlterField('product', 'sku', models.TextField())"
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_x.py": mig(order, alter, deps=dep("0001_initial"), head="class A:\n    pass\n"),
            "0003_y.py": mig(deps=dep("0002_x")),
        },
    )
    state = history.state_before("0003_y", ast.Constant(None), "product")
    assert isinstance(state, State)
    assert list(state.models) == ["product"]
    assert field(history, "0003_y") == "models.TextField()"


def test_a_later_migration_that_cannot_change_the_model_is_not_read(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_x.py": mig("migrations.RunSQL('SELECT 1')", deps=dep("0001_initial")) + BROKEN,
            "0003_y.py": mig(
                "migrations.RunPython(forwards)",
                "migrations.AlterField('product', 'sku', models.TextField())",
                deps=dep("0002_x"),
            ),
        },
    )
    change = history.first_change_after("0001_initial", "product", "sku")
    assert change is not None
    assert (change.migration, change.unknown) == ("0003_y", "")
    assert history.problems == []


def test_extended_history_has_the_new_migrations(tmp_path: Path) -> None:
    history = load(tmp_path, {"0001_initial.py": mig(CREATE)})
    text = mig(deps=dep("0001_initial"))
    new = read_migration(tmp_path / "0002_new.py", text, ast.parse(text))
    assert history.extended([new]).leaves() == ["0002_new"]
    assert history.leaves() == ["0001_initial"]


def test_a_read_migration_whose_operations_change_other_models_is_passed(
    tmp_path: Path,
) -> None:
    # Read (it defines a class), but its operations change `order` only; the next one
    # has an operation that may change any model.
    add = "migrations.AddField('order', 'note', models.TextField())"
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_x.py": mig(add, deps=dep("0001_initial"), head="class A:\n    pass\n"),
            "0003_y.py": mig("CustomField()", deps=dep("0002_x")),
        },
    )
    assert field(history, "0002_x") == "models.CharField(max_length=9)"
    state = history.state_before("0003_y", ast.Constant(None), "product")
    assert isinstance(state, State)
    assert state.lookup("product", "sku") == (
        "0003_y: custom operation `CustomField` may change fields"
    )


def test_the_renames_are_read_from_the_operations_the_replay_applies(tmp_path: Path) -> None:
    rename = "migrations.RenameModel('Item', 'Product')"
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE.replace("'Product'", "'Item'")),
            "0002_x.py": mig(
                "migrations.RunPython(f, *a)",
                f"migrations.RunSQL('', state_operations=[{rename}])",
                deps=dep("0001_initial"),
            ),
            "0003_y.py": mig(deps=dep("0002_x")),
        },
    )
    for _ in range(2):  # (the second time from what the first one read)
        state = history.state_before("0003_y", ast.Constant(None), "product")
        assert isinstance(state, State)
        found = state.lookup("product", "sku")
        assert isinstance(found, FieldState)
        assert found.source.name == "0001_initial"


def test_a_model_named_at_run_time_makes_every_model_unknown(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_x.py": mig(
                "migrations.AddField(model_name=M, name='x', field=None)", deps=dep("0001_initial")
            ),
            "0003_y.py": mig(deps=dep("0002_x")),
        },
    )
    for model in ("product", "order"):  # (the second replay from what the first one read)
        state = history.state_before("0003_y", ast.Constant(None), model)
        assert isinstance(state, State)
        assert state.lookup(model, "sku") == "0002_x: `AddField` with non-literal names"


def test_the_run_reports_a_file_the_replay_read_that_does_not_parse(tmp_path: Path) -> None:
    alter = "migrations.AlterField('product', 'sku', models.TextField())"
    remove = "migrations.RemoveField('product', 'sku')"
    files = {
        "0001_initial.py": mig(CREATE),
        "0002_x.py": mig(alter, deps=dep("0001_initial")) + BROKEN,
        "0003_y.py": mig("migrations.RunSQL('SELECT 1')", deps=dep("0002_x")) + BROKEN,
        "0004_z.py": mig(remove, deps=dep("0003_y")),
    }
    root = load(tmp_path, files).folder
    options = Options(select=frozenset({"MF003"}), rewrite=False)
    result = process_file(root / "0004_z.py", options)
    # 0002 names the model: read, and reported; 0003 cannot change it: neither.
    assert [(p.path.name, p.message[:46]) for p in result.problems] == [
        ("0002_x.py", "migration history: cannot parse 0002_x.py: Mis")
    ]
    assert [f.message for f in result.findings] == [
        "cannot determine whether removing `product.sku` can be rolled back: 0002_x.py does "
        "not parse, and its text names `Product`"
    ]


def test_the_replay_for_a_model_leaves_the_other_models_out_of_each_branch(
    tmp_path: Path,
) -> None:
    alter = "migrations.AlterField('product', 'sku', models.TextField())"
    body = (
        f"    dependencies = [{dep('0001_initial')}]\n"
        "    if settings.DEBUG:\n"
        f"        operations = [migrations.CreateModel(name='Order', fields=[]), {alter}]\n"
        "    else:\n"
        f"        operations = [{alter}]\n"
    )
    history = load(
        tmp_path,
        {
            "0001_initial.py": mig(CREATE),
            "0002_x.py": cls(body, head="from django.conf import settings\n\n\n"),
            "0003_y.py": mig(deps=dep("0002_x")),
        },
    )
    state = history.state_before("0003_y", ast.Constant(None), "product")
    assert isinstance(state, State)
    assert list(state.models) == ["product"]
    found = state.lookup("product", "sku")
    assert isinstance(found, FieldState)
    assert ast.unparse(found.expr) == "models.TextField()"
    assert after(history, "0003_y").lookup("order", "id") == (
        "model `Order` is not the same after each branch of the `if` at line 9 of 0002_x"
    )


def test_the_history_takes_the_trees_the_run_parsed(tmp_path: Path) -> None:
    odd = "from django.db import migrations\n\n\nclass Migration(migrations.Migration): pass\n"
    files = {
        "0001_initial.py": mig(CREATE),
        "0002_x.py": mig(deps=dep("0001_initial")),
        "0003_odd.py": odd,  # (its graph is read from its parse)
        "0004_broken.py": mig(deps=dep("0002_x")) + BROKEN,
    }
    root = load(tmp_path, files).folder
    trees = {name: ast.parse(text) for name, text in files.items() if name != "0004_broken.py"}
    stale = files["0002_x.py"] + "# changed since\n"
    parsed = {
        root / "0001_initial.py": (files["0001_initial.py"], trees["0001_initial.py"]),
        root / "0002_x.py": (stale, ast.parse(stale)),
        root / "0003_odd.py": (odd, trees["0003_odd.py"]),
    }
    history = History.load(root, parsed)
    assert parsed == {}  # (taken)
    assert history.parsed_tree("0001_initial", files["0001_initial.py"]) is trees["0001_initial.py"]
    assert history.files["0001_initial"].tree is trees["0001_initial.py"]
    assert history.files["0003_odd"].tree is trees["0003_odd.py"]
    # Parsed from another text: not taken, and not given for another text.
    assert history.parsed_tree("0002_x", files["0002_x.py"]) is None
    assert history.parsed_tree("0002_x", stale) is None
    assert history.parsed_tree("0009_gone", stale) is None
    history.adopt("0002_x", files["0002_x.py"], trees["0002_x.py"])
    assert history.parsed_tree("0002_x", files["0002_x.py"]) is trees["0002_x.py"]
    assert history.files["0002_x"].tree is trees["0002_x.py"]
    history.adopt("0002_x", files["0002_x.py"], ast.parse(files["0002_x.py"]))  # read already
    assert history.files["0002_x"].tree is trees["0002_x.py"]
    history.adopt("0009_gone", stale, trees["0002_x.py"])
    assert history.files["0004_broken"].parse_error == "0004_broken.py does not parse"
    assert history.parsed_tree("0004_broken", files["0004_broken.py"]) is None


def test_only_the_regular_python_files_of_the_folder_are_read(tmp_path: Path) -> None:
    root = tmp_path / "shop/migrations"
    root.mkdir(parents=True)
    for name in ("0002_b.py", "0001_a.py", "0010_c.py", "__init__.py", "notes.txt", "0003.PY"):
        (root / name).write_text(mig())
    (root / "0004_folder.py").mkdir()
    os.mkfifo(root / "0005_fifo.py")  # (reading it would block)
    (root / "0006_loop.py").symlink_to(root / "0006_loop.py")  # (its type cannot be told)
    (root / "0007_link.py").symlink_to(root / "0001_a.py")
    history = History.load(root)
    assert list(history.files) == ["0001_a", "0002_b", "0007_link", "0010_c"]
    assert history.problems == []
    assert list(History.load(tmp_path / "missing").files) == []


def test_fields_in_a_unique_group_are_read_from_the_texts() -> None:
    sources = {
        "0001_initial.py": mig(
            'migrations.CreateModel("Item", [("id", models.AutoField(primary_key=True))], '
            "options={'unique_together': {('group', 'kind')}})",
        ),
        "0002_more.py": mig(
            'migrations.AlterUniqueTogether(name="item", unique_together=set([("a", "b")]))',
            "migrations.AddConstraint(\"item\", models.UniqueConstraint(fields=['c'], name='u'))",
            'migrations.AlterUniqueTogether(name="other", unique_together=None)',
            deps='("shop", "0001_initial")',
        ),
    }
    history = History.from_sources(Path("shop/migrations"), sources)
    assert [history.in_unique_group(n) for n in ("group", "kind", "a", "b", "c")] == [True] * 5
    assert [history.in_unique_group(n) for n in ("id", "item", "other")] == [False] * 3


def test_unique_groups_read_from_text_that_never_closes_its_brackets() -> None:
    from migration_fixer.history import _grouped_names

    assert _grouped_names("UniqueConstraint(" * 3 + "fields=['a']") == {"a"}
    assert _grouped_names("unique_together = [('a', 'b')] x = UniqueConstraint(('c'") == {
        "a",
        "b",
        "c",
    }
