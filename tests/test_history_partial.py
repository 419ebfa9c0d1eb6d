"""The replay for a model through migrations parsed with the operations that cannot
change it blanked out (operations_text): the same state as through their full parse, and
the trees the rules get are always the full ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migration_fixer import operations_text
from migration_fixer.history import FieldState, History, State

FOLDER = Path("shop/migrations")


@pytest.fixture(autouse=True)
def scan_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operations_text, "WORTH_SCANNING", 0)


def mig(*operations: str, deps: str = "", head: str = "") -> str:
    ops = "".join(f"        {op},\n" for op in operations)
    return (
        f"from django.db import migrations, models\n{head}\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [{deps}]\n"
        f"    operations = [\n{ops}    ]\n"
    )


def create(model: str, *fields: str) -> str:
    pairs = ", ".join(f"('{f}', models.CharField(max_length={len(f)}))" for f in fields)
    return f"migrations.CreateModel(name='{model}', fields=[('id', models.AutoField()), {pairs}])"


INITIAL = mig(
    create("Shop", "title"),
    create("Product", "sku", "colour"),
    create("Order", "number"),
    "migrations.AddIndex(model_name='order', index=models.Index(fields=['number'], name='n'))",
    "migrations.AlterField(model_name='product', name='sku', field=models.TextField())",
    "migrations.AddField(model_name='shop', name='owner', field=models.CharField())",
)
SOURCES = {
    "0001_initial.py": INITIAL,
    "0002_remove.py": mig(
        "migrations.RemoveField(model_name='product', name='sku')",
        "migrations.RemoveField(model_name='shop', name='title')",
        deps='("shop", "0001_initial")',
    ),
}


def removal(history: History, index: int) -> ast.expr:
    operations = history.files["0002_remove"].operations
    assert operations is not None
    return operations[index]


def defined(state: State | str, model: str, field: str) -> tuple[str, str, str, str]:
    assert isinstance(state, State)
    found = state.lookup(model, field)
    assert isinstance(found, FieldState)
    return (
        found.model,
        found.name,
        ast.dump(found.expr, include_attributes=True),
        ast.get_source_segment(found.source.text, found.expr) or "",
    )


def test_a_replay_through_a_partial_parse_finds_what_the_full_parse_finds() -> None:
    partial = History.from_sources(FOLDER, SOURCES)
    full = History.from_sources(FOLDER, SOURCES)
    initial = full.files["0001_initial"]  # parsed in full beforehand: read in full
    for index, (model, field) in enumerate([("Product", "sku"), ("Shop", "title")]):
        assert defined(
            partial.state_before("0002_remove", removal(partial, index), model), model, field
        ) == defined(full.state_before("0002_remove", removal(full, index), model), model, field)
    source = partial._sources["0001_initial"]
    assert source.parsed is None
    assert list(source.partials) == [frozenset({"product", "shop"})]
    read = source.partials[frozenset({"product", "shop"})]
    assert read is not None
    assert read.operations is not None
    assert [ast.unparse(op)[:40] for op in read.operations] == [
        ast.unparse(op)[:40]
        for op in (initial.operations or [])
        if "order" not in ast.unparse(op).lower()
    ]
    assert read.text.splitlines()[-6] == initial.text.splitlines()[-6]
    assert len(read.text.splitlines()) == len(INITIAL.splitlines())
    # The rules never get the partial tree: the file is parsed in full when they ask.
    assert partial.parsed_tree("0001_initial", INITIAL) is None
    assert partial.files["0001_initial"].operations is not None
    assert len(partial.files["0001_initial"].operations or []) == 6


def test_a_model_the_partial_parse_left_out_is_read_from_the_full_parse() -> None:
    history = History.from_sources(FOLDER, SOURCES)
    state = history.state_before("0002_remove", removal(history, 0), "Product")
    assert defined(state, "Product", "sku")[3] == "models.TextField()"
    assert history._sources["0001_initial"].parsed is None
    # ``Order`` is removed nowhere: the partial parse left it out, the file is read in full.
    state = history.state_before("0002_remove", removal(history, 0), "Order")
    assert defined(state, "Order", "number")[3] == "models.CharField(max_length=6)"
    assert history._sources["0001_initial"].parsed is not None
    state = history.state_before("0002_remove", removal(history, 1), "Shop")
    assert defined(state, "Shop", "owner")[3] == "models.CharField()"


def test_a_file_of_another_shape_a_rule_scans_or_must_read_keeps_is_read_in_full() -> None:
    built = mig(create("Product", "sku")).replace("operations = [", "operations = OPS + [")
    for initial in (
        built.replace("class Migration", "OPS = []\n\n\nclass Migration"),
        mig(
            create("Product", "sku"),
            create("Order", "n"),
            create("Shop", "t"),
            "migrations.RunPython(f)",
        ),
        mig(
            create("Product", "sku"),
            create("Order", "n"),
            create("Shop", "t"),
            "custom()",
            head="from shop.ops import custom\n",
        ),
    ):
        history = History.from_sources(FOLDER, {**SOURCES, "0001_initial.py": initial})
        state = history.state_before("0002_remove", removal(history, 0), "Product")
        assert defined(state, "Product", "sku")[3] == "models.CharField(max_length=3)"
        source = history._sources["0001_initial"]
        assert source.parsed is not None
        assert all(read is None for read in source.partials.values())


def test_a_syntax_error_the_partial_parse_meets_is_said_by_the_full_parse() -> None:
    broken = create("Product", "sku").replace("max_length=3", "max_length=3 3")
    initial = mig(broken, create("Order", "n"), create("Shop", "t"), create("Box", "t"))
    history = History.from_sources(FOLDER, {**SOURCES, "0001_initial.py": initial})
    state = history.state_before("0002_remove", removal(history, 0), "Product")
    assert isinstance(state, State)
    assert state.lookup("Product", "sku") == (
        "0001_initial.py does not parse, and its text names `Product`"
    )
    source = history._sources["0001_initial"]
    assert list(source.partials.values()) == [None]
    assert source.parsed is not None
    assert source.parsed.parse_error == "0001_initial.py does not parse"
