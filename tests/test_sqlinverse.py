"""MF002's inverse SQL, per statement kind and dialect, with the exact reverse text."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migration_fixer.api import fix_source
from migration_fixer.changeset import VerificationError, _check_literal
from migration_fixer.cli import cli
from migration_fixer.dialect import DialectError, detect, parse
from migration_fixer.rules.mf002_runsql_reverse import inverse_sql, python_string
from migration_fixer.sqlinverse import Inversion, invert

PG, MY, LITE = ("postgresql",), ("mysql",), ("sqlite",)
INDEX = "CREATE INDEX shop_idx ON shop_product (active, stock)"


@pytest.mark.parametrize(
    ("sql", "dialects", "reverse"),
    [
        (INDEX, PG, "DROP INDEX IF EXISTS shop_idx"),
        (INDEX, LITE, "DROP INDEX IF EXISTS shop_idx"),
        (INDEX, ("postgresql", "sqlite"), "DROP INDEX IF EXISTS shop_idx"),
        (INDEX, MY, "DROP INDEX shop_idx ON shop_product"),
        (
            "CREATE UNIQUE INDEX CONCURRENTLY i ON public.t (a) WHERE b",
            PG,
            "DROP INDEX CONCURRENTLY IF EXISTS public.i",
        ),
        ("CREATE TABLE t (id int)", (), "DROP TABLE IF EXISTS t"),
        ("CREATE UNLOGGED TABLE t (id int)", PG, "DROP TABLE IF EXISTS t"),
        ("CREATE VIEW v AS SELECT 1", (), "DROP VIEW IF EXISTS v"),
        ("CREATE MATERIALIZED VIEW mv AS SELECT 1", PG, "DROP MATERIALIZED VIEW IF EXISTS mv"),
        ("CREATE SEQUENCE s START 1", PG, "DROP SEQUENCE IF EXISTS s"),
        ("CREATE SCHEMA s", (), "DROP SCHEMA IF EXISTS s"),
        ("CREATE TYPE mood AS ENUM ('a', 'b')", PG, "DROP TYPE IF EXISTS mood"),
        ('CREATE EXTENSION "uuid-ossp"', (), 'DROP EXTENSION IF EXISTS "uuid-ossp"'),
        (
            "CREATE FUNCTION f(a integer, b text) RETURNS integer AS $$ SELECT 1 $$ LANGUAGE sql",
            PG,
            "DROP FUNCTION IF EXISTS f(INT, TEXT)",
        ),
        (
            "CREATE FUNCTION g(n int) RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ "
            "LANGUAGE plpgsql",
            PG,
            "DROP FUNCTION IF EXISTS g(n int)",
        ),
        (
            "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW EXECUTE PROCEDURE f()",
            PG,
            "DROP TRIGGER IF EXISTS trg ON t",
        ),
        (
            "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
            MY,
            "DROP TRIGGER IF EXISTS trg",
        ),
        ("ALTER TABLE a RENAME TO b", (), "ALTER TABLE b RENAME TO a"),
        ("ALTER TABLE s.a RENAME TO b", PG, "ALTER TABLE s.b RENAME TO a"),
        ("ALTER INDEX a RENAME TO b", PG, "ALTER INDEX b RENAME TO a"),
        # NetBox's shape: IF EXISTS on the way there, IF EXISTS on the way back
        (
            "ALTER TABLE IF EXISTS a_seq RENAME TO b_seq",
            PG,
            "ALTER TABLE IF EXISTS b_seq RENAME TO a_seq",
        ),
        ("ALTER INDEX IF EXISTS a RENAME TO b", PG, "ALTER INDEX IF EXISTS b RENAME TO a"),
        ("ALTER SEQUENCE IF EXISTS a RENAME TO b", PG, "ALTER SEQUENCE IF EXISTS b RENAME TO a"),
        ("ALTER SEQUENCE a RENAME TO b", PG, "ALTER SEQUENCE b RENAME TO a"),
        ("ALTER VIEW a RENAME TO b", PG, "ALTER VIEW b RENAME TO a"),
        ("ALTER TABLE t RENAME COLUMN a TO b", (), "ALTER TABLE t RENAME COLUMN b TO a"),
        ("ALTER TABLE t RENAME CONSTRAINT a TO b", PG, "ALTER TABLE t RENAME CONSTRAINT b TO a"),
        ("ALTER TABLE t RENAME INDEX a TO b", MY, "ALTER TABLE t RENAME INDEX b TO a"),
        ("RENAME TABLE a TO b, c TO d", MY, "RENAME TABLE d TO c, b TO a"),
        ("ALTER TABLE t ADD COLUMN c int", (), "ALTER TABLE t DROP COLUMN c"),
        ("ALTER TABLE t ADD CONSTRAINT n UNIQUE (a)", PG, "ALTER TABLE t DROP CONSTRAINT n"),
        ("ALTER TABLE t ADD CONSTRAINT n UNIQUE (a)", MY, "ALTER TABLE t DROP INDEX n"),
        ("ALTER TABLE t ADD CONSTRAINT n PRIMARY KEY (a)", MY, "ALTER TABLE t DROP PRIMARY KEY"),
        ("ALTER TABLE t ADD CONSTRAINT n CHECK (a > 0)", MY, "ALTER TABLE t DROP CONSTRAINT n"),
        ("CREATE TABLE `tmp\\table` (id int)", MY, "DROP TABLE IF EXISTS `tmp\\table`"),
    ],
)
def test_one_statement(sql: str, dialects: tuple[str, ...], reverse: str) -> None:
    assert invert([sql], dialects) == Inversion((reverse,))


def test_several_statements_in_reverse_order() -> None:
    assert invert(
        ["CREATE TABLE t (id int); COMMENT ON TABLE t IS 'x'", "INSERT INTO t VALUES (1)"], PG
    ) == Inversion(("COMMENT ON TABLE t IS NULL", "DROP TABLE IF EXISTS t"))
    assert invert(["ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int"], PG) == Inversion(
        ("ALTER TABLE t DROP COLUMN b", "ALTER TABLE t DROP COLUMN a")
    )


MAY = "the object may have existed before"


@pytest.mark.parametrize(
    ("texts", "dialects", "result"),
    [
        (["UPDATE t SET a = 1", "DELETE FROM u"], (), Inversion(None, True)),
        ([""], (), Inversion(None, True)),
        (
            [INDEX],
            (),
            Inversion(
                None,
                False,
                "the inverse differs between databases (PostgreSQL: `DROP INDEX IF EXISTS "
                "shop_idx`; MySQL/MariaDB: `DROP INDEX shop_idx ON shop_product`; SQLite: "
                "`DROP INDEX IF EXISTS shop_idx`): say which one the project uses with "
                "`dialect` in [tool.migration-fixer] or --dialect",
            ),
        ),
        (
            [INDEX],
            ("postgresql", "mysql"),
            Inversion(
                None,
                False,
                "the inverse differs between databases (PostgreSQL: `DROP INDEX IF EXISTS "
                "shop_idx`; MySQL/MariaDB: `DROP INDEX shop_idx ON shop_product`): the project "
                "runs on each of them: write the reverse by hand, in a `RunPython` whose reverse "
                "function checks `schema_editor.connection.vendor`",
            ),
        ),
        (
            ["CREATE TEMPORARY TABLE t (id int)"],
            (),
            Inversion(
                None,
                False,
                f"no certain inverse for `CREATE TEMPORARY TABLE t (id INT)`: `TEMPORARY`: {MAY}",
            ),
        ),
        (
            ["CREATE OR REPLACE VIEW v AS SELECT 1"],
            PG,
            Inversion(
                None,
                False,
                "no certain inverse for "
                f"`CREATE OR REPLACE VIEW v AS SELECT 1`: `CREATE OR REPLACE`: {MAY}",
            ),
        ),
        (
            ["CREATE EXTENSION IF NOT EXISTS hstore"],
            PG,
            Inversion(
                None,
                False,
                "no certain inverse for "
                f"`CREATE EXTENSION IF NOT EXISTS hstore`: `IF NOT EXISTS`: {MAY}",
            ),
        ),
        (
            ["UPDATE t SET a = 1", "CREATE TABLE u (id int)"],
            (),
            Inversion(
                None,
                False,
                "no certain inverse for "
                "statement 1 of 2 (`UPDATE t SET a = 1`): a data change has no certain inverse",
            ),
        ),
        (
            ["COMMENT ON TABLE t IS 'x'"],
            PG,
            Inversion(
                None,
                False,
                "no certain inverse for "
                "`COMMENT ON TABLE t IS 'x'`: the object may have had a comment before "
                "(restoring NULL is certain only for an object created in the same `RunSQL`)",
            ),
        ),
        (
            ["DROP INDEX x"],
            PG,
            Inversion(
                None,
                False,
                "no certain inverse for "
                "`DROP INDEX x`: `DROP INDEX x` cannot be undone without the object's "
                "definition (no earlier `RunSQL` of this migrations folder creates it)",
            ),
        ),
        (["x"], PG, Inversion(None, False, "no certain inverse for `x`: none known for `X`")),
        # MariaDB kept the index it had added with the key (django-celery-beat trial):
        # `index counter_fk on rtapp_counter: added` after the rollback.
        (
            ["ALTER TABLE t ADD CONSTRAINT n FOREIGN KEY (a) REFERENCES u (id)"],
            MY,
            Inversion(
                None,
                False,
                "no certain inverse for "
                "`ALTER TABLE t ADD CONSTRAINT n FOREIGN KEY (a) REFERENCES...`: "
                "MySQL/MariaDB add an index for a foreign key where none covers its columns, "
                "and `DROP FOREIGN KEY n` leaves it (write `DROP FOREIGN KEY n, DROP INDEX n` if "
                "no index was there before)",
            ),
        ),
        (
            ["ALTER TABLE t ADD CONSTRAINT n UNIQUE (a)"],
            (),
            Inversion(
                None,
                False,
                "no certain inverse for "
                "`ALTER TABLE t ADD CONSTRAINT n UNIQUE (a)`: a constraint cannot be "
                "dropped on SQLite",
            ),
        ),
    ],
)
def test_no_certain_inverse(texts: list[str], dialects: tuple[str, ...], result: Inversion) -> None:
    assert invert(texts, dialects) == result


def test_mf002_writes_the_inverse_for_the_dialect() -> None:
    head = "from django.db import migrations\n\n"
    before = head + f'operations = [migrations.RunSQL("{INDEX}")]\n'
    assert fix_source(before, dialect=MY) == head + (
        "operations = [\n"
        "    migrations.RunSQL(\n"
        f'        "{INDEX}",\n'
        '        reverse_sql="DROP INDEX shop_idx ON shop_product",\n'
        "    )\n"
        "]\n"
    )
    assert fix_source(before) == before  # unknown dialect: only an unsafe no-op
    params = (
        head + 'operations = [migrations.RunSQL([("ALTER TABLE t ADD c int DEFAULT %s", [1])])]\n'
    )
    assert 'reverse_sql="ALTER TABLE t DROP COLUMN c"' in fix_source(params)


def test_backslashes_in_names_are_kept() -> None:
    # issue 13 item 13: a raw string's backslash must not become an escape in the reverse
    head = "from django.db import migrations\n\n"
    before = head + 'operations = [migrations.RunSQL(r"CREATE TABLE `tmp\\table` (id int)")]\n'
    after = fix_source(before, dialect=MY)
    assert after == head + (
        "operations = [\n"
        "    migrations.RunSQL(\n"
        '        r"CREATE TABLE `tmp\\table` (id int)",\n'
        '        reverse_sql="DROP TABLE IF EXISTS `tmp\\\\table`",\n'
        "    )\n"
        "]\n"
    )
    reverse = ast.literal_eval(after.split("reverse_sql=")[1].split(",\n")[0])
    assert reverse == "DROP TABLE IF EXISTS `tmp\\table`"
    # the verification compares values, not two parses of the same text
    with pytest.raises(VerificationError, match="differs from"):
        _check_literal('"DROP TABLE `tmp\\table`"', "DROP TABLE `tmp\\table`")
    _check_literal(python_string("a\\tb"), "a\\tb")
    for value in ["both ' and \"", "tab\there", 'say "hi"', "back\\slash"]:
        assert ast.literal_eval(python_string(value)) == value
    # Both quotes in the text: the preferred one, escaped (as black writes it).
    assert python_string("both ' and \"") == '"both \' and \\""'
    assert python_string("both ' and \"", "'") == "'both \\' and \"'"
    assert python_string("it's", "'") == '"it\'s"'  # (the other quote, needing no escape)
    _check_literal('["x", "y"]', ("x", "y"))


def test_inverse_sql_not_a_literal() -> None:
    result = inverse_sql(ast.parse("SQL", mode="eval").body)
    assert result.value is None
    assert result.applicability.value == "unsafe"


def test_dialect_names() -> None:
    assert parse("postgres, mariadb", "--dialect") == ("postgresql", "mysql")
    assert parse(["sqlite"], "x") == ("sqlite",)
    with pytest.raises(DialectError, match="unknown dialect 'oracle'"):
        parse("oracle", "--dialect")
    with pytest.raises(DialectError, match="expected a dialect or a list"):
        parse(3, "x")


def test_dialect_detection(tmp_path: Path) -> None:
    assert detect(tmp_path) == ((), "no database engine found in the settings files")
    settings = tmp_path / "proj" / "settings.py"
    settings.parent.mkdir()
    settings.write_text('DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}\n')
    assert detect(tmp_path) == (("postgresql",), "the database engine in proj/settings.py:1")
    (tmp_path / "proj" / "settings").mkdir()
    (tmp_path / "proj" / "settings" / "local.py").write_text(
        'DATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///db.sqlite3")}\n'
    )
    assert detect(tmp_path) == (
        (),
        "several database engines in the settings: postgresql (proj/settings.py:1), "
        "sqlite (proj/settings/local.py:1)",
    )
    (tmp_path / "proj" / "settings" / "local.py").unlink()
    # Settings of the tests, an example or the docs say where the tests run, not where the
    # project is deployed.
    for test_settings in ("proj/settings/test.py", "tests/settings.py", "test_settings.py"):
        path = tmp_path / test_settings
        path.parent.mkdir(exist_ok=True)
        path.write_text('DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}\n')
    assert detect(tmp_path) == (("postgresql",), "the database engine in proj/settings.py:1")
    # A data migration named like settings that names another engine is no settings file.
    migration = tmp_path / "proj" / "migrations" / "0008_usersettings.py"
    migration.parent.mkdir()
    migration.write_text(
        'if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":\n    pass\n'
    )
    assert detect(tmp_path) == (("postgresql",), "the database engine in proj/settings.py:1")
    app = tmp_path / "reusable"
    (app / "t" / "proj").mkdir(parents=True)
    (app / "t" / "proj" / "settings.py").write_text(
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}\n'
    )
    assert detect(app) == (
        (),
        "no database engine found in the settings files, test settings aside (t/proj/settings.py)",
    )
    # Even where manage.py names them (django-celery-beat's runs t.proj.settings), but
    # not a project whose package is called demo.
    (app / "manage.py").write_text(
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "t.proj.settings")\n'
    )
    (app / "demo").mkdir()
    (app / "demo" / "settings.py").write_text(
        'DATABASES = {"default": {"ENGINE": "django.db.backends.mysql"}}\n'
    )
    assert detect(app) == (("mysql",), "the database engine in demo/settings.py:1")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_project_files_that_are_fifos_are_not_read(tmp_path: Path) -> None:
    """The settings (SQL dialect), the dependency files (deploy vocabulary) and the
    pyproject.toml (line length) are read only when they are regular files."""
    (tmp_path / "proj").mkdir()
    os.mkfifo(tmp_path / "proj" / "settings.py")  # (reading it would wait forever)
    (tmp_path / "proj" / "local_settings.py").symlink_to(tmp_path / "proj" / "settings.py")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "settings.py").write_text(
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}\n'
    )
    for name in ("pyproject.toml", "setup.cfg", "requirements.txt"):
        os.mkfifo(tmp_path / name)
    (tmp_path / "requirements-dev.txt").write_text("django-syzygy>=1.0\n")
    # In a process of its own: a read of a FIFO would hang the test run, not fail it.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path\n"
            "from migration_fixer.dialect import detect\n"
            "from migration_fixer.line_length import folder_line_length\n"
            "from migration_fixer.project import deploy_vocabulary\n"
            "root = Path(sys.argv[1])\n"
            "print(detect(root), deploy_vocabulary(root), folder_line_length(root))",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == (
        "(('sqlite',), 'the database engine in conf/settings.py:1') syzygy None\n"
    )


# -- the dialect on the command line and in the configuration ------------------------------

RAW = (
    "from django.db import migrations\n\n\n"
    "class Migration(migrations.Migration):\n"
    f'    operations = [migrations.RunSQL("{INDEX}")]\n'
)


def _project(tmp_path: Path, settings: str | None = None, config: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "app" / "migrations").mkdir(parents=True)
    (tmp_path / "app" / "migrations" / "0002_sql.py").write_text(RAW)
    if settings is not None:
        (tmp_path / "proj").mkdir()
        (tmp_path / "proj" / "settings.py").write_text(settings)
    return tmp_path


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(cli, ["--diff", "--verbose", *args, "app"])


@pytest.mark.parametrize(
    ("settings", "config", "args", "note", "reverse"),
    [
        (
            'ENGINE = "django.db.backends.mysql"\n',
            "",
            (),
            "SQL dialect: mysql (from the database engine in proj/settings.py:1)",
            "DROP INDEX shop_idx ON shop_product",
        ),
        (
            'ENGINE = "django.db.backends.mysql"\n',
            '[tool.migration-fixer]\ndialect = ["postgresql", "sqlite"]\n',
            (),
            "SQL dialect: postgresql, sqlite (from pyproject.toml: [tool.migration-fixer] dialect)",
            "DROP INDEX IF EXISTS shop_idx",
        ),
        (
            None,
            '[tool.migration-fixer]\ndialect = "sqlite"\n',
            ("--dialect", "mariadb"),
            "SQL dialect: mysql (from --dialect)",
            "DROP INDEX shop_idx ON shop_product",
        ),
        (
            None,
            "",
            (),
            "SQL dialect: unknown (no database engine found in the settings files); only "
            "inverses that are the same on postgresql, mysql, sqlite are written",
            None,
        ),
    ],
)
def test_dialect_sources(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: str | None,
    config: str,
    args: tuple[str, ...],
    note: str,
    reverse: str | None,
) -> None:
    result = _run(_project(tmp_path, settings, config), monkeypatch, *args)
    assert f"note: {note}\n" in result.stderr
    if reverse is None:
        assert result.stdout == ""
    else:
        assert f'+            reverse_sql="{reverse}",\n' in result.stdout


def test_the_settings_of_the_working_directory_say_nothing_of_a_path_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from a project (its settings name MySQL) on a folder outside it, with neither a
    manage.py nor a pyproject.toml above: the folder's own settings decide (none here)."""
    (tmp_path / "here").mkdir()
    here = _project(tmp_path / "here", 'ENGINE = "django.db.backends.mysql"\n')
    (here / "pyproject.toml").unlink()
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "migrations").mkdir(parents=True)
    (elsewhere / "migrations" / "0002_sql.py").write_text(RAW)
    monkeypatch.chdir(here)
    result = CliRunner().invoke(cli, ["--diff", "--verbose", str(elsewhere / "migrations")])
    assert (
        "note: SQL dialect: unknown (no database engine found in the settings files); only "
        "inverses that are the same on postgresql, mysql, sqlite are written\n"
    ) in result.stderr
    result = CliRunner().invoke(cli, ["--diff", "--verbose", "app"])
    assert "note: SQL dialect: mysql (from the database engine in proj/settings.py:1)\n" in (
        result.stderr
    )
    (elsewhere / "manage.py").write_text("")  # now a project: its settings decide
    (elsewhere / "settings.py").write_text('ENGINE = "django.db.backends.sqlite3"\n')
    result = CliRunner().invoke(cli, ["--diff", "--verbose", str(elsewhere / "migrations")])
    assert "note: SQL dialect: sqlite (from the database engine in settings.py:1)" in (
        result.stderr
    )


def test_a_bad_dialect_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(_project(tmp_path), monkeypatch, "--dialect", "oracle")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --dialect: unknown dialect 'oracle' (known: postgresql, mysql, sqlite)\n"
    )
    (tmp_path / "pyproject.toml").write_text("[tool.migration-fixer]\ndialect = 5\n")
    result = _run(tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: pyproject.toml: [tool.migration-fixer] dialect: expected a dialect or a list "
        "of dialects, got 5\n"
    )


def _exit_code_and_parser_imported(project: Path) -> str:
    """``--check`` in a fresh interpreter: its exit code, and whether sqlglot was imported."""
    code = (
        "import sys\n"
        "from migration_fixer.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, 'sqlglot' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--check", "--no-cache", "app"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.splitlines()[-1] if done.stdout else done.stderr


def test_check_with_nothing_to_fix_does_not_import_the_parser(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "app" / "migrations" / "0002_sql.py").write_text(
        RAW.replace('")]', '", reverse_sql="DROP INDEX shop_idx")]')
    )
    assert _exit_code_and_parser_imported(project) == "0 False"
    (project / "app" / "migrations" / "0002_sql.py").write_text(RAW)
    assert _exit_code_and_parser_imported(project) == "1 True"


def test_the_settings_files_are_looked_for_five_folders_down_outside_virtualenvs_and_migrations(
    tmp_path: Path,
) -> None:
    from migration_fixer.dialect import settings_files

    for rel in (
        "settings.py",
        "a/b/c/d/e/settings.py",
        "a/b/c/d/e/f/settings.py",
        "proj/settings/base.py",
        "proj/settings/notes.txt",
        "proj/local_settings.py",
        "proj/urls.py",
        ".hidden/settings.py",
        "node_modules/settings.py",
        "env/settings.py",
        "env/pyvenv.cfg",
        "proj/migrations/0008_usersettings.py",
        "proj/migrations/settings.py",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert [p.relative_to(tmp_path).as_posix() for p in settings_files(tmp_path)] == [
        "settings.py",
        "a/b/c/d/e/settings.py",
        "proj/local_settings.py",
        "proj/settings/base.py",
    ]


@pytest.mark.parametrize(
    ("sql", "dialects", "words"),
    [
        ("ALTER TABLE t ALTER COLUMN v DROP NOT NULL", PG, "ALTER COLUMN"),
        ("ALTER TABLE t DROP COLUMN c", PG, "DROP COLUMN"),
        ("ALTER TABLE t DROP CONSTRAINT n", PG, "DROP CONSTRAINT"),
        ("ALTER TABLE t DROP INDEX i", MY, "DROP INDEX"),
        ("ALTER TABLE t DROP PRIMARY KEY", MY, "DROP PRIMARY KEY"),
        ("ALTER TABLE t DROP PRIMARY KEY", PG, "DROP PRIMARY KEY"),
        ("ALTER TABLE t SET (fillfactor=50)", PG, "SET"),
    ],
)
def test_an_alter_table_action_without_inverse_is_named_in_sql_words(
    sql: str, dialects: tuple[str, ...], words: str
) -> None:
    reason = invert([sql], dialects).reason
    assert reason is not None
    assert reason.endswith(f": none known for `ALTER TABLE ... {words}`"), reason
