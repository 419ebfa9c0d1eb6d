"""Git-aware runs: --since, the base commit MF003 uses, and the dirty-file refusal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _git_helpers import BAD, CLEAN, FIXED, commit_all, git, init_repo, invoke, write

from migration_fixer import api, discovery
from migration_fixer import git as mf_git
from migration_fixer.config import Mode, build_config


@pytest.fixture
def feature_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: a/0001 and b/0001 (both with an MF001 finding) and a clean c/0001.
    feature (checked out): commits a new c/0002, stages d/0001, edits b/0001 without
    staging, and leaves e/0001 untracked; an ignored f/0001 too."""
    repo = init_repo(tmp_path / "repo")
    write(repo, "a/migrations/0001_initial.py", BAD)
    write(repo, "b/migrations/0001_initial.py", BAD)
    write(repo, "c/migrations/0001_initial.py", CLEAN)
    write(repo, ".gitignore", "f/\n")
    commit_all(repo, "main")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "c/migrations/0002_more.py", BAD)
    commit_all(repo, "feature work")
    git(repo, "checkout", "-q", "main")  # main moves on after the branch point
    write(repo, "a/migrations/0009_on_main_only.py", BAD)
    write(repo, "a/migrations/0001_initial.py", BAD + "# changed on main\n")
    commit_all(repo, "main moves on")
    git(repo, "checkout", "-q", "feature")
    write(repo, "d/migrations/0001_initial.py", BAD)
    git(repo, "add", "d")
    write(repo, "b/migrations/0001_initial.py", BAD + "# edited\n")
    write(repo, "e/migrations/0001_initial.py", BAD)
    write(repo, "f/migrations/0001_initial.py", BAD)
    monkeypatch.chdir(repo)
    return repo


def test_since_reports_only_what_changed_since_the_merge_base(feature_repo: Path) -> None:
    code, out, err = invoke("--check", "--since", "main", "--output-format", "json")
    import json

    payload = json.loads(out)
    assert err == ""
    assert code == 1
    assert sorted(f["path"] for f in payload["findings"]) == [
        "b/migrations/0001_initial.py",  # unstaged edit
        "c/migrations/0002_more.py",  # committed on the branch
        "d/migrations/0001_initial.py",  # staged
        "e/migrations/0001_initial.py",  # untracked
    ]
    assert payload["files_checked"] == 4


def test_since_text_output(feature_repo: Path) -> None:
    code, out, err = invoke("--check", "--since", "main", "c", "d")
    assert (code, err) == (1, "")
    paths = [line.split(":")[0] for line in out.splitlines()[:-1]]
    assert paths == ["c/migrations/0002_more.py", "d/migrations/0001_initial.py"]
    assert out.splitlines()[-1].startswith("Found 2 findings in 2 migration files")


def test_since_with_nothing_changed_is_clean(feature_repo: Path) -> None:
    code, out, _ = invoke("--check", "--since", "HEAD", "a")
    assert code == 0
    assert out == "No findings in 0 migration files.\n"


def test_since_does_not_list_or_walk_the_tree(
    feature_repo: Path, monkeypatch: pytest.MonkeyPatch, file_reads: list[Path]
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("--since must start from git's list of changed files")

    monkeypatch.setattr(mf_git.Repository, "tracked", forbidden)
    monkeypatch.setattr(mf_git.Repository, "ls_files", forbidden)
    monkeypatch.setattr(discovery, "_walk", forbidden)
    file_reads.clear()
    config = build_config(
        paths=[Path(".")], mode=Mode.CHECK, select=None, ignore=None, since="main", jobs=1
    )
    result = api.run(config)
    assert result.files_checked == 4
    assert sorted(p.as_posix() for p in file_reads if "migrations" in p.parts) == [
        "b/migrations/0001_initial.py",
        "c/migrations/0002_more.py",
        "d/migrations/0001_initial.py",
        "e/migrations/0001_initial.py",
    ]


def test_since_unknown_ref_is_a_one_line_usage_error(feature_repo: Path) -> None:
    code, out, err = invoke("--check", "--since", "nope")
    assert code == 2
    assert out == ""
    assert err == (
        "error: --since nope: unknown revision 'nope' (no branch, tag or commit has that name)\n"
    )


def test_since_option_like_ref_is_not_an_option(feature_repo: Path) -> None:
    code, _, err = invoke("--check", "--since=--all")
    assert code == 2
    assert "unknown revision '--all'" in err


def test_since_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "app/migrations/0001_initial.py", BAD)
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("--check", "--since", "main")
    assert code == 2
    assert out == ""
    assert err == "error: --since needs a git repository, and . is not in one\n"


def test_since_in_a_repository_without_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "r")
    write(repo, "app/migrations/0001_initial.py", BAD)
    monkeypatch.chdir(repo)
    code, _, err = invoke("--check", "--since", "HEAD")
    assert code == 2
    assert err.startswith("error: --since HEAD: unknown revision 'HEAD'")


def test_everything_works_outside_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "app/migrations/0001_initial.py", BAD)
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke()
    assert (code, err) == (0, "")
    assert path.read_text() == FIXED
    assert out.endswith("(1 fixed, 0 remaining).\n")
    config = build_config(paths=[Path(".")], mode=Mode.CHECK, select=None, ignore=None)
    result = api.run(config)
    assert result.base_commit is None
    assert result.is_new(path) is None


# -- the base commit (for MF003: which migrations are new) ---------------------------------


def _run(since: str | None = None) -> api.RunResult:
    config = build_config(
        paths=[Path(".")], mode=Mode.CHECK, select=None, ignore=None, since=since, jobs=1
    )
    return api.run(config)


def test_base_commit_with_since_is_the_merge_base(feature_repo: Path) -> None:
    main = git(feature_repo, "rev-parse", "main~1").strip()
    result = _run("main")
    assert result.base_commit == main
    assert result.is_new(Path("c/migrations/0002_more.py")) is True
    assert result.is_new(Path("d/migrations/0001_initial.py")) is True  # staged
    assert result.is_new(Path("e/migrations/0001_initial.py")) is True  # untracked
    assert result.is_new(Path("b/migrations/0001_initial.py")) is False  # edited only
    assert result.is_new(Path("a/migrations/0001_initial.py")) is False


def test_base_commit_defaults_to_the_merge_base_with_main(feature_repo: Path) -> None:
    main = git(feature_repo, "rev-parse", "main~1").strip()
    result = _run()
    assert result.base_commit == main
    assert result.is_new(Path("c/migrations/0002_more.py")) is True
    assert result.is_new(Path("a/migrations/0001_initial.py")) is False


def test_base_commit_prefers_origin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    upstream = init_repo(tmp_path / "upstream", branch="master")
    write(upstream, "a/migrations/0001_initial.py", CLEAN)
    pushed = commit_all(upstream)
    git(tmp_path, "clone", "-q", str(upstream), "clone")
    clone = tmp_path / "clone"
    write(clone, "a/migrations/0002_local.py", BAD)
    commit_all(clone, "not pushed yet")
    monkeypatch.chdir(clone)
    result = _run()
    # On master itself: master is skipped (it is HEAD's own branch), origin/HEAD is used.
    assert result.base_commit == pushed
    assert result.is_new(Path("a/migrations/0002_local.py")) is True
    assert result.is_new(Path("a/migrations/0001_initial.py")) is False


def test_on_the_only_branch_the_base_is_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No other branch to merge into: what is committed is merged, only uncommitted
    migrations are new."""
    repo = init_repo(tmp_path / "r")
    write(repo, "a/migrations/0001_initial.py", CLEAN)
    head = commit_all(repo)
    write(repo, "a/migrations/0002_new.py", CLEAN)
    monkeypatch.chdir(repo)
    result = _run()
    assert result.base_commit == head
    assert result.is_new(Path("a/migrations/0001_initial.py")) is False
    assert result.is_new(Path("a/migrations/0002_new.py")) is True


def test_no_base_commit_without_any_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init_repo(tmp_path / "r")
    write(repo, "a/migrations/0001_initial.py", CLEAN)
    monkeypatch.chdir(repo)
    result = _run()
    assert result.base_commit is None
    assert result.is_new(Path("a/migrations/0001_initial.py")) is None


def test_default_base_skips_missing_and_current_branches(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", branch="main")
    commit_all(repo)
    git(repo, "branch", "master")
    git(repo, "checkout", "-q", "-b", "topic")
    commit_all(repo, "topic")
    opened = mf_git.open_repository(repo)
    assert opened is not None
    assert opened.current_branch() == "topic"
    assert opened.default_base() == git(repo, "rev-parse", "main").strip()
    git(repo, "checkout", "-q", "--detach")
    assert opened.current_branch() is None
    assert opened.default_base() == git(repo, "rev-parse", "main").strip()


def test_merge_base_without_common_ancestor(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    commit_all(repo)
    git(repo, "checkout", "-q", "--orphan", "other")
    commit_all(repo, "unrelated")
    opened = mf_git.open_repository(repo)
    assert opened is not None
    with pytest.raises(mf_git.GitError, match="'main' and HEAD have no common ancestor"):
        opened.merge_base("main")


# -- refusing to write into dirty files -----------------------------------------------------


@pytest.fixture
def clean_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = init_repo(tmp_path / "repo")
    write(repo, "a/migrations/0001_initial.py", BAD)
    write(repo, "b/migrations/0001_initial.py", BAD)
    write(repo, "c/migrations/0001_initial.py", BAD)
    commit_all(repo)
    monkeypatch.chdir(repo)
    return repo


def test_unstaged_files_are_refused_and_listed(clean_repo: Path) -> None:
    edited = BAD + "# my work in progress\n"
    write(clean_repo, "a/migrations/0001_initial.py", edited)
    write(clean_repo, "c/migrations/0001_initial.py", edited)
    code, out, err = invoke("--no-progress")
    assert code == 2
    assert err == (
        "error: a/migrations/0001_initial.py: has unstaged changes: not written "
        "(commit, stage or stash them, or pass --allow-dirty)\n"
        "error: c/migrations/0001_initial.py: has unstaged changes: not written "
        "(commit, stage or stash them, or pass --allow-dirty)\n"
    )
    assert (clean_repo / "a/migrations/0001_initial.py").read_text() == edited
    assert (clean_repo / "c/migrations/0001_initial.py").read_text() == edited
    assert (clean_repo / "b/migrations/0001_initial.py").read_text() == FIXED
    assert "b/migrations/0001_initial.py:10:19: MF001" in out
    assert out.endswith("(1 fixed, 2 remaining).\n")


def test_allow_dirty_writes_anyway(clean_repo: Path) -> None:
    write(clean_repo, "a/migrations/0001_initial.py", BAD + "# wip\n")
    code, _, err = invoke("--allow-dirty")
    assert (code, err) == (0, "")
    assert (clean_repo / "a/migrations/0001_initial.py").read_text() == FIXED + "# wip\n"


def test_staged_and_untracked_files_are_written(clean_repo: Path) -> None:
    write(clean_repo, "a/migrations/0001_initial.py", BAD + "# staged\n")
    git(clean_repo, "add", "a")
    write(clean_repo, "d/migrations/0002_fresh_from_makemigrations.py", BAD)
    code, _, err = invoke()
    assert (code, err) == (0, "")
    assert (clean_repo / "a/migrations/0001_initial.py").read_text() == FIXED + "# staged\n"
    assert (clean_repo / "d/migrations/0002_fresh_from_makemigrations.py").read_text() == FIXED
    # What the fixer changed in the staged file is exactly the unstaged diff.
    assert "+        migrations.RunPython(forwards, reverse_code" in git(clean_repo, "diff")


@pytest.mark.parametrize("mode", ["--check", "--diff"])
def test_check_and_diff_never_refuse(clean_repo: Path, mode: str) -> None:
    write(clean_repo, "a/migrations/0001_initial.py", BAD + "# wip\n")
    code, _, err = invoke(mode)
    assert code == 1
    assert err == "" or "unstaged" not in err


def test_dirty_files_lists_unstaged_and_unmerged_only(clean_repo: Path) -> None:
    write(clean_repo, "a/migrations/0001_initial.py", BAD + "# unstaged\n")
    write(clean_repo, "b/migrations/0001_initial.py", BAD + "# staged\n")
    git(clean_repo, "add", "b")
    write(clean_repo, "new.py", "")
    opened = mf_git.open_repository(clean_repo)
    assert opened is not None
    assert opened.dirty_files() == {clean_repo.resolve() / "a/migrations/0001_initial.py"}
    assert opened.dirty_files([clean_repo / "b"]) == set()


def test_repository_listing_and_queries(clean_repo: Path) -> None:
    write(clean_repo, ".gitignore", "ignored/\n")
    write(clean_repo, "ignored/migrations/0001_initial.py", BAD)
    write(clean_repo, "new/migrations/0001_initial.py", BAD)
    opened = mf_git.open_repository(clean_repo / "a")
    assert opened is not None
    root = clean_repo.resolve()
    assert opened.root == root
    assert opened.ls_files([clean_repo / "a", clean_repo / "new"]) == [
        root / "a/migrations/0001_initial.py",
        root / "new/migrations/0001_initial.py",
    ]
    head = opened.head()
    assert head is not None
    assert opened.file_exists_at(head, clean_repo / "a/migrations/0001_initial.py")
    assert not opened.file_exists_at(head, clean_repo / "new/migrations/0001_initial.py")
    assert opened.contains(clean_repo / "a")
    assert not opened.contains(clean_repo.parent)
    assert mf_git.open_repository(clean_repo.parent) is None
    with pytest.raises(mf_git.GitError, match="unknown revision 'nope'"):
        opened.merge_base("nope")


def test_no_repository_is_looked_for_where_no_folder_above_holds_git(tmp_path: Path) -> None:
    import subprocess
    import sys

    from migration_fixer.git import _may_be_in_a_repository

    folder = tmp_path / "project" / "app" / "migrations"
    folder.mkdir(parents=True)
    assert not _may_be_in_a_repository(folder)
    script = (
        "import sys; from pathlib import Path; import migration_fixer.cli; "
        "from migration_fixer.git import open_repository; "
        f"print(open_repository(Path({str(folder)!r})), 'git' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout == "None False\n", out.stderr
    (tmp_path / "project" / "HEAD").write_text("ref: refs/heads/main\n")  # a bare repository?
    assert _may_be_in_a_repository(folder)
    (tmp_path / "project" / "HEAD").unlink()
    (tmp_path / "project" / ".git").write_text("gitdir: elsewhere\n")  # a worktree's
    assert _may_be_in_a_repository(folder)
    link = tmp_path / "link"
    link.symlink_to(folder)
    assert _may_be_in_a_repository(link)


def test_a_run_lists_the_untracked_files_once(
    feature_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new files (for MF003's base) and the candidates come from one listing of the
    untracked files: on a large tree each is a walk of the working tree by git."""
    listings: list[tuple[str, ...]] = []
    real = mf_git.Repository._names

    def names(self: mf_git.Repository, *args: str) -> list[str]:
        listings.append(args)
        return real(self, *args)

    monkeypatch.setattr(mf_git.Repository, "_names", names)
    config = build_config(paths=[Path(".")], mode=Mode.CHECK, select=None, ignore=None)
    result = api.run(config)
    assert [a for a in listings if "--others" in a] == [
        ("ls-files", "-z", "--others", "--exclude-standard", "--", ".")
    ]
    assert result.new_since_base is not None
    assert sorted(
        p.relative_to(feature_repo.resolve()).as_posix() for p in result.new_since_base
    ) == [
        "c/migrations/0002_more.py",
        "d/migrations/0001_initial.py",
        "e/migrations/0001_initial.py",
    ]
    assert "e/migrations/0001_initial.py" in {f.path.as_posix() for f in result.files}
    # Asked about other paths, git lists them.
    repo = mf_git.open_repository(feature_repo)
    assert repo is not None
    assert repo.untracked([feature_repo / "e"]) == {repo.root / "e/migrations/0001_initial.py"}
    assert repo.untracked([feature_repo / "a"]) == set()


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="giving the repository to another user (git's dubious ownership) needs root",
)
def test_a_repository_git_refuses_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CI container whose checkout belongs to another user: git refuses it ("detected
    # dubious ownership"); the run ended in GitPython's traceback, exit 1 ("findings").
    repo = init_repo(tmp_path / "dubious")
    write(repo, "app/migrations/0001_initial.py", BAD)
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 4242, 4242)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-such-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.chdir(repo)
    code, out, err = invoke("--check", "--no-cache", "--output-format", "json", ".")
    assert (code, out) == (2, "")
    assert err == (
        f"error: git refuses the repository at {repo}: detected dubious ownership in repository "
        f"at '{repo}' (to trust it: `git config --global --add safe.directory {repo}`)\n"
    )
