"""The field-class follower (migration_fixer.field_classes) on small project sources: what
each shape of module, base and ``__init__`` gives, as text (``describe``), or the exact
reason it cannot be told."""

from __future__ import annotations

import ast
import os
import textwrap
from pathlib import Path

import pytest

from migration_fixer.api import _source_roots
from migration_fixer.config import Config
from migration_fixer.field_classes import CannotFollow, FieldClasses, describe, from_settings

MIGRATION = "shop/migrations/0001_initial.py"


def follow(
    tmp_path: Path, files: dict[str, str], qualified: str, call: str = "", **settings: str
) -> dict[str, str] | str:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    parsed = ast.parse(f"f({call})", mode="eval").body
    assert isinstance(parsed, ast.Call)
    keywords = {k.arg: k.value for k in parsed.keywords if k.arg}
    classes = FieldClasses([tmp_path], settings)
    try:
        found = classes.underlying(qualified, tmp_path / MIGRATION, keywords, tuple(parsed.args))
    except CannotFollow as exc:
        return f"cannot: {exc}"
    return describe(found)


HEAD = "from django.db import models\n\n\n"


def init(body: str, base: str = "models.CharField", signature: str = "*args, **kwargs") -> str:
    lines = textwrap.indent(textwrap.dedent(body), " " * 8)
    return f"{HEAD}class F({base}):\n    def __init__(self, {signature}):\n{lines}"


SUPER = "super().__init__(*args, **kwargs)\n"


@pytest.mark.parametrize(
    ("source", "call", "expected"),
    [
        # forced and defaulted arguments
        (
            init('kwargs.setdefault("null", True)\n' + SUPER),
            "",
            {"@class": "CharField", "null": "True"},
        ),
        (
            init('kwargs.setdefault("null", True)\n' + SUPER),
            "null=False",
            {"@class": "CharField", "null": "False"},
        ),
        (
            init('kwargs["blank"] = True\n' + SUPER),
            "blank=False",
            {"@class": "CharField", "blank": "True"},
        ),
        (
            init("super().__init__(*args, unique=True, **kwargs)"),
            "",
            {"@class": "CharField", "unique": "True"},
        ),
        (init('kwargs.pop("default", None)\n' + SUPER), "default=1", {"@class": "CharField"}),
        (init('del kwargs["default"]\n' + SUPER), "default=1", {"@class": "CharField"}),
        (
            init('kwargs.update({"blank": True}, null=False)\n' + SUPER),
            "",
            {"@class": "CharField", "blank": "True", "null": "False"},
        ),
        (
            init('if "blank" not in kwargs.keys():\n    kwargs["blank"] = True\n' + SUPER),
            "",
            {"@class": "CharField", "blank": "True"},
        ),
        (
            init('kwargs["blank"] = kwargs.get("blank", True)\n' + SUPER),
            "",
            {"@class": "CharField", "blank": "True"},
        ),
        # own parameters, conditions on them
        (
            init(
                "super().__init__(*args, blank=blank, **kwargs)",
                signature="*args, blank=True, **kwargs",
            ),
            "",
            {"@class": "CharField", "blank": "True"},
        ),
        (
            init(
                "if auto:\n    kwargs['blank'] = True\n" + SUPER,
                signature="*args, auto=True, **kwargs",
            ),
            "auto=False",
            {"@class": "CharField"},
        ),
        (
            init(
                "if not auto or x is None:\n    kwargs['blank'] = True\n" + SUPER,
                signature="*args, auto=True, x=None, **kwargs",
            ),
            "",
            {"@class": "CharField", "blank": "True"},
        ),
        (
            init(
                "kwargs['blank'] = True if size > 3 else False\nsuper().__init__(**kwargs)",
                signature="size=5, **kwargs",
            ),
            "",
            {"@class": "CharField", "blank": "True"},
        ),
        (
            init(
                "if isinstance(tags, str):\n    raise TypeError\n" + SUPER,
                signature="*args, tags=(), **kwargs",
            ),
            "",
            {"@class": "CharField"},
        ),
        (init("if len(args) > 3:\n    raise ValueError\n" + SUPER), "", {"@class": "CharField"}),
        # reading kwargs[...], a call on what kwargs.pop gives, an unknown value kept
        (
            init(
                "if 'default' not in kwargs:\n    kwargs['default'] = 'x'\n"
                "kwargs['blank'] = kwargs['default'] == 'x'\n" + SUPER
            ),
            "",
            {"@class": "CharField", "blank": "True", "default": "'x'"},
        ),
        (
            init("fmt = kwargs.pop('format', 'hex').lower()\n" + SUPER),
            "format='rgb'",
            {"@class": "CharField"},
        ),
        (
            init(
                "kwargs.setdefault('default', compute())\n" + SUPER + "if self.choices:\n"
                "    self.choices = []"
            ),
            "",
            {"@class": "CharField", "default": "<unknown>"},
        ),
        # attributes set on the instance, class attributes, skipped bases
        (init(SUPER + "self.null = True"), "", {"@class": "CharField", "null": "True"}),
        (init("self.null = True\n" + SUPER), "", {"@class": "CharField"}),
        (
            init("self.empty_strings_allowed = False\n" + SUPER),
            "",
            {"@class": "CharField", "@empty_strings_allowed": "False"},
        ),
        (
            HEAD + "class F(models.CharField):\n    empty_strings_allowed = False\n",
            "",
            {"@class": "CharField", "@empty_strings_allowed": "False"},
        ),
        (
            init("models.Field.__init__(self, *args, **kwargs)", base="models.SlugField"),
            "",
            {"@class": "SlugField"},
        ),
        (
            init(
                "super(models.SlugField, self).__init__(*args, **kwargs)", base="models.SlugField"
            ),
            "",
            {"@class": "SlugField"},
        ),
        (init("super(F, self).__init__('name', *args, **kwargs)"), "", {"@class": "CharField"}),
        (init("for x in range(3):\n    self.y = x\n" + SUPER), "", {"@class": "CharField"}),
        (
            init(
                "defaults = {'blank': "
                "True}\ndefaults.update(kwargs)\nsuper().__init__(*args, **defaults)"
            ),
            "blank=False",
            {"@class": "CharField", "blank": "False"},
        ),
        (init("choices = {'a': 1}\nlog(choices)\n" + SUPER), "", {"@class": "CharField"}),
        (
            HEAD
            + (
                "class F(models.IntegerField):\n    def __init__(self, "
                "default=models.NOT_PROVIDED, **kwargs):\n        "
                "super().__init__(default=default, **kwargs)\n"
            ),
            "",
            {"@class": "IntegerField"},
        ),
        (
            HEAD
            + (
                "class F(models.IntegerField):\n    def __init__(self, default=7, "
                "**kwargs):\n        super().__init__(default=default, **kwargs)\n"
            ),
            "",
            {"@class": "IntegerField", "default": "7"},
        ),
        (
            HEAD
            + (
                "class F(models.DecimalField):\n    def __init__(self, v=None, n=None, "
                "d=10, p=2, **kwargs):\n        super().__init__(v, n, d, p, "
                "**kwargs)\n"
            ),
            "",
            {"@class": "DecimalField"},
        ),
        (
            HEAD + "class F(models.ManyToManyField):\n    pass\n",
            "to='x.y'",
            {"@class": "ManyToManyField"},
        ),
        (
            HEAD + "class F(models.Field):\n    many_to_many = True\n",
            "",
            {"@class": "Field", "@no_column": "True"},
        ),
        # sentry's FlexibleForeignKey: `return super().__init__(...)` (None either way).
        (
            init('kwargs.setdefault("null", True)\nreturn super().__init__(*args, **kwargs)\n'),
            "",
            {"@class": "CharField", "null": "True"},
        ),
        (init(SUPER + "return\n"), "null=True", {"@class": "CharField", "null": "True"}),
    ],
)
def test_what_a_class_gives(
    tmp_path: Path, source: str, call: str, expected: dict[str, str]
) -> None:
    assert follow(tmp_path, {"shop/fields.py": source}, "shop.fields.F", call) == expected


@pytest.mark.parametrize(
    ("source", "call", "reason"),
    [
        (
            init("if flag:\n    kwargs['null'] = True\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) decides `null` on a condition it "
            "cannot evaluate (`if flag:`)",
        ),
        (
            init("if flag:\n    self.blank = True\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) sets `self.blank` on a condition it "
            "cannot evaluate (`if flag:`)",
        ),
        (
            init("if flag:\n    " + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) calls `super().__init__` on a condition (`if flag:`)",
        ),
        (
            init("if flag:\n    d = {'blank': True}\nelse:\n    d = {}\nsuper().__init__(**d)"),
            "",
            "`F.__init__` (shop/fields.py:6) builds `d` on a condition (`if flag:`)",
        ),
        (init("kwargs = {}\n" + SUPER), "", "`F.__init__` (shop/fields.py:6) replaces `kwargs`"),
        (
            init("kwargs = dict(kwargs)\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) passes `kwargs` to `dict`",
        ),
        (init("args = ()\n" + SUPER), "", "`F.__init__` (shop/fields.py:6) replaces `args`"),
        (
            init("helper(kwargs)\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) passes `kwargs` to `helper`",
        ),
        (
            init("x = kwargs\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) uses `kwargs` in a way this tool cannot follow",
        ),
        (
            init("kwargs[name] = 1\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) sets a keyword argument whose name is not a literal",
        ),
        (
            init("kwargs.update(other)\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) updates its arguments with `other`",
        ),
        (
            init("kwargs.update(**other)\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) updates its arguments with `**...`",
        ),
        (
            init("kwargs.clear()\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) calls `kwargs.clear()`, which this tool cannot follow",
        ),
        (
            init("for k in kwargs:\n    pass\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) changes its arguments in a `for` statement",
        ),
        (
            init("if flag:\n    return\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:7) returns early",
        ),
        (
            init("return\n"),
            "",
            "`F.__init__` (shop/fields.py:5) does not call `super().__init__()` where this "
            "tool can see it",
        ),
        (
            init("pass"),
            "",
            "`F.__init__` (shop/fields.py:5) does not call `super().__init__()` "
            "where this tool can see it",
        ),
        (init(SUPER + SUPER), "", "`F.__init__` (shop/fields.py:7) calls `__init__` twice"),
        (
            init("raise ValueError"),
            "",
            "`F.__init__` (shop/fields.py:5) raises an error for these arguments",
        ),
        (
            init("super().__init__(*other, **kwargs)"),
            "",
            "`F.__init__` (shop/fields.py:6) passes `*other`",
        ),
        (
            init("super().__init__(*args, **other)"),
            "",
            "`F.__init__` (shop/fields.py:6) passes `**other`",
        ),
        (
            init("super(Other, me).__init__(**kwargs)"),
            "",
            "`F.__init__` (shop/fields.py:6) calls `super(Other, me).__init__`, "
            "which this tool cannot follow",
        ),
        (
            init("self.helper.__init__(**kwargs)"),
            "",
            "`F.__init__` (shop/fields.py:6) calls `self.helper.__init__`, which "
            "this tool cannot follow",
        ),
        (
            init("super().deconstruct()\n" + SUPER),
            "",
            "`F.__init__` (shop/fields.py:6) calls another method of its base class",
        ),
        (
            init("super().__init__('a', 'b', 'c', *args, **kwargs)"),
            "",
            "3 positional arguments reach `CharField`: which of them set what cannot be told",
        ),
        (
            init("Unknown.__init__(self, **kwargs)"),
            "",
            "`Unknown.__init__` in shop/fields.py: cannot tell which class it is",
        ),
        (
            init("models.IntegerField.__init__(self, **kwargs)"),
            "",
            "`F` calls `models.IntegerField.__init__`, which is not one of its bases",
        ),
        (init(SUPER, signature="size, **kwargs"), "", "`F` needs the argument `size`"),
        (init(SUPER, signature="*, size, **kwargs"), "", "`F` needs the argument `size`"),
        (
            init("super().__init__(**kwargs)", signature="**kwargs"),
            "'x'",
            "`F` is given too many positional arguments",
        ),
        (
            init("super().__init__()", signature=""),
            "max_length=3",
            "`F.__init__` takes no `max_length` argument",
        ),
        (
            init("self.empty_strings_allowed = flag\n" + SUPER),
            "",
            "`self.empty_strings_allowed` is not a literal in `F`",
        ),
        (init("kwargs['null'] = compute()\n" + SUPER), "", None),
        (
            HEAD + "class F(models.CharField):\n    empty_strings_allowed = flag\n",
            "",
            "`F.empty_strings_allowed` (shop/fields.py:5) is not a literal",
        ),
        (
            HEAD + "class F(models.CharField):\n    def get_default(self):\n        return 1\n",
            "",
            "`F.get_default` (shop/fields.py:5) decides what re-adding the column writes",
        ),
        (
            HEAD
            + (
                "class F(models.CharField):\n    def db_type(self, connection):\n      "
                "  return None\n"
            ),
            "",
            "`F.db_type` (shop/fields.py:5) may return None (no column)",
        ),
        (
            HEAD
            + (
                "class F(models.CharField):\n    def contribute_to_class(self, cls, "
                "name):\n        self.null = True\n"
            ),
            "",
            "`F.contribute_to_class` (shop/fields.py:6) sets `self.null`",
        ),
        (
            HEAD + "class F(models.CharField, metaclass=M):\n    pass\n",
            "",
            "`F` has a metaclass or class keywords",
        ),
        (
            HEAD + "class F(make_base()):\n    pass\n",
            "",
            "`F` (shop/fields.py:4) derives from `make_base()`, which this tool cannot follow",
        ),
        (
            HEAD + "class F(models.CharField, models.IntegerField, models.CharField):\n    pass\n",
            "",
            "`F`: no consistent method resolution order",
        ),
        (
            HEAD + "from django.forms import CharField\n\nclass F(CharField):\n    pass\n",
            "",
            "`django.forms.CharField` is not a Django model field class",
        ),
    ],
)
def test_what_cannot_be_told(tmp_path: Path, source: str, call: str, reason: str | None) -> None:
    found = follow(tmp_path, {"shop/fields.py": source}, "shop.fields.F", call)
    if reason is None:  # followed, with a value it cannot read
        assert found == {"@class": "CharField", "null": "<unknown>"}
    else:
        assert found == f"cannot: {reason}"


def test_modules_bases_and_reexports_across_packages(tmp_path: Path) -> None:
    files = {
        "common/__init__.py": "",
        "common/fields/__init__.py": "from .text import *\nfrom .text import CodeField as Code\n",
        "common/fields/text.py": init('kwargs.setdefault("blank", True)\n' + SUPER),
        "common/fields/base.py": "from ..fields import text\nBase = text.F\n",
        "shop/__init__.py": "",
        "shop/fields.py": (
            "import typing\n"
            "from common.fields import base as b\n"
            "from . import mixins\n"
            "if typing.TYPE_CHECKING:\n    Base = object\nelse:\n    Base = b.Base\n"
            "try:\n    import json\nexcept ImportError:\n    json = None\n"
            "class SkuField(mixins.Mixin, Base):\n    pass\n"
        ),
        "shop/mixins.py": (
            "class Mixin:\n    def __init__(self, *args, **kwargs):\n"
            '        kwargs["unique"] = True\n        super().__init__(*args, **kwargs)\n'
        ),
    }
    assert follow(tmp_path, files, "shop.fields.SkuField") == {
        "@class": "CharField",
        "blank": "True",
        "unique": "True",
    }


@pytest.mark.parametrize(
    ("files", "qualified", "expected"),
    [
        ({}, "shop.fields.F", "cannot: its module `shop.fields` is not among the project's files"),
        (
            {"shop/fields.py": "x = 1\n"},
            "shop.fields.F",
            "cannot: `F` is not defined in shop/fields.py",
        ),
        (
            {"shop/fields.py": "def F():\n    pass\n"},
            "shop.fields.F",
            "cannot: `F` in shop/fields.py:1 is not a class this tool can follow",
        ),
        (
            {"shop/fields.py": "class F:\n    class G:\n        pass\n"},
            "shop.fields.F.G",
            "cannot: `shop.fields.F.G`: a class nested in a class",
        ),
        (
            {"shop/fields.py": "if x:\n    from a import F\nelse:\n    from b import F\n"},
            "shop.fields.F",
            "cannot: `F` is defined in several ways in shop/fields.py (lines 2, 4)",
        ),
        (
            {"shop/fields.py": "def f(:\n"},
            "shop.fields.F",
            "cannot: cannot parse shop/fields.py:1: invalid syntax",
        ),
        (
            {"shop/fields.py": "from .other import F\n", "shop/__init__.py": ""},
            "shop.fields.F",
            "cannot: its module `shop.other` is not among the project's files",
        ),
        (
            {"shop/fields.py": "from ...far import F\n"},
            "shop.fields.F",
            "cannot: `F` in shop/fields.py:1 is not a class this tool can follow",
        ),
        (
            {"shop/fields.py": "class F(G):\n    pass\n\nclass G(F):\n    pass\n"},
            "shop.fields.F",
            "cannot: `shop.fields.F`: its bases form a cycle",
        ),
        (
            {"shop/fields.py": "F = G\nG = F\n"},
            "shop.fields.F",
            "cannot: `F` in shop/fields.py:1 is not a class this tool can follow",
        ),
        (
            {
                "shop/fields.py": (
                    "from django_extensions.db.fields import CreationDateTimeField as F\n"
                )
            },
            "shop.fields.F",
            {"@class": "DateTimeField", "auto_now_add": "True", "blank": "True"},
        ),
        (
            {"shop/fields.py": "from vendor import Thing\nclass F(Thing):\n    pass\n"},
            "shop.fields.F",
            {"@class": "CharField"},
        ),
        (
            {"shop/fields.py": "from django_extensions.db.fields import ShortUUIDField as F\n"},
            "shop.fields.F",
            "cannot: `ShortUUIDField` (django-extensions) with `auto=`: this "
            "argument changes what it stores",
        ),
        (
            {
                "shop/fields.py": (
                    "from djmoney.models.fields import MoneyField\nclass F(MoneyField):\n    pass\n"
                )
            },
            "shop.fields.F",
            "cannot: `MoneyField` (django-money): its default is computed by "
            "`MoneyField.setup_default`",
        ),
    ],
)
def test_finding_the_class(
    tmp_path: Path, files: dict[str, str], qualified: str, expected: object
) -> None:
    call = "auto=False" if "ShortUUID" in str(files) else ""
    assert follow(tmp_path, files, qualified, call, **{"vendor.Thing": "CharField"}) == expected


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "shop/__init__.py": "",
                "shop/fields/__init__.py": "from .base import *\nfrom vendor import *\n",
                "shop/fields/base.py": HEAD + "class F(models.TextField):\n    pass\n",
            },
            {"@class": "TextField"},
        ),
        (
            {
                "shop/__init__.py": "",
                "shop/fields/__init__.py": "from .base import *\nfrom vendor import *\n",
                "shop/fields/base.py": "",
            },
            "cannot: `F` is not defined in shop/fields/__init__.py, and `from vendor import *` "
            "there is not among the project's files",
        ),
        (
            {"shop/fields/__init__.py": "from .base import *\n", "shop/fields/base.py": ""},
            "cannot: `F` is not defined in shop/fields/__init__.py",
        ),
        (
            {
                "shop/fields/__init__.py": "from .base import *\n",
                "shop/fields/base.py": "class F(G):\n    pass\n",
            },
            "cannot: `F` (shop/fields/base.py:1) derives from `G`, which this tool cannot follow",
        ),
        (
            {"shop/fields/__init__.py": "class F:\n    pass\n"},
            "cannot: `F` (shop/fields/__init__.py:1) derives from no Django model field class",
        ),
    ],
)
def test_star_imports_and_classes_that_are_no_field(
    tmp_path: Path, files: dict[str, str], expected: object
) -> None:
    assert follow(tmp_path, files, "shop.fields.F") == expected


def test_outside_the_roots_nothing_is_read(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "fields.py").write_text("class F:\n    pass\n")
    classes = FieldClasses([tmp_path / "elsewhere"])
    with pytest.raises(CannotFollow, match="not among the project's files"):
        classes.underlying("shop.fields.F", tmp_path / MIGRATION, {})


def db_parameters(body: str) -> str:
    lines = textwrap.indent(textwrap.dedent(body), " " * 8)
    return f"{HEAD}class F(models.CharField):\n    def db_parameters(self, connection):\n{lines}"


BASE_PARAMETERS = "params = super().db_parameters(connection)\n"
DECIDES = "`F.db_parameters` (shop/fields.py:5) decides what re-adding the column writes"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        # openedx's MultiCollationMixin: the base's parameters and a collation. The type of
        # the column stays Django's: the class is followed (MF003 still says "cannot
        # determine" where Django itself would fill the rows: a storing method).
        (
            "params = models.Field.db_parameters(self, connection)\n"
            "if connection.vendor in self.db_collations:\n"
            '    params["collation"] = self.db_collations[connection.vendor]\n'
            "return params\n",
            None,
        ),
        ("return super().db_parameters(connection)\n", None),
        # Anything that may set the type (None: no column) decides.
        (BASE_PARAMETERS + 'params["type"] = "citext"\nreturn params\n', DECIDES),
        (BASE_PARAMETERS + "params[key] = value\nreturn params\n", DECIDES),
        (BASE_PARAMETERS + "params.update(extra)\nreturn params\n", DECIDES),
        (BASE_PARAMETERS + "params |= extra\nreturn params\n", DECIDES),
        ("return {**super().db_parameters(connection), 'check': None}\n", DECIDES),
        ("return dict(super().db_parameters(connection))\n", DECIDES),
        ('return {"collation": "C"}\n', DECIDES),
        ("params = compute(connection)\nreturn params\n", DECIDES),
        (BASE_PARAMETERS + "params = other\nreturn params\n", DECIDES),
        ("self.params = super().db_parameters(connection)\nreturn self.params\n", DECIDES),
    ],
)
def test_a_db_parameters_override(tmp_path: Path, body: str, reason: str | None) -> None:
    found = follow(tmp_path, {"shop/fields.py": db_parameters(body)}, "shop.fields.F")
    assert found == ({"@class": "CharField"} if reason is None else f"cannot: {reason}")


def test_the_roots_are_resolved_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A finder is made for every file MF003 checks: a run given many folders outside a
    repository (one root each) resolved every root again for each file."""
    roots = os.pathsep.join(str(tmp_path / f"project{i}") for i in range(3))
    resolved: list[Path] = []
    real = Path.resolve

    def counting(self: Path, strict: bool = False) -> Path:
        resolved.append(self)
        return real(self, strict)

    monkeypatch.setattr(Path, "resolve", counting)
    finders = [from_settings(roots, "") for _ in range(5)]
    assert resolved == [tmp_path / f"project{i}" for i in range(3)]
    assert {f.roots for f in finders} == {
        tuple(tmp_path.resolve() / f"project{i}" for i in range(3))
    }


def test_the_files_of_one_folder_given_outside_a_repository_make_one_root(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    paths = tuple(folder / f"000{i}_x.py" for i in (1, 2))
    for path in paths:
        path.write_text("")
    config = Config(paths=(*paths, tmp_path / "shop"))
    assert _source_roots(None, config) == [
        str(folder.resolve()),
        str((tmp_path / "shop").resolve()),
    ]
