"""Alembic migration chain of the hub (one chain; scenes may own a branch)."""
