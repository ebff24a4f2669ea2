"""Live announcements (issue 13): the ``live_session`` table; ``aired-live`` bulletins need no column."""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

from .. import live_models

VERSION = 15


def up(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables(list(live_models.LIVE_MODELS), safe=True)
