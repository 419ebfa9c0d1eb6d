"""[tool.migration-fixer] in pyproject.toml, merged with the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from _git_helpers import BAD, RUNSQL, invoke, write

from migration_fixer.config import (
    Config,
    ConfigError,
    Mode,
    anchor_per_file_ignores,
    build_config,
)
from migration_fixer.rules import RULES_BY_CODE


def config_from(tmp_path: Path, toml: str, **options: object) -> Config:
    write(tmp_path, "pyproject.toml", toml)
    kwargs: dict[str, object] = {"select": None, "ignore": None, **options}
    return build_config(paths=[tmp_path], mode=Mode.CHECK, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, "shop/migrations/0001_initial.py", BAD)
    write(tmp_path, "shop/migrations/0002_sql.py", RUNSQL)
    write(tmp_path, "legacy/migrations/0001_initial.py", BAD)
    write(tmp_path, "project/dbmigrations/blog/0001_initial.py", RUNSQL)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _paths_and_codes(out: str) -> list[tuple[str, str]]:
    rows = []
    for line in out.splitlines()[:-1]:
        path, _, _, rest = line.split(":", 3)
        rows.append((path, rest.split()[0]))
    return rows


def test_no_pyproject_means_defaults(tmp_path: Path) -> None:
    config = build_config(paths=[tmp_path], mode=Mode.CHECK, select=None, ignore=None)
    # Every rule but the preview ones, which run only when selected.
    assert config.select == frozenset(RULES_BY_CODE) - {"MF005"}
    assert {"MF001", "MF002"} <= config.select
    for select, chosen in (("MF005", {"MF005"}), ("ALL", set(RULES_BY_CODE)), ("MF00", None)):
        asked = build_config(paths=[tmp_path], mode=Mode.CHECK, select=select, ignore=None)
        assert asked.select == (chosen or frozenset(RULES_BY_CODE))
    assert (config.exclude, config.extend_include, config.per_file_ignores) == ((), (), ())


def test_every_key(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        """
[tool.migration-fixer]
select = ["MF001", "MF002"]
ignore = ["MF002"]
exclude = ["legacy/"]
extend-include = ["project/dbmigrations/**/*.py"]
per-file-ignores = { "shop/migrations/0001_*.py" = ["MF001"], "old" = "MF002" }
""",
    )
    assert config.select == {"MF001"}
    assert config.exclude == ("legacy/",)
    assert config.extend_include == ("project/dbmigrations/**/*.py",)
    assert config.per_file_ignores == (
        ("shop/migrations/0001_*.py", frozenset({"MF001"})),
        ("old", frozenset({"MF002"})),
    )
    assert config.root == tmp_path


def test_the_nearest_pyproject_is_used(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.migration-fixer]\nselect = ["MF001"]\n')
    write(tmp_path, "sub/pyproject.toml", '[tool.migration-fixer]\nselect = ["MF002"]\n')
    (tmp_path / "sub/app").mkdir()
    config = build_config(paths=[tmp_path / "sub/app"], mode=Mode.CHECK, select=None, ignore=None)
    assert config.select == {"MF002"}
    assert config.root == tmp_path / "sub"


def test_cli_select_replaces_the_files_select_and_ignore(tmp_path: Path) -> None:
    toml = '[tool.migration-fixer]\nselect = ["MF001"]\nignore = ["MF002"]\n'
    assert config_from(tmp_path, toml, select="MF002").select == {"MF002"}
    assert config_from(tmp_path, toml, ignore="MF001").select == frozenset()
    assert config_from(tmp_path, toml, select="MF", ignore="MF001").select == frozenset(
        RULES_BY_CODE
    ) - {"MF001"}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[tool.migration-fixer]\nselect = 1\n",
            "pyproject.toml: [tool.migration-fixer] select: expected a list of rule codes, got 1",
        ),
        (
            '[tool.migration-fixer]\nselect = ["MF999"]\n',
            "pyproject.toml: [tool.migration-fixer] select: unknown rule code 'MF999' (known: ",
        ),
        (
            '[tool.migration-fixer]\nignore = ["MF001", "XYZ1"]\n',
            "pyproject.toml: [tool.migration-fixer] ignore: unknown rule code 'XYZ1' (known: ",
        ),
        (
            '[tool.migration-fixer]\nexclude = "legacy"\n',
            "pyproject.toml: [tool.migration-fixer] exclude: expected a list of strings, "
            "got 'legacy'",
        ),
        (
            "[tool.migration-fixer]\nextend-include = [1]\n",
            "pyproject.toml: [tool.migration-fixer] extend-include: expected a list of strings",
        ),
        (
            '[tool.migration-fixer]\nper-file-ignores = ["x"]\n',
            "pyproject.toml: [tool.migration-fixer] per-file-ignores: expected a table of "
            "glob = [codes], got ['x']",
        ),
        (
            '[tool.migration-fixer.per-file-ignores]\n"a/*.py" = ["MF007"]\n',
            "pyproject.toml: [tool.migration-fixer] per-file-ignores 'a/*.py': unknown rule "
            "code 'MF007'",
        ),
        (
            '[tool.migration-fixer]\nextend_include = ["x"]\n',
            "pyproject.toml: [tool.migration-fixer] unknown key 'extend_include' "
            "(did you mean 'extend-include'? known: dialect, exclude, extend-include, "
            "field-classes, ignore, line-length, per-file-ignores, select, strategy, "
            "unsafe-fixes)",
        ),
        (
            "[tool.migration-fixer]\nline-length = 0\n",
            "pyproject.toml: [tool.migration-fixer] line-length: expected a positive integer, "
            "got 0",
        ),
        (
            '[tool.migration-fixer]\nstrategy = "drop"\n',
            "pyproject.toml: [tool.migration-fixer] strategy: expected 'nullable' or "
            "'db-default', got 'drop'",
        ),
        (
            '[tool.migration-fixer.field-classes]\n"shop.fields.SkuField" = "Charfield"\n',
            "pyproject.toml: [tool.migration-fixer] field-classes 'shop.fields.SkuField': "
            "'Charfield' is not a Django field class this tool knows (e.g. \"CharField\" or "
            '"django.db.models.CharField")',
        ),
        (
            '[tool.migration-fixer.field-classes]\n"shop.fields.SkuField" = "forms.CharField"\n',
            "pyproject.toml: [tool.migration-fixer] field-classes 'shop.fields.SkuField': "
            "'forms.CharField' is not a Django field class this tool knows",
        ),
        (
            '[tool.migration-fixer]\nfield-classes = ["CharField"]\n',
            "pyproject.toml: [tool.migration-fixer] field-classes: expected a table of "
            '"dotted.path" = "DjangoClass", got [\'CharField\']',
        ),
        (
            '[tool.migration-fixer.field-classes]\nSkuField = "CharField"\n',
            "pyproject.toml: [tool.migration-fixer] field-classes: 'SkuField' is not a dotted "
            "path to a class",
        ),
        ("tool.migration-fixer = 3\n", "pyproject.toml: [tool.migration-fixer] must be a table"),
        ("[tool.migration-fixer\n", "pyproject.toml: cannot read: "),
    ],
)
def test_invalid_config_is_a_one_line_error_naming_the_key(
    project: Path, toml: str, message: str
) -> None:
    write(project, "pyproject.toml", toml)
    with pytest.raises(ConfigError) as raised:
        build_config(paths=[Path(".")], mode=Mode.CHECK, select=None, ignore=None)
    assert str(raised.value).startswith(message)
    code, out, err = invoke("--check")
    assert code == 2
    assert out == ""
    assert err.startswith("error: " + message)
    assert err.count("\n") == 1


def test_field_classes(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        "[tool.migration-fixer.field-classes]\n"
        '"shop.fields.SkuField" = "CharField"\n'
        '"shop.fields.Money" = "django.db.models.DecimalField"\n'
        '"shop.fields.Tags" = "django.contrib.postgres.fields.ArrayField"\n',
    )
    assert config.field_classes == (
        ("shop.fields.Money", "DecimalField"),
        ("shop.fields.SkuField", "CharField"),
        ("shop.fields.Tags", "ArrayField"),
    )


def test_unknown_code_on_the_command_line(project: Path) -> None:
    code, out, err = invoke("--check", "--select", "MF001,MF404")
    assert (code, out) == (2, "")
    assert err.startswith("error: --select: unknown rule code 'MF404' (known: MF001, MF002")


def test_config_drives_a_run_and_cli_overrides_it(project: Path) -> None:
    write(
        project,
        "pyproject.toml",
        """
[tool.migration-fixer]
select = ["MF001", "MF002"]
exclude = ["legacy"]
extend-include = ["project/dbmigrations/*/*.py"]

[tool.migration-fixer.per-file-ignores]
"shop/migrations/0002_*.py" = ["MF002"]
""",
    )
    code, out, err = invoke("--check")
    assert (code, err) == (1, "")
    assert _paths_and_codes(out) == [
        ("project/dbmigrations/blog/0001_initial.py", "MF002"),
        ("shop/migrations/0001_initial.py", "MF001"),
    ]
    code, out, _ = invoke("--check", "--select", "MF002")
    assert _paths_and_codes(out) == [("project/dbmigrations/blog/0001_initial.py", "MF002")]
    code, out, _ = invoke("--check", "--ignore", "MF002")
    assert _paths_and_codes(out) == [("shop/migrations/0001_initial.py", "MF001")]


def test_per_file_ignores_from_a_subfolder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        project,
        "pyproject.toml",
        '[tool.migration-fixer.per-file-ignores]\n"shop/migrations/0001_*.py" = ["MF001"]\n'
        '"0002_sql.py" = ["MF002"]\n',
    )
    monkeypatch.chdir(project / "shop")
    code, out, err = invoke("--check")
    assert (code, out, err) == (0, "No findings in 2 migration files.\n", "")


def test_explicit_config_file(project: Path) -> None:
    write(project, "other.toml", '[tool.migration-fixer]\nselect = ["MF002"]\n')
    code, out, _ = invoke("--check", "--config", "other.toml", "shop")
    assert code == 1
    assert _paths_and_codes(out) == [("shop/migrations/0002_sql.py", "MF002")]


def test_anchor_per_file_ignores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path.resolve().as_posix()
    codes = frozenset({"MF001"})
    assert [g for g, _ in anchor_per_file_ignores([("a/*.py", codes)], tmp_path)] == [
        "a/*.py",
        f"{root}/a/*.py",
        "a/*.py/*",
        f"{root}/a/*.py/*",
    ]
    assert [g for g, _ in anchor_per_file_ignores([("x.py", codes)], tmp_path / "sub")] == [
        "sub/x.py",
        f"{root}/sub/x.py",
        "sub/*/x.py",
        f"{root}/sub/*/x.py",
        "sub/x.py/*",
        f"{root}/sub/x.py/*",
        "sub/*/x.py/*",
        f"{root}/sub/*/x.py/*",
    ]
