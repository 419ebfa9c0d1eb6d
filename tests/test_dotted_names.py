"""Names a module uses that its own imports do not guarantee."""

from __future__ import annotations

import ast

import pytest

from migration_fixer.dotted_names import introduced_names, required_module, unresolved_names


@pytest.mark.parametrize(
    ("source", "missing"),
    [
        ("import uuid\nx = uuid.uuid4()\n", set()),
        ("import datetime\nx = datetime.timezone.utc\n", set()),
        ("import django.db.models.deletion\nx = django.db.models.deletion.CASCADE\n", set()),
        ("import django.db.models\nx = django.db.models.deletion.CASCADE\n", set()),
        ("import django.conf\nx = django.conf.settings.AUTH_USER_MODEL\n", set()),
        # ``django`` is bound, but nothing here imports the module the chain needs.
        (
            "import django.db.models.deletion\n"
            "x = django.contrib.sites.models._simple_domain_name_validator\n",
            {"django.contrib.sites.models._simple_domain_name_validator"},
        ),
        (
            "import django\nx = django.db.models.deletion.CASCADE\n",
            {"django.db.models.deletion.CASCADE"},
        ),
        ("x = models.CASCADE\n", {"models"}),
        ("from django.db import models as m\nx = m.deletion.CASCADE.y\n", set()),
        ("import django.db as d\nx = d.models\n", set()),
        # Bound anywhere counts: parameters, loops, handlers, patterns, globals.
        (
            "def f(a, *b, **c):\n    global g\n    for i in a: pass\n"
            "    try: pass\n    except E as e: pass\n"
            "    match a:\n        case [*rest] | {'k': rest}: pass\n"
            "    return a, b, c, i, e, rest, g, len, f, C\nclass C: pass\n",
            {"E"},
        ),
        ("x = (lambda: 1)().real\n", set()),
    ],
)
def test_unresolved_names(source: str, missing: set[str]) -> None:
    assert unresolved_names(ast.parse(source)) == missing


def test_required_module() -> None:
    chain = ["django", "db", "models", "deletion", "CASCADE"]
    assert required_module(chain, frozenset()) == "django.db.models.deletion"
    assert required_module(chain, frozenset({"django.db.models"})) is None
    assert required_module(chain, frozenset({"django.db"})) == "django.db.models.deletion"


def test_introduced_names_extend_what_the_file_already_uses() -> None:
    old = ast.parse("import django\nx = django.db.migrations.RunSQL\n")
    new = ast.parse(
        "import django\nx = django.db.migrations.RunSQL\n"
        "y = django.db.migrations.RunSQL.noop\nz = django.db.models.CASCADE\n"
    )
    assert introduced_names(old, new) == {"django.db.models.CASCADE"}
