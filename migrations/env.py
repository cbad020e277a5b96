"""Alembic environment: the database is CIVICFUND_DATABASE_URL (or the caller's URL)."""

from alembic import context

from adapters.settings import Settings
from adapters.storage import create_engine

config = context.config
url = config.attributes.get("database_url") or Settings.from_env().database_url


def run_migrations_online() -> None:
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
