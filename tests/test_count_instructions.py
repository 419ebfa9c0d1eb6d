"""benchmarks/count_instructions.py: which projects it measures, with what command, and the
ratio it prints (callgrind itself replaced by a stand-in that reports fixed counts)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from _scripts import load_script


def test_every_nth_project_is_counted_under_callgrind_with_a_fixed_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = load_script("count_instructions")
    for name in ("a", "b", "c", "d", "e"):
        (tmp_path / name).mkdir()
    (tmp_path / "MANIFEST.txt").write_text("")
    runs: list[tuple[list[str], dict[str, str], Path]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        runs.append((command, kwargs["env"], kwargs["cwd"]))
        collected = (
            3_000_000_000 if "MF003" in command[command.index("--select") + 1] else 2_000_000_000
        )
        return subprocess.CompletedProcess(
            command,
            0,
            "x.py:1:1: MF001 ...\nFound 1 finding in 2 migration files.\n",
            f"==1== Events    : Ir\n==1== Collected : {collected}\n",
        )

    monkeypatch.setattr(script.shutil, "which", lambda name: "/usr/bin/valgrind")
    monkeypatch.setattr(script.subprocess, "run", fake_run)
    compiled: list[Path] = []
    monkeypatch.setattr(script.compileall, "compile_dir", lambda path, quiet: compiled.append(path))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert script.main([str(tmp_path), "--every", "2", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"3 projects of {tmp_path} (every 2), {tmp_path}\n"
        "  MF001+MF002       2.000 G instructions   Found 1 finding in 2 migration files.\n"
        "  all rules         3.000 G instructions   Found 1 finding in 2 migration files.\n"
        "  all rules / MF001+MF002: 1.500\n"
    )
    command, env, cwd = runs[0]
    assert command[:2] == ["valgrind", "--tool=callgrind"]
    assert command[-3:] == [str(tmp_path / "a"), str(tmp_path / "c"), str(tmp_path / "e")]
    assert command[command.index("--jobs") + 1] == "1"
    assert "--no-cache" in command
    assert (env["PYTHONHASHSEED"], env["PYTHONPATH"], cwd) == ("0", str(tmp_path), tmp_path)
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert compiled == [tmp_path / "migration_fixer"]


def test_without_valgrind_it_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = load_script("count_instructions")
    monkeypatch.setattr(script.shutil, "which", lambda name: None)
    assert script.main([str(tmp_path)]) == 2
    assert capsys.readouterr().err == "valgrind is not installed (apt-get install valgrind)\n"
