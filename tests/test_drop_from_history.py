"""MF002 undoes a ``DROP`` with the ``CREATE`` an earlier ``RunSQL`` of the folder ran:
the replay of the earlier statements (:func:`invert` with ``earlier``), then the rule on
a folder's history (its ancestors in graph order, then the same migration), and the runner
loading that history only for a file with a ``DROP``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migration_fixer import runner
from migration_fixer.history import History
from migration_fixer.rule import Finding, RuleSettings
from migration_fixer.rules import mf002_runsql_reverse as mf002
from migration_fixer.runner import FileResult, Options, process_file, process_source
from migration_fixer.source import SourceFile
from migration_fixer.sqlinverse import Earlier, Inversion, invert

PG, MY, LITE = ("postgresql",), ("mysql",), ("sqlite",)
INDEX = "CREATE INDEX shop_active_idx ON shop_product (stock) WHERE active"
VIEW = "CREATE VIEW shop_cheap AS SELECT id FROM shop_product WHERE price < 5"
FUNCTION = (
    "CREATE FUNCTION shop_touch() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql"
)
TRIGGER = (
    "CREATE TRIGGER shop_trg BEFORE INSERT ON shop_product FOR EACH ROW "
    "EXECUTE PROCEDURE shop_touch()"
)
UNDONE = "cannot be undone"
NOT_FOUND = (
    "cannot be undone without the object's definition (no earlier `RunSQL` of this "
    "migrations folder creates it)"
)


def ran(*texts: str, where: str = "0002_sql.py:8") -> Earlier:
    return Earlier(where, tuple((text, False) for text in texts))


@pytest.mark.parametrize(
    ("drop", "dialects", "earlier", "reverse"),
    [
        (["DROP INDEX shop_active_idx"], PG, [ran(INDEX)], (INDEX,)),
        (["DROP INDEX shop_active_idx"], LITE, [ran(INDEX)], (INDEX,)),
        (["DROP INDEX IF EXISTS shop_active_idx"], PG, [ran(INDEX)], (INDEX,)),
        (["DROP INDEX CONCURRENTLY shop_active_idx"], PG, [ran(INDEX)], (INDEX,)),
        # MySQL: an index name is unique per table, and DROP INDEX names the table
        (["DROP INDEX shop_active_idx ON shop_product"], MY, [ran(INDEX)], (INDEX,)),
        (["DROP VIEW shop_cheap"], (), [ran(VIEW)], (VIEW,)),
        (["DROP FUNCTION shop_touch()"], PG, [ran(FUNCTION)], (FUNCTION,)),
        (["DROP FUNCTION IF EXISTS shop_touch"], PG, [ran(FUNCTION)], (FUNCTION,)),
        (["DROP TRIGGER shop_trg ON shop_product"], PG, [ran(FUNCTION, TRIGGER)], (TRIGGER,)),
        (
            ["DROP TRIGGER shop_trg"],
            MY,
            ["CREATE TRIGGER shop_trg BEFORE INSERT ON shop_product FOR EACH ROW SET NEW.a = 1"],
            ("CREATE TRIGGER shop_trg BEFORE INSERT ON shop_product FOR EACH ROW SET NEW.a = 1",),
        ),
        # a body the parser would split at its inner `;` is one statement
        (
            ["DROP TRIGGER shop_trg"],
            LITE,
            [
                "CREATE TRIGGER shop_trg AFTER INSERT ON shop_product BEGIN "
                "UPDATE shop_product SET stock = 0; END;"
            ],
            (
                "CREATE TRIGGER shop_trg AFTER INSERT ON shop_product BEGIN "
                "UPDATE shop_product SET stock = 0; END",
            ),
        ),
        (
            ["DROP EXTENSION IF EXISTS hstore"],
            PG,
            [ran("CREATE EXTENSION hstore")],
            ("CREATE EXTENSION hstore",),
        ),
        (
            ["DROP MATERIALIZED VIEW shop_mv"],
            PG,
            [ran("CREATE MATERIALIZED VIEW shop_mv AS SELECT 1")],
            ("CREATE MATERIALIZED VIEW shop_mv AS SELECT 1",),
        ),
        (
            ["DROP TABLE shop_log"],
            (),
            [ran("CREATE TABLE shop_log (id int)")],
            ("CREATE TABLE shop_log (id int)",),
        ),
        # several statements in one string: each CREATE as written, without the `;`
        (["DROP VIEW shop_cheap"], (), [ran(f"{INDEX};\n{VIEW};\n")], (VIEW,)),
        # dropped and created again: the latest CREATE
        (
            ["DROP VIEW shop_cheap"],
            (),
            [
                ran(VIEW),
                ran("DROP VIEW shop_cheap", where="0003_a.py:8"),
                ran("CREATE VIEW shop_cheap AS SELECT 2", where="0004_b.py:8"),
            ],
            ("CREATE VIEW shop_cheap AS SELECT 2",),
        ),
        # OR REPLACE is the latest definition
        (
            ["DROP VIEW shop_cheap"],
            PG,
            [ran(VIEW), ran("CREATE OR REPLACE VIEW shop_cheap AS SELECT 3")],
            ("CREATE OR REPLACE VIEW shop_cheap AS SELECT 3",),
        ),
        # IF NOT EXISTS on an object that exists does nothing
        (
            ["DROP INDEX shop_active_idx"],
            PG,
            [ran(INDEX), ran("CREATE INDEX IF NOT EXISTS shop_active_idx ON shop_product (id)")],
            (INDEX,),
        ),
        # identifiers compared as the database does: unquoted ones fold to lower case
        (["DROP INDEX Shop_Active_Idx"], PG, [ran(INDEX)], (INDEX,)),
        (['DROP INDEX "shop_active_idx"'], PG, [ran(INDEX)], (INDEX,)),
        (["DROP INDEX SHOP_ACTIVE_IDX"], LITE, [ran(INDEX)], (INDEX,)),
        (
            ["DROP INDEX s.shop_i"],
            PG,
            [ran("CREATE INDEX shop_i ON s.shop_product (id)")],
            ("CREATE INDEX shop_i ON s.shop_product (id)",),
        ),
        # created earlier in the same RunSQL
        (
            [INDEX, "DROP INDEX shop_active_idx"],
            PG,
            [],
            (INDEX, "DROP INDEX IF EXISTS shop_active_idx"),
        ),
        # several drops: the CREATEs in reverse order
        (
            ["DROP VIEW shop_cheap", "DROP INDEX shop_active_idx"],
            PG,
            [ran(INDEX, VIEW)],
            (INDEX, VIEW),
        ),
        # data statements in between change no definition
        (
            ["DROP INDEX shop_active_idx"],
            PG,
            [ran(INDEX), ran("UPDATE shop_product SET stock = 0")],
            (INDEX,),
        ),
    ],
)
def test_a_drop_gets_the_create_that_made_the_object(
    drop: list[str],
    dialects: tuple[str, ...],
    earlier: list[Earlier | str],
    reverse: tuple[str, ...],
) -> None:
    calls = [ran(e) if isinstance(e, str) else e for e in earlier]
    assert invert(drop, dialects, lambda: calls) == Inversion(reverse)


@pytest.mark.parametrize(
    ("drop", "dialects", "earlier", "why"),
    [
        (
            ["DROP INDEX shop_other_idx"],
            PG,
            [ran(INDEX)],
            f"`DROP INDEX shop_other_idx` {NOT_FOUND}",
        ),
        (
            ["DROP INDEX IF EXISTS shop_other_idx"],
            PG,
            [],
            f"`DROP INDEX shop_other_idx` {NOT_FOUND}",
        ),
        # a quoted name keeps its case: another index
        (
            ['DROP INDEX "Shop_Active_Idx"'],
            PG,
            [ran(INDEX)],
            f'`DROP INDEX "Shop_Active_Idx"` {NOT_FOUND}',
        ),
        # MySQL: the same index name on another table is another index
        (
            ["DROP INDEX shop_active_idx ON shop_order"],
            MY,
            [ran(INDEX)],
            f"`DROP INDEX shop_active_idx` {NOT_FOUND}",
        ),
        (
            ["DROP VIEW shop_cheap"],
            (),
            [ran(VIEW), ran("ALTER VIEW shop_cheap RENAME TO shop_cheap2", where="0003_r.py:9")],
            f"`DROP VIEW shop_cheap` {UNDONE} with certainty: it was renamed to `shop_cheap2` "
            "at 0003_r.py:9",
        ),
        (
            ["DROP VIEW shop_cheap2"],
            PG,
            [ran(VIEW), ran("ALTER VIEW shop_cheap RENAME TO shop_cheap2", where="0003_r.py:9")],
            f"`DROP VIEW shop_cheap2` {UNDONE} with certainty: `shop_cheap` was renamed to it "
            "at 0003_r.py:9",
        ),
        (
            ["DROP INDEX shop_active_idx"],
            PG,
            [ran(INDEX), ran("ALTER INDEX shop_active_idx SET TABLESPACE fast", where="0003:7")],
            f"`DROP INDEX shop_active_idx` {UNDONE} with certainty: it was changed "
            "(`ALTER INDEX`) at 0003:7",
        ),
        (
            ["DROP INDEX shop_active_idx"],
            PG,
            [ran(INDEX), ran(INDEX, where="0003_again.py:7")],
            f"`DROP INDEX shop_active_idx` {UNDONE} with certainty: it is created twice "
            "(0002_sql.py:8 and 0003_again.py:7)",
        ),
        (
            ["DROP INDEX shop_active_idx"],
            PG,
            [ran(INDEX), ran("DROP INDEX shop_active_idx", where="0003_d.py:8")],
            "`DROP INDEX shop_active_idx` cannot be undone without the object's definition "
            "(the `RunSQL` at 0003_d.py:8 dropped it, and no later one creates it again)",
        ),
        (
            ["DROP INDEX shop_active_idx"],
            PG,
            [
                ran(INDEX),
                Earlier(
                    "0003_x.py:8",
                    None,
                    "the `RunSQL` at 0003_x.py:8 runs SQL that is not a literal",
                ),
            ],
            f"`DROP INDEX shop_active_idx` {UNDONE} with certainty: the `RunSQL` at 0003_x.py:8 "
            "runs SQL that is not a literal, which may change it",
        ),
        # SQL the replay does not follow that names the object may change it
        (
            ["DROP INDEX shop_active_idx"],
            PG,
            [ran(INDEX), ran("REINDEX (VERBOSE) shop_active_idx ((", where="0003:5")],
            f"`DROP INDEX shop_active_idx` {UNDONE} with certainty: "
            "`REINDEX (VERBOSE) shop_active_idx ((` (0003:5), which may change it",
        ),
        (
            ["DROP INDEX shop_active_idx"],
            PG,
            [Earlier("0002_p.py:8", ((INDEX + " AND stock > %s", True),))],
            f"`DROP INDEX shop_active_idx` {UNDONE} with certainty: it is created with "
            "parameters at 0002_p.py:8",
        ),
        # the table's CREATE alone does not restore the index added to it
        (
            ["DROP TABLE shop_product"],
            PG,
            [ran("CREATE TABLE shop_product (id int)"), ran(INDEX, where="0003:8")],
            f"`DROP TABLE shop_product` {UNDONE} with certainty: `INDEX shop_active_idx` was "
            "added to it at 0003:8",
        ),
        (
            ["DROP INDEX shop_active_idx"],
            PG,
            [ran(INDEX), ran("ALTER TABLE shop_product RENAME TO shop_item", where="0003:8")],
            f"`DROP INDEX shop_active_idx` {UNDONE} with certainty: its table was renamed "
            "at 0003:8",
        ),
        (
            ["DROP INDEX shop_active_idx"],
            PG,
            [ran(INDEX), ran("DROP TABLE shop_product", where="0003:8")],
            "`DROP INDEX shop_active_idx` cannot be undone without the object's definition "
            "(the `RunSQL` at 0003:8 dropped it, and no later one creates it again)",
        ),
        # unknown dialect: `DROP INDEX i` names no table, as MySQL needs
        (
            ["DROP INDEX shop_active_idx"],
            (),
            [ran(INDEX)],
            f"`DROP INDEX shop_active_idx` {NOT_FOUND} on MySQL/MariaDB",
        ),
    ],
)
def test_a_drop_without_a_certain_create(
    drop: list[str], dialects: tuple[str, ...], earlier: list[Earlier], why: str
) -> None:
    shown = drop[0] if len(drop) == 1 else ""
    suffix = " on MySQL/MariaDB" if why.endswith(" on MySQL/MariaDB") else ""
    reason = why.removesuffix(suffix)
    assert invert(drop, dialects, lambda: earlier) == Inversion(
        None, False, f"no certain inverse for `{shown}`: {reason}{suffix}"
    )


def test_one_drop_without_a_create_leaves_the_whole_call_without_an_inverse() -> None:
    assert invert(["DROP VIEW shop_cheap", "DROP INDEX shop_gone"], PG, lambda: [ran(VIEW)]) == (
        Inversion(
            None,
            False,
            "no certain inverse for "
            f"statement 2 of 2 (`DROP INDEX shop_gone`): `DROP INDEX shop_gone` {NOT_FOUND}",
        )
    )


def test_the_earlier_calls_are_read_only_for_a_drop() -> None:
    def fail() -> list[Earlier]:
        raise AssertionError("read without a DROP")

    assert invert([INDEX], PG, fail) == Inversion(("DROP INDEX IF EXISTS shop_active_idx",))


@pytest.mark.parametrize(
    ("drop", "why"),
    [
        (
            "DROP TABLE shop_product CASCADE",
            "`DROP TABLE`: dropping several objects, or with CASCADE, cannot be undone",
        ),
        ("DROP EXTENSION a, b", "none known for `DROP EXTENSION a, b`"),
    ],
)
def test_a_drop_that_cannot_be_undone_reads_no_earlier_call(drop: str, why: str) -> None:
    def fail() -> list[Earlier]:
        raise AssertionError("read for a DROP that cannot be undone")

    expected = Inversion(None, False, f"no certain inverse for `{drop}`: {why}")
    assert invert([drop], PG, fail) == expected


def test_the_replay_reads_each_earlier_text_once_per_dialect() -> None:
    from migration_fixer import sqlinverse

    sqlinverse._split.remembered.cache_clear()
    sqlinverse._events.remembered.cache_clear()
    earlier = [ran(INDEX, VIEW), ran("ALTER TABLE shop_product ADD COLUMN a int; SELECT 1")]
    assert invert(["DROP VIEW shop_cheap"], (), lambda: earlier) == Inversion((VIEW,))
    # On each of three dialects: the statements of each earlier text and of this call's
    # (4 texts), and the events of each earlier statement (4; none of this call's comes
    # before its DROP).
    assert sqlinverse._split.remembered.cache_info()[:2] == (0, 3 * 4)
    assert sqlinverse._events.remembered.cache_info()[:2] == (0, 3 * 4)
    # A later DROP of the folder reads the same texts again: from what the replay kept
    # (only its own text is new).
    assert invert(["DROP INDEX shop_active_idx"], PG, lambda: earlier) == Inversion((INDEX,))
    assert sqlinverse._split.remembered.cache_info()[:2] == (3, 3 * 4 + 1)
    assert sqlinverse._events.remembered.cache_info()[:2] == (4, 3 * 4)


def test_a_long_text_is_read_again_for_each_drop() -> None:
    from migration_fixer import sqlinverse

    view = VIEW + " AND price > 0" * 300
    assert len(view) > sqlinverse._Remembered.LONG
    sqlinverse._split.remembered.cache_clear()
    sqlinverse._events.remembered.cache_clear()
    for _ in range(2):
        assert invert(["DROP VIEW shop_cheap"], PG, lambda: [ran(view)]) == Inversion((view,))
    # Only the DROP's own text is remembered: read the first time, found the second.
    assert sqlinverse._split.remembered.cache_info()[:2] == (1, 1)
    assert sqlinverse._events.remembered.cache_info()[:2] == (0, 0)


# -- the rule on a folder's history ----------------------------------------------------------

FOLDER = Path("/nonexistent-mf002-history/shop/migrations")


def migration(dependencies: str, operations: str, head: str = "") -> str:
    return (
        f"from django.db import migrations\n{head}\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [{dependencies}]\n"
        "    operations = [\n"
        f"{operations}"
        "    ]\n"
    )


INITIAL = migration("", "        migrations.RunSQL('CREATE TABLE shop_product (id int)', ''),\n")
CREATES = migration(
    '("shop", "0001_initial")',
    f'        migrations.RunSQL("{INDEX}", reverse_sql="DROP INDEX shop_active_idx"),\n'
    f'        migrations.RunSQL(["{VIEW}"], reverse_sql=["DROP VIEW shop_cheap"]),\n',
)
DROPS = migration(
    '("shop", "0002_creates")', '        migrations.RunSQL("DROP INDEX shop_active_idx"),\n'
)


def folder(creates: str = CREATES, drops: str = DROPS) -> dict[str, str]:
    """The folder: 0001 creates the table, 0002 (``creates``), 0003 (``drops``)."""
    return {"0001_initial.py": INITIAL, "0002_creates.py": creates, "0003_drops.py": drops}


def fix(
    sources: dict[str, str], name: str, dialects: tuple[str, ...] = PG
) -> tuple[str, list[Finding]]:
    """The fixed text of ``name`` (in a folder of ``sources``) and its findings."""
    history = History.from_sources(FOLDER, sources)
    options = Options(
        select=frozenset({"MF002"}),
        rewrite=True,
        settings=RuleSettings((("MF002", "dialect", ",".join(dialects)),)),
    )
    path = FOLDER / name
    result = process_source(
        SourceFile(path, sources[name], "utf-8", False),
        [mf002],
        options,
        FileResult(path),
        load_history=lambda: history,
    )
    assert result.problems == []
    return (result.change.new_text if result.change else sources[name]), result.findings


def split(first: str, reverse: str, indent: str = "        ") -> str:
    """A ``RunSQL(first)`` line once the fix added ``reverse_sql=``: too long, it is split
    as black splits a call, one argument a line; a ``reverse_sql=`` line still too long
    has its string in parentheses on a line of its own."""
    inner = indent + "    "
    value = reverse
    if len(f"{inner}reverse_sql={reverse},") > 88:
        value = f"(\n{inner}    {reverse}\n{inner})"
    return f"{indent}migrations.RunSQL(\n{inner}{first},\n{inner}reverse_sql={value},\n{indent}),\n"


def hint(findings: list[Finding]) -> str | None:
    (finding,) = findings
    return finding.hint


def test_a_drop_of_an_index_created_in_an_ancestor_gets_its_create() -> None:
    sources = folder()
    fixed, findings = fix(sources, "0003_drops.py")
    assert fixed == DROPS.replace(
        '        migrations.RunSQL("DROP INDEX shop_active_idx"),\n',
        split('"DROP INDEX shop_active_idx"', f'"{INDEX}"'),
    )
    assert [(f.code, f.line, f.hint, f.fix and f.fix.applicability.value) for f in findings] == [
        ("MF002", 7, None, "safe")
    ]


def test_mysql_drop_index_on_its_table() -> None:
    drops = DROPS.replace("shop_active_idx", "shop_active_idx ON shop_product")
    sources = folder(drops=drops)
    fixed, _ = fix(sources, "0003_drops.py", MY)
    assert f'reverse_sql=(\n                "{INDEX}"\n            ),\n' in fixed


def test_a_drop_of_a_view_created_earlier_in_the_same_migration() -> None:
    source = migration(
        '("shop", "0001_initial")',
        f'        migrations.RunSQL("{VIEW}", migrations.RunSQL.noop),\n'
        "        migrations.AddField('product', 'x', None),\n"
        "        migrations.RunPython(migrations.RunPython.noop),  # (not read)\n"
        '        migrations.RunSQL(sql="DROP VIEW shop_cheap"),\n',
    )
    fixed, _ = fix({"0001_initial.py": INITIAL, "0002_same.py": source}, "0002_same.py")
    assert fixed == source.replace(
        '        migrations.RunSQL(sql="DROP VIEW shop_cheap"),\n',
        split('sql="DROP VIEW shop_cheap"', f'"{VIEW}"'),
    )


def test_a_create_inside_separate_database_and_state_counts() -> None:
    creates = migration(
        '("shop", "0001_initial")',
        "        migrations.SeparateDatabaseAndState(database_operations=[\n"
        f'            migrations.RunSQL([("{INDEX}", None)], "DROP INDEX shop_active_idx"),\n'
        "        ], state_operations=[\n"
        '            migrations.RunSQL("CREATE INDEX shop_active_idx ON t (a)"),\n'
        "        ]),\n",
    )
    sources = folder(creates=creates)
    fixed, _ = fix(sources, "0003_drops.py")
    assert f'reverse_sql=(\n                "{INDEX}"\n            ),\n' in fixed


def test_a_function_and_a_trigger_dropped_in_reverse_order() -> None:
    creates = migration(
        '("shop", "0001_initial")',
        f'        migrations.RunSQL("{FUNCTION}", "DROP FUNCTION shop_touch()"),\n'
        f'        migrations.RunSQL("{TRIGGER}", "DROP TRIGGER shop_trg ON shop_product"),\n',
    )
    drops = migration(
        '("shop", "0002_creates")',
        "        migrations.RunSQL([\n"
        '            "DROP TRIGGER shop_trg ON shop_product",\n'
        '            ("DROP FUNCTION shop_touch()", []),\n'
        "        ]),\n",
    )
    sources = folder(creates=creates, drops=drops)
    fixed, _ = fix(sources, "0003_drops.py")
    assert fixed == drops.replace(
        "        ]),\n", f'        ], reverse_sql=["{FUNCTION}", "{TRIGGER}"]),\n'
    )


def test_a_drop_recreated_twice_takes_the_latest_and_a_rename_has_no_inverse() -> None:
    later = "CREATE INDEX shop_active_idx ON shop_product (stock, id)"
    again = migration(
        '("shop", "0002_creates")',
        f'        migrations.RunSQL(["DROP INDEX shop_active_idx", "{later}"]),\n',
    )
    drops = DROPS.replace("0002_creates", "0003_again")
    sources = {
        "0001_initial.py": INITIAL,
        "0002_creates.py": CREATES,
        "0003_again.py": again,
        "0004_drops.py": drops,
    }
    fixed, _ = fix(sources, "0004_drops.py")
    assert f'reverse_sql="{later}",\n' in fixed
    # 0003's own DROP gets the index as 0002 created it
    fixed, _ = fix(sources, "0003_again.py")
    assert (
        "            reverse_sql=[\n"
        '                "DROP INDEX IF EXISTS shop_active_idx",\n'
        f'                "{INDEX}",\n'
        "            ],\n"
    ) in fixed

    renamed = migration(
        '("shop", "0002_creates")',
        '        migrations.RunSQL("ALTER INDEX shop_active_idx RENAME TO shop_idx", '
        '"ALTER INDEX shop_idx RENAME TO shop_active_idx"),\n',
    )
    sources["0003_again.py"] = renamed
    fixed, findings = fix(sources, "0004_drops.py")
    assert fixed == drops
    assert hint(findings) == (
        "no certain inverse for `DROP INDEX shop_active_idx`: `DROP INDEX shop_active_idx` "
        "cannot be undone with certainty: it was renamed to `shop_idx` at 0003_again.py:7; "
        "a no-op reverse would leave the schema changed after a rollback that reports "
        "success: write `reverse_sql=` by hand, or accept the no-op with --unsafe-fixes"
    )


def test_two_drops_in_one_migration_and_one_that_does_not_run() -> None:
    drops = migration(
        '("shop", "0002_creates")',
        '        migrations.RunSQL("DROP VIEW shop_cheap"),\n'
        "        migrations.SeparateDatabaseAndState(state_operations=[\n"
        '            migrations.RunSQL("DROP INDEX shop_active_idx"),\n'
        "        ]),\n"
        '        migrations.RunSQL("DROP INDEX shop_active_idx"),\n',
    )
    sources = folder(drops=drops)
    fixed, findings = fix(sources, "0003_drops.py")
    last = '        migrations.RunSQL("DROP INDEX shop_active_idx"),\n    ]'
    assert fixed == drops.replace(
        '        migrations.RunSQL("DROP VIEW shop_cheap"),\n',
        split('"DROP VIEW shop_cheap"', f'"{VIEW}"'),
    ).replace(last, split('"DROP INDEX shop_active_idx"', f'"{INDEX}"') + "    ]")
    # The database never runs the one in state_operations: every RunSQL the database runs
    # in its migration counts as earlier, the later DROP too.
    assert [(f.line, f.hint) for f in findings] == [
        (7, None),
        (
            9,
            "no certain inverse for `DROP INDEX shop_active_idx`: `DROP INDEX shop_active_idx` "
            "cannot be undone without the object's definition (the `RunSQL` at "
            "0003_drops.py:11 dropped it, and no later one creates it again); a no-op reverse "
            "would leave the schema changed after a rollback that reports success: write "
            "`reverse_sql=` by hand, or accept the no-op with --unsafe-fixes",
        ),
        (11, None),
    ]


def test_a_migration_whose_operations_cannot_be_read_has_no_earlier_calls_of_its_own() -> None:
    dynamic = (
        "from django.db import migrations\n\n"
        f'CREATE = migrations.RunSQL("{VIEW}")\n\n\n'
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0001_initial')]\n"
        '    operations = [CREATE] + make(migrations.RunSQL("DROP VIEW shop_cheap"))\n'
    )
    sources = {"0001_initial.py": INITIAL, "0002_dynamic.py": dynamic}
    _, findings = fix(sources, "0002_dynamic.py")
    assert [f.hint for f in findings if "DROP" in (f.hint or "")] == [
        "no certain inverse for `DROP VIEW shop_cheap`: `DROP VIEW shop_cheap` cannot be "
        "undone without the object's definition (no earlier `RunSQL` of this migrations folder "
        "creates it, but the operations of 0002_dynamic are built dynamically (`operations` is "
        "`make(migrations.RunSQL('DROP VIEW shop_cheap'))`)); a no-op reverse would "
        "leave the schema changed after a rollback that reports success: write `reverse_sql=` "
        "by hand, or accept the no-op with --unsafe-fixes"
    ]


@pytest.mark.parametrize(
    ("creates", "drops"),
    [
        # 0002_creates is on another branch: it may run after 0003_drops
        (CREATES, DROPS.replace("0002_creates", "0001_initial")),
        # a Django operation's index: no CREATE to run
        (
            migration(
                '("shop", "0001_initial")',
                "        migrations.AddIndex('product', models.Index(fields=['stock'], "
                "name='shop_active_idx')),\n",
                head="from django.db import models\n",
            ),
            DROPS,
        ),
    ],
    ids=["not-an-ancestor", "django-operation"],
)
def test_no_create_of_a_runsql_before_it(creates: str, drops: str) -> None:
    fixed, findings = fix(folder(creates, drops), "0003_drops.py")
    assert fixed == drops
    assert f"`DROP INDEX shop_active_idx` {NOT_FOUND}" in (hint(findings) or "")


def test_a_django_operation_naming_the_object_may_have_changed_it() -> None:
    # The index is Django's in the state (state_operations) and replaced by Django in 0003.
    creates = migration(
        '("shop", "0001_initial")',
        "        migrations.SeparateDatabaseAndState(\n"
        "            database_operations=[\n"
        f'                migrations.RunSQL("{INDEX}", "DROP INDEX shop_active_idx"),\n'
        "            ],\n"
        "            state_operations=[\n"
        "                migrations.AddIndex(\n"
        "                    'product', models.Index(fields=['stock'], name='shop_active_idx')\n"
        "                ),\n"
        "            ],\n"
        "        ),\n",
        head="from django.db import models\n",
    )
    replaces = migration(
        '("shop", "0002_creates")',
        "        migrations.RemoveIndex('product', 'shop_active_idx'),\n"
        "        migrations.AddIndex('product', models.Index(fields=['id'], "
        "name='shop_active_idx')),\n",
        head="from django.db import models\n",
    )
    sources = {
        "0001_initial.py": INITIAL,
        "0002_creates.py": creates,
        "0003_replaces.py": replaces,
        "0004_drops.py": DROPS.replace("0002_creates", "0003_replaces"),
    }
    _, findings = fix(sources, "0004_drops.py")
    assert (
        f"`DROP INDEX shop_active_idx` {UNDONE} with certainty: `RemoveIndex` at "
        "0003_replaces.py:8, which may change it;"
    ) in (hint(findings) or "")


@pytest.mark.parametrize(
    ("callee", "shown"),
    [
        ("AddIndex", "AddIndex"),
        ("migrations.operations.AddIndex", "AddIndex"),
        ("OPERATIONS['index']", "OPERATIONS['index']"),
        ("factory('a.b').Index", "Index"),
        ("factory('a.b')", "b')"),
    ],
)
def test_another_operation_is_shown_by_the_last_part_of_its_callee(callee: str, shown: str) -> None:
    """As ``ast.unparse`` spells the callee, after its last dot."""
    call = ast.parse(f"{callee}()", mode="eval").body
    assert isinstance(call, ast.Call)
    assert mf002._callee_name(call.func) == shown


@pytest.mark.parametrize(
    ("between", "why"),
    [
        (
            '        migrations.RunSQL("DROP INDEX shop_active_idx") if FLAG else None,\n',
            "`migrations.RunSQL('DROP INDEX shop_active_idx') if FLAG e...` at "
            "0003_between.py:8, which may change it",
        ),
        (
            "        migrations.RunSQL(SQL, ''),\n",
            "the `RunSQL` at 0003_between.py:8 runs SQL that is not a literal, which may change it",
        ),
        (
            "        migrations.SeparateDatabaseAndState(database_operations=OPS),\n",
            "the `database_operations` at 0003_between.py:8 are built dynamically, which may "
            "change it",
        ),
    ],
)
def test_what_cannot_be_read_in_between_may_change_the_object(between: str, why: str) -> None:
    middle = migration('("shop", "0002_creates")', between, head="SQL = OPS = FLAG = None\n")
    drops = DROPS.replace("0002_creates", "0003_between")
    sources = {
        "0001_initial.py": INITIAL,
        "0002_creates.py": CREATES,
        "0003_between.py": middle,
        "0004_drops.py": drops,
    }
    _, findings = fix(sources, "0004_drops.py")
    assert f"cannot be undone with certainty: {why};" in (hint(findings) or "")


def test_an_unreadable_history_leaves_the_same_migration() -> None:
    dynamic = (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0001_initial')]\n    operations = OPS\n"
    )
    drops = migration(
        '("shop", "0002_dynamic")',
        f'        migrations.RunSQL("{INDEX}", "DROP INDEX shop_active_idx"),\n'
        '        migrations.RunSQL("DROP INDEX shop_active_idx"),\n',
    )
    sources = {"0001_initial.py": INITIAL, "0002_dynamic.py": dynamic, "0003_drops.py": drops}
    fixed, _ = fix(sources, "0003_drops.py")
    assert split('"DROP INDEX shop_active_idx"', f'"{INDEX}"') in fixed
    # with the CREATE before the unreadable migration, no certainty
    sources["0003_drops.py"] = DROPS.replace("0002_creates", "0002_dynamic")
    sources["0002_dynamic.py"] = dynamic.replace("0001_initial", "0001_creates")
    sources["0001_creates.py"] = CREATES.replace('("shop", "0001_initial")', "")
    del sources["0001_initial.py"]
    _, findings = fix(sources, "0003_drops.py")
    assert (
        "cannot be undone with certainty: the operations of 0002_dynamic are built dynamically "
        "(`operations` is `OPS`, not bound before line 6), which may change it; "
    ) in (hint(findings) or "")


def test_a_broken_graph_is_said() -> None:
    drops = DROPS.replace("0002_creates", "0002_missing")
    _, findings = fix({"0001_initial.py": INITIAL, "0003_drops.py": drops}, "0003_drops.py")
    assert hint(findings) == (
        "no certain inverse for `DROP INDEX shop_active_idx`: `DROP INDEX shop_active_idx` "
        "cannot be undone without the object's definition (no earlier `RunSQL` of this "
        "migrations folder creates it, but the migration graph cannot be followed (0003_drops "
        "depends on ('shop', '0002_missing'), which is not in this folder)); a no-op reverse "
        "would leave the schema changed after a rollback that reports success: write "
        "`reverse_sql=` by hand, or accept the no-op with --unsafe-fixes"
    )


# -- the runner: the history is loaded only for a file with a DROP --------------------------


def test_the_history_is_loaded_only_when_a_drop_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    for name, text in {
        "0001_initial.py": INITIAL,
        "0002_creates.py": CREATES,
        "0003_drops.py": DROPS,
        "0004_data.py": migration(
            '("shop", "0003_drops")', '        migrations.RunSQL("UPDATE t SET a = 1"),\n'
        ),
    }.items():
        (folder / name).write_text(text)
    loaded: list[Path] = []
    load = History.load

    def counted(
        path: Path,
        parsed: dict[Path, tuple[str, ast.Module]] | None = None,
        read: dict[Path, bytes] | None = None,
    ) -> History:
        loaded.append(path)
        return load(path, parsed, read)

    monkeypatch.setattr(runner.History, "load", staticmethod(counted))
    options = Options(
        select=frozenset({"MF002"}),
        rewrite=True,
        settings=RuleSettings((("MF002", "dialect", "postgresql"),)),
    )
    histories: dict[Path, History] = {}
    for name in ("0001_initial.py", "0002_creates.py", "0004_data.py"):
        result = process_file(folder / name, options, histories)
        assert result.problems == []
    assert loaded == []
    result = process_file(folder / "0003_drops.py", options, histories)
    assert result.change is not None
    assert f'reverse_sql=(\n                "{INDEX}"\n            ),\n' in result.change.new_text
    assert loaded == [folder]
    # once per batch
    process_file(folder / "0003_drops.py", options, histories)
    assert loaded == [folder]


CERTAIN = "cannot be undone with certainty"
GONE = "cannot be undone without the object's definition"


@pytest.mark.parametrize(
    ("drop", "dialects", "earlier", "result"),
    [
        # DROP EXTENSION, read as a generic command: one name, no CASCADE
        (
            "DROP EXTENSION a, b",
            PG,
            ["CREATE EXTENSION a"],
            "none known for `DROP EXTENSION a, b`",
        ),
        (
            "DROP EXTENSION a CASCADE",
            PG,
            ["CREATE EXTENSION a"],
            "none known for `DROP EXTENSION a CASCADE`",
        ),
        # IF NOT EXISTS where nothing is known: the object may have been there
        (
            "DROP EXTENSION x",
            PG,
            ["CREATE EXTENSION IF NOT EXISTS x"],
            f"`DROP EXTENSION x` {CERTAIN}: `IF NOT EXISTS` at 0002_sql.py:8: the object may "
            "have existed before",
        ),
        # ... where it was dropped before: the definition
        (
            "DROP EXTENSION x",
            PG,
            ["CREATE EXTENSION x", "DROP EXTENSION x", "CREATE EXTENSION IF NOT EXISTS x"],
            ("CREATE EXTENSION IF NOT EXISTS x",),
        ),
        # SQL that does not even tokenize, or a body that does not parse, naming the object
        (
            "DROP INDEX shop_active_idx",
            PG,
            [INDEX, "SELECT 'shop_active_idx"],
            f"`DROP INDEX shop_active_idx` {CERTAIN}: the SQL parser cannot read "
            "`SELECT 'shop_active_idx` (0002_sql.py:8), which may change it",
        ),
        (
            "DROP INDEX shop_active_idx",
            PG,
            [INDEX, "CREATE VIEW v AS SELECT 1 BEGIN; SELECT shop_active_idx"],
            f"`DROP INDEX shop_active_idx` {CERTAIN}: the SQL parser cannot read "
            "`CREATE VIEW v AS SELECT 1 BEGIN; SELECT shop_active_idx` (0002_sql.py:8), which "
            "may change it",
        ),
        (
            "DROP INDEX shop_active_idx",
            PG,
            [INDEX, "CREATE AGGREGATE shop_active_idx (int) (sfunc = f, stype = int)"],
            f"`DROP INDEX shop_active_idx` {CERTAIN}: "
            "`CREATE AGGREGATE shop_active_idx (int) (sfunc = f, stype ...` (0002_sql.py:8), "
            "which may change it",
        ),
        (
            "DROP INDEX shop_active_idx",
            PG,
            [INDEX, "COMMENT ON INDEX shop_active_idx IS 'x'"],
            f"`DROP INDEX shop_active_idx` {CERTAIN}: a comment on it was changed at 0002_sql.py:8",
        ),
        (
            "DROP TABLE t",
            PG,
            ["CREATE TABLE t (c int)", "COMMENT ON COLUMN t.c IS 'x'"],
            f"`DROP TABLE t` {CERTAIN}: a comment on it was changed at 0002_sql.py:8",
        ),
        # a column without its table: not this table's
        (
            "DROP TABLE t",
            PG,
            ["CREATE TABLE t (c int)", "COMMENT ON COLUMN c IS 'x'"],
            ("CREATE TABLE t (c int)",),
        ),
        ("DROP SCHEMA s", PG, ["CREATE SCHEMA s"], ("CREATE SCHEMA s",)),
        (
            "DROP SCHEMA s",
            PG,
            ["CREATE SCHEMA s", "DROP SCHEMA s"],
            f"`DROP SCHEMA s` {GONE} (the `RunSQL` at 0002_sql.py:8 dropped it, and no later "
            "one creates it again)",
        ),
        # a temporary table is gone at the end of the session
        ("DROP TABLE t", PG, ["CREATE TEMPORARY TABLE t (c int)"], f"`DROP TABLE t` {NOT_FOUND}"),
        # an index without a name cannot be the one dropped
        (
            "DROP INDEX shop_active_idx",
            PG,
            [INDEX, "CREATE INDEX ON shop_product (stock)"],
            (INDEX,),
        ),
        ("DROP TRIGGER t ON v", PG, ["CREATE TRIGGER t"], f"`DROP TRIGGER t` {NOT_FOUND}"),
        (
            "DROP TRIGGER trg",
            MY,
            ["CREATE TRIGGER trg BEFORE INSERT FOR EACH ROW SET NEW.a = 1"],
            f"`DROP TRIGGER trg` {NOT_FOUND}",
        ),
        (
            "DROP FUNCTION f(integer)",
            PG,
            ["CREATE FUNCTION f(a integer) RETURNS integer AS $$ SELECT 1 $$ LANGUAGE sql"],
            ("CREATE FUNCTION f(a integer) RETURNS integer AS $$ SELECT 1 $$ LANGUAGE sql",),
        ),
        (
            "DROP FUNCTION s.f",
            PG,
            [FUNCTION.replace("CREATE", "CREATE OR REPLACE").replace("shop_touch", "s.f")],
            (FUNCTION.replace("CREATE", "CREATE OR REPLACE").replace("shop_touch", "s.f"),),
        ),
        (
            "DROP FUNCTION f",
            PG,
            [FUNCTION.replace("shop_touch", "a.b.c.f")],
            f"`DROP FUNCTION f` {NOT_FOUND}",
        ),
        (
            "DROP PROCEDURE p()",
            PG,
            ["CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$"],
            ("CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$",),
        ),
        ("DROP DATABASE d", PG, ["CREATE DATABASE d"], f"`DROP DATABASE d` {NOT_FOUND}"),
        # read, but not known to leave the object alone
        (
            "DROP TABLE shop_product",
            PG,
            ["CREATE TABLE shop_product (id int)", "TRUNCATE shop_product"],
            f"`DROP TABLE shop_product` {CERTAIN}: `TRUNCATE shop_product` (0002_sql.py:8), "
            "which may change it",
        ),
        (
            "DROP FUNCTION f",
            PG,
            [
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
                "COMMENT ON FUNCTION f() IS 'x'",
            ],
            f"`DROP FUNCTION f` {CERTAIN}: `COMMENT ON FUNCTION f() IS 'x'` (0002_sql.py:8), "
            "which may change it",
        ),
        # renamed within its schema
        (
            "DROP TABLE s.b",
            PG,
            ["CREATE TABLE s.a (c int)", "ALTER TABLE s.a RENAME TO b"],
            f"`DROP TABLE s.b` {CERTAIN}: `s.a` was renamed to it at 0002_sql.py:8",
        ),
        (
            "DROP SEQUENCE b",
            PG,
            ["CREATE SEQUENCE a", "ALTER SEQUENCE a RENAME TO b"],
            f"`DROP SEQUENCE b` {CERTAIN}: `a` was renamed to it at 0002_sql.py:8",
        ),
        (
            "DROP SEQUENCE s.a",
            PG,
            ["CREATE SEQUENCE s.a", "ALTER SEQUENCE s.a RENAME TO b"],
            f"`DROP SEQUENCE s.a` {CERTAIN}: it was renamed to `s.b` at 0002_sql.py:8",
        ),
        (
            "DROP SEQUENCE a",
            PG,
            ["CREATE SEQUENCE a", "ALTER SEQUENCE IF EXISTS a RENAME TO b"],
            f"`DROP SEQUENCE a` {CERTAIN}: it was renamed to `b` at 0002_sql.py:8",
        ),
        (
            "DROP SEQUENCE a",
            PG,
            ["CREATE SEQUENCE a", "ALTER SEQUENCE a OWNED BY t.c"],
            f"`DROP SEQUENCE a` {CERTAIN}: it was changed (`ALTER SEQUENCE`) at 0002_sql.py:8",
        ),
        # MySQL's index statements inside ALTER TABLE
        (
            "DROP INDEX a ON t",
            MY,
            ["CREATE INDEX a ON t (c)", "ALTER TABLE t RENAME INDEX a TO b"],
            f"`DROP INDEX a` {CERTAIN}: it was renamed to `t.b` at 0002_sql.py:8",
        ),
        (
            "DROP INDEX a ON t",
            MY,
            ["CREATE INDEX a ON t (c)", "ALTER TABLE t DROP INDEX a"],
            f"`DROP INDEX a` {GONE} (the `RunSQL` at 0002_sql.py:8 dropped it, and no later one "
            "creates it again)",
        ),
        (
            "DROP INDEX a ON t",
            MY,
            ["CREATE INDEX a ON t (c)", "ALTER TABLE t ADD COLUMN d int"],
            ("CREATE INDEX a ON t (c)",),
        ),
        # MySQL's RENAME TABLE, several pairs
        (
            "DROP TABLE a",
            MY,
            ["CREATE TABLE a (c int)", "RENAME TABLE a TO b, c TO d"],
            f"`DROP TABLE a` {CERTAIN}: it was renamed to `b` at 0002_sql.py:8",
        ),
        (
            "DROP TABLE d",
            MY,
            ["CREATE TABLE c (c int)", "RENAME TABLE a TO b, c TO d"],
            f"`DROP TABLE d` {CERTAIN}: `c` was renamed to it at 0002_sql.py:8",
        ),
        *(
            (
                "DROP TABLE a",
                MY,
                ["CREATE TABLE a (c int)", rename],
                f"`DROP TABLE a` {CERTAIN}: `{rename}` (0002_sql.py:8), which may change it",
            )
            for rename in ("RENAME TABLE a b", "RENAME TABLE a TO b c")
        ),
    ],
)
def test_what_the_replay_reads(
    drop: str,
    dialects: tuple[str, ...],
    earlier: list[str],
    result: tuple[str, ...] | str,
) -> None:
    calls = [ran(text) for text in earlier]
    expected = (
        Inversion(result)
        if isinstance(result, tuple)
        else Inversion(None, False, f"no certain inverse for `{drop}`: {result}")
    )
    assert invert([drop], dialects, lambda: calls) == expected


def test_a_name_without_parts_is_not_a_key() -> None:
    from migration_fixer.sqlinverse import _key, _Unreadable

    with pytest.raises(_Unreadable):
        _key("TABLE", None, "postgres")


# -- SQL bound to a name ---------------------------------------------------------------------

NAMED_HEAD = (
    f'CLEANUP = "DELETE FROM shop_product WHERE stock < 0"\nCHEAP = "{VIEW}"\nACTIVE = "{INDEX}"\n'
)


def test_sql_bound_to_a_name_is_read_as_its_value() -> None:
    source = migration(
        '("shop", "0001_initial")',
        "        migrations.RunSQL(CLEANUP),\n"
        "        migrations.RunSQL([CHEAP, (ACTIVE, None)]),\n",
        head=NAMED_HEAD,
    )
    fixed, findings = fix({"0001_initial.py": INITIAL, "0002_named.py": source}, "0002_named.py")
    assert fixed == source.replace(
        "        migrations.RunSQL(CLEANUP),\n",
        "        migrations.RunSQL(CLEANUP, reverse_sql=migrations.RunSQL.noop),\n",
    ).replace(
        "        migrations.RunSQL([CHEAP, (ACTIVE, None)]),\n",
        "        migrations.RunSQL(\n"
        "            [CHEAP, (ACTIVE, None)],\n"
        "            reverse_sql=[\n"
        '                "DROP INDEX IF EXISTS shop_active_idx",\n'
        '                "DROP VIEW IF EXISTS shop_cheap",\n'
        "            ],\n"
        "        ),\n",
    )
    assert [(f.line, f.hint, f.fix and f.fix.applicability.value) for f in findings] == [
        (10, None, "safe"),
        (11, None, "safe"),
    ]


def test_a_drop_gets_the_create_an_earlier_call_ran_through_a_name() -> None:
    creates = migration(
        '("shop", "0001_initial")',
        "        migrations.RunSQL(ACTIVE, reverse_sql=migrations.RunSQL.noop),\n",
        head=f'ACTIVE = "{INDEX}"\n',
    )
    fixed, findings = fix(folder(creates=creates), "0003_drops.py")
    assert fixed == DROPS.replace(
        '        migrations.RunSQL("DROP INDEX shop_active_idx"),\n',
        split('"DROP INDEX shop_active_idx"', f'"{INDEX}"'),
    )
    assert [f.hint for f in findings] == [None]


@pytest.mark.parametrize(
    "head",
    [
        'import os\nif os.environ.get("X"):\n    CLEANUP = "DELETE FROM shop_product"\n',
        'CLEANUP = "DELETE FROM shop_product"\nCLEANUP = CLEANUP.upper()\n',
        'TABLE = "shop_product"\nCLEANUP = f"DELETE FROM {TABLE}"\n',
    ],
    ids=["conditional", "built-by-a-call", "f-string"],
)
def test_a_name_not_bound_to_a_literal_is_not_read(head: str) -> None:
    source = migration('("shop", "0001_initial")', "        migrations.RunSQL(CLEANUP),\n", head)
    fixed, findings = fix({"0001_initial.py": INITIAL, "0002_named.py": source}, "0002_named.py")
    assert fixed == source
    assert hint(findings) == (
        "the SQL is `CLEANUP`, which is not bound to a literal string here, so a no-op reverse "
        "would leave the schema changed after a rollback that reports success: write "
        "`reverse_sql=` by hand, or accept the no-op with --unsafe-fixes"
    )


def test_sql_built_in_place_is_not_read() -> None:
    source = migration(
        '("shop", "0001_initial")',
        '        migrations.RunSQL(f"DELETE FROM {TABLE}"),\n',
        'TABLE = "shop_product"\n',
    )
    fixed, findings = fix({"0001_initial.py": INITIAL, "0002_built.py": source}, "0002_built.py")
    assert fixed == source
    assert hint(findings) == (
        "the SQL is not a literal string, so a no-op reverse would leave the schema changed "
        "after a rollback that reports success: write `reverse_sql=` by hand, or accept the "
        "no-op with --unsafe-fixes"
    )
