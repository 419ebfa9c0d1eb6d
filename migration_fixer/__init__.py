"""migration-fixer: make Django migrations safe to roll back."""

__version__ = "0.1.0"
