"""Throttle enrollment codes like logins, remember revoked station tokens, and place audit rows in an area.

- ``login_attempt.kind``: "login" for every existing row; enrollment attempts are "enroll".
- ``station.revoked_token_hash`` / ``station.token_revoked_at``: a revoked token's next call is told why.
- ``audit_log.area_id``: filled for existing rows from their object (or their actor) where it is known.
"""

from __future__ import annotations

from peewee import CharField, Database, ForeignKeyField
from playhouse.migrate import SchemaMigrator, migrate

from .. import models

VERSION = 5

# object_type → the table whose ``area_id`` the audited object carries
_AREA_OF = {
    "Station": "station", "Bulletin": "bulletin", "Schedule": "schedule", "Playlist": "playlist",
    "Campaign": "campaign", "User": '"user"',
}


def up(db: Database, migrator: SchemaMigrator) -> None:
    # m0001 makes tables from today's models, so a column may already be there: add only what is missing.
    # NOT NULL with a default is one plain statement: the migrator would rebuild the SQLite table.
    if "kind" not in _columns(db, "login_attempt"):
        db.execute_sql("ALTER TABLE login_attempt ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'login'")
    # nullable columns: the migrator adds them in place; fresh fields, as it renames the field it is given
    for table, column, field in (
        ("station", "revoked_token_hash", CharField(max_length=64, null=True)),
        ("station", "token_revoked_at", models.UTCDateTimeField(null=True)),
        ("audit_log", "area_id", ForeignKeyField(models.Area, field=models.Area.id, null=True,
                                                 on_delete="SET NULL", index=False)),  # _index adds it
    ):
        if column not in _columns(db, table):
            migrate(migrator.add_column(table, column, field))
    _index(db, migrator, "station", ("revoked_token_hash",))
    _index(db, migrator, "audit_log", ("area_id",))
    _index(db, migrator, "audit_log", ("object_type", "object_id"))
    _backfill_audit_areas(db)


def _columns(db: Database, table: str) -> set[str]:
    return {c.name for c in db.get_columns(table)}


def _index(db: Database, migrator: SchemaMigrator, table: str, columns: tuple[str, ...]) -> None:
    if tuple(columns) not in {tuple(i.columns) for i in db.get_indexes(table)}:
        migrate(migrator.add_index(table, columns, False))


def _backfill_audit_areas(db: Database) -> None:
    """Existing audit rows get the area of the object they name, else their actor's (ids compared as text)."""
    p = db.param
    same_id = "CAST(t.id AS VARCHAR(20)) = audit_log.object_id"
    for object_type, table in _AREA_OF.items():
        db.execute_sql(f"UPDATE audit_log SET area_id = (SELECT t.area_id FROM {table} t WHERE {same_id}) "
                       f"WHERE area_id IS NULL AND object_type = {p}", (object_type,))
    db.execute_sql(f"UPDATE audit_log SET area_id = (SELECT t.id FROM area t WHERE {same_id}) "
                   f"WHERE area_id IS NULL AND object_type = {p}", ("Area",))
    db.execute_sql('UPDATE audit_log SET area_id = (SELECT u.area_id FROM "user" u WHERE u.id = audit_log.actor_id) '
                   "WHERE area_id IS NULL AND actor_id IS NOT NULL")
