"""Daily and monthly rollups of play logs (``play_day``, ``play_month``), filled from the logs stored so far.

From here on ``services.playlogs.ingest`` keeps them in the transaction that stores each batch; this
step makes the tables and folds every existing log once, by ``services.rollups.rebuild`` (the same
rules as ingest: one SQL statement per table on PostgreSQL, batches through Python on SQLite).
"""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

from .. import models

VERSION = 8


def up(db: Database, migrator: SchemaMigrator) -> None:
    from ..services import rollups

    db.create_tables([models.PlayDay, models.PlayMonth], safe=True)
    with db.bind_ctx(models.MODELS):
        rollups.rebuild(db)
