"""The row generator's reading of field definitions that Django accepts in a migration."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, models

from migration_fixer.django.rows import STRIDE, _base36, _generate, _length_bounds


def test_a_max_length_given_as_a_string() -> None:
    # django-helpdesk 0001: ``models.CharField(max_length="30")``, which Django accepts; the
    # rehearsal could not fill the table ("'<' not supported between 'int' and 'str'").
    assert _length_bounds(models.CharField(max_length="30")) == (0, 30)
    assert _length_bounds(models.CharField(max_length=30)) == (0, 30)
    assert _length_bounds(models.TextField()) == (0, None)


def _named(field: models.Field[Any, Any], name: str) -> models.Field[Any, Any]:
    field.set_attributes_from_name(name)
    return field


def test_a_text_column_named_for_json_holds_json() -> None:
    """wagtail's ``content_json`` (a TextField that wagtailcore 0067 makes a JSONField: the
    database checks every value then) got ``Row...``, and the migration failed on it."""
    n = 5 * STRIDE
    for field in (models.TextField(), models.CharField(max_length=40)):
        value = _generate(_named(field, "content_json"), n, connection)
        assert json.loads(value) == {"row": "Row" + _base36(n)}
    assert _generate(_named(models.TextField(), "JSON"), n, connection).startswith("{")
    # Too short for the JSON, or another name: the usual value.
    assert _generate(_named(models.CharField(max_length=8), "data_json"), n, connection) == (
        "Row" + _base36(n)
    )
    assert _generate(_named(models.TextField(), "jsonish"), n, connection) == "Row" + _base36(n)
