#!/usr/bin/env python3
"""Check MF003's table of third-party field classes against the packages' real source.

Usage, from the repository root::

    python benchmarks/verify_field_classes.py            # download into a temporary folder
    python benchmarks/verify_field_classes.py --keep DIR # download into DIR (reused if there)

Each package of ``migration_fixer.field_classes.THIRD_PARTY`` is downloaded at the version
pinned in ``VERSIONS`` (``pip download --no-deps``: a wheel or an sdist, nothing installed,
nothing imported) and unpacked; then every entry of the table is followed in that source
by the same follower MF003 uses for a project's own classes, with the table left out, for
a set of calls (no argument, then each argument the re-add rule reads given: ``True`` and
``False`` for flags, a name for values; the arguments the class requires added). The
follower's answer (the Django class, the arguments it receives, ``empty_strings_allowed``,
no column) must equal what the table says for each call, or both must say "cannot
determine". A call the real class refuses (it raises, or takes no such argument) cannot be
in a migration and is skipped. Methods the follower does not trust are allowed only where
the entry lists them as reviewed.

Prints each mismatch and the count of entries verified; exits 1 on a mismatch, 2 when the
package registry cannot be reached. The downloads are never committed (a temporary folder,
or the one given).
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from migration_fixer.field_classes import (
    RELEVANT,
    THIRD_PARTY,
    CannotFollow,
    FieldClasses,
    KnownField,
    Underlying,
    apply_known,
    describe,
    probes,
)

#: The release each package's entries were checked against.
VERSIONS = {
    "django-autoslug": "1.9.9",
    "django-ckeditor": "6.7.4",
    "django-countries": "9.1.0",
    "django-encrypted-model-fields": "0.6.5",
    "django-enumfields": "2.1.1",
    "django-extensions": "4.1",
    "django-fernet-fields": "0.6",
    "django-filer": "3.6.0",
    "django-fsm": "3.0.1",
    "django-model-utils": "5.0.0",
    "django-modelcluster": "6.5",
    "django-money": "3.6.2",
    "django-mptt": "0.20.0",
    "django-multiselectfield": "1.0.1",
    "django-parler": "2.4",
    "django-phonenumber-field": "9.0.0",
    "django-positions": "0.6.0",
    "django-stdimage": "6.0.2",
    "django-tagging": "0.5.0",
    "django-taggit": "6.1.0",
    "django-timezone-field": "7.2.2",
    "django-tinymce": "5.0.0",
    "django-versatileimagefield": "3.1",
    "djangocms-text-ckeditor": "5.1.7",
    "easy-thumbnails": "2.10.1",
    "jsonfield": "3.2.0",
    "sorl-thumbnail": "13.4.0",
    "wagtail": "8.0.1",
}


class RegistryUnreachable(Exception):
    """pip could not reach the package registry."""


def download(folder: Path) -> None:
    """Each package's pinned release, unpacked into ``folder/<package>/`` (kept if there).
    One pip run for all of them, after a first one for a small package that tells an
    unreachable registry (:class:`RegistryUnreachable`) from a real failure."""
    wanted = [p for p in sorted(VERSIONS) if not (folder / p / ".done").exists()]
    if not wanted:
        return
    archives = folder / "_archives"
    archives.mkdir(parents=True, exist_ok=True)
    first = wanted[0]
    _pip(archives, [f"{first}=={VERSIONS[first]}"], RegistryUnreachable)
    _pip(archives, [f"{p}=={VERSIONS[p]}" for p in wanted[1:]], RuntimeError)
    for archive in archives.iterdir():
        name = re.split(r"-\d", archive.name, maxsplit=1)[0].lower().replace("_", "-")
        if name in wanted:
            _unpack(archive, folder / name)
    for package in wanted:
        if not (folder / package).is_dir():
            raise RuntimeError(f"pip download gave no archive for {package}")
        (folder / package / ".done").write_text("")


def _pip(archives: Path, requirements: list[str], error: type[Exception]) -> None:
    if not requirements:
        return
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--disable-pip-version-check", "--dest", str(archives), *requirements],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise error(f"pip download {' '.join(requirements)}: {last}")


def _unpack(archive: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(target)
    else:
        with tarfile.open(archive) as tarred:
            if hasattr(tarfile, "data_filter"):  # Python 3.10.12+/3.11.4+
                tarred.extractall(target, filter="data")
            else:  # pragma: no cover - older interpreters
                tarred.extractall(target)


def _roots(folder: Path) -> list[Path]:
    """Where a package's modules are: the unpacked folder, an sdist's top folder, its src/."""
    roots = [folder]
    for child in sorted(p for p in folder.iterdir() if p.is_dir()):
        roots += [child, child / "src"]
    return [r for r in roots if r.is_dir()]


def _followed(
    qualified: str, known: KnownField, roots: list[Path], probe: dict[str, ast.expr]
) -> object:
    """What the follower finds in the source (the table left out), as plain text."""
    saved = dict(THIRD_PARTY)
    THIRD_PARTY.clear()
    try:
        reason = ""
        for root in roots:
            classes = FieldClasses([root], reviewed=known.reviewed)
            try:
                found = classes.underlying(
                    qualified, root / "app" / "migrations" / "0001.py", probe
                )
            except CannotFollow as exc:
                reason = str(exc)
                if "is not among the project's files" in reason:
                    continue
                return "cannot determine: " + reason
            shown = describe(found)
            return (
                "cannot determine: a value it cannot read"
                if "<unknown>" in shown.values()
                else shown
            )
        return "cannot determine: " + reason
    finally:
        THIRD_PARTY.update(saved)


def _tabled(qualified: str, known: KnownField, probe: dict[str, ast.expr]) -> object:
    """What the table says for the same call."""
    if known.cannot:
        return "cannot determine: " + known.cannot
    keywords = {k: v for k, v in apply_known(known, probe).items() if k in RELEVANT}
    return describe(Underlying(known.base, keywords, known.empty_strings_allowed, known.no_column))


def verify(folder: Path) -> tuple[int, list[str]]:
    """(entries verified, mismatches) for the packages unpacked in ``folder``."""
    mismatches: list[str] = []
    verified = 0
    for qualified, known in sorted(THIRD_PARTY.items()):
        roots = _roots(folder / known.package)
        wrong = list(_compare(qualified, known, roots))
        mismatches += wrong
        verified += not wrong
    return verified, mismatches


def _compare(qualified: str, known: KnownField, roots: list[Path]) -> Iterator[str]:
    if known.defined_in and not any(
        (root / known.defined_in.replace(".", "/")).with_suffix(".py").is_file() for root in roots
    ):
        yield f"{qualified}: {known.defined_in} is not in {known.package}"
    for probe in probes(known):
        found = _followed(qualified, known, roots, probe)
        if isinstance(found, str) and ("raises an error" in found or "takes no" in found):
            continue  # the class refuses this call: no migration has it
        expected = _tabled(qualified, known, probe)
        both_unknown = isinstance(found, str) and isinstance(expected, str)
        if found != expected and not both_unknown:
            call = ", ".join(f"{k}={ast.unparse(v)}" for k, v in probe.items())
            yield f"{qualified}({call}): the source gives {found}, the table {expected}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="download into this folder (reused)")
    args = parser.parse_args(argv)
    missing = sorted({k.package for k in THIRD_PARTY.values()} - set(VERSIONS))
    if missing:
        print(f"no pinned version for: {', '.join(missing)}")
        return 1
    with tempfile.TemporaryDirectory(prefix="field-classes-") as temporary:
        folder = args.keep or Path(temporary)
        try:
            download(folder)
        except RegistryUnreachable as exc:
            print(f"the package registry cannot be reached: {exc}")
            return 2
        verified, mismatches = verify(folder)
    for line in mismatches:
        print(line)
    print(
        f"{verified} of {len(THIRD_PARTY)} table entries match their package's source "
        f"({len(VERSIONS)} packages); {len(mismatches)} mismatches"
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
