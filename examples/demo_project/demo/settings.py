"""Settings for the migration-fixer demo project.

The database is chosen by environment variables so the end-to-end tests can point the same project at
SQLite, PostgreSQL or MariaDB/MySQL:

    MF_DB_ENGINE    sqlite (default) | postgresql | mysql, or a full dotted backend path
    MF_DB_NAME      database name; for SQLite a file path (default: db.sqlite3 next to manage.py)
    MF_DB_HOST, MF_DB_PORT, MF_DB_USER, MF_DB_PASSWORD
"""

import os
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "demo-only-not-a-secret"  # a throwaway example project
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "shop",
]

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "demo.urls"


def _database_from_env() -> dict[str, Any]:
    engine = os.environ.get("MF_DB_ENGINE", "").strip() or "django.db.backends.sqlite3"
    if "." not in engine:
        engine = {"sqlite": "sqlite3", "postgres": "postgresql", "mariadb": "mysql"}.get(
            engine, engine
        )
        engine = f"django.db.backends.{engine}"
    if engine.endswith("sqlite3"):
        return {
            "ENGINE": engine,
            "NAME": os.environ.get("MF_DB_NAME") or str(BASE_DIR / "db.sqlite3"),
        }
    database: dict[str, Any] = {
        "ENGINE": engine,
        "NAME": os.environ.get("MF_DB_NAME", "migration_fixer_demo"),
        "HOST": os.environ.get("MF_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("MF_DB_PORT", ""),
        "USER": os.environ.get("MF_DB_USER", ""),
        "PASSWORD": os.environ.get("MF_DB_PASSWORD", ""),
    }
    if engine.endswith("mysql"):
        database["OPTIONS"] = {"charset": "utf8mb4"}
    return database


DATABASES = {"default": _database_from_env()}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
