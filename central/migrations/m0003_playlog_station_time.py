"""Index play logs by station and start time: a station's history and per-station reports read that way."""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator, migrate

VERSION = 3

INDEX = "play_log_station_id_started_at"


def up(db: Database, migrator: SchemaMigrator) -> None:
    if INDEX not in {i.name for i in db.get_indexes("play_log")}:
        migrate(migrator.add_index("play_log", ("station_id", "started_at"), False))
