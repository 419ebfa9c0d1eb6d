"""Can Django re-add this removed field to a table that has rows?

Django's rule (``BaseDatabaseSchemaEditor._effective_default``): re-adding a column works
when the field is ``null=True``, has a ``db_default``, a kept ``default`` (not with
``unique=True``: one value for every row), ``blank=True`` on a field whose
``empty_strings_allowed`` is true, or ``auto_now``/``auto_now_add``. Everything else
fails on SQLite and PostgreSQL, and "succeeds" on MySQL/MariaDB by inventing ``''``/``0``/
``0000-00-00``. Measured on all three: docs/readd-matrix.md.

An auto-generated primary key (``AutoField``, ``BigAutoField``, ``SmallAutoField``) is
numbered by the database when it is re-added, on all three: :func:`decide_auto_key` says
where that is not enough (measured too: docs/readd-matrix.md, "Auto-generated keys").
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migration_fixer.migration_ast import LOCAL, has_star_args, keyword_argument

if TYPE_CHECKING:  # only annotations: the deploy side imports this module without the history
    from migration_fixer.field_classes import FieldClasses, Underlying, Value
    from migration_fixer.history import FieldState

#: Django field classes whose ``empty_strings_allowed`` is true, and the placeholder a
#: backfill writes into rows left NULL (source, imports it needs).
_STRING_FIELDS = {
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "FilePathField",
    "FileField",
    "ImageField",
    "CommaSeparatedIntegerField",
}
_PLACEHOLDERS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{name: ('""', ()) for name in _STRING_FIELDS},
    "BinaryField": ('b""', ()),
    "IntegerField": ("0", ()),
    "BigIntegerField": ("0", ()),
    "SmallIntegerField": ("0", ()),
    "PositiveIntegerField": ("0", ()),
    "PositiveSmallIntegerField": ("0", ()),
    "PositiveBigIntegerField": ("0", ()),
    "FloatField": ("0.0", ()),
    "DecimalField": ("0", ()),
    "BooleanField": ("False", ()),
    "DateField": ("datetime.date(1970, 1, 1)", ("datetime",)),
    "DateTimeField": ("datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)", ("datetime",)),
    "TimeField": ("datetime.time(0, 0)", ("datetime",)),
    "DurationField": ("datetime.timedelta(0)", ("datetime",)),
    "UUIDField": ("uuid.UUID(int=0)", ("uuid",)),
    "JSONField": ("{}", ()),
    "GenericIPAddressField": ('"0.0.0.0"', ()),
    "IPAddressField": ('"0.0.0.0"', ()),
}
_RELATIONS = {"ForeignKey", "OneToOneField"}
_NO_COLUMN = {"ManyToManyField", "GeneratedField"}
#: Classes that make their column nullable whatever ``null=`` says (Django's
#: ``NullBooleanField``, kept for historical migrations, sets ``null=True`` itself).
_ALWAYS_NULL = {"NullBooleanField"}
_AUTO = {"AutoField", "BigAutoField", "SmallAutoField"}
#: The verdicts where Django fills the re-added rows with a value of its own choosing.
_FILLED = ("blank=True", "auto_now")
#: How messages name the dialects of :mod:`migration_fixer.dialect`.
_DIALECT_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB"}
_DIALECT_HINT = (
    "set `dialect` in [tool.migration-fixer] (or pass --dialect) to the databases the "
    "project runs on"
)
_EMPTY_STRINGS = _STRING_FIELDS | {"BinaryField"}
#: Field classes of ``django.contrib.postgres``: no other database has their columns.
_POSTGRESQL_ONLY = {"ArrayField", "HStoreField"}
_MODULES = ("django.db.models", "django.contrib.postgres.fields", "django.contrib.gis.db.models")
#: The Django field classes the rule knows (``field-classes`` values must name one).
DJANGO_FIELD_CLASSES = frozenset(
    {*_PLACEHOLDERS, *_RELATIONS, *_NO_COLUMN, *_ALWAYS_NULL, *_AUTO, *_POSTGRESQL_ONLY}
)


class Outcome(str, enum.Enum):
    """Whether Django can re-add a removed column to a table with rows."""

    SAFE = "safe"  # it can
    UNSAFE = "unsafe"  # it cannot (the verdict says why)
    UNKNOWN = "unknown"  # cannot be told statically (the verdict says why)


@dataclass(frozen=True)
class Verdict:
    """The outcome for one field, with why, and what a backfill needs to know."""

    kind: Outcome
    reason: str
    field_class: str = ""
    relation: bool = False
    unique: bool = False
    default_source: str | None = None  # a literal default worth reusing as placeholder
    #: What the user can do about an "unknown" verdict ("" for the general advice).
    hint: str = ""
    #: An auto-generated primary key (``primary_key=True``): the caller decides it with
    #: :func:`decide_auto_key`, which needs the model and the project's dialects.
    auto_key: bool = False
    #: ``primary_key=True``: a primary key cannot be made nullable, so the removal is not
    #: split (PostgreSQL refuses ``DROP NOT NULL`` on a key column).
    primary_key: bool = False

    @property
    def placeholder(self) -> tuple[str, tuple[str, ...]] | None:
        if self.relation:
            return None
        if self.default_source is not None:
            return self.default_source, ()
        return _PLACEHOLDERS.get(self.field_class)


def _field_class(state: FieldState) -> str | None:
    expr = state.expr
    assert isinstance(expr, ast.Call)  # classify() checked
    qualified = state.source.index.qualified_name(expr.func, state.source.index.tree)
    if qualified is None:
        return None
    module, _, name = qualified.rpartition(".")
    if any(module == m or module.startswith(m + ".") for m in _MODULES):
        return name
    return None


def _is_true(node: ast.expr | None) -> bool | None:
    """The truth of a literal as Django reads these options (``if field.null``, ``self._unique
    or self.primary_key``: ``unique=None`` is not unique), False when absent, None when not
    a literal."""
    if node is None:
        return False
    if isinstance(node, ast.Constant) and node.value is not Ellipsis:
        return bool(node.value)
    return None


@dataclass(frozen=True)
class FieldFacts:
    """What the re-add rule reads about a non-null field, from its source (MF003) or from a
    loaded field (the deploy side). ``None`` for a keyword means "not a literal": the rule
    answers "unknown" only when it needs that keyword."""

    field_class: str  # the Django field class it is, or derives from
    shown: str  # how messages name it (a custom class: "SkuField (a CharField)", shown as
    # "`SkuField` (a CharField)")
    db_default: bool
    unique: bool | None  # unique=True
    primary_key: bool | None
    default: bool  # a default that the migration state keeps
    default_is_none: bool
    default_source: str | None  # a literal default worth reusing as placeholder
    auto_now: bool  # auto_now or auto_now_add
    blank: bool | None
    empty_strings_allowed: bool
    where: str = ""  # " (defined in 0001_initial.py)": appended to "unknown" reasons

    @property
    def relation(self) -> bool:
        return self.field_class in _RELATIONS


def classify(state: FieldState, classes: FieldClasses | None = None) -> Verdict:
    """The verdict for a field's defining expression; ``classes`` finds what a field class
    that is not Django's own is underneath (:mod:`migration_fixer.field_classes`)."""
    expr = state.expr
    where = f"defined in {state.source.name}"
    if not isinstance(expr, ast.Call):
        return Verdict(Outcome.UNKNOWN, f"the field is `{ast.unparse(expr)[:60]}` ({where})")
    if has_star_args(expr):
        return Verdict(Outcome.UNKNOWN, f"the field is built with *args/**kwargs ({where})")
    null = _is_true(keyword_argument(expr, "null"))
    if null is None:
        return Verdict(Outcome.UNKNOWN, f"`null=` is not a literal ({where})")
    if null:
        return Verdict(Outcome.SAFE, "null=True")
    keywords: dict[str, Value] = {k.arg: k.value for k in expr.keywords if k.arg is not None}
    cls = _field_class(state)
    if cls is not None:
        return _decide(state, cls, cls, keywords, None, where)
    shown = ast.unparse(expr.func)
    qualified = state.source.index.qualified_name(expr.func, state.source.index.tree)
    if classes is None or qualified is None or qualified.startswith(LOCAL):
        return _own_arguments(state, expr, shown) or Verdict(
            Outcome.UNKNOWN,
            f"`{shown}` is not a Django field class this tool knows ({where}): "
            "cannot tell whether it can be re-added",
        )
    from migration_fixer.field_classes import CannotFollow

    name = shown.rpartition(".")[2]
    try:
        underlying = classes.underlying(qualified, state.source.path, keywords, tuple(expr.args))
        verdict = _decide_underlying(state, name, underlying, where)
        if verdict.kind is Outcome.SAFE and verdict.reason in _FILLED and underlying.stores:
            # Django fills the rows itself (``''``, now): with a value the class may refuse.
            return Verdict(
                Outcome.UNKNOWN,
                f"what `{shown}` is underneath cannot be told ({where}): {underlying.stores}",
                underlying.django_class,
                hint=classes.hint(qualified, underlying.django_class),
            )
        if verdict.kind is Outcome.UNSAFE:
            # MF003's fix adds null=True to the call: the class must not override it.
            nullable = classes.underlying(
                qualified,
                state.source.path,
                {**keywords, "null": ast.Constant(True)},
                tuple(expr.args),
            )
            if _is_true(nullable.keywords.get("null")) is not True:  # type: ignore[arg-type]
                return Verdict(
                    Outcome.UNKNOWN,
                    f"`{name}` ({where}) decides `null` itself: with null=True in the call it "
                    "is still not nullable, so it cannot be made nullable before the drop",
                    underlying.django_class,
                )
    except CannotFollow as exc:
        # A class read and not followed may drop the arguments (docs/readd-matrix.md).
        own = _own_arguments(state, expr, shown) if exc.source_missing else None
        return own or Verdict(
            Outcome.UNKNOWN,
            f"what `{shown}` is underneath cannot be told ({where}): {exc}",
            hint=classes.hint(qualified, exc.django_class),
        )
    return verdict


def _own_arguments(state: FieldState, expr: ast.Call, shown: str) -> Verdict | None:
    """The verdict the field's own arguments settle whatever its class (None: they do
    not): ``db_default=``, or a kept ``default=`` that is not None, fills every row (with
    ``unique=True``/``primary_key=True``, the same value in every row, which the constraint
    refuses). This assumes the class passes these arguments on to Django's ``Field``, as
    field classes do; docs/readd-matrix.md names the exception."""
    if keyword_argument(expr, "db_default") is not None:
        return Verdict(Outcome.SAFE, "db_default")
    default = keyword_argument(expr, "default")
    if default is None or not state.preserve_default:
        return None
    if isinstance(default, ast.Constant) and default.value is None:
        return None
    unique = _is_true(keyword_argument(expr, "unique"))
    primary_key = _is_true(keyword_argument(expr, "primary_key"))
    if unique is None or primary_key is None:
        return None
    if not (unique or primary_key):
        return Verdict(Outcome.SAFE, "a default")
    arguments = "(unique=True)" if unique else "(primary_key=True)"
    return Verdict(
        Outcome.UNSAFE,
        f"`{shown}{arguments}` with a default: every existing row would get the same value, "
        "and the unique constraint refuses it",
        unique=True,
        primary_key=bool(primary_key),
    )


def _decide_underlying(state: FieldState, name: str, underlying: Underlying, where: str) -> Verdict:
    cls = underlying.django_class
    keywords = underlying.keywords
    for key, value in keywords.items():
        if not isinstance(value, ast.expr):
            return Verdict(
                Outcome.UNKNOWN,
                f"`{name}` sets `{key}` to a value this tool cannot read ({where})",
                cls,
            )
    if underlying.no_column:
        return Verdict(Outcome.SAFE, f"`{name}` (a {cls}) has no column to re-add", cls)
    null = _is_true(keywords.get("null"))  # type: ignore[arg-type]
    if null is None:
        return Verdict(Outcome.UNKNOWN, f"`null=` of `{name}` is not a literal ({where})", cls)
    if null:
        return Verdict(Outcome.SAFE, f"`{name}` sets null=True", cls)
    return _decide(
        state, cls, f"{name} (a {cls})", keywords, underlying.empty_strings_allowed, where
    )


def _decide(
    state: FieldState,
    cls: str,
    shown: str,
    keywords: Mapping[str, Value],
    empty_strings: bool | None,
    where: str,
) -> Verdict:
    """The re-add rule on the arguments a Django class ``cls`` receives."""

    def get(key: str) -> ast.expr | None:
        value = keywords.get(key)
        return value if isinstance(value, ast.expr) else None

    default = get("default")
    kept = default is not None and state.preserve_default
    return decide_non_null(
        FieldFacts(
            field_class=cls,
            shown=shown,
            db_default=get("db_default") is not None,
            unique=_is_true(get("unique")),
            primary_key=_is_true(get("primary_key")),
            default=kept,
            default_is_none=kept and isinstance(default, ast.Constant) and default.value is None,
            default_source=(
                ast.unparse(default) if default is not None and _literal(default) else None
            ),
            auto_now=bool(_is_true(get("auto_now")) or _is_true(get("auto_now_add"))),
            blank=_is_true(get("blank")),
            empty_strings_allowed=(
                cls in _EMPTY_STRINGS if empty_strings is None else empty_strings
            ),
            where=f" ({where})",
        ),
        had_default=default is not None,
    )


def decide_non_null(facts: FieldFacts, *, had_default: bool = False) -> Verdict:
    """The re-add rule for a field that is not ``null=True`` (the caller checked that).

    `had_default`: a default was given but not kept (``preserve_default=False``), for the
    message only."""
    cls, where = facts.field_class, facts.where
    if cls in _NO_COLUMN:
        return Verdict(Outcome.SAFE, f"{cls} has no column to re-add", cls)
    if cls in _ALWAYS_NULL:
        return Verdict(Outcome.SAFE, f"{cls} is always nullable", cls)
    if cls in _AUTO:
        if facts.primary_key is not True:
            return Verdict(
                Outcome.UNKNOWN,
                f"{_named(facts.shown)} is a generated key without a literal `primary_key=True`"
                f"{where}: how the database fills it when it is re-added was not measured",
                cls,
            )
        return Verdict(
            Outcome.UNKNOWN,
            f"{_named(facts.shown)} is the table's generated key",
            cls,
            auto_key=True,
        )
    if facts.db_default:
        return Verdict(Outcome.SAFE, "db_default", cls)
    unique_kw, primary_kw = facts.unique, facts.primary_key
    if unique_kw is None or primary_kw is None:
        return Verdict(Outcome.UNKNOWN, f"`unique=` is not a literal{where}", cls)
    # A one-to-one field is unique without saying so.
    unique = unique_kw or primary_kw or cls == "OneToOneField"
    relation = facts.relation
    kept = facts.default
    # ``default=None`` still counts as "has a default" for Django: nothing else applies.
    none_default = facts.default_is_none
    filled_by = None
    if kept and not none_default:
        filled_by = "a default"
    elif not kept and facts.auto_now:
        filled_by = "auto_now"
    elif not kept and facts.empty_strings_allowed:
        if facts.blank is None:
            return Verdict(Outcome.UNKNOWN, f"`blank=` is not a literal{where}", cls)
        filled_by = "blank=True" if facts.blank else None
    if filled_by is not None:
        if not unique:
            return Verdict(Outcome.SAFE, filled_by, cls)
        shown = _named(
            facts.shown,
            "(unique=True)" if unique_kw else "(primary_key=True)" if primary_kw else "",
        )
        return Verdict(
            Outcome.UNSAFE,
            f"{shown} with {filled_by}: every existing row would get the same "
            "value, and the unique constraint refuses it",
            cls,
            relation,
            True,
            primary_key=bool(primary_kw),
        )
    if relation:
        reason = (
            f"non-null {_named(facts.shown)} has no value for existing rows: re-adding it fails on "
            "every database (a foreign key cannot be filled with a placeholder)"
        )
    else:
        dropped = ""
        if none_default:
            dropped = " (its default is None)"
        elif had_default:
            dropped = " (its default has preserve_default=False)"
        reason = f"non-null {_named(facts.shown)} with no default{dropped}: re-adding it fails on "
        if cls in _POSTGRESQL_ONLY:
            reason += "PostgreSQL, the only database with this field"
        else:
            reason += (
                "SQLite and PostgreSQL, and MySQL/MariaDB silently fill every row with "
                f"{_mysql_fill(cls)}"
            )
    return Verdict(
        Outcome.UNSAFE,
        reason,
        cls,
        relation,
        bool(unique),
        facts.default_source,
        primary_key=bool(primary_kw),
    )


def decide_auto_key(
    verdict: Verdict,
    *,
    other_key: str | None,
    id_without_key: bool | None,
    dialects: Sequence[str],
) -> Verdict:
    """The verdict for the removal of an auto-generated primary key (``verdict.auto_key``).

    Measured on SQLite, PostgreSQL and MariaDB (tests/e2e/test_autopk_readd.py): re-adding
    the key numbers the existing rows 1, 2, 3... (new numbers, not the removed ones) and
    new rows continue after them, whatever the model's new primary key is, added or altered
    after the removal. Two shapes differ by database:

    - ``other_key``: the field that is already the primary key when the key is re-added
      ("" when none is, None when that cannot be told). SQLite then re-numbers the rows
      and the rollback works; PostgreSQL and MySQL/MariaDB refuse a second primary key, so
      the migration cannot even be applied there.
    - ``id_without_key``: after a later operation of the same migration, the model has no
      primary key and a field called ``id`` that is not one (evap: ``RenameField(uuid ->
      id)`` before ``AlterField(id, primary_key=True)``; None when that cannot be told).
      Rolling back fails on SQLite (``duplicate column name: id``: Django's model for that
      state gets an automatic ``id`` beside the other one, and SQLite rebuilds the table
      from it) and works on the other two. Made the primary key first, then renamed
      (openwisp-radius), it works everywhere.

    ``dialects``: the project's (:mod:`migration_fixer.dialect`); empty when unknown."""
    cls = verdict.field_class
    shown = f"`{cls}`"
    if other_key is None:
        return Verdict(
            Outcome.UNKNOWN,
            f"{shown} is the table's generated key, and whether another field of the model "
            "is the primary key when it is re-added cannot be told (a field whose `primary_key=` "
            "cannot be read)",
            cls,
        )
    if other_key:
        if tuple(dialects) == ("sqlite",):
            return Verdict(Outcome.SAFE, "SQLite numbers the re-added key", cls)
        return Verdict(
            Outcome.UNKNOWN,
            f"{shown}, the table's generated key, would be re-added while `{other_key}` is the "
            "primary key: SQLite re-numbers the rows and the rollback works; PostgreSQL and "
            "MySQL/MariaDB refuse a second primary key (the migration cannot be applied "
            f"there){_on(dialects)}",
            cls,
            hint=_DIALECT_HINT if not dialects else "",
        )
    if id_without_key is None:
        return Verdict(
            Outcome.UNKNOWN,
            f"{shown} is the table's generated key, and whether a later operation of this "
            "migration leaves the model without a primary key beside a field `id` cannot be "
            "told (a `primary_key=` or a name that cannot be read, operations that differ by "
            "branch, or a key other than `id` removed beside a field `id`, not measured): rolling "
            "such a migration back fails on SQLite",
            cls,
        )
    if id_without_key:
        without = (
            f"{shown} is the table's generated key, and a later operation of this migration "
            "leaves the model without a primary key beside a field `id` that is not one: "
        )
        if not dialects:
            return Verdict(
                Outcome.UNKNOWN,
                f"{without}rolling the migration back fails on SQLite (`duplicate column name: "
                "id`) and works on PostgreSQL and MySQL/MariaDB; the project's database is not "
                "known",
                cls,
                hint=_DIALECT_HINT,
            )
        if "sqlite" in dialects:
            return Verdict(
                Outcome.UNSAFE,
                f"{without}on SQLite, rolling the migration back fails (`duplicate column name: "
                "id`: Django's model for that state gets an automatic `id` beside it)",
                cls,
            )
    return Verdict(Outcome.SAFE, "the database numbers the re-added key", cls)


def never_not_null(field_class: str) -> bool:
    """Whether a column of the Django class ``field_class`` is never NOT NULL (it has no
    column, or the class makes it nullable itself)."""
    return field_class in _NO_COLUMN or field_class in _ALWAYS_NULL


def _on(dialects: Sequence[str]) -> str:
    """What a reason says of the project's dialects."""
    if not dialects:
        return "; the project's database is not known"
    return f"; the project runs on {', '.join(_DIALECT_NAMES[d] for d in dialects)}"


def _named(shown: str, arguments: str = "") -> str:
    """How a message names a field class: `` `CharField` ``, or `` `SkuField` (a CharField) ``
    for a class that derives from one."""
    name, _, what = shown.partition(" (")
    return f"`{name}{arguments}`" + (f" ({what}" if what else "")


def _literal(node: ast.expr) -> bool:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return value is not None


def _mysql_fill(cls: str) -> str:
    if cls in _EMPTY_STRINGS or cls == "JSONField":
        return "''"
    if cls in ("DateField", "DateTimeField"):
        return "0000-00-00"
    if cls in ("TimeField",):
        return "00:00:00"
    return "0"
