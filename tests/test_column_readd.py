"""Django's re-add rule (``BaseDatabaseSchemaEditor._effective_default``), decided on the
field's defining expression: readd.classify. The matrix measured on real databases is in
docs/readd-matrix.md; these are the same decisions on every branch of the rule."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from migration_fixer.column_readd import Outcome, Verdict, classify
from migration_fixer.history import FieldState, MigrationFile
from migration_fixer.migration_ast import ModuleIndex

IMPORTS = (
    "import uuid\n"
    "import django.db.models.deletion\n"
    "from django.db import models\n"
    "from django.contrib.postgres.fields import ArrayField\n"
    "from myapp.fields import MyField\n"
)


def state(expression: str, preserve_default: bool = True) -> FieldState:
    text = f"{IMPORTS}field = {expression}\n"
    tree = ast.parse(text)
    last = tree.body[-1]
    assert isinstance(last, ast.Assign)
    source = MigrationFile(Path("0001_initial.py"), "0001_initial", text, tree, ModuleIndex(tree))
    return FieldState("Product", "value", last.value, source, preserve_default)


def verdict(expression: str, preserve_default: bool = True) -> Verdict:
    return classify(state(expression, preserve_default))


def fails(cls: str, fill: str, extra: str = "") -> str:
    return (
        f"non-null `{cls}` with no default{extra}: re-adding it fails on SQLite and "
        f"PostgreSQL, and MySQL/MariaDB silently fill every row with {fill}"
    )


FK = (
    "non-null `{}` has no value for existing rows: re-adding it fails on every database "
    "(a foreign key cannot be filled with a placeholder)"
)
SAME = "every existing row would get the same value, and the unique constraint refuses it"


WHERE = "(defined in 0001_initial)"
NOT_KNOWN = "is not a Django field class this tool knows " + WHERE
STAR = "the field is built with *args/**kwargs " + WHERE
CASCADE = "on_delete=models.CASCADE, to='a.b'"
NO_COLUMN = "has no column to re-add"
NONE = " (its default is None)"
MDY = "0000-00-00"


def safe(reason: str, cls: str = "") -> Verdict:
    return Verdict(Outcome.SAFE, reason, cls)


def unsafe(reason: str, cls: str, relation: bool = False, unique: bool = False) -> Verdict:
    return Verdict(Outcome.UNSAFE, reason, cls, relation, unique)


def same(shown: str, why: str, cls: str, relation: bool = False) -> Verdict:
    return unsafe(f"`{shown}` with {why}: {SAME}", cls, relation, True)


def unknown(reason: str, cls: str = "") -> Verdict:
    return Verdict(Outcome.UNKNOWN, reason, cls)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # null=True, db_default, a kept default, blank strings, auto_now: Django fills rows.
        ("models.CharField(max_length=9, null=True)", safe("null=True")),
        ("models.IntegerField(null=False, db_default=7)", safe("db_default", "IntegerField")),
        ("models.IntegerField(default=7)", safe("a default", "IntegerField")),
        ("models.JSONField(default=dict)", safe("a default", "JSONField")),
        ("models.UUIDField(default=uuid.uuid4)", safe("a default", "UUIDField")),
        (f"models.ForeignKey(default=1, {CASCADE})", safe("a default", "ForeignKey")),
        ("models.CharField(blank=True, max_length=9)", safe("blank=True", "CharField")),
        ("models.EmailField(blank=True)", safe("blank=True", "EmailField")),
        ("models.FileField(blank=True)", safe("blank=True", "FileField")),
        ("models.BinaryField(blank=True)", safe("blank=True", "BinaryField")),
        ("models.DateTimeField(auto_now=True)", safe("auto_now", "DateTimeField")),
        ("models.DateField(auto_now_add=True)", safe("auto_now", "DateField")),
        (
            "models.ManyToManyField(to='a.b')",
            safe(f"ManyToManyField {NO_COLUMN}", "ManyToManyField"),
        ),
        # Historical migrations still spell it; it sets null=True itself.
        (
            "models.NullBooleanField()",
            safe("NullBooleanField is always nullable", "NullBooleanField"),
        ),
        (
            "models.GeneratedField(expression=models.Value(1), output_field=models.IntegerField())",
            safe(f"GeneratedField {NO_COLUMN}", "GeneratedField"),
        ),
        # Nothing to fill rows with.
        ("models.CharField(max_length=9)", unsafe(fails("CharField", "''"), "CharField")),
        ("models.CharField(null=False)", unsafe(fails("CharField", "''"), "CharField")),
        ("models.IntegerField(blank=True)", unsafe(fails("IntegerField", "0"), "IntegerField")),
        ("models.DecimalField(blank=True)", unsafe(fails("DecimalField", "0"), "DecimalField")),
        ("models.BooleanField()", unsafe(fails("BooleanField", "0"), "BooleanField")),
        ("models.DateField()", unsafe(fails("DateField", MDY), "DateField")),
        ("models.DateTimeField()", unsafe(fails("DateTimeField", MDY), "DateTimeField")),
        ("models.TimeField()", unsafe(fails("TimeField", "00:00:00"), "TimeField")),
        ("models.JSONField()", unsafe(fails("JSONField", "''"), "JSONField")),
        ("models.BinaryField()", unsafe(fails("BinaryField", "''"), "BinaryField")),
        (
            "ArrayField(models.IntegerField())",
            unsafe(
                "non-null `ArrayField` with no default: re-adding it fails on PostgreSQL, the "
                "only database with this field",
                "ArrayField",
            ),
        ),
        # default=None is a default for Django (has_default()), and fills NULL.
        (
            "models.CharField(blank=True, default=None)",
            unsafe(fails("CharField", "''", NONE), "CharField"),
        ),
        (
            "models.DateTimeField(auto_now=True, default=None)",
            unsafe(fails("DateTimeField", MDY, NONE), "DateTimeField"),
        ),
        # Relations.
        (
            "models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='a.b')",
            unsafe(FK.format("ForeignKey"), "ForeignKey", relation=True),
        ),
        (
            f"models.OneToOneField({CASCADE})",
            unsafe(FK.format("OneToOneField"), "OneToOneField", relation=True, unique=True),
        ),
        # One value for every row of a unique column.
        (
            "models.CharField(default='x', unique=True)",
            same("CharField(unique=True)", "a default", "CharField"),
        ),
        (
            "models.UUIDField(default=uuid.uuid4, unique=True)",
            same("UUIDField(unique=True)", "a default", "UUIDField"),
        ),
        (
            "models.IntegerField(default=1, primary_key=True)",
            dataclasses.replace(
                same("IntegerField(primary_key=True)", "a default", "IntegerField"),
                primary_key=True,
            ),
        ),
        (
            f"models.OneToOneField(default=1, {CASCADE})",
            same("OneToOneField", "a default", "OneToOneField", relation=True),
        ),
        (
            "models.SlugField(blank=True, unique=True)",
            same("SlugField(unique=True)", "blank=True", "SlugField"),
        ),
        (
            "models.DateTimeField(auto_now_add=True, unique=True)",
            same("DateTimeField(unique=True)", "auto_now", "DateTimeField"),
        ),
        (
            "models.CharField(unique=True)",
            unsafe(fails("CharField", "''"), "CharField", unique=True),
        ),
        # Cannot tell.
        (
            "make_field()",
            unknown(f"`make_field` {NOT_KNOWN}: cannot tell whether it can be re-added"),
        ),
        ("MyField()", unknown(f"`MyField` {NOT_KNOWN}: cannot tell whether it can be re-added")),
        # A class this tool does not know: its own arguments settle it, or nothing does.
        ("MyField(default=1)", safe("a default")),
        ("MyField(db_default=1, unique=True)", safe("db_default")),
        ("MyField(default=1, unique=True)", same("MyField(unique=True)", "a default", "")),
        (
            "MyField(default=None)",
            unknown(f"`MyField` {NOT_KNOWN}: cannot tell whether it can be re-added"),
        ),
        (
            "MyField(default=1, unique=U)",
            unknown(f"`MyField` {NOT_KNOWN}: cannot tell whether it can be re-added"),
        ),
        ("FIELDS['x']", unknown(f"the field is `FIELDS['x']` {WHERE}")),
        ("models.CharField(**options)", unknown(STAR)),
        ("models.CharField(*args)", unknown(STAR)),
        ("models.CharField(null=NULLABLE)", unknown(f"`null=` is not a literal {WHERE}")),
        ("models.CharField(unique=U)", unknown(f"`unique=` is not a literal {WHERE}", "CharField")),
        (
            "models.IntegerField(primary_key=P)",
            unknown(f"`unique=` is not a literal {WHERE}", "IntegerField"),
        ),
        ("models.CharField(blank=B)", unknown(f"`blank=` is not a literal {WHERE}", "CharField")),
        # Other literals count as Django reads them (``self._unique or self.primary_key``,
        # ``if not field.null``): ``unique=None`` is not unique, ``null=None`` not nullable.
        ("models.SlugField(blank=True, unique=None)", safe("blank=True", "SlugField")),
        ("models.CharField(null=None)", unsafe(fails("CharField", "''"), "CharField")),
        ("models.CharField(null=1)", safe("null=True")),
        (
            "models.SlugField(blank=1, unique='yes')",
            same("SlugField(unique=True)", "blank=True", "SlugField"),
        ),
        (
            "models.BigAutoField(primary_key=True, serialize=False)",
            Verdict(
                Outcome.UNKNOWN,
                "`BigAutoField` is the table's generated key",
                "BigAutoField",
                auto_key=True,
            ),
        ),
    ],
)
def test_classify(expression: str, expected: Verdict) -> None:
    assert verdict(expression) == expected


def test_default_without_preserve_default_does_not_count() -> None:
    found = verdict("models.CharField(default='x', max_length=9)", preserve_default=False)
    assert found == Verdict(
        Outcome.UNSAFE,
        fails("CharField", "''", " (its default has preserve_default=False)"),
        "CharField",
        default_source="'x'",
    )
    # The dropped literal default is the backfill's placeholder.
    assert found.placeholder == ("'x'", ())
    computed = verdict("models.DateField(default=today())", preserve_default=False)
    assert computed.default_source is None
    assert computed.placeholder == ("datetime.date(1970, 1, 1)", ("datetime",))
    none = verdict("models.IntegerField(default=None)", preserve_default=False)
    assert none.default_source is None
    assert none.placeholder == ("0", ())


@pytest.mark.parametrize(
    ("expression", "placeholder"),
    [
        ("models.CharField()", ('""', ())),
        ("models.URLField()", ('""', ())),
        ("models.BinaryField()", ('b""', ())),
        ("models.IntegerField()", ("0", ())),
        ("models.PositiveBigIntegerField()", ("0", ())),
        ("models.FloatField()", ("0.0", ())),
        ("models.DecimalField()", ("0", ())),
        ("models.BooleanField()", ("False", ())),
        ("models.DateField()", ("datetime.date(1970, 1, 1)", ("datetime",))),
        (
            "models.DateTimeField()",
            ("datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)", ("datetime",)),
        ),
        ("models.TimeField()", ("datetime.time(0, 0)", ("datetime",))),
        ("models.DurationField()", ("datetime.timedelta(0)", ("datetime",))),
        ("models.UUIDField()", ("uuid.UUID(int=0)", ("uuid",))),
        ("models.JSONField()", ("{}", ())),
        ("models.GenericIPAddressField()", ('"0.0.0.0"', ())),
        ("models.ForeignKey(on_delete=models.CASCADE, to='a.b')", None),
        ("ArrayField(models.IntegerField())", None),
    ],
)
def test_placeholder(expression: str, placeholder: tuple[str, tuple[str, ...]] | None) -> None:
    assert verdict(expression).placeholder == placeholder


def test_default_literal_that_does_not_evaluate_is_no_placeholder() -> None:
    # ``ast.literal_eval`` refuses it: not reused, the type's placeholder is.
    found = verdict("models.IntegerField(default=-(1 + x))", preserve_default=False)
    assert found.default_source is None
    assert found.placeholder == ("0", ())
