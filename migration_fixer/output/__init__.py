"""Renderers: each turns a :class:`~migration_fixer.api.RunResult` into text."""
