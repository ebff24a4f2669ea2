"""Stored period reports (``report``): hand-entered figures, narrative, draft or submitted.

The rollups are folded again: since this step a local announcement (a ``local`` play naming no
bulletin) has a key of its own (``rollups.LOCAL``), so every rollup row belongs to one theme.
"""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

from .. import models

VERSION = 11


def up(db: Database, migrator: SchemaMigrator) -> None:
    from ..services import rollups

    db.create_tables([models.Report], safe=True)
    with db.bind_ctx(models.MODELS):
        rollups.rebuild(db)
