"""Which files are migrations: git's listing in a repository, a careful walk outside."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _git_helpers import BAD, CLEAN, commit_all, init_repo, invoke, write

from migration_fixer import discovery
from migration_fixer.discovery import discover, glob_match, is_migration
from migration_fixer.git import open_repository


def found(root: Path, *paths: str, **kwargs: object) -> list[str]:
    repo = open_repository(root)
    files, missing = discover(
        [root / p for p in paths or ["."]],
        repo=repo,
        root=root,
        **kwargs,  # type: ignore[arg-type]
    )
    assert missing == []
    return [f.resolve().relative_to(root.resolve()).as_posix() for f in files]


def make_tree(root: Path) -> None:
    for rel in [
        "shop/migrations/0001_initial.py",
        "shop/migrations/0002_more.py",
        "shop/migrations/__init__.py",
        "shop/models.py",
        "shop/migrations/README.txt",
        ".venv/lib/python3.11/site-packages/django/contrib/auth/migrations/0001_initial.py",
        "env/pyvenv.cfg",
        "env/lib/site/app/migrations/0001_initial.py",
        "node_modules/pkg/migrations/0001_initial.py",
        ".git_like/.tox/py/migrations/0001_initial.py",
        "build/lib/shop/migrations/0001_initial.py",
    ]:
        write(root, rel, CLEAN)


def test_walk_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert found(tmp_path) == [
        "shop/migrations/0001_initial.py",
        "shop/migrations/0002_more.py",
    ]


def test_git_listing_honours_gitignore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init_repo(tmp_path / "r")
    make_tree(repo)
    write(repo, ".gitignore", "shop/migrations/0002_more.py\n")
    write(repo, "generated/migrations/0001_initial.py", CLEAN)
    write(repo, ".git/info/exclude", "generated/\n")
    write(repo, "tracked_build/migrations/0001_initial.py", CLEAN)
    commit_all(repo)
    write(repo, "shop/migrations/0003_untracked.py", CLEAN)
    monkeypatch.chdir(repo)
    assert found(repo) == [
        # build/ is tracked here, so it is a real app folder (only walks skip build/).
        "build/lib/shop/migrations/0001_initial.py",
        "shop/migrations/0001_initial.py",
        "shop/migrations/0003_untracked.py",
        "tracked_build/migrations/0001_initial.py",
    ]
    # .venv, node_modules and .tox are dropped from git's listing (third-party code);
    # env/ (a folder with pyvenv.cfg) is only recognised when walking.


def test_virtualenvs_are_skipped_even_without_gitignore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "r")
    write(repo, "shop/migrations/0001_initial.py", CLEAN)
    commit_all(repo)
    write(repo, ".venv/lib/site-packages/x/migrations/0001_initial.py", CLEAN)
    write(repo, "venv/lib/site-packages/x/migrations/0001_initial.py", CLEAN)
    write(repo, "node_modules/x/migrations/0001_initial.py", CLEAN)
    monkeypatch.chdir(repo)
    assert found(repo) == ["shop/migrations/0001_initial.py"]


def test_order_is_sorted_and_paths_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for app in ["zeta", "alpha", "mid"]:
        write(tmp_path, f"{app}/migrations/0002_b.py", CLEAN)
        write(tmp_path, f"{app}/migrations/0001_a.py", CLEAN)
    monkeypatch.chdir(tmp_path)
    files, _ = discover([Path(".")], repo=None, root=tmp_path)
    assert [f.as_posix() for f in files] == [
        "alpha/migrations/0001_a.py",
        "alpha/migrations/0002_b.py",
        "mid/migrations/0001_a.py",
        "mid/migrations/0002_b.py",
        "zeta/migrations/0001_a.py",
        "zeta/migrations/0002_b.py",
    ]


def test_two_django_projects_with_the_same_app_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "mono")
    for project in ["services/billing", "services/shop"]:
        write(repo, f"{project}/manage.py", "")
        write(repo, f"{project}/core/migrations/0001_initial.py", BAD)
        write(repo, f"{project}/core/migrations/__init__.py", "")
    commit_all(repo)
    monkeypatch.chdir(repo)
    assert found(repo) == [
        "services/billing/core/migrations/0001_initial.py",
        "services/shop/core/migrations/0001_initial.py",
    ]
    assert found(repo, "services/shop") == ["services/shop/core/migrations/0001_initial.py"]


def test_extend_include_and_exclude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "project/db_migrations/shop/0001_initial.py", CLEAN)
    write(tmp_path, "project/db_migrations/shop/__init__.py", CLEAN)
    write(tmp_path, "project/other/0001_initial.py", CLEAN)
    write(tmp_path, "shop/migrations/0001_initial.py", CLEAN)
    write(tmp_path, "legacy/migrations/0001_initial.py", CLEAN)
    write(tmp_path, "shop/migrations/0002_squashed_old.py", CLEAN)
    monkeypatch.chdir(tmp_path)
    assert found(
        tmp_path,
        extend_include=["project/db_migrations/**/*.py"],
        exclude=["legacy", "shop/migrations/*_squashed_*.py"],
    ) == [
        "project/db_migrations/shop/0001_initial.py",
        "shop/migrations/0001_initial.py",
    ]


def test_exclude_applies_to_files_named_explicitly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "legacy/migrations/0001_initial.py", CLEAN)
    write(tmp_path, "tools/fix_data.py", CLEAN)
    monkeypatch.chdir(tmp_path)
    assert found(tmp_path, "legacy/migrations/0001_initial.py", exclude=["legacy/"]) == []
    # A .py file named explicitly is taken even outside migrations/ (like ruff/black).
    assert found(tmp_path, "tools/fix_data.py") == ["tools/fix_data.py"]


def test_globs_are_relative_to_the_config_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "sub/legacy/migrations/0001_initial.py", CLEAN)
    write(tmp_path, "sub/app/migrations/0001_initial.py", CLEAN)
    monkeypatch.chdir(tmp_path)
    files, _ = discover(
        [Path("sub")], repo=None, root=tmp_path / "sub", exclude=["legacy/migrations/*"]
    )
    assert [f.as_posix() for f in files] == ["sub/app/migrations/0001_initial.py"]


def empty_folders(root: Path, *paths: str, **kwargs: object) -> list[str]:
    """The folders among ``paths`` below which ``discover`` found no migration."""
    empty: list[Path] = []
    discover(
        [Path(p) for p in paths],
        repo=open_repository(root),
        root=root,
        empty=empty,
        **kwargs,  # type: ignore[arg-type]
    )
    return [p.as_posix() for p in empty]


def layout_without_migrations_folders(root: Path) -> None:
    write(root, "src/dojo/db_migrations/__init__.py", "")
    write(root, "src/dojo/db_migrations/0001_initial.py", CLEAN)
    write(root, "src/dojo/models.py", CLEAN)
    write(root, "apps/shop/migrations/0001_initial.py", CLEAN)
    write(root, "docs/conf.py", CLEAN)


def test_folders_without_migrations_outside_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout_without_migrations_folders(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert empty_folders(tmp_path, "src/", "apps", "docs", "src/") == ["src", "docs"]
    assert empty_folders(tmp_path, "src", extend_include=["src/**/db_migrations/*.py"]) == []
    # Excluded migrations are migrations: the folder is not without any.
    assert empty_folders(tmp_path, "apps", exclude=["apps/"]) == []
    # A file named on the command line is no folder.
    assert empty_folders(tmp_path, "src/dojo/models.py") == []


def test_folders_without_migrations_in_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "r")
    layout_without_migrations_folders(repo)
    write(repo, "apps/.venv/lib/x/migrations/0001_initial.py", CLEAN)
    write(repo, ".gitignore", "ignored/\n")
    write(repo, "ignored/migrations/0001_initial.py", CLEAN)
    commit_all(repo)
    write(repo, "new/migrations/0001_initial.py", CLEAN)  # untracked
    monkeypatch.chdir(repo)
    assert empty_folders(repo, "src", "apps", "docs", "new", "apps/.venv") == [
        "src",
        "docs",
        "apps/.venv",
    ]
    assert empty_folders(repo, "ignored") == []  # walked: named on the command line
    assert empty_folders(repo, "src", extend_include=["src/**/db_migrations/*.py"]) == []
    assert empty_folders(repo, "apps", exclude=["apps/"]) == []
    # With --since, only the changed files are listed: a folder without any says nothing.
    assert empty_folders(repo, "src", "docs", changed=set()) == []


def test_missing_paths_are_reported(tmp_path: Path) -> None:
    files, missing = discover([tmp_path / "nope"], repo=None, root=tmp_path)
    assert (files, missing) == ([], [tmp_path / "nope"])


def test_symlink_loops_are_not_followed_forever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "shop/migrations/0001_initial.py", CLEAN)
    os.symlink(tmp_path, tmp_path / "shop" / "loop")
    monkeypatch.chdir(tmp_path)
    assert found(tmp_path) == ["shop/migrations/0001_initial.py"]


@pytest.mark.parametrize(
    ("rel", "pattern", "expected"),
    [
        ("a/migrations/0001.py", "a/migrations/*.py", True),
        ("x/a/migrations/0001.py", "**/migrations/*.py", True),
        ("a/migrations/0001.py", "**/a/migrations/*.py", True),
        ("a/legacy/m/0001.py", "legacy", True),
        ("a/legacy/m/0001.py", "a/legacy/", True),
        ("a/legacy/m/0001.py", "a/legacy", True),
        ("a/legacyx/m/0001.py", "legacy", False),
        ("b/a/legacy/0001.py", "a/legacy", False),
        ("a/m/0001_squashed.py", "*_squashed.py", True),
    ],
)
def test_glob_match(rel: str, pattern: str, expected: bool) -> None:
    assert glob_match(rel, pattern) is expected


def test_is_migration() -> None:
    assert is_migration(Path("a/migrations/0001_initial.py"))
    assert not is_migration(Path("a/migrations/__init__.py"))
    assert not is_migration(Path("a/migrations/notes.txt"))
    assert not is_migration(Path("a/models.py"))
    assert is_migration(Path("x/dbm/0001.py"), ["x/dbm/*.py"], Path.cwd())


def test_skip_dirs_cover_the_usual_suspects() -> None:
    assert {".git", ".venv", "venv", "node_modules", ".tox", "__pycache__"} <= discovery.SKIP_DIRS


def test_paths_are_sorted_as_path_objects_sort() -> None:
    from migration_fixer.discovery import _sorted

    relative = {Path("b/migrations/0001.py"), Path("a.b/x.py"), Path("a/b/x.py"), Path("-a/x.py")}
    assert (
        _sorted(relative)
        == sorted(relative)
        == [
            Path("-a/x.py"),
            Path("a/b/x.py"),
            Path("a.b/x.py"),
            Path("b/migrations/0001.py"),
        ]
    )
    mixed = {*relative, Path("/z/x.py"), Path("/a/x.py")}
    assert _sorted(mixed) == sorted(mixed)  # Python's own order (3.12 changed it)


def test_the_entries_of_a_migrations_folder_that_are_not_regular_files_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for app in ("walked", "named"):
        folder = tmp_path / app / "migrations"
        folder.mkdir(parents=True)
        (folder / "0001_initial.py").write_text("")
        os.mkfifo(folder / "0002_fifo.py")
        os.symlink(folder / "absent.py", folder / "0003_dangling.py")
        (folder / "0004_folder.py").mkdir()
        os.mkfifo(folder / "notes")
    monkeypatch.chdir(tmp_path)
    skipped: list[Path] = []
    listing = discover(
        [Path("walked"), Path("named/migrations/0001_initial.py")],
        repo=None,
        root=tmp_path,
        skipped=skipped,
    )
    assert listing == (
        [Path("named/migrations/0001_initial.py"), Path("walked/migrations/0001_initial.py")],
        [],
    )
    assert skipped == [
        Path(f"{app}/migrations/{name}")
        for app in ("named", "walked")
        for name in ("0002_fifo.py", "0003_dangling.py")
    ]


def _many_files(root: Path) -> None:
    """A project whose ``.py`` files are mostly no migrations, with names that come close."""
    for rel in [
        "shop/models.py",
        "shop/views.py",
        "shop/migrations/__init__.py",
        "shop/migrations/0001_initial.py",
        "shop/migrations/0002_more.py",
        "shop/migrations/README.txt",
        "shop/migrations_old/0001_initial.py",  # a folder whose name only starts so
        "shop/migrations/sub/0001_initial.py",  # below a migrations folder, not in it
        "migrations/0001_top.py",  # a migrations folder at the top
        "project/db_migrations/0001_initial.py",  # found only with extend-include
        "shop/migrations/.py",  # a name that is all suffix
    ]:
        write(root, rel, CLEAN)


@pytest.mark.parametrize("in_git", [False, True], ids=["walked", "git"])
def test_only_the_files_of_migrations_folders_become_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_git: bool
) -> None:
    root = init_repo(tmp_path / "r") if in_git else tmp_path / "r"
    _many_files(root)
    if in_git:
        commit_all(root)
    monkeypatch.chdir(root)
    made: list[str] = []
    real = discovery.Path

    class CountedPath(type(real())):  # type: ignore[misc]
        def __new__(cls, *parts: object) -> Path:
            made.append(os.path.join(*map(str, parts)))
            return real(*parts)  # type: ignore[arg-type]

    monkeypatch.setattr(discovery, "Path", CountedPath)
    assert found(root) == [
        "migrations/0001_top.py",
        "shop/migrations/0001_initial.py",
        "shop/migrations/0002_more.py",
    ]
    # No path was made for a file outside a folder named migrations.
    assert made != []
    assert [m for m in made if "views" in m or "models" in m or "_old" in m] == []
    # With extend-include every .py file is a candidate, as before.
    monkeypatch.setattr(discovery, "Path", real)
    assert found(root, extend_include=["project/db_migrations/*.py"]) == [
        "migrations/0001_top.py",
        "project/db_migrations/0001_initial.py",
        "shop/migrations/0001_initial.py",
        "shop/migrations/0002_more.py",
    ]


def test_git_lists_the_files_of_folders_of_a_name(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "r")
    _many_files(root)
    commit_all(root)
    write(root, "new/migrations/0001_initial.py", CLEAN)  # untracked
    write(root, "new/models.py", CLEAN)
    repo = open_repository(root)
    assert repo is not None
    top = repo.root
    assert repo.tracked([root], ".py", "migrations") == [
        top / "migrations/0001_top.py",
        top / "shop/migrations/.py",
        top / "shop/migrations/0001_initial.py",
        top / "shop/migrations/0002_more.py",
        top / "shop/migrations/__init__.py",
    ]
    assert repo.untracked([root], ".py", "migrations") == {top / "new/migrations/0001_initial.py"}
    assert len(repo.tracked([root], ".py")) == 10  # (every .py file without a folder name)


@pytest.mark.parametrize("in_git", [False, True], ids=["walked", "git"])
@pytest.mark.parametrize("where", [".", "../migrations", "../../shop/.."])
def test_a_run_from_inside_a_migrations_folder_finds_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_git: bool, where: str
) -> None:
    """``migration-fixer .`` in the folder itself: the folder is named ``.`` on the
    command line and the files' paths are shown relative to it (a run that found
    nothing said "No findings in 0 migration files")."""
    root = init_repo(tmp_path / "r") if in_git else tmp_path / "r"
    _many_files(root)
    if in_git:
        commit_all(root)
        write(root, "shop/migrations/0003_new.py", CLEAN)  # untracked
    monkeypatch.chdir(root / "shop" / "migrations")
    files, missing = discover(
        [Path(where)], repo=open_repository(Path(".")), root=Path(".").resolve()
    )
    assert missing == []
    new = ["shop/migrations/0003_new.py"] if in_git else []
    above = ["migrations/0001_top.py"] if where == "../../shop/.." else []
    expected = [*above, "shop/migrations/0001_initial.py", "shop/migrations/0002_more.py", *new]
    assert [f.resolve().relative_to(root.resolve()).as_posix() for f in files] == expected
    if where == ".":  # (shown relative to the folder itself)
        assert [f.as_posix() for f in files] == [
            p.removeprefix("shop/migrations/") for p in expected
        ]


def test_the_cli_run_from_inside_a_migrations_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "shop/migrations/0001_initial.py", BAD)
    monkeypatch.chdir(tmp_path / "shop" / "migrations")
    code, out, _ = invoke("--check", "--no-cache", "--no-progress", ".")
    assert code == 1
    assert (
        out.splitlines()[-1]
        == "Found 1 finding in 1 migration file (1 fixable with `migration-fixer`)."
    )


def test_git_names_at_the_top_are_in_the_repository_folder() -> None:
    from migration_fixer.git import _kept

    names = ["0001_initial.py", "app/migrations/0001_initial.py", "app/models.py", "README"]
    assert list(_kept(names, ".py", "migrations", "migrations")) == [
        "0001_initial.py",  # (the repository is a migrations folder)
        "app/migrations/0001_initial.py",
    ]
    assert list(_kept(names, ".py", "migrations", "project")) == ["app/migrations/0001_initial.py"]
    assert list(_kept(names, ".py", None, "project")) == names[:3]


def test_git_listed_files_that_are_not_regular_files_are_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "r")
    for rel in [
        "shop/migrations/0001_initial.py",
        "shop/migrations/0002_deleted.py",
        "shop/migrations/0003_now_a_folder.py",
        "shop/migrations/0004_kept.py",
        "env/pyvenv.cfg",
        "env/app/migrations/0001_initial.py",
    ]:
        write(repo, rel, CLEAN)
    commit_all(repo)
    (repo / "shop/migrations/0002_deleted.py").unlink()  # tracked, gone from the checkout
    (repo / "shop/migrations/0003_now_a_folder.py").unlink()
    (repo / "shop/migrations/0003_now_a_folder.py").mkdir()
    write(tmp_path, "elsewhere/0005_linked.py", CLEAN)
    (repo / "shop/migrations/0005_linked.py").symlink_to(tmp_path / "elsewhere/0005_linked.py")
    monkeypatch.chdir(repo)
    files, _ = discover([Path(".")], repo=open_repository(repo), root=repo)
    assert [f.as_posix() for f in files] == [
        "shop/migrations/0001_initial.py",
        "shop/migrations/0004_kept.py",
        "shop/migrations/0005_linked.py",  # untracked, a link to a regular file
    ]


@pytest.mark.parametrize(
    "texts",
    [
        pytest.param(
            ["b/migrations/0001.py", "a/migrations/0002.py", "a-b/migrations/x.py"], id="relative"
        ),
        pytest.param(["/p/b/migrations/0001.py", "/p/a/migrations/0001.py"], id="absolute"),
        pytest.param(["a/migrations/1.py", "/p/a/migrations/1.py"], id="mixed"),
        pytest.param(
            ["./a/migrations/1.py", "a/migrations/1.py", "a//migrations/2.py"], id="spelled twice"
        ),
        pytest.param([], id="none"),
    ],
)
def test_the_files_found_are_sorted_by_their_parts_each_once(texts: list[str]) -> None:
    from migration_fixer.discovery import _Found, _sorted

    found = _Found()
    for text in texts:
        found.add_text(text)
    assert found.sorted() == _sorted({Path(text) for text in texts})
    assert len(found.sorted()) == len({Path(text) for text in texts})
