"""An exception in one line (migration_fixer.django.errors), as the deploy commands report it."""

from __future__ import annotations

import linecache
import os
import queue
import runpy
from pathlib import Path

import pytest

from migration_fixer.django import errors


def _raised(call: object) -> BaseException:
    try:
        call()  # type: ignore[operator]
    except Exception as exc:
        return exc
    raise AssertionError("nothing was raised")


def test_a_message_is_kept_on_one_line() -> None:
    exc = ValueError("duplicate key value\nDETAIL:  Key (id)=(5)   already exists.\n")
    assert (
        errors.one_line(exc)
        == "ValueError: duplicate key value DETAIL: Key (id)=(5) already exists."
    )


def test_without_a_message_nor_a_traceback_the_type_alone() -> None:
    assert errors.one_line(AssertionError()) == "AssertionError"


def _module(folder: Path, source: str) -> dict[str, object]:
    path = folder / "migrations" / "0004_check.py"
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    return runpy.run_path(str(path))


def test_without_a_message_the_line_that_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    names = _module(
        tmp_path,
        "def check(rows):\n    total = len(rows)\n    assert   total == 0\n",
    )
    exc = _raised(lambda: names["check"]([1]))  # type: ignore[operator]
    assert (
        errors.one_line(exc) == "AssertionError at migrations/0004_check.py:3 (assert total == 0)"
    )


def test_a_path_outside_the_working_directory_is_kept_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    names = _module(tmp_path / "project", "def fail():\n    raise KeyError\n")
    exc = _raised(names["fail"])
    path = tmp_path / "project" / "migrations" / "0004_check.py"
    assert errors.one_line(exc) == f"KeyError at {path}:2 (raise KeyError)"


def test_the_standard_library_is_not_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``queue.Queue.get`` raises ``Empty`` without a message in the standard library's own
    code: the project's line that called it is named."""
    monkeypatch.chdir(tmp_path)
    names = _module(
        tmp_path,
        "import queue\ndef take():\n    return queue.Queue().get_nowait()\n",
    )
    exc = _raised(names["take"])
    assert errors.one_line(exc) == (
        "Empty at migrations/0004_check.py:3 (return queue.Queue().get_nowait())"
    )
    # Were the project's code not told apart, the innermost frame would be the library's.
    monkeypatch.setattr(errors, "_NOT_THE_PROJECT", ())
    assert errors.one_line(exc).startswith(f"Empty at {queue.__file__}:")


def test_this_tool_is_not_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed editable, this tool's files are outside site-packages: its own frames (the
    wrapper migrate_or_rollback puts around each operation) are passed over too."""
    own = os.path.join(str(Path(errors.__file__).resolve().parents[1]), "")
    assert own in errors._NOT_THE_PROJECT
    monkeypatch.chdir(tmp_path)
    names = _module(tmp_path, "def check(call):\n    call()\n")
    exc = _raised(lambda: names["check"](_raise_in_this_tool))  # type: ignore[operator]
    monkeypatch.setattr(errors, "_NOT_THE_PROJECT", (*errors._NOT_THE_PROJECT, __file__))
    assert errors.one_line(exc) == "KeyError at migrations/0004_check.py:2 (call())"


def _raise_in_this_tool() -> None:
    raise KeyError


def test_run_from_the_root_a_path_is_shown_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _module(tmp_path, "def fail():\n    raise KeyError\n")
    exc = _raised(names["fail"])
    monkeypatch.chdir("/")
    path = tmp_path / "migrations" / "0004_check.py"
    assert errors.one_line(exc) == f"KeyError at {path}:2 (raise KeyError)"


def test_a_statement_over_several_lines_is_shown_whole_from_its_first_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    names = _module(
        tmp_path,
        "def count(rows):\n"
        "    if rows:\n"
        "        assert (\n"
        "            len(rows) == 0\n"
        "        )\n"
        "\n"
        "\n"
        "def blank(rows):\n"
        "    assert not [\n"
        '        row for row in rows if row == ""\n'
        "    ]\n",
    )
    exc = _raised(lambda: names["count"]([1]))  # type: ignore[operator]
    assert errors.one_line(exc) == (
        "AssertionError at migrations/0004_check.py:3 (assert (len(rows) == 0))"
    )
    exc = _raised(lambda: names["blank"]([""]))  # type: ignore[operator]
    assert errors.one_line(exc) == (
        "AssertionError at migrations/0004_check.py:9 "
        '(assert not [row for row in rows if row == ""])'
    )


def test_a_long_statement_is_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    items = ", ".join(f'"value number {i}"' for i in range(20))
    names = _module(tmp_path, f"def check(rows):\n    assert rows in (\n        {items},\n    )\n")
    exc = _raised(lambda: names["check"]("x"))  # type: ignore[operator]
    shown = f"assert rows in ({items},)"[:197] + "..."
    assert len(shown) == 200
    assert errors.one_line(exc) == f"AssertionError at migrations/0004_check.py:2 ({shown})"


BROKEN = "def check(:\n    assert (\n        not rows\n    )\n"


@pytest.mark.parametrize("now", [BROKEN, None], ids=["no longer parses", "gone"])
def test_source_changed_since_shows_the_raising_line_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, now: str | None
) -> None:
    monkeypatch.chdir(tmp_path)
    names = _module(tmp_path, "def check(rows):\n    assert (\n        not rows\n    )\n")
    exc = _raised(lambda: names["check"]([1]))  # type: ignore[operator]
    path = tmp_path / "migrations" / "0004_check.py"
    if now is None:
        path.unlink()
    else:
        path.write_text(now)
    linecache.checkcache()
    # The line Python names: the statement's first (3.11), or the failing test's (3.12+).
    line = _raised_at(exc)
    shown = f" ({now.splitlines()[line - 1].strip()})" if now is not None else ""
    assert errors.one_line(exc) == f"AssertionError at migrations/0004_check.py:{line}{shown}"


def _raised_at(exc: BaseException) -> int:
    """The line of the innermost frame of ``exc``'s traceback."""
    tb = exc.__traceback__
    assert tb is not None
    while tb.tb_next is not None:
        tb = tb.tb_next
    assert tb.tb_lineno in (2, 3)
    return tb.tb_lineno
