"""The runner's per-folder planning of the new migrations fixes create: numbering,
dependencies, verification, and refusing a folder whole."""

from __future__ import annotations

from pathlib import Path

from migration_fixer.history import History
from migration_fixer.planning import Refusal, plan_folder, verify_new_migrations
from migration_fixer.rule import PLANNED_NAME, Finding, Fix, NewFile, NewMigration, RuleSettings
from migration_fixer.runner import FileResult

HEAD = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"


def mig(deps: str = "") -> str:
    return f"{HEAD}    dependencies = [{deps}]\n    operations = []\n"


def folder(tmp_path: Path, files: dict[str, str]) -> History:
    root = tmp_path / "shop" / "migrations"
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    for name, text in files.items():
        (root / name).write_text(text)
    return History.load(root)


BASE = {
    "0001_initial.py": mig(),
    "0002_a.py": mig('("shop", "0001_initial")'),
    "0003_b.py": mig('("shop", "0002_a")'),
}


def request(history: History, origin: str, suffix: str, tail: str = "") -> FileResult:
    new = NewMigration(
        history.folder / origin,
        "shop",
        suffix,
        f"# drop from {origin}\n{HEAD}    dependencies = [\n",
        tail or "    ]\n    operations = []\n",
    )
    finding = Finding(
        "MF003", "m", 8, 9, Fix((), new_migrations=(new,)), f"{PLANNED_NAME} drops it"
    )
    plain = Finding("MF003", "m", 9, 9, Fix(()), f"{PLANNED_NAME} drops it too")
    return FileResult(history.folder / origin, [finding, plain])


def test_new_migrations_are_numbered_in_a_row_after_the_leaf(tmp_path: Path) -> None:
    history = folder(tmp_path, BASE)
    untouched = FileResult(history.folder / "0001_initial.py")
    results = [
        untouched,
        request(history, "0002_a.py", "remove_product_sku"),
        request(history, "0003_b.py", "remove_product_stock"),
    ]
    planned = plan_folder(history, results)
    assert not isinstance(planned, Refusal)
    assert planned[0] is untouched
    first, second = (r.findings[0].fix for r in planned[1:])
    assert first is not None
    assert second is not None
    assert [n.path.name for n in first.new_files] == ["0004_remove_product_sku.py"]
    assert first.new_files[0].text == (
        f"# drop from 0002_a.py\n{HEAD}    dependencies = [\n"
        '        ("shop", "0003_b"),\n'
        "    ]\n    operations = []\n"
    )
    assert first.new_files[0].origin == history.folder / "0002_a.py"
    assert first.new_migrations == ()
    assert '("shop", "0004_remove_product_sku")' in second.new_files[0].text
    assert second.new_files[0].path.name == "0005_remove_product_stock.py"
    # Every finding of the file names its new migration in the hint.
    assert [f.hint for f in planned[2].findings] == [
        "0005_remove_product_stock.py drops it",
        "0005_remove_product_stock.py drops it too",
    ]


def test_a_file_that_will_not_be_written_refuses_the_whole_folder(tmp_path: Path) -> None:
    history = folder(tmp_path, BASE)
    results = [
        request(history, "0002_a.py", "remove_product_sku"),
        request(history, "0003_b.py", "remove_product_stock"),
    ]
    dirty = frozenset({str((history.folder / "0002_a.py").resolve())})
    assert plan_folder(history, results, dirty) == Refusal(
        "0002_a.py has unstaged changes and will not be written, and the new migrations "
        "of a folder are written together or not at all (commit or stash the changes, or "
        "pass --allow-dirty)",
        frozenset({history.folder / "0002_a.py", history.folder / "0003_b.py"}),
    )
    both = frozenset(str((history.folder / n).resolve()) for n in ("0002_a.py", "0003_b.py"))
    refusal = plan_folder(history, results, both)
    assert isinstance(refusal, Refusal)
    assert refusal.reason.startswith("0002_a.py, 0003_b.py have unstaged changes")


def test_two_leaves_refuse_the_folder(tmp_path: Path) -> None:
    history = folder(tmp_path, {**BASE, "0003_c.py": mig('("shop", "0002_a")')})
    refusal = plan_folder(history, [request(history, "0002_a.py", "x")])
    assert isinstance(refusal, Refusal)
    assert refusal.reason == "the folder has 2 leaf migrations"


def test_a_new_migration_that_would_be_wrong_refuses_the_folder(tmp_path: Path) -> None:
    history = folder(tmp_path, BASE)
    broken = request(history, "0002_a.py", "x", tail="    ]\n    operations = [\n")
    refusal = plan_folder(history, [broken])
    assert isinstance(refusal, Refusal)
    assert refusal.reason.startswith("the new migrations would be wrong (0004_x does not compile: ")


def new(history: History, name: str, text: str) -> NewFile:
    return NewFile(history.folder / name, text, history.folder / "0003_b.py")


def test_verification_of_new_migrations(tmp_path: Path) -> None:
    history = folder(tmp_path, BASE)
    good = mig('("shop", "0003_b")')
    assert verify_new_migrations(history, [new(history, "0004_x.py", good)]) == ""
    assert verify_new_migrations(history, [new(history, "0003_b.py", good)]) == "0003_b.py exists"
    assert verify_new_migrations(history, [new(history, "x.py", good)]) == "x has no number"
    assert (
        verify_new_migrations(history, [new(history, "0002_x.py", good)])
        == "the number of 0002_x is taken"
    )
    twice = [new(history, "0004_x.py", good), new(history, "0004_y.py", good)]
    assert verify_new_migrations(history, twice) == "the number of 0004_y is taken"
    assert verify_new_migrations(
        history, [new(history, "0004_x.py", good.replace("operations = []", "x = models.X"))]
    ) == ("0004_x uses models without importing it")
    chain = "import django.db\n" + good.replace(
        "operations = []", "x = django.contrib.sites.models.validator"
    )
    assert verify_new_migrations(history, [new(history, "0004_x.py", chain)]) == (
        "0004_x uses django.contrib.sites.models.validator without importing it"
    )
    assert (
        verify_new_migrations(history, [new(history, "0004_x.py", mig('("shop", "0009_gone")'))])
        == "0004_x depends on 0009_gone, which does not exist"
    )
    # A dependency on another new migration of the same plan exists.
    chained = [
        new(history, "0004_x.py", good),
        new(history, "0005_y.py", mig('("shop", "0004_x")')),
    ]
    assert verify_new_migrations(history, chained) == ""
    assert (
        verify_new_migrations(history, [new(history, "0004_x.py", mig('("shop", "0002_a")'))])
        == "the folder would have 2 leaf migrations (0003_b, 0004_x)"
    )


def test_rule_settings_fall_back_to_the_default() -> None:
    settings = RuleSettings((("MF003", "strategy", "db-default"),))
    assert settings.get("MF003", "strategy", "nullable") == "db-default"
    assert settings.get("MF003", "vocabulary", "ours") == "ours"
    assert settings.get("MF001", "strategy", "x") == "x"
