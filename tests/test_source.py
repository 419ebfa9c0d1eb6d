"""Reading and writing source files losslessly (encoding, BOM, newlines, atomic writes)."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import pytest

from migration_fixer.source import (
    SourceError,
    SourceFile,
    decode,
    encode,
    read_text_file,
    write_atomic,
)


@pytest.mark.parametrize(
    ("data", "text", "encoding", "bom"),
    [
        (b"x = 1\r\ny = 2\r\n", "x = 1\r\ny = 2\r\n", "utf-8", False),
        (codecs.BOM_UTF8 + b"x = '\xc3\xa9'\n", "x = 'é'\n", "utf-8", True),
        (b"# coding: latin-1\nx = '\xe9'\n", "# coding: latin-1\nx = 'é'\n", "iso-8859-1", False),
        (
            b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '\x80'\n",
            "#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '€'\n",
            "cp1252",
            False,
        ),
        (b"", "", "utf-8", False),
    ],
)
def test_decode_and_encode_round_trip(data: bytes, text: str, encoding: str, bom: bool) -> None:
    source = decode(Path("m.py"), data)
    assert source == SourceFile(Path("m.py"), text, encoding, bom)
    assert encode(source, source.text) == data


@pytest.mark.parametrize(
    ("data", "message", "line", "column"),
    [
        (b"x = 1\ny = '\x00'\n", "source contains NUL bytes", 2, 5),
        (b"x = 1\ny = 'caf\xe9'\n", "invalid utf-8 bytes: invalid continuation byte", 2, 8),
        (codecs.BOM_UTF8 + b"x = '\xff'\n", "invalid or missing encoding declaration", 1, 0),
        (codecs.BOM_UTF8 + b"x = 1\ny = '\xff'\n", "invalid utf-8 bytes: invalid start byte", 2, 5),
        (b"# coding: nope\n", "unknown encoding: nope", 1, 0),
    ],
)
def test_decode_errors(data: bytes, message: str, line: int, column: int) -> None:
    with pytest.raises(SourceError) as info:
        decode(Path("m.py"), data)
    assert (info.value.message, info.value.line, info.value.column) == (message, line, column)
    assert str(info.value) == message


def test_write_atomic_replaces_and_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old")
    path.chmod(0o600)
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["m.py"]


def test_write_atomic_refuses_a_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match=r"^the file is read-only \(mode 444\)$"):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["m.py"]


def test_write_atomic_creates_a_new_file_with_the_default_mode(tmp_path: Path) -> None:
    path = tmp_path / "0003_drop.py"
    old = os.umask(0o027)
    try:
        write_atomic(path, b"new", create=True)
    finally:
        os.umask(old)
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_write_atomic_create_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "0003_drop.py"
    path.write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="already exists"):
        write_atomic(path, b"new", create=True)
    assert path.read_bytes() == b"mine"
    assert os.listdir(tmp_path) == ["0003_drop.py"]


def test_write_atomic_writes_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "shared" / "0001_data.py"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = tmp_path / "0001_data.py"
    link.symlink_to(target)
    write_atomic(link, b"new")
    assert link.is_symlink()
    assert target.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["0001_data.py", "shared"]
    assert os.listdir(target.parent) == ["0001_data.py"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_write_atomic_keeps_the_owner(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old")
    os.chown(path, 1234, 5678)
    write_atomic(path, b"new")
    info = path.stat()
    assert (info.st_uid, info.st_gid, path.read_bytes()) == (1234, 5678, b"new")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_project_file_is_read_only_when_it_is_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = é\n", encoding="utf-8")
    assert read_text_file(tmp_path / "setup.cfg") == "[metadata]\nname = é\n"
    os.mkfifo(tmp_path / "pyproject.toml")
    with pytest.raises(FileNotFoundError, match="not a regular file"):
        read_text_file(tmp_path / "pyproject.toml")
    with pytest.raises(FileNotFoundError, match="not a regular file"):
        read_text_file(tmp_path / "missing.toml")
