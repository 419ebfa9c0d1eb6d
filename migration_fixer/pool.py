"""A process pool in which a worker that dies costs only the task it was running.

``concurrent.futures.ProcessPoolExecutor`` breaks as a whole when one worker dies (a
native parser's stack overflow, the out-of-memory killer): every pending task fails with
``BrokenProcessPool`` and nobody knows which task killed it. Here each worker has its
own pipe, so the task that was running when a worker died is known exactly; it comes
back as :class:`Crashed`, a new worker takes the dead one's place, and the other tasks go
on.

Workers never outlive the process that started them: on Linux the kernel kills them when
it dies (``PR_SET_PDEATHSIG``); elsewhere a watchdog thread notices the new parent. They
ignore Ctrl-C (the terminal sends it to the whole process group): the main process
decides, and terminates them when it stops early.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
#: A task sent to a busy worker ahead of time (it starts it as soon as it is done with
#: the one it runs, without a round trip to the main process: a run of 16,000 files in
#: 250 tasks left each worker waiting about 0.3 s in all) only when its pickle is at most
#: this long: a pipe's buffer holds it, so the main process never blocks sending it to
#: a worker that is busy (and may itself be blocked sending a large result back).
_AHEAD_BYTES = 16 * 1024


@dataclass(frozen=True)
class Crashed:
    """A task whose worker died (or whose result could not be sent back)."""

    reason: str


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    #: The tasks sent to it, in order: the first is the one it runs, the next (if any)
    #: waits in its pipe.
    tasks: deque[tuple[Hashable, Any]] = field(default_factory=deque)


class WorkerPool(Generic[T, R]):
    """Run ``func(task)`` in up to ``workers`` processes; see the module's docstring.

    ``submit`` queues a task under a key; ``next_done`` waits for one to finish and
    returns its key with its result or a :class:`Crashed`. Use it as a context manager:
    leaving the block (normally or by an exception) stops every worker. A busy worker is
    sent its next task ahead of time when the task is small (:data:`_AHEAD_BYTES`); when
    a worker dies, the task it was running comes back as :class:`Crashed` and the one
    sent ahead is run again by another.
    """

    def __init__(self, func: Callable[[T], R], workers: int) -> None:
        self._func = func
        self._size = max(1, workers)
        self._workers: list[_Worker] = []
        self._queue: deque[tuple[Hashable, T]] = deque()
        self._context = multiprocessing.get_context()

    def __enter__(self) -> WorkerPool[T, R]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def pending(self) -> int:
        """Tasks submitted and not yet returned by :meth:`next_done`."""
        return len(self._queue) + sum(len(w.tasks) for w in self._workers)

    def submit(self, key: Hashable, task: T) -> None:
        self._queue.append((key, task))

    def next_done(self, timeout: float | None = None) -> tuple[Hashable, R | Crashed] | None:
        """The next finished task (in completion order), or None after ``timeout``
        seconds without one."""
        if not self.pending:
            raise LookupError("no task pending")
        while True:
            self._dispatch()
            busy = [w for w in self._workers if w.tasks]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
            if not ready:
                return None
            for worker in busy:
                if worker.conn in ready or worker.conn.poll():
                    done = self._receive(worker)
                    if done is not None:
                        return done
                elif worker.process.sentinel in ready:
                    return self._bury(worker)

    def _receive(self, worker: _Worker) -> tuple[Hashable, R | Crashed] | None:
        key = worker.tasks[0][0]
        try:
            ok, payload = worker.conn.recv()
        except (EOFError, OSError):
            return self._bury(worker)
        worker.tasks.popleft()
        if ok:
            return key, payload
        return key, Crashed(payload)

    def _bury(self, worker: _Worker) -> tuple[Hashable, Crashed]:
        """A worker died in the middle of a task: the task is lost, the worker replaced
        (lazily, by the next dispatch), a task sent to it ahead of time queued again
        first."""
        key = worker.tasks.popleft()[0]
        self._queue.extendleft(reversed(worker.tasks))
        worker.process.join()
        self._workers.remove(worker)
        worker.conn.close()
        return key, Crashed(describe_exit(worker.process.exitcode))

    def _dispatch(self) -> None:
        while self._queue:
            worker = next((w for w in self._workers if not w.tasks), None)
            if worker is None and len(self._workers) < self._size:
                worker = self._start()
            ahead = worker is None
            if worker is None:
                worker = next((w for w in self._workers if len(w.tasks) == 1), None)
                if worker is None:
                    return
            data = ForkingPickler.dumps(self._queue[0][1])
            if ahead and len(data) > _AHEAD_BYTES:
                return
            worker.tasks.append(self._queue.popleft())
            # A worker that died between two tasks: its sentinel reports it.
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send_bytes(data)

    def _start(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(theirs, self._func, os.getpid()), daemon=True
        )
        # No Ctrl-C/SIGTERM handler may run inside the fork (one raised in a fork hook is
        # only printed, "Exception ignored"): they wait until the worker is started.
        blocked = _STOP_SIGNALS if hasattr(signal, "pthread_sigmask") else set()
        if blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            process.start()
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
        theirs.close()
        worker = _Worker(process, ours)
        self._workers.append(worker)
        return worker

    def close(self) -> None:
        """Stop every worker now (a task still running is abandoned)."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.conn.close()
            if worker.process.is_alive():
                worker.process.kill()
        for worker in self._workers:
            worker.process.join()
        self._workers.clear()
        self._queue.clear()


def describe_exit(exitcode: int | None) -> str:
    """Why a worker process ended, in words (``killed by SIGSEGV``)."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:  # pragma: no cover - a signal Python has no name for
            name = f"signal {-exitcode}"
        hint = {"SIGSEGV": " (a crash in a native library)", "SIGKILL": " (out of memory?)"}
        return f"killed by {name}{hint.get(name, '')}"
    return f"exited with status {exitcode}"


def _serve(conn: Connection, func: Callable[[Any], Any], parent: int) -> None:  # pragma: no cover
    """A worker's loop (runs in the child: not seen by coverage)."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # blocked by the parent while it forked
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[bool, Any] = (True, func(task))
        except BaseException as exc:
            reply = (False, f"internal error: {type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except Exception as exc:  # the result could not be pickled
            conn.send((False, f"internal error: {type(exc).__name__}: {exc}"))


def die_with_parent(parent: int) -> None:  # pragma: no cover - runs in workers
    """Make this process end when ``parent`` does (SIGKILL included)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError, TypeError):
            # The process's own symbols, the C library's among them (ctypes.util's
            # find_library("c") ran ldconfig in a subprocess: 0.03 s per worker).
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:  # pragma: no cover - runs in workers
    """The portable fallback: once the parent is gone, this process is re-parented."""
    event = threading.Event()
    while not event.wait(0.5):
        if os.getppid() != parent:
            os._exit(1)
