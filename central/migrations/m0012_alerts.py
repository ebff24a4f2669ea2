"""Alerts (``services.alerts``): alerts, subscriptions, profiles, deliveries and the timer's lease."""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

from .. import alert_models

VERSION = 12


def up(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables(list(alert_models.ALERT_MODELS), safe=True)
