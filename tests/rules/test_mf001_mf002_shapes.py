"""Every source shape of issue 3 ("The source shapes it must get right"), before -> after,
exactly. The byte-level ones (CRLF, BOM, latin-1) go through the CLI on real files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from click.testing import CliRunner

from migration_fixer.api import check_source, fix_source
from migration_fixer.cli import cli

MF001_MSG = "`RunPython` without `reverse_code` cannot be reversed"
MF001_NONE = "`RunPython` with `reverse_code=None` cannot be reversed"
MF002_MSG = "`RunSQL` without `reverse_sql` cannot be reversed"
MF002_NONE = "`RunSQL` with `reverse_sql=None` cannot be reversed"


#: A line length no fix here reaches.
WIDE = 1000


def findings(source: str) -> list[tuple[str, int, int, str, bool]]:
    return [(f.code, f.line, f.column, f.message, f.fixable) for f in check_source(source)]


def assert_fixed(before: str, after: str) -> None:
    """``before`` has fixable findings, fixing gives exactly ``after``, which is clean.

    These tests are about where and how the reverse is written, whatever the SQL: the
    no-op of SQL that is not a data statement (``'x'``) is an unsafe fix, so they fix with
    ``unsafe_fixes=True`` (tests/rules/test_mf002_inverse.py covers which fix is safe),
    and with lines long enough never to be split (tests/test_layout.py covers that)."""
    found = check_source(before)
    assert found
    assert all(f.fixable for f in found)
    assert fix_source(before, unsafe_fixes=True, line_length=WIDE) == after
    assert check_source(after) == []
    assert fix_source(after, unsafe_fixes=True, line_length=WIDE) == after


def assert_untouched(source: str) -> None:
    assert check_source(source) == []
    assert fix_source(source) == source


# -- the call's arguments -----------------------------------------------------------------

HEAD = "from django.db import migrations\n\n"


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        pytest.param(
            "ops = [migrations.RunPython(forwards)]\n",
            "ops = [migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)]\n",
            MF001_MSG,
            id="positional-code",
        ),
        pytest.param(
            "ops = [migrations.RunPython(code=forwards)]\n",
            "ops = [migrations.RunPython(code=forwards, reverse_code=migrations.RunPython.noop)]\n",
            MF001_MSG,
            id="keyword-code",
        ),
        pytest.param(
            "ops = [migrations.RunPython(forwards, reverse_code=None)]\n",
            "ops = [migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)]\n",
            MF001_NONE,
            id="reverse-none-keyword",
        ),
        pytest.param(
            "ops = [migrations.RunPython(forwards, None)]\n",
            "ops = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n",
            MF001_NONE,
            id="reverse-none-positional",
        ),
        pytest.param(
            "ops = [migrations.RunPython(reverse_code=None, code=forwards)]\n",
            "ops = [migrations.RunPython(reverse_code=migrations.RunPython.noop, code=forwards)]\n",
            MF001_NONE,
            id="reverse-none-keyword-first",
        ),
        pytest.param(
            "ops = [migrations.RunPython(forwards, atomic=False, elidable=True, "
            "hints={'target_db': 'default'})]\n",
            "ops = [migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop, "
            "atomic=False, elidable=True, hints={'target_db': 'default'})]\n",
            MF001_MSG,
            id="other-keywords-kept",
        ),
        pytest.param(
            "ops = [migrations.RunPython(atomic=False, code=forwards)]\n",
            "ops = [migrations.RunPython(atomic=False, code=forwards, "
            "reverse_code=migrations.RunPython.noop)]\n",
            MF001_MSG,
            id="code-keyword-after-others",
        ),
        pytest.param(
            "ops = [migrations.RunPython(lambda apps, schema_editor: None)]\n",
            "ops = [migrations.RunPython(lambda apps, schema_editor: None, "
            "reverse_code=migrations.RunPython.noop)]\n",
            MF001_MSG,
            id="lambda",
        ),
        pytest.param(
            "ops = [migrations.RunSQL(sql='UPDATE t SET a = 1')]\n",
            "ops = [migrations.RunSQL(sql='UPDATE t SET a = 1', "
            "reverse_sql=migrations.RunSQL.noop)]\n",
            MF002_MSG,
            id="sql-keyword-string",
        ),
        pytest.param(
            'ops = [migrations.RunSQL(["UPDATE t SET a = 1", "UPDATE t SET b = 2"])]\n',
            'ops = [migrations.RunSQL(["UPDATE t SET a = 1", "UPDATE t SET b = 2"], '
            "reverse_sql=migrations.RunSQL.noop)]\n",
            MF002_MSG,
            id="sql-list-of-strings",
        ),
        pytest.param(
            'ops = [migrations.RunSQL([("UPDATE t SET a = %s", [1]), ("DELETE FROM t", None)])]\n',
            'ops = [migrations.RunSQL([("UPDATE t SET a = %s", [1]), ("DELETE FROM t", None)], '
            "reverse_sql=migrations.RunSQL.noop)]\n",
            MF002_MSG,
            id="sql-list-of-tuples",
        ),
        pytest.param(
            "ops = [migrations.RunSQL('SELECT 1', reverse_sql=None)]\n",
            "ops = [migrations.RunSQL('SELECT 1', reverse_sql=migrations.RunSQL.noop)]\n",
            MF002_NONE,
            id="reverse-sql-none-keyword",
        ),
        pytest.param(
            "ops = [migrations.RunSQL('SELECT 1', None)]\n",
            "ops = [migrations.RunSQL('SELECT 1', migrations.RunSQL.noop)]\n",
            MF002_NONE,
            id="reverse-sql-none-positional",
        ),
        pytest.param(
            "ops = [migrations.RunSQL('ALTER TABLE t ADD c int', state_operations=[\n"
            "    migrations.AddField('t', 'c', models.IntegerField()),\n"
            "])]\n",
            "ops = [migrations.RunSQL('ALTER TABLE t ADD c int', "
            "reverse_sql='ALTER TABLE t DROP COLUMN c', state_operations=[\n"
            "    migrations.AddField('t', 'c', models.IntegerField()),\n"
            "])]\n",
            MF002_MSG,
            id="state-operations-kept",
        ),
    ],
)
def test_arguments(before: str, after: str, message: str) -> None:
    assert [(f.line, f.column, f.message) for f in check_source(HEAD + before)] == [(3, 7, message)]
    assert_fixed(HEAD + before, HEAD + after)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            "ops = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n", id="positional"
        ),
        pytest.param("ops = [migrations.RunPython(forwards, reverse_code=backwards)]\n", id="kw"),
        pytest.param("ops = [migrations.RunPython(reverse_code=b, code=forwards)]\n", id="kw-1st"),
        pytest.param("ops = [migrations.RunSQL('SELECT 1', 'SELECT 2')]\n", id="sql-positional"),
        pytest.param("ops = [migrations.RunSQL('SELECT 1', reverse_sql='')]\n", id="sql-empty"),
        pytest.param("ops = [migrations.RunSQL(sql=[], reverse_sql=[])]\n", id="sql-lists"),
        pytest.param("ops = [migrations.RunPython()]\n", id="no-code: Django rejects it"),
        pytest.param("ops = [migrations.RunSQL(reverse_sql='x')]\n", id="no-sql"),
        pytest.param("ops = [migrations.AddField('t', 'f', None)]\n", id="other-operation"),
        pytest.param("ops = [migrations.RunPython]\n", id="not-a-call"),
    ],
)
def test_arguments_clean(source: str) -> None:
    assert_untouched(HEAD + source)


# -- the noop spelled as the file imports things ---------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "from django.db import migrations\nops = [migrations.RunPython(f)]\n",
            "from django.db import migrations\n"
            "ops = [migrations.RunPython(f, reverse_code=migrations.RunPython.noop)]\n",
            id="from-django.db-import-migrations",
        ),
        pytest.param(
            "from django.db import migrations as m\nops = [m.RunPython(f), m.RunSQL('x')]\n",
            "from django.db import migrations as m\n"
            "ops = [m.RunPython(f, reverse_code=m.RunPython.noop), "
            "m.RunSQL('x', reverse_sql=m.RunSQL.noop)]\n",
            id="migrations-as-m",
        ),
        pytest.param(
            "from django.db.migrations import RunPython\nops = [RunPython(f)]\n",
            "from django.db.migrations import RunPython\n"
            "ops = [RunPython(f, reverse_code=RunPython.noop)]\n",
            id="from-migrations-import-RunPython",
        ),
        pytest.param(
            "from django.db.migrations.operations import RunSQL\nops = [RunSQL('x')]\n",
            "from django.db.migrations.operations import RunSQL\n"
            "ops = [RunSQL('x', reverse_sql=RunSQL.noop)]\n",
            id="from-operations-import-RunSQL",
        ),
        pytest.param(
            "import django.db.migrations\nops = [django.db.migrations.RunPython(f)]\n",
            "import django.db.migrations\nops = [django.db.migrations.RunPython(f, "
            "reverse_code=django.db.migrations.RunPython.noop)]\n",
            id="import-django.db.migrations",
        ),
        pytest.param(
            "import django.db.migrations as dm\nops = [dm.RunSQL('x')]\n",
            "import django.db.migrations as dm\n"
            "ops = [dm.RunSQL('x', reverse_sql=dm.RunSQL.noop)]\n",
            id="import-django.db.migrations-as-dm",
        ),
        pytest.param(
            "from django.db.migrations.operations.special import RunPython\nops = [RunPython(f)]\n",
            "from django.db.migrations.operations.special import RunPython\n"
            "ops = [RunPython(f, reverse_code=RunPython.noop)]\n",
            id="from-special-import-RunPython",
        ),
        pytest.param(
            "from django.db.migrations import RunPython as RP\nops = [RP(f)]\n",
            "from django.db.migrations import RunPython as RP\n"
            "ops = [RP(f, reverse_code=RP.noop)]\n",
            id="import-as-alias",
        ),
        pytest.param(
            "from django.db import migrations\nRP = migrations.RunPython\nops = [RP(f)]\n",
            "from django.db import migrations\n"
            "RP = migrations.RunPython\n"
            "ops = [RP(f, reverse_code=RP.noop)]\n",
            id="alias-assignment",
        ),
        pytest.param(
            "from django.db import migrations\nRP: type = migrations.RunPython\nops = [RP(f)]\n",
            "from django.db import migrations\n"
            "RP: type = migrations.RunPython\n"
            "ops = [RP(f, reverse_code=RP.noop)]\n",
            id="annotated-alias-assignment",
        ),
        pytest.param(
            "from django.db import migrations\nRP = migrations.RunPython\nP = RP\nops = [P(f)]\n",
            "from django.db import migrations\n"
            "RP = migrations.RunPython\n"
            "P = RP\n"
            "ops = [P(f, reverse_code=P.noop)]\n",
            id="alias-of-alias",
        ),
        pytest.param(
            "from django.db.migrations import *\nops = [RunPython(f)]\n",
            "from django.db.migrations import *\n"
            "ops = [RunPython(f, reverse_code=RunPython.noop)]\n",
            id="star-import",
        ),
        pytest.param(
            "import django\nops = [django.db.migrations.RunSQL('x')]\n",
            "import django\nops = [django.db.migrations.RunSQL('x', "
            "reverse_sql=django.db.migrations.RunSQL.noop)]\n",
            id="import-django",
        ),
        pytest.param(
            "from django.db import migrations\nops = [(migrations.RunPython)(f)]\n",
            "from django.db import migrations\n"
            "ops = [(migrations.RunPython)(f, reverse_code=migrations.RunPython.noop)]\n",
            id="parenthesized-callee",
        ),
        pytest.param(
            "def make():\n"
            "    from django.db import migrations\n"
            "    return migrations.RunPython(f)\n",
            "def make():\n"
            "    from django.db import migrations\n"
            "    return migrations.RunPython(f, reverse_code=migrations.RunPython.noop)\n",
            id="import-inside-function",
        ),
        pytest.param(
            "from django.db import migrations\nops = [migrations.RunPython(f) for f in (a, b)]\n",
            "from django.db import migrations\n"
            "ops = [migrations.RunPython(f, reverse_code=migrations.RunPython.noop) "
            "for f in (a, b)]\n",
            id="comprehension",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "ops = list(map(lambda f: migrations.RunSQL(f), sqls))\n",
            "from django.db import migrations\n"
            "ops = list(map(lambda f: migrations.RunSQL(f, "
            "reverse_sql=migrations.RunSQL.noop), sqls))\n",
            id="lambda-body",
        ),
    ],
)
def test_noop_spelling(before: str, after: str) -> None:
    assert_fixed(before, after)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            "def RunPython(code):\n    return code\n\n\nops = [RunPython(print)]\n",
            id="local-function-called-RunPython",
        ),
        pytest.param(
            "class RunSQL:\n    def __init__(self, sql):\n        self.sql = sql\n\n\n"
            "ops = [RunSQL('SELECT 1')]\n",
            id="local-class-called-RunSQL",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "def make(migrations):\n    return migrations.RunPython(print)\n",
            id="parameter-shadows-migrations",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "def make():\n    migrations = Fake()\n    return migrations.RunPython(print)\n",
            id="local-variable-shadows-migrations",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    RunPython = staticmethod(print)\n"
            "    operations = [RunPython(print)]\n",
            id="class-attribute-shadows",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "ops = [migrations.RunPython(f) for migrations in fakes]\n",
            id="comprehension-variable-shadows",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "ops = [(lambda migrations: migrations.RunPython(f))(fake)]\n",
            id="lambda-parameter-shadows",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "try:\n    pass\nexcept Exception as migrations:\n"
            "    ops = [migrations.RunPython(f)]\n",
            id="bound-in-several-ways",
        ),
        pytest.param(
            "from myapp import migrations\nops = [migrations.RunPython(f)]\n",
            id="another-module-called-migrations",
        ),
        pytest.param(
            "from .migrations import RunPython\nops = [RunPython(f)]\n",
            id="relative-import",
        ),
        pytest.param("ops = [RunPython(f)]\n", id="unbound-name"),
        pytest.param(
            "from django.db import migrations\nops = [migrations.RunPython.noop(f)]\n",
            id="not-an-operation",
        ),
        pytest.param(
            "from django.db import migrations\nRP = pick(migrations.RunPython)\nops = [RP(f)]\n",
            id="alias-to-a-call-result",
        ),
        pytest.param(
            "from django.db import migrations\nA = B\nB = A\nops = [A(f)]\n",
            id="alias-loop",
        ),
        pytest.param(
            "from django.db import migrations\nops = [get().RunPython(f), x[0](f)]\n",
            id="callee-not-a-name",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "class Mixin:\n    pass\n"
            "class Other(Mixin):\n    pass\n"
            "ops = [Other(f)]\n",
            id="local-class-not-an-operation",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "if x:\n    class MyRunPython(migrations.RunPython):\n        pass\n"
            "else:\n    MyRunPython = None\n"
            "ops = [MyRunPython(f)]\n",
            id="class-bound-in-several-ways",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "match x:\n"
            "    case [*migrations]:\n        ops = [migrations.RunPython(f)]\n"
            "    case {**migrations}:\n        ops = [migrations.RunPython(f)]\n"
            "    case migrations:\n        ops = [migrations.RunPython(f)]\n",
            id="match-captures-shadow",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "def make():\n"
            "    ops = [migrations := fake]\n"
            "    return migrations.RunPython(f)\n",
            id="walrus-shadows",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "def make(*migrations):\n    return migrations.RunPython(f)\n"
            "def make2(**migrations):\n    return migrations.RunPython(f)\n",
            id="star-parameters-shadow",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "for migrations in fakes:\n    ops = [migrations.RunPython(f)]\n",
            id="for-target-shadows",
        ),
        pytest.param(
            "from django.db import migrations\n"
            "migrations.x, (migrations, y) = 1, (fake, 2)\n"
            "ops = [migrations.RunPython(f)]\n",
            id="tuple-target-shadows",
        ),
    ],
)
def test_not_djangos(source: str) -> None:
    assert_untouched(source)


# -- where the operations are ------------------------------------------------------------

MIGRATION = """\
from django.db import migrations


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
{}
    ]
"""


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL("ALTER TABLE t RENAME a TO b")],
            state_operations=[migrations.RenameField("t", "a", "b")],
        ),
    ]
""",
            """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL("ALTER TABLE t RENAME a TO b", \
reverse_sql=migrations.RunSQL.noop)],
            state_operations=[migrations.RenameField("t", "a", "b")],
        ),
    ]
""",
            id="SeparateDatabaseAndState",
        ),
        pytest.param(
            """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards)] + [
        migrations.RunSQL("SELECT 1"),
    ]
""",
            """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)] + [
        migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop),
    ]
""",
            id="list-plus-list",
        ),
        pytest.param(
            """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = []
    operations += [migrations.RunPython(forwards)]
""",
            """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = []
    operations += [migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)]
""",
            id="plus-equals",
        ),
        pytest.param(
            """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = []


Migration.operations.append(migrations.RunSQL("SELECT 1"))
""",
            """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = []


Migration.operations.append(migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop))
""",
            id="append",
        ),
        pytest.param(
            """\
from django.db import migrations
from django.conf import settings


class Migration(migrations.Migration):
    operations = []
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        operations.append(migrations.RunSQL("CREATE EXTENSION hstore"))
    try:
        import extra
    except ImportError:
        pass
    else:
        operations += [migrations.RunPython(extra.forwards)]
""",
            """\
from django.db import migrations
from django.conf import settings


class Migration(migrations.Migration):
    operations = []
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        operations.append(migrations.RunSQL("CREATE EXTENSION hstore", \
reverse_sql="DROP EXTENSION IF EXISTS hstore"))
    try:
        import extra
    except ImportError:
        pass
    else:
        operations += [migrations.RunPython(extra.forwards, \
reverse_code=migrations.RunPython.noop)]
""",
            id="if-and-try",
        ),
        pytest.param(
            """\
from django.db import migrations


class Migration(migrations.Migration):
    replaces = [("shop", "0002_a"), ("shop", "0003_b")]
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunPython(forwards),
    ]
""",
            """\
from django.db import migrations


class Migration(migrations.Migration):
    replaces = [("shop", "0002_a"), ("shop", "0003_b")]
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop),
    ]
""",
            id="squashed",
        ),
        pytest.param(
            """\
from django.db import migrations
from common.migrations import BaseMigration


class Migration(BaseMigration):
    operations = [migrations.RunSQL("SELECT 1")]
""",
            """\
from django.db import migrations
from common.migrations import BaseMigration


class Migration(BaseMigration):
    operations = [migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop)]
""",
            id="custom-base-class",
        ),
        pytest.param(
            """\
from django.db import migrations


def load_fixture(name):
    return migrations.RunPython(lambda apps, schema_editor: call_command("loaddata", name))


class Migration(migrations.Migration):
    operations = [load_fixture("products")]
""",
            """\
from django.db import migrations


def load_fixture(name):
    return migrations.RunPython(lambda apps, schema_editor: call_command("loaddata", name), \
reverse_code=migrations.RunPython.noop)


class Migration(migrations.Migration):
    operations = [load_fixture("products")]
""",
            id="helper-function",
        ),
        pytest.param(
            """\
from django.db import migrations

OPS = {"a": migrations.RunSQL("SELECT 1")}
op = OPS["a"] if x else (y := migrations.RunSQL("SELECT 2"))
""",
            """\
from django.db import migrations

OPS = {"a": migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop)}
op = OPS["a"] if x else (y := migrations.RunSQL("SELECT 2", reverse_sql=migrations.RunSQL.noop))
""",
            id="dict-and-walrus",
        ),
        pytest.param(
            """\
from django.db import migrations

ops = [migrations.RunSQL("x", state_operations=[migrations.RunPython(forwards)])]
""",
            """\
from django.db import migrations

ops = [migrations.RunSQL("x", reverse_sql=migrations.RunSQL.noop, \
state_operations=[migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)])]
""",
            id="nested-in-state-operations",
        ),
        pytest.param(
            """\
from django.db import migrations

ops = [migrations.RunPython(forwards)(x), migrations.RunSQL("x").describe()]
""",
            """\
from django.db import migrations

ops = [migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)(x), \
migrations.RunSQL("x", reverse_sql=migrations.RunSQL.noop).describe()]
""",
            id="another-call-starting-at-the-same-place",
        ),
        pytest.param(
            """\
from django.db import migrations

x = f'{migrations.RunSQL("SELECT 1")}'
""",
            """\
from django.db import migrations

x = f'{migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop)}'
""",
            id="inside-f-string",
        ),
    ],
)
def test_operations_anywhere(before: str, after: str) -> None:
    assert_fixed(before, after)


def test_every_operation_in_a_file_is_found_in_source_order() -> None:
    source = MIGRATION.format(
        "        migrations.RunSQL('a'), migrations.RunPython(forwards),\n"
        "        migrations.RunSQL('b', reverse_sql='c'),\n"
        "        migrations.RunPython(forwards, None),"
    )
    assert findings(source) == [
        ("MF002", 12, 8, MF002_MSG, True),
        ("MF001", 12, 32, MF001_MSG, True),
        ("MF001", 14, 8, MF001_NONE, True),
    ]


# -- subclasses, *args, **kwargs ----------------------------------------------------------


def test_local_subclass_without_init_is_fixed_with_its_own_noop() -> None:
    before = (
        "from django.db import migrations\n\n\n"
        "class MyRunPython(migrations.RunPython):\n    reduces_to_sql = False\n\n\n"
        "class Deeper(MyRunPython):\n    pass\n\n\n"
        "ops = [MyRunPython(forwards), Deeper(forwards)]\n"
    )
    after = (
        "from django.db import migrations\n\n\n"
        "class MyRunPython(migrations.RunPython):\n    reduces_to_sql = False\n\n\n"
        "class Deeper(MyRunPython):\n    pass\n\n\n"
        "ops = [MyRunPython(forwards, reverse_code=MyRunPython.noop), "
        "Deeper(forwards, reverse_code=Deeper.noop)]\n"
    )
    assert findings(before) == [
        ("MF001", 12, 7, "`MyRunPython` without `reverse_code` cannot be reversed", True),
        ("MF001", 12, 30, "`Deeper` without `reverse_code` cannot be reversed", True),
    ]
    assert_fixed(before, after)


def test_local_subclass_with_init_is_reported_not_fixed() -> None:
    source = (
        "from django.db.migrations import RunSQL\n\n\n"
        "class Sql(RunSQL):\n"
        "    def __init__(self, sql):\n"
        "        super().__init__(sql, reverse_sql=sql.replace('CREATE', 'DROP'))\n\n\n"
        "class Sub(Sql):\n    pass\n\n\n"
        "ops = [Sql('CREATE INDEX i ON t (a)'), Sub('x')]\n"
    )
    message = (
        "`{0}` without `reverse_sql` cannot be reversed; "
        "`{0}` defines its own `__init__`, so it is not rewritten"
    )
    found = check_source(source)
    assert [(f.code, f.line, f.column, f.message, f.fixable) for f in found] == [
        ("MF002", 13, 7, message.format("Sql"), False),
        ("MF002", 13, 39, message.format("Sub"), False),
    ]
    assert found[0].hint == "add a reverse by hand (`reverse_sql=...`)"
    assert fix_source(source) == source


@pytest.mark.parametrize(
    ("call", "code", "reverse", "noop"),
    [
        ("migrations.RunPython(*args)", "MF001", "reverse_code", "migrations.RunPython.noop"),
        ("migrations.RunPython(**kwargs)", "MF001", "reverse_code", "migrations.RunPython.noop"),
        ("migrations.RunPython(fwd, *args)", "MF001", "reverse_code", "migrations.RunPython.noop"),
        ("migrations.RunSQL(*args, None)", "MF002", "reverse_sql", "migrations.RunSQL.noop"),
        ("migrations.RunSQL('x', **kwargs)", "MF002", "reverse_sql", "migrations.RunSQL.noop"),
    ],
)
def test_star_args_are_reported_not_fixed(call: str, code: str, reverse: str, noop: str) -> None:
    source = f"from django.db import migrations\n\nops = [{call}]\n"
    found = check_source(source)
    name = "RunPython" if code == "MF001" else "RunSQL"
    assert [(f.code, f.line, f.column, f.message, f.fixable) for f in found] == [
        (
            code,
            3,
            7,
            f"`{name}` called with `*args`/`**kwargs`: cannot tell whether it has `{reverse}`",
            False,
        )
    ]
    assert found[0].hint == f"pass `{reverse}=` explicitly (e.g. `{noop}`)"
    assert fix_source(source) == source


def test_star_args_with_explicit_reverse_none_is_fixed() -> None:
    assert_fixed(
        HEAD + "ops = [migrations.RunPython(fwd, reverse_code=None, **kwargs)]\n",
        HEAD + "ops = [migrations.RunPython(fwd, reverse_code=migrations.RunPython.noop, "
        "**kwargs)]\n",
    )


# -- a migration class that raises in ``unapply`` -----------------------------------------

#: django-cms's ``IrreversibleMigration``, defined in the migration module.
IRREVERSIBLE = """\
from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError


class IrreversibleMigration(migrations.Migration):
    def unapply(self, project_state, schema_editor, collect_sql=False):
        raise IrreversibleError("Migration %s is not reversible" % self.name)


"""
NEVER_RUNS = (
    ": a reverse here would never run; the rollback stops at this migration whatever its "
    "operations say"
)
INHERITED = (
    "the migration's class inherits `unapply` from `IrreversibleMigration` (line 6), which "
    "always raises" + NEVER_RUNS
)


def test_a_class_that_raises_in_unapply_gets_no_reverse() -> None:
    source = IRREVERSIBLE + (
        "class Migration(IrreversibleMigration):\n"
        "    operations = [\n"
        "        migrations.RunPython(forwards),\n"
        '        migrations.RunSQL("UPDATE t SET a = 1", reverse_sql=None),\n'
        '        migrations.RunSQL("CREATE INDEX i ON t (a)"),\n'
        "    ]\n"
    )
    found = check_source(source)
    assert [(f.code, f.line, f.column, f.message, f.fixable, f.hint) for f in found] == [
        ("MF001", 12, 8, MF001_MSG, False, INHERITED),
        ("MF002", 13, 8, MF002_NONE, False, INHERITED),
        ("MF002", 14, 8, MF002_MSG, False, INHERITED),
    ]
    assert fix_source(source, unsafe_fixes=True) == source


def test_a_migration_class_of_its_own_that_raises_in_unapply_gets_no_reverse() -> None:
    source = (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [migrations.RunPython(forwards), migrations.RunPython(*args)]\n\n"
        "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
        '        raise NotImplementedError("one way only")\n'
    )
    found = check_source(source)
    hint = "`Migration.unapply` (line 7) always raises" + NEVER_RUNS
    assert [(f.code, f.line, f.column, f.message, f.fixable, f.hint) for f in found] == [
        ("MF001", 5, 18, MF001_MSG, False, hint),
        (
            "MF001",
            5,
            50,
            "`RunPython` called with `*args`/`**kwargs`: cannot tell whether it has `reverse_code`",
            False,
            hint,
        ),
    ]
    assert fix_source(source, unsafe_fixes=True) == source


def test_a_local_subclass_with_init_in_a_class_that_raises_in_unapply() -> None:
    source = IRREVERSIBLE + (
        "class Sql(migrations.RunSQL):\n"
        "    def __init__(self, sql):\n"
        "        super().__init__(sql)\n\n\n"
        "class Migration(IrreversibleMigration):\n"
        '    operations = [Sql("UPDATE t SET a = 1")]\n'
    )
    (found,) = check_source(source)
    assert (found.message, found.fixable, found.hint) == (
        "`Sql` without `reverse_sql` cannot be reversed",
        False,
        INHERITED,
    )


@pytest.mark.parametrize(
    "unapply",
    [
        pytest.param(
            "        if collect_sql:\n"
            "            raise IrreversibleError(self.name)\n"
            "        return super().unapply(project_state, schema_editor, collect_sql)\n",
            id="calls-super",
        ),
        pytest.param(
            "        logger.warning(self.name)\n"
            "        return super().unapply(project_state, schema_editor, collect_sql)\n",
            id="logs-then-calls-super",
        ),
        pytest.param(
            "        try:\n"
            "            raise IrreversibleError(self.name)\n"
            "        except IrreversibleError:\n"
            "            return project_state\n",
            id="catches-its-own-raise",
        ),
    ],
)
def test_a_class_whose_unapply_may_run_is_fixed(unapply: str) -> None:
    head = (
        "from django.db import migrations\n\n\n"
        "class CarefulMigration(migrations.Migration):\n"
        "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
        f"{unapply}\n\n"
        "class Migration(CarefulMigration):\n"
    )
    before = head + "    operations = [migrations.RunPython(forwards)]\n"
    after = (
        head + "    operations = [migrations.RunPython(forwards, "
        "reverse_code=migrations.RunPython.noop)]\n"
    )
    assert findings(before) == [("MF001", before.count("\n"), 18, MF001_MSG, True)]
    assert_fixed(before, after)


def test_a_migration_class_that_overrides_the_raising_unapply_is_fixed() -> None:
    head = IRREVERSIBLE + (
        "class Migration(IrreversibleMigration):\n"
        "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
        "        return migrations.Migration.unapply(self, project_state, schema_editor)\n\n"
    )
    assert_fixed(
        head + '    operations = [migrations.RunSQL("UPDATE t SET a = 1")]\n',
        head + '    operations = [migrations.RunSQL("UPDATE t SET a = 1", '
        "reverse_sql=migrations.RunSQL.noop)]\n",
    )


# -- layout ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "        migrations.RunPython(forwards),",
            "        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop),",
            id="one-line-stays-one-line",
        ),
        pytest.param(
            "        migrations.RunPython(\n"
            "            forwards,\n"
            "            elidable=True,\n"
            "        ),",
            "        migrations.RunPython(\n"
            "            forwards,\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "            elidable=True,\n"
            "        ),",
            id="one-per-line-middle",
        ),
        pytest.param(
            "        migrations.RunPython(\n            forwards,\n        ),",
            "        migrations.RunPython(\n"
            "            forwards,\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "        ),",
            id="one-per-line-trailing-comma",
        ),
        pytest.param(
            "        migrations.RunPython(\n            forwards\n        ),",
            "        migrations.RunPython(\n"
            "            forwards, reverse_code=migrations.RunPython.noop\n"
            "        ),",
            id="one-per-line-no-trailing-comma",
        ),
        pytest.param(
            "        migrations.RunPython(\n"
            "            code=forwards,\n"
            "            atomic=True\n"
            "        ),",
            "        migrations.RunPython(\n"
            "            code=forwards,\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "            atomic=True\n"
            "        ),",
            id="one-per-line-keyword-no-trailing-comma",
        ),
        pytest.param(
            "        migrations.RunPython(\n            forwards)",
            "        migrations.RunPython(\n"
            "            forwards,\n"
            "            reverse_code=migrations.RunPython.noop)",
            id="closing-paren-hugs-last-arg",
        ),
        pytest.param(
            "        migrations.RunPython(forwards,\n                             elidable=True),",
            "        migrations.RunPython(forwards,\n"
            "                             reverse_code=migrations.RunPython.noop,\n"
            "                             elidable=True),",
            id="hugging-aligned",
        ),
        pytest.param(
            "        migrations.RunPython(forwards,\n"
            "                             elidable=True,\n"
            "                             ),",
            "        migrations.RunPython(forwards,\n"
            "                             reverse_code=migrations.RunPython.noop,\n"
            "                             elidable=True,\n"
            "                             ),",
            id="hugging-aligned-trailing-comma",
        ),
        pytest.param(
            "        migrations.RunSQL('UPDATE t '\n                          'SET a = 1'),",
            "        migrations.RunSQL('UPDATE t '\n"
            "                          'SET a = 1', reverse_sql=migrations.RunSQL.noop),",
            id="hugging-single-argument",
        ),
        pytest.param(
            "        migrations.RunPython(forwards,\n        ),",
            "        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop,\n"
            "        ),",
            id="hugging-trailing-comma-closing-paren-on-its-own-line",
        ),
        pytest.param(
            "        migrations.RunPython(forwards,  # why\n        ),",
            "        migrations.RunPython(forwards,  # why\n"
            "        reverse_code=migrations.RunPython.noop,\n"
            "        ),",
            id="hugging-trailing-comma-and-comment",
        ),
        pytest.param(
            "        migrations.RunPython(forwards,),",
            "        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop,),",
            id="one-line-trailing-comma",
        ),
        pytest.param(
            "        migrations.RunPython( forwards, atomic = True ),",
            "        migrations.RunPython( forwards, reverse_code = migrations.RunPython.noop, "
            "atomic = True ),",
            id="spaces-kept-and-copied",
        ),
        pytest.param(
            "        migrations.RunPython(\n"
            "            forwards,  # the data migration\n"
            "            # keep it fast\n"
            "            elidable=True,\n"
            "        ),",
            "        migrations.RunPython(\n"
            "            forwards,  # the data migration\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "            # keep it fast\n"
            "            elidable=True,\n"
            "        ),",
            id="comments-kept",
        ),
        pytest.param(
            "        migrations.RunPython(\n"
            "            forwards,  # the data migration\n"
            "        ),",
            "        migrations.RunPython(\n"
            "            forwards,  # the data migration\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "        ),",
            id="comment-after-last-comma",
        ),
        pytest.param(
            "        migrations.RunPython(\n            forwards  # the data migration\n        ),",
            "        migrations.RunPython(\n"
            "            forwards, reverse_code=migrations.RunPython.noop  # the data migration\n"
            "        ),",
            id="comment-after-last-arg-no-comma",
        ),
        pytest.param(
            "        migrations.RunPython(  # data\n            forwards,\n        ),",
            "        migrations.RunPython(  # data\n"
            "            forwards,\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "        ),",
            id="comment-after-open-paren",
        ),
        pytest.param(
            "        migrations.RunPython(  # data\n            forwards\n        ),",
            "        migrations.RunPython(  # data\n"
            "            forwards, reverse_code=migrations.RunPython.noop\n"
            "        ),",
            id="comment-after-open-paren-no-comma",
        ),
        pytest.param(
            "        migrations.RunPython(\n"
            "            atomic=True,\n"
            "            code=forwards  # the data migration\n"
            "        ),",
            "        migrations.RunPython(\n"
            "            atomic=True,\n"
            "            code=forwards,  # the data migration\n"
            "            reverse_code=migrations.RunPython.noop\n"
            "        ),",
            id="comment-after-last-of-several-args-no-comma",
        ),
        pytest.param(
            "        migrations.RunSQL('SELECT 1'  # why\n        ),",
            "        migrations.RunSQL('SELECT 1', reverse_sql=migrations.RunSQL.noop  # why\n"
            "        ),",
            id="comment-after-hugging-arg",
        ),
        pytest.param(
            "        migrations.RunPython(\n"
            "            forwards,\n"
            "\n"
            "            elidable=True,\n"
            "        ),",
            "        migrations.RunPython(\n"
            "            forwards,\n"
            "            reverse_code=migrations.RunPython.noop,\n"
            "\n"
            "            elidable=True,\n"
            "        ),",
            id="blank-line-kept-before-next-arg",
        ),
        pytest.param(
            "        migrations.RunPython(\n            forwards,\n            None,\n        ),",
            "        migrations.RunPython(\n"
            "            forwards,\n"
            "            migrations.RunPython.noop,\n"
            "        ),",
            id="none-replaced-in-place",
        ),
        pytest.param(
            '        migrations.RunPython(forwards), migrations.RunSQL("""\n'
            "            UPDATE t SET a = 'é'\n"
            '        """),',
            "        migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop), "
            'migrations.RunSQL("""\n'
            "            UPDATE t SET a = 'é'\n"
            '        """, reverse_sql=migrations.RunSQL.noop),',
            id="two-on-a-line-and-triple-quoted-sql",
        ),
    ],
)
def test_layout(before: str, after: str) -> None:
    assert_fixed(MIGRATION.format(before), MIGRATION.format(after))


def test_tabs() -> None:
    before = (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "\toperations = [\n"
        "\t\tmigrations.RunPython(\n"
        "\t\t\tforwards,\n"
        "\t\t),\n"
        "\t\tmigrations.RunSQL('x'),\n"
        "\t]\n"
    )
    after = (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "\toperations = [\n"
        "\t\tmigrations.RunPython(\n"
        "\t\t\tforwards,\n"
        "\t\t\treverse_code=migrations.RunPython.noop,\n"
        "\t\t),\n"
        "\t\tmigrations.RunSQL('x', reverse_sql=migrations.RunSQL.noop),\n"
        "\t]\n"
    )
    assert findings(before) == [
        ("MF001", 6, 2, MF001_MSG, True),
        ("MF002", 9, 2, MF002_MSG, True),
    ]
    assert_fixed(before, after)


def test_non_ascii_before_the_call_on_the_same_line() -> None:
    # ``ast`` counts columns in UTF-8 bytes, libcst and the report in characters.
    before = HEAD + "x = 'é😀'; ops = [migrations.RunSQL('ü'), migrations.RunPython(f)]\n"
    after = (
        HEAD + "x = 'é😀'; ops = [migrations.RunSQL('ü', reverse_sql=migrations.RunSQL.noop), "
        "migrations.RunPython(f, reverse_code=migrations.RunPython.noop)]\n"
    )
    assert findings(before) == [
        ("MF002", 3, 17, MF002_MSG, True),
        ("MF001", 3, 41, MF001_MSG, True),
    ]
    assert_fixed(before, after)


def test_no_newline_at_end_of_file() -> None:
    assert_fixed(
        HEAD + "ops = [migrations.RunSQL('x')]",
        HEAD + "ops = [migrations.RunSQL('x', reverse_sql=migrations.RunSQL.noop)]",
    )


def test_mixed_newlines_new_line_takes_its_neighbours_newline() -> None:
    before = (
        "from django.db import migrations\r\n"
        "ops = [\n    migrations.RunPython(\n        f,\n    ),\n]\n"
    )
    after = (
        "from django.db import migrations\r\n"
        "ops = [\n    migrations.RunPython(\n        f,\n"
        "        reverse_code=migrations.RunPython.noop,\n    ),\n]\n"
    )
    assert_fixed(before, after)


def test_form_feed_libcst_cannot_reproduce_is_not_rewritten() -> None:
    # libcst drops a form feed that starts a top-level statement: rather than lose that
    # byte, the file is reported and left alone.
    source = HEAD + "\x0cops = [migrations.RunSQL('x')]\n"
    assert findings(source) == [("MF002", 3, 8, MF002_MSG, True)]
    with pytest.raises(ValueError, match="libcst cannot reproduce the file byte for byte"):
        fix_source(source, unsafe_fixes=True)


def test_form_feed_on_its_own_line_is_fine() -> None:
    assert_fixed(
        HEAD + "\x0c\nops = [migrations.RunSQL('x')]\n",
        HEAD + "\x0c\nops = [migrations.RunSQL('x', reverse_sql=migrations.RunSQL.noop)]\n",
    )


# -- byte-level layout, through the CLI on real files -----------------------------------------


def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    result = CliRunner().invoke(cli, [*args, "app"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout


def write_migration(tmp_path: Path, data: bytes, name: str = "0002_data.py") -> Path:
    folder = tmp_path / "app" / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def assert_cli_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: bytes, after: bytes, output: str
) -> None:
    """The CLI fixes the migration ``before`` into exactly the bytes ``after``, exits 0 and
    prints exactly ``output``."""
    path = write_migration(tmp_path, before)
    assert run_cli(tmp_path, monkeypatch) == (0, output)
    assert path.read_bytes() == after


def test_crlf_file_stays_crlf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = (
        b"from django.db import migrations\r\n"
        b"\r\n"
        b"\r\n"
        b"class Migration(migrations.Migration):\r\n"
        b"    operations = [\r\n"
        b"        migrations.RunPython(\r\n"
        b"            forwards,  # comment\r\n"
        b"        ),\r\n"
        b"        migrations.RunSQL(\r\n"
        b"            'SELECT 1'\r\n"
        b"        ),\r\n"
        b"    ]\r\n"
    )
    after = (
        b"from django.db import migrations\r\n"
        b"\r\n"
        b"\r\n"
        b"class Migration(migrations.Migration):\r\n"
        b"    operations = [\r\n"
        b"        migrations.RunPython(\r\n"
        b"            forwards,  # comment\r\n"
        b"            reverse_code=migrations.RunPython.noop,\r\n"
        b"        ),\r\n"
        b"        migrations.RunSQL(\r\n"
        b"            'SELECT 1', reverse_sql=migrations.RunSQL.noop\r\n"
        b"        ),\r\n"
        b"    ]\r\n"
    )
    assert_cli_fixed(
        tmp_path,
        monkeypatch,
        before,
        after,
        f"app/migrations/0002_data.py:6:9: MF001 {MF001_MSG} [fixed]\n"
        f"app/migrations/0002_data.py:9:9: MF002 {MF002_MSG} [fixed]\n"
        "Found 2 findings in 1 migration file (2 fixed, 0 remaining).\n",
    )


def test_utf8_bom_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = (
        codecs.BOM_UTF8
        + ("from django.db import migrations\nops = [migrations.RunSQL(\"SELECT 'é'\")]\n").encode()
    )
    after = (
        codecs.BOM_UTF8
        + (
            "from django.db import migrations\n"
            "ops = [migrations.RunSQL(\"SELECT 'é'\", reverse_sql=migrations.RunSQL.noop)]\n"
        ).encode()
    )
    assert_cli_fixed(
        tmp_path,
        monkeypatch,
        before,
        after,
        f"app/migrations/0002_data.py:2:8: MF002 {MF002_MSG} [fixed]\n"
        "Found 1 finding in 1 migration file (1 fixed, 0 remaining).\n",
    )


def test_latin1_coding_cookie_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = (
        b"# -*- coding: latin-1 -*-\n"
        b"from django.db import migrations\n"
        b"ops = [migrations.RunSQL(\"UPDATE t SET name = 'caf\xe9'\"), migrations.RunPython(f)]\n"
    )
    after = (
        b"# -*- coding: latin-1 -*-\n"
        b"from django.db import migrations\n"
        b"ops = [\n"
        b"    migrations.RunSQL(\"UPDATE t SET name = 'caf\xe9'\", "
        b"reverse_sql=migrations.RunSQL.noop),\n"
        b"    migrations.RunPython(f, reverse_code=migrations.RunPython.noop),\n"
        b"]\n"
    )
    assert_cli_fixed(
        tmp_path,
        monkeypatch,
        before,
        after,
        f"app/migrations/0002_data.py:3:8: MF002 {MF002_MSG} [fixed]\n"
        f"app/migrations/0002_data.py:3:57: MF001 {MF001_MSG} [fixed]\n"
        "Found 2 findings in 1 migration file (2 fixed, 0 remaining).\n",
    )


# -- noqa ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: MF001",
        "# noqa: MF001 data is disposable",
        "# noqa:MF001,MF002",
        "# noqa: MF002 MF001",
        "# NOQA: mf001",
        "# noqa : MF001",
        "# noqa",
        "# noqa: E501, MF001",
        "# type: ignore  # noqa: MF001",
    ],
)
def test_noqa_suppresses(comment: str) -> None:
    assert_untouched(HEAD + f"ops = [migrations.RunPython(forwards)]  {comment}\n")


def test_noqa_is_per_code() -> None:
    source = HEAD + "ops = [migrations.RunPython(f), migrations.RunSQL('x')]  # noqa: MF002\n"
    assert findings(source) == [("MF001", 3, 7, MF001_MSG, True)]
    assert fix_source(source) == (
        HEAD + "ops = [migrations.RunPython(f, reverse_code=migrations.RunPython.noop), "
        "migrations.RunSQL('x')]  # noqa: MF002\n"
    )


def test_noqa_on_the_operations_first_line() -> None:
    suppressed = HEAD + "ops = [\n    migrations.RunPython(  # noqa: MF001\n        f,\n    ),\n]\n"
    assert_untouched(suppressed)
    # Only the first line counts: a comment on the closing line does not suppress.
    late = HEAD + "ops = [\n    migrations.RunPython(\n        f,\n    ),  # noqa: MF001\n]\n"
    assert findings(late) == [("MF001", 4, 4, MF001_MSG, True)]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            HEAD + "ops = [migrations.RunPython(f)]  # noqa: E501\n", id="other-tool's-code"
        ),
        pytest.param(HEAD + "ops = [migrations.RunSQL('SELECT 1 -- # noqa')]\n", id="in-a-string"),
        pytest.param(HEAD + "ops = [migrations.RunSQL('x')]  # see noqa docs\n", id="noqa-word"),
    ],
)
def test_noqa_that_does_not_suppress(source: str) -> None:
    found = check_source(source)
    assert len(found) == 1
    assert found[0].fixable
    assert fix_source(source, unsafe_fixes=True) != source


def test_unknown_noqa_code_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = HEAD.encode() + b"ops = [migrations.RunPython(f)]  # noqa: MF999\n"
    path = write_migration(tmp_path, before)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    result = CliRunner().invoke(cli, ["--check", "app"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: app/migrations/0002_data.py:3:34: unknown rule code in noqa: MF999\n"
    )
    assert result.stdout == (
        f"app/migrations/0002_data.py:3:8: MF001 {MF001_MSG} [fixable]\n"
        "Found 1 finding in 1 migration file (1 fixable with `migration-fixer`).\n"
    )
    assert path.read_bytes() == before


def test_unknown_noqa_code_is_ignored_by_check_source() -> None:
    source = HEAD + "ops = [migrations.RunPython(f)]  # noqa: MF999, MF001\n"
    assert check_source(source) == []


def test_a_none_reverse_without_a_forward_argument_gets_the_noop() -> None:
    # Django refuses the call (no `code`); the report and the no-op are still right.
    before = (
        "from django.db import migrations\n\n"
        "operations = [migrations.RunPython(reverse_code=None)]\n"
    )
    assert findings(before) == [("MF001", 3, 14, MF001_NONE, True)]
    assert fix_source(before) == before.replace("None", "migrations.RunPython.noop")


# -- a base class that raises in ``unapply``, imported from the migrations package ----------

#: django-cms keeps ``IrreversibleMigration`` in ``cms/migrations/__init__.py``; its migrations
#: say ``from . import IrreversibleMigration``.
FROM_PACKAGE = (
    b"from django.db import migrations\n\n"
    b"from . import IrreversibleMigration\n\n\n"
    b"class Migration(IrreversibleMigration):\n"
    b"    operations = [migrations.RunPython(forwards)]\n"
)
FROM_PACKAGE_HINT = (
    "the migration's class inherits `unapply` from `IrreversibleMigration` (__init__.py, line "
    "6), which always raises" + NEVER_RUNS
)


def test_a_base_class_from_the_migrations_package_that_raises_in_unapply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_migration(tmp_path, FROM_PACKAGE, "0018_create_pagenode.py")
    (path.parent / "__init__.py").write_text(IRREVERSIBLE)
    finding = (
        f"app/migrations/0018_create_pagenode.py:7:19: MF001 {MF001_MSG}\n"
        f"  hint: {FROM_PACKAGE_HINT}\n"
    )
    assert run_cli(tmp_path, monkeypatch, "--check", "--no-cache") == (
        1,
        finding + "Found 1 finding in 1 migration file (0 fixable with `migration-fixer`).\n",
    )
    assert run_cli(tmp_path, monkeypatch, "--unsafe-fixes") == (
        1,
        finding + "Found 1 finding in 1 migration file (0 fixed, 1 remaining).\n",
    )
    assert path.read_bytes() == FROM_PACKAGE
    # The result depends on __init__.py: not cached, so a change there is seen.
    assert run_cli(tmp_path, monkeypatch, "--check")[0] == 1
    (path.parent / "__init__.py").write_text(
        IRREVERSIBLE.replace("raise IrreversibleError", "return")
    )
    assert run_cli(tmp_path, monkeypatch, "--check") == (
        1,
        f"app/migrations/0018_create_pagenode.py:7:19: MF001 {MF001_MSG} [fixable]\n"
        "Found 1 finding in 1 migration file (1 fixable with `migration-fixer`).\n",
    )


@pytest.mark.parametrize(
    "package",
    [
        pytest.param("from django.db import migrations\n", id="not-defined-there"),
        pytest.param(IRREVERSIBLE.replace("raise IrreversibleError", "return"), id="returns"),
        pytest.param(None, id="symlink-not-followed"),
        pytest.param("class IrreversibleMigration(:\n", id="does-not-parse"),
        pytest.param("sub", id="sub-package-not-read"),
    ],
)
def test_a_base_class_from_the_package_that_is_not_known_to_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package: str | None
) -> None:
    path = write_migration(tmp_path, FROM_PACKAGE, "0018_create_pagenode.py")
    init = path.parent / "__init__.py"
    if package == "sub":
        # (A module of a sub-package is not read.)
        path.write_bytes(FROM_PACKAGE.replace(b"from . import", b"from .sub.base import"))
        (path.parent / "sub").mkdir()
        (path.parent / "sub" / "base.py").write_text(IRREVERSIBLE)
    elif package is None:
        outside = tmp_path / "elsewhere.py"
        outside.write_text(IRREVERSIBLE)
        init.symlink_to(outside)
    else:
        init.write_text(package)
    assert run_cli(tmp_path, monkeypatch, "--check", "--no-cache") == (
        1,
        f"app/migrations/0018_create_pagenode.py:7:19: MF001 {MF001_MSG} [fixable]\n"
        "Found 1 finding in 1 migration file (1 fixable with `migration-fixer`).\n",
    )
