"""run_files: results in path order whatever the number of workers (with or without a
progress callback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_fixer.runner import Options, run_files

SOURCES = [
    "from django.db import migrations\nops = [migrations.RunSQL('SELECT 1')]\n",
    "from django.db import migrations\n",
    "from django.db import migrations\nops = [migrations.RunPython(f)]\n",
    "ops = [RunSQL(\n",
]


@pytest.fixture
def paths(tmp_path: Path) -> list[Path]:
    out = []
    for i in range(130):
        path = tmp_path / f"app{i % 3}" / "migrations" / f"{i:04d}_m.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SOURCES[i % len(SOURCES)])
        out.append(path)
    return out


Summary = list[tuple[str, list[str], bool]]


def summary(paths: list[Path], jobs: int, progress: bool) -> Summary:
    ticks: list[int] = []
    options = Options(select=frozenset({"MF001", "MF002"}), rewrite=True)
    results = list(run_files(paths, options, jobs, ticks.append if progress else None))
    assert sum(ticks) == (len(paths) if progress else 0)
    return [
        (
            r.path.name,
            [f.code for f in r.findings] + [p.message for p in r.problems],
            bool(r.change),
        )
        for r in results
    ]


def test_same_results_in_path_order_for_any_jobs(paths: list[Path]) -> None:
    one = summary(paths, 1, progress=False)
    assert [name for name, _, _ in one] == [p.name for p in paths]
    assert one[:4] == [
        ("0000_m.py", ["MF002"], True),
        ("0001_m.py", [], False),
        ("0002_m.py", ["MF001"], True),
        ("0003_m.py", ["cannot parse: '(' was never closed"], False),
    ]
    assert summary(paths, 2, progress=False) == one
    assert summary(paths, 2, progress=True) == one
    assert summary(paths, 1, progress=True) == one


def test_a_file_too_deep_to_analyse_is_reported_not_crashed(
    paths: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import migration_fixer.runner as runner

    real = runner.process_file

    def deep(path: Path, *args: object) -> runner.FileResult:
        if path == paths[0]:
            raise RecursionError("maximum recursion depth exceeded")
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "process_file", deep)
    options = Options(select=frozenset({"MF001", "MF002"}), rewrite=False)
    results = list(run_files(paths[:3], options, 1))
    assert [p.message for p in results[0].problems] == [
        "cannot analyse: the code is nested too deeply"
    ]
    assert [f.code for f in results[2].findings] == ["MF001"]


def test_an_interrupt_cancels_the_pending_batches(paths: list[Path]) -> None:
    options = Options(select=frozenset({"MF001", "MF002"}), rewrite=False)

    def interrupt(count: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        list(run_files(paths, options, 2, interrupt))


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_ctrl_c_or_sigterm_is_noticed_and_the_handler_restored(signum: str) -> None:
    import os
    import signal

    from migration_fixer import runner

    number = getattr(signal, signum)
    previous = signal.getsignal(number)
    with pytest.raises(KeyboardInterrupt), runner.stop_on_signals():
        os.kill(os.getpid(), number)
    assert runner._INTERRUPTED.is_set()
    assert signal.getsignal(number) is previous


def test_an_error_after_ctrl_c_stops_the_run_instead_of_blaming_the_file(
    paths: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from migration_fixer import runner

    def half_done(*args: object) -> runner.FileResult:
        raise KeyError("metadata of a node an interrupt left half-computed")

    monkeypatch.setattr(runner, "process_file", half_done)
    monkeypatch.setattr(runner, "_INTERRUPTED", type(runner._INTERRUPTED)())
    options = Options(select=frozenset({"MF001"}), rewrite=False)
    assert (
        runner._process_safely(paths[0], options, {})
        .problems[0]
        .message.startswith("internal error, file left untouched: KeyError")
    )
    runner._INTERRUPTED.set()
    with pytest.raises(KeyboardInterrupt):
        runner._process_safely(paths[0], options, {})


def test_interrupts_are_left_alone_outside_the_main_thread() -> None:
    import signal
    import threading

    from migration_fixer import runner

    seen: list[object] = []

    def work() -> None:
        with runner.stop_on_signals():
            seen.append(signal.getsignal(signal.SIGINT))

    before = signal.getsignal(signal.SIGINT)
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [before]


@pytest.mark.parametrize("enabled", [True, False])
def test_a_run_collects_only_between_folders_and_leaves_the_collector_as_it_was(
    enabled: bool,
) -> None:
    import gc

    from migration_fixer import runner

    seen: list[bool] = []
    was = gc.isenabled()

    def run() -> None:
        with runner.collections_between_folders():
            seen.append(gc.isenabled())
            raise LookupError("stopped")

    try:
        gc.enable() if enabled else gc.disable()
        with pytest.raises(LookupError, match="stopped"):
            run()
        assert seen == [False]
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_what_cycles_leave_is_collected_between_folders_when_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from migration_fixer import runner

    collected: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation) or 0)
    counts = iter([(49_999, 0, 0), (50_000, 0, 0), (50_000, 9, 0), (50_000, 9, 99)])
    monkeypatch.setattr(gc, "get_count", lambda: next(counts))
    for name in ("a", "b", "c", "d"):
        (tmp_path / name / "migrations").mkdir(parents=True)
        (tmp_path / name / "migrations" / "0001_initial.py").write_text("x = 1\n")
    paths = sorted(tmp_path.glob("*/migrations/0001_initial.py"))
    options = Options(select=frozenset({"MF001"}), rewrite=False)
    with runner.collections_between_folders():
        runner.process_batch(paths, options)
    assert collected == [0, 1, 2]
    runner.collect_if_due()  # (outside a run, the collector runs on its own)
    assert collected == [0, 1, 2]


def test_small_folders_share_a_batch_and_big_ones_are_cut_unless_the_history_is_read() -> None:
    from migration_fixer import runner

    def folder(name: str, count: int) -> list[Path]:
        return [Path(name, "migrations", f"{i:04d}_m.py") for i in range(count)]

    small, big, tiny = folder("a", 40), folder("b", 150), folder("c", 30)
    paths = small + big + folder("d", 30) + tiny
    by_size = [len(batch) for batch in runner._batches(paths, by_folder=False)]
    assert by_size == [64, 64, 22, 70, 30]
    assert [len(batch) for batch in runner._batches(paths, by_folder=True)] == [150, 70, 30]
    assert runner._batches(paths, by_folder=True)[1] == small + folder("d", 30)


def test_a_batch_of_several_folders_is_processed_folder_by_folder_in_its_order(
    paths: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from migration_fixer import runner

    seen: list[tuple[str, list[str]]] = []
    real = runner._process_folder

    def spy(folder: Path, files: list[Path], options: Options) -> list[runner.FileResult]:
        seen.append((folder.parent.name, [f.name for f in files]))
        return real(folder, files, options)

    monkeypatch.setattr(runner, "_process_folder", spy)
    mixed = paths[:6]  # app0, app1, app2, app0, app1, app2
    options = Options(select=frozenset({"MF001", "MF002"}), rewrite=False)
    results = runner.process_batch(mixed, options)
    assert seen == [
        ("app0", ["0000_m.py", "0003_m.py"]),
        ("app1", ["0001_m.py", "0004_m.py"]),
        ("app2", ["0002_m.py", "0005_m.py"]),
    ]
    assert [r.path for r in results] == mixed
    assert [[f.code for f in r.findings] + [p.message for p in r.problems] for r in results] == [
        ["MF002"],
        [],
        ["MF001"],
        ["cannot parse: '(' was never closed"],
        ["MF002"],
        [],
    ]


def test_a_worker_sends_back_only_the_results_that_say_something(paths: list[Path]) -> None:
    from migration_fixer import runner

    options = Options(select=frozenset({"MF001", "MF002"}), rewrite=False)
    sent = runner._worker_batch([str(p) for p in paths[:5]], options)
    assert [(index, result.path) for index, result in sent] == [
        (0, paths[0]),
        (2, paths[2]),
        (3, paths[3]),
        (4, paths[4]),
    ]


def test_the_biggest_batches_go_to_the_workers_first(paths: list[Path]) -> None:
    from migration_fixer import runner

    class Pool:
        def __init__(self) -> None:
            self.tasks: list[list[str]] = []
            self.pending = 0

        def submit(self, key: object, task: list[str]) -> None:
            self.tasks.append(task)

    pool = Pool()
    batches = [paths[:2], paths[2:7], paths[7:8], paths[8:13]]
    assert list(runner._isolated(pool, batches)) == []  # type: ignore[arg-type]
    assert pool.tasks == [
        [str(p) for p in paths[2:7]],
        [str(p) for p in paths[8:13]],
        [str(p) for p in paths[:2]],
        [str(p) for p in paths[7:8]],
    ]


def test_a_folder_line_length_is_read_once_per_folder_and_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from migration_fixer import runner

    for project, length in (("one", 79), ("two", 100)):
        (tmp_path / project / "app" / "migrations").mkdir(parents=True)
        (tmp_path / project / "pyproject.toml").write_text(
            f"[tool.black]\nline-length = {length}\n"
        )
    options = Options(select=frozenset({"MF001"}), rewrite=True)
    relative = Path("app/migrations/0001_m.py")
    monkeypatch.chdir(tmp_path / "one")
    assert options.line_length_for(relative) == 79
    assert options.line_length_for(tmp_path / "two" / relative) == 100
    monkeypatch.chdir(tmp_path / "two")
    assert options.line_length_for(relative) == 100
    calls = runner._folder_line_length.cache_info()
    assert options.line_length_for(relative) == 100
    assert runner._folder_line_length.cache_info().hits == calls.hits + 1


def test_the_line_length_is_looked_for_only_when_a_fix_is_written(
    paths: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Path] = []

    def line_length_for(self: Options, path: Path) -> int:
        asked.append(path)
        return 88

    monkeypatch.setattr(Options, "line_length_for", line_length_for)
    checked = Options(select=frozenset({"MF001", "MF002"}), rewrite=False)
    assert [r.findings[0].code for r in run_files(paths[:3], checked, 1) if r.findings] == [
        "MF002",
        "MF001",
    ]
    assert asked == []
    fixed = Options(select=frozenset({"MF001", "MF002"}), rewrite=True)
    assert sum(bool(r.change) for r in run_files(paths[:3], fixed, 1)) == 2
    assert asked == [paths[0], paths[2]]


def test_the_sql_parser_is_imported_before_the_workers_start_when_mf002_is_selected(
    paths: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from migration_fixer import sqlinverse

    imports: list[str] = []
    monkeypatch.setattr(sqlinverse, "import_parser", lambda: imports.append("sqlglot"))
    for select, jobs in (({"MF001", "MF002"}, 2), ({"MF001"}, 2), ({"MF001", "MF002"}, 1)):
        list(run_files(paths, Options(select=frozenset(select), rewrite=False), jobs))
    assert imports == ["sqlglot"]


def test_import_parser_imports_the_dialects_invert_reads_with() -> None:
    import sys

    from migration_fixer.sqlinverse import import_parser

    import_parser()
    assert {
        "sqlglot.dialects.postgres",
        "sqlglot.dialects.mysql",
        "sqlglot.dialects.sqlite",
    } <= set(sys.modules)


def test_a_folder_history_takes_the_bytes_its_batch_read(
    tmp_path: Path, file_reads: list[Path]
) -> None:
    from migration_fixer import runner

    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    initial = (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [\n"
        "        migrations.CreateModel(\n"
        '            name="Product",\n'
        '            fields=[("id", models.AutoField(primary_key=True)),\n'
        '                    ("stock", models.IntegerField())],\n'
        "        ),\n"
        "    ]\n"
    )
    removal = (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        '    operations = [migrations.RemoveField(model_name="product", name="stock")]\n'
    )
    paths = [folder / "0001_initial.py", folder / "0002_remove.py"]
    for path, text in zip(paths, (initial, removal), strict=True):
        path.write_text(text)
    file_reads.clear()
    options = Options(select=frozenset({"MF003"}), rewrite=False)
    results = runner.process_batch(paths, options)
    assert [[f.code for f in r.findings] for r in results] == [[], ["MF003"]]
    assert file_reads == paths


def test_history_load_takes_the_bytes_it_is_given_over_the_disk(tmp_path: Path) -> None:
    from migration_fixer.history import History

    path = tmp_path / "0001_initial.py"
    path.write_text("operations = [\n")  # does not parse: the bytes given do
    history = History.load(tmp_path, read={path: b"operations = []\n"})
    assert history.problems == []
    assert list(history.files) == ["0001_initial"]


def test_a_folder_leaves_nothing_behind_for_the_collector(tmp_path: Path) -> None:
    """What a folder's processing builds (its history, the migrations it parsed, the
    frames of a rule) is freed as soon as the folder is done, by reference counting: no
    reference cycle holds it until the collector's next full collection (a nested
    function that calls itself, an object pointing back to its owner, an exception kept
    with its traceback)."""
    import gc

    from migration_fixer import runner
    from migration_fixer.history import History, MigrationFile

    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    head = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
    (folder / "0001_initial.py").write_text(
        head + "\n    operations = [\n        migrations.CreateModel(\n"
        '            name="Product",\n            fields=[\n'
        '                ("id", models.AutoField(primary_key=True)),\n'
        '                ("sku", models.CharField(max_length=9)),\n'
        "            ],\n        ),\n    ]\n"
    )
    (folder / "0002_sku.py").write_text(
        head + '    dependencies = [("shop", "0001_initial")]\n\n    operations = [\n'
        '        migrations.RunSQL("CREATE TABLE (("),\n'  # (the SQL parser raises)
        '        migrations.RemoveField(model_name="product", name="sku"),\n    ]\n'
    )
    # (MF001 and MF004 share their reading of the forward function.)
    (folder / "0003_seed.py").write_text(
        "from django.db import migrations\n\n\n"
        "def seed(apps, schema_editor):\n"
        '    apps.get_model("shop", "Product").objects.create(sku="a")\n\n\n'
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0002_sku")]\n\n'
        "    operations = [migrations.RunPython(seed)]\n"
    )
    options = Options(select=frozenset({"MF001", "MF002", "MF003", "MF004"}), rewrite=False)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        results = runner.process_batch(sorted(folder.glob("0*.py")), options)
        assert sorted(f.code for r in results for f in r.findings) == [
            "MF001",
            "MF002",
            "MF003",
            "MF004",
        ]
        del results
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    kept = {
        History.__name__,
        MigrationFile.__name__,
        "Module",
        "FunctionDef",
        "FileContext",
        "frame",
        "traceback",
    }
    assert not left & kept, left
