"""Alembic environment: runs online against the configured URL, with every model imported."""

from __future__ import annotations

from alembic import context

from xingcheng.core.db import Database
from xingcheng.core.migrate import import_models

config = context.config
target_metadata = import_models()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    db = Database(url)
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    db.dispose()


run_migrations_online()
