"""Migrations where ``MIGRATION_MODULES`` puts them (DefectDojo: ``dojo/db_migrations``),
read from the settings files without importing them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _git_helpers import project_outside_git
from click.testing import CliRunner

from migration_fixer.cli import cli
from migration_fixer.dialect import settings_files
from migration_fixer.migration_modules import (
    MigrationModule,
    include_patterns,
    migration_modules,
)

SETTINGS = """\
from .base import *  # noqa

MIGRATION_MODULES = {
    "shop": "shop.db_migrations",
    "blog": None,  # migrations turned off
    "auth": "django.contrib.auth.migrations",  # installed: no folder here
    "users": MODULE,
    1: "not.a.label",
}
MIGRATION_MODULES["legacy"] = "old.migrations_v1"
MIGRATION_MODULES: dict = {"shop": "shop.db_migrations"}
MIGRATION_MODULES["bad"] = "not a module"
"""


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_folders_the_setting_names(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "manage.py": "",
            "project/settings.py": SETTINGS,
            "project/broken_settings.py": "MIGRATION_MODULES = {\n",
            "project/dev_settings.py": "DEBUG = True\n",
            "project/other_settings.py": (
                "X: int\nOTHER = {'a': 'b'}\nMIGRATION_MODULES = DisableMigrations()\n"
            ),
            "shop/db_migrations/__init__.py": "",
            "old/migrations_v1/__init__.py": "",
        },
    )
    os.mkfifo(tmp_path / "project/fifo_settings.py")  # never read (it would block)
    found = migration_modules(tmp_path, settings_files(tmp_path))
    assert found == [
        MigrationModule(
            "shop", "shop.db_migrations", tmp_path / "shop/db_migrations", "project/settings.py:4"
        ),
        MigrationModule(
            "legacy",
            "old.migrations_v1",
            tmp_path / "old/migrations_v1",
            "project/settings.py:10",
        ),
    ]
    assert include_patterns(found, tmp_path) == [
        "shop/db_migrations/*.py",
        "old/migrations_v1/*.py",
    ]
    # A folder outside the configuration's root is no pattern; a glob character is escaped.
    assert include_patterns(found, tmp_path / "shop") == ["db_migrations/*.py"]
    odd = MigrationModule("x", "x", tmp_path / "a[1]", "s.py:1")
    assert include_patterns([odd], tmp_path) == ["a[[]1]/*.py"]


def test_the_nearest_folder_wins_and_the_search_stops_at_the_project(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "outside/shop/db_migrations/__init__.py": "",
            "outside/project/manage.py": "",
            "outside/project/conf/settings.py": (
                'MIGRATION_MODULES = {"shop": "shop.db_migrations"}\n'
            ),
            "outside/project/conf/shop/db_migrations/__init__.py": "",
        },
    )
    project = tmp_path / "outside/project"
    [found] = migration_modules(project, settings_files(project))
    assert found.folder == project / "conf/shop/db_migrations"
    (project / "conf/shop/db_migrations/__init__.py").unlink()
    (project / "conf/shop/db_migrations").rmdir()
    assert migration_modules(project, settings_files(project)) == []  # not above the project


def test_a_run_checks_the_migrations_the_setting_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migration = (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [migrations.RunSQL('UPDATE shop_item SET n = 0')]\n"
    )
    project_outside_git(
        tmp_path,
        monkeypatch,
        {
            "manage.py": "",
            "site/settings.py": 'MIGRATION_MODULES = {"shop": "shop.db_migrations"}\n',
            "shop/db_migrations/__init__.py": "",
            "shop/db_migrations/0001_initial.py": migration,
        },
    )
    result = CliRunner().invoke(cli, ["--check", "--no-cache", "--verbose", "."])
    assert result.exit_code == 1, result.output
    assert result.stdout == (
        "shop/db_migrations/0001_initial.py:5:19: MF002 `RunSQL` without `reverse_sql` cannot "
        "be reversed [fixable]\n"
        "Found 1 finding in 1 migration file (1 fixable with `migration-fixer`).\n"
    )
    assert (
        "note: migrations of shop in shop.db_migrations (MIGRATION_MODULES in site/settings.py:1)\n"
    ) in result.stderr
    (tmp_path / "site/settings.py").write_text("MIGRATION_MODULES = {}\n")
    result = CliRunner().invoke(cli, ["--check", "--no-cache", "."])
    assert (result.exit_code, result.stdout) == (0, "No findings in 0 migration files.\n")
