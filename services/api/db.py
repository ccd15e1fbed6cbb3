"""Engines, sessions and migrations of the service's store (SQLite file by default, PostgreSQL by URL)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK_KEY = 0x454D4942  # serialises start-up migrations of several workers on PostgreSQL


def make_engine(db_url: str, pool_size: int = 10, max_overflow: int = 30) -> Engine:
    """An engine for the store. Errors never print statement parameters: they may carry patient ids."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
        )
        _sqlite_write_transactions(engine)
        return engine
    # Recycle rather than ping: a ping is one more round trip on every request.
    return create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_recycle=1800, hide_parameters=True
    )


def _sqlite_write_transactions(engine: Engine) -> None:
    """Begin every SQLite transaction IMMEDIATE (taking the write lock up front).

    A deferred transaction that reads and then writes can fail at once with "database is locked" when
    another writer got there first; an immediate one waits for the lock instead (busy timeout).
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cur = dbapi_connection.cursor()
        cur.execute("pragma journal_mode=wal")
        cur.execute("pragma foreign_keys=on")
        cur.execute("pragma synchronous=normal")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("begin immediate")


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(db_url: str | Engine, revision: str = "head") -> None:
    """Bring the store's schema up to `revision` (safe to call from several processes at once)."""
    engine = db_url if isinstance(db_url, Engine) else make_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("select pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    if not isinstance(db_url, Engine):
        engine.dispose()
