"""Helpers for the end-to-end tests: scratch databases, project copies, real `manage.py` runs.

Everything here runs Django in a *subprocess* (``sys.executable``), never in the pytest process: the
static side of migration-fixer must not import Django, and each run must see a fresh interpreter,
exactly like a user's `manage.py migrate`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_PROJECT = REPO_ROOT / "examples" / "demo_project"

#: Set to 1 (CI does) to turn "database server not reachable" from a skip into a failure.
REQUIRE_DBS_ENV = "MIGRATION_FIXER_REQUIRE_DBS"

BACKENDS = ("sqlite", "postgresql", "mariadb")

#: Variables read by examples/demo_project/demo/settings.py.
SETTINGS_ENV_VARS = (
    "MF_DB_ENGINE",
    "MF_DB_NAME",
    "MF_DB_HOST",
    "MF_DB_PORT",
    "MF_DB_USER",
    "MF_DB_PASSWORD",
)

SUBPROCESS_TIMEOUT = 600


class BackendUnavailable(Exception):
    """The database server (or its Python driver) cannot be used; the message says why."""


def dbs_required() -> bool:
    return os.environ.get(REQUIRE_DBS_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


class _Connection(Protocol):
    def cursor(self) -> Any: ...
    def close(self) -> Any: ...


@dataclass(frozen=True)
class Server:
    """Where a database server listens. Overridable with MIGRATION_FIXER_<PG|MYSQL>_<FIELD>."""

    label: str
    host: str
    port: int
    user: str
    password: str

    @classmethod
    def from_env(cls, prefix: str, label: str, port: int, user: str) -> Server:
        env = os.environ
        return cls(
            label=label,
            host=env.get(f"MIGRATION_FIXER_{prefix}_HOST", "127.0.0.1"),
            port=int(env.get(f"MIGRATION_FIXER_{prefix}_PORT", str(port))),
            user=env.get(f"MIGRATION_FIXER_{prefix}_USER", user),
            password=env.get(f"MIGRATION_FIXER_{prefix}_PASSWORD", ""),
        )

    @property
    def where(self) -> str:
        return f"{self.label} not reachable at {self.host}:{self.port}"


def postgres_server() -> Server:
    return Server.from_env("PG", "PostgreSQL", 5432, "postgres")


def mariadb_server() -> Server:
    return Server.from_env("MYSQL", "MariaDB/MySQL", 3306, "root")


def _connect_postgres(server: Server, dbname: str) -> _Connection:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BackendUnavailable(f"{server.where}: psycopg is not installed ({exc})") from exc
    try:
        return psycopg.connect(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            dbname=dbname,
            autocommit=True,
            connect_timeout=5,
        )
    except psycopg.Error as exc:
        raise BackendUnavailable(f"{server.where}: {exc}".strip()) from exc


def _connect_mariadb(server: Server, dbname: str | None) -> _Connection:
    try:
        import MySQLdb  # type: ignore[import-untyped, unused-ignore]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BackendUnavailable(f"{server.where}: mysqlclient is not installed ({exc})") from exc
    kwargs: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "password": server.password,
        "charset": "utf8mb4",
        "autocommit": True,
        "connect_timeout": 5,
    }
    if dbname:
        kwargs["database"] = dbname
    try:
        return MySQLdb.connect(**kwargs)  # type: ignore[no-any-return]
    except MySQLdb.Error as exc:
        raise BackendUnavailable(f"{server.where}: {exc}") from exc


def _run_admin(conn: _Connection, *statements: str) -> None:
    cur = conn.cursor()
    try:
        for statement in statements:
            cur.execute(statement)
    finally:
        cur.close()


@dataclass
class DbBackend:
    """A scratch database that exists for one test. `env` configures demo/settings.py for it."""

    name: str  # "sqlite" | "postgresql" | "mariadb" (the test id)
    vendor: str  # Django's connection.vendor: "sqlite" | "postgresql" | "mysql"
    database: str  # database name, or the SQLite file path
    env: dict[str, str]
    server: Server | None = None
    _conn: _Connection | None = field(default=None, repr=False)

    # -- direct driver access (no Django), for asserting on what is really in the tables --------
    def connect(self) -> _Connection:
        if self.vendor == "sqlite":
            return sqlite3.connect(self.database, isolation_level=None)
        assert self.server is not None
        if self.vendor == "postgresql":
            return _connect_postgres(self.server, self.database)
        return _connect_mariadb(self.server, self.database)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (``%s`` placeholders on every backend) and return all rows.

        A new connection per call: the test never sees a snapshot older than the last migrate.
        """
        if self.vendor == "sqlite":
            sql = sql.replace("%s", "?")
        conn = self.connect()
        try:
            cur = conn.cursor()
            try:
                cur.execute(sql, tuple(params))
                rows = cur.fetchall() if cur.description is not None else []
                return [tuple(row) for row in rows]
            finally:
                cur.close()
        finally:
            conn.close()

    def count(self, table: str) -> int:
        (row,) = self.query(f"SELECT COUNT(*) FROM {self.quote(table)}")
        return int(row[0])

    def tables(self) -> set[str]:
        if self.vendor == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        elif self.vendor == "postgresql":
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        else:
            sql = "SHOW TABLES"
        return {str(row[0]) for row in self.query(sql)}

    def quote(self, name: str) -> str:
        return f"`{name}`" if self.vendor == "mysql" else f'"{name}"'


def unique_db_name() -> str:
    return f"mf_e2e_{os.getpid()}_{uuid.uuid4().hex[:10]}"


@contextmanager
def scratch_database(backend: str, tmp_path: Path) -> Iterator[DbBackend]:
    """Create a uniquely named, empty database for `backend`, yield it, then drop it.

    Raises BackendUnavailable when the server or its driver cannot be used.
    """
    if backend == "sqlite":
        path = tmp_path / "scratch.sqlite3"
        yield DbBackend(
            name=backend,
            vendor="sqlite",
            database=str(path),
            env={"MF_DB_ENGINE": "sqlite", "MF_DB_NAME": str(path)},
        )
        return

    if backend == "postgresql":
        server, vendor, engine = postgres_server(), "postgresql", "postgresql"
        admin = _connect_postgres(server, "postgres")
        create = 'CREATE DATABASE "{0}"'
        drop = 'DROP DATABASE IF EXISTS "{0}" WITH (FORCE)'
    elif backend == "mariadb":
        server, vendor, engine = mariadb_server(), "mysql", "mysql"
        admin = _connect_mariadb(server, None)
        create = "CREATE DATABASE `{0}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        drop = "DROP DATABASE IF EXISTS `{0}`"
    else:
        raise ValueError(f"unknown backend {backend!r}")

    name = unique_db_name()
    try:
        _run_admin(admin, create.format(name))
        yield DbBackend(
            name=backend,
            vendor=vendor,
            database=name,
            server=server,
            env={
                "MF_DB_ENGINE": engine,
                "MF_DB_NAME": name,
                "MF_DB_HOST": server.host,
                "MF_DB_PORT": str(server.port),
                "MF_DB_USER": server.user,
                "MF_DB_PASSWORD": server.password,
            },
        )
    finally:
        try:
            _run_admin(admin, drop.format(name))
        finally:
            admin.close()


# -- projects and subprocesses --------------------------------------------------------------------


class CommandResult(NamedTuple):
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        """For assertion messages."""
        parts = [f"exit {self.returncode}", "--- stdout ---", self.stdout, "--- stderr ---"]
        return "\n".join([*parts, self.stderr])


def copy_project(dest: Path, source: Path = DEMO_PROJECT) -> Path:
    """Copy a Django project (the demo by default) to `dest`, without caches or databases."""
    shutil.copytree(
        source,
        dest,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "db.sqlite3*"),
    )
    return dest


def subprocess_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SETTINGS_ENV_VARS and key != "DJANGO_SETTINGS_MODULE"
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def run_python(
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = SUBPROCESS_TIMEOUT,
) -> CommandResult:
    proc = subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=cwd,
        env=subprocess_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CommandResult(proc.returncode, proc.stdout, proc.stderr)


def run_manage(
    project: Path,
    *args: str,
    db: DbBackend,
    settings: str = "demo.settings",
    timeout: float = SUBPROCESS_TIMEOUT,
) -> CommandResult:
    """Run the project's real `manage.py` with `args` against `db`."""
    env = {**db.env, "DJANGO_SETTINGS_MODULE": settings}
    return run_python(["manage.py", *args], cwd=project, env=env, timeout=timeout)


def run_fixer(*args: str | os.PathLike[str], cwd: Path) -> CommandResult:
    """Run `python -m migration_fixer ARGS` (normally installed editable; the checkout is on
    PYTHONPATH as a fallback)."""
    pythonpath = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return run_python(["-m", "migration_fixer", *args], cwd=cwd, env={"PYTHONPATH": pythonpath})
