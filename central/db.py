"""The database: one peewee proxy, opened from ``DATABASE_URL`` so SQLite and PostgreSQL share one path.

Connections follow the request: ``before_request`` connects, ``teardown_request`` closes (it runs on
errors too). PostgreSQL URLs get a connection pool, so "close" hands the connection back. Outside a
request (CLI, tests, threads) use ``with database.connection_context():``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import Flask
from peewee import Database, DatabaseProxy
from playhouse.db_url import connect

log = logging.getLogger(__name__)

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,  # ms; concurrent writers wait instead of failing
    "synchronous": "normal",  # safe with WAL, and far fewer fsyncs
}


def open_database(url: str) -> Database:
    """A peewee database for ``url`` (``sqlite:///abs/path``, ``postgresql://user:pw@host/db``)."""
    # Pools keep the per-request connect cheap (no new socket or file, no pragmas each time): "close"
    # in teardown hands the connection back. A connection serves one thread at a time.
    params: dict[str, Any] = {"max_connections": 64, "stale_timeout": 300}
    scheme, sep, rest = url.partition("://")
    if scheme == "sqlite":
        # BEGIN IMMEDIATE: a transaction that reads and then writes takes the write lock up front, so
        # concurrent writers wait (busy_timeout) instead of failing with "database is locked".
        params.update(pragmas=SQLITE_PRAGMAS, check_same_thread=False, lock_type="IMMEDIATE")
        url = f"sqlite+pool{sep}{rest}"
    elif scheme in ("postgres", "postgresql"):
        url = f"postgresql+pool{sep}{rest}"
    else:
        params = {}
    return connect(url, **params)


def close_pool() -> None:
    """Close every pooled connection (tests and shutdown; requests just ``close()``)."""
    target = database.obj
    if target is not None and hasattr(target, "close_all"):
        target.close_all()


def is_postgres(db: Database | None = None) -> bool:
    from peewee import PostgresqlDatabase

    target = db if db is not None else database.obj
    return isinstance(target, PostgresqlDatabase)


def init_app(app: Flask) -> None:
    """Point the proxy at the app's database and tie connections to requests."""
    database.initialize(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect() -> None:
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc: BaseException | None) -> None:
        if not database.is_closed():
            database.close()


def tuples_of(query: Any) -> Iterator[tuple[Any, ...]]:
    """``query.tuples()``, typed as tuples (peewee's stubs type every query's rows as model instances)."""
    return iter(query.tuples())
