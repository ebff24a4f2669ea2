"""How plays sounded: a play log's ``sound`` (issue 15), and the speaker test a person asks for."""

from __future__ import annotations

from peewee import CharField, Database
from playhouse.migrate import SchemaMigrator, migrate

from .. import models

VERSION = 7


def up(db: Database, migrator: SchemaMigrator) -> None:
    # fresh fields (the migrator renames the field it is given, so never pass a model's own)
    wanted = {
        "play_log": {"sound": models.JSONField(null=True)},
        "station": {"speaker_test_id": CharField(max_length=36, null=True),
                    "speaker_test_at": models.UTCDateTimeField(null=True)},
    }
    steps = []
    for table, fields in wanted.items():
        have = {c.name for c in db.get_columns(table)}
        steps += [migrator.add_column(table, name, f) for name, f in fields.items() if name not in have]
    if steps:
        migrate(*steps)
