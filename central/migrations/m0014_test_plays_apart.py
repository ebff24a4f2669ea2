"""A TEST emergency's plays roll up under a key of their own (``rollups.TEST``): fold the logs again.

Before this step a drill's plays were counted as aired under their bulletin, so reports counted
tests as broadcasts; the rebuild moves every stored one to its own key.
"""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

from .. import models

VERSION = 14


def up(db: Database, migrator: SchemaMigrator) -> None:
    from ..services import rollups

    with db.bind_ctx(models.MODELS):
        rollups.rebuild(db)
