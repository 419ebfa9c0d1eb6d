"""What a field class that is not Django's own is underneath, for MF003's re-add rule.

A migration names a field's class as ``makemigrations`` wrote it (``shop.fields.SkuField``,
``django_extensions.db.fields.CreationDateTimeField``). Whether Django can re-add the
column depends on the Django class it derives from and on the keyword arguments its
``__init__`` forces (``kwargs.setdefault("blank", True)``, ``kwargs["null"] = True``,
``super().__init__(*args, null=True, **kwargs)``). Three sources, in this order:

1. the project's ``[tool.migration-fixer] field-classes`` setting (the user's word);
2. :data:`THIRD_PARTY`, widely used packages' field classes, checked against their real
   source by ``benchmarks/verify_field_classes.py`` and a test;
3. the project's own source: the module that defines the class is found among the
   project's files as Python would find it (``shop.fields`` -> ``shop/fields.py`` or
   ``shop/fields/__init__.py``, re-exports and ``from m import *`` followed) and read with
   ``ast`` (never imported); its bases are followed through several levels and modules
   down to a Django class (or a class of the table), and each ``__init__`` on the way is
   read by a small evaluator that knows ``kwargs.setdefault``, ``kwargs[...] =``,
   ``kwargs.pop``, ``del kwargs[...]``, dicts of defaults (``defaults = {...};
   defaults.update(kwargs)``), the arguments passed to ``super().__init__`` and conditions
   it can evaluate (on the call's literal arguments, on ``"key" in kwargs``); anything else
   that could change ``null``, ``blank``, ``default``, ``db_default``, ``unique``,
   ``primary_key``, ``auto_now(_add)`` or ``empty_strings_allowed`` makes the answer
   "cannot determine", with the file, line and reason.

Each module is parsed once per process (kept while its bytes are unchanged).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import operator
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migration_fixer.dotted_names import attribute_chain
from migration_fixer.source import SourceError, decode

if TYPE_CHECKING:
    from migration_fixer.rule import RuleSettings

#: The keyword arguments (and attributes) the re-add rule reads.
RELEVANT = (
    "null",
    "blank",
    "default",
    "db_default",
    "unique",
    "primary_key",
    "auto_now",
    "auto_now_add",
)
_BOOLEAN = ("null", "blank", "unique", "primary_key", "auto_now", "auto_now_add")
#: Attributes that decide the rule when an instance or class sets them.
_ATTRIBUTES = {*RELEVANT, "_unique", "empty_strings_allowed"}
#: Methods whose override changes what re-adding the column writes.
_DECIDING_METHODS = (
    "has_default",
    "get_default",
    "_get_default",
    "get_db_prep_save",
    "db_parameters",
)
#: Methods whose override changes the column a re-added field gets, or how the value Django
#: fills it with (``''`` for blank strings, now for ``auto_now``) is stored: that value may
#: not be one the class accepts (a ``get_prep_value`` that raises on a string, a
#: ``db_type`` of ``uuid``).
_STORING_METHODS = (
    "get_prep_value",
    "get_db_prep_value",
    "db_type",
    "get_internal_type",
    "db_parameters",
)

DJANGO_MODULES = (
    "django.db.models",
    "django.contrib.postgres.fields",
    "django.contrib.gis.db.models",
)
_BUILTIN_TYPES = {
    "object": object,
    "str": str,
    "bytes": bytes,
    "int": int,
    "float": float,
    "bool": bool,
    "tuple": tuple,
    "list": list,
    "dict": dict,
}
_NOT_PROVIDED = {"django.db.models.NOT_PROVIDED", "django.db.models.fields.NOT_PROVIDED"}

#: Django field classes and their parent (for the method resolution order of a class that
#: mixes several bases); anything else derives from ``Field``.
_DJANGO_PARENTS = {
    "ImageField": "FileField",
    "SlugField": "CharField",
    "EmailField": "CharField",
    "URLField": "CharField",
    "CommaSeparatedIntegerField": "CharField",
    "DateTimeField": "DateField",
    "OneToOneField": "ForeignKey",
    "ForeignKey": "ForeignObject",
    "ForeignObject": "RelatedField",
    "ManyToManyField": "RelatedField",
    "RelatedField": "Field",
    "BigIntegerField": "IntegerField",
    "SmallIntegerField": "IntegerField",
    "PositiveIntegerField": "IntegerField",
    "PositiveSmallIntegerField": "IntegerField",
    "PositiveBigIntegerField": "IntegerField",
    "BigAutoField": "AutoField",
    "SmallAutoField": "AutoField",
}
#: How many leading positional arguments a Django class takes that the rule does not read
#: (``verbose_name, name`` for most; more where the class puts its own first).
_POSITIONAL = {"DecimalField": 4, "FileField": 4, "ImageField": 4, "ManyToManyField": 1}


class _Unknown:
    """A value the evaluator cannot know."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()
Value = ast.expr | _Unknown


class CannotFollow(Exception):
    """Why a class cannot be followed (the message is a finding's reason), and the Django
    class it derives from when that much is known."""

    def __init__(
        self,
        message: str,
        django_class: str | None = None,
        *,
        source_missing: bool = False,
        not_defined: bool = False,
    ) -> None:
        super().__init__(message)
        self.django_class = django_class
        #: The name is not defined in the module looked in (a ``from m import *`` of the
        #: module that imports it may still define it).
        self.not_defined = not_defined
        #: The class's source is not among the files read (rather than read and not
        #: followed): what the field's own arguments say is all there is to go on.
        self.source_missing = source_missing


@dataclass(frozen=True)
class KnownField:
    """A third-party field class (or one the project configures): the Django class it is,
    and what its ``__init__`` does to the arguments the re-add rule reads (values as
    Python source, qualified names for what the package imports)."""

    package: str
    base: str
    #: ``kwargs.setdefault(key, value)``: the call's own argument wins.
    defaults: tuple[tuple[str, str], ...] = ()
    #: ``kwargs[key] = value`` (or passed to ``super().__init__``): always this value.
    forced: tuple[tuple[str, str], ...] = ()
    #: Set by the class (a class attribute or ``self.empty_strings_allowed = ...``).
    empty_strings_allowed: bool | None = None
    #: No column (a many-to-many manager such as django-taggit's).
    no_column: bool = False
    #: Why its ``__init__`` cannot be summed up ("" when it can).
    cannot: str = ""
    #: Methods of the class that the rule would not trust, read by hand and found to
    #: keep Django's answer (the verification allows them for this class only).
    reviewed: tuple[str, ...] = ()
    #: Arguments that change what the class is: a call that passes one is not decided.
    unless: tuple[str, ...] = ()
    #: Arguments the class requires (given to it when the table is verified).
    required: tuple[tuple[str, str], ...] = ()
    #: The module the class is defined in, when the migration imports it from elsewhere
    #: (checked by the verification).
    defined_in: str = ""


_EXT = "django_extensions.db.fields."
_MU = "model_utils.fields."
_NOW = "django.utils.timezone.now"
#: Widely used third-party field classes, by the dotted path migrations name them with.
#: Checked against the packages' source: ``python benchmarks/verify_field_classes.py``.
THIRD_PARTY: dict[str, KnownField] = {
    # django-extensions
    _EXT + "AutoSlugField": KnownField(
        "django-extensions",
        "SlugField",
        defaults=(("blank", "True"),),
        required=(("populate_from", "'title'"),),
    ),
    _EXT + "CreationDateTimeField": KnownField(
        "django-extensions",
        "DateTimeField",
        defaults=(("blank", "True"), ("auto_now_add", "True")),
    ),
    # Calls DateTimeField.__init__ itself: CreationDateTimeField's defaults do not apply.
    _EXT + "ModificationDateTimeField": KnownField(
        "django-extensions",
        "DateTimeField",
        defaults=(("auto_now", "True"),),
    ),
    _EXT + "RandomCharField": KnownField(
        "django-extensions",
        "CharField",
        defaults=(("blank", "True"), ("unique", "False")),
        required=(("length", "8"),),
    ),
    # auto=True (its default): blank, and no empty string as a value.
    _EXT + "ShortUUIDField": KnownField(
        "django-extensions",
        "CharField",
        forced=(("blank", "True"),),
        empty_strings_allowed=False,
        unless=("auto",),
    ),
    # get_default: the default, converted (no default: none); get_db_prep_save writes
    # None as 'null' (the rule, reading default=None as no value, is the stricter).
    _EXT + "json.JSONField": KnownField(
        "django-extensions",
        "TextField",
        defaults=(("default", "builtins.dict"),),
        reviewed=("JSONField.get_default", "JSONField.get_db_prep_save"),
    ),
    # django-model-utils
    _MU + "AutoCreatedField": KnownField(
        "django-model-utils",
        "DateTimeField",
        defaults=(("default", _NOW),),
    ),
    # get_default: the default, computed once.
    _MU + "AutoLastModifiedField": KnownField(
        "django-model-utils",
        "DateTimeField",
        defaults=(("default", _NOW),),
        reviewed=("AutoLastModifiedField.get_default",),
    ),
    # prepare_class sets a default only without no_check_for_status=True, which its
    # deconstruct() writes into every migration.
    _MU + "StatusField": KnownField(
        "django-model-utils",
        "CharField",
        reviewed=("StatusField.prepare_class",),
    ),
    _MU + "MonitorField": KnownField(
        "django-model-utils",
        "DateTimeField",
        defaults=(("default", _NOW),),
        required=(("monitor", "'status'"),),
    ),
    _MU + "UUIDField": KnownField(
        "django-model-utils",
        "UUIDField",
        defaults=(("default", "uuid.uuid4"), ("primary_key", "True")),
    ),
    _MU + "SplitField": KnownField("django-model-utils", "TextField"),
    # django-taggit
    "taggit.managers.TaggableManager": KnownField(
        "django-taggit",
        "RelatedField",
        defaults=(("blank", "False"),),
        forced=(("null", "True"),),
        no_column=True,
    ),
    # django-mptt
    "mptt.fields.TreeForeignKey": KnownField("django-mptt", "ForeignKey"),
    "mptt.fields.TreeOneToOneField": KnownField("django-mptt", "OneToOneField"),
    "mptt.fields.TreeManyToManyField": KnownField("django-mptt", "ManyToManyField"),
    # django-countries
    "django_countries.fields.CountryField": KnownField("django-countries", "CharField"),
    # django-phonenumber-field
    "phonenumber_field.modelfields.PhoneNumberField": KnownField(
        "django-phonenumber-field", "CharField"
    ),
    # django-money
    "djmoney.models.fields.MoneyField": KnownField(
        "django-money",
        "DecimalField",
        cannot="its default is computed by `MoneyField.setup_default`",
    ),
    "djmoney.models.fields.CurrencyField": KnownField(
        "django-money",
        "CharField",
        cannot="its default is the `DEFAULT_CURRENCY` setting, which may be None",
    ),
    # django-timezone-field
    "timezone_field.fields.TimeZoneField": KnownField(
        "django-timezone-field",
        "Field",
        cannot="it derives from Django's `Field` itself (a CharField in the database)",
    ),
    # jsonfield
    # get_default: the default, converted (no default: none).
    "jsonfield.fields.JSONField": KnownField(
        "jsonfield", "TextField", reviewed=("JSONFieldMixin.get_default",)
    ),
    "jsonfield.fields.JSONCharField": KnownField(
        "jsonfield", "CharField", reviewed=("JSONFieldMixin.get_default",)
    ),
    "jsonfield.JSONField": KnownField(
        "jsonfield",
        "TextField",
        reviewed=("JSONFieldMixin.get_default",),
        defined_in="jsonfield.fields",
    ),
    # django-encrypted-model-fields
    **{
        # get_db_prep_save encrypts a value and keeps None.
        f"encrypted_model_fields.fields.Encrypted{name}": KnownField(
            "django-encrypted-model-fields",
            name,
            reviewed=("EncryptedMixin.get_db_prep_save", "EncryptedBooleanField.get_db_prep_save"),
        )
        for name in (
            "CharField",
            "TextField",
            "DateField",
            "DateTimeField",
            "EmailField",
            "BooleanField",
            "IntegerField",
            "PositiveIntegerField",
            "SmallIntegerField",
            "PositiveSmallIntegerField",
            "BigIntegerField",
        )
    },
    # django-fernet-fields
    **{
        # get_db_prep_save encrypts a value and keeps None.
        f"fernet_fields.fields.Encrypted{name}": KnownField(
            "django-fernet-fields", name, reviewed=("EncryptedField.get_db_prep_save",)
        )
        for name in (
            "TextField",
            "CharField",
            "EmailField",
            "IntegerField",
            "DateField",
            "DateTimeField",
        )
    },
    # django-autoslug
    # unique_with= makes it unique=False.
    "autoslug.fields.AutoSlugField": KnownField(
        "django-autoslug", "SlugField", unless=("unique_with",)
    ),
    # django-ckeditor, django-tinymce
    "ckeditor.fields.RichTextField": KnownField("django-ckeditor", "TextField"),
    "ckeditor_uploader.fields.RichTextUploadingField": KnownField("django-ckeditor", "TextField"),
    "tinymce.models.HTMLField": KnownField("django-tinymce", "TextField"),
    # sorl-thumbnail, easy-thumbnails, django-stdimage
    "sorl.thumbnail.fields.ImageField": KnownField("sorl-thumbnail", "ImageField"),
    "sorl.thumbnail.ImageField": KnownField(
        "sorl-thumbnail", "ImageField", defined_in="sorl.thumbnail.fields"
    ),
    "easy_thumbnails.fields.ThumbnailerField": KnownField("easy-thumbnails", "FileField"),
    "easy_thumbnails.fields.ThumbnailerImageField": KnownField("easy-thumbnails", "ImageField"),
    "stdimage.models.StdImageField": KnownField("django-stdimage", "ImageField"),
    "stdimage.models.JPEGField": KnownField("django-stdimage", "ImageField"),
    "stdimage.StdImageField": KnownField(
        "django-stdimage", "ImageField", defined_in="stdimage.models"
    ),
    # django-modelcluster (wagtail)
    "modelcluster.fields.ParentalKey": KnownField("django-modelcluster", "ForeignKey"),
    "modelcluster.fields.ParentalManyToManyField": KnownField(
        "django-modelcluster", "ManyToManyField"
    ),
    # django-filer
    "filer.fields.file.FilerFileField": KnownField("django-filer", "ForeignKey"),
    "filer.fields.image.FilerImageField": KnownField("django-filer", "ForeignKey"),
    "filer.fields.folder.FilerFolderField": KnownField("django-filer", "ForeignKey"),
    # django-enumfields
    # get_default: the default as an enum member (None stays None).
    "enumfields.fields.EnumField": KnownField(
        "django-enumfields",
        "CharField",
        reviewed=("EnumFieldMixin.get_default",),
        required=(("enum", "'shop.Color'"),),
    ),
    "enumfields.fields.EnumIntegerField": KnownField(
        "django-enumfields",
        "IntegerField",
        reviewed=("EnumFieldMixin.get_default",),
        required=(("enum", "'shop.Color'"),),
    ),
    # django-fsm
    "django_fsm.FSMField": KnownField("django-fsm", "CharField"),
    "django_fsm.FSMIntegerField": KnownField("django-fsm", "IntegerField"),
    "django_fsm.FSMKeyField": KnownField("django-fsm", "ForeignKey"),
    # django-tagging
    "tagging.fields.TagField": KnownField(
        "django-tagging", "CharField", defaults=(("blank", "True"),)
    ),
    # wagtail, django-parler, django-multiselectfield, djangocms-text-ckeditor,
    # django-versatileimagefield
    "wagtail.fields.RichTextField": KnownField("wagtail", "TextField"),
    "parler.fields.TranslationsForeignKey": KnownField("django-parler", "ForeignKey"),
    "multiselectfield.db.fields.MultiSelectField": KnownField(
        "django-multiselectfield", "CharField"
    ),
    "djangocms_text_ckeditor.fields.HTMLField": KnownField("djangocms-text-ckeditor", "TextField"),
    "versatileimagefield.fields.VersatileImageField": KnownField(
        "django-versatileimagefield", "ImageField"
    ),
    # django-positions
    "positions.fields.PositionField": KnownField(
        "django-positions",
        "IntegerField",
        defaults=(("default", "-1"),),
    ),
    "positions.PositionField": KnownField(
        "django-positions",
        "IntegerField",
        defaults=(("default", "-1"),),
        defined_in="positions.fields",
    ),
}


class _Roots(tuple[Path, ...]):
    """Resolved source roots, hashed once (a key of :func:`_search_path`'s cache: a run
    outside a repository over a hundred folders has a hundred roots, hashed for every
    field looked up)."""

    _hash: int

    def __hash__(self) -> int:
        if "_hash" not in self.__dict__:
            self._hash = tuple.__hash__(self)
        return self._hash


@functools.lru_cache(maxsize=16)
def _resolved(roots: tuple[Path, ...]) -> _Roots:
    """``roots`` resolved, once per run: a finder is made for every file MF003 checks, and
    a run given a hundred folders outside a repository has a hundred roots (resolving them
    for each file took longer than the rest of MF003's check)."""
    return _Roots(r.resolve() for r in roots)


@functools.lru_cache(maxsize=256)
def _search_path(folder: Path, roots: tuple[Path, ...]) -> tuple[Path, ...]:
    """:meth:`FieldClasses._search_path` of the migrations ``folder``, once per folder and
    roots: resolving the folder took most of a lookup (0.5 ms; dj-stripe's 0002 looks up
    136 fields of one folder)."""
    folder = folder.resolve()
    # (A set of the folder and its parents: a run outside a repository over a hundred
    # folders has a hundred roots to try.)
    holding = {folder, *folder.parents}
    for root in roots:
        if root in holding:
            chain = [folder.parent, *folder.parent.parents]
            return tuple(p for p in chain if p == root or root in p.parents)
    return ()


def from_settings(roots: str, configured: str) -> FieldClasses:
    """The finder for a run's rule settings: ``roots`` joined with ``os.pathsep``,
    ``configured`` the ``field-classes`` table as JSON."""
    resolved, table = _settings(roots, configured)
    return FieldClasses(resolved, table)


@functools.lru_cache(maxsize=16)
def _settings(roots: str, configured: str) -> tuple[_Roots, dict[str, str]]:
    """The roots resolved and the table read, once per run: a finder is made for every
    file MF003 checks (keyed by the settings' strings, whose hashes Python keeps; a tuple
    of a hundred paths is hashed anew each time)."""
    paths = tuple(Path(r) for r in roots.split(os.pathsep) if r)
    return _resolved(paths), json.loads(configured) if configured else {}


def from_rule_settings(settings: RuleSettings) -> FieldClasses:
    """The finder for a run: the source roots and ``field-classes`` table the run gives
    MF003 (MF005 judges fields by the same classes)."""
    return from_settings(
        settings.get("MF003", "roots", ""), settings.get("MF003", "field-classes", "")
    )


def configured_class(value: str) -> str | None:
    """The Django class a ``field-classes`` value names (``"CharField"`` or
    ``"django.db.models.CharField"``), or None when it names none."""
    from migration_fixer.column_readd import DJANGO_FIELD_CLASSES

    module, _, name = value.rpartition(".")
    if module and module not in DJANGO_MODULES:
        return None
    return name if name in DJANGO_FIELD_CLASSES else None


# -- what a field is underneath ---------------------------------------------------------


@dataclass(frozen=True)
class Underlying:
    """The Django class a field is, and the arguments it ends up with."""

    django_class: str
    #: The relevant arguments as the Django class receives them (absent: not given).
    keywords: Mapping[str, Value]
    #: None: the Django class's own.
    empty_strings_allowed: bool | None = None
    no_column: bool = False
    #: The project files read to find this out (a cached result depends on them).
    reads: tuple[Path, ...] = ()
    #: Why the value Django fills a re-added column with may not be stored as by the Django
    #: class (a method of :data:`_STORING_METHODS` overridden; "" if none is).
    stores: str = ""


@dataclass
class _Module:
    name: str
    path: Path
    shown: str
    tree: ast.Module
    is_package: bool
    bindings: dict[str, list[ast.stmt]] = field(default_factory=dict)
    #: ``from m import *`` statements.
    stars: list[ast.ImportFrom] = field(default_factory=list)

    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


@dataclass(frozen=True)
class _Class:
    module: _Module
    node: ast.ClassDef

    @property
    def key(self) -> str:
        return f"{self.module.name}.{self.node.name}"


@dataclass(frozen=True)
class _Terminal:
    """A Django class, or a class of the table or the settings."""

    key: str
    django_class: str
    known: KnownField | None = None


_Node = _Class | _Terminal

#: Parsed modules: (path, module name) -> (bytes, module or why it cannot be read). Kept
#: per process; a file whose bytes changed is parsed again.
_PARSED: dict[tuple[Path, str, str], tuple[bytes, _Module | str]] = {}


class FieldClasses:
    """Finds what field classes are underneath, for the files below ``roots`` (the
    repository root, or the paths a run was given), with the project's own settings."""

    def __init__(
        self,
        roots: Sequence[Path] = (),
        configured: Mapping[str, str] = {},
        reviewed: Sequence[str] = (),
    ):
        self.roots = roots if isinstance(roots, _Roots) else _resolved(tuple(roots))
        self.configured = dict(configured)
        #: ``Class.method`` overrides to trust (the table's verification only).
        self.reviewed = frozenset(reviewed)
        #: Whether the project's files were searched for a module (what was found, or
        #: not, then depends on them).
        self.consulted = False
        #: The modules looked for so far, by name and search path, with the file found
        #: (a migration that removes many fields looks for the same modules for each).
        self._modules: dict[
            tuple[str, tuple[Path, ...]], tuple[Path | None, _Module | str | None]
        ] = {}

    # -- public -------------------------------------------------------------------------
    def underlying(
        self,
        qualified: str,
        migration: Path,
        keywords: Mapping[str, Value],
        positional: tuple[Value, ...] = (),
    ) -> Underlying:
        """What the field ``qualified(*positional, **keywords)`` of ``migration`` is, or
        :class:`CannotFollow`."""
        reads: list[Path] = []
        search = self._search_path(migration)
        node = self._locate(qualified, search, reads, 0)
        if isinstance(node, _Terminal):
            return _apply_terminal(node, dict(keywords), (), reads)
        follower = _Follower(self, node, search, reads)
        try:
            return follower.run(dict(keywords), positional)
        except CannotFollow as exc:
            exc.django_class = exc.django_class or follower.django_class
            raise

    def hint(self, qualified: str, django_class: str | None = None) -> str:
        """What to add to pyproject.toml so that ``qualified`` is decided."""
        if django_class:
            return (
                f"if `{qualified.rpartition('.')[2]}` stores like a plain {django_class}, add "
                f'"{qualified}" = "{django_class}" under [tool.migration-fixer.field-classes] '
                "in pyproject.toml"
            )
        return (
            f'add "{qualified}" = "<the Django field class it derives from, e.g. CharField>" '
            "under [tool.migration-fixer.field-classes] in pyproject.toml"
        )

    # -- finding modules and classes ------------------------------------------------------
    def _search_path(self, migration: Path) -> tuple[Path, ...]:
        """Where modules are looked for: the folders from the migration's app up to the
        root that holds it (the nearest first), as ``sys.path`` entries."""
        return _search_path(migration.parent, self.roots)

    def _module(
        self, name: str, search: tuple[Path, ...], reads: list[Path]
    ) -> _Module | str | None:
        self.consulted = True
        key = (name, search)
        if key not in self._modules:
            self._modules[key] = self._find(name, search)
        path, module = self._modules[key]
        if path is not None and path not in reads:
            reads.append(path)
        return module

    @staticmethod
    def _find(name: str, search: tuple[Path, ...]) -> tuple[Path | None, _Module | str | None]:
        for root in search:
            found = _find_module(root, name)
            if found is not None:
                return found.path, _parse(found.path, found.name, found.shown, found.is_package)
        return None, None

    def _locate(
        self, qualified: str, search: tuple[Path, ...], reads: list[Path], depth: int
    ) -> _Node:
        if depth > 40:
            raise CannotFollow(f"`{qualified}`: too many levels of re-exports")
        configured = self.configured.get(qualified)
        if configured is not None:
            return _Terminal(qualified, configured, KnownField("field-classes", configured))
        known = THIRD_PARTY.get(qualified)
        if known is not None:
            return _Terminal(qualified, known.base, known)
        module, _, name = qualified.rpartition(".")
        if module in DJANGO_MODULES or any(module.startswith(m + ".") for m in DJANGO_MODULES):
            return _Terminal(f"django.db.models.{name}", name)
        if qualified.split(".")[0] == "django":
            raise CannotFollow(f"`{qualified}` is not a Django model field class")
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            found = self._module(".".join(parts[:cut]), search, reads)
            if found is None:
                continue
            if isinstance(found, str):
                raise CannotFollow(found)
            rest = parts[cut:]
            target = _binding(found, rest[0])
            if target is None:
                if found.is_package and len(rest) > 1:  # a submodule that is not there
                    submodule = ".".join(parts[: cut + 1])
                    raise CannotFollow(
                        f"its module `{submodule}` is not among the project's files",
                        source_missing=True,
                        not_defined=True,
                    )
                return self._from_stars(found, rest, search, reads, depth)
            if isinstance(target, ast.ClassDef):
                if len(rest) > 1:
                    raise CannotFollow(f"`{qualified}`: a class nested in a class")
                return _Class(found, target)
            return self._locate(".".join([target, *rest[1:]]), search, reads, depth + 1)
        module = qualified.rpartition(".")[0]
        raise CannotFollow(
            f"its module `{module}` is not among the project's files",
            source_missing=True,
            not_defined=True,
        )

    def _from_stars(
        self,
        module: _Module,
        rest: list[str],
        search: tuple[Path, ...],
        reads: list[Path],
        depth: int,
    ) -> _Node:
        """``rest[0]``, not bound in ``module``, from one of its ``from m import *``."""
        missing = ""
        for star in module.stars:
            source = _from_module(module, star)
            if source is None:
                continue
            try:
                return self._locate(".".join([source, *rest]), search, reads, depth + 1)
            except CannotFollow as exc:
                if not exc.not_defined:
                    raise
                missing = missing or (source if exc.source_missing else "")
        if missing:
            raise CannotFollow(
                f"`{rest[0]}` is not defined in {module.shown}, and `from {missing} import *` "
                "there is not among the project's files",
                source_missing=True,
                not_defined=True,
            )
        raise CannotFollow(f"`{rest[0]}` is not defined in {module.shown}", not_defined=True)

    def _mro(self, start: _Class, search: tuple[Path, ...], reads: list[Path]) -> list[_Node]:
        """``start``'s method resolution order (C3), its Django classes included."""
        memo: dict[str, list[_Node]] = {}

        def linearize(node: _Node, trail: tuple[str, ...]) -> list[_Node]:
            if node.key in memo:
                return memo[node.key]
            if node.key in trail or len(trail) > 40:
                raise CannotFollow(f"`{node.key}`: its bases form a cycle")
            if isinstance(node, _Terminal):
                parent = (
                    node.django_class
                    if node.known is not None
                    else _DJANGO_PARENTS.get(
                        node.django_class, "Field" if node.django_class != "Field" else ""
                    )
                )
                chain: list[_Node] = [node]
                if parent:
                    chain += linearize(
                        _Terminal(f"django.db.models.{parent}", parent), (*trail, node.key)
                    )
                memo[node.key] = chain
                return chain
            bases: list[_Node] = []
            for base in node.node.bases:
                qualified = _qualified(node.module, base)
                if qualified in ("object", "builtins.object"):
                    continue
                if qualified is None:
                    raise CannotFollow(
                        f"`{node.node.name}` ({node.module.shown}:{node.node.lineno}) derives "
                        f"from `{ast.unparse(base)[:60]}`, which this tool cannot follow"
                    )
                bases.append(self._locate(qualified, search, reads, 0))
            if node.node.keywords:
                raise CannotFollow(f"`{node.node.name}` has a metaclass or class keywords")
            result = [
                node,
                *_merge([linearize(b, (*trail, node.key)) for b in bases] + [bases], node),
            ]
            memo[node.key] = result
            return result

        return linearize(start, ())


def _merge(sequences: list[list[_Node]], node: _Class) -> list[_Node]:
    result: list[_Node] = []
    pending = [list(s) for s in sequences if s]
    while pending:
        for sequence in pending:
            head = sequence[0]
            if not any(head.key in (n.key for n in s[1:]) for s in pending):
                break
        else:
            raise CannotFollow(f"`{node.node.name}`: no consistent method resolution order")
        result.append(head)
        pending = [[n for n in s if n.key != head.key] for s in pending]
        pending = [s for s in pending if s]
    return result


def _find_module(root: Path, name: str) -> _Module | None:
    parts = name.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    folder = root.joinpath(*parts)
    for path, is_package in ((folder / "__init__.py", True), (folder.with_suffix(".py"), False)):
        if path.is_file():
            shown = path.relative_to(root).as_posix()
            return _Module(name, path, shown, ast.Module(body=[], type_ignores=[]), is_package)
    return None


def _parse(path: Path, name: str, shown: str, is_package: bool) -> _Module | str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot read {shown}: {exc.strerror or exc}"
    key = (path, name, shown)
    cached = _PARSED.get(key)
    if cached is not None and cached[0] == data:
        return cached[1]
    result: _Module | str
    try:
        tree = ast.parse(decode(path, data).text, filename=str(path))
    except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None) or getattr(exc, "line", 1) or 1
        result = f"cannot parse {shown}:{line}: {getattr(exc, 'msg', None) or exc}"
    else:
        result = _Module(name, path, shown, tree, is_package)
        _bind(result, tree.body)
    _PARSED[key] = (data, result)
    return result


def _bind(module: _Module, body: list[ast.stmt]) -> None:
    """The module's top-level bindings (in ``if``/``try`` blocks too; ``if
    TYPE_CHECKING:`` blocks are not run)."""
    for stmt in body:
        names: list[str] = []
        if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names = [stmt.name]
        elif isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
            module.stars.append(stmt)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names = [(a.asname or a.name).split(".")[0] for a in stmt.names]
        elif isinstance(stmt, ast.Assign):
            names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names = [stmt.target.id] if stmt.value is not None else []
        elif isinstance(stmt, ast.If):
            if ast.unparse(stmt.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                _bind(module, stmt.orelse)
            else:
                _bind(module, stmt.body)
                _bind(module, stmt.orelse)
        elif isinstance(stmt, ast.Try):
            _bind(module, stmt.body)
            for handler in stmt.handlers:
                _bind(module, handler.body)
            _bind(module, stmt.orelse)
        for name in names:
            module.bindings.setdefault(name, []).append(stmt)


def _binding(module: _Module, name: str) -> ast.ClassDef | str | None:
    """What ``name`` is in ``module``: a class defined there, the qualified name it is
    imported or aliased from, or None. CannotFollow when it is bound several ways."""
    found = module.bindings.get(name)
    if not found:
        return None
    targets: list[ast.ClassDef | str] = []
    for stmt in found:
        target = _target(module, stmt, name)
        if target is None:
            raise CannotFollow(
                f"`{name}` in {module.shown}:{stmt.lineno} is not a class this tool can follow"
            )
        targets.append(target)
    first = targets[0]
    if any((t is not first) if isinstance(first, ast.ClassDef) else (t != first) for t in targets):
        lines = ", ".join(str(s.lineno) for s in found)
        raise CannotFollow(f"`{name}` is defined in several ways in {module.shown} (lines {lines})")
    return first


def _target(module: _Module, stmt: ast.stmt, name: str) -> ast.ClassDef | str | None:
    if isinstance(stmt, ast.ClassDef):
        return stmt
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname == name:
                return alias.name
            if alias.asname is None and alias.name.split(".")[0] == name:
                return name
    if isinstance(stmt, ast.ImportFrom):
        base = _from_module(module, stmt)
        for alias in stmt.names:
            if (alias.asname or alias.name) == name and base is not None:
                return f"{base}.{alias.name}"
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        qualified = _qualified(module, stmt.value, (name,))
        return qualified
    return None


def _from_module(module: _Module, stmt: ast.ImportFrom) -> str | None:
    if not stmt.level:
        return stmt.module
    package = module.package().split(".")
    if stmt.level - 1 >= len(package):
        return None
    base = package[: len(package) - (stmt.level - 1)]
    return ".".join([*base, *([stmt.module] if stmt.module else [])]) or None


def _qualified(module: _Module, expr: ast.expr, seen: tuple[str, ...] = ()) -> str | None:
    """The qualified name ``expr`` (a dotted name in ``module``) refers to."""
    chain = attribute_chain(expr)
    if chain is None or chain[0] in seen:
        return None
    head, attrs = chain[0], chain[1:]
    found = module.bindings.get(head)
    if not found:
        return ".".join([f"builtins.{head}", *attrs]) if head in _BUILTIN_TYPES else None
    if len(found) > 1:
        # Several bindings: only when they all name the same thing.
        targets = {_target_name(module, s, head, seen) for s in found}
        if len(targets) != 1:
            return None
    target = _target_name(module, found[0], head, seen)
    return None if target is None else ".".join([target, *attrs])


def _target_name(module: _Module, stmt: ast.stmt, name: str, seen: tuple[str, ...]) -> str | None:
    if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return f"{module.name}.{name}"
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        if stmt.value is None:
            return None
        return _qualified(module, stmt.value, (*seen, name))
    target = _target(module, stmt, name)
    return target if isinstance(target, str) else None


# -- reading __init__ ------------------------------------------------------------------


_Call = tuple[tuple[Value, ...], dict[str, Value], ast.expr | None, bool]


@dataclass
class _Frame:
    """The evaluator's state in one ``__init__``."""

    locals: dict[str, Value]
    kwargs_name: str | None  # None: the class takes no **kwargs
    args_name: str | None
    #: The dicts of keyword arguments, by local name: ``**kwargs``, and dict literals
    #: built in the body (``defaults = {...}; defaults.update(kwargs)``).
    dicts: dict[str, dict[str, Value]] = field(default_factory=dict)
    raised: bool = False
    #: What the next ``__init__`` gets (positional arguments, keywords, and the class named
    #: in ``Base.__init__(self, ...)``), once called.
    called: _Call | None = None
    #: Instance attributes set before (False) or after (True) the call.
    attributes: dict[str, tuple[Value, bool]] = field(default_factory=dict)

    @property
    def kwargs(self) -> dict[str, Value] | None:
        return self.dicts.get(self.kwargs_name) if self.kwargs_name else None

    def mapping(self, node: ast.expr) -> dict[str, Value] | None:
        """The dict of keyword arguments ``node`` names, if it names one."""
        return self.dicts.get(node.id) if isinstance(node, ast.Name) else None

    def copy(self) -> _Frame:
        return _Frame(
            dict(self.locals),
            self.kwargs_name,
            self.args_name,
            {name: dict(mapping) for name, mapping in self.dicts.items()},
            self.raised,
            self.called,
            dict(self.attributes),
        )


class _Follower:
    def __init__(
        self, classes: FieldClasses, start: _Class, search: tuple[Path, ...], reads: list[Path]
    ):
        self.classes = classes
        self.start = start
        self.search = search
        self.reads = reads
        self.mro = classes._mro(start, search, reads)
        if not any(isinstance(n, _Terminal) for n in self.mro):
            raise CannotFollow(
                f"`{start.node.name}` ({start.module.shown}:{start.node.lineno}) derives from "
                "no Django model field class"
            )

    def where(self, cls: _Class, node: ast.AST) -> str:
        return f"{cls.module.shown}:{getattr(node, 'lineno', cls.node.lineno)}"

    @property
    def django_class(self) -> str:
        terminal = next(n for n in self.mro if isinstance(n, _Terminal))
        return terminal.django_class

    def run(self, keywords: dict[str, Value], positional: tuple[Value, ...] = ()) -> Underlying:
        terminal_index = next(i for i, n in enumerate(self.mro) if isinstance(n, _Terminal))
        sources = [n for n in self.mro[:terminal_index] if isinstance(n, _Class)]
        self._check_methods(sources)
        empty_strings = _first_attribute(sources, "empty_strings_allowed")
        many_to_many = _first_attribute(sources, "many_to_many")
        after: dict[str, tuple[Value, bool]] = {}
        index = 0
        while True:
            node = self.mro[index]
            if isinstance(node, _Terminal):
                result = _apply_terminal(node, keywords, positional, self.reads)
                if node.known is None:
                    # The class it is, even when an __init__ skips to a base's.
                    result = dataclasses.replace(result, django_class=self.django_class)
                break
            init = _method(node.node, "__init__")
            if init is None:
                index += 1
                continue
            frame = self._frame(node, init, positional, keywords)
            self._run_body(node, _ending_in_a_call(init.body), frame)
            if frame.raised:
                raise CannotFollow(
                    f"`{node.node.name}.__init__` ({self.where(node, init)}) raises an error "
                    "for these arguments"
                )
            for name, (value, is_after) in frame.attributes.items():
                after.setdefault(name, (value, is_after))
            if frame.called is None:
                raise CannotFollow(
                    f"`{node.node.name}.__init__` ({self.where(node, init)}) does not call "
                    "`super().__init__()` where this tool can see it"
                )
            positional, keywords, explicit, after_it = frame.called
            index = self._next(index, explicit, node) + after_it
        for name, (value, is_after) in after.items():
            if name == "empty_strings_allowed":
                if not isinstance(value, ast.Constant) or not isinstance(value.value, bool):
                    raise CannotFollow(
                        f"`self.empty_strings_allowed` is not a literal in `{self.start.node.name}`"
                    )
                empty_strings = value.value
            elif is_after:
                key = "unique" if name == "_unique" else name
                result = dataclasses.replace(result, keywords={**result.keywords, key: value})
        if empty_strings is not None:
            result = dataclasses.replace(result, empty_strings_allowed=empty_strings)
        if many_to_many:
            result = dataclasses.replace(result, no_column=True)
        stores = self._storing_method(sources)
        if stores:
            result = dataclasses.replace(result, stores=stores)
        return result

    def _storing_method(self, sources: list[_Class]) -> str:
        """The first override of :data:`_STORING_METHODS` among ``sources``, said in words
        ("" if none): a ``get_internal_type`` that returns the Django class's own name does
        not count."""
        for cls in sources:
            for stmt in cls.node.body:
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if stmt.name not in _STORING_METHODS:
                    continue
                if stmt.name == "get_internal_type" and _returns_only(stmt, self.django_class):
                    continue
                return (
                    f"`{cls.node.name}.{stmt.name}` ({self.where(cls, stmt)}) decides how the "
                    "value Django fills a re-added column with is stored"
                )
        return ""

    def _next(self, index: int, explicit: ast.expr | None, node: _Class) -> int:
        """Where the next ``__init__`` is looked for: after ``index`` in the MRO, or at the
        class named in ``Base.__init__(self, ...)``."""
        if explicit is None:
            return index + 1
        qualified = _qualified(node.module, explicit)
        if qualified is None:
            raise CannotFollow(
                f"`{ast.unparse(explicit)}.__init__` in {node.module.shown}: cannot tell which "
                "class it is"
            )
        target = self.classes._locate(qualified, self.search, self.reads, 0)
        for position, candidate in enumerate(self.mro):
            if candidate.key == target.key or (
                isinstance(target, _Terminal)
                and isinstance(candidate, _Terminal)
                and candidate.django_class == target.django_class
                and target.known is None
            ):
                return position
        raise CannotFollow(
            f"`{node.node.name}` calls `{ast.unparse(explicit)}.__init__`, which is not one of "
            "its bases"
        )

    def _check_methods(self, sources: list[_Class]) -> None:
        for cls in sources:
            for stmt in cls.node.body:
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if f"{cls.node.name}.{stmt.name}" in self.classes.reviewed:
                    continue
                if stmt.name == "db_parameters" and _keeps_column_type(stmt):
                    continue  # a collation, a check: a storing method (_storing_method)
                if stmt.name in _DECIDING_METHODS:
                    raise CannotFollow(
                        f"`{cls.node.name}.{stmt.name}` ({self.where(cls, stmt)}) decides what "
                        "re-adding the column writes"
                    )
                if stmt.name == "db_type" and _may_return_none(stmt):
                    raise CannotFollow(
                        f"`{cls.node.name}.db_type` ({self.where(cls, stmt)}) may return None "
                        "(no column)"
                    )
                if stmt.name == "__init__":
                    continue
                for node in ast.walk(stmt):
                    if (
                        isinstance(node, ast.Attribute)
                        and isinstance(node.ctx, ast.Store)
                        and isinstance(node.value, ast.Name)
                        and node.value.id == "self"
                        and node.attr in _ATTRIBUTES
                    ):
                        raise CannotFollow(
                            f"`{cls.node.name}.{stmt.name}` ({self.where(cls, node)}) sets "
                            f"`self.{node.attr}`"
                        )

    def _frame(
        self,
        cls: _Class,
        init: ast.FunctionDef | ast.AsyncFunctionDef,
        positional: tuple[Value, ...],
        keywords: dict[str, Value],
    ) -> _Frame:
        args = init.args
        params = [*args.posonlyargs, *args.args][1:]  # without self
        defaults = [None] * (len(params) - len(args.defaults)) + list(args.defaults)
        local: dict[str, Value] = {}
        remaining = dict(keywords)
        extra = list(positional)

        def bind(param: ast.arg, default: ast.expr | None) -> None:
            if param.arg in remaining:
                local[param.arg] = remaining.pop(param.arg)
            elif default is not None:
                local[param.arg] = _evaluate_code(cls.module, default)
            else:
                raise CannotFollow(f"`{cls.node.name}` needs the argument `{param.arg}`")

        for param, default in zip(params, defaults, strict=True):
            if extra:
                local[param.arg] = extra.pop(0)
            else:
                bind(param, default)
        if extra and args.vararg is None:
            raise CannotFollow(f"`{cls.node.name}` is given too many positional arguments")
        for param, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            bind(param, kw_default)
        if remaining and args.kwarg is None:
            raise CannotFollow(
                f"`{cls.node.name}.__init__` takes no `{sorted(remaining)[0]}` argument"
            )
        frame = _Frame(
            local,
            args.kwarg.arg if args.kwarg else None,
            args.vararg.arg if args.vararg else None,
            {args.kwarg.arg: remaining} if args.kwarg else {},
        )
        known = [e for e in extra if isinstance(e, ast.expr)]
        frame.locals["*args"] = (
            ast.Tuple(elts=known, ctx=ast.Load()) if len(known) == len(extra) else UNKNOWN
        )
        return frame

    # -- statements -------------------------------------------------------------------
    def _run_body(self, cls: _Class, body: Sequence[ast.stmt], frame: _Frame) -> None:
        for stmt in body:
            if frame.raised:
                return
            self._run(cls, stmt, frame)

    def _cannot(self, cls: _Class, node: ast.AST, what: str) -> CannotFollow:
        return CannotFollow(f"`{cls.node.name}.__init__` ({self.where(cls, node)}) {what}")

    def _run(self, cls: _Class, stmt: ast.stmt, frame: _Frame) -> None:
        if isinstance(stmt, ast.Pass) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            return
        if isinstance(stmt, ast.Raise):
            frame.raised = True
            return
        if isinstance(stmt, ast.Assert):
            return
        if isinstance(stmt, ast.Expr):
            self._evaluate(cls, stmt.value, frame, statement=True)
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            if stmt.value is None:
                return
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            built = self._dict_literal(cls, stmt.value, frame)
            if built is not None and len(targets) == 1 and isinstance(targets[0], ast.Name):
                if targets[0].id in (frame.kwargs_name, frame.args_name):
                    raise self._cannot(cls, stmt, f"replaces `{targets[0].id}`")
                frame.dicts[targets[0].id] = built
                return
            value = self._evaluate(cls, stmt.value, frame)
            for target in targets:
                self._store(cls, target, value, frame)
            return
        if isinstance(stmt, ast.AugAssign):
            self._evaluate(cls, stmt.value, frame)
            self._store(cls, stmt.target, UNKNOWN, frame)
            return
        if isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                key = self._kwargs_key(cls, target, frame)
                if key is None:
                    self._store(cls, target, UNKNOWN, frame)
                else:
                    frame.dicts[key[0]].pop(key[1], None)
            return
        if isinstance(stmt, ast.If):
            test = _truth(self._evaluate(cls, stmt.test, frame))
            if test is not None:
                self._run_body(cls, stmt.body if test else stmt.orelse, frame)
                return
            first, second = frame.copy(), frame.copy()
            self._run_body(cls, stmt.body, first)
            self._run_body(cls, stmt.orelse, second)
            self._join(cls, stmt, frame, first, second)
            return
        if isinstance(stmt, ast.Return):
            raise self._cannot(cls, stmt, "returns early")
        # Loops, with, try...: allowed only when they touch nothing the rule reads.
        if self._touches(stmt, frame):
            raise self._cannot(
                cls, stmt, f"changes its arguments in a `{type(stmt).__name__.lower()}` statement"
            )
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                frame.locals[node.id] = UNKNOWN

    def _touches(self, stmt: ast.AST, frame: _Frame) -> bool:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and (node.id in frame.dicts or node.id == "super"):
                return True
            if isinstance(node, ast.Attribute) and node.attr in ("__init__", *_ATTRIBUTES):
                return True
        return False

    def _join(
        self, cls: _Class, stmt: ast.If, frame: _Frame, first: _Frame, second: _Frame
    ) -> None:
        if first.raised or second.raised:
            chosen = second if first.raised else first
            frame.__dict__.update(chosen.copy().__dict__)
            frame.raised = first.raised and second.raised
            return
        for key in RELEVANT:
            a = (first.kwargs or {}).get(key)
            b = (second.kwargs or {}).get(key)
            if not _same(a, b):
                raise self._cannot(
                    cls,
                    stmt,
                    f"decides `{key}` on a condition it cannot evaluate {_condition(stmt)}",
                )
        for name in set(first.attributes) | set(second.attributes):
            if not _same(
                first.attributes.get(name, (None, False))[0],
                second.attributes.get(name, (None, False))[0],
            ):
                raise self._cannot(
                    cls,
                    stmt,
                    f"sets `self.{name}` on a condition it cannot evaluate {_condition(stmt)}",
                )
        if (first.called is None) != (second.called is None) or (
            first.called is not None
            and second.called is not None
            and not _same_call(first.called, second.called)
        ):
            raise self._cannot(
                cls,
                stmt,
                f"calls `super().__init__` on a condition {_condition(stmt)}",
            )
        frame.called = first.called
        frame.attributes = first.attributes
        frame.dicts = {}
        for name in first.dicts.keys() | second.dicts.keys():
            # Relevant keys of kwargs are the same on both branches (checked above);
            # others may not be.
            ours, theirs = first.dicts.get(name, {}), second.dicts.get(name, {})
            if name != frame.kwargs_name and any(
                not _same(ours.get(k), theirs.get(k)) for k in RELEVANT
            ):
                raise self._cannot(cls, stmt, f"builds `{name}` on a condition {_condition(stmt)}")
            frame.dicts[name] = {
                k: ours[k] if k in ours and k in theirs and _same(ours[k], theirs[k]) else UNKNOWN
                for k in ours.keys() | theirs.keys()
            }
        for name in set(first.locals) | set(second.locals):
            a_value, b_value = first.locals.get(name, UNKNOWN), second.locals.get(name, UNKNOWN)
            frame.locals[name] = a_value if _same(a_value, b_value) else UNKNOWN

    def _store(self, cls: _Class, target: ast.expr, value: Value, frame: _Frame) -> None:
        key = self._kwargs_key(cls, target, frame)
        if key is not None:
            frame.dicts[key[0]][key[1]] = value
            return
        if isinstance(target, ast.Name):
            if target.id in frame.dicts or target.id == frame.args_name:
                raise self._cannot(cls, target, f"replaces `{target.id}`")
            frame.locals[target.id] = value
            return
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
        ):
            frame.locals["self." + target.attr] = value
            if target.attr in _ATTRIBUTES:
                frame.attributes[target.attr] = (value, frame.called is not None)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._store(cls, element, UNKNOWN, frame)
            return
        if self._touches(target, frame):
            raise self._cannot(
                cls, target, "changes its arguments in a way this tool cannot follow"
            )

    def _kwargs_key(self, cls: _Class, target: ast.expr, frame: _Frame) -> tuple[str, str] | None:
        """(dict name, key) for ``kwargs["key"]`` (or another dict of arguments)."""
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id in frame.dicts
        ):
            key = target.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return target.value.id, key.value
            raise self._cannot(cls, target, "sets a keyword argument whose name is not a literal")
        return None

    def _dict_literal(self, cls: _Class, expr: ast.expr, frame: _Frame) -> dict[str, Value] | None:
        """``{"key": value, ...}`` (literal keys) as a dict of arguments."""
        if not isinstance(expr, ast.Dict) or not all(
            isinstance(k, ast.Constant) and isinstance(k.value, str) for k in expr.keys
        ):
            return None
        return {
            str(k.value): self._evaluate(cls, v, frame)
            for k, v in zip(expr.keys, expr.values, strict=True)
            if isinstance(k, ast.Constant)
        }

    # -- expressions ------------------------------------------------------------------
    def _evaluate(
        self, cls: _Class, expr: ast.expr, frame: _Frame, statement: bool = False
    ) -> Value:
        if isinstance(expr, ast.Call):
            return self._call(cls, expr, frame, statement)
        if isinstance(expr, ast.Constant):
            return expr
        if isinstance(expr, ast.Name):
            if expr.id in frame.dicts:
                self._lose(cls, expr, expr.id, frame)
            if expr.id in frame.locals:
                return frame.locals[expr.id]
            return _evaluate_code(cls.module, expr)
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name) and expr.value.id == "self":
                return frame.locals.get("self." + expr.attr, UNKNOWN)
            self._evaluate(cls, expr.value, frame)
            return _evaluate_code(cls.module, expr) if _is_dotted(expr) else UNKNOWN
        if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
            return self._compare(cls, expr, frame)
        if isinstance(expr, ast.Subscript):
            mapping = frame.mapping(expr.value)
            key = expr.slice
            if mapping is not None and isinstance(key, ast.Constant) and isinstance(key.value, str):
                return mapping.get(key.value, UNKNOWN)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
            truth = _truth(self._evaluate(cls, expr.operand, frame))
            return UNKNOWN if truth is None else ast.Constant(not truth)
        if isinstance(expr, ast.BoolOp):
            return self._bool_op(cls, expr, frame)
        if isinstance(expr, ast.IfExp):
            truth = _truth(self._evaluate(cls, expr.test, frame))
            if truth is None:
                a, b = (
                    self._evaluate(cls, expr.body, frame),
                    self._evaluate(cls, expr.orelse, frame),
                )
                return a if _same(a, b) else UNKNOWN
            return self._evaluate(cls, expr.body if truth else expr.orelse, frame)
        if isinstance(expr, (ast.Tuple, ast.List)) and all(
            isinstance(e, ast.Constant) for e in expr.elts
        ):
            return expr
        for node in ast.walk(expr):
            if isinstance(node, ast.Name) and node.id in frame.dicts:
                self._lose(cls, expr, node.id, frame)
        return UNKNOWN

    def _lose(self, cls: _Class, node: ast.AST, name: str, frame: _Frame, what: str = "") -> None:
        """``name``, a dict of arguments, is used in a way the evaluator does not follow:
        ``kwargs`` cannot be followed any more; a dict built in the body is no longer one
        (passing it on as arguments then cannot be followed)."""
        if name == frame.kwargs_name:
            raise self._cannot(cls, node, what or f"uses `{name}` in a way this tool cannot follow")
        del frame.dicts[name]
        frame.locals[name] = UNKNOWN

    def _arguments(self, node: ast.expr, frame: _Frame) -> dict[str, Value] | None:
        """The dict of arguments ``kwargs`` (or ``kwargs.keys()``) names, if any."""
        if isinstance(node, ast.Call) and not node.args and not node.keywords:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "keys":
                node = func.value
        return frame.mapping(node)

    def _bool_op(self, cls: _Class, expr: ast.BoolOp, frame: _Frame) -> Value:
        is_and = isinstance(expr.op, ast.And)
        last: Value = UNKNOWN
        for operand in expr.values:
            last = self._evaluate(cls, operand, frame)
            truth = _truth(last)
            if truth is None:
                return UNKNOWN
            if truth is not is_and:
                return last
        return last

    def _compare(self, cls: _Class, expr: ast.Compare, frame: _Frame) -> Value:
        op, right_node = expr.ops[0], expr.comparators[0]
        mapping = self._arguments(right_node, frame)
        if isinstance(op, (ast.In, ast.NotIn)) and mapping is not None:
            left = self._evaluate(cls, expr.left, frame)
            if not (isinstance(left, ast.Constant) and isinstance(left.value, str)):
                return UNKNOWN
            present = left.value in mapping
            return ast.Constant(present if isinstance(op, ast.In) else not present)
        left_value = _literal(self._evaluate(cls, expr.left, frame))
        right_value = _literal(self._evaluate(cls, right_node, frame))
        if left_value is _NO or right_value is _NO:
            return UNKNOWN
        try:
            outcome = _COMPARISONS[type(op)](left_value, right_value)
        except (KeyError, TypeError):
            return UNKNOWN
        return ast.Constant(bool(outcome))

    def _call(self, cls: _Class, call: ast.Call, frame: _Frame, statement: bool) -> Value:
        func = call.func
        if isinstance(func, ast.Attribute):
            mapping = frame.mapping(func.value)
            if mapping is not None:
                return self._dict_method(cls, call, func.attr, mapping, frame)
        if (
            isinstance(func, ast.Name)
            and func.id == "isinstance"
            and "isinstance" not in cls.module.bindings
            and len(call.args) == 2
            and not call.keywords
        ):
            return self._isinstance(cls, call, frame)
        if isinstance(func, ast.Attribute) and func.attr == "__init__":
            self._super_call(cls, call, frame)
            return ast.Constant(None)
        if any(isinstance(n, ast.Name) and n.id == "super" for n in ast.walk(call)):
            raise self._cannot(cls, call, "calls another method of its base class")
        # Any other call: what it is called on and with is evaluated (it may pop an
        # argument); a dict of arguments passed to it may be changed by it.
        if isinstance(func, ast.Attribute):
            self._evaluate(cls, func.value, frame)
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            value = argument.value if isinstance(argument, ast.Starred) else argument
            if isinstance(value, ast.Name) and value.id in frame.dicts:
                self._lose(
                    cls, call, value.id, frame, f"passes `{value.id}` to `{ast.unparse(func)[:40]}`"
                )
            else:
                self._evaluate(cls, value, frame)
        return UNKNOWN

    def _isinstance(self, cls: _Class, call: ast.Call, frame: _Frame) -> Value:
        value = _literal(self._evaluate(cls, call.args[0], frame))
        types = call.args[1].elts if isinstance(call.args[1], ast.Tuple) else [call.args[1]]
        found: list[type] = []
        for node in types:
            qualified = _qualified(cls.module, node) if _is_dotted(node) else None
            if qualified is None or not qualified.startswith("builtins."):
                return UNKNOWN
            found.append(_BUILTIN_TYPES[qualified.removeprefix("builtins.")])
        if value is _NO:
            return UNKNOWN
        return ast.Constant(isinstance(value, tuple(found)))

    def _dict_method(
        self,
        cls: _Class,
        call: ast.Call,
        method: str,
        mapping: dict[str, Value],
        frame: _Frame,
    ) -> Value:
        """``kwargs.setdefault/get/pop/update(...)`` (or another dict of arguments)."""
        key_node = call.args[0] if call.args else None
        key = (
            key_node.value
            if isinstance(key_node, ast.Constant) and isinstance(key_node.value, str)
            else None
        )
        if (
            method in ("setdefault", "get", "pop")
            and key is not None
            and not call.keywords
            and len(call.args) <= 2
        ):
            default = (
                self._evaluate(cls, call.args[1], frame)
                if len(call.args) == 2
                else ast.Constant(None)
            )
            if method == "setdefault":
                return mapping.setdefault(key, default)
            if method == "get":
                return mapping.get(key, default)
            return mapping.pop(key, default)
        if method == "update" and len(call.args) <= 1:
            given = call.args[0] if call.args else None
            other = frame.mapping(given) if given is not None else {}
            if other is None and given is not None:
                other = self._dict_literal(cls, given, frame)
            if other is None:
                shown = ast.unparse(given) if given is not None else ""
                raise self._cannot(cls, call, f"updates its arguments with `{shown[:40]}`")
            mapping.update(other)
            for keyword in call.keywords:
                if keyword.arg is None:
                    raise self._cannot(cls, call, "updates its arguments with `**...`")
                mapping[keyword.arg] = self._evaluate(cls, keyword.value, frame)
            return ast.Constant(None)
        raise self._cannot(
            cls, call, f"calls `{ast.unparse(call)[:60]}`, which this tool cannot follow"
        )

    def _super_call(self, cls: _Class, call: ast.Call, frame: _Frame) -> None:
        func = call.func
        assert isinstance(func, ast.Attribute)
        owner = func.value
        explicit: ast.expr | None = None
        after = False
        args = list(call.args)
        if (
            isinstance(owner, ast.Call)
            and isinstance(owner.func, ast.Name)
            and owner.func.id == "super"
        ):
            if owner.args and not (
                len(owner.args) == 2
                and _is_dotted(owner.args[0])
                and isinstance(owner.args[1], ast.Name)
                and owner.args[1].id == "self"
            ):
                raise self._cannot(
                    cls,
                    call,
                    f"calls `{ast.unparse(owner)}.__init__`, which this tool cannot follow",
                )
            if owner.args and ast.unparse(owner.args[0]) != cls.node.name:
                # super(Base, self).__init__: the class after Base.
                explicit, after = owner.args[0], True
        elif _is_dotted(owner) and args and isinstance(args[0], ast.Name) and args[0].id == "self":
            explicit = owner
            args = args[1:]
        else:
            raise self._cannot(
                cls, call, f"calls `{ast.unparse(func)[:60]}`, which this tool cannot follow"
            )
        if frame.called is not None:
            raise self._cannot(cls, call, "calls `__init__` twice")
        positional: list[Value] = []
        for arg in args:
            if isinstance(arg, ast.Starred):
                if not (isinstance(arg.value, ast.Name) and arg.value.id == frame.args_name):
                    raise self._cannot(cls, call, f"passes `*{ast.unparse(arg.value)}`")
                star = frame.locals.get("*args")
                if not isinstance(star, ast.Tuple):
                    raise self._cannot(cls, call, "passes positional arguments it cannot count")
                positional.extend(star.elts)
            else:
                positional.append(self._evaluate(cls, arg, frame))
        keywords: dict[str, Value] = {}
        for keyword in call.keywords:
            if keyword.arg is None:
                mapping = frame.mapping(keyword.value)
                if mapping is None:
                    raise self._cannot(cls, call, f"passes `**{ast.unparse(keyword.value)}`")
                keywords.update(mapping)
            else:
                keywords[keyword.arg] = self._evaluate(cls, keyword.value, frame)
        frame.called = (tuple(positional), keywords, explicit, after)


_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], object]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


class _No:
    pass


_NO = _No()


def _literal(value: Value) -> object:
    if isinstance(value, _Unknown):
        return _NO
    try:
        return ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO


def _truth(value: Value) -> bool | None:
    literal = _literal(value)
    if literal is _NO:
        return None
    return bool(literal)


def _same(a: Value | None, b: Value | None) -> bool:
    """Whether two values are the same (an unknown value is the same as itself only: what
    it stands for stays unknown either way)."""
    if a is b:
        return True
    if a is None or b is None:
        return False
    if isinstance(a, _Unknown) or isinstance(b, _Unknown):
        return False
    return a is b or ast.dump(a) == ast.dump(b)


def _same_call(a: _Call, b: _Call) -> bool:
    return (
        len(a[0]) == len(b[0])
        and all(_same(x, y) for x, y in zip(a[0], b[0], strict=True))
        and set(a[1]) == set(b[1])
        and all(_same(a[1][k], b[1][k]) for k in a[1] if k in RELEVANT)
        and a[2] is b[2]
        and a[3] == b[3]
    )


def _condition(stmt: ast.If) -> str:
    return f"(`if {ast.unparse(stmt.test)[:60]}:`)"


def _is_dotted(expr: ast.expr) -> bool:
    return attribute_chain(expr) is not None


def _evaluate_code(module: _Module, expr: ast.expr) -> Value:
    """A value written in ``module`` (a parameter's default, a module-level name): a
    literal, or the qualified name of what is imported or defined there; else unknown."""
    if isinstance(expr, ast.Constant):
        return expr
    if _literal(expr) is not _NO:
        return expr
    if _is_dotted(expr):
        qualified = _qualified(module, expr)
        if qualified is not None:
            return ast.Name(id=qualified, ctx=ast.Load())
        # A module-level name bound once to a literal.
        found = module.bindings.get(expr.id) if isinstance(expr, ast.Name) else None
        if found and len(found) == 1 and isinstance(found[0], ast.Assign):
            value = found[0].value
            if _literal(value) is not _NO:
                return value
    if isinstance(expr, ast.Lambda):
        return expr
    return UNKNOWN


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    found = None
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            found = stmt
    return found


def _first_attribute(classes: list[_Class], name: str) -> bool | None:
    """A boolean class attribute, as the first class in ``classes`` that sets it has it."""
    for cls in classes:
        value = _class_attribute(cls, name)
        if value is not None:
            return value
    return None


def _class_attribute(cls: _Class, name: str) -> bool | None:
    value = None
    for stmt in cls.node.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in stmt.targets
        ):
            value = stmt.value
    if value is None:
        return None
    if isinstance(value, ast.Constant) and isinstance(value.value, bool):
        return value.value
    raise CannotFollow(
        f"`{cls.node.name}.{name}` ({cls.module.shown}:{value.lineno}) is not a literal"
    )


def _ending_in_a_call(body: list[ast.stmt]) -> list[ast.stmt]:
    """``body`` with a last ``return <expr>`` run as the statement ``<expr>`` (sentry's
    ``return super().__init__(*args, **kwargs)``: ``__init__`` returns None either way) and a
    last bare ``return`` dropped; a ``return`` anywhere else still ends the method early."""
    if not body or not isinstance(body[-1], ast.Return):
        return body
    last = body[-1]
    if last.value is None:
        return body[:-1]
    return [*body[:-1], ast.copy_location(ast.Expr(value=last.value), last)]


def _keeps_column_type(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a ``db_parameters`` override leaves the column's ``"type"`` to Django (only
    a collation or a check added, as openedx's ``MultiCollationMixin`` does): it never names
    the key ``"type"``, sets keys only as ``params["<literal>"] = ...`` (no ``update``, no
    ``|=``), and returns the base's ``db_parameters(...)``."""

    def from_base(expr: ast.expr | None) -> bool:
        return (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "db_parameters"
        )

    bound: dict[str, bool] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound[target.id] = bound.get(target.id, True) and from_base(node.value)
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and not (
            from_base(node.value)
            or (isinstance(node.value, ast.Name) and bound.get(node.value.id, False))
        ):
            return False
        if isinstance(node, ast.Constant) and node.value == "type":
            return False
        if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
            return False
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Store)
            and not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str))
        ):
            return False
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _MAPPING_WRITES
        ):
            return False
    return True


_MAPPING_WRITES = ("update", "setdefault", "__setitem__", "__ior__")


def _returns_only(function: ast.FunctionDef | ast.AsyncFunctionDef, text: str) -> bool:
    """Whether ``function`` is a docstring and ``return <text>`` (a string literal)."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return (
        len(body) == 1
        and isinstance(body[0], ast.Return)
        and isinstance(body[0].value, ast.Constant)
        and body[0].value.value == text
    )


def _may_return_none(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and (
            node.value is None
            or (isinstance(node.value, ast.Constant) and node.value.value is None)
        ):
            return True
    return False


def _apply_terminal(
    node: _Terminal, keywords: dict[str, Value], positional: tuple[Value, ...], reads: list[Path]
) -> Underlying:
    known = node.known
    empty_strings = None
    no_column = False
    if known is not None:
        if known.cannot:
            raise CannotFollow(f"`{node.key.rpartition('.')[2]}` ({known.package}): {known.cannot}")
        given = sorted(set(keywords) & set(known.unless))
        if given:
            raise CannotFollow(
                f"`{node.key.rpartition('.')[2]}` ({known.package}) with `{given[0]}=`: "
                "this argument changes what it stores"
            )
        keywords = apply_known(known, keywords)
        empty_strings, no_column = known.empty_strings_allowed, known.no_column
    elif len(positional) > _POSITIONAL.get(node.django_class, 2):
        raise CannotFollow(
            f"{len(positional)} positional arguments reach `{node.django_class}`: which of them "
            "set what cannot be told"
        )
    default = keywords.get("default")
    if isinstance(default, ast.Name) and default.id in _NOT_PROVIDED:
        keywords = {k: v for k, v in keywords.items() if k != "default"}
    return Underlying(
        node.django_class,
        {k: v for k, v in keywords.items() if k in RELEVANT},
        empty_strings,
        no_column,
        tuple(reads),
    )


def apply_known(known: KnownField, keywords: Mapping[str, Value]) -> dict[str, Value]:
    """The keywords a table entry's class passes on, given the call's."""
    result = dict(keywords)
    for key, source in known.defaults:
        result.setdefault(key, ast.parse(source, mode="eval").body)
    for key, source in known.forced:
        result[key] = ast.parse(source, mode="eval").body
    return result


def probes(known: KnownField) -> Iterator[dict[str, ast.expr]]:
    """The calls a table entry is verified with: no argument, then each argument the rule
    reads given (``True``/``False`` for flags, a name for values); ``null=True`` is left
    out (the rule decides it before the class matters)."""
    required = {k: ast.parse(v, mode="eval").body for k, v in known.required}
    yield dict(required)
    for key in RELEVANT:
        values: list[ast.expr] = (
            [ast.Constant(False), ast.Constant(True)]
            if key in _BOOLEAN
            else [ast.Name(id="__probe__", ctx=ast.Load())]
        )
        for value in values:
            if key == "null" and isinstance(value, ast.Constant) and value.value is True:
                continue
            yield {**required, key: value}


def describe(underlying: Underlying) -> dict[str, str]:
    """An underlying field as plain text (the verification compares these)."""
    shown = {
        k: "<unknown>" if isinstance(v, _Unknown) else ast.unparse(v)
        for k, v in underlying.keywords.items()
    }
    shown["@class"] = underlying.django_class
    if underlying.empty_strings_allowed is not None:
        shown["@empty_strings_allowed"] = str(underlying.empty_strings_allowed)
    if underlying.no_column:
        shown["@no_column"] = "True"
    return dict(sorted(shown.items()))
