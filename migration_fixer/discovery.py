"""Which files are migrations: ``*/migrations/*.py`` (minus ``__init__.py``), plus
configured extra globs, minus excludes; in a git repository, as git lists them (so
``.gitignore`` is honoured), elsewhere by walking the tree without entering virtualenvs,
VCS folders or caches. Always sorted, so every run sees the same order."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from migration_fixer.git import Repository

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".eggs",
        "__pycache__",
        "node_modules",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "site-packages",
        "build",
        "dist",
        ".direnv",
    }
)


#: Third-party code: never taken from git's listing (a virtualenv that .gitignore forgot,
#: or one committed by mistake), as ruff's default excludes do.
VENV_PARTS = frozenset({".venv", "venv", "site-packages", "node_modules", ".tox", ".nox", ".eggs"})


def _rel_posix(path: Path, root: Path) -> str:
    # Cheap first (no system call): most paths are already absolute below the root, or
    # relative to a working directory that is the root.
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return absolute.relative_to(root if root.is_absolute() else Path.cwd() / root).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def glob_match(rel: str, pattern: str) -> bool:
    """ruff-like glob matching of a root-relative posix path: ``*`` may cross folders
    (as in fnmatch), ``**/`` may match nothing, and a pattern without a slash also
    matches any single path component (``exclude = ["legacy"]``)."""
    pattern = pattern.strip().removeprefix("./")
    if pattern.endswith("/"):
        pattern += "**"
    candidates = {pattern}
    if "**/" in pattern:
        candidates.add(pattern.replace("**/", ""))
    if any(fnmatch.fnmatchcase(rel, p) for p in candidates):
        return True
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in rel.split("/"))
    # A folder pattern excludes/includes everything below it.
    return any(fnmatch.fnmatchcase(rel, p.rstrip("/") + "/*") for p in candidates)


def is_migration(path: Path, extend_include: Sequence[str] = (), root: Path | None = None) -> bool:
    """``*/migrations/*.py`` except ``__init__.py``, or a match of an ``extend-include``
    glob (relative to ``root``, the folder of the pyproject.toml)."""
    if path.suffix != ".py" or path.name == "__init__.py":
        return False
    if _folder_name(path.parent) == "migrations":
        return True
    if not extend_include:
        return False
    rel = _rel_posix(path, root or Path.cwd())
    return any(glob_match(rel, pattern) for pattern in extend_include)


def _folder_name(folder: str | os.PathLike[str]) -> str:
    """The name of ``folder``, also when it is written ``.`` or ends in ``..`` (a run from
    inside a migrations folder: ``migration-fixer .``)."""
    name = os.path.basename(folder)
    return os.path.basename(os.path.abspath(folder)) if name in ("", ".", "..") else name


def is_excluded(path: Path, root: Path, exclude: Sequence[str]) -> bool:
    if not exclude:
        return False
    rel = _rel_posix(path, root)
    return any(glob_match(rel, pattern) for pattern in exclude)


def _walk(
    root: Path,
    errors: list[tuple[Path, str]] | None = None,
    irregular: dict[str, list[str]] | None = None,
    only_in: str | None = None,
) -> Iterable[tuple[str, bool]]:
    """The ``.py`` entries below ``root`` that are not folders, as text (the folder's
    text joined to the name: no :class:`~pathlib.Path` is made for each, which cost the
    walk of 16,000 migrations twice its system calls), each with whether it is a
    regular file (or a symlink to one: the folder's listing says so without a ``stat``
    for most of them); a folder that cannot be read is reported in ``errors`` (a
    mode-000 folder is never skipped silently); ``irregular``: each folder listed that
    has ``.py`` entries, with those that are not regular files. The order of
    ``os.walk(root, followlinks=True)``, top-down. ``only_in``: only the entries of the
    folders of that name, ``__init__.py`` and ``.py`` left out (the others are told from their
    names: most ``.py`` files of a project are no migrations)."""
    seen: set[tuple[int, int]] = set()
    stack = [os.fspath(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            if errors is not None:
                errors.append((Path(exc.filename or root), f"cannot read folder: {exc.strerror}"))
            continue
        try:
            info = os.stat(folder)
        except OSError:  # pragma: no cover - vanished while walking
            continue
        key = (info.st_dev, info.st_ino)
        if key in seen:  # a symlink loop, or a folder reached twice
            continue
        seen.add(key)
        dirs: list[str] = []
        wanted = only_in is None or _folder_name(folder) == only_in
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:  # pragma: no cover - as os.walk: not a folder
                is_dir = False
            if is_dir:
                dirs.append(entry.name)
            elif (
                wanted
                and entry.name.endswith(".py")
                and (only_in is None or entry.name not in _NOT_MIGRATIONS)
            ):
                regular = regular_file(entry)
                path = entry.path  # (the folder's text joined to the name)
                if irregular is not None:
                    odd = irregular.setdefault(folder, [])
                    if not regular:
                        odd.append(path)
                yield path, regular
        kept = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
        )
        stack.extend(os.path.join(folder, d) for d in reversed(kept))


#: The ``.py`` names of a migrations folder that are no migration: the package's
#: ``__init__.py``, and a name that is all suffix (a path's suffix is then empty).
_NOT_MIGRATIONS = frozenset({"__init__.py", ".py"})


def regular_file(entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` is a regular file, or a link to one (False when that cannot be
    told, as with ``Path.is_file``): the folder's listing says so without a ``stat`` for
    most entries."""
    try:
        return entry.is_file()
    except OSError:
        return False


def loaded_by_django(name: str) -> bool:
    """Whether Django's migration loader reads the module ``name`` (a file of a migrations
    folder) as a migration: not when its name starts with ``_`` or ``~``."""
    return name[:1] not in ("_", "~")


def folder_migrations(folder: Path) -> list[Path]:
    """The migrations of ``folder`` as Django's loader finds them: its regular ``.py``
    files but those whose name starts with ``_`` or ``~`` (``__init__.py``, a
    ``_helpers.py`` the migrations import), in the order of their paths (what
    ``sorted(folder.glob("*.py"))`` gives, keeping those whose ``is_file()`` is true),
    from one listing of the folder (a migration history's files): names sort faster than
    paths. Not a regular file (a FIFO would block): left out, as the walk leaves it out."""
    try:
        with os.scandir(folder) as entries:
            names = [
                entry.name
                for entry in entries
                if os.path.normcase(entry.name).endswith(".py")
                and loaded_by_django(entry.name)
                and regular_file(entry)
            ]
    except OSError:
        return []  # (not a folder, or not readable: it has no files to read)
    names.sort(key=os.path.normcase)  # (how paths compare: by case only where it matters)
    return [folder / name for name in names]


def _in_venv(path: Path, root: Path) -> bool:
    """``path``: a file git listed (``root / name``)."""
    return not VENV_PARTS.isdisjoint(path.parts[len(root.parts) : -1])


def discover(
    paths: Sequence[Path],
    *,
    repo: Repository | None,
    root: Path,
    extend_include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    changed: set[Path] | None = None,
    errors: list[tuple[Path, str]] | None = None,
    skipped: list[Path] | None = None,
    empty: list[Path] | None = None,
) -> tuple[list[Path], list[Path]]:
    """Return (migration files, paths that do not exist).

    In a git repository the candidates are git's own list (tracked, plus untracked files
    that ``.gitignore`` does not ignore); elsewhere the folders are walked. With
    ``changed`` (absolute paths, from :meth:`Repository.changed_since`), the candidates
    are those files only: nothing else is listed or read, whatever the size of the tree.
    A ``.py`` file named explicitly on the command line is taken even outside a
    ``migrations`` folder, unless ``exclude`` matches it (so a pre-commit hook, which
    names files, honours ``exclude`` too) or ``changed`` leaves it out.

    Only regular files are read (a FIFO would block the run forever): a path on the
    command line that is neither a file nor a folder, and a folder that cannot be read,
    go to ``errors`` (path, reason); a ``.py`` entry of a migrations folder that is not a
    regular file (a FIFO, a device, a symlink to one, a dangling symlink; not a folder) goes
    to ``skipped``. Without ``changed``, a folder of ``paths`` below which no file is a
    migration (excluded or not) goes to ``empty``: its migrations, if it has any, are where
    nothing tells this tool to look.
    """
    found = _Found()
    missing: list[Path] = []
    folders: list[Path] = []
    irregular: dict[str, list[str]] = {}  # see _walk
    for path in paths:
        if not path.exists():
            missing.append(path)
        elif not path.is_file() and not path.is_dir():
            if errors is not None:
                errors.append((path, "not a regular file or a folder: skipped"))
        elif path.is_file():
            if (
                path.suffix == ".py"
                and (changed is None or path.resolve() in changed)
                and not is_excluded(path, root, exclude)
            ):
                found.add(_display(path))
        else:
            folders.append(path)
    if folders:
        # Each walked entry (as text) with the folder of ``paths`` it was found below.
        walked: list[tuple[str, bool, Path]] = []
        # The files git listed or that changed (absolute, as text: a monorepo lists tens
        # of thousands).
        listed: list[str] = []
        # Without extend-include, a migration is a file of a folder named migrations.
        only_in = None if extend_include else "migrations"
        if changed is not None:
            bases = [f.resolve() for f in folders]
            listed = [
                str(c)
                for c in changed
                if any(_below(c, b) for b in bases)
                and not (repo is not None and _in_venv(c, repo.root))
            ]
            inside: list[Path] = []
        else:
            inside = [
                p
                for p in folders
                if repo is not None and _below(p.resolve(), repo.root) and not repo.is_ignored(p)
            ]
            outside = [p for p in folders if p not in inside]
            if repo is not None and inside:
                root_text = str(repo.root)
                listed = [
                    os.path.join(root_text, name if os.sep == "/" else name.replace("/", os.sep))
                    for name in (
                        *repo.tracked_names(inside, ".py", only_in),
                        *repo.untracked_names(inside, ".py", only_in),
                    )
                    # (git lists what a walk would not enter: third-party code is dropped)
                    if VENV_PARTS.isdisjoint(name.split("/")[:-1])
                ]
            walked = [
                (path, regular, folder)
                for folder in outside
                for path, regular in _walk(folder, errors, irregular, only_in)
            ]
        venvs = _VenvCheck()
        regular_files = _RegularFiles()
        cwd = os.getcwd()
        prefix = _prefix(cwd)
        # The migrations found, excluded or not: those git listed, and the folders of
        # ``paths`` the others were walked from.
        migrations: list[str] = []
        walked_from: set[Path] = set()
        # (git was asked for the files of migrations folders only, unless the files are
        # the changed ones.)
        named_so = changed is None and only_in is not None
        for text in listed:
            shown_text = _shown(text, prefix)
            if (
                (
                    os.path.basename(text) not in _NOT_MIGRATIONS
                    if named_so
                    else is_migration(Path(shown_text), extend_include, root)
                )
                and not venvs.inside_folder(os.path.dirname(text))
                and regular_files.holds(text)
            ):
                migrations.append(text)
                if not exclude or not is_excluded(Path(text), root, exclude):
                    found.add_text(shown_text)
        for text, regular, folder in walked:
            if not regular:
                continue
            shown_text = _shown(text, prefix)
            # (Without extend-include, a walk yields the files of migrations folders only.)
            if extend_include and not is_migration(Path(shown_text), extend_include, root):
                continue
            walked_from.add(folder)
            if not exclude or not is_excluded(Path(text), root, exclude):
                found.add_text(shown_text)
        if empty is not None and changed is None:
            empty.extend(
                folder
                for folder in dict.fromkeys(folders)
                if folder not in walked_from
                and not (folder in inside and _any_below(migrations, folder.resolve()))
            )
    if skipped is not None:
        cwd = os.getcwd()
        listed_folders = {
            _display(Path(folder), cwd): [_display(Path(path), cwd) for path in paths]
            for folder, paths in irregular.items()
        }
        skipped.extend(_irregular(found.folders(), extend_include, root, listed_folders))
    return found.sorted(), missing


class _Found:
    """The migrations found, each once: walked ones kept as text until the end (a
    :class:`~pathlib.Path` made, hashed and asked for its parent for each of 16,000 files
    cost more than the walk), the others as paths."""

    def __init__(self) -> None:
        self._texts: dict[str, None] = {}
        self._paths: set[Path] = set()

    def add(self, path: Path) -> None:
        self._paths.add(path)

    def add_text(self, text: str) -> None:
        self._texts[text] = None

    def sorted(self) -> list[Path]:
        """The migrations found, each once, in order (:func:`_sorted`)."""
        if not self._paths and os.name == "posix" and _alike(self._texts):
            # As _sorted orders them, without a Path hashed for each: the texts are all
            # relative or all absolute, and are each the text of their Path (no folder
            # named twice, nothing made longer: ``a//b``, ``./a``), so that two of them
            # are never one file.
            texts = sorted(self._texts, key=lambda text: text.split("/"))
            return list(map(Path, texts))
        return _sorted(self._paths.union(map(Path, self._texts)))

    def folders(self) -> list[Path]:
        """The folders holding them (each once)."""
        texts = {os.path.dirname(text) or "." for text in self._texts}
        return list({*map(Path, texts), *(p.parent for p in self._paths)})


def _alike(texts: Iterable[str]) -> bool:
    """Whether the paths ``texts`` are all relative or all absolute, each written as its
    :class:`~pathlib.Path` writes it (POSIX)."""
    absolute = None
    for text in texts:
        if absolute is None:
            absolute = text.startswith("/")
        if text.startswith("/") is not absolute or not _NORMAL.fullmatch(text):
            return False
    return True


#: A path written as :class:`~pathlib.PurePosixPath` writes it: no empty part (``a//b``,
#: a trailing slash), no ``.`` part, not ``//`` at the start.
_NORMAL = re.compile(r"/?(?!\.(?:/|$))[^/]+(?:/(?!\.(?:/|$))[^/]+)*")


def _sorted(paths: set[Path]) -> list[Path]:
    """``sorted(paths)``: on POSIX, when the paths are all relative or all absolute, by
    their parts, compared in C (``Path.__lt__``, called 220,000 times for 16,000 paths,
    took longer than the walk's system calls)."""
    if os.name == "posix" and len({p.is_absolute() for p in paths}) <= 1:
        return sorted(paths, key=lambda p: p.parts)
    return sorted(paths)


def _irregular(
    folders: Iterable[Path],
    extend_include: Sequence[str],
    root: Path,
    listed: Mapping[Path, list[Path]] | None = None,
) -> list[Path]:
    """The migration-like entries of ``folders`` that are not regular files (git lists
    none of them, a walk skips them: say so, since the history replay skips them too).
    ``listed``: folders the walk listed already, with their ``.py`` entries that are not
    regular files (a migration is a ``.py`` file): not listed a second time."""
    irregular: list[Path] = []
    for folder in sorted(folders):
        if listed is not None and folder in listed:
            irregular.extend(p for p in listed[folder] if is_migration(p, extend_include, root))
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                regular = entry.is_file() or entry.is_dir()  # a folder is no file at all
            except OSError:
                regular = False
            if not regular and is_migration(folder / entry.name, extend_include, root):
                irregular.append(folder / entry.name)
    return sorted(irregular)


class _VenvCheck:
    """Whether a folder is inside a virtualenv (a folder holding ``pyvenv.cfg``), with a
    cache per folder so that a few thousand files cost a few hundred stats."""

    def __init__(self) -> None:
        self._cache: dict[str, bool] = {}

    def inside_folder(self, folder: str) -> bool:
        known = self._cache.get(folder)
        if known is None:
            parent = os.path.dirname(folder)
            known = os.path.isfile(os.path.join(folder, "pyvenv.cfg")) or (
                parent != folder and self.inside_folder(parent)
            )
            self._cache[folder] = known
        return known


class _RegularFiles:
    """Whether a file is a regular file (or a link to one), told from one listing of its
    folder: git lists files a checkout may not have (deleted, or replaced by a folder),
    and a ``stat`` of each of 16,000 files cost more than listing their folders."""

    def __init__(self) -> None:
        self._listed: dict[str, frozenset[str] | None] = {}

    def holds(self, text: str) -> bool:
        folder = os.path.dirname(text)
        if folder not in self._listed:
            try:
                with os.scandir(folder) as entries:
                    names = frozenset(e.name for e in entries if regular_file(e))
            except OSError:
                names = None  # (a folder that cannot be listed: each file is asked)
            self._listed[folder] = names
        names = self._listed[folder]
        # (A name the listing does not have may differ from it only by case.)
        return (names is not None and os.path.basename(text) in names) or os.path.isfile(text)


def _any_below(texts: Iterable[str], folder: Path) -> bool:
    """Whether a path of ``texts`` (absolute) is ``folder`` or below it."""
    base = str(folder)
    below = base.rstrip(os.sep) + os.sep
    return any(text == base or text.startswith(below) for text in texts)


def _below(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _display(path: Path, cwd: str | None = None) -> Path:
    """Paths relative to the working directory when they are below it."""
    if not path.is_absolute():
        return path
    prefix = _prefix(cwd)
    text = str(path)
    return Path(text[len(prefix) :]) if text.startswith(prefix) else path


def _prefix(cwd: str | None) -> str:
    """What an absolute path below the working directory ``cwd`` starts with."""
    return (cwd or os.getcwd()).rstrip("/") + "/"


def _shown(text: str, prefix: str) -> str:
    """:func:`_display` of the path a walk joined as ``text`` (a folder's text, which a
    path's is unless it is ``.``, joined to a name), as text."""
    if text.startswith(prefix):
        return text[len(prefix) :]
    return text[len(_HERE) :] if text.startswith(_HERE) else text


#: How a walk of the working directory (``.``) starts the paths it joins.
_HERE = os.curdir + os.sep
