"""Facts about the project read from its own files (never by importing its code)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from migration_fixer.source import read_text_file

_VOCABULARY_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "poetry.lock")


def deploy_vocabulary(root: Path) -> str:
    """How the project marks a migration to run after the deploy: django-safemigrate
    (``"safemigrate"``), django-syzygy (``"syzygy"``), or, neither being found in its
    dependency files, our own attribute (``"ours"``)."""
    texts = []
    for name in _VOCABULARY_FILES:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            texts.append(read_text_file(root / name).lower())
    for pattern in ("requirements*.txt", "requirements/*.txt", "requirements*.in"):
        for path in sorted(root.glob(pattern))[:20]:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                texts.append(read_text_file(path).lower())
    text = "\n".join(texts)
    if "django-safemigrate" in text or "django_safemigrate" in text:
        return "safemigrate"
    if "django-syzygy" in text or "django_syzygy" in text:
        return "syzygy"
    return "ours"
