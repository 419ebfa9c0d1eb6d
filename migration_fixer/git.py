"""Git, through GitPython: the repository root, listed files, the base of a PR, dirty files.

Everything here degrades to ``None`` outside a repository (or without a git binary), so
callers can say clearly which git-only feature is unavailable. Every query is one ``git``
command whose cost depends on what changed, never a walk over the whole tree in Python.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import git as _git
else:
    #: GitPython, imported by the first :func:`open_repository` that may find a
    #: repository (its import costs a run outside git 30 ms); None when it cannot be.
    _git: Any = None

#: Where a branch usually merges into, in the order they are tried for the default base.
DEFAULT_BASE_REFS = ("origin/HEAD", "origin/main", "origin/master", "main", "master")


class GitError(Exception):
    """A git query that cannot be answered (unknown ref, no common ancestor...)."""


def _stderr(exc: Exception) -> str:
    text = getattr(exc, "stderr", "") or ""
    lines = [line.strip() for line in str(text).strip().strip("'").splitlines() if line.strip()]
    return lines[-1].removeprefix("stderr: ").strip("' ") if lines else str(exc)


@dataclass
class Repository:
    root: Path
    _repo: _git.Repo
    #: The untracked files git listed, by the paths asked about (see :meth:`untracked`).
    _untracked: dict[tuple[str, ...], list[str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def contains(self, path: Path) -> bool:
        """Whether ``path`` is inside this repository's working tree."""
        try:
            path.resolve().relative_to(self.root)
        except ValueError:
            return False
        return True

    # -- listing ---------------------------------------------------------------------
    def _rel(self, paths: Sequence[Path]) -> list[str]:
        return [p.resolve().relative_to(self.root).as_posix() or "." for p in paths]

    def _names(self, *args: str) -> list[str]:
        out: str = self._repo.git.execute(["git", *args], strip_newline_in_stdout=False)
        return [name for name in out.split("\0") if name]

    def ls_files(self, paths: Sequence[Path]) -> list[Path]:
        """Tracked and untracked-but-not-ignored files under ``paths`` (``.gitignore``
        honoured, as git itself lists them)."""
        names = self._names(
            "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *self._rel(paths)
        )
        return sorted({self.root / name for name in names})

    def tracked(
        self, paths: Sequence[Path] = (), suffix: str = "", only_in: str | None = None
    ) -> list[Path]:
        """Tracked files under ``paths`` (ending with ``suffix``; with ``only_in``, only
        the files of the folders of that name)."""
        return [self.root / n for n in self.tracked_names(paths, suffix, only_in)]

    def tracked_names(
        self, paths: Sequence[Path] = (), suffix: str = "", only_in: str | None = None
    ) -> list[str]:
        """:meth:`tracked` as git names them (``/``-separated, relative to the root)."""
        rel = self._rel(paths) if paths else []
        names = self._names("ls-files", "-z", "--cached", "--", *rel)
        return list(_kept(names, suffix, only_in, self.root.name))

    def untracked(
        self, paths: Sequence[Path] = (), suffix: str = "", only_in: str | None = None
    ) -> set[Path]:
        """Untracked files that ``.gitignore`` does not ignore (ending with ``suffix``;
        with ``only_in``, only the files of the folders of that name), as git listed them
        when first asked about ``paths``: a file created since is not in it."""
        return {self.root / n for n in self.untracked_names(paths, suffix, only_in)}

    def untracked_names(
        self, paths: Sequence[Path] = (), suffix: str = "", only_in: str | None = None
    ) -> list[str]:
        """:meth:`untracked` as git names them (``/``-separated, relative to the root)."""
        rel = tuple(self._rel(paths)) if paths else ()
        if rel not in self._untracked:
            # Listed once for the Repository (opened once per run): a run asks for the
            # new files and for the candidates, and on a large tree each listing is a
            # walk of the working tree by git.
            self._untracked[rel] = self._names(
                "ls-files", "-z", "--others", "--exclude-standard", "--", *rel
            )
        return list(_kept(self._untracked[rel], suffix, only_in, self.root.name))

    def is_ignored(self, path: Path) -> bool:
        """Whether git ignores ``path`` (a folder named explicitly is then walked: the
        user asked for it, as ruff checks an excluded path it is given by name)."""
        try:
            self._repo.git.check_ignore("-q", "--", *self._rel([path]))
        except _git.GitCommandError:
            return False
        return True

    # -- refs --------------------------------------------------------------------------
    def resolve(self, ref: str) -> str | None:
        """The commit ``ref`` names, or None when it names none."""
        try:
            out: str = self._repo.git.rev_parse(
                "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
            )
        except _git.GitCommandError:
            return None
        return out.strip() or None

    def head(self) -> str | None:
        return self.resolve("HEAD")

    def current_branch(self) -> str | None:
        try:
            out: str = self._repo.git.symbolic_ref("--quiet", "--short", "HEAD")
        except _git.GitCommandError:
            return None  # detached
        return out.strip() or None

    def merge_base(self, ref: str) -> str:
        """The merge-base of ``ref`` and HEAD (raises :class:`GitError` with the reason)."""
        if self.resolve(ref) is None:
            raise GitError(f"unknown revision {ref!r} (no branch, tag or commit has that name)")
        if self.head() is None:
            raise GitError("the repository has no commit yet (HEAD does not exist)")
        try:
            out: str = self._repo.git.merge_base(ref, "HEAD")
        except _git.GitCommandError as exc:
            if exc.status == 1 and not str(exc.stderr or "").strip(" \n'"):
                raise GitError(f"{ref!r} and HEAD have no common ancestor") from exc
            raise GitError(
                f"cannot find the merge-base of {ref!r} and HEAD: {_stderr(exc)}"
            ) from exc
        return out.strip()

    def default_base(self) -> str | None:
        """The merge-base of HEAD with the branch it will merge into: the first of
        :data:`DEFAULT_BASE_REFS` that exists and is not the checked-out branch itself;
        None when there is none (or no commit yet)."""
        if self.head() is None:
            return None
        current = self.current_branch()
        for ref in DEFAULT_BASE_REFS:
            if ref == current or self.resolve(ref) is None:
                continue
            if ref == "origin/HEAD" and current is not None:
                target = self._symbolic("refs/remotes/origin/HEAD")
                if target == f"refs/heads/{current}":  # pragma: no cover - unusual setup
                    continue
            try:
                return self.merge_base(ref)
            except GitError:
                continue
        return None

    def _symbolic(self, name: str) -> str | None:
        try:
            out: str = self._repo.git.symbolic_ref("--quiet", name)
        except _git.GitCommandError:
            return None
        return out.strip() or None

    # -- what changed ------------------------------------------------------------------
    def changed_since(self, base: str, paths: Sequence[Path] = ()) -> set[Path]:
        """Files added or modified since ``base`` (committed, staged, unstaged and
        untracked-but-not-ignored), under ``paths`` when given. Deleted files are not
        listed; a renamed file counts as added under its new name."""
        rel = self._rel(paths) if paths else []
        names = self._names(
            "diff", "--name-only", "-z", "--no-renames", "--diff-filter=AMT", base, "--", *rel
        )
        return {self.root / n for n in names} | self.untracked(paths)

    def added_since(self, base: str, paths: Sequence[Path] = ()) -> set[Path]:
        """Files that do not exist in ``base``: added since (committed, staged or not)
        and untracked-but-not-ignored files."""
        rel = self._rel(paths) if paths else []
        names = self._names(
            "diff", "--name-only", "-z", "--no-renames", "--diff-filter=A", base, "--", *rel
        )
        return {self.root / n for n in names} | self.untracked(paths)

    def file_exists_at(self, base: str, path: Path) -> bool:
        rel = path.resolve().relative_to(self.root).as_posix()
        try:
            self._repo.git.cat_file("-e", f"{base}:{rel}")
        except _git.GitCommandError:
            return False
        return True

    def dirty_files(self, paths: Sequence[Path] = ()) -> set[Path]:
        """Files whose working-tree content differs from the index (unstaged changes,
        and unmerged files). Staged changes are not "dirty" here: git keeps a copy of
        them, so ``git diff`` shows exactly what the fixer changed and ``git restore``
        undoes it. Untracked files are not listed either (see ``docs/configuration.md``)."""
        rel = self._rel(paths) if paths else []
        return {self.root / n for n in self._names("diff", "--name-only", "-z", "--", *rel)}


def _kept(names: list[str], suffix: str, only_in: str | None, root_name: str) -> Iterator[str]:
    """The names git listed (``/``-separated, relative to the root, whose name is
    ``root_name``) that end with ``suffix`` and, with ``only_in``, are files of a folder
    of that name: told from the text, before a path is made for each (a monorepo lists
    tens of thousands)."""
    for name in names:
        if not name.endswith(suffix):
            continue
        folder = name.rpartition("/")[0]
        if only_in is None or (folder.rpartition("/")[2] if folder else root_name) == only_in:
            yield name


def open_repository(path: Path) -> Repository | None:
    start = path if path.is_dir() else path.parent
    if not _may_be_in_a_repository(start if start.exists() else Path.cwd()):
        return None
    global _git
    if _git is None:
        try:  # GitPython raises ImportError when no git binary can be found
            import git as _git
        except ImportError:  # pragma: no cover - depends on the machine
            return None
    try:
        repo = _git.Repo(start if start.exists() else Path.cwd(), search_parent_directories=True)
    except (_git.InvalidGitRepositoryError, _git.NoSuchPathError):
        return None
    if repo.working_tree_dir is None:
        return None
    try:  # git itself may refuse it ("detected dubious ownership", a safe.directory matter)
        repo.git.rev_parse("--git-dir")
    except _git.GitCommandError as exc:
        raise GitError(_refusal(exc, repo.working_tree_dir)) from None
    return Repository(Path(repo.working_tree_dir).resolve(), repo)


def _refusal(exc: Exception, root: str | os.PathLike[str]) -> str:
    """Why git refuses the repository at ``root``, in one line, with git's own advice."""
    text = str(getattr(exc, "stderr", "") or exc).strip()
    # (GitPython quotes git's output: ``stderr: 'fatal: ...'``.)
    if text.startswith("stderr: '") and text.endswith("'"):
        text = text[len("stderr: '") : -1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reason = lines[0].removeprefix("fatal: ") if lines else "unknown reason"
    advice = next((line for line in lines if line.startswith("git config")), None)
    return f"git refuses the repository at {root}: {reason}" + (
        f" (to trust it: `{advice}`)" if advice else ""
    )


def _may_be_in_a_repository(start: Path) -> bool:
    """Whether GitPython's search for a repository could find one from ``start``: a
    folder at or above it (its path resolved, as GitPython resolves it, or not) holds a
    ``.git`` entry, or is a git folder itself (it holds a ``HEAD``). False means no
    repository, without importing GitPython."""
    for base in {os.path.realpath(start), os.path.abspath(start)}:
        folder = base
        while True:
            if os.path.lexists(os.path.join(folder, ".git")) or os.path.lexists(
                os.path.join(folder, "HEAD")
            ):
                return True
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    return False
