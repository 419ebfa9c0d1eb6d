"""What a data migration whose reverse does nothing leaves behind a rollback (MF004): which
of its operations :func:`migration_fixer.django.plan.lingering_effects` lists, by the tables
its forward function writes to. A table that the plan creates is dropped by the rollback,
with the rows: nothing is left there (wagtailcore's ``initial_data`` on a database from zero).
The real runs, on SQLite, PostgreSQL and MariaDB, are in
tests/e2e/test_deploy_migrate_or_rollback.py."""

from __future__ import annotations

import io
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections, models
from django.db.migrations.state import ModelState, ProjectState
from django.test.utils import isolate_apps, override_settings

from migration_fixer.django.management.commands import migrate_or_rollback
from migration_fixer.django.plan import existing_tables, lingering_effects

pytestmark = pytest.mark.usefixtures("django_in_memory")

KEY = ("id", models.AutoField(primary_key=True))

SOURCE = """\
from django.conf import settings
from django.db import migrations, models


def seed(apps, schema_editor):
{body}


class Migration(migrations.Migration):
    operations = [
{operations}
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
"""

TAG = '    Tag = apps.get_model("shop", "Tag")\n    Tag.objects.create(label="x")'


@pytest.fixture
def tables() -> Iterator[list[str]]:
    """The tables a test creates in the in-memory database (``tables.append(name)``),
    dropped after it."""
    made: list[str] = []

    class Tables(list[str]):
        def append(self, table: str) -> None:
            with connections["default"].cursor() as cursor:
                cursor.execute(f'CREATE TABLE "{table}" (id integer PRIMARY KEY)')
            made.append(table)

    yield Tables()
    with connections["default"].cursor() as cursor:
        for table in made:
            cursor.execute(f'DROP TABLE "{table}"')


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Writes a migration module of the app ``shop`` (a ``seed`` function of ``body``,
    its ``RunPython`` after ``operations``) and loads it, as Django's loader does."""

    def write(name: str, body: str = TAG, operations: str = "", source: str = "") -> Any:
        text = source or SOURCE.format(body=body, operations=textwrap.indent(operations, " " * 8))
        path = tmp_path / "shop" / "migrations" / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        module = types.ModuleType(f"shop.migrations.{name}")
        module.__file__ = str(path)
        monkeypatch.setitem(sys.modules, module.__name__, module)
        exec(compile(text, module.__file__, "exec"), module.__dict__)
        return module.Migration(name, "shop")

    return write


def _state(*model_states: ModelState) -> ProjectState:
    state = ProjectState()
    for model_state in model_states:
        state.add_model(model_state)
    return state


def _tag(**options: Any) -> ModelState:
    return ModelState("shop", "Tag", [KEY, ("label", models.CharField(max_length=9))], options)


def _listed(plan: list[tuple[Any, bool]], state: ProjectState) -> list[str]:
    return [item.label for item in lingering_effects(plan, state, connections["default"])]


def test_rows_in_a_table_the_plan_creates_are_not_listed(write: Any, tables: list[str]) -> None:
    """From zero: the plan creates the table, and its rollback drops it with the rows."""
    initial = write(
        "0001_initial",
        operations='migrations.CreateModel("Tag", [("id", models.AutoField(primary_key=True))]),',
        body="    pass",
    )
    seed = write("0002_seed")
    plan = [(initial, False), (seed, False)]
    state = ProjectState()
    assert lingering_effects(plan, state, connections["default"]) == []
    assert state.models == {}  # (not mutated)
    # The table there before the run (the plan's state says nothing else): listed.
    tables.append("shop_tag")
    found = lingering_effects(plan, ProjectState(), connections["default"])
    assert [item.line() for item in found] == [
        "shop.0002_seed: operation 1: `RunPython` has a no-op reverse, but `seed` creates rows "
        "without checking for existing ones (`Tag.objects.create`, line 7): after a rollback, "
        "migrating again creates them twice or fails on a unique key"
    ]
    err = io.StringIO()
    command = migrate_or_rollback.Command(stdout=io.StringIO(), stderr=err, no_color=True)
    command._listed(migrate_or_rollback._LINGERING, found, None)
    assert err.getvalue() == (
        "Warning: a rollback would unapply these, but leave what they did in the database "
        "(their reverse does nothing):\n"
        "  shop.0002_seed: operation 1: `RunPython` has a no-op reverse, but `seed` creates rows "
        "without checking for existing ones (`Tag.objects.create`, line 7): after a rollback, "
        "migrating again creates them twice or fails on a unique key\n"
    )


def test_rows_in_a_table_there_before_the_run_are_listed(write: Any, tables: list[str]) -> None:
    seed = write("0002_seed")
    assert _listed([(seed, False)], _state(_tag())) == []  # (no table: nothing written)
    tables.append("shop_tag")
    assert _listed([(seed, False)], _state(_tag())) == ["shop.0002_seed"]
    # Backward steps are not the plan's forward steps.
    assert _listed([(seed, True)], _state(_tag())) == []
    # Two in one migration, after a backward step.
    source = SOURCE.replace(
        "        migrations.RunPython(seed, migrations.RunPython.noop),\n",
        "        migrations.RunPython(seed, migrations.RunPython.noop),\n" * 2,
    )
    twice = write("0003_twice", source=source.format(body=TAG, operations=""))
    found = lingering_effects(
        [(seed, True), (twice, False)], _state(_tag()), connections["default"]
    )
    assert [item.position for item in found] == ["1", "2"]


def test_table_names_are_compared_as_the_database_compares_them(
    write: Any, tables: list[str]
) -> None:
    tables.append("Shop_Tag")  # (SQLite ignores the case of table names)
    assert _listed([(write("0002_seed"), False)], _state(_tag())) == ["shop.0002_seed"]
    exists = existing_tables(connections["default"])
    assert exists("SHOP_TAG")
    assert not exists("shop_tags")


def test_each_site_counts_not_only_the_one_named(write: Any, tables: list[str]) -> None:
    """The finding names the first creation (in a new table); the second one writes to a
    table there before the run."""
    body = (
        '    apps.get_model("shop", "New").objects.create()\n'
        '    apps.get_model("shop", "Tag").objects.create(label="x")'
    )
    new = write(
        "0002_new",
        operations='migrations.CreateModel("New", [("id", models.AutoField(primary_key=True))]),',
        body="    pass",
    )
    seed = write("0003_seed", body=body)
    plan = [(new, False), (seed, False)]
    assert _listed(plan, _state(_tag())) == []
    tables.append("shop_tag")
    assert _listed(plan, _state(_tag())) == ["shop.0003_seed"]


@pytest.mark.parametrize(
    "body",
    [
        '    schema_editor.execute("INSERT INTO shop_new (id) VALUES (1)")',
        "    for tag in Tag.objects.all():\n        tag.children.create()",
        '    apps.get_model("other", "Thing").objects.create()',  # a model the state has not
        "    apps.get_model(settings.SHOP_NO_SUCH_MODEL).objects.create()",
        "    apps.get_model(settings.SHOP_NOT_A_LABEL).objects.create()",
    ],
)
def test_where_the_table_cannot_be_told_it_is_listed(write: Any, body: str) -> None:
    """On an empty database too: SQL, a related manager, a model got otherwise."""
    seed = write("0002_seed", body='    Tag = apps.get_model("shop", "Tag")\n' + body)
    with override_settings(SHOP_NOT_A_LABEL="Tag"):
        assert _listed([(seed, False)], _state(_tag())) == ["shop.0002_seed"]


def test_a_model_named_by_a_setting(write: Any, tables: list[str]) -> None:
    seed = write("0002_seed", body="    apps.get_model(settings.SHOP_TAG_MODEL).objects.create()")
    tables.append("shop_tag")
    with override_settings(SHOP_TAG_MODEL="shop.Tag"):
        assert _listed([(seed, False)], _state(_tag(), _new())) == ["shop.0002_seed"]
    with override_settings(SHOP_TAG_MODEL="shop.New"):
        assert _listed([(seed, False)], _state(_tag(), _new())) == []


def _new(**options: Any) -> ModelState:
    return ModelState("shop", "New", [KEY], options)


def test_a_model_named_by_swapper(
    write: Any, tables: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``swapper.get_model_name("shop", "Tag")``: the model swapper names (wagtail's
    ``Page``), the one named where swapper cannot be imported."""
    body = '    apps.get_model(swapper.get_model_name("shop", "Tag")).objects.create()'
    seed = write("0002_seed", body="    import swapper\n" + body)
    tables.append("shop_tag")
    state = _state(_tag(), _new())
    monkeypatch.setitem(sys.modules, "swapper", None)  # (not installed)
    assert _listed([(seed, False)], state) == ["shop.0002_seed"]
    swapper = types.ModuleType("swapper")
    swapper.get_model_name = lambda app, model: "shop.New"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "swapper", swapper)
    assert _listed([(seed, False)], state) == []


def test_a_table_renamed_by_the_plan_is_looked_at_as_it_is_called_now(
    write: Any, tables: list[str]
) -> None:
    """``RenameModel`` and ``AlterModelTable`` earlier in the plan (in the same migration
    too): the rows are in the table there before the run, which the rollback renames back."""
    rename = write(
        "0002_rename", operations='migrations.RenameModel("Tag", "Label"),', body="    pass"
    )
    body = '    apps.get_model("shop", "Label").objects.create()'
    seed = write("0003_seed", body=body, operations='migrations.AlterModelTable("label", "x"),')
    plan = [(rename, False), (seed, False)]
    assert _listed(plan, _state(_tag())) == []
    tables.append("shop_tag")
    assert _listed(plan, _state(_tag())) == ["shop.0003_seed"]


def test_a_child_model_writes_in_its_parents_tables(write: Any, tables: list[str]) -> None:
    """Multi-table inheritance: a row of the child has one in each concrete parent's table
    (wagtail's pages); a proxy writes in its concrete model's table."""
    page = ModelState("shop", "Page", [KEY])
    home = ModelState("shop", "Home", [KEY], {}, ("shop.page", models.Model))
    cheap = ModelState("shop", "Cheap", [], {"proxy": True}, ("shop.home",))
    seed = write("0002_seed", body='    apps.get_model("shop", "Cheap").objects.create()')
    create = write(
        "0003_create",
        body='    apps.get_model("shop", "Home").objects.create()',
        operations=(
            'migrations.CreateModel("Home", [("id", models.AutoField(primary_key=True))], '
            'bases=("shop.page",)),'
        ),
    )
    plan = [(seed, False)]
    assert _listed(plan, _state(page, home, cheap)) == []
    # (Home, which the same migration creates before, is read in its state there.)
    assert _listed([(create, False)], _state(page)) == []
    tables.append("shop_page")
    assert _listed(plan, _state(page, home, cheap)) == ["shop.0002_seed"]
    assert _listed([(create, False)], _state(page)) == ["shop.0003_create"]
    orphan = ModelState("shop", "Cheap", [], {"proxy": True}, ("shop.gone",))
    assert _listed(plan, _state(orphan)) == ["shop.0002_seed"]
    with isolate_apps():

        class Base(models.Model):
            class Meta:
                app_label = "shop"
                abstract = True

        class Concrete(models.Model):
            class Meta:
                app_label = "shop"

        state = _state(
            page,
            ModelState("shop", "Concrete", [KEY]),
            ModelState("shop", "Cheap", [], {"proxy": True}, (Base, Concrete)),
        )
        assert _listed(plan, state) == []
        tables.append("shop_concrete")
        assert _listed(plan, state) == ["shop.0002_seed"]


def test_tables_the_database_has_not(write: Any, tables: list[str]) -> None:
    """A model not managed writes in its table where it is there; one swapped for another,
    or another vendor's, cannot be told: listed."""
    seed = write("0002_seed")
    assert _listed([(seed, False)], _state(_tag(managed=False))) == []
    tables.append("shop_tag")
    assert _listed([(seed, False)], _state(_tag(managed=False))) == ["shop.0002_seed"]
    seed = write("0003_seed", body='    apps.get_model("shop", "New").objects.create()')
    assert _listed([(seed, False)], _state(_new())) == []
    assert _listed([(seed, False)], _state(_new(required_db_vendor="postgresql"))) == [
        "shop.0003_seed"
    ]


def test_a_finding_outside_the_operations_list(write: Any, tables: list[str]) -> None:
    """An operation not in a list of ``operations`` (its position is a line): the state is
    read before the migration's first operation; the plan is not replayed past the last
    migration with something to look up."""
    source = SOURCE.replace(
        "    operations = [\n{operations}\n        migrations.RunPython(seed, "
        "migrations.RunPython.noop),\n    ]\n",
        "    operations = [migrations.RunPython(seed, migrations.RunPython.noop)] + []\n",
    ).format(body=TAG)
    seed = write("0002_seed", source=source)
    later = write("0003_later", body="    pass", operations='migrations.DeleteModel("Gone"),')
    plan = [(seed, False), (later, False)]
    assert _listed(plan, _state(_tag())) == []
    tables.append("shop_tag")
    found = lingering_effects(plan, _state(_tag()), connections["default"])
    assert [item.position for item in found] == ["at line 11"]
