"""Reading and writing source files, losslessly.

The text handed to the rules is the file decoded with its own encoding (PEP 263 cookie or
BOM), with its newlines untouched (CRLF stays CRLF; a file whose lines end with a lone CR
is handed over with LF, and written back with CR). Writing encodes it back the same
way, through a temporary file in the same folder and an atomic replace that keeps the
original's mode bits. This is the only module that writes files.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import re
import stat
import tempfile
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


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
    #: The file ends its lines with a lone CR (classic Mac OS): ``text`` has LF instead
    #: (libcst cannot reproduce such a file), and :func:`encode` puts the CRs back.
    cr: bool = False


def decode(path: Path, data: bytes) -> SourceFile:
    if b"\x00" in data:
        raise SourceError("source contains NUL bytes", *_position(data, data.index(b"\x00")))
    bom = data.startswith(codecs.BOM_UTF8)
    encoding = "utf-8"
    # The usual file: its first two lines (where a coding declaration would be) are ASCII
    # and declare none, so that the tokenizer would say UTF-8: not asked.
    second = data.find(b"\n", data.find(b"\n") + 1)
    head = data if second < 0 else data[:second]
    if not head.isascii() or b"coding" in head:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            message = str(exc).split(" (")[0]
            raise SourceError(message, getattr(exc, "lineno", None) or 1) from exc
        if encoding == "utf-8-sig":
            encoding = "utf-8"
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"invalid {encoding} bytes: {exc.reason}", *_position(body, exc.start)
        ) from exc
    if "\r" in text and "\n" not in text:  # CR-only line endings: Python reads them too
        return SourceFile(path, text.replace("\r", "\n"), encoding, bom, cr=True)
    return SourceFile(path, text, encoding, bom)


def read_text_file(path: Path, errors: str = "strict") -> str:
    """The UTF-8 text of the project file ``path`` (a configuration, requirements or
    settings file), which must be a regular file or a link to one: a FIFO named like one
    would make the read wait forever (OSError for anything else, as for a missing file)."""
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "not a regular file", str(path))
    return path.read_text(encoding="utf-8", errors=errors)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of a byte offset; the column counts bytes (the text around it does
    not decode)."""
    return data.count(b"\n", 0, offset) + 1, offset - data.rfind(b"\n", 0, offset) - 1


def encode(source: SourceFile, text: str) -> bytes:
    data = (text.replace("\n", "\r") if source.cr else text).encode(source.encoding)
    return codecs.BOM_UTF8 + data if source.bom else data


class ChangedOnDisk(OSError):
    """The file is no longer what was read: written by someone else during the run."""


#: Our temporary files: ``.<name>.mf-<pid>-<random>.tmp`` next to the file they replace.
_TMP = re.compile(r"^\.(?P<name>.+)\.mf-(?P<pid>[0-9]+)-[A-Za-z0-9_]+\.tmp$")
#: 0.1.0's: ``.<name>.<8 random characters>.tmp`` (no process id).
_LEGACY_TMP = re.compile(r"^\.(?P<name>.+\.py)\.[a-z0-9_]{8}\.tmp$")
#: A temporary file of ours whose process may still be running is kept this long (a
#: write takes milliseconds).
STALE_AFTER = 3600


def write_atomic(
    path: Path, data: bytes, *, create: bool = False, expected: bytes | None = None
) -> None:
    """Replace ``path``'s content with ``data`` atomically, keeping its mode bits.

    With ``create=True`` the file must not exist yet (not even as a dangling symlink); it
    gets the default mode for new files (0o666 minus the umask), like any editor would
    give it, and an existing file is never overwritten. A symlink is written through (the
    link stays a link: the caller checks where it leads); the owner and group are kept
    where allowed. With ``expected`` (the bytes the run read), the file is compared just
    before the rename, and a file changed in the meantime is left alone
    (:class:`ChangedOnDisk`): an edit saved during the run is never lost.
    """
    owner: tuple[int, int] | None = None
    if create:
        mode = 0o666 & ~_umask()
        if os.path.lexists(path):
            raise FileExistsError(f"{path} already exists")
    else:
        path = Path(os.path.realpath(path))
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        owner = info.st_uid, info.st_gid
        if not mode & stat.S_IWUSR or not os.access(path, os.W_OK):
            raise PermissionError(f"the file is read-only (mode {mode:o})")
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.mf-{os.getpid()}-", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if owner is not None and hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # only root may give a file away
                os.chown(tmp, *owner)
        os.chmod(tmp, mode)
        if expected is not None and not _holds(path, expected):
            raise ChangedOnDisk(f"{path} changed since it was read")
        if create:
            _create(tmp, path)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _holds(path: Path, expected: bytes) -> bool:
    """Whether ``path`` (a regular file, not followed if a symlink) holds ``expected``."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(expected):
            return False
        return handle.read(len(expected) + 1) == expected


def _create(tmp: str, path: Path) -> None:
    """Move ``tmp`` to ``path``, failing if ``path`` exists (a hard link never replaces
    anything; where hard links are not supported, a checked rename)."""
    try:
        os.link(tmp, path, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(path):
            raise FileExistsError(f"{path} already exists") from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def clean_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files of ours that a killed run left in ``folder`` (those of
    a process that no longer runs, or older than :data:`STALE_AFTER`); return them."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TMP.match(entry.name)
        legacy = match is None and _LEGACY_TMP.match(entry.name) is not None
        if (match is None and not legacy) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if age < STALE_AFTER and (legacy or _running(int(match["pid"]) if match else 0)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:  # another user's process: running
        return True
    return True


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
