"""What MF003 leaves undecided, by cause shape: ``cause_shape`` on each kind of reason, and
the one-line summary ``--verbose`` prints (through click's runner)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _mf003 import initial, migration, remove
from click.testing import CliRunner

from migration_fixer.cli import cli
from migration_fixer.rule import Finding
from migration_fixer.rules.mf003_nonnull_remove_field import cause_shape, summarize

CANNOT = "cannot determine whether removing `product.sku` can be rolled back: "


@pytest.mark.parametrize(
    ("reason", "shape"),
    [
        ("0002_x depends on ('shop', '0001_a'), which is not in this folder",
         "a dependency is not in the folder"),
        ("dependency cycle: 0001 -> 0001", "a dependency cycle"),
        ("what `x.F` is underneath cannot be told (defined in 0001): its module `x` is not "
         "among the project's files", "a field class whose source is not found"),
        ("what `x.F` is underneath cannot be told (defined in 0001): `F` has a metaclass",
         "a field class that cannot be followed"),
        ("`F` is not a Django field class this tool knows (defined in 0001): cannot tell",
         "a field class this tool does not know"),
        ("`AutoField` is the table's generated key, and a later `RenameField` of this "
         "migration names another field `id`: rolling the migration back fails on SQLite",
         "an auto-generated primary key"),
        ("`AutoField`, the table's generated key, would be re-added while `code` is the "
         "primary key", "an auto-generated primary key"),
        ("`AutoField` is a generated key without a literal `primary_key=True`",
         "an auto-generated primary key"),
        ("the operations of tests are built dynamically (no `class Migration` at module level)",
         "not a migration module"),
        ("0002_x.py does not parse, and its text names `Product`",
         "a migration that does not parse"),
        ("the operations of 0002 are built dynamically (`operations` bound conditionally "
         "(line 4))", "a list bound to a name dynamically"),
        ("0002: `state_operations` is `ops`, changed in place (line 9)",
         "a list bound to a name dynamically"),
        ("the operations of 0002 are built dynamically (`operations` passed to `f(...)` "
         "(line 9))", "a list bound to a name dynamically"),
        ("the operations of 0002 are built dynamically (`operations` is `ops`, used by "
         "`for ... in ops: ...` (line 9))", "a list bound to a name dynamically"),
        ("the operations of 0002 are built dynamically (`operations` extended by a value that "
         "is `f()` (line 9))", "a list bound to a name dynamically"),
        ("the operations of 0002 are built dynamically (`operations` is a tuple: "
         "`operations.append(...)` fails (line 9))", "a list bound to a name dynamically"),
        ("the operations of 0002 are built dynamically (`operations` depends on more than 16 "
         "ways through the module's `if` statements)", "a list bound to a name dynamically"),
        ("the operations of 0002 are built dynamically (`operations` depends on the `if` "
         "statements at lines 4, 9 together)", "a list bound to a name dynamically"),
        ("`Product.sku` is not the same after each branch of the `if` at line 7 of 0002_x",
         "branches that disagree"),
        ("the operations of 0002 are built dynamically (`operations` is `make()`)",
         "operations built by code"),
        ("0002: the `fields` of `Product` is `FIELDS()`", "operations built by code"),
        ("`RemoveField` outside the migration's `operations` list",
         "a removal outside the operations"),
        ("0002: `RenameField` with non-literal names", "names that are not literals"),
        ("0002: custom operation `AlterSortedField` may change fields", "a custom operation"),
        ("0002: `Sub` subclasses `AlterField` with its own `__init__`", "a custom operation"),
        ("model `order` is not created in this folder's migrations",
         "a model or field from outside the folder"),
        ("`null=` is not a literal (defined in 0001)", "field arguments that are not literals"),
        ("the field is built with *args/**kwargs (defined in 0001)",
         "field arguments that are not literals"),
        ("something new", "other"),
    ],
)  # fmt: skip
def test_cause_shape(reason: str, shape: str) -> None:
    assert cause_shape(CANNOT + reason) == shape


def test_decided_findings_have_no_cause() -> None:
    assert cause_shape("removing `product.sku` cannot be rolled back: non-null") is None
    assert cause_shape(
        "`RemoveField` with non-literal names: cannot determine whether it can be rolled back"
    ) == ("names that are not literals")


def test_summary() -> None:
    findings = [
        Finding("MF003", CANNOT + "dependency cycle: a -> a", 1, 0),
        Finding("MF003", CANNOT + "model `order` is not created in this folder's migrations", 2, 0),
        Finding("MF003", CANNOT + "model `item` is not created in this folder's migrations", 3, 0),
        Finding("MF003", "removing `product.sku` cannot be rolled back: non-null", 4, 0),
        Finding("MF001", "`RunPython` without `reverse_code` cannot be reversed", 5, 0),
    ]
    assert summarize(findings) == [
        "MF003: 3 of 4 findings cannot be determined: 2 a model or field from outside the "
        "folder, 1 a dependency cycle"
    ]
    assert summarize(findings[3:]) == []


def test_verbose_prints_the_causes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "shop/migrations"
    folder.mkdir(parents=True)
    fields = ('("sku", SkuField())', '("price", models.IntegerField())')
    imports = "from vendor.fields import SkuField\n"
    (folder / "0001_initial.py").write_text(initial(*fields, imports=imports))
    (folder / "0002_remove.py").write_text(migration(remove("sku"), remove("price")))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    verbose = runner.invoke(cli, ["--no-cache", "--check", "--verbose", "."])
    assert verbose.exit_code == 1
    assert verbose.stderr == (
        "note: SQL dialect: unknown (no database engine found in the settings files); only "
        "inverses that are the same on postgresql, mysql, sqlite are written\n"
        "note: MF003: 1 of 2 findings cannot be determined: 1 a field class whose source is "
        "not found\n"
    )
    assert verbose.stdout.endswith(
        "Found 2 findings in 2 migration files (0 fixable with `migration-fixer`).\n"
    )
    quiet = runner.invoke(cli, ["--no-cache", "--check", "."])
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (1, verbose.stdout, "")
