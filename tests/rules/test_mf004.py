"""MF004 shape by shape: what is flagged (with the exact message and hint), what is fixed
(with the exact output), and what is left alone; and how it shares a call with MF001."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from migration_fixer.api import check_source, fix_source
from migration_fixer.history import History
from migration_fixer.rule import (
    AddArgument,
    Applicability,
    FileContext,
    Finding,
    Fix,
    InsertStatements,
    ReplaceArgument,
)
from migration_fixer.rules import mf004_runpython_rerun as mf004_rule
from migration_fixer.rules.mf004_runpython_rerun import _Module
from migration_fixer.runner import FileResult, Options, one_fix_per_call, process_source
from migration_fixer.source import SourceFile

MF004 = frozenset({"MF004"})
BOTH = frozenset({"MF001", "MF004"})

HEAD = "from django.db import migrations\n\n\n"
FHEAD = "from django.db import migrations\nfrom django.db.models import F\n\n\n"
CREATES = "creates rows without checking for existing ones"
TWICE = "after a rollback, migrating again creates them twice or fails on a unique key"
NOOP = "`RunPython` has a no-op reverse, but"
MISSING = "`RunPython` without a reverse, where a no-op is not enough:"
ADVICE = (
    "; write a reverse function that deletes the rows, or make `{}` safe to run twice "
    "(`get_or_create`, `bulk_create(..., ignore_conflicts=True)`)"
)


def module(function: str, operation: str, head: str = HEAD) -> str:
    migration = f"class Migration(migrations.Migration):\n    operations = [{operation}]\n"
    return f"{head}{function}\n\n{migration}"


def mf004(source: str) -> list[Finding]:
    return [f for f in check_source(source, select=MF004)]


def one(source: str) -> Finding:
    found = mf004(source)
    assert len(found) == 1, found
    return found[0]


def assert_reverse_written(
    forward: str, reverse: str, head: str = HEAD, *, unsafe_fixes: bool = False
) -> None:
    """In a migration running ``forward`` (the function ``def name(...)``) without a reverse,
    MF004's fix writes exactly ``reverse`` (``undo_name``) after it as the reverse."""
    name = forward.removeprefix("def ").split("(", 1)[0]
    before = module(forward, f"migrations.RunPython({name})", head)
    assert fix_source(before, select=MF004, unsafe_fixes=unsafe_fixes) == module(
        f"{forward}\n\n{reverse}", f"migrations.RunPython({name}, reverse_code=undo_{name})", head
    )


SEED = (
    "def seed(apps, schema_editor):\n"
    '    Country = apps.get_model("geo", "Country")\n'
    '    Country.objects.create(code="fr", name="France")\n'
)
UNDO_SEED = (
    "def undo_seed(apps, schema_editor):\n"
    '    Country = apps.get_model("geo", "Country")\n'
    '    Country.objects.filter(code="fr", name="France").delete()\n'
)


# -- which reverses are no-ops ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "missing"),
    [
        pytest.param("migrations.RunPython(seed)", True, id="missing"),
        pytest.param("migrations.RunPython(seed, None)", True, id="none-positional"),
        pytest.param("migrations.RunPython(code=seed, reverse_code=None)", True, id="none-kw"),
        pytest.param("migrations.RunPython(seed, migrations.RunPython.noop)", False, id="noop"),
        pytest.param("migrations.RunPython(seed, lambda apps, se: None)", False, id="lambda"),
        pytest.param("migrations.RunPython(seed, lambda *args: ...)", False, id="lambda-ellipsis"),
        pytest.param("migrations.RunPython(seed, nothing)", False, id="pass-function"),
        pytest.param("migrations.RunPython(seed, returns)", False, id="return-function"),
        pytest.param("migrations.RunPython(seed, NOOP)", False, id="alias-of-noop"),
    ],
)
def test_noop_reverses_are_recognised(operation: str, missing: bool) -> None:
    extra = (
        '\ndef nothing(apps, schema_editor):\n    """Nothing to undo."""\n    pass\n'
        "\n\ndef returns(apps, schema_editor):\n    return None\n\n"
        "\nNOOP = migrations.RunPython.noop\n"
    )
    found = one(module(SEED + extra, operation))
    start = MISSING if missing else NOOP
    assert found.message == (
        f"{start} `seed` {CREATES} (`Country.objects.create`, line 6): {TWICE}"
    )
    assert found.fixable


@pytest.mark.parametrize(
    "reverse",
    [
        "undo",  # a real reverse
        "lambda apps, schema_editor: print(apps)",
        "helpers.undo",  # not this module's
        "migrations.RunSQL.noop",  # not RunPython's
        "0",
    ],
)
def test_real_or_unknown_reverses_are_left_alone(reverse: str) -> None:
    undo = (
        "\ndef undo(apps, schema_editor):\n"
        '    apps.get_model("geo", "Country").objects.all().delete()\n'
    )
    source = module(SEED + undo, f"migrations.RunPython(seed, {reverse})")
    assert mf004(source) == []


# -- what makes a forward function unsafe to run twice -----------------------------------------


@pytest.mark.parametrize(
    ("body", "call", "line"),
    [
        pytest.param(
            '    Country.objects.bulk_create([Country(code="fr")], ignore_conflicts=False)\n',
            "Country.objects.bulk_create",
            7,
            id="bulk-create-conflicts-false",
        ),
        pytest.param(
            '    Country(code="fr").save()\n',
            "Country(...).save",
            7,
            id="save-of-new-instance",
        ),
        pytest.param(
            '    country = Country(code="fr")\n    country.save()\n',
            "country.save",
            8,
            id="save-of-new-instance-variable",
        ),
        pytest.param(
            '    for code in ["fr", "de"]:\n        region.countries.create(code=code)\n',
            "region.countries.create",
            8,
            id="related-manager",
        ),
        pytest.param(
            "    qs = Country.objects.using(schema_editor.connection.alias)\n"
            '    qs.create(code="fr")\n',
            "qs.create",
            8,
            id="manager-variable",
        ),
        pytest.param(
            '    if schema_editor.connection.vendor == "sqlite":\n'
            '        Country.objects.create(code="fr")\n',
            "Country.objects.create",
            8,
            id="an-if-that-is-no-existence-check",
        ),
        pytest.param(
            "    create = Country.objects.using(schema_editor.connection.alias).create\n"
            '    for code in ["fr", "de"]:\n        create(code=code)\n',
            "Country.objects.using(...).create",
            9,
            id="method-bound-to-a-name",  # django-cms 0030's ``create_url``
        ),
        pytest.param(
            '    add = Country.objects.bulk_create\n    add([Country(code="fr")])\n',
            "Country.objects.bulk_create",
            8,
            id="bulk-create-bound-to-a-name",
        ),
        pytest.param(
            # wagtail's 0005_add_page_lock_permission_to_moderators: the check is of
            # another model, and catching DoesNotExist stops nothing from running again.
            '    Group = apps.get_model("auth", "Group")\n'
            "    try:\n"
            '        group = Group.objects.get(name="Moderators")\n'
            '        Country.objects.create(code="fr", group=group)\n'
            "    except Group.DoesNotExist:\n        pass\n",
            "Country.objects.create",
            10,
            id="after-a-check-of-another-model",
        ),
        pytest.param(
            '    Group = apps.get_model("auth", "Group")\n'
            '    if not Group.objects.filter(name="x").exists():\n        return\n'
            '    Country.objects.create(code="fr")\n',
            "Country.objects.create",
            10,
            id="after-an-early-return-on-another-model",
        ),
        pytest.param(
            '    try:\n        Country.objects.create(code="fr")\n'
            "    except ObjectDoesNotExist:\n        pass\n",
            "Country.objects.create",
            8,
            id="in-a-try-that-catches-does-not-exist",
        ),
        pytest.param(
            '    handlers[0](code="fr")\n    Country.objects.create(code="fr")\n',
            "Country.objects.create",
            8,
            id="after-a-call-of-an-element",
        ),
        pytest.param(
            "    global CODE\n    Country.objects.create(code=CODE)\n",
            "Country.objects.create",
            8,
            id="after-a-global-statement",
        ),
    ],
)
def test_creations_are_flagged(body: str, call: str, line: int) -> None:
    function = (
        "def seed(apps, schema_editor):\n"
        '    Country = apps.get_model("geo", "Country")\n'
        '    region = apps.get_model("geo", "Region").objects.first\n' + body
    )
    found = one(module(function, "migrations.RunPython(seed, migrations.RunPython.noop)"))
    assert found.message == f"{NOOP} `seed` {CREATES} (`{call}`, line {line}): {TWICE}"
    assert not found.fixable


@pytest.mark.parametrize(
    "statement",
    [
        "schema_editor.execute(\"INSERT INTO geo_country (code) VALUES ('fr')\")",
        "schema_editor.execute(SQL)",
        "schema_editor.execute(f\"INSERT INTO {table} (code) VALUES ('fr')\")",
    ],
)
def test_insert_through_sql_is_flagged(statement: str) -> None:
    function = (
        "def seed(apps, schema_editor):\n"
        '    table = "geo_country"\n'
        "    SQL = \"insert into geo_country (code) values ('fr')\"\n"
        f"    {statement}\n"
    )
    found = one(module(function, "migrations.RunPython(seed, migrations.RunPython.noop)"))
    assert found.message == (
        f"{NOOP} `seed` inserts rows with SQL without checking for existing ones "
        f"(`schema_editor.execute`, line 7): {TWICE}"
    )
    assert found.hint == (
        "`seed` is not straight-line code over literal values (an assignment at line 5)"
        + ADVICE.format("seed")
    )


@pytest.mark.parametrize(
    "body",
    [
        '    Country.objects.get_or_create(code="fr")\n',
        '    Country.objects.update_or_create(code="fr", defaults={"name": "France"})\n',
        '    Country.objects.bulk_create([Country(code="fr")], ignore_conflicts=True)\n',
        '    Country.objects.bulk_create([Country(code="fr")], update_conflicts=flag)\n',
        '    if not Country.objects.filter(code="fr").exists():\n'
        '        Country.objects.create(code="fr")\n',
        '    if Country.objects.filter(code="fr").count():\n        return\n'
        '    Country.objects.create(code="fr")\n',
        "    existing = set(Country.objects.values_list('code', flat=True))\n"
        '    for code in ["fr", "de"]:\n        if code not in existing:\n'
        "            Country.objects.create(code=code)\n",
        '    Country.objects.filter(code="fr").delete()\n    Country.objects.create(code="fr")\n',
        '    try:\n        Country.objects.create(code="fr")\n'
        "    except IntegrityError:\n        pass\n",
        '    try:\n        Country.objects.create(code="fr")\n'
        "    except (ValueError, django.db.IntegrityError):\n        pass\n",
        '    try:\n        Country.objects.create(code="fr")\n    except:\n        pass\n',
        # A check of the same model, or of rows whose model is not known.
        '    try:\n        Country.objects.get(code="fr")\n'
        '    except Country.DoesNotExist:\n        Country.objects.create(code="fr")\n',
        "    if region.countries.exists():\n        return\n"
        '    Country.objects.create(code="fr")\n',
        '    Group = apps.get_model("auth", "Group")\n'
        '    if Group.objects.exists():\n        return\n    region.countries.create(code="fr")\n',
        "    schema_editor.execute(\"INSERT INTO geo_country (code) VALUES ('fr') "
        'ON CONFLICT DO NOTHING")\n',
        "    schema_editor.execute(\"INSERT IGNORE INTO geo_country (code) VALUES ('fr')\")\n",
        '    schema_editor.execute("UPDATE geo_country SET code = 1")\n',
        "    schema_editor.execute(sql_from_somewhere)\n",
        '    Country.objects.filter(code="fr").update(name="France")\n',
        '    Country.objects.update(rank=F("other") + 1)\n',
        '    Country.create(code="fr")\n',  # not a manager
        '    country = Country.objects.get(code="fr")\n    country.save()\n',
        '    Country(code="fr").full_clean()\n',
        '    create(code="fr")\n',
        # A name bound to a creation method, behind a guard; or bound twice.
        "    create = Country.objects.create\n"
        '    if not Country.objects.filter(code="fr").exists():\n        create(code="fr")\n',
        '    create = Country.objects.create\n    create = print\n    create(code="fr")\n',
        '    create = Country.objects.get_or_create\n    create(code="fr")\n',
        '    rows[0].create(code="fr")\n',
        '    c = Country(code="fr")\n    c = Country(code="de")\n    c.save()\n',
        '    a, b = Country.objects.all(), 1\n    a.count()\n    a.create(code="fr")\n',
        # A name given a queryset, then another value (OpenSlides' permission renames).
        '    old = Country.objects.filter(code="xx")\n    if len(old):\n        old = old.get()\n'
        '        old.delete()\n        Country.objects.create(code="fr")\n',
        '    if len(Country.objects.filter(code="fr")) == 0:\n'
        '        Country.objects.create(code="fr")\n',
        # The new row is stored where the test found none (pinax-blog's image sets).
        "    for country in Country.objects.all():\n        if country.capital is None:\n"
        '            country.capital = City.objects.create(name="x")\n'
        "            country.save()\n",
        "    for country in Country.objects.all():\n        if not country.flag:\n"
        "            country.flag = Flag.objects.create()\n",
    ],
)
def test_guarded_or_idempotent_forwards_are_left_alone(body: str) -> None:
    function = (
        'def seed(apps, schema_editor):\n    Country = apps.get_model("geo", "Country")\n' + body
    )
    source = module(function, "migrations.RunPython(seed, migrations.RunPython.noop)", FHEAD)
    assert mf004(source) == []


@pytest.mark.parametrize(
    "test",
    ["country.capital is None", "not country.capital", "country.capital == 0", "is_new(country)"],
)
def test_a_creation_stored_elsewhere_than_the_attribute_tested_is_reported(test: str) -> None:
    stored = "country.capital" if "capital" not in test or "==" in test else "country.flag"
    function = (
        'def seed(apps, schema_editor):\n    Country = apps.get_model("geo", "Country")\n'
        "    for country in Country.objects.all():\n"
        f"        if {test}:\n"
        f'            {stored} = Country.objects.create(code="x")\n'
    )
    source = module(function, "migrations.RunPython(seed, migrations.RunPython.noop)", FHEAD)
    assert [f.code for f in mf004(source)] == ["MF004"]


def test_a_created_model_whose_name_is_not_a_literal_does_not_count() -> None:
    source = module(SEED, "migrations.CreateModel(NAME, []), migrations.RunPython(seed)")
    assert [f.code for f in mf004(source)] == ["MF004"]


HELPER = (
    "def add(apps, code):\n"
    '    Country = apps.get_model("geo", "Country")\n'
    "    Country.objects.create(code=code)\n\n\n"
    "def add_all(apps):\n"
    '    add(apps, "fr")\n\n\n'
)


def test_rows_created_by_a_module_function_the_forward_function_calls() -> None:
    function = HELPER + "def seed(apps, schema_editor):\n    add_all(apps)\n    add_all(apps)\n"
    found = one(module(function, "migrations.RunPython(seed, migrations.RunPython.noop)"))
    assert found.message == (
        f"{NOOP} `seed` {CREATES} (`Country.objects.create` in `add`, line 6): {TWICE}"
    )
    assert found.hint == (
        "`seed` is not straight-line code over literal values (`add_all` at line 14)"
        + ADVICE.format("seed")
    )


@pytest.mark.parametrize(
    "body",
    [
        '    if not apps.get_model("geo", "Country").objects.exists():\n        add_all(apps)\n',
        "    loop(apps)\n",  # calls itself back: nothing unsafe anywhere
        "    helpers.add_all(apps)\n",
        "    undefined(apps)\n",
    ],
)
def test_module_functions_called_behind_a_guard_or_without_rows_are_left_alone(
    body: str,
) -> None:
    loop = "def loop(apps):\n    seed(apps, None)\n\n\n"
    function = HELPER + loop + "def seed(apps, schema_editor):\n" + body
    assert mf004(module(function, "migrations.RunPython(seed, migrations.RunPython.noop)")) == []


def test_rows_of_a_model_the_migration_creates_go_with_its_table() -> None:
    for create_model in (
        'migrations.CreateModel("Country", [])',
        "migrations.CreateModel(name='country', fields=[])",
    ):
        source = module(SEED, f"{create_model}, migrations.RunPython(seed)")
        assert mf004(source) == []


@pytest.mark.parametrize(
    "source",
    [
        # the forward function is not (only) this module's function
        HEAD + "from .helpers import seed\n\n"
        "operations = [migrations.RunPython(seed, migrations.RunPython.noop)]\n",
        module(SEED + "\nseed = staticmethod(seed)\n", "migrations.RunPython(seed)"),
        module(SEED + "\n\nclass seed:\n    pass\n", "migrations.RunPython(seed)"),
        module("if True:\n" + textwrap.indent(SEED, "    "), "migrations.RunPython(seed)"),
        module(SEED, "migrations.RunPython(lambda apps, se: None)"),
        module(SEED, "migrations.RunPython(helpers.seed)"),
        module(SEED, "migrations.RunPython(*args)"),
        module(SEED, "migrations.RunPython(elidable=True)"),
        module(SEED, "migrations.RunSQL(seed)"),
        # nothing unsafe in it
        module("def seed(apps, schema_editor):\n    pass\n", "migrations.RunPython(seed)"),
    ],
)
def test_unknown_forward_functions_are_left_alone(source: str) -> None:
    assert mf004(source) == []


@pytest.mark.parametrize(
    ("text", "name", "definitions"),
    [
        # each ``def``/``class`` before the name counts, in code, strings and comments
        ("def seed(): pass\n# def seed\nclass  seed:\n", "seed", 3),
        ("# def def seed\nundef seed\ndef seeds\nclass\tseed_2\n", "seed", 1),
        # a name the regular expressions do not read as one word (a combining mark): it
        # counts where it is followed by a word boundary, as before
        ("def sed\u0301ed(): pass\n", "sed\u0301ed", 1),
        ("def seed\u0301(): pass\n", "seed\u0301", 0),
    ],
)
def test_definitions_of_a_name_are_counted_on_the_text(
    text: str, name: str, definitions: int
) -> None:
    ctx = FileContext(Path("m.py"), text, ast.Module(body=[], type_ignores=[]))
    assert _Module(ctx)._definitions(name) == definitions


def test_a_forward_function_named_with_a_combining_mark() -> None:
    """Read where its name is one word followed by a boundary, as the search found it."""
    inner = SEED.replace("seed", "sed\u0301ed")
    found = one(module(inner, "migrations.RunPython(sed\u0301ed)"))
    assert (found.line, found.message) == (
        10,
        f"{MISSING} `sed\u0301ed` {CREATES} (`Country.objects.create`, line 6): {TWICE}",
    )
    last = SEED.replace("seed", "seed\u0301")
    assert mf004(module(last, "migrations.RunPython(seed\u0301)")) == []


# -- the generated delete -------------------------------------------------------------------


def test_create_gets_a_reverse_that_deletes_the_row() -> None:
    before = module(SEED, "migrations.RunPython(seed, migrations.RunPython.noop)")
    found = one(before)
    assert found.fix is not None
    assert found.fix.applicability is Applicability.UNSAFE
    assert fix_source(before, select=MF004) == before  # an unsafe fix: not by default
    assert found.hint == (
        "review `undo_seed`: it deletes every row with the values the forward function set "
        "(also one that existed before), and with them the rows that reference them through "
        "a cascading foreign key; a row whose values were changed since is not found, and stays"
    )
    assert fix_source(before, select=MF004, unsafe_fixes=True) == module(
        SEED + "\n\n" + UNDO_SEED, "migrations.RunPython(seed, undo_seed)"
    )


TREE = (
    "from django.db import migrations, models\n\n"
    "from shop.fields import LABEL\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    initial = True\n\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            name="Collection",\n'
    "            fields=[\n"
    '                ("id", models.AutoField(primary_key=True)),\n'
    '                ("path", models.CharField(max_length=255, unique=True)),\n'
    '                ("depth", models.PositiveIntegerField()),\n'
    '                ("numchild", models.PositiveIntegerField(default=0)),\n'
    '                ("name", models.CharField(max_length=255)),\n'
    '                ("label", LABEL),\n'
    "            ],\n"
    "        ),\n"
    "    ]\n"
)


def _in_folder(seed: str, built: bool = False) -> tuple[str, list[Finding]]:
    """``0002_root`` (running ``seed`` without a reverse, after ``0001_initial``: ``TREE``)
    fixed with ``--unsafe-fixes`` in its folder, with MF004's findings (``built``: its
    operations are built by a function)."""
    operations = 'migrations.RunPython(seed)]\n    dependencies = [("wagtailcore", "0001_initial")'
    second = module(seed, operations)
    if built:
        second = second.replace(
            "    operations = [migrations.RunPython(seed)]\n",
            "    operations = build()\n",
        ).replace(
            "class Migration",
            "def build():\n    return [migrations.RunPython(seed)]\n\n\nclass Migration",
        )
    sources = {"0001_initial.py": TREE, "0002_root.py": second}
    folder = Path("/nonexistent-mf004/wagtailcore/migrations")
    history = History.from_sources(folder, sources)
    path = folder / "0002_root.py"
    result = process_source(
        SourceFile(path, sources["0002_root.py"], "utf-8", False),
        [mf004_rule],
        Options(select=MF004, rewrite=True, unsafe_fixes=True),
        FileResult(path),
        load_history=lambda: history,
    )
    assert result.change is not None
    return result.change.new_text, result.findings


def test_a_created_row_is_deleted_by_its_unique_values_where_the_history_has_some() -> None:
    # wagtail 0025_collection_initial_data: the root's ``numchild`` grows with every child
    # collection, and a reverse looking the root up by it deleted nothing.
    seed = (
        "def seed(apps, schema_editor):\n"
        '    Collection = apps.get_model("wagtailcore.Collection")\n'
        '    Collection.objects.create(name="Root", path="0001", depth=1, numchild=0)\n'
    )
    fixed, (found,) = _in_folder(seed)
    assert (
        "def undo_seed(apps, schema_editor):\n"
        '    Collection = apps.get_model("wagtailcore.Collection")\n'
        '    Collection.objects.filter(path="0001").delete()\n'
    ) in fixed
    assert found.hint == (
        "review `undo_seed`: it deletes the rows by the unique values the forward function "
        "gave them (also one that existed before), and with them the rows that reference them "
        "through a cascading foreign key"
    )
    # Another app's model, or a row given no unique value: looked up by every value.
    for model, row in (
        ('"auth", "Collection"', 'name="Root", path="0001"'),
        ('app_label="wagtailcore", model_name="Collection"', 'name="Root", depth=1'),
    ):
        other = seed.replace('"wagtailcore.Collection"', model).replace(
            'name="Root", path="0001", depth=1, numchild=0', row
        )
        fixed, (found,) = _in_folder(other)
        assert f"    Collection.objects.filter({row}).delete()\n" in fixed
        assert found.hint is not None
        assert found.hint.endswith("a row whose values were changed since is not found, and stays")
    keyed = seed.replace('name="Root", path="0001"', 'id=1, name="Root"')
    fixed, _ = _in_folder(keyed)
    assert "    Collection.objects.filter(id=1).delete()\n" in fixed
    # A field defined by a name (LABEL) is not known to be unique; operations built by a
    # function are not in the history's list: every value, as without a history.
    labelled = seed.replace('name="Root"', 'label="root"')
    fixed, _ = _in_folder(labelled)
    assert 'filter(label="root", path="0001")' not in fixed
    assert '    Collection.objects.filter(path="0001").delete()\n' in fixed
    fixed, _ = _in_folder(seed, built=True)
    assert (
        '    Collection.objects.filter(name="Root", path="0001", depth=1, numchild=0).delete()\n'
        in fixed
    )


def test_bulk_create_through_the_connection_alias_as_in_djangos_docs() -> None:
    forwards = (
        "def forwards_func(apps, schema_editor):\n"
        "    # We get the model from the versioned app registry;\n"
        "    # if we directly import it, it'll be the wrong version\n"
        '    Country = apps.get_model("myapp", "Country")\n'
        "    db_alias = schema_editor.connection.alias\n"
        "    Country.objects.using(db_alias).bulk_create(\n"
        "        [\n"
        '            Country(name="USA", code="us"),\n'
        '            Country(name="France", code="fr"),\n'
        "        ]\n"
        "    )\n"
    )
    reverse = (
        "def undo_forwards_func(apps, schema_editor):\n"
        '    Country = apps.get_model("myapp", "Country")\n'
        "    db_alias = schema_editor.connection.alias\n"
        '    Country.objects.using(db_alias).filter(name="France", code="fr").delete()\n'
        '    Country.objects.using(db_alias).filter(name="USA", code="us").delete()\n'
    )
    assert_reverse_written(forwards, reverse, unsafe_fixes=True)


def test_delete_reverse_keeps_literals_as_written_and_the_parameter_names() -> None:
    forwards = (
        "def seed(registry, editor):\n"
        "    '''Seed.'''\n"
        "    from django.db import models\n"
        "    Flag = registry.get_model('flags.Flag')\n"
        "    Flag.objects.using('default').create(name='beta', rank=-1, on=True, note=None)\n"
        "    Flag.objects.bulk_create((Flag(name='b'),), batch_size=10)\n"
        "    return\n"
    )
    reverse = (
        "def undo_seed(registry, editor):\n"
        "    from django.db import models\n"
        "    Flag = registry.get_model('flags.Flag')\n"
        "    Flag.objects.filter(name='b').delete()\n"
        "    Flag.objects.using('default').filter(\n"
        "        name='beta',\n"
        "        rank=-1,\n"
        "        on=True,\n"
        "        note=None,\n"
        "    ).delete()\n"
    )
    before = module(forwards, "migrations.RunPython(seed, reverse_code=None)")
    assert fix_source(before, select=MF004, unsafe_fixes=True) == module(
        forwards + "\n\n" + reverse, "migrations.RunPython(seed, reverse_code=undo_seed)"
    )
    # Laid out for the project's line length (Tandoor Recipes keeps to 179).
    fixed = fix_source(before, select=MF004, unsafe_fixes=True, line_length=100)
    assert fixed == module(
        forwards
        + "\n\n"
        + reverse.replace(
            "filter(\n        name='beta',\n        rank=-1,\n        on=True,\n"
            "        note=None,\n    )",
            "filter(name='beta', rank=-1, on=True, note=None)",
        ),
        "migrations.RunPython(seed, reverse_code=undo_seed)",
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(
            '    for code in ["fr"]:\n        Country.objects.create(code=code)\n',
            "`seed` is not straight-line code over literal values (a `for` loop at line 6)",
            id="loop",
        ),
        pytest.param(
            '    country = Country.objects.create(code="fr")\n',
            "`seed` is not straight-line code over literal values (an assignment at line 6)",
            id="assignment",
        ),
        pytest.param(
            '    Country.objects.create(code="fr")\n    print("done")\n',
            "`seed` is not straight-line code over literal values (`print` at line 7)",
            id="another-call",
        ),
        pytest.param(
            '    Country.objects.create(code="fr")\n    Country(code="de").save()\n',
            "`seed` is not straight-line code over literal values (`Country(...).save` at line 7)",
            id="save",
        ),
        pytest.param(
            '    if True:\n        return\n    Country.objects.create(code="fr")\n',
            "`seed` is not straight-line code over literal values (an `if` at line 6)",
            id="if",
        ),
        pytest.param(
            '    return Country.objects.create(code="fr")\n',
            "`seed` is not straight-line code over literal values (a `return` at line 6)",
            id="return-value",
        ),
        pytest.param(
            '    return\n    Country.objects.create(code="fr")\n',
            "`seed` is not straight-line code over literal values (a `return` at line 6)",
            id="early-return",
        ),
        pytest.param(
            "    with schema_editor.connection.cursor():\n"
            '        Country.objects.create(code="fr")\n',
            "`seed` is not straight-line code over literal values (a `with` at line 6)",
            id="with",
        ),
        pytest.param(
            '    del Country\n    Country.objects.create(code="fr")\n',
            "`seed` is not straight-line code over literal values (a statement of its own at "
            "line 6)",
            id="del",
        ),
        pytest.param(
            '    Country.objects.create(code="fr", rate=0.5)\n',
            "`Country.objects.create` gets `rate=...`, not a literal value (line 6)",
            id="float",
        ),
        pytest.param(
            "    Country.objects.create(code=CODE)\n",
            "`Country.objects.create` gets `code=CODE`, not a literal value (line 6)",
            id="name",
        ),
        pytest.param(
            "    Country.objects.create(**DATA)\n",
            "`Country.objects.create` gets `**DATA`, not a literal value (line 6)",
            id="star-star",
        ),
        pytest.param(
            "    Country.objects.create()\n",
            "`Country.objects.create` sets no field to look the row up by (line 6)",
            id="no-field",
        ),
        pytest.param(
            "    Country.objects.bulk_create([Country()])\n",
            "`Country.objects.bulk_create` sets no field to look the row up by (line 6)",
            id="bulk-no-field",
        ),
        pytest.param(
            '    Country.objects.create("fr")\n',
            "`Country.objects.create` gets positional arguments (line 6)",
            id="positional",
        ),
        pytest.param(
            "    Country.objects.bulk_create(ROWS)\n",
            "`Country.objects.bulk_create` does not get a literal list of instances (line 6)",
            id="bulk-not-a-list",
        ),
        pytest.param(
            '    Country.objects.bulk_create([Country(code="fr")], ignore_conflicts=False)\n',
            "`Country.objects.bulk_create` does not get a literal list of instances (line 6)",
            id="bulk-extra-keyword",
        ),
        pytest.param(
            '    Country.objects.bulk_create([Region(code="fr")])\n',
            "`Country.objects.bulk_create` gets something other than `Country(field=...)` (line 6)",
            id="bulk-other-model",
        ),
        pytest.param(
            '    Country.objects.db_manager("x").create(code="fr")\n',
            "`Country.objects.db_manager(...)` is not a model's manager from `apps.get_model` "
            "(line 6)",
            id="other-manager",
        ),
        pytest.param(
            '    Country.objects.using("a", "b").create(code="fr")\n',
            "`Country.objects.using(...)` is not a model's manager from `apps.get_model` (line 6)",
            id="using-two-arguments",
        ),
        pytest.param(
            '    Country.objects.using(alias()).create(code="fr")\n',
            "`Country.objects.using(...)` is not a model's manager from `apps.get_model` (line 6)",
            id="using-a-call",
        ),
        pytest.param(
            "    from django.db.models import F\n"
            '    Country.objects.create(code="fr")\n'
            '    Country.objects.update(rank=F("rank") + 1)\n',
            "`seed` both creates and updates rows",
            id="create-and-update",
        ),
    ],
)
def test_creations_without_a_certain_reverse_are_reported_with_the_reason(
    body: str, reason: str
) -> None:
    function = 'def seed(apps, schema_editor):\n    Country = apps.get_model("geo", "Country")\n'
    found = one(module(function + body, "migrations.RunPython(seed, migrations.RunPython.noop)"))
    assert not found.fixable
    assert found.hint == reason + ADVICE.format("seed")


def test_a_forward_function_with_other_parameters_is_reported() -> None:
    function = SEED.replace("(apps, schema_editor)", "(apps, schema_editor, extra=1)")
    found = one(module(function, "migrations.RunPython(seed)"))
    assert found.hint == (
        "`seed` does not take the two arguments `(apps, schema_editor)`" + ADVICE.format("seed")
    )


def test_a_subclass_with_its_own_init_is_reported_not_rewritten() -> None:
    source = (
        HEAD + SEED + "\n\nclass Seed(migrations.RunPython):\n"
        "    def __init__(self, code):\n        super().__init__(code)\n\n\n"
        "operations = [Seed(seed)]\n"
    )
    found = one(source)
    assert found.message.startswith("`Seed` without a reverse, where a no-op is not enough:")
    assert (
        found.hint
        == "`Seed` defines its own `__init__`: add a reverse by hand (`reverse_code=...`)"
    )
    assert fix_source(source, select=MF004) == source


def test_generated_name_does_not_clash_and_two_calls_share_one_function() -> None:
    undo_seed = "\n\ndef undo_seed(apps, schema_editor):\n    pass\n"
    before = module(
        SEED + undo_seed,
        "migrations.RunPython(seed, undo_seed), migrations.RunPython(seed)",
    )
    after = module(
        SEED + undo_seed + "\n\n" + UNDO_SEED.replace("undo_seed", "undo_seed_2"),
        "\n        migrations.RunPython(seed, undo_seed_2),\n"
        "        migrations.RunPython(seed, reverse_code=undo_seed_2),\n    ",
    )
    assert [f.line for f in mf004(before)] == [14, 14]
    assert fix_source(before, select=MF004, unsafe_fixes=True) == after
    assert mf004(after) == []


def test_crlf_file_keeps_its_newlines() -> None:
    before = module(SEED, "migrations.RunPython(seed, migrations.RunPython.noop)").replace(
        "\n", "\r\n"
    )
    after = module(SEED + "\n\n" + UNDO_SEED, "migrations.RunPython(seed, undo_seed)")
    assert fix_source(before, select=MF004, unsafe_fixes=True) == after.replace("\n", "\r\n")


# -- the inverse update ---------------------------------------------------------------------


def restock(updates: str) -> str:
    return (
        "def restock(apps, schema_editor):\n"
        '    Product = apps.get_model("shop", "Product")\n'
        "    db_alias = schema_editor.connection.alias\n" + updates
    )


@pytest.mark.parametrize(
    ("forward", "reverse"),
    [
        pytest.param(
            '    Product.objects.update(stock=F("stock") + 5)\n',
            '    Product.objects.update(stock=F("stock") - 5)\n',
            id="plus",
        ),
        pytest.param(
            '    Product.objects.using(db_alias).all().update(stock=F("stock") - -2)\n',
            '    Product.objects.using(db_alias).all().update(stock=F("stock") + -2)\n',
            id="minus-negative",
        ),
        pytest.param(
            '    Product.objects.filter(active=True).exclude(name__in=["x"]).update(\n'
            '        price=3 * F("price"),\n'
            "    )\n",
            '    Product.objects.filter(active=True).exclude(name__in=["x"]).update(\n'
            '        price=F("price") / 3,\n'
            "    )\n",
            id="times-literal-first",
        ),
        pytest.param(
            "    Product.objects.filter(Q(active=True))"
            '.update(stock=F("stock") + 1, rank=F("rank") * 2)\n'
            '    Product.objects.filter(stock__gt=F("minimum")).update(price=F("price") + 1)\n',
            '    Product.objects.filter(stock__gt=F("minimum")).update(price=F("price") - 1)\n'
            "    Product.objects.filter(Q(active=True)).update(\n"
            '        stock=F("stock") - 1,\n'
            '        rank=F("rank") / 2,\n'
            "    )\n",
            id="two-updates-undone-in-reverse-order",
        ),
    ],
)
def test_relative_update_gets_the_inverse_update(forward: str, reverse: str) -> None:
    head = "from django.db import migrations\nfrom django.db.models import F, Q\n\n\n"
    before = module(
        restock(forward), "migrations.RunPython(restock, migrations.RunPython.noop)", head
    )
    found = one(before)
    assert found.message.startswith(
        f"{NOOP} `restock` changes values relative to themselves (`Product.objects."
    )
    assert found.message.endswith(": after a rollback, migrating again applies the change twice")
    # An unsafe fix: exact for the rows the forward function changed, not for rows written
    # since (django-celery-beat's total_run_count: a task added since at 0 made the rollback
    # fail on the PositiveIntegerField's check, and MariaDB kept the DDL undone before it).
    assert found.hint == (
        "review `undo_restock`: it undoes the change on every row the filters match, also on "
        "rows written since the forward function ran (a row added since at 0 becomes -1, which "
        "a `PositiveIntegerField` refuses)"
    )
    undo = (
        "def undo_restock(apps, schema_editor):\n"
        '    Product = apps.get_model("shop", "Product")\n'
        "    db_alias = schema_editor.connection.alias\n" + reverse
    )
    after = module(
        restock(forward) + "\n\n" + undo, "migrations.RunPython(restock, undo_restock)", head
    )
    assert fix_source(before, select=MF004) == before
    assert fix_source(before, select=MF004, unsafe_fixes=True) == after
    assert check_source(after) == []


def test_long_lookups_are_written_one_argument_a_line() -> None:
    forward = (
        "def seed(apps, schema_editor):\n"
        '    Theme = apps.get_model("themes", "Theme")\n'
        '    Theme.objects.create(name="default", is_default=True, is_active=True, lft=1, rght=2)\n'
        '    Theme.objects.update(version=F("version") + 1, revision=F("revision") + 1, n=F("n")'
        " + 1)\n"
    )
    before = module(forward, "migrations.RunPython(seed)", FHEAD)
    assert one(before).hint == "`seed` both creates and updates rows" + ADVICE.format("seed")
    creates, updates = forward.rsplit("    Theme.objects.update", 1)
    updates = "    Theme.objects.update" + updates
    assert_reverse_written(
        creates,
        "def undo_seed(apps, schema_editor):\n"
        '    Theme = apps.get_model("themes", "Theme")\n'
        "    Theme.objects.filter(\n"
        '        name="default",\n'
        "        is_default=True,\n"
        "        is_active=True,\n"
        "        lft=1,\n"
        "        rght=2,\n"
        "    ).delete()\n",
        FHEAD,
        unsafe_fixes=True,
    )
    first = forward.split("    Theme.objects.create")[0]
    assert_reverse_written(
        first + updates,
        "def undo_seed(apps, schema_editor):\n"
        '    Theme = apps.get_model("themes", "Theme")\n'
        "    Theme.objects.update(\n"
        '        version=F("version") - 1,\n'
        '        revision=F("revision") - 1,\n'
        '        n=F("n") - 1,\n'
        "    )\n",
        FHEAD,
        unsafe_fixes=True,
    )


def test_statements_in_transaction_atomic_are_straight_line() -> None:
    forward = (
        "def bump(apps, schema_editor):\n"
        "    with transaction.atomic():\n"
        "        with transaction.atomic(using=schema_editor.connection.alias):\n"
        '            Product = apps.get_model(app_label="shop", model_name="Product")\n'
        '        Product.objects.all().update(version=F("version") + 1)\n'
    )
    undo = (
        "def undo_bump(apps, schema_editor):\n"
        '    Product = apps.get_model(app_label="shop", model_name="Product")\n'
        '    Product.objects.all().update(version=F("version") - 1)\n'
    )
    head = "from django.db import migrations, transaction\nfrom django.db.models import F\n\n\n"
    assert_reverse_written(forward, undo, head, unsafe_fixes=True)


@pytest.mark.parametrize(
    "context",
    ["transaction.atomic() as t", "other.atomic()", "transaction.atomic"],
)
def test_other_with_blocks_are_not_straight_line(context: str) -> None:
    forward = (
        "def bump(apps, schema_editor):\n"
        '    Product = apps.get_model("shop", "Product")\n'
        f"    with {context}:\n"
        '        Product.objects.all().update(version=F("version") + 1)\n'
    )
    head = "from django.db import migrations, transaction\nfrom django.db.models import F\n\n\n"
    found = one(module(forward, "migrations.RunPython(bump)", head))
    assert found.hint == (
        "`bump` is not straight-line code over literal values (a `with` at line 7); write a "
        "reverse function that undoes the change"
    )


@pytest.mark.parametrize(
    "get_model",
    ['apps.get_model(model="Country")', "apps.get_model()", 'apps.get_model("a", "b", "c")'],
)
def test_get_model_with_other_arguments_is_no_model(get_model: str) -> None:
    function = SEED.replace('apps.get_model("geo", "Country")', get_model)
    found = one(module(function, "migrations.RunPython(seed)"))
    assert found.hint is not None
    assert found.hint.startswith("`seed` is not straight-line code over literal values")


def test_f_imported_in_the_function_or_through_models() -> None:
    forward = (
        "def bump(apps, schema_editor):\n"
        "    from django.db.models import F\n"
        '    Product = apps.get_model("shop", "Product")\n'
        '    Product.objects.update(stock=F("stock") + 1, rank=models.F("rank") + 1)\n'
    )
    undo = (
        "def undo_bump(apps, schema_editor):\n"
        "    from django.db.models import F\n"
        '    Product = apps.get_model("shop", "Product")\n'
        '    Product.objects.update(stock=F("stock") - 1, rank=models.F("rank") - 1)\n'
    )
    assert_reverse_written(
        forward, undo, "from django.db import migrations, models\n\n\n", unsafe_fixes=True
    )


@pytest.mark.parametrize(
    ("updates", "reason"),
    [
        pytest.param(
            '    Product.objects.filter(stock__lt=10).update(stock=F("stock") + 5)\n',
            "the filters read `stock`, which the update changes (line 8)",
            id="filter-reads-the-field",
        ),
        pytest.param(
            '    Product.objects.filter(minimum__lt=F("stock")).update(stock=F("stock") + 5)\n',
            "the filters read `stock`, which the update changes (line 8)",
            id="filter-reads-the-field-through-f",
        ),
        pytest.param(
            '    Product.objects.filter(name=NAME).update(stock=F("stock") + 5)\n',
            "the filters at line 8 read `NAME`",
            id="filter-reads-a-variable",
        ),
        pytest.param(
            '    Product.objects.update(stock=F("stock") + 0)\n',
            "`stock=` is not `F('stock') + n`, `- n` or `* n` with a literal integer n other "
            "than 0 (line 8)",
            id="zero",
        ),
        pytest.param(
            '    Product.objects.update(stock=F("stock") + 1.5)\n',
            "`stock=` is not `F('stock') + n`, `- n` or `* n` with a literal integer n other "
            "than 0 (line 8)",
            id="float",
        ),
        pytest.param(
            '    Product.objects.update(stock=F("stock") / 2)\n',
            "`stock=` is not `F('stock') + n`, `- n` or `* n` with a literal integer n other "
            "than 0 (line 8)",
            id="division",
        ),
        pytest.param(
            '    Product.objects.update(stock=5 - F("stock"))\n',
            "`stock=` is not `F('stock') + n`, `- n` or `* n` with a literal integer n other "
            "than 0 (line 8)",
            id="n-minus-f",
        ),
        pytest.param(
            '    Product.objects.update(stock=F("stock") + 1, name="x")\n',
            "`name=` is not `F('name') + n`, `- n` or `* n` with a literal integer n other "
            "than 0 (line 8)",
            id="absolute-value-too",
        ),
        pytest.param(
            '    Product.objects.update(stock=F("stock") + True)\n',
            "`stock=` is not `F('stock') + n`, `- n` or `* n` with a literal integer n other "
            "than 0 (line 8)",
            id="bool",
        ),
        pytest.param(
            '    Product.objects.update(F("stock") + 1, stock=F("stock") + 1)\n',
            "`Product.objects.update` gets positional arguments (line 8)",
            id="positional",
        ),
        pytest.param(
            '    Product.objects.select_for_update().update(stock=F("stock") + 1)\n',
            "`Product.objects.select_for_update()` is not a model's manager from "
            "`apps.get_model` (line 8)",
            id="other-queryset-method",
        ),
    ],
)
def test_relative_updates_without_a_certain_inverse_are_reported(updates: str, reason: str) -> None:
    source = module(restock(updates), "migrations.RunPython(restock)", FHEAD)
    found = one(source)
    assert not found.fixable
    assert found.hint == f"{reason}; write a reverse function that undoes the change"


def test_f_that_is_not_djangos_is_not_a_relative_update() -> None:
    source = module(
        restock('    Product.objects.update(stock=F("stock") + 5)\n'),
        "migrations.RunPython(restock)",
        "from django.db import migrations\nfrom sympy import F\n\n\n",
    )
    assert mf004(source) == []


# -- MF001 and MF004 on one call ------------------------------------------------------------


def test_both_rules_report_a_call_without_reverse_and_one_fix_is_written() -> None:
    before = module(SEED, "migrations.RunPython(seed)")
    assert [(f.code, f.fixable) for f in check_source(before, select=BOTH)] == [
        ("MF001", True),
        ("MF004", True),
    ]
    mf004_fixed = module(
        SEED + "\n\n" + UNDO_SEED, "migrations.RunPython(seed, reverse_code=undo_seed)"
    )
    noop = module(SEED, "migrations.RunPython(seed, reverse_code=migrations.RunPython.noop)")
    # MF004's delete is unsafe, and so is MF001's no-op here (the rollback would report
    # success and leave the rows): by default neither is written; with --unsafe-fixes
    # MF004's reverse replaces MF001's no-op.
    assert fix_source(before, select=BOTH) == before
    assert fix_source(before, select=BOTH, unsafe_fixes=True) == mf004_fixed
    assert fix_source(before, select=MF004) == before
    assert fix_source(before, select=MF004, unsafe_fixes=True) == mf004_fixed
    assert fix_source(before, select=frozenset({"MF001"})) == before
    assert fix_source(before, select=frozenset({"MF001"}), unsafe_fixes=True) == noop
    assert [f.code for f in check_source(noop, select=BOTH)] == ["MF004"]
    assert fix_source(noop, select=BOTH) == noop
    assert fix_source(noop, select=BOTH, unsafe_fixes=True) == mf004_fixed


def test_the_inverse_update_replaces_mf001s_noop_under_unsafe_fixes() -> None:
    forward = restock('    Product.objects.update(stock=F("stock") + 5)\n')
    before = module(forward, "migrations.RunPython(restock)", FHEAD)
    findings = check_source(before, select=BOTH)
    assert [f.code for f in findings] == ["MF001", "MF004"]
    found = findings[1]
    assert found.fix is not None
    assert found.fix.applicability is Applicability.UNSAFE
    assert fix_source(before, select=BOTH) == before
    undo = (
        "def undo_restock(apps, schema_editor):\n"
        '    Product = apps.get_model("shop", "Product")\n'
        "    db_alias = schema_editor.connection.alias\n"
        '    Product.objects.update(stock=F("stock") - 5)\n'
    )
    assert fix_source(before, select=BOTH, unsafe_fixes=True) == module(
        forward + "\n\n" + undo,
        "migrations.RunPython(restock, reverse_code=undo_restock)",
        FHEAD,
    )


def test_nothing_is_reported_where_the_migration_class_raises_in_unapply() -> None:
    irreversible = (
        "from django.db import migrations\n\n\n"
        "class IrreversibleMigration(migrations.Migration):\n"
        "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
        '        raise RuntimeError("irreversible")\n\n\n'
    )
    migration = (
        "\n\nclass Migration(IrreversibleMigration):\n"
        "    operations = [\n"
        "        migrations.RunPython(seed),\n"
        "        migrations.RunPython(seed, migrations.RunPython.noop),\n"
        "    ]\n"
    )
    before = irreversible + SEED + migration
    hint = (
        "the migration's class inherits `unapply` from `IrreversibleMigration` (line 5), "
        "which always raises: a reverse here would never run; the rollback stops at this "
        "migration whatever its operations say"
    )
    # Never unapplied, so never run twice: MF004 says nothing, MF001 why no reverse helps.
    found = check_source(before, select=BOTH)
    assert [(f.code, f.line, f.message, f.fixable, f.hint) for f in found] == [
        ("MF001", 16, "`RunPython` without `reverse_code` cannot be reversed", False, hint),
    ]
    assert check_source(
        before.replace("(IrreversibleMigration)", "(migrations.Migration)"), select=BOTH
    )
    assert fix_source(before, select=BOTH, unsafe_fixes=True) == before


def test_one_fix_per_call_keeps_the_superseding_fix_and_unrelated_ones() -> None:
    noop = Finding("MF001", "m", 3, 4, Fix((AddArgument(3, 4, 0, "reverse_code", "noop"),)))
    real = Finding(
        "MF004",
        "m",
        3,
        4,
        Fix(
            (AddArgument(3, 4, 0, "reverse_code", "undo"), InsertStatements("def undo(): pass\n")),
            supersedes=("MF001",),
        ),
    )
    elsewhere = Finding("MF001", "m", 5, 4, Fix((ReplaceArgument(5, 4, 1, "noop"),)))
    report_only = Finding("MF001", "m", 3, 4)
    assert one_fix_per_call([noop, real, elsewhere, report_only]) == [real, elsewhere, report_only]
    assert one_fix_per_call([noop, elsewhere]) == [noop, elsewhere]


@pytest.mark.parametrize(
    ("body", "call", "line"),
    [
        pytest.param(
            "    for c in Country.objects.all():\n        c.rank = c.rank + 10\n        c.save()\n",
            "c.save",
            8,
            id="arithmetic",  # rdmo questions 0035
        ),
        pytest.param(
            "    for c in Country.objects.all():\n"
            '        c.key = "eu-" + c.key\n'
            "        c.save(update_fields=['key'])\n",
            "c.save",
            8,
            id="concatenation",
        ),
        pytest.param(
            "    for c in Country.objects.all():\n        c.rank += 1\n        c.save()\n",
            "c.save",
            8,
            id="augmented",
        ),
        pytest.param(
            "    for c in Country.objects.all():\n"
            '        if c.flags:\n            c.flags += ", "\n'
            '        c.flags += "eu"\n'
            "        c.save()\n",
            "c.save",
            10,
            id="after-an-if-that-does-not-leave",  # weblate 0034
        ),
        pytest.param(
            "    for c in Country.objects.all():\n"
            "        c.region = c.region.parent\n"
            "        c.save()\n",
            "c.save",
            8,
            id="up-a-level",  # rdmo questions 0022
        ),
    ],
)
def test_an_instance_changed_relative_to_itself_then_saved(body: str, call: str, line: int) -> None:
    function = 'def seed(apps, schema_editor):\n    Country = apps.get_model("geo", "Country")\n'
    source = module(function + body, "migrations.RunPython(seed)")
    found = one(source)
    assert found.message == (
        f"{MISSING} `seed` changes values relative to themselves (`{call}`, line {line}): "
        "after a rollback, migrating again applies the change twice"
    )
    mf001 = [f for f in check_source(source, select=BOTH) if f.code == "MF001"]
    assert [f.hidden_fix(False) for f in mf001] == [True]  # the no-op: an unsafe fix


@pytest.mark.parametrize(
    "body",
    [
        "    for c in Country.objects.all():\n        c.name = c.name.strip()\n        c.save()\n",
        "    for c in Country.objects.all():\n        c.name = other.name + 1\n        c.save()\n",
        "    for c in Country.objects.all():\n        c.save()\n        c.rank = c.rank + 1\n",
        "    for c in Country.objects.all():\n        c.rank = c.rank\n        c.save()\n",
        "    for c in Country.objects.all():\n        d.rank = d.rank + 1\n        c.save()\n",
        "    for c in Country.objects.all():\n        c.rank = 1 + c.other\n        c.save()\n",
        "    n = 0\n    for c in Country.objects.all():\n        n += 1\n        c.save()\n",
        # An ``if`` on the attribute first (sentry 0521, waldur).
        "    for c in Country.objects.all():\n"
        '        if "eu" not in c.tags:\n            c.tags = c.tags + " eu"\n'
        "        c.save()\n",
        "    for c in Country.objects.all():\n"
        '        if c.name.startswith("x"):\n            continue\n'
        '        c.name = "x" + c.name\n        c.save()\n',
    ],
)
def test_an_instance_set_otherwise_then_saved_is_left_alone(body: str) -> None:
    function = 'def seed(apps, schema_editor):\n    Country = apps.get_model("geo", "Country")\n'
    assert mf004(module(function + body, "migrations.RunPython(seed)")) == []


# -- MF001: data moved out of a column the migration drops ----------------------------------

MOVE = (
    "def copy_tags(apps, schema_editor):\n"
    '    Item = apps.get_model("shop", "Item")\n'
    '    ItemTag = apps.get_model("shop", "ItemTag")\n'
    "    for item in Item.objects.exclude(tag=None):\n"
    "        ItemTag(item=item, tag=item.tag).save()\n"
)


@pytest.mark.parametrize(
    ("operations", "hazard"),
    [
        pytest.param(
            'migrations.CreateModel("ItemTag", []), migrations.RunPython(copy_tags), '
            'migrations.RemoveField("item", "tag")',
            True,
            id="removed-after",  # rdmo questions 0086-0089, options 0030
        ),
        pytest.param(
            'migrations.CreateModel("ItemTag", []), migrations.RunPython(copy_tags), '
            'migrations.RemoveField("item", name=TAG)',
            False,
            id="name-not-a-literal",
        ),
        pytest.param(
            'migrations.CreateModel("ItemTag", []), migrations.RemoveField("item", "tag"), '
            "migrations.RunPython(copy_tags)",
            False,
            id="removed-before",
        ),
        pytest.param(
            'migrations.CreateModel("ItemTag", []), migrations.RunPython(copy_tags), '
            'migrations.RemoveField("item", "label")',
            False,
            id="another-field",
        ),
    ],
)
def test_a_noop_loses_data_moved_out_of_a_column_dropped_after(
    operations: str, hazard: bool
) -> None:
    source = module(MOVE, operations)
    (mf001,) = [f for f in check_source(source, select=frozenset({"MF001"}))]
    assert mf001.hidden_fix(False) is hazard
    if hazard:
        assert mf001.hint == (
            "a no-op reverse is not enough: `copy_tags` reads `tag`, which the `RemoveField` "
            "at line 12 drops after it: a rollback re-adds the column empty, and what was "
            "moved out of it is lost; write a reverse function that undoes it (MF004 writes "
            "one where it is certain), or accept the no-op with --unsafe-fixes"
        )
    assert mf004(source) == []  # (MF004 is about a second run)


def test_each_forward_function_is_read_for_the_columns_dropped_after_it() -> None:
    source = module(
        MOVE + "\n\ndef other(apps, schema_editor):\n    pass\n",
        'migrations.CreateModel("ItemTag", []), migrations.RunPython(imported), '
        "migrations.RunPython(other), migrations.RunPython(copy_tags), "
        'migrations.RemoveField("item", "tag")',
        head=HEAD.replace("\n\n\n", "\nfrom shop.functions import imported\n\n\n"),
    )
    found = [f for f in check_source(source, select=frozenset({"MF001"}))]
    assert [f.hidden_fix(False) for f in found] == [False, False, True]


# -- loops over the rows that still need the change ----------------------------------------

ROWS = (
    "from django.db import migrations\nfrom django.db.models import Count\n\n\n"
    "def seed(apps, schema_editor):\n"
    '    Device = apps.get_model("dcim", "Device")\n'
    '    Onboarding = apps.get_model("shop", "Onboarding")\n'
)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            '    rows = Device.objects.values("name").annotate(c=Count("*")).filter(c__gt=1)\n'
            "    for row in rows:\n"
            '        for i, d in enumerate(Device.objects.filter(name=row["name"])[1:]):\n'
            '            d.name += f"_{i + 2}"\n'
            '            d.save(update_fields=["name"])\n',
            id="duplicates-renamed",  # pretix 0221
        ),
        pytest.param(
            "    for d in Device.objects.filter(\n"
            '        name__in=Device.objects.values("name").annotate(n=models.Count("pk"))'
            ".filter(n__gte=2)\n"
            "    ):\n"
            "        d.created += 1\n        d.save()\n",
            id="duplicates-as-a-subquery",  # nautobot 0095
        ),
        pytest.param(
            "    for node in Device.objects.filter(pages__isnull=True):\n"
            "        parent = Device.objects.get(path=node.path[:4])\n"
            "        node.delete()\n"
            "        parent.numchild -= 1\n"
            "        parent.save()\n",
            id="the-row-deleted",  # richie 0028
        ),
        pytest.param(
            "    for device in Device.objects.filter(onboarding__isnull=True):\n"
            "        Onboarding.objects.create(device=device)\n",
            id="rows-without-a-related-row",  # nautobot-device-onboarding 0002
        ),
        pytest.param(
            "    for device in Device.objects.all().exclude(onboarding__isnull=False):\n"
            "        step = Onboarding.objects.create(device_id=device.pk)\n"
            "        Onboarding.objects.create(parent=step, device=None)\n",
            id="exclude-and-the-rest-of-the-body",
        ),
        pytest.param(
            "    missing = Device.objects.filter(onboarding__isnull=True)\n"
            "    for device in missing:\n"
            "        Onboarding.objects.create(device=device.id)\n",
            id="through-a-name",
        ),
    ],
)
def test_loops_over_the_rows_that_still_need_the_change_are_left_alone(body: str) -> None:
    source = module(ROWS + body, "migrations.RunPython(seed, migrations.RunPython.noop)", "")
    assert mf004(source) == []


@pytest.mark.parametrize(
    ("body", "call"),
    [
        pytest.param(
            '    rows = Device.objects.values("name").annotate(c=Count("*")).filter(c__gt=2)\n'
            "    for d in Device.objects.filter(name__in=rows):\n"
            '        d.name += "_2"\n        d.save()\n',
            "d.save",
            id="more-than-two",
        ),
        pytest.param(
            '    rows = Device.objects.annotate(c=Sum("n")).filter(c__gt=1)\n'
            "    for d in rows:\n"
            '        d.name += "_2"\n        d.save()\n',
            "d.save",
            id="not-a-count",
        ),
        pytest.param(
            "    for d in Device.objects.filter(c__gt=1):\n"
            '        d.name += "_2"\n        d.save()\n',
            "d.save",
            id="a-field-not-a-count",
        ),
        pytest.param(
            "    for node in Device.objects.filter(pages__isnull=True):\n"
            "        parent = Device.objects.get(path=node.path[:4])\n"
            "        if node.depth > 2:\n            node.delete()\n"
            "        parent.numchild -= 1\n"
            "        parent.save()\n",
            "parent.save",
            id="deleted-under-a-condition",
        ),
        pytest.param(
            "    for node in Device.objects.all():\n"
            "        parent = Device.objects.get(path=node.path[:4])\n"
            "        parent.delete()\n"
            "        node.numchild -= 1\n"
            "        node.save()\n",
            "node.save",
            id="another-row-deleted",
        ),
        pytest.param(
            "    for device in Device.objects.filter(profile__isnull=True):\n"
            "        Onboarding.objects.create(device=device)\n",
            "Onboarding.objects.create",
            id="another-relation",
        ),
        pytest.param(
            "    for device in Device.objects.filter(onboarding__isnull=False):\n"
            "        Onboarding.objects.create(device=device)\n",
            "Onboarding.objects.create",
            id="rows-with-one",
        ),
        pytest.param(
            "    for device in Device.objects.filter(onboarding__isnull=True):\n"
            '        Onboarding.objects.create(name="x")\n',
            "Onboarding.objects.create",
            id="not-related-to-the-row",
        ),
        pytest.param(
            "    for device in Device.objects.filter(onboarding__isnull=True):\n"
            "        if device.active:\n"
            "            Onboarding.objects.create(device=device)\n",
            "Onboarding.objects.create",
            id="created-under-a-condition",
        ),
        pytest.param(
            "    for device in sorted(Device.objects.filter(onboarding__isnull=True)):\n"
            "        Onboarding.objects.create(device=device)\n",
            "Onboarding.objects.create",
            id="not-a-queryset",
        ),
        pytest.param(
            "    for i, device in enumerate(Device.objects.filter(onboarding__isnull=True)):\n"
            "        Onboarding.objects.create(device=device)\n",
            "Onboarding.objects.create",
            id="a-tuple-target",
        ),
    ],
)
def test_loops_that_a_second_run_goes_over_again_are_reported(body: str, call: str) -> None:
    source = module(ROWS + body, "migrations.RunPython(seed, migrations.RunPython.noop)", "")
    assert f"(`{call}`, line " in one(source).message


def _folder_findings(initial: str, seed: str) -> list[Finding]:
    """MF004's findings on ``0002_seed`` (running ``seed`` with a no-op reverse) in a
    ``shop`` folder whose ``0001_initial`` is ``initial``."""
    operations = (
        "migrations.RunPython(seed, migrations.RunPython.noop)]\n"
        '    dependencies = [("shop", "0001_initial")'
    )
    sources = {"0001_initial.py": initial, "0002_seed.py": module(seed, operations)}
    folder = Path("/nonexistent-mf004/shop/migrations")
    history = History.from_sources(folder, sources)
    path = folder / "0002_seed.py"
    return process_source(
        SourceFile(path, sources["0002_seed.py"], "utf-8", False),
        [mf004_rule],
        Options(select=MF004, rewrite=False),
        FileResult(path),
        load_history=lambda: history,
    ).findings


def test_the_related_name_of_the_created_rows_key_comes_from_the_history() -> None:
    # pretalx 0050: ``for event in Event.objects.filter(score_categories__isnull=True)``,
    # where ``score_categories`` is the related name of ``ReviewScoreCategory.event``.
    initial = (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n\n"
        "    operations = [\n"
        "        migrations.CreateModel(\n"
        '            name="Category",\n'
        "            fields=[\n"
        '                ("id", models.AutoField(primary_key=True)),\n'
        '                ("event", models.ForeignKey("event.Event", models.CASCADE, '
        'related_name="score_categories")),\n'
        '                ("other", models.ForeignKey("event.Event", models.CASCADE, '
        "related_name=NAME)),\n"
        "            ],\n"
        "        ),\n"
        "    ]\n"
    )
    seed = (
        "def seed(apps, schema_editor):\n"
        '    Event = apps.get_model("event", "Event")\n'
        '    Category = apps.get_model("shop", "Category")\n'
        "    for event in Event.objects.filter({lookup}__isnull=True):\n"
        '        Category.objects.create({field}=event, name="Score")\n'
    )
    for lookup, field, reported in (
        ("score_categories", "event", False),
        ("score_categories", "event_id", False),
        ("category", "event", True),  # not the name: the field gives another
        ("score_categories", "other", True),  # the field's name is not a literal
        ("score_categories", "missing", True),  # not a field of the model
    ):
        found = _folder_findings(initial, seed.format(lookup=lookup, field=field))
        assert [f.line for f in found] == ([12] if reported else []), (lookup, field)


def test_a_model_got_where_its_manager_is_used_is_got_again_in_the_reverse() -> None:
    # ``apps.get_model(...).objects.create(...)``: the reverse calls get_model the same way
    # (it has the same parameters), with the alias as the forward function reads it.
    assert_reverse_written(
        "def seed(apps, schema_editor):\n"
        '    apps.get_model("geo", "Country").objects.create(code="fr")\n'
        '    apps.get_model("geo.Country").objects.using(schema_editor.connection.alias).create(\n'
        '        code="de"\n'
        "    )\n",
        "def undo_seed(apps, schema_editor):\n"
        '    apps.get_model("geo.Country").objects.using(schema_editor.connection.alias).filter(\n'
        '        code="de",\n'
        "    ).delete()\n"
        '    apps.get_model("geo", "Country").objects.filter(code="fr").delete()\n',
        unsafe_fixes=True,
    )
    assert_reverse_written(
        "def bump(a, s):\n"
        '    a.get_model("geo", "Country").objects.filter(code="fr").update(rank=F("rank") + 1)\n',
        "def undo_bump(a, s):\n"
        '    a.get_model("geo", "Country").objects.filter(code="fr").update(rank=F("rank") - 1)\n',
        FHEAD,
        unsafe_fixes=True,
    )


def test_a_model_got_in_place_is_looked_up_by_its_unique_values() -> None:
    seed = (
        "def seed(apps, schema_editor):\n"
        '    apps.get_model("wagtailcore.Collection").objects.create(\n'
        '        name="Root", path="0001", depth=1, numchild=0\n'
        "    )\n"
    )
    fixed, _ = _in_folder(seed)
    assert (
        "def undo_seed(apps, schema_editor):\n"
        '    apps.get_model("wagtailcore.Collection").objects.filter(path="0001").delete()\n'
    ) in fixed


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(
            '    schema_editor.get_model("geo", "Country").objects.create(code="fr")\n',
            "`schema_editor.get_model(...).objects` is not a model's manager from "
            "`apps.get_model` (line 6)",
            id="not-apps",
        ),
        pytest.param(
            '    apps.get_model(LABEL).objects.create(code="fr")\n',
            "`apps.get_model(...).objects` is not a model's manager from `apps.get_model` (line 6)",
            id="label-not-a-literal",
        ),
        pytest.param(
            '    apps.get_model("geo", "Country").objects.filter(name=apps).update(\n'
            '        rank=F("rank") + 1\n'
            "    )\n",
            "the filters at line 6 read `apps`",
            id="filters-read-apps",
        ),
    ],
)
def test_a_model_got_in_place_without_a_certain_reverse(body: str, reason: str) -> None:
    function = "def seed(apps, schema_editor):\n"
    source = module(function + body, "migrations.RunPython(seed, migrations.RunPython.noop)", FHEAD)
    found = one(source)
    assert not found.fixable
    assert found.hint is not None
    assert found.hint.startswith(reason), found.hint


# -- the models each site writes (for migrate_or_rollback) ----------------------------------

GEO = mf004_rule.ModelName("geo.Country")
GET = '    Country = apps.get_model("geo", "Country")\n'


def written(source: str) -> dict[tuple[int, int], tuple[mf004_rule.ModelName | None, ...]]:
    found = mf004_rule.written_models(FileContext(Path("0002_x.py"), source, ast.parse(source)))
    # Keyed as the findings are.
    assert {(f.line, f.column) for f in mf004(source)} <= set(found)
    return found


@pytest.mark.parametrize(
    ("body", "models"),
    [
        (GET + '    Country.objects.create(code="fr")\n', [GEO]),
        (
            '    apps.get_model("geo.Country").objects.using("x").filter().create(code="fr")\n',
            [GEO],
        ),
        (GET + '    Country.objects.db_manager("x").bulk_create([Country(code="fr")])\n', [GEO]),
        (GET + '    Country(code="fr").save()\n', [GEO]),
        (GET + '    country = Country(code="fr")\n    country.save()\n', [GEO]),
        (GET + '    create = Country.objects.create\n    create(code="fr")\n', [GEO]),
        (GET + '    Country.objects.filter(a=1).update(n=F("n") + 1)\n', [GEO]),
        (GET + '    rows = Country.objects.all()\n    rows.update(n=F("n") + 1)\n', [GEO]),
        # A related manager: the rows are another model's.
        (
            GET + "    for country in Country.objects.all():\n"
            '        country.cities.create(name="x")\n',
            [None],
        ),
        (GET + "    rows = Country.objects.filter(a=1)\n    rows.cities.create(x=1)\n", [None]),
        (
            GET + "    if a:\n        rows = Country.objects.all()\n    else:\n"
            '        rows = Country.objects.filter(a=1)\n    rows.update(n=F("n") + 1)\n',
            [None],
        ),
        ('    schema_editor.execute("INSERT INTO geo_country VALUES (1)")\n', [None]),
        (
            GET + "    for country in Country.objects.all():\n"
            "        country.n = country.n + 1\n        country.save()\n",
            [None],
        ),
        # A model got otherwise than by a literal label.
        ('    Country.objects.create(code="fr")\n', [None]),
        (
            '    Country = apps.get_model("Country")\n    Country.objects.create(code="fr")\n',
            [None],
        ),
        ("    Country = apps.get_model(NAME)\n    Country.objects.create()\n", [None]),
        ("    Country = models.Country\n    Country.objects.create()\n", [None]),
        ("    models.Country.objects.create()\n", [None]),
        ("    make().objects.create()\n", [None]),
        (
            "    Page = apps.get_model(swapper.get_model_name(APP, 'Page'))\n"
            "    Page.objects.create()\n",
            [None],
        ),
        (
            "    Page = apps.get_model(other.get_model_name('a', 'Page'))\n"
            "    Page.objects.create()\n",
            [None],
        ),
        (
            "    User = apps.get_model(settings.AUTH_USER_MODEL)\n    User.objects.create()\n",
            [mf004_rule.ModelName(setting="AUTH_USER_MODEL")],
        ),
        (
            '    Page = apps.get_model(swapper.get_model_name("wagtailcore", "Page"))\n'
            '    Page.objects.create(title="Root")\n    Page.objects.create(title="Home")\n',
            [mf004_rule.ModelName("wagtailcore.Page", swapper=True)] * 2,
        ),
        # Every site, not only the first (which the finding names); not one a check guards.
        (
            GET + '    Country.objects.create(code="fr")\n'
            '    apps.get_model("geo", "City").objects.create()\n'
            "    if not Country.objects.exists():\n        Country.objects.create()\n",
            [GEO, mf004_rule.ModelName("geo.City")],
        ),
    ],
)
def test_the_model_each_site_writes(body: str, models: list[mf004_rule.ModelName | None]) -> None:
    head = (
        "import swapper\nfrom django.conf import settings\nfrom django.db import migrations\n"
        "from django.db.models import F\n\n\n"
    )
    source = module(
        "def seed(apps, schema_editor):\n" + body,
        "migrations.RunPython(seed, migrations.RunPython.noop)",
        head,
    )
    assert [*written(source).values()] == [tuple(models)], source


def test_the_models_of_the_module_functions_called_every_one() -> None:
    helpers = (
        "def add(apps, code):\n"
        '    apps.get_model("geo", "City").objects.create(code=code)\n'
        '    apps.get_model("geo", "Country").objects.create(code=code)\n\n\n'
        "def loop(apps):\n    seed(apps, None)\n\n\n"
    )
    function = helpers + (
        "def seed(apps, schema_editor):\n"
        '    add(apps, "fr")\n    add(apps, "de")\n    loop(apps)\n    undefined(apps)\n'
        '    if not apps.get_model("geo", "Country").objects.exists():\n'
        '        add(apps, "it")\n'
    )
    source = module(function, "migrations.RunPython(seed, migrations.RunPython.noop)")
    city = mf004_rule.ModelName("geo.City")
    assert [*written(source).values()] == [(city, GEO, city, GEO)]


def test_no_model_is_told_where_nothing_is_reported() -> None:
    safe = "def seed(apps, schema_editor):\n    pass\n"
    assert written(module(safe, "migrations.RunPython(seed, migrations.RunPython.noop)")) == {}
    # A real reverse: not reported, not looked at.
    source = module(SEED, "migrations.RunPython(seed, seed)")
    assert written(source) == {}
    raising = (
        "class Migration(migrations.Migration):\n"
        "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
        "        raise RuntimeError\n\n"
        "    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]\n"
    )
    assert written(HEAD + SEED + "\n\n" + raising) == {}


def test_mf001_and_mf004_read_a_forward_function_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """MF001 asks what a forward function without a reverse does (its no-op is not
    enough where MF004 finds something); MF004 then reports the call from the same
    reading, made once for the file."""
    source = module(SEED, "migrations.RunPython(seed)")
    read: list[str] = []
    first_site = mf004_rule._Body.first_site

    def counted(body: mf004_rule._Body, seen: frozenset[str] = frozenset()) -> object:
        read.append(body.function.name)
        return first_site(body, seen)

    monkeypatch.setattr(mf004_rule._Body, "first_site", counted)
    found = check_source(source, select=BOTH)
    assert [(f.code, f.message.split(":")[0]) for f in found] == [
        ("MF001", "`RunPython` without `reverse_code` cannot be reversed"),
        ("MF004", MISSING.rstrip(":")),
    ]
    assert read == ["seed"]
