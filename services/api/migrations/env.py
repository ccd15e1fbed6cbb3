"""Alembic environment: migrations run on the connection `services.api.db.upgrade` hands over."""

from alembic import context

from services.api.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through services.api.db.upgrade(db_url)")
context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
