"""The deploy side runs against the newest Django in this environment, and again against
Django 5.2 (the oldest supported release) by tests/deploy/test_django_versions.py, which reruns
tests/deploy and the deploy end-to-end tests with MIGRATION_FIXER_DJANGO_UNDER_TEST=5.2."""

from __future__ import annotations

import os

import django

#: Set by test_django_versions.py for its inner run (which must not start another one).
UNDER_TEST_ENV = "MIGRATION_FIXER_DJANGO_UNDER_TEST"

collect_ignore = ["test_django_versions.py"] if os.environ.get(UNDER_TEST_ENV) else []


def pytest_report_header() -> str:
    return f"deploy side: Django {django.get_version()} ({os.path.dirname(django.__file__)})"
