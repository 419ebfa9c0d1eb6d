"""Shared scaffolding for the MF003 tests: a real git repository whose base commit holds
an app's earlier migrations, with the migrations under test left uncommitted, and the
CLI run through click's runner from inside it."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import pytest
from _git_helpers import commit_all, git, init_repo, write
from click.testing import CliRunner, Result

from migration_fixer import __version__
from migration_fixer.cli import cli

FOLDER = "shop/migrations"

CHAR_MSG = (
    "non-null `{cls}` with no default{dropped}: re-adding it fails on SQLite and PostgreSQL, "
    "and MySQL/MariaDB silently fill every row with {fill}"
)
FK_MSG = (
    "non-null `{cls}` has no value for existing rows: re-adding it fails on every database "
    "(a foreign key cannot be filled with a placeholder)"
)
UNIQUE_MSG = (
    "`{cls}(unique=True)` with a default: every existing row would get the same value, "
    "and the unique constraint refuses it"
)
CANNOT_HINT = "check the field by hand; if it is non-null without a default, split the removal"

#: The findings' messages for the usual fields.
CHAR = CHAR_MSG.format(cls="CharField", fill="''", dropped="")
INTEGER = CHAR_MSG.format(cls="IntegerField", fill="0", dropped="")
FK = FK_MSG.format(cls="ForeignKey")
#: A CreateModel of a ``Category`` model, for foreign keys to point at.
CATEGORY = (
    "        migrations.CreateModel(\n"
    '            name="Category",\n'
    '            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],\n'
    "        ),\n"
)


#: Three fields of ``Product``: a CharField, an IntegerField and one with a long name.
FIELDS = (
    '("sku", models.CharField(max_length=32))',
    '("stock", models.IntegerField())',
    '("a_rather_long_field_name", models.IntegerField())',
)


def initial(
    *fields: str,
    model: str = "Product",
    imports: str = "",
    extra: str = "",
    key: str = "models.BigAutoField(primary_key=True, serialize=False)",
) -> str:
    """A Django-style 0001_initial creating ``model`` with ``fields`` (``("name", expr)``
    source lines) after its ``id`` field ``key`` and, with ``extra``, more operations
    after it."""
    body = "".join(f"                {f},\n" for f in fields)
    return (
        "from django.db import migrations, models\n"
        f"{imports}"
        "\n\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n\n"
        "    dependencies = []\n\n"
        "    operations = [\n"
        "        migrations.CreateModel(\n"
        f'            name="{model}",\n'
        "            fields=[\n"
        f'                ("id", {key}),\n'
        f"{body}"
        "            ],\n"
        "        ),\n"
        f"{extra}"
        "    ]\n"
    )


def migration(
    *operations: str,
    deps: str = '("shop", "0001_initial")',
    imports: str = "from django.db import migrations\n",
    head: str = "",
) -> str:
    """A migration with ``operations`` (one source line each)."""
    ops = "".join(f"        {op},\n" for op in operations)
    return (
        f"{imports}\n\n{head}"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [{deps}]\n\n"
        "    operations = [\n"
        f"{ops}"
        "    ]\n"
    )


def class_body_migration(body: str, head: str = "") -> str:
    """A migration after shop's 0001 whose class body is ``body`` (lines indented by four
    spaces; the ``dependencies`` on line 5, ``body`` from line 7), with ``head`` between
    the imports and the class."""
    return (
        "from django.db import migrations, models\n\n\n"
        f"{head}"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n\n'
        f"{body}"
    )


def remove(field: str, model: str = "product") -> str:
    return f'migrations.RemoveField(model_name="{model}", name="{field}")'


def make_repo(
    root: Path,
    base: Mapping[str, str],
    new: Mapping[str, str] = {},
    *,
    folder: str = FOLDER,
    files: Mapping[str, str] = {},
) -> Path:
    """A git repository: ``base`` (file names in ``folder``, or repo-relative paths with
    a slash) and ``files`` (repo-relative) committed, ``new`` written but not committed."""
    repo = init_repo(root)
    if folder:
        write(repo, f"{folder}/__init__.py", "")
    for rel, text in files.items():
        write(repo, rel, text)
    for rel, text in base.items():
        write(repo, rel if "/" in rel else f"{folder}/{rel}", text)
    commit_all(repo, "base")
    for rel, text in new.items():
        write(repo, rel if "/" in rel else f"{folder}/{rel}", text)
    return repo


def run(monkeypatch: pytest.MonkeyPatch, repo: Path, *args: str) -> Result:
    """The CLI, run from ``repo``; never a traceback."""
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def read(repo: Path, rel: str, folder: str = FOLDER) -> str:
    return (repo / folder / rel).read_bytes().decode("utf-8")


def listing(repo: Path, folder: str = FOLDER) -> list[str]:
    return sorted(p.name for p in (repo / folder).glob("*.py"))


def assert_compiles(repo: Path) -> None:
    for path in repo.rglob("*.py"):
        compile(ast.parse(path.read_bytes()), str(path), "exec")


def status(repo: Path) -> str:
    return git(repo, "status", "--porcelain", "--untracked-files=all")


def versioned(text: str) -> str:
    return text.replace("{version}", __version__)


def drop_file(
    source: str,
    removals: list[tuple[str, str]],
    *,
    label: str = "shop",
    depends_on: str | None = None,
    marker: str = "    post_deploy = True\n",
    imports: str = "from django.db import migrations\n",
    quote: str = '"',
) -> str:
    """The text of the deferred drop migration MF003 creates (its strings between
    ``quote`` characters)."""
    q = quote
    ops = "".join(
        "        migrations.RemoveField(\n"
        f"            model_name={q}{model}{q},\n"
        f"            name={q}{field}{q},\n"
        "        ),\n"
        for model, field in removals
    )
    return (
        f"# Generated by migration-fixer {__version__}: the deferred drop from {source}\n\n"
        f"{imports}\n\n"
        "class Migration(migrations.Migration):\n"
        "    # The contract step of an expand/contract split (migration-fixer MF003): run it\n"
        f"    # in a deploy after the one that applies {source}, once no running\n"
        "    # code reads the removed column.\n"
        f"{marker}\n"
        "    dependencies = [\n"
        f"        ({q}{label}{q}, {q}{depends_on or source}{q}),\n"
        "    ]\n\n"
        "    operations = [\n"
        f"{ops}"
        "    ]\n"
    )


def plan_hint(source: str, drop: str) -> str:
    return (
        f"deploy {source}.py (the field stays, nullable) in this release; {drop}.py drops "
        "it and is marked to run after the deploy: ship it in a later release, once no "
        "running code reads the column"
    )
