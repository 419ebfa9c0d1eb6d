"""benchmarks/fetch_corpus.py's extraction on made-up archives (nothing downloaded): the full
corpus (``--with-sources``) holds the same corpus migrations as the migrations corpus, plus
the skipped ones as context and every other ``.py`` file."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from _scripts import load_script

MIGRATION = (
    "from django.db import migrations, models\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = [{deps}]\n"
    "    operations = [migrations.AddField('item', '{name}', models.IntegerField(default=0))]\n"
)
FIRST = MIGRATION.format(deps="", name="first")
SECOND = MIGRATION.format(deps="('shop', '0001_initial')", name="second")


@pytest.fixture(scope="module")
def fetch() -> ModuleType:
    return load_script("fetch_corpus")


def wheel(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("with_sources", [False, True])
def test_the_same_migrations_with_and_without_sources(
    fetch: ModuleType, tmp_path: Path, with_sources: bool
) -> None:
    lib = fetch.Project("lib", "1.0")
    app = fetch.Project("app", "2.0")
    first = wheel(
        tmp_path / "lib-1.0-py3-none-any.whl",
        {"shop/migrations/0001_initial.py": FIRST, "shop/models.py": "MODELS = 1\n"},
    )
    # The app vendors lib's first migration (an exact duplicate) and adds its second.
    second = wheel(
        tmp_path / "app-2.0-py3-none-any.whl",
        {
            "app/vendor/shop/migrations/0001_initial.py": FIRST,
            "app/vendor/shop/migrations/0002_second.py": SECOND,
            "app/vendor/shop/migrations/__init__.py": "",
            "app/fields.py": "FIELDS = 1\n",
            "app/static/app.js": "x\n",
        },
    )
    corpus = tmp_path / "corpus"
    dedup = fetch.Deduper()
    results = [
        fetch.extract(lib, first, corpus / lib.dirname, dedup, None, with_sources),
        fetch.extract(app, second, corpus / app.dirname, dedup, None, with_sources),
    ]
    assert [(r.files, r.duplicates, r.context, r.sources) for r in results] == (
        [(1, 0, 0, 1), (1, 1, 1, 2)] if with_sources else [(1, 0, 0, 0), (1, 1, 0, 0)]
    )
    migrations = ["lib-1.0/shop/migrations/0001_initial.py"]
    migrations.append("app-2.0/app/vendor/shop/migrations/0002_second.py")
    others = [
        "app-2.0/app/fields.py",
        "app-2.0/app/vendor/shop/migrations/0001_initial.py",  # context
        "app-2.0/app/vendor/shop/migrations/__init__.py",
        "lib-1.0/shop/models.py",
    ]
    written = [f for f in listing(corpus) if not f.endswith(fetch.DONE_MARKER)]
    assert written == sorted(migrations + (others if with_sources else []))
    assert fetch.count_files(corpus, [lib, app]) == 2
    assert fetch.context_migrations(corpus) == (
        {(corpus / others[1]).resolve()} if with_sources else set()
    )
    # What a later run de-duplicates against: the corpus's migrations only.
    reloaded = fetch.Deduper()
    for project in (lib, app):
        assert fetch.load_done(corpus / project.dirname, project, reloaded, with_sources)
    assert reloaded.hashes == dedup.hashes
    # A folder of the other kind is not taken as done.
    assert fetch.load_done(corpus / lib.dirname, lib, None, not with_sources) is None
