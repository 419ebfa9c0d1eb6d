"""The deploy side of migration-fixer: a Django app (``"migration_fixer.django"`` in
``INSTALLED_APPS``) with ``manage.py migrate_or_rollback`` and ``manage.py schema_snapshot``.

This package is the only part of migration-fixer that imports Django; the static fixer never
imports it. Its building blocks are usable on their own:

- :mod:`migration_fixer.django.plan`: the plan of a run (after-deploy markers, deploy phases,
  reversibility of each migration);
- :mod:`migration_fixer.django.snapshot`: a schema snapshot through Django's introspection, and
  the comparison naming every difference;
- :mod:`migration_fixer.django.locking`: one deploy at a time per database.
"""
