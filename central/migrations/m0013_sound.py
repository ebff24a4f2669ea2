"""How plays sounded (issue 15): a play log's ``sound``, rollup counts of plays nobody heard, speaker tests."""

from __future__ import annotations

from typing import Any

from peewee import CharField, Database, IntegerField
from playhouse.migrate import SchemaMigrator, migrate

from .. import models

VERSION = 13


def up(db: Database, migrator: SchemaMigrator) -> None:
    # fresh fields (the migrator renames the field it is given, so never pass a model's own)
    def counts() -> dict[str, IntegerField]:
        return {"n_not_audible": IntegerField(default=0), "n_failed_to_sound": IntegerField(default=0)}

    wanted: dict[str, dict[str, Any]] = {
        "play_log": {"sound": models.JSONField(null=True)},
        "station": {"speaker_test_id": CharField(max_length=36, null=True),
                    "speaker_test_at": models.UTCDateTimeField(null=True)},
        "play_day": counts(),
        "play_month": counts(),
    }
    steps = []
    for table, fields in wanted.items():
        have = {c.name for c in db.get_columns(table)}
        steps += [migrator.add_column(table, name, f) for name, f in fields.items() if name not in have]
    if steps:
        migrate(*steps)
