"""action.yml (the composite GitHub Action) and the review-suggestions recipe in
docs/ci.md: their shell steps run here against temporary repositories, as the runner would
run them (minus the network: `gh` is a stand-in that records its call)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from _git_helpers import BAD, CLEAN, FIXED, GIT_ENV, commit_all, copy_package, git, init_repo, write

from migration_fixer.output.suggestions import parse_patch, review

ROOT = Path(__file__).resolve().parent.parent
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def step_env(step: dict[str, Any], context: dict[str, str]) -> dict[str, str]:
    """The step's env, with each ${{ expression }} replaced as GitHub would ("" if unset)."""
    return {
        name: _EXPR.sub(lambda m: context.get(m.group(1), ""), str(value))
        for name, value in step.get("env", {}).items()
    }


def run_step(
    step: dict[str, Any], context: dict[str, str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    # GitHub runs `shell: bash` steps as: bash --noprofile --norc -eo pipefail {0}
    script = cwd.parent / f"step-{abs(hash(step['run']))}.sh"
    script.write_text(step["run"])
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env={**os.environ, **GIT_ENV, **env, **step_env(step, context)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_action_definition() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"paths", "since", "args", "version", "python"}
    steps = ACTION["runs"]["steps"]
    assert [s["name"] for s in steps] == ["Install migration-fixer", "Check migrations"]
    for step in steps:
        assert step["shell"] == "bash"
        # Inputs reach the scripts through env only (no ${{ }} in a script: no injection).
        assert "${{" not in step["run"]
    check = steps[1]["run"]
    assert "migration-fixer --check --output-format github" in check
    assert steps[1]["env"]["MF_PR_BASE"] == "${{ github.event.pull_request.base.sha }}"


@pytest.fixture
def upstream(tmp_path: Path) -> tuple[Path, str]:
    """main: an old bad migration; the PR branch adds a new bad one. Returns the repo and
    main's commit (the PR's base)."""
    repo = init_repo(tmp_path / "upstream")
    write(repo, "shop/migrations/0001_initial.py", BAD)
    write(repo, "blog/migrations/0001_initial.py", CLEAN)
    base = commit_all(repo, "main")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "blog/migrations/0002_more.py", BAD)
    commit_all(repo, "the PR")
    return repo, base


@pytest.mark.slow
def test_the_action_checks_what_the_pull_request_changed(
    tmp_path: Path, upstream: tuple[Path, str]
) -> None:
    repo, base = upstream
    # actions/checkout's default: one commit, no history.
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo}", "work")
    work = tmp_path / "work"
    assert git(work, "rev-parse", "--is-shallow-repository").strip() == "true"
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    github_path = tmp_path / "github-path"
    github_path.touch()
    context = {
        "inputs.paths": ".",
        "inputs.since": "",
        "inputs.args": "",
        "inputs.version": "",
        "inputs.python": sys.executable,
        "github.action_path": str(copy_package(ROOT, tmp_path / "action")),
        "github.event.pull_request.base.sha": base,
        "github.event.before": "",
    }
    env = {"RUNNER_TEMP": str(runner_temp), "GITHUB_PATH": str(github_path), "CI": "true"}
    install, check = ACTION["runs"]["steps"]
    # A hostile checkout: modules that `python -m venv` / `-m pip` would import from it.
    pwned = tmp_path / "pwned"
    for module in ("venv.py", "pip/__init__.py", "runpy.py"):
        write(work, module, f"open({str(pwned)!r}, 'a').write({module!r})\n")
    installed = run_step(install, context, work, env)
    assert installed.returncode == 0, installed.stderr
    assert not pwned.exists()
    bin_dir = github_path.read_text().strip()
    assert bin_dir == str(runner_temp / "migration-fixer-venv/bin")
    env["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"

    checked = run_step(check, context, work, env)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    annotations = [line for line in checked.stdout.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error file=blog/migrations/0002_more.py,line=10,col=19,title=MF001 fixable::MF001 "
        "`RunPython` without `reverse_code` cannot be reversed"
    ]
    assert f"--since {base}" in checked.stdout

    # A push to main (no PR base; `before` all zeros for a new branch): everything.
    context["github.event.pull_request.base.sha"] = ""
    context["github.event.before"] = "0" * 40
    everything = run_step(check, context, work, env)
    assert everything.returncode == 1
    assert everything.stdout.count("::error ") == 2

    # Inputs: since, paths and args.
    context.update({"inputs.since": base, "inputs.paths": "shop", "inputs.args": "--ignore MF001"})
    narrowed = run_step(check, context, work, env)
    assert narrowed.returncode == 0, narrowed.stdout + narrowed.stderr


# -- review suggestions (docs/ci.md) ------------------------------------------------------


def suggestion_step() -> dict[str, Any]:
    text = (ROOT / "docs/ci.md").read_text()
    marker = text.index("<!-- suggestions-workflow")
    start = text.index("```yaml\n", marker) + len("```yaml\n")
    block = text[start : text.index("\n```", start)]
    workflow = yaml.safe_load(block)
    steps = workflow["jobs"]["suggest"]["steps"]
    return next(step for step in steps if step.get("id") == "suggest")


def test_the_suggestions_recipe_runs(tmp_path: Path, upstream: tuple[Path, str]) -> None:
    repo, base = upstream
    # The PR also touches the old migration, away from the line that needs a fix.
    write(repo, "shop/migrations/0001_initial.py", "# Touched by the PR.\n" + BAD)
    # A hostile PR: modules that `python -m` would import from the working directory.
    pwned = tmp_path / "pwned"
    for module in ("argparse.py", "json.py", "click.py", "migration_fixer/__init__.py"):
        write(repo, module, f"open({str(pwned)!r}, 'a').write({module!r})\n")
    head = commit_all(repo, "touch the old one")
    git(tmp_path, "clone", "-q", "--branch", "feature", f"file://{repo}", "work")
    work = tmp_path / "work"
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    calls = tmp_path / "gh-calls"
    (fake_bin / "gh").write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > "{calls}/args"\ncp review.json "{calls}/review.json"\n'
    )
    (fake_bin / "gh").chmod(0o755)
    calls.mkdir()
    python_bin = Path(sys.executable).parent  # migration-fixer and python, as pip installs them
    env = {"PATH": os.pathsep.join([str(fake_bin), str(python_bin), os.environ["PATH"]])}
    context = {
        "github.token": "t0ken",
        "github.repository": "acme/shop",
        "github.event.pull_request.number": "7",
        "github.event.pull_request.base.sha": base,
        "github.event.pull_request.head.sha": head,
    }
    done = run_step(suggestion_step(), context, work, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (calls / "args").read_text().splitlines() == [
        "api",
        "--method",
        "POST",
        "repos/acme/shop/pulls/7/reviews",
        "--input",
        "review.json",
    ]
    posted = json.loads((calls / "review.json").read_text())
    fixed_line = "\n".join(FIXED.splitlines()[9:12])  # the fixed line, split
    assert posted["commit_id"] == head
    assert posted["event"] == "COMMENT"
    assert posted["comments"] == [
        {
            "path": "blog/migrations/0002_more.py",
            "line": 10,
            "side": "RIGHT",
            "body": f"```suggestion\n{fixed_line}\n```\n",
        }
    ]
    # Outside the PR's diff: in the review's text, with the exact replacement.
    assert (
        "`shop/migrations/0001_initial.py:11` (outside this pull request's diff):\n\n"
        f"```suggestion\n{fixed_line}\n```\n"
    ) in posted["body"]
    assert not pwned.exists()
    # The patch the recipe made applies to the PR's head.
    subprocess.run(["git", "apply", "--check", "fixes.patch"], cwd=work, check=True)


def test_the_suggestions_recipe_with_nothing_to_suggest(
    tmp_path: Path, upstream: tuple[Path, str]
) -> None:
    repo, base = upstream
    write(repo, "blog/migrations/0002_more.py", FIXED)
    head = commit_all(repo, "fixed already")
    git(tmp_path, "clone", "-q", "--branch", "feature", f"file://{repo}", "work")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "gh").write_text("#!/bin/sh\nexit 99\n")
    (fake_bin / "gh").chmod(0o755)
    env = {
        "PATH": os.pathsep.join(
            [str(fake_bin), str(Path(sys.executable).parent), os.environ["PATH"]]
        )
    }
    context = {
        "github.event.pull_request.base.sha": base,
        "github.event.pull_request.head.sha": head,
    }
    done = run_step(suggestion_step(), context, tmp_path / "work", env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nothing to suggest" in done.stdout


def _apply_comments(text: str, comments: list[dict[str, Any]]) -> str:
    lines = text.splitlines()
    for comment in sorted(comments, key=lambda c: -c["line"]):
        body = comment["body"].split("\n")
        replacement = body[1 : body.index("```", 1)]
        first = comment.get("start_line", comment["line"])
        lines[first - 1 : comment["line"]] = replacement
    return "\n".join(lines) + "\n"


def test_review_shapes() -> None:
    old = "".join(f"line {i}\n" for i in range(1, 21))
    new = old.replace("line 3\nline 4\n", "LINE 3\n").replace("line 10\n", "line 10\ninserted\n")
    new = "top\n" + new
    import difflib

    patch = (
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
        + "".join(list(difflib.unified_diff(old.splitlines(True), new.splitlines(True), n=1))[2:])
        + "diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n"
        "@@ -0,0 +1,2 @@\n+a = 1\n+b = 2\n"
    )
    payload = review(patch)
    assert "commit_id" not in payload
    assert "Add the new file `n.py`:\n\n```python\na = 1\nb = 2\n```" in payload["body"]
    assert _apply_comments(old, payload["comments"]) == new
    multi = next(c for c in payload["comments"] if "start_line" in c)
    assert (multi["start_line"], multi["line"], multi["start_side"]) == (3, 4, "RIGHT")
    assert [f.path for f in parse_patch(patch)] == ["m.py", "n.py"]


def test_suggestions_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from migration_fixer.cli import cli

    patch = tmp_path / "fixes.patch"
    patch.write_text(
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,3 @@\n+# top\n a = 1\n"
        " b = 2\n"
    )
    pr_diff = tmp_path / "pr.diff"
    pr_diff.write_text(
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1 +1,2 @@\n a = 1\n+b = 2\n"
    )
    done = CliRunner().invoke(
        cli, ["suggest", str(patch), "--pr-diff", str(pr_diff), "--commit", "abc"]
    )
    assert done.exit_code == 0, done.output
    payload = json.loads(done.output)
    assert payload["commit_id"] == "abc"
    # An insertion at the top rewrites the line after it.
    assert payload["comments"] == [
        {"path": "m.py", "line": 1, "side": "RIGHT", "body": "```suggestion\n# top\na = 1\n```\n"}
    ]
    # The patch from stdin; a missing file is a usage error.
    piped = CliRunner().invoke(cli, ["suggest", "-"], input=patch.read_text())
    assert json.loads(piped.output)["comments"][0]["line"] == 1
    missing = CliRunner().invoke(cli, ["suggest", str(tmp_path / "nope.patch")])
    assert missing.exit_code == 2
    assert "does not exist" in missing.output


def test_no_recipe_runs_python_with_the_checkout_on_its_path() -> None:
    """`python -m X` puts the working directory (the untrusted checkout) first on
    sys.path: the recipes run console scripts, or python with -I (isolated)."""
    developer_clone = "python3 -m venv .venv && .venv/bin/pip install"  # README: your own clone
    for name in ("README.md", "docs/ci.md", "action.yml"):
        for line in (ROOT / name).read_text().splitlines():
            if re.search(r"\s-m\s", line) and not re.search(r"\s-I\s+-m\s", line):
                assert developer_clone in line, f"{name}: {line.strip()}"
