"""Django 5.2 LTS and the newest release: this test process has the newest Django that its
Python can run (the test extra asks for Django>=5.2); here the deploy side's tests run again,
in a subprocess, with Django 5.2 (the first LTS release of the supported range) installed into
a folder of its own and put first on PYTHONPATH, so that the test process and every manage.py it
starts import that Django instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import django
import pytest

from .conftest import UNDER_TEST_ENV

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The oldest supported release.
OLDEST = "5.2"
#: What the deploy side's tests are: this folder and the deploy end-to-end tests.
DEPLOY_TESTS = [
    "tests/deploy",
    "tests/e2e/test_deploy_snapshot.py",
    "tests/e2e/test_deploy_migrate_or_rollback.py",
    "tests/e2e/test_deploy_after_deploy.py",
]


def test_newest_django_is_at_least_the_oldest_supported() -> None:
    assert django.VERSION[:2] >= (5, 2)


def test_deploy_side_on_the_oldest_supported_django(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    target = tmp_path_factory.mktemp("django-oldest")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(target),
            f"Django=={OLDEST}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")])),
        UNDER_TEST_ENV: OLDEST,
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--no-cov",
            "-rfEs",
            *DEPLOY_TESTS,
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert f"deploy side: Django {OLDEST} ({target / 'django'})" in output, output
