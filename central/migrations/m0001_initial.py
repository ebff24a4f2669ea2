"""The first schema: every table of the first release (areas, people, stations, content, schedules, logs, audit)."""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

from .. import models

VERSION = 1

# The tables as they were at version 1; later steps change them with the migrator. ``Plan`` (step 7)
# comes along because today's ``Campaign`` refers to it, and PostgreSQL wants the table first.
TABLES = (
    models.Area, models.User, models.ApiToken, models.LoginAttempt, models.Station,
    models.EnrollmentCode, models.Category, models.Plan, models.Campaign, models.Asset, models.Bulletin,
    models.Playlist, models.PlaylistItem, models.Schedule, models.ScheduleTarget, models.PlayLog,
    models.Heartbeat, models.AuditLog,
)


def up(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables(TABLES, safe=True)
