"""The result cache: a second run reads no source it has seen, any change is seen, and a
broken or deleted cache is just recomputed."""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from _git_helpers import INITIAL, project_outside_git, remove_sku
from click.testing import CliRunner

import migration_fixer.runner as runner
from migration_fixer.cache import CACHE_DIR_NAME
from migration_fixer.cli import cli

SQL = "from django.db import migrations\nops = [migrations.RunSQL('SELECT 1')]\n"
REMOVE = remove_sku("app")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # pyproject.toml: the project root, where the cache goes
    files = {"app/migrations/0001_initial.py": INITIAL, "app/migrations/0003_sql.py": SQL}
    return project_outside_git(tmp_path, monkeypatch, files)


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--check", *args, "app"])
    return result.exit_code, result.output


def count_processed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    seen: list[Path] = []
    real = runner.process_file

    def spy(path: Path, *args: object) -> runner.FileResult:
        seen.append(path)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "process_file", spy)
    return seen


def test_second_run_reuses_results_and_sees_every_change(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = check()
    assert (project / CACHE_DIR_NAME / ".gitignore").read_text().endswith("*\n")
    assert (project / CACHE_DIR_NAME / "CACHEDIR.TAG").is_file()
    seen = count_processed(monkeypatch)
    assert check() == first
    assert seen == []
    # A changed file is processed again, and only it.
    sql = project / "app" / "migrations" / "0003_sql.py"
    sql.write_text(SQL.replace("RunSQL('SELECT 1')", "RunSQL('SELECT 1', 'y')"))
    assert check() == (0, "No findings in 2 migration files.\n")
    assert seen == [Path("app/migrations/0003_sql.py")]
    # Other options, other results.
    seen.clear()
    assert check("--select", "MF001") == (0, "No findings in 2 migration files.\n")
    assert len(seen) == 2
    # --no-cache reads everything again and leaves the cache alone.
    seen.clear()
    check("--no-cache")
    assert len(seen) == 2


def test_a_new_sibling_migration_invalidates_mf003_results(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project / "app" / "migrations"
    (folder / "0003_sql.py").unlink()  # one leaf: 0002
    (folder / "0002_remove.py").write_text(REMOVE)
    (folder / "0003_remove_again.py").write_text(
        REMOVE.replace("0001_initial", "0002_remove").replace('"sku"', '"id"')
    )
    code, out = check()
    assert code == 1
    assert "MF003 removing `product.sku`" in out
    # The removed field becomes nullable in 0001: the same 0002 is now safe.
    (folder / "0001_initial.py").write_text(
        INITIAL.replace("max_length=9", "max_length=9, null=True")
    )
    seen = count_processed(monkeypatch)
    code, out = check()
    assert "product.sku" not in out
    assert Path("app/migrations/0002_remove.py") in seen


def test_a_drop_follows_the_create_in_an_earlier_migration(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project / "app" / "migrations"
    (folder / "0003_sql.py").unlink()
    create = REMOVE.replace(
        'migrations.RemoveField(model_name="product", name="sku")',
        'migrations.RunSQL("CREATE VIEW v AS SELECT 1", "DROP VIEW v")',
    )
    (folder / "0002_create.py").write_text(create)
    (folder / "0003_drop.py").write_text(
        REMOVE.replace("0001_initial", "0002_create").replace(
            'migrations.RemoveField(model_name="product", name="sku")',
            'migrations.RunSQL("DROP VIEW v")',
        )
    )
    diff = CliRunner().invoke(cli, ["--diff", "app"]).output
    assert '"DROP VIEW v", reverse_sql="CREATE VIEW v AS SELECT 1")' in diff
    # the CREATE changes: the DROP's result is computed again, with the new one
    (folder / "0002_create.py").write_text(create.replace("SELECT 1", "SELECT 2"))
    seen = count_processed(monkeypatch)
    diff = CliRunner().invoke(cli, ["--diff", "app"]).output
    assert '"DROP VIEW v", reverse_sql="CREATE VIEW v AS SELECT 2")' in diff
    assert sorted(seen) == [
        Path("app/migrations/0002_create.py"),
        Path("app/migrations/0003_drop.py"),
    ]


def test_mf003_results_follow_the_git_base(project: Path) -> None:
    folder = project / "app" / "migrations"
    (folder / "0003_sql.py").unlink()  # one leaf: 0002
    (folder / "0002_remove.py").write_text(REMOVE)
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "app/migrations/0001_initial.py"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"],
    ):
        subprocess.run(["git", *args], cwd=project, check=True)
    new = [line for line in check()[1].splitlines() if "MF003" in line]
    assert new[0].endswith("[fixable]")
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "all"],
        cwd=project,
        check=True,
    )
    merged = check()[1]
    assert "already on the base branch" in merged
    assert not next(line for line in merged.splitlines() if "MF003" in line).endswith("]")


def test_a_corrupt_or_deleted_cache_is_recomputed(project: Path) -> None:
    first = check()
    for data in (project / CACHE_DIR_NAME).rglob("*.json"):
        data.write_bytes(b"not json")
    assert check() == first
    for data in (project / CACHE_DIR_NAME).rglob("*.json"):
        data.write_bytes(b"[]")
    assert check() == first
    for path in sorted((project / CACHE_DIR_NAME).rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    assert check() == first


def test_an_interrupted_cache_write_leaves_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import migration_fixer.cache as cache

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cache, "_sign", interrupted)
    result = CliRunner().invoke(cli, ["--check", "app"])
    assert result.exit_code == 130
    assert [p.name for p in project.rglob("*.tmp")] == []
    assert list((project / CACHE_DIR_NAME).rglob("*.json")) == []


# -- a cache from the repository is never trusted (issue 13, items 1 and 3) --------------


def _cache_file(project: Path) -> Path:
    from migration_fixer import __version__, cache

    folder = (project / "app" / "migrations").resolve()
    return project / CACHE_DIR_NAME / __version__ / (cache._digest(str(folder).encode()) + ".json")


def test_a_committed_pickle_payload_is_never_executed(project: Path) -> None:
    import pickle

    from migration_fixer import __version__, cache

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (exec, ("open('pwned', 'w').write('ran')",))

    folder = (project / "app" / "migrations").resolve()
    name = cache._digest(str(folder).encode())
    target = project / CACHE_DIR_NAME / __version__
    target.mkdir(parents=True)
    for suffix in (".pickle", ".json"):
        (target / (name + suffix)).write_bytes(pickle.dumps(Payload()))
    code, out = check()
    assert (code, out) == check("--no-cache")
    assert out.endswith(
        "Found 1 finding in 2 migration files (1 fixable with `migration-fixer`).\n"
    )
    assert not (project / "pwned").exists()


def test_a_forged_cache_cannot_hide_findings(project: Path) -> None:
    """A cache file in the format, with keys computed like ours, but not signed with this
    user's secret (a pull request cannot know it): ignored, the findings stay."""
    first = check()
    assert first[0] == 1
    path = _cache_file(project)
    head, _, body = path.read_bytes().partition(b"\n")
    entries = json.loads(body)
    for entry in entries.values():
        entry[1]["findings"] = []
    forged = json.dumps(entries).encode()
    path.write_bytes(head + b"\n" + forged)  # the old signature: does not match
    assert check() == first
    from migration_fixer import cache

    path.write_bytes(head[: len(cache._MAGIC)] + b"0" * 128 + b"\n" + forged)
    assert check() == first


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: e.update(findings="x"),
        lambda e: e["findings"][0].update(line="2"),
        lambda e: e["findings"][0].update(line=True),
        lambda e: e["findings"][0].update({"@": "Problem"}),
        lambda e: e["findings"][0].update(extra=1),
        lambda e: e["findings"][0].pop("hint"),
        lambda e: e["findings"][0]["fix"]["edits"][0].update({"@": "NewFile"}),
        lambda e: e.update(path=None),
        lambda e: e.update(path=""),
        lambda e: e.clear(),
    ],
)
def test_a_wrong_shaped_entry_is_a_miss_never_a_traceback(project: Path, damage: Any) -> None:
    """Even signed with the right secret (say, written by an older copy of the code)."""
    from migration_fixer import cache

    first = check()
    path = _cache_file(project)
    _, _, body = path.read_bytes().partition(b"\n")
    entries = json.loads(body)
    entry = entries[str(Path("app/migrations/0003_sql.py"))][1]
    damage(entry)
    body = json.dumps(entries).encode()
    secret, _ = cache.load_secret()
    assert secret is not None
    path.write_bytes(cache._MAGIC + cache._sign(secret, path.name, body) + b"\n" + body)
    assert check() == first


def test_cached_values_round_trip_exactly(project: Path) -> None:
    from migration_fixer.cache import from_data, to_data

    options = runner.Options(select=frozenset({"MF002"}), rewrite=True)
    result = runner.process_file(Path("app/migrations/0003_sql.py"), options)
    assert result.change is not None
    assert result.findings[0].fix is not None
    data = json.loads(json.dumps(to_data(result)))
    assert from_data(data, runner.FileResult) == result


def test_a_symlinked_cache_folder_turns_the_cache_off(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (project / CACHE_DIR_NAME).symlink_to(outside, target_is_directory=True)
    result = CliRunner().invoke(cli, ["--check", "--verbose", "app"])
    assert result.exit_code == 1
    note = f"note: cache off for this run: {project / CACHE_DIR_NAME} is a symlink\n"
    assert result.output.count(note) == 1
    assert list(outside.iterdir()) == []
    # Said only with --verbose.
    assert "cache off" not in CliRunner().invoke(cli, ["--check", "app"]).output


@pytest.mark.parametrize("name", [".gitignore", "CACHEDIR.TAG"])
def test_a_symlink_in_the_cache_folder_creates_nothing(
    project: Path, tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    target = tmp_path_factory.mktemp("outside") / "victim"
    (project / CACHE_DIR_NAME).mkdir()
    (project / CACHE_DIR_NAME / name).symlink_to(target)
    result = CliRunner().invoke(cli, ["--check", "--verbose", "app"])
    assert not target.exists()
    assert result.exit_code == 1
    assert f"note: cache off for this run: {project / CACHE_DIR_NAME / name} is a symlink\n" in (
        result.output
    )


def test_a_fifo_in_the_cache_is_skipped(project: Path) -> None:
    first = check()
    path = _cache_file(project)
    path.unlink()
    os.mkfifo(path)
    assert check() == first  # no hang


def test_no_cache_is_left_in_a_folder_that_is_no_project(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").unlink()
    assert check()[0] == 1
    assert not (project / CACHE_DIR_NAME).exists()
    assert "note: cache off" not in CliRunner().invoke(cli, ["--check", "-v", "app"]).output


def test_a_secret_that_others_can_read_turns_the_cache_off(project: Path) -> None:
    from migration_fixer import cache

    assert cache.load_secret()[0] is not None
    path = cache.secret_path()
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o644)
    try:
        result = CliRunner().invoke(cli, ["--check", "-v", "app"])
        assert f"note: cache off for this run: the cache secret {path} is readable by others\n" in (
            result.output
        )
        assert not (project / CACHE_DIR_NAME).exists()
    finally:
        path.chmod(0o600)


# -- the codec and the secret, shape by shape ------------------------------------------------


class _Color(enum.Enum):
    RED = "red"


@dataclass(frozen=True)
class _Leaf:
    name: str
    size: int = 0


@dataclass(frozen=True)
class _Shapes:
    flag: bool
    ratio: float
    where: Path
    color: _Color
    kind: Literal["safe", "unsafe"]
    pair: tuple[int, str]
    many: tuple[_Leaf, ...]
    names: frozenset[str]
    table: dict[str, int]
    either: _Leaf | int | None
    items: list[str] = field(default_factory=list)


_SAMPLE = _Shapes(
    True,
    0.5,
    Path("a/b.py"),
    _Color.RED,
    "safe",
    (1, "x"),
    (_Leaf("l", 2),),
    frozenset({"b", "a"}),
    {"k": 1},
    _Leaf("e"),
    ["i"],
)


def test_every_shape_round_trips() -> None:
    from migration_fixer.cache import from_data, to_data

    data = json.loads(json.dumps(to_data(_SAMPLE)))
    assert data["names"] == ["a", "b"]
    assert from_data(data, _Shapes) == _SAMPLE
    for either in (None, 3):
        value = dataclasses.replace(_SAMPLE, either=either)
        assert from_data(to_data(value), _Shapes) == value


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("flag", 1),
        ("ratio", "0.5"),
        ("where", ""),
        ("where", "a\0b"),
        ("color", "blue"),
        ("kind", "other"),
        ("pair", [1]),
        ("pair", {"0": 1}),
        ("many", [{"@": "_Leaf", "name": "l"}]),
        ("many", [{"@": "_Leaf", "name": "l", "sise": 2}]),
        ("many", [{"@": "_Other", "name": "l", "size": 2}]),
        ("names", "ab"),
        ("table", [["k", 1]]),
        ("table", {"k": "1"}),
        ("either", "x"),
        ("either", {"@": "_Leaf"}),
        ("items", None),
    ],
)
def test_every_wrong_shape_is_refused(name: str, bad: object) -> None:
    from migration_fixer.cache import ShapeError, from_data, to_data

    data = to_data(_SAMPLE)
    data[name] = bad
    with pytest.raises(ShapeError):
        from_data(data, _Shapes)


def test_values_of_other_types_are_not_cached() -> None:
    from migration_fixer.cache import ShapeError, from_data, to_data

    for value in (object(), {1: 2}, b"bytes"):
        with pytest.raises(TypeError):
            to_data(value)
    with pytest.raises(ShapeError):
        from_data(1, Any)
    with pytest.raises(ShapeError):
        from_data(1, set[int])
    with pytest.raises(ShapeError):
        from_data(1, bytes)


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda p: p.write_text("short"), "is damaged (delete it to make a new one)"),
        (lambda p: p.write_text("z" * 64), "is damaged (delete it to make a new one)"),
        (
            lambda p: (p.unlink(), p.symlink_to(p.parent / "elsewhere")),
            "",
        ),
        (lambda p: (p.unlink(), os.mkfifo(p)), "is not a regular file"),
    ],
)
def test_a_damaged_secret_turns_the_cache_off(
    project: Path,
    damage: Any,
    why: str,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from migration_fixer import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))
    path = cache.secret_path()
    assert cache.load_secret()[0] is not None
    damage(path)
    secret, reason = cache.load_secret()
    assert secret is None
    assert reason.startswith(f"the cache secret {path} " if why else "cannot use the cache secret")
    assert reason.endswith(why)
    assert check()[0] == 1
    assert not (project / CACHE_DIR_NAME).exists()


def test_a_secret_inside_the_repository_is_not_used(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from migration_fixer import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(project / ".cache"))
    secret, reason = cache.load_secret(project)
    assert secret is None
    assert reason == f"the cache secret {cache.secret_path()} is inside the repository"


@pytest.mark.parametrize("kind", ["file", "fifo"])
def test_a_cache_path_of_the_wrong_kind_turns_the_cache_off(project: Path, kind: str) -> None:
    from migration_fixer import cache

    root = project / CACHE_DIR_NAME
    if kind == "file":
        root.write_text("")
        assert cache.check_dir(root) == f"{root} is not a folder"
    else:
        root.mkdir()
        os.mkfifo(root / ".gitignore")
        assert cache.check_dir(root) == f"{root / '.gitignore'} is not a regular file"
    assert check()[0] == 1
