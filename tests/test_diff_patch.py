"""--diff prints a real git patch: `git apply` takes it, whatever the files look like."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _git_helpers import BAD, FIXED, commit_all, git, init_repo, write
from click.testing import CliRunner

from migration_fixer.changeset import ChangeSet, FileChange
from migration_fixer.cli import cli
from migration_fixer.output.diff import render_diff, render_diff_bytes
from migration_fixer.rule import NewFile


def apply(repo: Path, patch: bytes, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "apply", *extra, "-"], cwd=repo, input=patch, capture_output=True, check=False
    )


def test_changeset_patch_applies_with_git_apply(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    lf_old = "a = 1\nb = 2\nc = 3\n"
    crlf_old = "x = 1\r\ny = 2\r\nz = 3\r\n"
    noeol_old = "p = 1\nq = 2"
    latin_old = "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nvalue = 1\n"
    bom_old = "first = 1\nsecond = 2\n"
    (repo / "app/migrations").mkdir(parents=True)
    (repo / "app/migrations/0001_lf.py").write_bytes(lf_old.encode())
    (repo / "app/migrations/0002_crlf.py").write_bytes(crlf_old.encode())
    (repo / "app/migrations/0003_noeol.py").write_bytes(noeol_old.encode())
    (repo / "app/migrations/0004_latin.py").write_bytes(latin_old.encode("latin-1"))
    (repo / "app/migrations/0005_bom.py").write_bytes(b"\xef\xbb\xbf" + bom_old.encode())
    commit_all(repo)
    m = repo / "app/migrations"
    changeset = ChangeSet(
        changes=(
            FileChange(m / "0001_lf.py", lf_old, lf_old.replace("b = 2", "b = 20")),
            FileChange(m / "0002_crlf.py", crlf_old, crlf_old.replace("y = 2", "y = 20")),
            FileChange(m / "0003_noeol.py", noeol_old, noeol_old.replace("q = 2", "q = 20")),
            FileChange(
                m / "0004_latin.py",
                latin_old,
                latin_old.replace("value = 1", "value = '\xe9t\xe9'"),
                encoding="iso-8859-1",
            ),
            FileChange(m / "0005_bom.py", bom_old, "first = 10\nsecond = 2\n", bom=True),
        ),
        new_files=(
            NewFile(m / "0006_new.py", "from django.db import migrations\n\nX = 1\n"),
            NewFile(m / "0007_empty.py", ""),
        ),
    )
    patch = render_diff_bytes(changeset, repo)
    text = render_diff(changeset, repo)
    assert text.encode("utf-8", "surrogateescape") == patch
    assert "--- a/app/migrations/0001_lf.py\n+++ b/app/migrations/0001_lf.py\n" in text
    assert (
        "diff --git a/app/migrations/0006_new.py b/app/migrations/0006_new.py\n"
        "new file mode 100644\n--- /dev/null\n+++ b/app/migrations/0006_new.py\n"
        "@@ -0,0 +1,3 @@\n"
    ) in text
    assert "-y = 2\r\n+y = 20\r\n" in text
    assert text.count("\\ No newline at end of file\n") == 2
    # Files in path order, like git diff.
    names = [line.split(" b/")[1] for line in text.splitlines() if line.startswith("diff --git")]
    assert names == sorted(names)
    check = apply(repo, patch, "--check")
    assert check.returncode == 0, check.stderr.decode()
    assert apply(repo, patch).returncode == 0
    assert (m / "0001_lf.py").read_bytes() == b"a = 1\nb = 20\nc = 3\n"
    assert (m / "0002_crlf.py").read_bytes() == b"x = 1\r\ny = 20\r\nz = 3\r\n"
    assert (m / "0003_noeol.py").read_bytes() == b"p = 1\nq = 20"
    assert (m / "0004_latin.py").read_bytes() == (
        "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nvalue = '\xe9t\xe9'\n".encode("latin-1")
    )
    assert (m / "0005_bom.py").read_bytes() == b"\xef\xbb\xbffirst = 10\nsecond = 2\n"
    assert (m / "0006_new.py").read_text() == "from django.db import migrations\n\nX = 1\n"
    assert (m / "0007_empty.py").read_bytes() == b""
    # And git itself would have produced a patch that does the same.
    assert "0006_new.py" in git(repo, "status", "--porcelain")


def test_unchanged_text_gives_no_patch(tmp_path: Path) -> None:
    change = FileChange(tmp_path / "a.py", "x = 1\n", "x = 1\n")
    assert render_diff_bytes(ChangeSet((change,)), tmp_path) == b""


@pytest.fixture
def fixable_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = init_repo(tmp_path / "repo")
    write(repo, "svc/shop/migrations/0001_lf.py", BAD)
    (repo / "svc/shop/migrations/0002_crlf.py").write_bytes(BAD.replace("\n", "\r\n").encode())
    write(repo, "svc/shop/migrations/0003_noeol.py", BAD.rstrip("\n"))
    commit_all(repo)
    monkeypatch.chdir(repo / "svc")
    return repo


def test_cli_diff_is_a_patch_from_the_repository_root(fixable_repo: Path) -> None:
    result = CliRunner().invoke(cli, ["--diff", "--color", "never"], catch_exceptions=False)
    assert result.exit_code == 1
    patch = result.stdout_bytes
    assert patch.startswith(
        b"diff --git a/svc/shop/migrations/0001_lf.py b/svc/shop/migrations/0001_lf.py\n"
        b"--- a/svc/shop/migrations/0001_lf.py\n+++ b/svc/shop/migrations/0001_lf.py\n"
        b"@@ -7,4 +7,6 @@\n"
    )
    assert b"\x1b[" not in patch
    # The findings and summary go to stderr, so stdout is a clean patch.
    assert result.stderr.splitlines()[-1].endswith("3 files would change).")
    before = {p: p.read_bytes() for p in (fixable_repo / "svc/shop/migrations").iterdir()}
    check = apply(fixable_repo, patch, "--check")
    assert check.returncode == 0, check.stderr.decode()
    assert apply(fixable_repo, patch).returncode == 0
    m = fixable_repo / "svc/shop/migrations"
    assert (m / "0001_lf.py").read_text() == FIXED
    assert (m / "0002_crlf.py").read_bytes() == FIXED.replace("\n", "\r\n").encode()
    assert (m / "0003_noeol.py").read_text() == FIXED.rstrip("\n")
    # The same as fixing in place.
    for path, data in before.items():
        path.write_bytes(data)
    assert CliRunner().invoke(cli, [], catch_exceptions=False).exit_code == 0
    assert (m / "0002_crlf.py").read_bytes() == FIXED.replace("\n", "\r\n").encode()
    assert (m / "0003_noeol.py").read_text() == FIXED.rstrip("\n")


def test_diff_colour(fixable_repo: Path) -> None:
    runner = CliRunner()
    always = runner.invoke(cli, ["--diff", "--color", "always"]).stdout
    assert "\x1b[32m+        migrations.RunPython(forwards, reverse_code" in always
    assert "\x1b[31m-    operations" in always
    assert "\x1b[1mdiff --git" in always
    never = runner.invoke(cli, ["--diff", "--color", "never"]).stdout
    auto = runner.invoke(cli, ["--diff"]).stdout  # stdout is not a terminal here
    assert "\x1b[" not in never
    assert auto == never
    assert "\x1b[" not in runner.invoke(cli, ["--check", "--color", "never"]).stdout


def test_diff_outside_a_repository_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "shop/migrations/0001_initial.py", BAD)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--diff"], catch_exceptions=False)
    assert result.stdout.startswith(
        "diff --git a/shop/migrations/0001_initial.py b/shop/migrations/0001_initial.py\n"
    )
    check = subprocess.run(
        ["git", "apply", "--check", "-"], cwd=tmp_path, input=result.stdout_bytes, check=False
    )
    assert check.returncode == 0


def test_file_names_that_git_quotes_are_quoted_like_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tab, a newline, a quote, a backslash or a non-ASCII byte in a name: git C-quotes
    it in the patch headers, and `git apply` rejects the whole patch otherwise."""
    repo = init_repo(tmp_path / "repo")
    names = [
        "app/migrations/0001_tab\there.py",
        "app/migrations/0002_new\nline.py",
        'app/migrations/0003_quote"and\\back.py',
        "app/migrations/0004_caf\xe9.py",
        "app/migrations/0005_plain.py",
    ]
    for name in names:
        write(repo, name, BAD)
    commit_all(repo)
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, ["--diff", "--color", "never"], catch_exceptions=False)
    assert result.exit_code == 1
    patch = result.stdout_bytes
    assert (
        b'diff --git "a/app/migrations/0001_tab\\there.py" "b/app/migrations/0001_tab\\there.py"\n'
        in patch
    )
    assert b'+++ "b/app/migrations/0002_new\\nline.py"\n' in patch
    assert b'--- "a/app/migrations/0003_quote\\"and\\\\back.py"\n' in patch
    assert b'+++ "b/app/migrations/0004_caf\\303\\251.py"\n' in patch
    assert b"+++ b/app/migrations/0005_plain.py\n" in patch
    applied = apply(repo, patch)
    assert applied.returncode == 0, applied.stderr
    for name in names:
        assert (repo / name).read_text() == FIXED
    # The headers are git's own, byte for byte.
    ours = [line for line in patch.splitlines() if line.startswith((b"diff", b"---", b"+++"))]
    theirs = subprocess.run(
        ["git", "diff"], cwd=repo, capture_output=True, check=True
    ).stdout.splitlines()
    assert ours == [line for line in theirs if line.startswith((b"diff", b"---", b"+++"))]


def test_a_new_file_with_a_quoted_name_applies(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    write(repo, "README", "x\n")
    commit_all(repo)
    new = NewFile(repo / "app/migrations/0002_a\tb.py", "x = 1\n")
    patch = render_diff_bytes(ChangeSet((), (new,)), repo)
    assert patch == (
        b'diff --git "a/app/migrations/0002_a\\tb.py" "b/app/migrations/0002_a\\tb.py"\n'
        b"new file mode 100644\n--- /dev/null\n"
        b'+++ "b/app/migrations/0002_a\\tb.py"\n@@ -0,0 +1,1 @@\n+x = 1\n'
    )
    assert apply(repo, patch).returncode == 0
    assert (repo / "app/migrations/0002_a\tb.py").read_text() == "x = 1\n"


def test_review_suggestions_read_quoted_names() -> None:
    from migration_fixer.output.suggestions import parse_patch

    patch = (
        'diff --git "a/m\\tx.py" "b/m\\tx.py"\n--- "a/m\\tx.py"\n+++ "b/m\\tx.py"\n'
        "@@ -1 +1 @@\n-a\n+b\n"
        'diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"\nnew file mode 100644\n'
        '--- /dev/null\n+++ "b/caf\\303\\251.py"\n@@ -0,0 +1 @@\n+c\n'
    )
    files = parse_patch(patch)
    assert [(f.path, f.new_file) for f in files] == [("m\tx.py", False), ("caf\xe9.py", True)]
    assert files[0].blocks == [(1, ["a"], ["b"], None, None)]
