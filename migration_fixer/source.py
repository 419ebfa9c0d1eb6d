"""Reading and writing source files, losslessly.

The text handed to the rules is the file decoded with its own encoding (PEP 263 cookie or
BOM), with its newlines untouched (CRLF stays CRLF). Writing encodes it back the same
way, through a temporary file in the same folder and an atomic replace that keeps the
original's mode bits. This is the only module that writes files.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path


class SourceError(Exception):
    """A file that cannot be read or decoded: carries the position for the report."""

    def __init__(self, message: str, line: int = 1, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class SourceFile:
    path: Path
    text: str
    encoding: str  # codec name, "utf-8" by default
    bom: bool


def decode(path: Path, data: bytes) -> SourceFile:
    if b"\x00" in data:
        raise SourceError("source contains NUL bytes", *_position(data, data.index(b"\x00")))
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(str(exc).split(" (")[0], getattr(exc, "lineno", None) or 1) from exc
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"invalid {encoding} bytes: {exc.reason}", *_position(body, exc.start)
        ) from exc
    return SourceFile(path, text, encoding, bom)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of a byte offset; the column counts bytes (the text around it does
    not decode)."""
    return data.count(b"\n", 0, offset) + 1, offset - data.rfind(b"\n", 0, offset) - 1


def encode(source: SourceFile, text: str) -> bytes:
    data = text.encode(source.encoding)
    return codecs.BOM_UTF8 + data if source.bom else data


def write_atomic(path: Path, data: bytes, *, create: bool = False) -> None:
    """Replace ``path``'s content with ``data`` atomically, keeping its mode bits.

    With ``create=True`` the file must not exist yet; it gets the default mode for new
    files (0o666 minus the umask), like any editor would give it. A symlink is written
    through (the link stays a link); the owner and group are kept where allowed.
    """
    owner: tuple[int, int] | None = None
    if create:
        mode = 0o666 & ~_umask()
        if path.exists():
            raise FileExistsError(f"{path} already exists")
    else:
        path = Path(os.path.realpath(path))
        info = path.stat()
        mode = stat.S_IMODE(info.st_mode)
        owner = info.st_uid, info.st_gid
        if not mode & stat.S_IWUSR or not os.access(path, os.W_OK):
            raise PermissionError(f"the file is read-only (mode {mode:o})")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if owner is not None and hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # only root may give a file away
                os.chown(tmp, *owner)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
