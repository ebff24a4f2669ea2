"""Versioned schema migrations.

Steps are modules ``mNNNN_<what>.py`` in this package, each with ``VERSION``, ``up(db, migrator)``
(schema changes through a ``playhouse.migrate`` migrator for the database in hand) and optionally
``seed(db)`` (rows every database needs). ``apply()`` runs the steps above the recorded
``schema_version``, each in a transaction. A brand-new database gets every table as the models define
them now, every step's ``seed``, and the latest version stamp (``up`` exists to bring older databases
forward). Running ``apply()`` again does nothing.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from types import ModuleType

from peewee import Database
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator

from .. import models

log = logging.getLogger(__name__)


def steps() -> list[ModuleType]:
    """The migration modules, ordered by version."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            found.append(importlib.import_module(f"{__name__}.{info.name}"))
    return sorted(found, key=lambda m: m.VERSION)


def latest() -> int:
    return max(m.VERSION for m in steps())


def current(db: Database) -> int:
    """The recorded schema version, 0 for an empty database."""
    if not db.table_exists(models.SchemaVersion._meta.table_name):
        return 0
    with models.SchemaVersion.bind_ctx(db):
        row = models.SchemaVersion.select().order_by(models.SchemaVersion.version.desc()).first()
    return row.version if row else 0


def migrator_for(db: Database) -> SchemaMigrator:
    from peewee import PostgresqlDatabase

    return PostgresqlMigrator(db) if isinstance(db, PostgresqlDatabase) else SqliteMigrator(db)


def apply(db: Database) -> list[int]:
    """Bring ``db`` to the latest schema; return the versions applied (``[latest]`` for a new one)."""
    with db.bind_ctx(models.MODELS):
        return _apply(db)


def _apply(db: Database) -> list[int]:
    with db.atomic():
        have = current(db)
        if have == 0 and not db.get_tables():
            db.create_tables(models.MODELS)
            for step in steps():
                if hasattr(step, "seed"):
                    step.seed(db)
            top = latest()
            models.SchemaVersion.create(version=top)
            log.info("created a new database at schema version %d", top)
            return [top]
        if have == 0:
            db.create_tables([models.SchemaVersion])
    done = []
    for step in steps():
        if have >= step.VERSION:
            continue
        with db.atomic():
            step.up(db, migrator_for(db))
            if hasattr(step, "seed"):
                step.seed(db)
            models.SchemaVersion.create(version=step.VERSION)
        log.info("applied schema migration %d (%s)", step.VERSION, step.__name__)
        done.append(step.VERSION)
    return done
