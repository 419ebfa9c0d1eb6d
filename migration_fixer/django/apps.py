from __future__ import annotations

from django.apps import AppConfig


class MigrationFixerConfig(AppConfig):
    name = "migration_fixer.django"
    label = "migration_fixer"
    verbose_name = "migration-fixer"
