"""The result cache: a second run reads no source it has seen, any change is seen, and a
broken or deleted cache is just recomputed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import migration_fixer.runner as runner
from migration_fixer.cache import CACHE_DIR_NAME
from migration_fixer.cli import cli

SQL = "from django.db import migrations\nops = [migrations.RunSQL('x')]\n"
INITIAL = (
    "from django.db import migrations, models\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = []\n"
    "    operations = [\n"
    "        migrations.CreateModel(\n"
    '            name="Product",\n'
    '            fields=[("id", models.AutoField(primary_key=True)), '
    '("sku", models.CharField(max_length=9))],\n'
    "        ),\n"
    "    ]\n"
)
REMOVE = (
    "from django.db import migrations\n\n\n"
    "class Migration(migrations.Migration):\n"
    '    dependencies = [("app", "0001_initial")]\n'
    '    operations = [migrations.RemoveField(model_name="product", name="sku")]\n'
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "app" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0001_initial.py").write_text(INITIAL)
    (folder / "0003_sql.py").write_text(SQL)
    monkeypatch.chdir(tmp_path)
    return tmp_path


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
    sql.write_text(SQL.replace("RunSQL('x')", "RunSQL('x', 'y')"))
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
    for pickle in (project / CACHE_DIR_NAME).rglob("*.pickle"):
        pickle.write_bytes(b"not a pickle")
    assert check() == first
    for pickle in (project / CACHE_DIR_NAME).rglob("*.pickle"):
        pickle.write_bytes(b"\x80\x05]\x94.")  # a pickled list, not the expected dict
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

    monkeypatch.setattr(cache.pickle, "dump", interrupted)
    result = CliRunner().invoke(cli, ["--check", "app"])
    assert result.exit_code == 130
    assert [p.name for p in project.rglob("*.tmp")] == []
    assert list((project / CACHE_DIR_NAME).rglob("*.pickle")) == []
