"""A content-hashed result cache, like ruff's: plain data, safe to delete, ignored by git.

One file per migrations folder under ``.migration_fixer_cache/<version>/``, holding each
file's result under a key that hashes everything the result depends on: the tool's code
(its version and source), the options that change results, the file's bytes and, for a
file MF003 reads the history of, the bytes of every migration in its folder and whether
the file is new relative to the git base. A file whose key matches is not parsed again;
anything else is recomputed.

The cache lives in the repository, where a pull request can put files, so nothing in it
is trusted:

- it holds JSON (plain data, never executed: no pickle), and every entry is checked
  against the exact shape of the result types on load; anything unexpected is a miss;
- each cache file is signed with a secret that never leaves this user's own cache folder
  (``$XDG_CACHE_HOME/migration-fixer/secret``, mode 0600, outside every repository): a
  file whose signature does not match (committed, forged, or from another machine) is
  not even parsed, so a committed cache can never stand in for a result of this run;
- a cache path that is a symlink (the folder, its version folder, its ``.gitignore`` or
  ``CACHEDIR.TAG``) or not a regular file disables the cache for the run (see
  :func:`check_dir`), and files are opened without following symlinks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import hashlib
import hmac
import json
import os
import stat
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

from migration_fixer import __version__

CACHE_DIR_NAME = ".migration_fixer_cache"
_GITIGNORE = "# Automatically created by migration-fixer.\n*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by migration-fixer.\n"
)
_MAGIC = b"migration-fixer-cache 1 "
_SECRET_BYTES = 32
#: A cache file larger than this is not read (a folder's results are a few KB per file).
MAX_FILE_BYTES = 64 * 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _digest(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


# -- the secret ------------------------------------------------------------------------


def secret_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or ""
    folder = Path(base) if Path(base).is_absolute() else Path.home() / ".cache"
    return folder / "migration-fixer" / "secret"


def load_secret(repository: Path | None = None) -> tuple[str | None, str]:
    """This user's cache secret (hex), created on first use; or (None, why not).

    The secret must be a regular file of this user's, readable by nobody else, not a
    symlink, and outside ``repository`` (a home folder inside the checkout would let the
    checkout hold the secret)."""
    path = secret_path()
    if repository is not None:
        with contextlib.suppress(OSError):
            if path.resolve().is_relative_to(repository.resolve()):
                return None, f"the cache secret {path} is inside the repository"
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            # Written in one call before anyone can read a short file: a reader that sees
            # fewer bytes treats the secret as unavailable for its run.
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(_SECRET_BYTES).hex().encode())
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None, f"the cache secret {path} is not a regular file"
            if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
                return None, f"the cache secret {path} belongs to another user"
            if info.st_mode & 0o077:
                return None, f"the cache secret {path} is readable by others"
            text = handle.read(_SECRET_BYTES * 2 + 1).decode("ascii", "replace")
    except OSError as exc:
        return None, f"cannot use the cache secret {path}: {exc.strerror or exc}"
    if len(text) != _SECRET_BYTES * 2 or any(c not in "0123456789abcdef" for c in text):
        return None, f"the cache secret {path} is damaged (delete it to make a new one)"
    return text, ""


# -- the cache folder ------------------------------------------------------------------


def check_dir(root: Path) -> str | None:
    """Why the cache folder ``root`` must not be used this run, or None when it may.

    A symlink anywhere on the cache's own paths could make the cache read or write
    outside the repository; a FIFO or device there could block the run."""
    candidates = [
        root,
        root / __version__,
        root / ".gitignore",
        root / "CACHEDIR.TAG",
    ]
    for path in candidates:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            return f"{path}: {exc.strerror or exc}"
        if stat.S_ISLNK(info.st_mode):
            return f"{path} is a symlink"
        want_dir = path in candidates[:2]
        if want_dir and not stat.S_ISDIR(info.st_mode):
            return f"{path} is not a folder"
        if not want_dir and not stat.S_ISREG(info.st_mode):
            return f"{path} is not a regular file"
    return None


def _prepare(root: Path) -> None:
    """Create the cache folder with a ``.gitignore`` that ignores all of it, and a
    CACHEDIR.TAG; never through a symlink (``check_dir`` ran before the run; a path
    swapped since then makes ``O_NOFOLLOW``/``O_EXCL`` fail, which skips the save)."""
    root.mkdir(parents=True, exist_ok=True)
    if os.path.islink(root):
        raise OSError(f"{root} is a symlink")
    for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
        with contextlib.suppress(FileExistsError):
            fd = os.open(root / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)


# -- plain data <-> result values ------------------------------------------------------


class ShapeError(Exception):
    """Cached data that does not have the exact shape of the value it stands for."""


def to_data(value: Any) -> Any:
    """A value of the result types (dataclasses of str, int, bool, None, Path, enums,
    tuples, lists, frozensets and str-keyed dicts) as JSON data. Anything else raises
    TypeError: such a value is not cached."""
    if value is None or type(value) in (str, int, bool, float):
        return value
    if isinstance(value, enum.Enum):
        return to_data(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [to_data(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(to_data(v) for v in value)
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):
            raise TypeError("only str keys are cached")
        return {k: to_data(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {"@": type(value).__name__}
        for f in dataclasses.fields(value):
            if f.init:
                data[f.name] = to_data(getattr(value, f.name))
        return data
    raise TypeError(f"{type(value).__name__} is not cached")


def from_data(data: Any, expected: Any) -> Any:
    """The value of type ``expected`` that ``data`` encodes (see :func:`to_data`);
    ShapeError on anything else, however deep."""
    kind, info = _plan(expected)
    if kind == "scalar":
        if type(data) is not info:
            raise ShapeError(f"{data!r} is not {info.__name__}")
        return data
    if kind == "dataclass":
        cls, hints = info
        if type(data) is not dict or data.get("@") != cls.__name__:
            raise ShapeError(f"not a {cls.__name__}")
        if len(data) != len(hints) + 1:
            raise ShapeError(f"{cls.__name__}: fields {sorted(set(data) - {'@'})}")
        try:
            kwargs = {name: from_data(data[name], hint) for name, hint in hints}
        except KeyError as exc:
            raise ShapeError(f"{cls.__name__}: no {exc}") from None
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:
            raise ShapeError(str(exc)) from exc
    if kind == "union":
        optional, alternatives = info
        if data is None and optional:
            return None
        tag = data.get("@") if type(data) is dict else None
        for alternative, name in alternatives:
            if name is not None and name != tag:
                continue
            with contextlib.suppress(ShapeError):
                return from_data(data, alternative)
        raise ShapeError(f"no alternative of {expected} fits")
    if kind == "sequence":
        origin, item = info
        if type(data) is not list:
            raise ShapeError(f"{expected}: not a list")
        return origin(from_data(d, item) for d in data)
    if kind == "tuple":
        if type(data) is not list or len(data) != len(info):
            raise ShapeError(f"{expected}: not a list of {len(info)}")
        return tuple(from_data(d, a) for d, a in zip(data, info, strict=True))
    if kind == "none":
        if data is None:
            return None
        raise ShapeError("not null")
    if kind == "path":
        if type(data) is not str or not data or "\0" in data:
            raise ShapeError("not a path")
        return Path(data)
    if kind == "dict":
        if type(data) is not dict:
            raise ShapeError(f"{expected}: not an object")
        return {k: from_data(v, info) for k, v in data.items()}
    if kind == "literal":
        if data in info and type(data) in (str, int, bool):
            return data
        raise ShapeError(f"{data!r} is not one of {info}")
    if kind == "enum":
        try:
            return info(data)
        except (ValueError, TypeError) as exc:
            raise ShapeError(str(exc)) from exc
    raise ShapeError(f"{expected!r} is not a cached type")


@functools.cache
def _plan(expected: Any) -> tuple[str, Any]:
    """How :func:`from_data` checks a value of type ``expected`` (worked out once)."""
    origin = typing.get_origin(expected)
    args = typing.get_args(expected)
    if origin in (typing.Union, types.UnionType):
        alternatives = tuple(
            (a, a.__name__ if isinstance(a, type) and dataclasses.is_dataclass(a) else None)
            for a in args
            if a is not type(None)
        )
        return "union", (type(None) in args, alternatives)
    if origin is typing.Literal:
        return "literal", args
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        return "tuple", args
    if origin in (tuple, list, frozenset):
        return "sequence", (origin, args[0])
    if origin is dict and args[0] is str:
        return "dict", args[1]
    if origin is not None or expected is Any:
        return "unknown", None
    if expected in (str, int, bool, float):
        return "scalar", expected
    if expected is type(None):
        return "none", None
    if expected is Path:
        return "path", None
    if isinstance(expected, type) and issubclass(expected, enum.Enum):
        return "enum", expected
    if isinstance(expected, type) and dataclasses.is_dataclass(expected):
        hints = typing.get_type_hints(expected)
        fields = tuple((f.name, hints[f.name]) for f in dataclasses.fields(expected) if f.init)
        return "dataclass", (expected, fields)
    return "unknown", None


# -- one folder's cache ----------------------------------------------------------------


class FolderCache:
    """The cached results of one migrations folder (loaded and saved by a worker).

    ``value_type`` is the type of the cached values (the runner's FileResult): each
    entry is rebuilt as that type, or is a miss."""

    def __init__(
        self,
        path: Path | None,
        value_type: type,
        secret: str | None = None,
        entries: dict[str, tuple[str, Any]] | None = None,
    ) -> None:
        self.path = path
        self.value_type = value_type
        self.secret = secret
        self.entries: dict[str, tuple[str, Any]] = entries or {}
        self.dirty = False
        self._folder_hash: str | None = None  # see folder_hash

    @classmethod
    def load(
        cls, root: Path | None, folder: Path, value_type: type, secret: str | None = None
    ) -> FolderCache:
        if root is None or not secret:
            return cls(None, value_type)
        name = _digest(str(folder.resolve()).encode()) + ".json"
        path = root / __version__ / name
        return cls(path, value_type, secret, _read(path, secret))

    def folder_hash(self, folder: Path, new_migrations: frozenset[str] | None) -> str:
        """All of the folder's migrations, and which of them are new relative to the git
        base, for results that depend on its history (computed once per folder)."""
        if self._folder_hash is None:
            resolved = folder.resolve()
            parts = []
            for item in sorted(folder.glob("*.py")):
                with contextlib.suppress(OSError):
                    if item.is_file():  # never open a FIFO: it would block
                        parts += [item.name.encode(), item.read_bytes()]
                if new_migrations is not None and str(resolved / item.name) in new_migrations:
                    parts.append(b"new")
            self._folder_hash = _digest(*parts)
        return self._folder_hash

    def get(self, path: Path, key: str) -> Any:
        """The cached value for ``path`` under ``key``, or None (a miss)."""
        entry = self.entries.get(str(path))
        if entry is None or entry[0] != key:
            return None
        try:
            return from_data(entry[1], self.value_type)
        except (ShapeError, RecursionError):
            return None

    def put(self, path: Path, key: str, value: Any) -> None:
        if self.path is None:
            return
        try:
            data = to_data(value)
        except TypeError:
            return
        self.entries[str(path)] = (key, data)
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty or self.secret is None:
            return
        body = json.dumps(
            {k: [key, value] for k, (key, value) in sorted(self.entries.items())},
            ensure_ascii=True,
            separators=(",", ":"),
        ).encode("ascii")
        with contextlib.suppress(OSError):
            _prepare(self.path.parent.parent)
            self.path.parent.mkdir(exist_ok=True)
            if os.path.islink(self.path.parent):
                return
            # Atomic (a reader sees the old file or the new one), and nothing left behind
            # when interrupted. No fsync: a cache lost in a crash is only recomputed.
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(_MAGIC + _sign(self.secret, self.path.name, body) + b"\n")
                    handle.write(body)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise


def _sign(secret: str, name: str, body: bytes) -> bytes:
    mac = hmac.new(bytes.fromhex(secret), digestmod=hashlib.blake2b)
    mac.update(__version__.encode() + b"\0" + name.encode() + b"\0")
    mac.update(body)
    return mac.hexdigest().encode("ascii")


def _read(path: Path, secret: str) -> dict[str, tuple[str, Any]]:
    """A cache file's entries: {} unless it is a regular file (no symlink, no FIFO) signed
    with this user's secret and holding a JSON object of ``[key, data]`` pairs."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return {}
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
                return {}
            raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError:
            return {}
    head, _, body = raw.partition(b"\n")
    if not head.startswith(_MAGIC) or not hmac.compare_digest(
        head[len(_MAGIC) :], _sign(secret, path.name, body)
    ):
        return {}
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    if type(data) is not dict:
        return {}
    entries: dict[str, tuple[str, Any]] = {}
    for name, entry in data.items():
        if type(entry) is list and len(entry) == 2 and type(entry[0]) is str:
            entries[name] = (entry[0], entry[1])
    return entries


@functools.cache
def _code() -> str:
    """This copy of the package's code: results computed by other code never match."""
    package = Path(__file__).resolve().parent
    parts = [__version__.encode()]
    for source in sorted(package.rglob("*.py")):
        with contextlib.suppress(OSError):
            parts += [source.relative_to(package).as_posix().encode(), source.read_bytes()]
    return _digest(*parts)


def key(options_fingerprint: str, data: bytes, *extra: str) -> str:
    return _digest(
        _code().encode(), options_fingerprint.encode(), data, *(e.encode() for e in extra)
    )
