"""MF002's inverse of a forward statement: only where it is certain, the same on every
database, and undoes exactly what the statement did."""

from __future__ import annotations

import ast

import pytest

from migration_fixer.rules.mf002_runsql_reverse import inverse_sql


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        ('"CREATE TABLE t (id int)"', '"DROP TABLE IF EXISTS t"'),
        ('"create table public.t(id int);"', '"DROP TABLE IF EXISTS public.t"'),
        ('"  CREATE VIEW v AS SELECT 1  "', '"DROP VIEW IF EXISTS v"'),
        ('"CREATE MATERIALIZED  VIEW mv AS SELECT 1"', '"DROP MATERIALIZED VIEW IF EXISTS mv"'),
        ('"CREATE SEQUENCE s START 1"', '"DROP SEQUENCE IF EXISTS s"'),
        ('"CREATE EXTENSION hstore"', '"DROP EXTENSION IF EXISTS hstore"'),
        ("['CREATE EXTENSION \"uuid-ossp\"']", "'DROP EXTENSION IF EXISTS \"uuid-ossp\"'"),
        ('("CREATE TABLE `t` (id int)",)', '"DROP TABLE IF EXISTS `t`"'),
        # No inverse: the object may have existed before, or the SQL says more than one thing.
        ('"CREATE TABLE IF NOT EXISTS t (id int)"', None),
        ('"CREATE OR REPLACE VIEW v AS SELECT 1"', None),
        ('"CREATE TEMPORARY TABLE t (id int)"', None),
        ('"CREATE UNLOGGED TABLE t (id int)"', None),
        ('"CREATE INDEX i ON t (c)"', None),
        ('"CREATE TABLE a (id int); CREATE TABLE b (id int)"', None),
        ('"CREATE TABLE a (id int) -- ; DROP TABLE b"', None),
        ('"CREATE TABLE a /* x */ (id int)"', None),
        ('"UPDATE t SET a = 1"', None),
        ('["CREATE TABLE a (id int)", "CREATE TABLE b (id int)"]', None),
        ('[("CREATE TABLE a (id int)", [])]', None),
        ("SQL", None),
        ('"CREATE TABLEt (id int)"', None),
    ],
)
def test_inverse_sql(forward: str, inverse: str | None) -> None:
    assert inverse_sql(ast.parse(forward, mode="eval").body) == inverse
