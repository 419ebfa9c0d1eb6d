"""The row generator's reading of field definitions that Django accepts in a migration."""

from __future__ import annotations

from django.db import models

from migration_fixer.django.rows import _length_bounds


def test_a_max_length_given_as_a_string() -> None:
    # django-helpdesk 0001: ``models.CharField(max_length="30")``, which Django accepts; the
    # rehearsal could not fill the table ("'<' not supported between 'int' and 'str'").
    assert _length_bounds(models.CharField(max_length="30")) == (0, 30)
    assert _length_bounds(models.CharField(max_length=30)) == (0, 30)
    assert _length_bounds(models.TextField()) == (0, None)
