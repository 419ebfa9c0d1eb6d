"""Synthetic rows for every table, from the historical models of a migration state.

The models come from the ``apps`` of a migration state (never the project's current models), so
the rows match the schema the database has at that point. For each concrete, managed model it
inserts a few rows whose values are valid for the field types, ``max_length``, ``choices``,
nullability and the cheap validators (min/max value and length); unique fields, ``unique_together``
and ``UniqueConstraint(fields=...)`` get distinct values; parents are filled before their
children (foreign keys, one-to-one, self references; many-to-many through tables, automatic or
not, are models like any other). Where a unique index is involved, one row is the case-swapped
twin of another ("Ab" and "aB"): a reverse that re-creates a case-insensitive unique index over
rows written after the deploy meets duplicates, as it would in production.

Automatic primary keys come from the database. Where a data migration inserted rows with their
keys, PostgreSQL's sequence stays behind them: it is moved forward past the largest key first,
never back (after a migration deleted rows, their keys must not be given again, or the rows
lost would look present). MySQL/MariaDB's ``AUTO_INCREMENT`` and SQLite move past an explicit
key by themselves.

A model that cannot be filled is reported with the reason (:class:`Unfilled`), never skipped
silently. The same seed gives the same rows: every choice comes from a ``random.Random`` seeded
with the seed, the batch number and the model's label, and a run-wide counter makes every
generated value distinct from every other one of the run.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps.registry import Apps
from django.core import validators as dj_validators
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, models, transaction

#: Rows inserted per model and batch: row 1 has NULL in every nullable column, the last row is
#: the case-swapped twin of row 0 where a unique string column allows it.
ROWS_PER_MODEL = 4
#: How many candidate rows to try for a model with a CheckConstraint before giving up on a row.
CHECK_ATTEMPTS = 24
#: Rows of a parent table a foreign key may point to (the first ones by primary key).
PARENT_SAMPLE = 64
#: Generated values are spaced by this much, so that each field can get its own offset.
STRIDE = 8

_AUTO = {"AutoField", "BigAutoField", "SmallAutoField"}
_INTEGER = {
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}
_STRING = {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FilePathField"}
_EPOCH = datetime.datetime(2001, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class Unfilled:
    """A model of the state that got no rows in a batch, and why."""

    model: str  # "app_label.ModelName"
    table: str
    reason: str

    def describe(self) -> str:
        return f"{self.model} ({self.table}): {self.reason}"


@dataclass
class Batch:
    """What one :meth:`RowFactory.fill` inserted: primary keys per model, and the models it
    could not fill."""

    number: int
    rows: dict[str, list[Any]] = field(default_factory=dict)  # model label -> primary keys
    tables: dict[str, str] = field(default_factory=dict)  # model label -> table
    unfilled: list[Unfilled] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(pks) for pks in self.rows.values())


class RowFactory:
    """Inserts batches of rows; one factory per rehearsal, so values never repeat in a run."""

    def __init__(
        self,
        seed: int = 0,
        rows_per_model: int = ROWS_PER_MODEL,
        left_empty: Iterable[str] = (),
    ) -> None:
        self.seed = seed
        self.rows_per_model = rows_per_model
        #: Models (``app_label.ModelName``) and apps (``app_label``), lower case, whose
        #: tables get no rows: rows of them that a data migration cannot meet (a tree's
        #: paths, a document's structure) would fail it where the real ones do not.
        self.left_empty = frozenset(label.lower() for label in left_empty)
        self._counter = random.Random(seed).randrange(1, 1000)
        self._batches = 0

    def next_number(self) -> int:
        self._counter += 1
        return self._counter * STRIDE

    def fill(self, apps: Apps, using: str) -> Batch:
        """Insert rows into every table of ``apps`` (a migration state's registry), in one
        transaction, parents first."""
        batch = Batch(self._batches)
        self._batches += 1
        connection = connections[using]
        with connection.cursor() as cursor:
            existing = set(connection.introspection.table_names(cursor))
        candidates = []
        for model in sorted(
            apps.get_models(include_auto_created=True), key=lambda m: m._meta.label_lower
        ):
            opts = model._meta
            if opts.proxy or opts.swapped:
                continue  # no table of its own
            if self.left_empty & {opts.label_lower, opts.app_label.lower()}:
                batch.unfilled.append(_unfilled(model, "left empty (--no-rows)"))
            elif not opts.managed:
                batch.unfilled.append(
                    _unfilled(model, "managed = False: its table is not created by migrations")
                )
            elif opts.db_table not in existing:
                batch.unfilled.append(
                    _unfilled(model, f"its table {opts.db_table} does not exist in the database")
                )
            else:
                candidates.append(model)
        failed: dict[str, str] = {u.model: u.reason for u in batch.unfilled}
        with transaction.atomic(using=using):
            for model in _parents_first(candidates):
                label = model._meta.label
                try:
                    with transaction.atomic(using=using):
                        filler = _ModelFiller(self, model, using, batch.number, failed)
                        pks, reason = filler.fill()
                except Exception as exc:  # an exotic model must not stop the others
                    pks, reason = [], f"cannot be filled: {type(exc).__name__}: {_message(exc)}"
                batch.tables[label] = model._meta.db_table
                if pks:
                    batch.rows[label] = pks
                if reason is not None:
                    failed[label] = reason
                    if not pks:
                        batch.unfilled.append(_unfilled(model, reason))
        return batch


def has_own_table(model: type[models.Model]) -> bool:
    """Whether migrations give ``model`` a table of its own: not a proxy, not swapped out, not
    ``managed = False`` (such a model's table, if any, is not the migrations': it may not
    exist, or belong to another model). Only those are filled, and their rows checked."""
    opts = model._meta
    return not (opts.proxy or opts.swapped) and bool(opts.managed)


def _unfilled(model: type[models.Model], reason: str) -> Unfilled:
    return Unfilled(model._meta.label, model._meta.db_table, reason)


def _foreign_keys(model: type[models.Model]) -> list[Any]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation
        and (f.many_to_one or (f.one_to_one and not getattr(f.remote_field, "parent_link", False)))
    ]


def _parents_first(candidates: Sequence[type[models.Model]]) -> list[type[models.Model]]:
    """Order models so that the targets of non-null foreign keys come first (required), and the
    targets of nullable ones too where a cycle does not prevent it (preferred); ties by label."""
    labels = {m._meta.label: m for m in candidates}
    required: dict[str, set[str]] = {}
    preferred: dict[str, set[str]] = {}
    for model in candidates:
        label = model._meta.label
        required[label], preferred[label] = set(), set()
        targets = [(f.related_model, f.null) for f in _foreign_keys(model)]
        targets += [(parent, False) for parent in model._meta.get_parent_list()]
        for target, null in targets:
            target_label = target._meta.label
            if target_label == label or target_label not in labels:
                continue
            (preferred if null else required)[label].add(target_label)
    done: set[str] = set()
    order: list[type[models.Model]] = []
    pending = sorted(labels)
    while pending:
        ready = [label for label in pending if required[label] <= done]
        if not ready:  # a cycle of non-null foreign keys: keep them, fill() reports them
            ready = pending
        best = min(ready, key=lambda label: (len(preferred[label] - done), label))
        order.append(labels[best])
        done.add(best)
        pending.remove(best)
    return order


def _flat_choices(field: Any) -> list[Any]:
    values: list[Any] = []
    for key, value in field.choices or ():
        if isinstance(value, (list, tuple)):
            values.extend(k for k, _ in value)
        else:
            values.append(key)
    return [v for v in values if v is not None and v != ""] or [
        v for v in (k for k, _ in field.flatchoices) if v is not None
    ]


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, rest = divmod(n, 36)
        out = digits[rest] + out
        if not n:
            return out


def _bounds(field: Any) -> tuple[Any, Any]:
    """The (min, max) value allowed by the field's min/max validators, and for integer fields by
    the database's integer range."""
    low: Any = None
    high: Any = None
    for validator in field.validators:
        if isinstance(validator, dj_validators.MinValueValidator) and not callable(
            validator.limit_value
        ):
            low = validator.limit_value if low is None else max(low, validator.limit_value)
        elif isinstance(validator, dj_validators.MaxValueValidator) and not callable(
            validator.limit_value
        ):
            high = validator.limit_value if high is None else min(high, validator.limit_value)
    return low, high


def _length_bounds(field: Any) -> tuple[int, int | None]:
    # (A string is taken too: ``CharField(max_length="30")`` works in Django, django-helpdesk
    # 0001 has one.)
    declared = getattr(field, "max_length", None)
    low, high = 0, None if declared is None else int(declared)
    for validator in field.validators:
        limit = validator.limit_value if hasattr(validator, "limit_value") else None
        if callable(limit) or limit is None:
            continue
        if isinstance(validator, dj_validators.MinLengthValidator):
            low = max(low, int(limit))
        elif isinstance(validator, dj_validators.MaxLengthValidator):
            high = int(limit) if high is None else min(high, int(limit))
    return low, high


def _fit(text: str, field: Any, n: int) -> str:
    """``text`` within the field's length bounds, keeping values distinct for distinct n."""
    low, high = _length_bounds(field)
    if high is not None and len(text) > high:
        text = _base36(n)[-high:] if high else ""
    if len(text) < low:
        text = text + "x" * (low - len(text))
    return text


def _clamp(value: Any, low: Any, high: Any, span: int) -> Any:
    if low is not None and value < low:
        value = low + (value - low) % span if span else low
    if high is not None and value > high:
        value = high - (value % span if span else 0)
        if low is not None and value < low:
            value = low
    return value


class _ModelFiller:
    def __init__(
        self,
        factory: RowFactory,
        model: type[models.Model],
        using: str,
        batch: int,
        failed: dict[str, str],
    ) -> None:
        self.factory = factory
        self.model = model
        self.using = using
        self.connection = connections[using]
        self.failed = failed
        self.rng = random.Random(f"{factory.seed}:{batch}:{model._meta.label_lower}")
        opts = model._meta
        parent_links = {link.attname for link in opts.parents.values() if link is not None}
        self.fields = [
            f
            for f in opts.concrete_fields
            if f.attname not in parent_links
            and not getattr(f, "generated", False)
            and f.get_internal_type() not in _AUTO
        ]
        self.groups = self._unique_groups()
        self.checks = [c for c in opts.constraints if isinstance(c, models.CheckConstraint)]
        self.domains: dict[str, list[Any]] = {}
        self.seen: dict[tuple[str, ...], set[tuple[Any, ...]]] = {}

    # -- uniqueness ----------------------------------------------------------------------
    def _unique_groups(self) -> list[tuple[str, ...]]:
        opts = self.model._meta
        names = {f.name: f.attname for f in opts.concrete_fields}
        groups: list[tuple[str, ...]] = [
            (f.attname,) for f in opts.concrete_fields if f.unique and not f.primary_key
        ]
        together = [tuple(g) for g in opts.unique_together]
        together += [
            tuple(c.fields)
            for c in opts.constraints
            if isinstance(c, models.UniqueConstraint) and c.fields and not c.expressions
        ]
        for group in together:
            if all(name in names for name in group):
                groups.append(tuple(names[name] for name in group))
        return list(dict.fromkeys(groups))

    def _load_seen(self) -> None:
        # (No ordering: a historical ``Meta.ordering`` may name a field removed since.)
        manager = self.model._base_manager.db_manager(self.using).order_by()
        for group in self.groups:
            self.seen[group] = {
                tuple(row) if len(group) > 1 else (row,)
                for row in manager.values_list(*group, flat=len(group) == 1)
            }

    def _fresh(self, values: dict[str, Any]) -> bool:
        for group in self.groups:
            combo = tuple(values.get(name) for name in group)
            if any(v is None for v in combo):
                continue
            if _normalised(combo) in {_normalised(c) for c in self.seen[group]}:
                return False
        return True

    def _remember(self, values: dict[str, Any]) -> None:
        for group in self.groups:
            self.seen[group].add(tuple(values.get(name) for name in group))

    # -- relations ------------------------------------------------------------------------
    def _domain(self, fk: Any) -> list[Any]:
        """Values the foreign key may hold: the target column of the first parent rows."""
        if fk.attname not in self.domains:
            target = fk.related_model
            attname = fk.target_field.attname
            manager = target._base_manager.db_manager(self.using)
            self.domains[fk.attname] = list(
                manager.order_by("pk").values_list(attname, flat=True)[:PARENT_SAMPLE]
            )
        return self.domains[fk.attname]

    def _missing_parent(self) -> str | None:
        for fk in _foreign_keys(self.model):
            if fk.null or self._domain(fk):
                continue
            target = fk.related_model._meta.label
            if target == self.model._meta.label:
                return (
                    f"non-null foreign key `{fk.name}` points to its own model: the first row "
                    "has no row to point to"
                )
            why = self.failed.get(target)
            if why is not None:
                return f"`{fk.name}` needs a row of {target}, which could not be filled ({why})"
            return f"`{fk.name}` needs a row of {target}, which has none"
        return None

    # -- values ---------------------------------------------------------------------------
    def fill(self) -> tuple[list[Any], str | None]:
        missing = self._missing_parent()
        if missing is not None:
            return [], missing
        for model in (self.model, *self.model._meta.get_parent_list()):
            _sequence_past_keys(self.connection, model)
        self._load_seen()
        start = self.model._base_manager.db_manager(self.using).count()
        pks: list[Any] = []
        first: dict[str, Any] = {}
        reason: str | None = None
        for row in range(self.factory.rows_per_model):
            twin = first if row == self.factory.rows_per_model - 1 and row else {}
            try:
                values, why = self._candidate(start + row, null=row == 1, twin=twin)
            except _Unsupported as exc:
                return pks, str(exc)
            if values is None:
                reason = why
                break
            pk, error = self._insert(values, twin=bool(twin))
            if pk is None:
                reason = f"the database refused a row: {error}"
                break
            if row == 0:
                first = values
            pks.append(pk)
            self._remember(values)
            for fk in _foreign_keys(self.model):
                if fk.related_model is self.model:  # a self reference may point here now
                    target = getattr(self._instance, fk.target_field.attname)
                    self.domains.setdefault(fk.attname, []).append(target)
        return pks, reason

    def _candidate(
        self, index: int, *, null: bool, twin: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, str]:
        why = "no candidate row"
        for _attempt in range(CHECK_ATTEMPTS if self.checks else 4):
            values: dict[str, Any] = {}
            for fld in self.fields:
                values[fld.attname] = self._value(fld, index, null=null, twin=twin)
            if not self._fresh(values):
                index += 1
                twin = {}
                why = f"no more distinct values for {', '.join(self._groups_text())}"
                continue
            broken = self._broken_check(values)
            if broken is None:
                return values, ""
            why = f"no generated row satisfies {broken}"
            index += 1
        return None, why

    def _groups_text(self) -> list[str]:
        return ["(" + ", ".join(group) + ")" for group in self.groups]

    def _broken_check(self, values: dict[str, Any]) -> str | None:
        if not self.checks:
            return None
        instance = self.model(**values)
        for constraint in self.checks:
            try:
                constraint.validate(self.model, instance, using=self.using)
            except ValidationError:
                condition = getattr(constraint, "condition", None)
                if condition is None:  # Django < 5.1
                    condition = getattr(constraint, "check", None)
                return f"CheckConstraint {constraint.name!r} ({condition})"
        return None

    def _value(self, fld: Any, index: int, *, null: bool, twin: dict[str, Any]) -> Any:
        if fld.is_relation:
            return self._relation_value(fld, index, null=null)
        if fld.attname in twin and self._in_unique_group(fld):
            original = twin[fld.attname]
            if isinstance(original, str) and original.swapcase() != original:
                return original.swapcase()
        if null and fld.null:
            return None
        choices = _flat_choices(fld) if fld.choices else []
        if choices:
            return choices[(index + self.rng.randrange(len(choices))) % len(choices)]
        n = self.factory.next_number() + self.rng.randrange(STRIDE)
        return _generate(fld, n, self.connection)

    def _in_unique_group(self, fld: Any) -> bool:
        return any(fld.attname in group for group in self.groups) or any(
            isinstance(c, models.UniqueConstraint) and c.expressions
            for c in self.model._meta.constraints
        )

    def _relation_value(self, fld: Any, index: int, *, null: bool) -> Any:
        domain = self._domain(fld)
        if not domain or (null and fld.null):
            return None
        radix = 1
        for group in self.groups:  # a unique group of relations: count in mixed radix
            if fld.attname in group:
                for name in group[: group.index(fld.attname)]:
                    other = next((f for f in self.fields if f.attname == name), None)
                    if other is not None and other.is_relation:
                        radix *= max(1, len(self._domain(other)))
                break
        return domain[(index // radix) % len(domain)]

    # -- insert -----------------------------------------------------------------------------
    _instance: Any = None

    def _insert(self, values: dict[str, Any], *, twin: bool) -> tuple[Any, str]:
        try:
            return self._save(values), ""
        except DatabaseError as exc:
            if not twin:
                return None, _message(exc)
        # A case-insensitive collation or index refused the twin: an ordinary row instead.
        retry, _ = self._candidate(self.factory._counter, null=False, twin={})
        if retry is None:
            return None, "no candidate row"
        values.clear()
        values.update(retry)
        try:
            return self._save(values), ""
        except DatabaseError as exc:
            return None, _message(exc)

    def _save(self, values: dict[str, Any]) -> Any:
        instance = self.model(**values)
        with transaction.atomic(using=self.using):
            instance.save(using=self.using, force_insert=not self.model._meta.parents)
        self._instance = instance
        return instance.pk


def _sequence_past_keys(connection: Any, model: type[models.Model]) -> None:
    """PostgreSQL: move the sequence of the model's automatic primary key forward past the
    largest key in its table, when its next value is not above it; never back.

    Rows a data migration inserted with their keys (``objects.create(id=1, ...)``, a fixture)
    leave the sequence behind them, and the generated rows collided with them ("duplicate key
    value violates unique constraint ..._pkey": the table was reported not filled). Resetting
    to the largest key instead (``sqlsequencereset``) would move it back after a migration
    deleted rows, and the next rows would get the lost rows' keys. MySQL/MariaDB and SQLite
    move past an explicit key by themselves: nothing to do there. If the database refuses
    (no privilege on the sequence), the inserts say what follows."""
    if connection.vendor != "postgresql":
        return
    pk = model._meta.pk
    if pk is None or pk.get_internal_type() not in _AUTO:
        return
    quote = connection.ops.quote_name
    table, column = model._meta.db_table, pk.column
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # (The table as an identifier, quoted; the column as it is.)
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), column])
            row = cursor.fetchone()
            sequence = row[0] if row else None
            if sequence is None:  # not a serial or identity column
                return
            # (``sequence`` comes quoted from PostgreSQL. A sequence never called, or restarted,
            # gives ``last_value`` itself next (its start); one called gives ``last_value`` plus
            # the increment.)
            cursor.execute(
                f"SELECT s.last_value, s.is_called, p.seqincrement, "
                f"(SELECT max({quote(column)}) FROM {quote(table)}) "
                f"FROM {sequence} s, pg_sequence p WHERE p.seqrelid = %s::regclass",
                [sequence],
            )
            last, called, increment, largest = cursor.fetchone()
            if largest is None or increment <= 0:
                return
            following = last + increment if called else last
            if largest >= following:
                cursor.execute("SELECT setval(%s::regclass, %s)", [sequence, largest])
    except DatabaseError:
        pass


def _normalised(combo: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(str(v) if isinstance(v, (uuid.UUID, decimal.Decimal)) else v for v in combo)


def _message(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _generate(fld: Any, n: int, connection: Any) -> Any:
    """A value for a non-relation field, distinct for distinct ``n``."""
    kind = _kind(fld)
    token = "Row" + _base36(n)
    if kind in _INTEGER:
        low, high = connection.ops.integer_field_range(kind)
        v_low, v_high = _bounds(fld)
        low = v_low if v_low is not None and (low is None or v_low > low) else low
        high = v_high if v_high is not None and (high is None or v_high < high) else high
        base = max(low, 1) if low is not None else 1
        span = (high - base + 1) if high is not None else 0
        value = base + (n % span if span else n)
        return _clamp(value, low, high, span)
    if kind == "BooleanField":
        return bool(n // STRIDE % 2)
    if kind == "FloatField":
        low, high = _bounds(fld)
        return float(_clamp(n + 0.5, low, high, 1000))
    if kind == "DecimalField":
        digits = fld.max_digits or 10
        places = fld.decimal_places or 0
        value = decimal.Decimal(n % 10**digits).scaleb(-places)
        low, high = _bounds(fld)
        return _clamp(value, low, high, 0)
    if kind in {"CharField", "TextField"}:
        if fld.name.lower().endswith("json"):
            # A text column named for JSON holds JSON (wagtail's ``content_json``, which a
            # later migration makes a JSONField: the database checks every value then).
            text = json.dumps({"row": token})
            if _fit(text, fld, n) == text:
                return text
        return _fit(token, fld, n)
    if kind == "SlugField":
        return _fit("row-" + _base36(n), fld, n)
    if kind == "EmailField":
        return _fit(f"{token}@example.com", fld, n)
    if kind == "URLField":
        return _fit(f"https://example.com/{token}", fld, n)
    if kind in {"FileField", "ImageField", "FilePathField"}:
        return _fit(f"rehearsal/{token}.txt", fld, n)
    if kind == "GenericIPAddressField":
        if fld.protocol.lower() == "ipv6":
            return f"2001:db8::{n:x}"
        return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
    if kind == "UUIDField":
        digest = hashlib.md5(f"{n}".encode(), usedforsecurity=False).digest()
        return uuid.UUID(bytes=digest, version=4)  # MariaDB's UUID type checks the variant
    if kind == "DateField":
        return (_EPOCH + datetime.timedelta(days=n)).date()
    if kind == "DateTimeField":
        value = _EPOCH + datetime.timedelta(minutes=n)
        return value.replace(tzinfo=datetime.timezone.utc) if _use_tz() else value
    if kind == "TimeField":
        return datetime.time((n // 60) % 24, n % 60, (n // 3600) % 60)
    if kind == "DurationField":
        return datetime.timedelta(seconds=n)
    if kind == "BinaryField":
        data = f"row{n}".encode()
        return data[: int(fld.max_length)] if fld.max_length else data
    if kind == "JSONField":
        return {"row": n, "tags": [token]}
    if kind == "ArrayField":  # django.contrib.postgres
        return [_generate(fld.base_field, n, connection)]
    if kind == "HStoreField":
        return {"row": str(n)}
    if fld.has_default():
        return fld.get_default()
    if fld.null:
        return None
    raise _Unsupported(f"`{fld.name}` is a {type(fld).__name__}, for which no value is known")


def _kind(fld: Any) -> str:
    """The field's internal type, except that EmailField and URLField (stored as CharField)
    keep their own name: their values must look like an address."""
    for cls in (models.EmailField, models.URLField, models.SlugField):
        if isinstance(fld, cls):
            return cls.__name__
    return str(fld.get_internal_type())


class _Unsupported(Exception):
    pass


def _use_tz() -> bool:
    from django.conf import settings

    return bool(settings.USE_TZ)
