"""The deploy side runs against the newest Django in this environment, and again against
Django 5.2 (the oldest supported release) by tests/deploy/test_django_versions.py, which reruns
tests/deploy and the deploy end-to-end tests with MIGRATION_FIXER_DJANGO_UNDER_TEST=5.2."""

from __future__ import annotations

import os
from collections.abc import Iterator

import django
import pytest

#: Set by test_django_versions.py for its inner run (which must not start another one).
UNDER_TEST_ENV = "MIGRATION_FIXER_DJANGO_UNDER_TEST"

collect_ignore = ["test_django_versions.py"] if os.environ.get(UNDER_TEST_ENV) else []


def pytest_report_header() -> str:
    return f"deploy side: Django {django.get_version()} ({os.path.dirname(django.__file__)})"


@pytest.fixture(scope="module")
def django_in_memory() -> Iterator[None]:
    """Settings with an in-memory SQLite database and an app registry without apps, ready
    (a model state with relations, a rendered model and its table's name need them), for
    the module that asks for it: the process is left as it was, for the tests that expect
    no settings."""
    from asgiref.local import Local
    from django.apps import apps
    from django.conf import settings
    from django.db import connections, router
    from django.utils.functional import empty

    if settings.configured:  # pragma: no cover - a run that configured Django already
        yield
        return
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        INSTALLED_APPS=[],
    )
    apps.populate(settings.INSTALLED_APPS)
    try:
        yield
    finally:
        connections.close_all()
        connections.__dict__.pop("settings", None)
        connections._settings = None  # type: ignore[attr-defined]
        connections._connections = Local(connections.thread_critical)  # type: ignore[attr-defined]
        router.__dict__.pop("routers", None)
        apps.apps_ready = apps.models_ready = apps.ready = apps.loading = False
        apps.ready_event.clear()
        apps.clear_cache()
        settings._wrapped = empty
