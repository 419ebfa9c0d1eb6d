"""The static side never imports Django: every module outside migration_fixer/django, imported
and run on the demo project (MF003 included) in a fresh interpreter, leaves no `django` module
in sys.modules. (The pytest process itself imports Django for tests/deploy.)"""

from __future__ import annotations

import subprocess
import sys

from e2e.harness import DEMO_PROJECT, subprocess_env

SCRIPT = """
import os, pkgutil, sys
import migration_fixer
from migration_fixer import cli


def walk(folder, prefix):
    # Not pkgutil.walk_packages: it imports every package it meets, migration_fixer.django too.
    for module in pkgutil.iter_modules([folder], prefix):
        if module.name == "migration_fixer.django":
            continue
        yield module.name
        if module.ispkg:
            yield from walk(os.path.join(folder, module.name.rpartition(".")[2]), module.name + ".")


names = list(walk(migration_fixer.__path__[0], "migration_fixer."))
for name in names:
    __import__(name)
sys.argv = ["migration-fixer", "--check", "--no-cache", "--no-progress", sys.argv[1]]
try:
    cli.main()
except SystemExit:
    pass
roots = ("django", "syzygy", "django_safemigrate")
print(len(names), sorted(m for m in sys.modules if m.split(".")[0] in roots))
"""


def test_static_side_never_imports_django() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(DEMO_PROJECT)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        check=False,
        timeout=300,
    )
    count, _, modules = proc.stdout.strip().rpartition("\n")[2].partition(" ")
    assert int(count) > 20, proc.stdout + proc.stderr
    assert modules == "[]", proc.stdout + proc.stderr
