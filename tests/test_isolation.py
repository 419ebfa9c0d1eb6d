"""A worker that dies costs only its own file; workers die with the main process; SIGTERM
behaves like Ctrl-C."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _git_helpers import BAD, FIXED, write

from migration_fixer import runner
from migration_fixer.pool import Crashed, WorkerPool, describe_exit
from migration_fixer.runner import Options, run_files


def _segfault() -> None:
    ctypes.string_at(0)  # reads address 0: SIGSEGV, as a native parser's stack overflow


def _work(task: str) -> str:
    if task == "crash":
        _segfault()
    if task == "exit":
        os._exit(3)
    if task == "raise":
        raise ValueError("bad task")
    if task == "unpicklable":
        return lambda: None  # type: ignore[return-value]
    return task.upper()


_PICKLE_VERB = "get" if sys.version_info >= (3, 13) else "pickle"


def test_a_task_that_kills_its_worker_comes_back_as_crashed() -> None:
    tasks = ["a", "crash", "b", "exit", "c", "raise", "unpicklable", "d"]
    with WorkerPool(_work, 2) as pool:
        for index, task in enumerate(tasks):
            pool.submit(index, task)
        done = {}
        while pool.pending:
            key, outcome = pool.next_done()
            done[key] = outcome
        with pytest.raises(LookupError):
            pool.next_done()
    assert [done[i] for i in range(len(tasks))] == [
        "A",
        Crashed("killed by SIGSEGV (a crash in a native library)"),
        "B",
        Crashed("exited with status 3"),
        "C",
        Crashed("internal error: ValueError: bad task"),
        # (Python 3.13 says "get" where older ones say "pickle".)
        Crashed(
            f"internal error: AttributeError: Can't {_PICKLE_VERB} local object "
            "'_work.<locals>.<lambda>'"
        ),
        "D",
    ]


def test_a_task_sent_ahead_to_a_worker_that_dies_runs_in_another() -> None:
    # One worker: "a" is sent to it ahead of time, while it runs "crash".
    with WorkerPool(_work, 1) as pool:
        for index, task in enumerate(["crash", "a", "exit", "b"]):
            pool.submit(index, task)
        pool._dispatch()  # (what next_done does first)
        assert [key for key, _ in pool._workers[0].tasks] == [0, 1]  # one runs, one waits
        done = {}
        while pool.pending:
            key, outcome = pool.next_done()
            done[key] = outcome
    assert done == {
        0: Crashed("killed by SIGSEGV (a crash in a native library)"),
        1: "A",
        2: Crashed("exited with status 3"),
        3: "B",
    }


def _slow(task: str) -> str:
    time.sleep(0.2)
    return task[:1]


def test_a_large_task_waits_for_an_idle_worker() -> None:
    big = "x" * 20_000  # (its pickle is longer than a task sent ahead may be)
    with WorkerPool(_slow, 1) as pool:
        for index, task in enumerate(["a", big, "b"]):
            pool.submit(index, task)
        pool._dispatch()
        assert [key for key, _ in pool._workers[0].tasks] == [0]
        assert pool.next_done() == (0, "a")
        pool._dispatch()
        # The large one was sent when the worker was idle, the small one after it ahead.
        assert [key for key, _ in pool._workers[0].tasks] == [1, 2]
        assert [pool.next_done(), pool.next_done()] == [(1, "x"), (2, "b")]


def test_describe_exit() -> None:
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL (out of memory?)"
    assert describe_exit(-signal.SIGTERM) == "killed by SIGTERM"
    assert describe_exit(1) == "exited with status 1"


@pytest.fixture
def paths(tmp_path: Path) -> list[Path]:
    out = []
    for i in range(130):
        out.append(write(tmp_path, f"app{i % 3}/migrations/{i:04d}_m.py", BAD))
    return out


def test_a_file_that_kills_its_worker_costs_only_that_file(
    paths: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    options = Options(select=frozenset({"MF001"}), rewrite=True)
    process_file = runner.process_file
    victim = paths[40]

    def crashing(path: Path, *args: object, **kwargs: object) -> runner.FileResult:
        if path == victim:
            _segfault()
        return process_file(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "process_file", crashing)  # inherited by forked workers
    results = list(run_files(paths, options, 2))
    assert [r.path for r in results] == paths
    assert [(p.path, p.line, p.column, p.message) for r in results for p in r.problems] == [
        (
            victim,
            1,
            0,
            "cannot process: the process handling this file was killed by SIGSEGV "
            "(a crash in a native library); file left untouched",
        )
    ]
    assert [r.change.new_text if r.change else None for r in results] == [
        None if p == victim else FIXED for p in paths
    ]


def _many(tmp_path: Path) -> None:
    for i in range(3000):
        write(tmp_path, f"app{i % 30}/migrations/{i:04d}_m.py", BAD)


def _start(tmp_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "migration_fixer", "--jobs", "2", "--no-cache", "--diff", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "CI": "true"},
    )


def _wait_for_workers(process: subprocess.Popen[bytes]) -> None:
    """Until the run has started its workers (signal handlers are installed by then)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 60
    while len(children.read_text().split()) < 2:
        assert time.monotonic() < deadline, "no workers started"
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)


linux_only = pytest.mark.skipif(
    not Path("/proc/self/task").exists(), reason="reads child processes from /proc (Linux)"
)


@linux_only
def test_workers_exit_when_the_main_process_is_killed(tmp_path: Path) -> None:
    _many(tmp_path)
    process = _start(tmp_path)
    _wait_for_workers(process)
    process.kill()
    # The workers hold stdout too: end-of-file comes only once all of them are gone.
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL


@linux_only
def test_sigterm_stops_a_parallel_run_like_ctrl_c(tmp_path: Path) -> None:
    _many(tmp_path)
    process = _start(tmp_path)
    _wait_for_workers(process)
    process.terminate()
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err.decode()
    assert out == b""
    assert err == (
        b"Interrupted: stopped before the end; each migrations folder is either fully fixed "
        b"or untouched.\n"
    )
