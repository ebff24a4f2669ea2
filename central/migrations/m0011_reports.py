"""Stored period reports (``report``): hand-entered figures, narrative, draft or submitted."""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

from .. import models

VERSION = 11


def up(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables([models.Report], safe=True)
