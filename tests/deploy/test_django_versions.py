"""Django 5.2 LTS and the newest release: this test process has the newest Django that its
Python can run (the test extra asks for Django>=5.2); here the deploy side's tests run again,
in a subprocess, with Django 5.2 (the first LTS release of the supported range) installed into
a folder of its own and put first on PYTHONPATH, so that the test process and every manage.py it
starts import that Django instead.

The newest Django release may need a newer Python than the one running the tests (Django 6
needs 3.12): the deploy side's tests then run a third time, in a virtual environment of the
newest Python found (``MIGRATION_FIXER_NEWER_PYTHON``, else pyenv's versions, else
``python3.N`` on the PATH) with the newest Django it installs. Where none is found the test
skips and says so, unless ``MIGRATION_FIXER_REQUIRE_NEWEST_DJANGO=1`` (CI) makes it fail."""

from __future__ import annotations

import glob
import os
import re
import shutil
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


#: An interpreter to run the newest Django release with, when this one is too old for it.
NEWER_PYTHON_ENV = "MIGRATION_FIXER_NEWER_PYTHON"
#: Set by CI: no newer Python found is a failure, not a skip.
REQUIRE_NEWEST_ENV = "MIGRATION_FIXER_REQUIRE_NEWEST_DJANGO"


def _run(
    command: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, timeout=timeout, capture_output=True, text=True, check=False
    )


def _run_deploy_tests(python: str, env: dict[str, str], header: str) -> None:
    """The deploy side's tests, run by ``python`` with ``env``: they pass, and their report
    header names the Django imported (``header``)."""
    run = _run(
        [python, "-m", "pytest", "-p", "no:cacheprovider", "--no-cov", "-rfEs", *DEPLOY_TESTS],
        cwd=REPO_ROOT,
        env=env,
        timeout=3600,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert f"deploy side: Django {header}" in output, output


def test_newest_django_is_at_least_the_oldest_supported() -> None:
    assert django.VERSION[:2] >= (5, 2)


def test_deploy_side_on_the_oldest_supported_django(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    target = tmp_path_factory.mktemp("django-oldest")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    install = _run([*pip, "install", "--quiet", "--target", str(target), f"Django=={OLDEST}"])
    assert install.returncode == 0, install.stdout + install.stderr
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")])),
        UNDER_TEST_ENV: OLDEST,
    }
    _run_deploy_tests(sys.executable, env, f"{OLDEST} ({target / 'django'})")


def _version_of(python: str) -> tuple[int, int] | None:
    """``python``'s (major, minor), or None when it does not run."""
    try:
        run = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except OSError:
        return None
    found = re.fullmatch(r"(\d+) (\d+)\s*", run.stdout)
    return (int(found[1]), int(found[2])) if run.returncode == 0 and found else None


def newer_python() -> tuple[str, tuple[int, int]] | None:
    """The newest Python newer than this one: the one ``MIGRATION_FIXER_NEWER_PYTHON``
    names (only it, when set), else the newest of pyenv's versions and of the ``python3.N``
    commands on the PATH (None: none is newer)."""
    named = os.environ.get(NEWER_PYTHON_ENV)
    if named:
        candidates = [named]
    else:
        root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
        candidates = sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin", "python3")))
        for minor in range(sys.version_info.minor + 1, 30):
            command = shutil.which(f"python3.{minor}")
            if command:
                candidates.append(command)
    versions = [(python, _version_of(python)) for python in candidates]
    newer = [(python, v) for python, v in versions if v is not None and v > sys.version_info[:2]]
    if named and not newer:
        pytest.fail(f"{NEWER_PYTHON_ENV}={named} is not a Python newer than this one")
    return max(newer, key=lambda pair: pair[1], default=None)


def test_deploy_side_on_the_newest_django_release(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    found = newer_python()
    if found is None:
        reason = (
            f"no Python newer than {sys.version_info[0]}.{sys.version_info[1]} found, which "
            f"the newest Django release may need (name one with {NEWER_PYTHON_ENV})"
        )
        if os.environ.get(REQUIRE_NEWEST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
            pytest.fail(f"{reason}; {REQUIRE_NEWEST_ENV} is set: not skipping", pytrace=False)
        pytest.skip(reason)
    python, _ = found
    venv = tmp_path_factory.mktemp("django-newest") / "venv"
    created = _run([python, "-m", "venv", str(venv)])
    assert created.returncode == 0, created.stdout + created.stderr
    inner = str(venv / "bin" / "python")
    pip = [inner, "-m", "pip", "--disable-pip-version-check"]
    install = _run([*pip, "install", "--quiet", "-e", f"{REPO_ROOT}[test,mariadb]"], timeout=1800)
    assert install.returncode == 0, install.stdout + install.stderr
    # The newest release this Python can install, as the index lists it, is the one installed.
    index = _run([*pip, "index", "versions", "Django"], timeout=300)
    newest = re.match(r"Django \(([^)]+)\)", index.stdout)
    assert newest is not None, index.stdout + index.stderr
    installed = _run([inner, "-c", "import django; print(django.get_version())"])
    assert installed.stdout.strip() == newest[1], installed.stdout + installed.stderr
    env = {**os.environ, UNDER_TEST_ENV: newest[1]}
    env.pop("PYTHONPATH", None)
    _run_deploy_tests(inner, env, f"{newest[1]} ({venv}")
