"""MF003 on fields whose class is not Django's own: the project's field classes followed
in its source (never imported), the third-party table, and ``field-classes`` in
pyproject.toml. Runs the CLI on a project folder outside git (findings are reported, not
split), so the finding text is exactly what a user sees."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from migration_fixer.cli import cli

INITIAL = """\
{imports}
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Product",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("sku", {field}),
            ],
        ),
    ]
"""
REMOVE = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RemoveField(model_name="product", name="sku")]
"""
WHERE = "shop/migrations/0002_remove.py:6:19: MF003 "
NOT_NEW = (
    "  hint: not in a git repository, so nothing tells a new migration from an applied one; "
    "MF003 splits only migrations that are new relative to the git base: split this one by "
    "hand (nullable step now, drop later) if it has not been applied anywhere\n"
)
BY_HAND = "check the field by hand; if it is non-null without a default, split the removal"
SUMMARY = "Found 1 finding in 2 migration files (0 fixable with `migration-fixer`).\n"
CLEAN = "No findings in 2 migration files.\n"


def project(root: Path, field: str, imports: str, files: dict[str, str]) -> dict[Path, bytes]:
    """A project with ``files`` (path -> source) and a shop app whose 0002 removes the
    field ``sku`` defined as ``field``; returns every file's bytes."""
    sources = {
        **files,
        "shop/migrations/0001_initial.py": INITIAL.format(imports=imports, field=field),
        "shop/migrations/0002_remove.py": REMOVE,
    }
    for name, text in sources.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def check(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["--no-cache", *args, "."], catch_exceptions=False)
    return result.exit_code, result.stdout


def unsafe(what: str, fill: str = "''") -> str:
    return (
        f"{WHERE}removing `product.sku` cannot be rolled back: non-null {what} with no "
        f"default: re-adding it fails on SQLite and PostgreSQL, and MySQL/MariaDB silently "
        f"fill every row with {fill}\n{NOT_NEW}{SUMMARY}"
    )


def cannot(reason: str, hint: str) -> str:
    return (
        f"{WHERE}cannot determine whether removing `product.sku` can be rolled back: {reason}\n"
        f"  hint: {hint}, or {BY_HAND}\n{SUMMARY}"
    )


CODE_FIELD = """\
    from django.db import models


    class CodeField(models.CharField):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("max_length", 32)
            super().__init__(*args, **kwargs)
"""


def test_a_project_class_two_levels_across_two_apps_through_a_package_reexport(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = project(
        tmp_path,
        "shop.fields.SkuField()",
        "import shop.fields",
        {
            "common/__init__.py": "",
            "common/fields/__init__.py": "from .text import CodeField\n",
            "common/fields/text.py": CODE_FIELD,
            "shop/__init__.py": "",
            "shop/fields.py": """\
                from common.fields import CodeField


                class SkuField(CodeField):
                    pass
            """,
        },
    )
    code, out = check(tmp_path, monkeypatch, "--check")
    assert out == unsafe("`SkuField` (a CharField)")
    assert code == 1
    # Fix mode writes nothing here (not new relative to a git base), and reads the
    # project's modules without touching them.
    check(tmp_path, monkeypatch)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    "init",
    [
        'kwargs.setdefault("null", True)\n        super().__init__(*args, **kwargs)',
        'kwargs["blank"] = True\n        super().__init__(*args, **kwargs)',
        "super().__init__(*args, null=True, **kwargs)",
        'if "blank" not in kwargs:\n            kwargs["blank"] = True\n'
        "        super().__init__(*args, **kwargs)",
        # dj-stripe's shape: the class's defaults, overridden by the call's arguments.
        'defaults = {"max_length": 3, "blank": True}\n'
        "        defaults.update(kwargs)\n"
        "        super().__init__(*args, **defaults)",
        # sentry's FlexibleForeignKey returns what super().__init__ returns (None).
        'kwargs.setdefault("null", True)\n        return super().__init__(*args, **kwargs)',
    ],
)
def test_what_the_classs_init_forces_decides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, init: str
) -> None:
    fields = (
        "from django.db import models\n\n\n"
        "class SkuField(models.CharField):\n"
        "    def __init__(self, *args, **kwargs):\n"
        f"        {init}\n"
    )
    project(
        tmp_path,
        "shop.fields.SkuField(max_length=32)",
        "import shop.fields",
        {"shop/fields.py": fields},
    )
    assert check(tmp_path, monkeypatch, "--check") == (0, CLEAN)


def test_a_forced_argument_the_call_cannot_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = """\
        from django.db import models


        class SkuField(models.CharField):
            def __init__(self, *args, **kwargs):
                kwargs["blank"] = False
                super().__init__(*args, **kwargs)
    """
    project(
        tmp_path,
        "shop.fields.SkuField(blank=True)",
        "import shop.fields",
        {"shop/fields.py": fields},
    )
    assert check(tmp_path, monkeypatch, "--check") == (1, unsafe("`SkuField` (a CharField)"))


def test_an_init_it_cannot_read_is_a_precise_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = """\
        from django.conf import settings
        from django.db import models


        class SkuField(models.CharField):
            def __init__(self, *args, **kwargs):
                if settings.LEGACY_SKU:
                    kwargs["null"] = True
                super().__init__(*args, **kwargs)
    """
    project(tmp_path, "shop.fields.SkuField()", "import shop.fields", {"shop/fields.py": fields})
    assert check(tmp_path, monkeypatch, "--check") == (
        1,
        cannot(
            "what `shop.fields.SkuField` is underneath cannot be told (defined in 0001_initial): "
            "`SkuField.__init__` (shop/fields.py:7) decides `null` on a condition it cannot "
            "evaluate (`if settings.LEGACY_SKU:`)",
            'if `SkuField` stores like a plain CharField, add "shop.fields.SkuField" = '
            '"CharField" under [tool.migration-fixer.field-classes] in pyproject.toml',
        ),
    )


def test_a_method_that_decides_the_default_is_a_precise_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = """\
        from django.db import models


        class SkuField(models.IntegerField):
            def get_default(self):
                return 0
    """
    project(tmp_path, "shop.fields.SkuField()", "import shop.fields", {"shop/fields.py": fields})
    assert check(tmp_path, monkeypatch, "--check") == (
        1,
        cannot(
            "what `shop.fields.SkuField` is underneath cannot be told (defined in 0001_initial): "
            "`SkuField.get_default` (shop/fields.py:5) decides what re-adding the column writes",
            'if `SkuField` stores like a plain IntegerField, add "shop.fields.SkuField" = '
            '"IntegerField" under [tool.migration-fixer.field-classes] in pyproject.toml',
        ),
    )


STRINGS_FIELD = """\
    from django.db import models


    class StringsField(models.TextField):
        def get_prep_value(self, value):
            if isinstance(value, (list, tuple)):
                return ",".join(value)
            raise TypeError("Invalid data type passed.")
"""
CLOCK_FIELD = """\
    from django.db import models


    class ClockField(models.DateTimeField):
        def db_type(self, connection):
            return "bigint"
"""
TAG_FIELD = """\
    from django.db import models


    class TagField(models.CharField):
        def get_internal_type(self):
            \"\"\"The column of a CharField.\"\"\"
            return "CharField"
"""

HEX_FIELD = """\
    from django.db import models


    class HexField(models.CharField):
        def get_internal_type(self):
            return "UUIDField"
"""

COLLATION_FIELD = """\
    from django.db import models


    class NameField(models.CharField):
        def db_parameters(self, connection):
            params = models.Field.db_parameters(self, connection)
            params["collation"] = "utf8mb4_bin"
            return params
"""


def _stores(cls: str, method: str, line: int, django_class: str) -> str:
    return cannot(
        f"what `shop.fields.{cls}` is underneath cannot be told (defined in 0001_initial): "
        f"`{cls}.{method}` (shop/fields.py:{line}) decides how the value Django fills a "
        "re-added column with is stored",
        f'if `{cls}` stores like a plain {django_class}, add "shop.fields.{cls}" = '
        f'"{django_class}" under [tool.migration-fixer.field-classes] in pyproject.toml',
    )


@pytest.mark.parametrize(
    ("fields", "field", "out"),
    [
        # Django would fill the rows with '' (blank), or now (auto_now): a class that
        # converts values (pretix's MultiStringField raises on a string) or makes another
        # column may refuse it.
        (
            STRINGS_FIELD,
            "shop.fields.StringsField(blank=True)",
            _stores("StringsField", "get_prep_value", 5, "TextField"),
        ),
        (
            CLOCK_FIELD,
            "shop.fields.ClockField(auto_now=True)",
            _stores("ClockField", "db_type", 5, "DateTimeField"),
        ),
        # Where the call's own arguments fill the rows, the class's storage does not matter.
        (STRINGS_FIELD, "shop.fields.StringsField(null=True)", CLEAN),
        (STRINGS_FIELD, "shop.fields.StringsField(default=list)", CLEAN),
        (CLOCK_FIELD, "shop.fields.ClockField(db_default=0)", CLEAN),
        # Nor where nothing fills them: not re-addable either way.
        (STRINGS_FIELD, "shop.fields.StringsField()", unsafe("`StringsField` (a TextField)")),
        # morango's UUIDField: a CharField in a uuid column, where '' is not a value.
        (
            HEX_FIELD,
            "shop.fields.HexField(blank=True, max_length=32)",
            _stores("HexField", "get_internal_type", 5, "CharField"),
        ),
        # openedx's MultiCollationCharField: a collation on Django's column.
        (
            COLLATION_FIELD,
            "shop.fields.NameField(max_length=9)",
            unsafe("`NameField` (a CharField)"),
        ),
        (
            COLLATION_FIELD,
            "shop.fields.NameField(blank=True, max_length=9)",
            _stores("NameField", "db_parameters", 5, "CharField"),
        ),
        # A get_internal_type that returns its Django class's own name changes nothing.
        (TAG_FIELD, "shop.fields.TagField(blank=True, max_length=9)", CLEAN),
    ],
)
def test_a_class_that_stores_values_its_own_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fields: str, field: str, out: str
) -> None:
    project(tmp_path, field, "import shop.fields", {"shop/fields.py": fields})
    assert check(tmp_path, monkeypatch, "--check") == (0 if out == CLEAN else 1, out)


@pytest.mark.parametrize(
    ("field", "imports", "out"),
    [
        (
            "django_extensions.db.fields.CreationDateTimeField()",
            "import django_extensions.db.fields",
            CLEAN,
        ),
        (
            "model_utils.fields.AutoLastModifiedField(editable=False)",
            "import model_utils.fields",
            CLEAN,
        ),
        (
            "taggit.managers.TaggableManager(to='taggit.Tag', through='taggit.TaggedItem')",
            "import taggit.managers",
            CLEAN,
        ),
        (
            "django_extensions.db.fields.ShortUUIDField(editable=False)",
            "import django_extensions.db.fields",
            unsafe("`ShortUUIDField` (a CharField)"),
        ),
        (
            "positions.fields.PositionField()",
            "import positions.fields",
            CLEAN,
        ),
        (
            "mptt.fields.TreeForeignKey(on_delete=models.CASCADE, to='shop.category')",
            "import mptt.fields",
            f"{WHERE}removing `product.sku` cannot be rolled back: non-null `TreeForeignKey` "
            "(a ForeignKey) has no value for existing rows: re-adding it fails on every "
            f"database (a foreign key cannot be filled with a placeholder)\n{NOT_NEW}{SUMMARY}",
        ),
        (
            "djmoney.models.fields.MoneyField(max_digits=10, decimal_places=2)",
            "import djmoney.models.fields",
            cannot(
                "what `djmoney.models.fields.MoneyField` is underneath cannot be told "
                "(defined in 0001_initial): `MoneyField` (django-money): its default is "
                "computed by `MoneyField.setup_default`",
                'add "djmoney.models.fields.MoneyField" = "<the Django field class it derives '
                'from, e.g. CharField>" under [tool.migration-fixer.field-classes] in '
                "pyproject.toml",
            ),
        ),
    ],
)
def test_third_party_classes_from_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, imports: str, out: str
) -> None:
    project(tmp_path, field, imports, {})
    code, stdout = check(tmp_path, monkeypatch, "--check")
    assert stdout == out
    assert code == (0 if out == CLEAN else 1)


def test_the_field_classes_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(
        tmp_path,
        "vendor.fields.SkuField(max_length=8)",
        "import vendor.fields",
        {
            "pyproject.toml": "[tool.migration-fixer.field-classes]\n"
            '"vendor.fields.SkuField" = "django.db.models.CharField"\n',
        },
    )
    assert check(tmp_path, monkeypatch, "--check") == (1, unsafe("`SkuField` (a CharField)"))
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migration-fixer.field-classes]\n"vendor.fields.SkuField" = "Charfield"\n'
    )
    result = CliRunner().invoke(cli, ["--check", "."], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: pyproject.toml: [tool.migration-fixer] field-classes 'vendor.fields.SkuField': "
        "'Charfield' is not a Django field class this tool knows (e.g. \"CharField\" or "
        '"django.db.models.CharField")\n'
    )


def test_a_changed_field_module_is_read_again_with_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    root = tmp_path / "project"
    fields = (
        "from django.db import models\n\n\n"
        "class SkuField(models.CharField):\n"
        "    def __init__(self, *args, **kwargs):\n"
        '        kwargs["blank"] = {}\n'
        "        super().__init__(*args, **kwargs)\n"
    )
    project(
        root,
        "shop.fields.SkuField()",
        "import shop.fields",
        {"shop/fields.py": fields.format("True"), "pyproject.toml": ""},
    )
    monkeypatch.chdir(root)
    cached = ["--check", "."]
    assert CliRunner().invoke(cli, cached).stdout == CLEAN
    (root / "shop/fields.py").write_text(fields.format("False"))
    assert CliRunner().invoke(cli, cached).stdout == unsafe("`SkuField` (a CharField)")


@pytest.mark.parametrize(
    ("init", "reason"),
    [
        (
            'kwargs["null"] = False',
            "`SkuField` (defined in 0001_initial) decides `null` itself: with null=True in the "
            "call it is still not nullable, so it cannot be made nullable before the drop",
        ),
        (
            'kwargs["unique"] = compute()',
            "`SkuField` sets `unique` to a value this tool cannot read (defined in 0001_initial)",
        ),
        (
            'kwargs["null"] = settings.SKU_NULLABLE',
            "`null=` of `SkuField` is not a literal (defined in 0001_initial)",
        ),
    ],
)
def test_what_the_class_sets_but_cannot_be_decided(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, init: str, reason: str
) -> None:
    fields = (
        "from django.conf import settings\n"
        "from django.db import models\n\n\n"
        "class SkuField(models.CharField):\n"
        "    def __init__(self, *args, **kwargs):\n"
        f"        {init}\n"
        "        super().__init__(*args, **kwargs)\n"
    )
    project(tmp_path, "shop.fields.SkuField()", "import shop.fields", {"shop/fields.py": fields})
    assert check(tmp_path, monkeypatch, "--check") == (
        1,
        f"{WHERE}cannot determine whether removing `product.sku` can be rolled back: {reason}\n"
        f"  hint: {BY_HAND}\n{SUMMARY}",
    )
