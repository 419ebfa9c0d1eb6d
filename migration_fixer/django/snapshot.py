"""A schema snapshot of one database, taken through Django's introspection, and the comparison
that names every difference between two snapshots.

Public API (stable; ``rehearse_rollback`` and ``migrate_or_rollback`` build on it):

- :func:`take_snapshot` (``using`` = a database alias) -> :class:`Snapshot`
- :meth:`Snapshot.to_json` / :meth:`Snapshot.from_json`, :func:`write_snapshot` /
  :func:`read_snapshot` (a JSON file; errors are :class:`SnapshotError` with a one-line message)
- :func:`compare_snapshots` (before, after) -> one line per difference, sorted; empty when equal.

What a snapshot holds, per table (and view) of the database's current schema: each column's type
(as the database spells it), nullability and default; and each constraint and index by name,
with its kind (primary key, unique, foreign key, check, index), columns, the referenced column
of a foreign key, and an index's type and its column orders when one is descending. Names that
Django's introspection makes up for unnamed constraints (SQLite's ``__unnamed_constraint_N__``,
``fk_N``...) are replaced by a description of the constraint, so that a table rebuilt by Django
compares equal to the original.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

#: Version of the JSON layout written by :meth:`Snapshot.to_json`.
FORMAT = 1


class SnapshotError(Exception):
    """A snapshot file that cannot be read or is not a snapshot; the message is one line that
    names the file."""


@dataclass(frozen=True)
class Column:
    type: str
    null: bool
    default: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "null": self.null, "default": self.default}


@dataclass(frozen=True)
class Constraint:
    kind: str  # "primary key" | "unique" | "foreign key" | "check" | "index"
    columns: tuple[str, ...]
    references: str | None = None  # "table.column" for a foreign key
    index_type: str | None = None  # "btree", "hash", "gin"... for an index
    orders: tuple[str, ...] = ()  # "ASC"/"DESC" per column, when the database reports them

    def describe(self) -> str:
        text = f"{self.kind} ({', '.join(self.columns)})"
        if self.references:
            text += f" -> {self.references}"
        if self.index_type:
            text += f" {self.index_type}"
        if self.orders and any(order != "ASC" for order in self.orders):
            text += f" [{', '.join(self.orders)}]"
        return text

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "columns": list(self.columns)}
        if self.references is not None:
            data["references"] = self.references
        if self.index_type is not None:
            data["index_type"] = self.index_type
        if self.orders:
            data["orders"] = list(self.orders)
        return data


@dataclass(frozen=True)
class Table:
    kind: str  # "table" | "view"
    columns: dict[str, Column] = field(default_factory=dict)
    constraints: dict[str, Constraint] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "columns": {name: col.to_dict() for name, col in self.columns.items()},
            "constraints": {
                name: self.constraints[name].to_dict() for name in sorted(self.constraints)
            },
        }


@dataclass(frozen=True)
class Snapshot:
    """The schema of one database at one moment."""

    vendor: str
    tables: dict[str, Table]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "vendor": self.vendor,
            "tables": {name: self.tables[name].to_dict() for name in sorted(self.tables)},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "<snapshot>") -> Snapshot:
        """Parse what :meth:`to_json` wrote; :class:`SnapshotError` (naming `source`) otherwise."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SnapshotError(f"{source}: not a JSON file ({exc})") from None
        try:
            return cls._from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SnapshotError(
                f"{source}: not a schema snapshot written by migration-fixer ({exc!r})"
            ) from None

    @classmethod
    def _from_dict(cls, data: Any) -> Snapshot:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format') if isinstance(data, dict) else None}")
        tables: dict[str, Table] = {}
        vendor = str(data.get("vendor", ""))
        for name, table in _mapping(data["tables"]).items():
            columns = {
                str(col_name): Column(
                    type=str(col["type"]),
                    null=_bool(col["null"]),
                    default=_default(vendor, col["default"]),
                )
                for col_name, col in _mapping(table["columns"]).items()
            }
            constraints = {
                str(c_name): Constraint(
                    kind=str(c["kind"]),
                    columns=tuple(str(c) for c in _list(c["columns"])),
                    references=None if c.get("references") is None else str(c["references"]),
                    index_type=None if c.get("index_type") is None else str(c["index_type"]),
                    orders=tuple(str(o) for o in _list(c.get("orders", []))),
                )
                for c_name, c in _mapping(table["constraints"]).items()
            }
            tables[str(name)] = Table(str(table["kind"]), columns, constraints)
        return cls(vendor=str(data["vendor"]), tables=tables)


def _mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true/false, got {value!r}")
    return value


def write_snapshot(snapshot: Snapshot, path: str | os.PathLike[str]) -> None:
    """Write `snapshot` as JSON to `path`, atomically (a temporary file renamed over it)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(snapshot.to_json())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_snapshot(path: str | os.PathLike[str]) -> Snapshot:
    """Read a file written by :func:`write_snapshot`; :class:`SnapshotError` otherwise."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path}: cannot read the snapshot ({exc})") from None
    return Snapshot.from_json(text, str(path))


# -- taking a snapshot ----------------------------------------------------------------------------

_GENERATED_NAME = re.compile(
    r"^(__unnamed_constraint_\d+__|sqlite_autoindex_.*|__primary__|fk_\d+)$"
)


def take_snapshot(using: str = DEFAULT_DB_ALIAS) -> Snapshot:
    """Snapshot the schema of database `using` (an alias of ``settings.DATABASES``)."""
    connection = connections[using]
    introspection = connection.introspection
    tables: dict[str, Table] = {}
    with connection.cursor() as cursor:
        table_list = sorted(introspection.get_table_list(cursor), key=lambda info: info.name)
        types = _column_types(connection, cursor, [info.name for info in table_list])
        for info in table_list:
            name = info.name
            kind = "view" if info.type == "v" else "table"
            columns: dict[str, Column] = {}
            for column in introspection.get_table_description(cursor, name):
                columns[column.name] = Column(
                    type=types.get((name, column.name)) or _describe_type(column),
                    null=bool(column.null_ok),
                    default=_default(connection.vendor, column.default),
                )
            constraints: dict[str, Constraint] = {}
            if kind == "table":
                for c_name, details in introspection.get_constraints(cursor, name).items():
                    constraint = _constraint(details)
                    key = str(c_name)
                    if _GENERATED_NAME.match(key):
                        key = f"<unnamed {constraint.describe()}>"
                    constraints[key] = constraint
            tables[name] = Table(kind, columns, constraints)
    return Snapshot(vendor=connection.vendor, tables=tables)


def _default(vendor: str, value: Any) -> str | None:
    """A column's default as the snapshot keeps it: None for none, and for MariaDB's bare
    ``NULL`` (its information schema writes a string default quoted, ``'NULL'``), which a
    nullable column without a default showed as ``default 'NULL'``."""
    if value is None or (vendor == "mysql" and str(value) == "NULL"):
        return None
    return str(value)


def _describe_type(column: Any) -> str:
    parts = [str(column.type_code)]
    sizes = [column.internal_size, column.precision, column.scale]
    if any(size is not None for size in sizes):
        parts.append("(" + ", ".join("" if s is None else str(s) for s in sizes) + ")")
    return "".join(parts)


def _column_types(
    connection: BaseDatabaseWrapper, cursor: Any, tables: Iterable[str]
) -> dict[tuple[str, str], str]:
    """Column types as the database spells them (``varchar(32)``, ``integer``...), read in one
    query where the backend allows it; Django's introspection reports a type code instead."""
    result: dict[tuple[str, str], str] = {}
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attnum > 0 AND NOT a.attisdropped AND pg_table_is_visible(c.oid) "
            "AND c.relkind IN ('r', 'v', 'm', 'p', 'f')"
        )
    elif connection.vendor == "mysql":
        cursor.execute(
            "SELECT table_name, column_name, column_type FROM information_schema.columns "
            "WHERE table_schema = DATABASE()"
        )
    elif connection.vendor == "sqlite":
        for table in tables:
            cursor.execute(f"PRAGMA table_info({connection.ops.quote_name(table)})")
            for row in cursor.fetchall():
                result[(table, str(row[1]))] = str(row[2]).lower()
        return result
    else:  # pragma: no cover - other backends use Django's type codes
        return result
    for table, column, type_ in cursor.fetchall():
        result[(str(table), str(column))] = str(type_)
    return result


def _constraint(details: Mapping[str, Any]) -> Constraint:
    columns = tuple(str(c) for c in details.get("columns") or ())
    references = None
    if details.get("primary_key"):
        kind = "primary key"
    elif details.get("foreign_key"):
        kind = "foreign key"
        table, column = details["foreign_key"]
        references = f"{table}.{column}"
    elif details.get("unique"):
        kind = "unique"
    elif details.get("check"):
        kind = "check"
    else:
        kind = "index"
    index_type = None
    orders: tuple[str, ...] = ()
    if details.get("index") and kind in ("index", "unique"):
        index_type = str(details.get("type") or "").lower() or None
        if index_type == "idx":  # Django's name for "some index" on SQLite/MySQL
            index_type = "btree"
        orders = tuple(str(o) for o in details.get("orders") or ())
        if all(order == "ASC" for order in orders):
            orders = ()  # the usual case, not worth a line in every index
    return Constraint(kind, columns, references, index_type, orders)


# -- comparing -----------------------------------------------------------------------------------


def compare_snapshots(before: Snapshot, after: Snapshot) -> list[str]:
    """Every difference between two snapshots, one line each, sorted by table.

    ``before`` is the reference (for example taken before a migrate that was rolled back),
    ``after`` the schema now. Lines look like::

        table shop_order: missing (present before)
        column shop_product.sku: null was False, is True
        index shop_product_sku_6c4b2cf4 on shop_product: added (index (sku) btree)
    """
    lines: list[str] = []
    if before.vendor != after.vendor:
        lines.append(f"database vendor: was {before.vendor}, is {after.vendor}")
    for name in sorted(set(before.tables) | set(after.tables)):
        old, new = before.tables.get(name), after.tables.get(name)
        if old is None:
            assert new is not None
            lines.append(f"{new.kind} {name}: added (absent before)")
            continue
        if new is None:
            lines.append(f"{old.kind} {name}: missing (present before)")
            continue
        if old.kind != new.kind:
            lines.append(f"{old.kind} {name}: was a {old.kind}, is a {new.kind}")
        lines.extend(_compare_columns(name, old, new))
        lines.extend(_compare_constraints(name, old, new))
    return lines


def _compare_columns(table: str, old: Table, new: Table) -> list[str]:
    lines = []
    for column in sorted(set(old.columns) | set(new.columns)):
        a, b = old.columns.get(column), new.columns.get(column)
        where = f"column {table}.{column}"
        if a is None:
            assert b is not None
            lines.append(f"{where}: added (absent before; {_column_text(b)})")
        elif b is None:
            lines.append(f"{where}: missing (present before; {_column_text(a)})")
        else:
            if a.type != b.type:
                lines.append(f"{where}: type was {a.type}, is {b.type}")
            if a.null != b.null:
                lines.append(f"{where}: null was {a.null}, is {b.null}")
            if a.default != b.default:
                lines.append(f"{where}: default was {a.default!r}, is {b.default!r}")
    return lines


def _column_text(column: Column) -> str:
    text = f"{column.type}, {'NULL' if column.null else 'NOT NULL'}"
    if column.default is not None:
        text += f", default {column.default!r}"
    return text


def _compare_constraints(table: str, old: Table, new: Table) -> list[str]:
    lines = []
    for name in sorted(set(old.constraints) | set(new.constraints)):
        a, b = old.constraints.get(name), new.constraints.get(name)
        if a is None:
            assert b is not None
            lines.append(f"{_label(b)} {name} on {table}: added ({b.describe()})")
        elif b is None:
            lines.append(f"{_label(a)} {name} on {table}: missing (was {a.describe()})")
        elif a != b:
            lines.append(f"{_label(a)} {name} on {table}: was {a.describe()}, is {b.describe()}")
    return lines


def _label(constraint: Constraint) -> str:
    return "index" if constraint.kind == "index" else "constraint"
