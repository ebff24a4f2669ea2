"""Bulletins' languages become ISO 639-3 codes (``vie``, ``cmo``, ``rad``…; see ``services.languages``).

Earlier versions stored the two-letter ``vi`` (and nothing else could be chosen): it becomes ``vie``.
"""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

VERSION = 10


def up(db: Database, migrator: SchemaMigrator) -> None:
    db.execute_sql("UPDATE bulletin SET language = 'vie' WHERE language IS NULL OR language IN ('', 'vi')")
