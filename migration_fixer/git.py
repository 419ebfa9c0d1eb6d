"""Git, through GitPython: the repository root, tracked files, the base of a PR, dirty files.

Everything here degrades to ``None`` outside a repository (or without a git binary), so
callers can say clearly which git-only feature is unavailable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

try:  # GitPython raises ImportError when no git binary can be found
    import git as _git
except ImportError:  # pragma: no cover - depends on the machine
    _git = None  # type: ignore[assignment]


class GitError(Exception):
    pass


@dataclass
class Repository:
    root: Path
    _repo: _git.Repo

    def ls_files(self, paths: list[Path]) -> list[Path]:
        """Tracked and untracked-but-not-ignored files under ``paths`` (``.gitignore``
        honoured, as git itself lists them)."""
        rel = [str(p.resolve().relative_to(self.root)) or "." for p in paths]
        out = self._repo.git.ls_files(
            "-z", "--cached", "--others", "--exclude-standard", "--", *rel
        )
        return sorted({self.root / name for name in out.split("\0") if name})

    def merge_base(self, ref: str) -> str:
        try:
            bases = self._repo.merge_base(ref, "HEAD")
        except _git.GitCommandError as exc:
            raise GitError(
                f"cannot find the merge-base of {ref!r} and HEAD: {exc.stderr.strip() or exc}"
            ) from exc
        if not bases:
            raise GitError(f"{ref!r} and HEAD have no common ancestor")
        return str(bases[0].hexsha)

    def changed_since(self, base: str) -> set[Path]:
        """Files added or modified since ``base`` (committed, staged, unstaged, untracked)."""
        names = self._repo.git.diff(
            "--name-only", "-z", "--diff-filter=AMR", "--no-renames", base
        ).split("\0")
        untracked = self._repo.git.ls_files("-z", "--others", "--exclude-standard").split("\0")
        return {self.root / n for n in [*names, *untracked] if n}

    def file_exists_at(self, base: str, path: Path) -> bool:
        rel = path.resolve().relative_to(self.root).as_posix()
        try:
            self._repo.git.cat_file("-e", f"{base}:{rel}")
        except _git.GitCommandError:
            return False
        return True

    def dirty_files(self) -> set[Path]:
        """Files with uncommitted changes (staged or not)."""
        names = (
            self._repo.git.diff("--name-only", "-z", "HEAD").split("\0") if self._has_head() else []
        )
        staged = self._repo.git.diff("--name-only", "-z", "--cached").split("\0")
        return {self.root / n for n in [*names, *staged] if n}

    def _has_head(self) -> bool:
        try:
            self._repo.head.commit  # noqa: B018 - raises ValueError without commits
        except ValueError:
            return False
        return True


def open_repository(path: Path) -> Repository | None:
    if _git is None:  # pragma: no cover
        return None
    try:
        repo = _git.Repo(path if path.is_dir() else path.parent, search_parent_directories=True)
    except (_git.InvalidGitRepositoryError, _git.NoSuchPathError):
        return None
    if repo.working_tree_dir is None:
        return None
    return Repository(Path(repo.working_tree_dir).resolve(), repo)
