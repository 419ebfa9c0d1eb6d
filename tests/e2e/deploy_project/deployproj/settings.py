"""Settings of the deploy-side test project. Two databases, both chosen by environment variables
(the same ones as examples/demo_project): ``default`` from MF_DB_*, ``other`` from MF_OTHER_DB_*
(a second SQLite file next to manage.py when unset).

    MF_DB_ENGINE    sqlite (default) | postgresql | mysql
    MF_DB_NAME      database name; for SQLite a file path
    MF_DB_HOST, MF_DB_PORT, MF_DB_USER, MF_DB_PASSWORD
"""

import os
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "deploy-tests-only-not-a-secret"
INSTALLED_APPS = ["migration_fixer.django", "alpha", "beta", "gamma"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _database(prefix: str, default_file: str) -> dict[str, Any]:
    env = os.environ
    engine = env.get(f"{prefix}_ENGINE", "sqlite").strip() or "sqlite"
    engine = {"sqlite": "sqlite3", "postgres": "postgresql", "mariadb": "mysql"}.get(engine, engine)
    if engine == "sqlite3":
        name = env.get(f"{prefix}_NAME") or str(BASE_DIR / default_file)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    config: dict[str, Any] = {
        "ENGINE": f"django.db.backends.{engine}",
        "NAME": env[f"{prefix}_NAME"],
        "HOST": env.get(f"{prefix}_HOST", "127.0.0.1"),
        "PORT": env.get(f"{prefix}_PORT", ""),
        "USER": env.get(f"{prefix}_USER", ""),
        "PASSWORD": env.get(f"{prefix}_PASSWORD", ""),
    }
    if engine == "mysql":
        config["OPTIONS"] = {"charset": "utf8mb4"}
    return config


DATABASES = {
    "default": _database("MF_DB", "db.sqlite3"),
    "other": _database("MF_OTHER_DB", "other.sqlite3"),
}
