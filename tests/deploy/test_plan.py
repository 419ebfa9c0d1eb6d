"""migration_fixer.django.plan: after-deploy markers (with the real django-safemigrate and
django-syzygy), deploy phases, reversibility. Django is imported here, in the test process: only
the deploy side is tested in this folder (tests/test_no_django.py proves the static side never
imports it)."""

from __future__ import annotations

import datetime
import io
import os
import sys
import types
from pathlib import Path
from typing import Any

import django
import pytest
from django.core.management.base import CommandError
from django.db import migrations, models
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.state import ModelState, ProjectState
from django_safemigrate import Safe
from syzygy import Stage

from migration_fixer.django import plan
from migration_fixer.django.management.commands import migrate_or_rollback
from migration_fixer.django.plan import (
    Irreversible,
    after_deploy_marker,
    irreversible_operations,
    is_after_deploy,
    readd_verdict,
    split_phases,
    starting_point,
)

from .conftest import UNDER_TEST_ENV


def make(app: str, name: str, deps: Any = (), **attrs: Any) -> migrations.Migration:
    cls = type("Migration", (migrations.Migration,), {"dependencies": list(deps), **attrs})
    return cls(name, app)


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"post_deploy": True}, "post_deploy = True"),
        ({"safe": Safe.after_deploy()}, "safe = Safe.after_deploy()"),
        (
            {"safe": Safe.after_deploy(delay=datetime.timedelta(hours=1))},
            "safe = Safe.after_deploy(delay=...)",
        ),
        ({"stage": Stage.POST_DEPLOY}, "stage = Stage.POST_DEPLOY"),
        ({}, None),
        ({"post_deploy": False}, None),
        ({"post_deploy": 1}, None),  # only the value MF003 writes
        ({"safe": Safe.before_deploy()}, None),
        ({"safe": Safe.always()}, None),
        ({"stage": Stage.PRE_DEPLOY}, None),
    ],
)
def test_after_deploy_marker(attrs: dict[str, Any], expected: str | None) -> None:
    migration = make("app", "0002_x", **attrs)
    assert after_deploy_marker(migration) == expected
    assert after_deploy_marker(type(migration)) == expected
    assert is_after_deploy(migration) is (expected is not None)


def test_after_deploy_marker_old_safemigrate_enum() -> None:
    """django-safemigrate before 5.0 spelled it `safe = Safe.after_deploy` (an enum member)."""
    import enum

    class OldSafe(enum.Enum):
        before_deploy = "before_deploy"
        after_deploy = "after_deploy"

    assert after_deploy_marker(make("app", "0002", safe=OldSafe.after_deploy)) == (
        "safe = Safe.after_deploy()"
    )
    assert after_deploy_marker(make("app", "0002", safe=OldSafe.before_deploy)) is None


def graph_of(*migs: migrations.Migration) -> MigrationGraph:
    graph = MigrationGraph()
    for m in migs:
        graph.add_node((m.app_label, m.name), m)
    for m in migs:
        for dep in m.dependencies:
            graph.add_dependency(m, (m.app_label, m.name), dep)
    return graph


def test_split_phases_defers_marked_migrations_whose_dependencies_run_now() -> None:
    a1 = make("a", "0001")
    a2 = make("a", "0002_drop", [("a", "0001")], post_deploy=True)
    a3 = make("a", "0003_after", [("a", "0002_drop")])
    b1 = make("b", "0001")
    b2 = make("b", "0002_post", [("b", "0001")], stage=Stage.POST_DEPLOY)
    c1 = make("c", "0001", [("a", "0001")])
    graph = graph_of(a1, a2, a3, b1, b2, c1)
    # b.0001 already applied: b.0002_post has nothing of this run to wait for.
    full = [(a1, False), (a2, False), (a3, False), (b2, False), (c1, False)]
    phases = split_phases(full, graph)
    assert [m.name for m, _ in phases.now] == ["0001", "0002_post", "0001"]
    assert [(m.app_label, m.name) for m in phases.deferred] == [
        ("a", "0002_drop"),
        ("a", "0003_after"),
    ]
    assert phases.why == {
        ("a", "0002_drop"): "post_deploy = True; a.0001 is applied in this run",
        ("a", "0003_after"): "depends on a.0002_drop, deferred",
    }
    # The next run (a.0001 applied): both run.
    again = split_phases([(a2, False), (a3, False)], graph)
    assert [m.name for m, _ in again.now] == ["0002_drop", "0003_after"]
    assert again.deferred == []


def test_split_phases_chain_of_marked_migrations_and_indirect_dependency() -> None:
    a1 = make("a", "0001")
    b1 = make("b", "0001", [("a", "0001")])
    b2 = make("b", "0002", [("b", "0001")], safe=Safe.after_deploy())
    b3 = make("b", "0003", [("b", "0002")], safe=Safe.after_deploy())
    graph = graph_of(a1, b1, b2, b3)
    phases = split_phases([(b2, False), (b3, False)], graph)
    assert [m.name for m, _ in phases.now] == ["0002", "0003"]  # marked after marked: together
    phases = split_phases([(a1, False), (b1, False), (b2, False), (b3, False)], graph)
    assert [m.name for m, _ in phases.now] == ["0001", "0001"]
    assert phases.why[("b", "0002")] == "safe = Safe.after_deploy(); b.0001 is applied in this run"
    assert phases.why[("b", "0003")] == "depends on b.0002, deferred"
    # Backward steps are never deferred.
    back = split_phases([(b3, True)], graph)
    assert back.now == [(b3, True)]


def test_starting_point() -> None:
    a1, a2 = make("a", "0001"), make("a", "0002", [("a", "0001")])
    a3 = make("a", "0003", [("a", "0002")])
    b1 = make("b", "0001")
    graph = graph_of(a1, a2, a3, b1)
    # a.0002 not applied (0003 was applied out of order): two leaves.
    assert starting_point([("a", "0001"), ("a", "0003"), ("gone", "0001")], graph) == {
        "a": ["0001", "0003"],
        "b": [],
    }
    assert starting_point([("a", "0001"), ("a", "0002"), ("b", "0001")], graph) == {
        "a": ["0002"],
        "b": ["0001"],
    }


class SkuField(models.CharField):
    """A custom field class: only the loaded class says it is a non-null, unblank CharField."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)


class NullableCode(models.CharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["null"] = True
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)


@pytest.mark.parametrize(
    ("field", "kind", "reason"),
    [
        (models.CharField(max_length=5, null=True), "safe", "null=True"),
        (models.CharField(max_length=5, blank=True), "safe", "blank=True"),
        (models.IntegerField(default=3), "safe", "a default"),
        (models.IntegerField(db_default=3), "safe", "db_default"),
        (models.DateTimeField(auto_now_add=True), "safe", "auto_now"),
        (models.ManyToManyField("b.thing"), "safe", "ManyToManyField has no column to re-add"),
        (NullableCode(), "safe", "null=True"),
        (
            models.IntegerField(),
            "unsafe",
            "non-null `IntegerField` with no default: re-adding it fails on SQLite and "
            "PostgreSQL, and MySQL/MariaDB silently fill every row with 0",
        ),
        (
            models.IntegerField(blank=True),
            "unsafe",
            "non-null `IntegerField` with no default: re-adding it fails on SQLite and "
            "PostgreSQL, and MySQL/MariaDB silently fill every row with 0",
        ),
        (
            models.CharField(max_length=5, default=None),
            "unsafe",
            "non-null `CharField` with no default (its default is None): re-adding it fails on "
            "SQLite and PostgreSQL, and MySQL/MariaDB silently fill every row with ''",
        ),
        (
            SkuField(),
            "unsafe",
            "non-null `SkuField` (a CharField) with no default: re-adding it fails on SQLite "
            "and PostgreSQL, and MySQL/MariaDB silently fill every row with ''",
        ),
        (
            models.ForeignKey("b.thing", on_delete=models.CASCADE),
            "unsafe",
            "non-null `ForeignKey` has no value for existing rows: re-adding it fails on every "
            "database (a foreign key cannot be filled with a placeholder)",
        ),
        (
            models.UUIDField(default="x", unique=True),
            "unsafe",
            "`UUIDField(unique=True)` with a default: every existing row would get the same "
            "value, and the unique constraint refuses it",
        ),
        (
            models.BigAutoField(primary_key=True),
            "unknown",
            "`BigAutoField` is the table's generated key",  # decided with the migration
        ),
    ],
)
def test_readd_verdict_on_loaded_fields(field: Any, kind: str, reason: str) -> None:
    verdict = readd_verdict(field)
    assert (verdict.kind, verdict.reason) == (kind, reason)


def _state() -> ProjectState:
    state = ProjectState()
    state.add_model(
        ModelState(
            "shop",
            "Product",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("sku", SkuField()),
                ("note", models.TextField(blank=True)),
                ("price", models.IntegerField()),
            ],
        )
    )
    return state


def test_irreversible_operations() -> None:
    def fwd(apps: Any, schema_editor: Any) -> None:
        """forward only"""

    m1 = make(
        "shop",
        "0002_cleanup",
        operations=[
            migrations.RemoveField("product", "note"),  # blank text: fine
            migrations.RunPython(fwd),
            migrations.RunSQL("SELECT 1"),
            migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop),
            migrations.RemoveField("Product", "sku"),
        ],
    )
    m2 = make(
        "shop",
        "0003_more",
        operations=[
            migrations.AlterField("product", "price", models.IntegerField(null=True)),
            migrations.RemoveField("product", "price"),  # nullable by now: fine
            migrations.SeparateDatabaseAndState(
                database_operations=[
                    migrations.RunPython(fwd, migrations.RunPython.noop),
                    migrations.RunPython(fwd),
                ],
            ),
        ],
    )
    found = irreversible_operations([(m1, False), (m2, False), (m1, True)], _state())
    assert [f.line() for f in found] == [
        "shop.0002_cleanup: operation 2: RunPython has no reverse_code: Django cannot unapply it",
        "shop.0002_cleanup: operation 3: RunSQL has no reverse_sql: Django cannot unapply it",
        "shop.0002_cleanup: operation 5: RemoveField Product.sku: non-null `SkuField` (a "
        "CharField) with no default: re-adding it fails on SQLite and PostgreSQL, and "
        "MySQL/MariaDB silently fill every row with ''",
        "shop.0003_more: operation 3 (database operation 2): RunPython has no reverse_code: "
        "Django cannot unapply it",
    ]
    assert all(isinstance(f, Irreversible) for f in found)
    assert found[0].label == "shop.0002_cleanup"


def test_a_removal_before_its_model_is_deleted_is_not_refused() -> None:
    # wagtail's search 0008: the rollback creates the table again, empty, then adds the
    # field: nothing to fill. A deletion in another migration does not count (a deploy
    # that fails between the two rolls the removal back on the full table).
    m = make(
        "shop",
        "0002_remove_models",
        operations=[
            migrations.RemoveField("Product", "sku"),
            migrations.SeparateDatabaseAndState(
                database_operations=[
                    migrations.RemoveField("product", "price"),
                    migrations.DeleteModel("PRODUCT"),
                ]
            ),
            migrations.DeleteModel("Product"),
        ],
    )
    assert irreversible_operations([(m, False)], _state()) == []
    removal = make("shop", "0002_remove_sku", operations=[migrations.RemoveField("Product", "sku")])
    deletion = make("shop", "0003_delete", operations=[migrations.DeleteModel("Product")])
    found = irreversible_operations([(removal, False), (deletion, False)], _state())
    assert [f.label for f in found] == ["shop.0002_remove_sku"]


def test_a_removal_from_a_table_the_plan_creates_is_marked() -> None:
    # django-oscar's catalogue 0001 creates Category, 0002 removes its non-null full_name: a
    # first install was refused. The rollback re-adds the column to the new table, which
    # works while it is empty: the removal is marked, for the rollback to check then.
    created = make(
        "shop",
        "0002_box",
        operations=[
            migrations.SeparateDatabaseAndState(
                database_operations=[box := migrations.CreateModel("Box", [])],
                state_operations=[box],
            ),
            migrations.AddField("box", "label", models.CharField(max_length=5)),
        ],
    )
    removal = make(
        "shop",
        "0003_remove",
        operations=[
            migrations.RemoveField("box", "label"),
            migrations.RemoveField("product", "sku"),  # a table that was there before
        ],
    )
    found = irreversible_operations([(created, False), (removal, False)], _state())
    assert [(f.label, f.position, f.new_table) for f in found] == [
        ("shop.0003_remove", "1", ("shop", "box")),
        ("shop.0003_remove", "2", None),
    ]


def test_irreversible_unknown_verdict_and_other_operations() -> None:
    class Custom(migrations.RunSQL):
        reversible = False

    m = make(
        "shop",
        "0002",
        operations=[migrations.RemoveField("product", "id"), Custom("SELECT 1", "SELECT 1")],
    )
    # The key is numbered again when it is re-added, on every database (docs/readd-matrix.md).
    assert [f.line() for f in irreversible_operations([(m, False)], _state())] == [
        "shop.0002: operation 2: Custom is not reversible",
    ]


WITHOUT_KEY = (
    "`BigAutoField` is the table's generated key, and a later operation of this migration "
    "leaves the model without a primary key beside a field `id` that is not one: "
)


@pytest.mark.parametrize(
    ("vendor", "lines"),
    [
        (
            "sqlite",
            [
                "shop.0002: operation 2: RemoveField product.id: "
                + WITHOUT_KEY
                + "on SQLite, rolling the migration back fails (`duplicate column name: id`: "
                "Django's model for that state gets an automatic `id` beside it)"
            ],
        ),
        ("postgresql", []),
        ("mysql", []),
        (
            "oracle",
            [
                "shop.0002: operation 2: RemoveField product.id: cannot tell if it can be "
                "re-added: " + WITHOUT_KEY + "rolling the migration back fails on SQLite "
                "(`duplicate column name: id`) and works on PostgreSQL and MySQL/MariaDB; the "
                "project's database is not known"
            ],
        ),
    ],
)
def test_an_auto_key_removal_is_decided_for_the_database(vendor: str, lines: list[str]) -> None:
    """evap's shape: the new key renamed `id` before it is made the primary key."""
    uuid_field = models.UUIDField(default="x", serialize=False)
    m = make(
        "shop",
        "0002",
        operations=[
            migrations.AddField("product", "uuid", uuid_field),
            migrations.RemoveField("product", "id"),
            migrations.RenameField("product", "uuid", "id"),
            migrations.AlterField(
                "product", "id", models.UUIDField(default="x", primary_key=True, serialize=False)
            ),
        ],
    )
    found = irreversible_operations([(m, False)], _state(), vendor)
    assert [f.line() for f in found] == lines
    # Made the primary key first, then renamed (openwisp-radius): re-addable everywhere.
    m.operations[2:] = [m.operations[3], m.operations[2]]
    m.operations[2] = migrations.AlterField(
        "product", "uuid", models.UUIDField(default="x", primary_key=True, serialize=False)
    )
    assert irreversible_operations([(m, False)], _state(), vendor) == []


def test_an_auto_key_re_added_beside_another_primary_key() -> None:
    m = make(
        "shop",
        "0002",
        operations=[
            migrations.AlterField("product", "price", models.IntegerField(primary_key=True)),
            migrations.RemoveField("product", "id"),
        ],
    )
    assert irreversible_operations([(m, False)], _state(), "sqlite") == []
    dropped = make(
        "shop",
        "0002",
        operations=[
            migrations.RemoveField("product", "id"),
            migrations.DeleteModel("product"),
            migrations.RunSQL("SELECT 1", "SELECT 1"),
        ],
    )
    assert irreversible_operations([(dropped, False)], _state(), "sqlite") == []
    assert [f.line() for f in irreversible_operations([(m, False)], _state(), "postgresql")] == [
        "shop.0002: operation 2: RemoveField product.id: cannot tell if it can be re-added: "
        "`BigAutoField`, the table's generated key, would be re-added while `price` is the "
        "primary key: SQLite re-numbers the rows and the rollback works; PostgreSQL and "
        "MySQL/MariaDB refuse a second primary key (the migration cannot be applied there); "
        "the project runs on PostgreSQL"
    ]


def test_a_key_other_than_id_removed_beside_a_field_id() -> None:
    state = ProjectState()
    state.add_model(
        ModelState(
            "shop",
            "Product",
            [("key", models.BigAutoField(primary_key=True)), ("id", models.IntegerField())],
        )
    )
    m = make("shop", "0002", operations=[migrations.RemoveField("product", "key")])
    assert [f.line() for f in irreversible_operations([(m, False)], state, "postgresql")] == [
        "shop.0002: operation 1: RemoveField product.key: cannot tell if it can be re-added: "
        "`BigAutoField` is the table's generated key, and whether a later operation of this "
        "migration leaves the model without a primary key beside a field `id` cannot be told "
        "(a `primary_key=` or a name that cannot be read, operations that differ by branch, or a "
        "key other than `id` removed beside a field `id`, not measured): rolling such a "
        "migration back fails on SQLite"
    ]


def test_migration_path() -> None:
    m = make("shop", "0002")
    # A class defined in this test module: its file, relative to the current directory.
    assert plan.migration_path(m).endswith("tests/deploy/test_plan.py")
    orphan = type("Migration", (migrations.Migration,), {"__module__": "no.such.module"})(
        "0009_x", "shop"
    )
    assert plan.migration_path(orphan) == "shop/migrations/0009_x.py"


def test_a_refused_plan_names_apart_the_migrations_of_installed_packages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # django-cms, installed: running migration-fixer on site-packages fixes nothing.
    installed = types.ModuleType("cms.migrations.0027_x")
    installed.__file__ = "/srv/venv/lib/python3.11/site-packages/cms/migrations/0027_x.py"
    monkeypatch.setitem(sys.modules, installed.__name__, installed)
    theirs = type("Migration", (migrations.Migration,), {"__module__": installed.__name__})(
        "0027_x", "cms"
    )
    ours = type("Migration", (migrations.Migration,), {"__module__": "no.such.module"})(
        "0002_x", "shop"
    )
    err = io.StringIO()
    command = migrate_or_rollback.Command(stdout=io.StringIO(), stderr=err, no_color=True)
    command.options = {"allow_irreversible": False}
    found = [Irreversible(m, "1", "RunPython has no reverse_code") for m in (theirs, ours)]
    with pytest.raises(CommandError):
        command._refuse_or_warn(found)
    assert err.getvalue().splitlines()[3:] == [
        "Fix the migrations (then review and commit the result):",
        "  migration-fixer shop/migrations/0002_x.py",
        "In installed packages (a fix written there is lost when they are installed again: "
        "upgrade them, or have them fixed upstream):",
        "  /srv/venv/lib/python3.11/site-packages/cms/migrations/0027_x.py",
        "or run anyway with --allow-irreversible (a rollback would stop there).",
    ]
    err.truncate(0)
    err.seek(0)
    with pytest.raises(CommandError):
        command._refuse_or_warn(found[:1])
    assert "migration-fixer" not in err.getvalue()
    assert plan.installed("/usr/lib/python3/dist-packages/x/migrations/0001_initial.py")
    assert not plan.installed("site-packages-notes/x/migrations/0001_initial.py")


def test_the_advice_of_a_blocked_rollback_in_an_installed_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A rollback stopped at a migration of an installed package: migration-fixer is named
    when it writes the reverse, with the warning that the change is lost on reinstall; the
    advice for a removal (nothing migration-fixer does) names the file the same way."""
    folder = tmp_path / "venv" / "lib" / "site-packages" / "cms" / "migrations"
    folder.mkdir(parents=True)
    source = (
        "from django.db import migrations\n\n\n"
        "def forwards(apps, schema_editor):\n    pass\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [\n"
        "        migrations.RunPython(forwards),\n"
        '        migrations.RemoveField("page", "slug"),\n'
        "    ]\n"
    )
    (folder / "0027_x.py").write_text(source)
    module = types.ModuleType("cms.migrations.0027_x")
    module.__file__ = str(folder / "0027_x.py")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    migration = module.Migration("0027_x", "cms")
    run_python, remove = migration.operations
    command = migrate_or_rollback.Command(stdout=io.StringIO(), stderr=io.StringIO())
    block = migrate_or_rollback._Block
    python = block(Irreversible(migration, "1", "RunPython has no reverse_code", None, run_python))
    removal = block(Irreversible(migration, "2", "RemoveField page.slug: ...", None, remove))
    path = str(folder / "0027_x.py")
    package = (
        "; it is in an installed package, where a change is lost when the package is installed "
        "again"
    )
    assert command._unblocking([python]) == [
        f"To return to the starting point, make cms.0027_x reversible (migration-fixer {path}"
        f"{package}), then run:"
    ]
    assert command._unblocking([python, removal]) == [
        f"To return to the starting point, make the rollback of cms.0027_x work ({path}{package}):",
        f"  operation 1, Raw Python operation: migration-fixer {path} writes its reverse",
        "  operation 2, Remove field slug from page: insert before it an AlterField that gives "
        "page.slug a default, which unapplying then writes into every row",
        "Then run:",
    ]
    # A file the static core cannot read: nothing is known to be fixed.
    (folder / "0027_x.py").write_text("def (:\n")
    assert command._unblocking([python]) == [
        f"To return to the starting point, make the rollback of cms.0027_x work ({path}{package}):",
        "  operation 1, Raw Python operation: write its reverse by hand (migration-fixer has no "
        "fix)",
        "Then run:",
    ]


def test_django_under_test() -> None:
    """In the rerun on the oldest supported Django, this process imports that Django."""
    expected = os.environ.get(UNDER_TEST_ENV)
    if expected:
        assert django.get_version() == expected
    else:
        assert django.VERSION[:2] >= (5, 2)


@pytest.mark.parametrize("doc", ["docs/rules.md", "README.md", "docs/deploy.md"])
def test_docs_name_the_markers_migrate_or_rollback_honours(doc: str) -> None:
    """MF003's docs promise that migrate_or_rollback honours the marker it writes: the three
    spellings they name are the ones plan.py recognises (the e2e test
    tests/e2e/test_deploy_after_deploy.py runs the real fixer and the real command)."""
    text = (Path(__file__).resolve().parents[2] / doc).read_text(encoding="utf-8")
    for marker in (plan.MARKER_OURS, plan.MARKER_SAFEMIGRATE, plan.MARKER_SYZYGY):
        assert f"`{marker}`" in text, (doc, marker)
    assert "migrate_or_rollback" in text
