#!/usr/bin/env python3
"""``manage.py migrate_or_rollback`` against plain ``manage.py migrate``, both with nothing to
apply (the common deploy: the plan check, the lock and the snapshot must not make it slower).

Usage, from the repository root, with the project's Python (Django installed)::

    python benchmarks/bench_deploy.py                    # SQLite, 300 migrations, 20 apps
    python benchmarks/bench_deploy.py --runs 15 --apps 20 --per-app 15
    python benchmarks/bench_deploy.py --postgresql       # a scratch database on 127.0.0.1:5432

It generates a project (20 apps x 15 migrations: each app a few models, fields added, altered,
indexed and removed, a RunPython and a RunSQL with reverses, dependencies across apps) in a
temporary folder, migrates it once, then times, alternately, fresh processes of
``manage.py migrate -v0`` and ``manage.py migrate_or_rollback -v0``: the wall time a deploy
script sees (interpreter and Django start included). It also times both commands inside one
process (``call_command``), which leaves the start-up out. Printed: medians and the ratio
(target: at most 1.5x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

SETTINGS = """\
import os
SECRET_KEY = "bench"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = ["migration_fixer.django", {apps}]
if os.environ.get("BENCH_PG"):
    DATABASES = {{"default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["BENCH_PG"],
        "HOST": "127.0.0.1",
        "USER": "postgres",
    }}}}
else:
    DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}}}
"""

MANAGE = """\
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchproj.settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""

INPROCESS = """\
import os, sys, time, statistics
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchproj.settings")
import django
django.setup()
from django.core.management import call_command
times = {"migrate": [], "migrate_or_rollback": []}
for _ in range(int(sys.argv[1])):
    for name in times:
        began = time.perf_counter()
        call_command(name, verbosity=0)
        times[name].append(time.perf_counter() - began)
for name, values in times.items():
    print(name, statistics.median(values))
"""


def migration(app: str, number: int, deps: list[tuple[str, str]], operations: str) -> str:
    dep_text = "".join(f"        ({a!r}, {n!r}),\n" for a, n in deps)
    return (
        "from django.db import migrations, models\n\n\n"
        "def forwards(apps, schema_editor):\n    pass\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [\n{dep_text}    ]\n"
        f"    operations = [\n{operations}    ]\n"
    )


def generate(root: Path, apps: int, per_app: int) -> int:
    """Write the project; returns the number of migrations."""
    names = [f"app{i:02d}" for i in range(apps)]
    (root / "benchproj").mkdir(parents=True)
    (root / "benchproj" / "__init__.py").write_text("")
    (root / "benchproj" / "settings.py").write_text(
        SETTINGS.format(apps=", ".join(repr(n) for n in names))
    )
    (root / "manage.py").write_text(MANAGE)
    count = 0
    for index, app in enumerate(names):
        folder = root / app / "migrations"
        folder.mkdir(parents=True)
        (root / app / "__init__.py").write_text("")
        (folder / "__init__.py").write_text("")
        previous: str | None = None
        for number in range(1, per_app + 1):
            name = f"{number:04d}_step"
            deps = [(app, previous)] if previous else []
            if number == 1 and index > 0:
                deps.append((names[index - 1], "0001_step"))
            model = f"Model{(number - 1) // 5}"
            step = (number - 1) % 5
            if step == 0:
                ops = (
                    f"        migrations.CreateModel({model!r}, [\n"
                    "            ('id', models.BigAutoField(primary_key=True)),\n"
                    "            ('name', models.CharField(max_length=50)),\n"
                    "        ]),\n"
                )
                if number == 1 and index > 0:
                    ops += (
                        f"        migrations.AddField({model!r}, 'parent', models.ForeignKey("
                        f"'{names[index - 1]}.model0', null=True, on_delete=models.CASCADE)),\n"
                    )
            elif step == 1:
                ops = (
                    f"        migrations.AddField({model!r}, 'qty', "
                    "models.IntegerField(default=0)),\n"
                    f"        migrations.AddField({model!r}, 'note', "
                    "models.TextField(blank=True)),\n"
                )
            elif step == 2:
                ops = (
                    f"        migrations.AlterField({model!r}, 'name', "
                    "models.CharField(max_length=80)),\n"
                    f"        migrations.AddIndex({model!r}, models.Index(fields=['qty'], "
                    f"name='{app}_{model.lower()}_qty')),\n"
                )
            elif step == 3:
                ops = (
                    "        migrations.RunPython(forwards, migrations.RunPython.noop),\n"
                    "        migrations.RunSQL('SELECT 1', migrations.RunSQL.noop),\n"
                )
            else:
                ops = f"        migrations.RemoveField({model!r}, 'note'),\n"
            (folder / f"{name}.py").write_text(migration(app, number, deps, ops))
            previous = name
            count += 1
    return count


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--per-app", type=int, default=15)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="mf-bench-deploy-"))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    pg_name = None
    try:
        total = generate(root, args.apps, args.per_app)
        if args.postgresql:
            pg_name = f"mf_bench_{uuid.uuid4().hex[:10]}"
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-qc",
                    f'CREATE DATABASE "{pg_name}"',
                ],
                check=True,
            )
            env["BENCH_PG"] = pg_name
        python = sys.executable
        began = time.perf_counter()
        timed([python, "manage.py", "migrate", "-v0"], root, env)
        print(
            f"project: {total} migrations in {args.apps} apps "
            f"({'PostgreSQL' if pg_name else 'SQLite'}); first migrate "
            f"{time.perf_counter() - began:.1f} s"
        )
        plain: list[float] = []
        ours: list[float] = []
        timed([python, "manage.py", "migrate_or_rollback", "-v0"], root, env)  # warm caches
        for _ in range(args.runs):
            plain.append(timed([python, "manage.py", "migrate", "-v0"], root, env))
            ours.append(timed([python, "manage.py", "migrate_or_rollback", "-v0"], root, env))
        m_plain, m_ours = statistics.median(plain), statistics.median(ours)
        print(f"fresh process, nothing to apply, median of {args.runs}:")
        print(f"  manage.py migrate              {m_plain * 1000:8.0f} ms")
        print(f"  manage.py migrate_or_rollback  {m_ours * 1000:8.0f} ms")
        print(f"  ratio                          {m_ours / m_plain:8.2f}x  (target <= 1.5x)")
        inner = subprocess.run(
            [python, "-c", INPROCESS, str(args.runs)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        values = dict(line.split() for line in inner.stdout.splitlines())
        a, b = float(values["migrate"]), float(values["migrate_or_rollback"])
        print(f"one process (call_command), nothing to apply, median of {args.runs}:")
        print(f"  migrate                        {a * 1000:8.0f} ms")
        print(f"  migrate_or_rollback            {b * 1000:8.0f} ms")
        print(f"  ratio                          {b / a:8.2f}x")
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if pg_name:
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-qc",
                    f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)',
                ],
                check=False,
            )


if __name__ == "__main__":
    main()
