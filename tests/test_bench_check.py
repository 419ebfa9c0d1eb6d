"""benchmarks/bench_check.py: the measured commands run the package compiled once, with
bytecode allowed (as an installed package runs), not compiled again by every process."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from _scripts import load_script

import migration_fixer.runner


def test_the_package_is_compiled_once_and_bytecode_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bench = load_script("bench_check")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    cached = Path(importlib.util.cache_from_source(migration_fixer.runner.__file__))
    bench._compile_package()
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ
    assert cached.stat().st_mtime >= Path(migration_fixer.runner.__file__).stat().st_mtime
