#!/usr/bin/env python3
"""``manage.py rehearse_rollback`` against plain ``manage.py migrate`` of the same plan, on SQLite.

Usage, from the repository root, with the project's Python (Django installed)::

    python benchmarks/bench_rehearsal.py                # 50 migrations over 30 models, best of 3
    python benchmarks/bench_rehearsal.py --runs 5 --json benchmarks/.results/rehearsal.json

It writes a throw-away Django project (one app, ``bench``) whose 50 migrations create 30 models
(foreign keys to earlier models, some nullable, a self reference, a many-to-many, unique
fields) and then change them the way real projects do (fields added with a default, altered,
renamed, removed when nullable, indexes and unique constraints added): every migration is
reversible, so the rehearsal passes. Each measurement is a fresh process on a fresh database:

* ``migrate``: ``manage.py migrate`` of the whole plan on an empty SQLite file;
* ``rehearse``: ``manage.py rehearse_rollback bench:zero`` (the same 50 migrations: forward,
  rows in every table, back, schema and rows compared, forward again).

Printed: the best wall time and CPU time (user + system of the child process) of each, and the
ratio of the CPU times (the target is at most 4x; CPU time, because wall time on a shared
machine measures the neighbours), with the rehearsal's own step times.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MODELS = 30
MIGRATIONS = 50

SETTINGS = """\
import os

SECRET_KEY = "bench"
INSTALLED_APPS = ["migration_fixer.django", "bench"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["BENCH_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
"""

MANAGE = """\
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
"""

ID = "('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False))"


def _create(i: int) -> str:
    fields = [
        ID,
        "('name', models.CharField(max_length=40))",
        "('code', models.SlugField(max_length=20, unique=True))",
        "('amount', models.DecimalField(max_digits=8, decimal_places=2))",
        "('created', models.DateTimeField(auto_now_add=True))",
        "('note', models.TextField(blank=True, null=True))",
    ]
    if i > 0:
        null = "null=True, " if i % 3 == 0 else ""
        fields.append(
            f"('parent', models.ForeignKey({null}on_delete=django.db.models.deletion.CASCADE, "
            f"to='bench.model{i - 1:02d}'))"
        )
    if i == 5:
        fields.append(
            "('up', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, "
            "to='bench.model05'))"
        )
    if i == 7:
        fields.append("('tags', models.ManyToManyField(to='bench.model03'))")
    body = "".join(f"                {f},\n" for f in fields)
    return (
        f"        migrations.CreateModel(\n            name='Model{i:02d}',\n"
        f"            fields=[\n{body}            ],\n        ),\n"
    )


def _change(k: int) -> str:
    model = f"model{k % MODELS:02d}"
    kind = k % 5
    if kind == 0:
        return (
            f"        migrations.AddField(model_name='{model}', name='extra{k}', "
            "field=models.IntegerField(default=0)),\n"
        )
    if kind == 1:
        return (
            f"        migrations.AlterField(model_name='{model}', name='name', "
            f"field=models.CharField(max_length={60 + k})),\n"
        )
    if kind == 2:
        return (
            f"        migrations.AddIndex(model_name='{model}', index=models.Index("
            f"fields=['name', 'amount'], name='bench_{model}_{k}_idx')),\n"
        )
    if kind == 3:
        return (
            f"        migrations.RenameField(model_name='{model}', old_name='note', "
            f"new_name='remark'),\n"
        )
    return f"        migrations.RemoveField(model_name='{model}', name='note'),\n"


def write_project(root: Path) -> None:
    app = root / "bench"
    migrations = app / "migrations"
    migrations.mkdir(parents=True)
    (root / "settings.py").write_text(SETTINGS)
    (root / "manage.py").write_text(MANAGE)
    (app / "__init__.py").write_text("")
    (migrations / "__init__.py").write_text("")
    operations: list[str] = [_create(i) for i in range(MODELS)]
    # Each model's `note` is renamed or removed at most once (kind 3 and 4 touch distinct ones).
    touched: set[str] = set()
    k = 0
    while len(operations) < MIGRATIONS:
        model = f"model{k % MODELS:02d}"
        if k % 5 in (3, 4) and model in touched:
            k += 1
            continue
        if k % 5 in (3, 4):
            touched.add(model)
        operations.append(_change(k))
        k += 1
    previous = None
    for number, operation in enumerate(operations, 1):
        name = f"{number:04d}_step"
        deps = f"('bench', '{previous}')" if previous else ""
        (migrations / f"{name}.py").write_text(
            "import django.db.models.deletion\nfrom django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n"
            f"    dependencies = [{deps}]\n"
            f"    operations = [\n{operation}    ]\n"
        )
        previous = name


def run(root: Path, args: list[str], db: Path) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stdout) of one ``manage.py`` run."""
    if db.exists():
        db.unlink()
    env = {**os.environ, "BENCH_DB": str(db), "PYTHONPATH": str(REPO)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return wall, cpu, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_rehearsal_") as tmp:
        root = Path(tmp) / "project"
        write_project(root)
        db = Path(tmp) / "db.sqlite3"
        migrates = [run(root, ["migrate", "-v", "0"], db) for _ in range(options.runs)]
        rehearsals = [
            run(root, ["rehearse_rollback", "bench:zero"], db) for _ in range(options.runs)
        ]
    migrate_wall = min(m[0] for m in migrates)
    migrate_cpu = min(m[1] for m in migrates)
    rehearse_wall = min(r[0] for r in rehearsals)
    rehearse_cpu = min(r[1] for r in rehearsals)
    output = min(rehearsals)[2]
    ratio = rehearse_cpu / migrate_cpu
    print(f"plan: {MIGRATIONS} migrations over {MODELS} models (SQLite), best of {options.runs}")
    print("                              wall      CPU")
    print(f"manage.py migrate            {migrate_wall:6.2f} s  {migrate_cpu:6.2f} s")
    print(
        f"manage.py rehearse_rollback  {rehearse_wall:6.2f} s  {rehearse_cpu:6.2f} s"
        f"   ({ratio:.2f}x CPU, {rehearse_wall / migrate_wall:.2f}x wall; target <= 4x)"
    )
    print(output.rstrip())
    if options.json is not None:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        figures = {
            "migrate_wall": migrate_wall,
            "migrate_cpu": migrate_cpu,
            "rehearse_wall": rehearse_wall,
            "rehearse_cpu": rehearse_cpu,
            "ratio_cpu": ratio,
        }
        options.json.write_text(json.dumps(figures, indent=2))
    return 0 if ratio <= 4 else 1


if __name__ == "__main__":
    raise SystemExit(main())
