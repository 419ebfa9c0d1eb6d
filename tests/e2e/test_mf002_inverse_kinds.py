"""Every kind of inverse MF002 writes, for real, on each backend: a migration of raw SQL
statements is fixed with the backend's --dialect (every one gets a real reverse, no no-op),
then forward, back, forward again and back again all succeed, and after each back the
schema equals the one before (Django's introspection, `manage.py schema_snapshot`)."""

from __future__ import annotations

from pathlib import Path

from .deploy_helpers import DeployProject, migration_source
from .harness import DbBackend, run_fixer

CREATE = [
    '"CREATE TABLE alpha_archive (id integer PRIMARY KEY, note varchar(20))"',
    '"ALTER TABLE alpha_archive ADD COLUMN extra bigint"',
    '"CREATE INDEX alpha_archive_note_idx ON alpha_archive (note)"',
    '"CREATE UNIQUE INDEX alpha_item_qty_name_uniq ON alpha_item (qty, name)"',
    '"CREATE VIEW alpha_cheap AS SELECT id, name FROM alpha_item WHERE qty < 5"',
    '["CREATE TABLE alpha_log (id integer PRIMARY KEY)", "INSERT INTO alpha_log (id) VALUES (1)"]',
]
RENAME = [
    '"ALTER TABLE alpha_item RENAME COLUMN note TO remark"',
    '"ALTER TABLE alpha_archive RENAME TO alpha_archive_old"',
]
EXTRA = {
    "postgresql": [
        '"CREATE SEQUENCE alpha_seq START 1"',
        "\"CREATE TYPE alpha_mood AS ENUM ('a', 'b')\"",
        '"CREATE SCHEMA alpha_extra"',
        '"CREATE MATERIALIZED VIEW alpha_mv AS SELECT id FROM alpha_item"',
        '"ALTER INDEX alpha_archive_note_idx RENAME TO alpha_archive_note_idx2"',
        '"ALTER TABLE alpha_item ADD CONSTRAINT alpha_qty_max CHECK (qty < 1000000)"',
        '"ALTER TABLE alpha_item RENAME CONSTRAINT alpha_qty_max TO alpha_qty_cap"',
        '"CREATE FUNCTION alpha_touch() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ '
        'LANGUAGE plpgsql"',
        '"CREATE TRIGGER alpha_touch_trg BEFORE INSERT ON alpha_item FOR EACH ROW '
        'EXECUTE PROCEDURE alpha_touch()"',
        '"CREATE FUNCTION alpha_add(a integer, b integer) RETURNS integer AS $$ SELECT a + b $$ '
        'LANGUAGE sql"',
        '"ALTER SEQUENCE alpha_seq RENAME TO alpha_seq2"',
        '"ALTER VIEW alpha_cheap RENAME TO alpha_cheap2"',
        '["CREATE TABLE alpha_doc (id integer PRIMARY KEY)", '
        "\"COMMENT ON TABLE alpha_doc IS 'docs'\"]",
        '"ALTER TABLE alpha_archive ADD CONSTRAINT alpha_archive_uniq UNIQUE (note)"',
    ],
    "mysql": [
        '"ALTER TABLE alpha_item ADD CONSTRAINT alpha_qty_max CHECK (qty < 1000000)"',
        '"ALTER TABLE alpha_item ADD CONSTRAINT alpha_item_qn UNIQUE (qty, id)"',
        '"ALTER TABLE alpha_archive RENAME INDEX alpha_archive_note_idx TO alpha_archive_n2"',
        '"CREATE TRIGGER alpha_trg BEFORE INSERT ON alpha_item FOR EACH ROW SET NEW.qty = NEW.qty"',
        '"RENAME TABLE alpha_log TO alpha_log2"',
    ],
    "sqlite": [],
}


def test_every_inverse_kind_rolls_back_to_the_same_schema(
    db_backend: DbBackend, tmp_path: Path
) -> None:
    project = DeployProject.create(tmp_path, db_backend)
    statements = CREATE + EXTRA[db_backend.vendor] + RENAME
    operations = "".join(f"migrations.RunSQL({sql}),\n" for sql in statements)
    migration = project.write(
        "alpha", "0002_raw_sql", migration_source([("alpha", "0001_initial")], operations)
    )
    fixed = run_fixer(
        migration, "--select", "MF002", "--dialect", db_backend.vendor, cwd=project.root
    )
    assert fixed.returncode == 0, fixed.describe()
    text = migration.read_text()
    assert text.count("reverse_sql=") == len(statements), text
    assert ".noop" not in text, text

    project.rolls_back_to_the_same_schema("alpha", "0001", tmp_path / "before.json")
