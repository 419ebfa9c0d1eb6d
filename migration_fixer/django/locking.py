"""One deploy at a time per database: a lock held for the whole ``migrate_or_rollback`` run.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``), on a connection of its
  own, keyed by a hash of the database name;
- MySQL/MariaDB: a named lock (``GET_LOCK``), on a connection of its own;
- SQLite: an exclusive ``flock`` on the database file (SQLite's own locks are byte-range locks,
  which ``flock`` does not touch); an in-memory database needs none.

Another backend gets no lock (the caller is told, see :func:`deploy_lock`). The lock is
cooperative: it keeps two ``migrate_or_rollback`` runs apart, not a plain ``migrate``.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

#: How long the first waits between attempts last (seconds); doubled up to the maximum.
POLL_FIRST, POLL_MAX = 0.05, 1.0


class LockTimeout(Exception):
    """The lock was not obtained within the timeout; the message says which database."""


def lock_name(connection: BaseDatabaseWrapper) -> str:
    """The lock's name for MySQL (at most 64 characters) and the seed of PostgreSQL's key."""
    name = str(connection.settings_dict.get("NAME") or "")
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    return f"migration-fixer:migrate:{digest}"


def _advisory_key(connection: BaseDatabaseWrapper) -> int:
    digest = hashlib.sha256(lock_name(connection).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def deploy_lock(
    using: str,
    timeout: float,
    *,
    on_wait: Callable[[], None] | None = None,
    on_unsupported: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the deploy lock of database `using` for the duration of the block.

    Waits up to `timeout` seconds while another run holds it, calling `on_wait` once when it has
    to wait; raises :class:`LockTimeout` after that. `on_unsupported` is called (with the
    vendor) for a backend without a lock, and the block then runs unlocked.
    """
    connection = connections[using]
    wait = _Wait(using, timeout, time.monotonic() + max(timeout, 0.0), on_wait)
    vendor = connection.vendor
    if vendor == "sqlite":
        with _sqlite_lock(connection, wait):
            yield
    elif vendor in ("postgresql", "mysql"):
        with _server_lock(connection, wait):
            yield
    else:
        if on_unsupported is not None:
            on_unsupported(vendor)
        yield


@dataclass(frozen=True)
class _Wait:
    """How long a run waits for the lock of database `using` (`timeout` seconds, until the
    `deadline` of :func:`time.monotonic`), and `on_wait`, called once when it has to wait."""

    using: str
    timeout: float
    deadline: float
    on_wait: Callable[[], None] | None

    def until(self, attempt: Callable[[], bool]) -> None:
        """Call `attempt` until it takes the lock (returns True), pausing longer each time;
        raise :class:`LockTimeout` at the deadline."""
        pause = POLL_FIRST
        if attempt():
            return
        if self.on_wait is not None:
            self.on_wait()
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise LockTimeout(
                    f"another migrate_or_rollback has held the lock of database '{self.using}' "
                    f"for more than {self.timeout:g} s: giving up (raise --lock-timeout to wait "
                    "longer)"
                )
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, POLL_MAX)
            if attempt():
                return


@contextmanager
def _sqlite_lock(connection: BaseDatabaseWrapper, wait: _Wait) -> Iterator[None]:
    path = str(connection.settings_dict.get("NAME") or "")
    if not path or getattr(connection, "is_in_memory_db", lambda: False)():
        yield
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    # Opening for append creates the file if needed, as SQLite would on connecting.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:

        def attempt() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        wait.until(attempt)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _server_lock(connection: BaseDatabaseWrapper, wait: _Wait) -> Iterator[None]:
    # A connection of its own: the migrations may close or reset Django's connection, and a
    # session lock must outlive that.
    own: Any = connection.copy(f"{wait.using}:migration-fixer-lock")
    own.ensure_connection()
    try:
        with own.cursor() as cursor:
            if connection.vendor == "postgresql":
                key = _advisory_key(connection)

                def attempt() -> bool:
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                    return cursor.fetchone()[0] is True

                release: tuple[str, list[Any]] = ("SELECT pg_advisory_unlock(%s)", [key])
            else:
                name = lock_name(connection)

                def attempt() -> bool:
                    cursor.execute("SELECT GET_LOCK(%s, 0)", [name])
                    return bool(cursor.fetchone()[0] == 1)

                release = ("SELECT RELEASE_LOCK(%s)", [name])
            wait.until(attempt)
            try:
                yield
            finally:
                cursor.execute(*release)
    finally:
        own.close()
