"""The deploy-side test project (tests/e2e/deploy_project: apps alpha, beta, gamma, two database
aliases) and helpers to write its migrations and run its manage.py. Django runs in subprocesses,
like a deploy script's `manage.py migrate`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .harness import CommandResult, DbBackend, copy_project, run_python, subprocess_env

DEPLOY_PROJECT = Path(__file__).resolve().parent / "deploy_project"


def _sigint_default() -> None:
    """In a child before ``exec``: SIGINT handled the default way (see ``popen``)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _one_model(name: str, field: str) -> str:
    """An initial migration (indented, as :data:`INITIAL` holds them) creating the model
    ``name`` with an id and ``field``."""
    return f"""\
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            operations = [
                migrations.CreateModel(
                    name="{name}",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        {field},
                    ],
                ),
            ]
        """


#: The first migration of each app: beta.Owner <- alpha.Item (FK, unique name, index, check);
#: gamma.Tag.
INITIAL = {
    "beta": ("0001_initial", _one_model("Owner", '("email", models.EmailField(max_length=100))')),
    "alpha": (
        "0001_initial",
        """\
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = [("beta", "0001_initial")]
            operations = [
                migrations.CreateModel(
                    name="Item",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("name", models.CharField(max_length=32, unique=True)),
                        ("qty", models.IntegerField(default=0, db_default=0)),
                        ("note", models.TextField(null=True)),
                        ("owner", models.ForeignKey("beta.owner", on_delete=models.CASCADE)),
                    ],
                    options={
                        "indexes": [models.Index(fields=["qty", "-name"], name="alpha_qty_idx")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(qty__gte=0), name="alpha_qty_gte_0"
                            )
                        ],
                    },
                ),
            ]
        """,
    ),
    "gamma": ("0001_initial", _one_model("Tag", '("label", models.CharField(max_length=20))')),
}


def migration_source(
    dependencies: Sequence[tuple[str, str]],
    operations: str,
    *,
    header: str = "",
    attributes: str = "",
) -> str:
    """A migration module: `operations` is the text inside ``operations = [...]``; `header`
    goes after ``from django.db import migrations, models``; `attributes` into the class."""
    deps = "".join(f"        ({app!r}, {name!r}),\n" for app, name in dependencies)
    return (
        "from django.db import migrations, models\n"
        + textwrap.dedent(header)
        + "\n\nclass Migration(migrations.Migration):\n"
        + textwrap.indent(textwrap.dedent(attributes), "    ")
        + f"    dependencies = [\n{deps}    ]\n"
        + "    operations = [\n"
        + textwrap.indent(textwrap.dedent(operations), "        ")
        + "    ]\n"
    )


def _alias_env(db: DbBackend, prefix: str) -> dict[str, str]:
    return {key.replace("MF_DB_", f"{prefix}_", 1): value for key, value in db.env.items()}


@dataclass
class DeployProject:
    root: Path
    db: DbBackend
    other: DbBackend | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(
        cls, tmp_path: Path, db: DbBackend, other: DbBackend | None = None, initial: bool = True
    ) -> DeployProject:
        project = cls(copy_project(tmp_path / "project", DEPLOY_PROJECT), db, other)
        if initial:
            for app, (name, source) in INITIAL.items():
                project.write(app, name, textwrap.dedent(source))
        return project

    def write(self, app: str, name: str, source: str) -> Path:
        path = self.root / app / "migrations" / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        return path

    def remove(self, app: str, name: str) -> None:
        (self.root / app / "migrations" / f"{name}.py").unlink()

    def env(self) -> dict[str, str]:
        env = {**self.db.env, "DJANGO_SETTINGS_MODULE": "deployproj.settings"}
        if self.other is not None:
            env.update(_alias_env(self.other, "MF_OTHER_DB"))
        else:
            env["MF_OTHER_DB_NAME"] = str(self.root / "other.sqlite3")
        return {**env, **self.extra_env}

    def manage(self, *args: str, timeout: float = 300) -> CommandResult:
        return run_python(["manage.py", *args], cwd=self.root, env=self.env(), timeout=timeout)

    def popen(
        self,
        *args: str,
        stdout: IO[str] | int = subprocess.PIPE,
        stderr: IO[str] | int = subprocess.PIPE,
    ) -> subprocess.Popen[str]:
        """Start manage.py without waiting (concurrent runs, Ctrl-C); its output in pipes, or
        in the files given (read while it runs)."""
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=self.root,
            env=subprocess_env(self.env()),
            stdout=stdout,
            stderr=stderr,
            text=True,
            # A shell that starts a command in the background (``cmd &``, ``nohup``) makes it
            # ignore SIGINT, and Python then never raises KeyboardInterrupt: the Ctrl-C
            # tests would see a deploy that cannot be interrupted. Give the child the
            # default disposition, as a terminal's foreground job has.
            preexec_fn=_sigint_default,
        )

    @staticmethod
    def interrupt(proc: subprocess.Popen[str]) -> None:
        os.kill(proc.pid, signal.SIGINT)

    def rolls_back_to_the_same_schema(
        self,
        app: str,
        target: str,
        snapshot: Path,
        after_forward: Callable[[], None] = lambda: None,
        after_back: Callable[[], None] = lambda: None,
    ) -> None:
        """``app`` at ``target`` (every other app forward), its schema snapshot written to
        ``snapshot``; then twice: forward (and ``after_forward()``), back to ``target``,
        and the schema equals the snapshot (and ``after_back()``)."""
        for args in ((app, target), (), (app, target)):
            result = self.manage("migrate", *args, "-v0")
            assert result.returncode == 0, result.describe()
        result = self.manage("schema_snapshot", "--output", str(snapshot))
        assert result.returncode == 0, result.describe()
        for _ in range(2):
            result = self.manage("migrate", app, "-v0")
            assert result.returncode == 0, result.describe()
            after_forward()
            result = self.manage("migrate", app, target, "-v0")
            assert result.returncode == 0, result.describe()
            same = self.manage("schema_snapshot", "--compare", str(snapshot))
            assert same.returncode == 0, same.describe()
            after_back()

    def applied(self, db: DbBackend | None = None) -> list[str]:
        """``app.name`` of every applied migration of the project's apps, sorted."""
        rows = (db or self.db).query("SELECT app, name FROM django_migrations")
        return sorted(f"{app}.{name}" for app, name in rows if app in ("alpha", "beta", "gamma"))
