"""The rollback-rehearsal job of docs/ci.md: its definition, and its "rehearse" step run here
as the runner would run it (bash -eo pipefail, the job's and the step's env), against the local
PostgreSQL standing in for the service container, in a clone of a pull request."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from _git_helpers import GIT_ENV, commit_all, git

from .harness import REPO_ROOT, BackendUnavailable, _connect_postgres, dbs_required, postgres_server
from .rehearse_project import SCENARIOS, SECONDS, build_project

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

MYSITE_SETTINGS = """\
import os

from rehearse_settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME", "mysite"),
        "HOST": os.environ.get("DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("DB_PORT", "5432"),
        "USER": os.environ.get("DB_USER", "postgres"),
        "PASSWORD": os.environ.get("DB_PASSWORD", ""),
    }
}
"""


def workflow() -> dict[str, Any]:
    text = (REPO_ROOT / "docs/ci.md").read_text()
    marker = text.index("<!-- rehearsal-workflow")
    start = text.index("```yaml\n", marker) + len("```yaml\n")
    loaded: dict[str, Any] = yaml.safe_load(text[start : text.index("```\n", start)])
    return loaded


def job() -> dict[str, Any]:
    rehearse: dict[str, Any] = workflow()["jobs"]["rehearse"]
    return rehearse


def test_the_job_definition() -> None:
    flow = workflow()
    assert flow[True] == "pull_request"  # YAML 1.1 reads the key `on` as true
    definition = job()
    postgres = definition["services"]["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert postgres["ports"] == ["5432:5432"]
    assert "--health-cmd pg_isready" in postgres["options"]
    assert definition["env"]["DJANGO_SETTINGS_MODULE"] == "mysite.settings"
    assert definition["env"]["DB_PASSWORD"] == postgres["env"]["POSTGRES_PASSWORD"]
    steps = definition["steps"]
    assert steps[0] == {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}}
    rehearse = next(step for step in steps if step.get("id") == "rehearse")
    assert rehearse["env"] == {"BASE": "${{ github.event.pull_request.base.sha }}"}
    assert "${{" not in rehearse["run"]  # inputs reach the script through env only
    report = steps[-1]
    assert report["if"] == "always()"
    assert report["with"]["report_paths"] == "rehearsal.xml"


def run_step(
    step: dict[str, Any], context: dict[str, str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    script = cwd.parent / "rehearse-step.sh"
    script.write_text(step["run"])
    step_env = {
        name: _EXPR.sub(lambda m: context.get(m.group(1), ""), str(value))
        for name, value in step.get("env", {}).items()
    }
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env={**os.environ, **GIT_ENV, **env, **step_env},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture
def server_env() -> dict[str, str]:
    """The job's env, pointed at the local PostgreSQL (the service container's stand-in)."""
    server = postgres_server()
    try:
        _connect_postgres(server, "postgres").close()
    except BackendUnavailable as exc:
        if dbs_required():
            pytest.fail(f"{exc} (MIGRATION_FIXER_REQUIRE_DBS=1: not skipping)", pytrace=False)
        pytest.skip(str(exc))
    env = {str(k): str(v) for k, v in job()["env"].items()}
    env.update(
        DB_HOST=server.host,
        DB_PORT=str(server.port),
        DB_USER=server.user,
        DB_PASSWORD=server.password,
        DB_NAME=f"mf_ci_{os.getpid()}",
        PYTHONDONTWRITEBYTECODE="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    return env


def test_the_rehearse_step_on_a_pull_request(tmp_path: Path, server_env: dict[str, str]) -> None:
    upstream = build_project(tmp_path / "upstream")
    (upstream / "mysite").mkdir()
    (upstream / "mysite" / "__init__.py").write_text("")
    (upstream / "mysite" / "settings.py").write_text(MYSITE_SETTINGS)
    removal = upstream / "coldrop" / "migrations" / f"{SECONDS['coldrop'][0]}.py"
    for app in SCENARIOS:  # the pull request: coldrop's removal, fixed (MF003's split)
        (upstream / app / "migrations" / f"{SECONDS[app][0]}.py").unlink()
    base = commit_all(upstream, "main")
    git(upstream, "checkout", "-q", "-b", "feature")
    removal.write_text(SECONDS["coldrop"][1])
    fixed = subprocess.run(
        [sys.executable, "-m", "migration_fixer", "coldrop"],
        cwd=upstream,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    commit_all(upstream, "remove Item.code and Item.quantity")
    git(tmp_path, "clone", "-q", "--branch", "feature", f"file://{upstream}", "work")
    work = tmp_path / "work"
    step = next(s for s in job()["steps"] if s.get("id") == "rehearse")
    context = {"github.event.pull_request.base.sha": base}

    done = run_step(step, context, work, server_env)
    assert done.returncode == 0, done.stdout + done.stderr
    suites = ET.fromstring((work / "rehearsal.xml").read_text())
    assert (suites.get("tests"), suites.get("failures")) == ("13", "0")
    assert done.stdout == (work / "rehearsal.xml").read_text()  # tee: in the log too

    # The same pull request with a migration whose rollback breaks: the job fails, and the
    # report says where.
    (work / "dataseed" / "migrations" / "0002_default_tag.py").write_text(SECONDS["dataseed"][1])
    commit_all(work, "seed a default tag")
    done = run_step(step, context, work, server_env)
    assert done.returncode == 1, done.stdout + done.stderr
    suites = ET.fromstring((work / "rehearsal.xml").read_text())
    (failure,) = suites.iter("failure")
    assert failure.get("message") == (
        "dataseed.0002_default_tag, operation 1, RunPython: Raw Python operation: "
        'IntegrityError: duplicate key value violates unique constraint "dataseed_tag_name_key" '
        "DETAIL: Key (name)=(default) already exists."
    )
