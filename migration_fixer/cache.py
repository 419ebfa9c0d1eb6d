"""A content-hashed result cache, like ruff's: safe to delete, ignored by git.

One file per migrations folder under ``.migration_fixer_cache/<version>/``, holding each
file's result under a key that hashes everything the result depends on: the tool's code
(its version and source), the options that change results, the file's bytes and, for a
file MF003 reads the history of, the bytes of every migration in its folder and whether
the file is new relative to the git base. A file whose key matches is not parsed again;
anything else (a changed file, a corrupt or unreadable cache file) is recomputed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migration_fixer import __version__

CACHE_DIR_NAME = ".migration_fixer_cache"
_GITIGNORE = "# Automatically created by migration-fixer.\n*\n"


def _digest(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


@dataclass
class FolderCache:
    """The cached results of one migrations folder (loaded and saved by a worker)."""

    path: Path | None
    entries: dict[str, tuple[str, Any]] = field(default_factory=dict)
    dirty: bool = False
    _folder_hash: str | None = None  # see folder_hash

    @classmethod
    def load(cls, root: Path | None, folder: Path) -> FolderCache:
        if root is None:
            return cls(None)
        name = _digest(str(folder.resolve()).encode()) + ".pickle"
        path = root / __version__ / name
        try:
            with path.open("rb") as handle:
                entries = pickle.load(handle)
            if not isinstance(entries, dict):
                raise TypeError(type(entries))
        except (
            OSError,
            pickle.UnpicklingError,
            EOFError,
            TypeError,
            ValueError,
            AttributeError,
            ImportError,
            IndexError,
        ):
            entries = {}
        return cls(path, entries)

    def folder_hash(self, folder: Path, new_migrations: frozenset[str] | None) -> str:
        """All of the folder's migrations, and which of them are new relative to the git
        base, for results that depend on its history (computed once per folder)."""
        if self._folder_hash is None:
            resolved = folder.resolve()
            parts = []
            for item in sorted(folder.glob("*.py")):
                with contextlib.suppress(OSError):
                    parts += [item.name.encode(), item.read_bytes()]
                if new_migrations is not None and str(resolved / item.name) in new_migrations:
                    parts.append(b"new")
            self._folder_hash = _digest(*parts)
        return self._folder_hash

    def get(self, path: Path, key: str) -> Any:
        entry = self.entries.get(str(path))
        if entry is not None and entry[0] == key:
            return entry[1]
        return None

    def put(self, path: Path, key: str, value: Any) -> None:
        self.entries[str(path)] = (key, value)
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        with contextlib.suppress(OSError):
            _prepare(self.path.parent.parent)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Atomic (a reader sees the old file or the new one), and nothing left behind
            # when interrupted. No fsync: a cache lost in a crash is only recomputed.
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump(self.entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise


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


def _prepare(root: Path) -> None:
    """Create the cache folder with a ``.gitignore`` that ignores all of it."""
    root.mkdir(parents=True, exist_ok=True)
    ignore = root / ".gitignore"
    if not ignore.exists():
        ignore.write_text(_GITIGNORE, encoding="utf-8")
    tag = root / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by migration-fixer.\n",
            encoding="utf-8",
        )
