"""Alembic environment: runs on a connection handed in by bot.db.migrate."""
from __future__ import annotations

from alembic import context

import bot.db.models  # noqa: F401  (registers every table)
from bot.db.base import Base
from bot.db.models.cases import include_object

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
