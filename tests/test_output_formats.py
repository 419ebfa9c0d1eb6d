"""--output-format json (a documented schema), github (workflow commands), sarif (2.1.0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from _git_helpers import BAD, FIXED, RUNSQL, commit_all, init_repo, invoke, write

from migration_fixer.output.machine import _escape_data, _escape_property

ROOT = Path(__file__).resolve().parent.parent
JSON_SCHEMA = json.loads((ROOT / "docs/output-schema.json").read_text())
# The OASIS SARIF 2.1.0 schema, as Microsoft ships it (see tests/data/README.md).
SARIF_SCHEMA = json.loads((ROOT / "tests/data/sarif-schema-2.1.0.json").read_text())

BROKEN = "from django.db import migrations\nRunPython(\n"
WITH_BAD_NOQA = BAD.replace(
    "migrations.RunPython(forwards)]", "migrations.RunPython(forwards)]  # noqa: MF404"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = init_repo(tmp_path / "repo")
    write(repo, "shop/migrations/0001_initial.py", BAD)
    write(repo, "shop/migrations/0002_sql.py", RUNSQL)
    write(repo, "shop/migrations/0003_broken.py", BROKEN)
    write(repo, "shop/migrations/0004_noqa.py", WITH_BAD_NOQA)
    commit_all(repo)
    monkeypatch.chdir(repo)
    return repo


def validate_json(text: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(JSON_SCHEMA)
    jsonschema.Draft202012Validator(
        JSON_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(payload)
    return payload


def validate_sarif(text: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(text)
    validator_class = jsonschema.validators.validator_for(SARIF_SCHEMA)
    validator_class.check_schema(SARIF_SCHEMA)
    validator_class(SARIF_SCHEMA, format_checker=validator_class.FORMAT_CHECKER).validate(payload)
    return payload


# -- json ---------------------------------------------------------------------------------


def test_json_check(project: Path) -> None:
    code, out, _ = invoke("--check", "--output-format", "json", "shop/migrations/0001_initial.py")
    payload = validate_json(out)
    assert code == 1
    assert payload == {
        "version": 1,
        "tool": {"name": "migration-fixer", "version": payload["tool"]["version"]},
        "mode": "check",
        "files_checked": 1,
        "findings": [
            {
                "path": "shop/migrations/0001_initial.py",
                "line": 10,
                "column": 19,
                "code": "MF001",
                "message": payload["findings"][0]["message"],
                "fixable": True,
                "fixed": False,
                "hint": None,
                "fix_applicability": "safe",
            }
        ],
        "errors": [],
        "changed_files": [],
        "new_files": [],
        "base_commit": payload["base_commit"],
        "exit_code": 1,
    }
    assert "RunPython" in payload["findings"][0]["message"]


@pytest.mark.parametrize("mode", ["--check", "--diff", "--fix"])
def test_json_is_valid_in_every_mode(project: Path, mode: str) -> None:
    args = ["--output-format", "json"] + ([] if mode == "--fix" else [mode])
    code, out, err = invoke(*args)
    payload = validate_json(out)
    assert code == payload["exit_code"] == 2  # the broken file and the unknown noqa code
    assert [(e["path"], e["line"]) for e in payload["errors"]] == [
        ("shop/migrations/0003_broken.py", 2),
        ("shop/migrations/0004_noqa.py", 10),
    ]
    assert "cannot parse" in payload["errors"][0]["message"]
    assert "MF404" in payload["errors"][-1]["message"]
    codes = [(f["path"].rsplit("/", 1)[1], f["code"]) for f in payload["findings"]]
    assert ("0001_initial.py", "MF001") in codes
    assert ("0002_sql.py", "MF002") in codes
    if mode == "--fix":
        assert all(f["fixed"] for f in payload["findings"])
        assert "shop/migrations/0001_initial.py" in payload["changed_files"]
        assert (project / "shop/migrations/0001_initial.py").read_text() == FIXED
    elif mode == "--diff":
        assert payload["diff"].startswith("diff --git a/shop/migrations/0001_initial.py")
        assert "shop/migrations/0002_sql.py" in payload["changed_files"]
        assert not any(f["fixed"] for f in payload["findings"])
    else:
        assert payload["changed_files"] == []
        assert "diff" not in payload
    # Errors also go to stderr as text, so a person watching a CI log sees them.
    assert "error: shop/migrations/0003_broken.py:" in err


def test_json_base_commit(project: Path) -> None:
    commit_all(project)
    _, out, _ = invoke("--check", "--output-format", "json", "--since", "HEAD")
    payload = validate_json(out)
    assert payload["base_commit"] is not None
    assert len(payload["base_commit"]) == 40
    assert payload["files_checked"] == 0


def test_the_schema_rejects_what_it_must(project: Path) -> None:
    _, out, _ = invoke("--check", "--output-format", "json")
    payload = json.loads(out)
    payload["findings"][0]["code"] = "E501"
    with pytest.raises(jsonschema.ValidationError):
        validate_json(json.dumps(payload))


# -- github -------------------------------------------------------------------------------


def test_github_annotations(project: Path) -> None:
    code, out, _ = invoke(
        "--check",
        "--output-format",
        "github",
        "shop/migrations/0001_initial.py",
        "shop/migrations/0003_broken.py",
    )
    assert code == 2
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "::error file=shop/migrations/0001_initial.py,line=10,col=19,title=MF001 fixable::MF001 "
    )
    assert lines[1] == (
        "::error file=shop/migrations/0003_broken.py,line=2,col=10::"
        "cannot parse: '(' was never closed"
    )


def test_github_paths_are_relative_to_the_repository_root(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "shop")
    _, out, _ = invoke("--check", "--output-format", "github", "migrations/0002_sql.py")
    assert out.startswith("::error file=shop/migrations/0002_sql.py,line=6,col=19,title=MF002")


def test_github_fixed_findings_are_notices(project: Path) -> None:
    _, out, _ = invoke("--output-format", "github", "shop/migrations/0001_initial.py")
    assert out.startswith(
        "::notice file=shop/migrations/0001_initial.py,line=10,col=19,title=MF001 fixed::"
    )


def test_github_diff_keeps_stdout_a_patch(project: Path) -> None:
    code, out, err = invoke("--diff", "--output-format", "github", "shop/migrations/0002_sql.py")
    assert code == 1
    assert out.startswith("diff --git a/shop/migrations/0002_sql.py")
    assert "::error file=shop/migrations/0002_sql.py,line=6,col=19,title=MF002 fixable::" in err


def test_github_escaping() -> None:
    assert _escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert _escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


# -- sarif --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["--check", "--fix"])
def test_sarif_is_valid_sarif_2_1_0(project: Path, mode: str) -> None:
    args = ["--output-format", "sarif"] + ([mode] if mode != "--fix" else [])
    code, out, _ = invoke(*args)
    payload = validate_sarif(out)
    assert code == 2
    assert payload["version"] == "2.1.0"
    run = payload["runs"][0]
    driver = run["tool"]["driver"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert {"MF001", "MF002"} <= set(rules)
    assert rules["MF001"]["name"] == "runpython-without-reverse"
    assert rules["MF001"]["shortDescription"]["text"]
    assert "## Why is this bad?" in rules["MF001"]["help"]["markdown"]
    results = run["results"]
    first = results[0]
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in results
    ] == [
        ("MF001", "shop/migrations/0001_initial.py"),
        ("MF002", "shop/migrations/0002_sql.py"),
        ("MF001", "shop/migrations/0004_noqa.py"),
    ]
    assert driver["rules"][first["ruleIndex"]]["id"] == "MF001"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "shop/migrations/0001_initial.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["region"] == {"startLine": 10, "startColumn": 19}
    assert first["level"] == ("note" if mode == "--fix" else "error")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert [n["message"]["text"][:12] for n in invocation["toolExecutionNotifications"]] == [
        "cannot parse",
        "unknown rule",
    ]


def test_sarif_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "my app/migrations/0001_initial.py", BAD)
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke("--check", "--output-format", "sarif")
    payload = validate_sarif(out)
    assert code == 1
    run = payload["runs"][0]
    assert "originalUriBaseIds" not in run
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "my%20app/migrations/0001_initial.py"}
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_clean_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke("--check", "--output-format", "sarif")
    assert code == 0
    assert validate_sarif(out)["runs"][0]["results"] == []


def test_the_sarif_schema_rejects_what_it_must(project: Path) -> None:
    _, out, _ = invoke("--check", "--output-format", "sarif")
    payload = json.loads(out)
    payload["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(json.dumps(payload))
