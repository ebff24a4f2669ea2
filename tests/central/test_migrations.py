"""Versioned migrations: a new database is created at the latest version, an old one is brought forward."""

from __future__ import annotations

from central import migrations
from central.db import open_database
from central.migrations import m0001_initial
from central.models import MODELS, Category, SchemaVersion


def _db(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    db.connect()
    return db


def test_new_database_gets_latest_schema_and_seed(tmp_path):
    db = _db(tmp_path)
    assert migrations.current(db) == 0
    assert migrations.apply(db) == [migrations.latest()]
    assert migrations.current(db) == migrations.latest() >= 2
    assert {"area", "station", "play_log", "schedule_target", "audit_log"} <= set(db.get_tables())
    with Category.bind_ctx(db):
        assert Category.select().count() == 10
        assert Category.get(Category.code == "drugs").name == "Phòng, chống ma túy"
    assert migrations.apply(db) == []  # idempotent
    with Category.bind_ctx(db):
        assert Category.select().count() == 10


def test_old_database_is_brought_forward(tmp_path):
    db = _db(tmp_path)
    with db.bind_ctx(MODELS):
        db.create_tables([SchemaVersion])
        m0001_initial.up(db, migrations.migrator_for(db))
        SchemaVersion.create(version=1)
    assert migrations.apply(db) == list(range(2, migrations.latest() + 1))
    with Category.bind_ctx(db):
        assert Category.select().count() == 10
    with SchemaVersion.bind_ctx(db):
        assert [v.version for v in SchemaVersion.select().order_by(SchemaVersion.version)] == list(
            range(1, migrations.latest() + 1))
    assert _play_log_indexes(db) == _play_log_indexes(_fresh(tmp_path))  # same shape as a new database


def _play_log_indexes(db):
    return sorted((tuple(i.columns), i.unique) for i in db.get_indexes("play_log"))


def _fresh(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    db.connect()
    migrations.apply(db)
    return db


def test_steps_are_numbered_without_gaps():
    versions = [s.VERSION for s in migrations.steps()]
    assert versions == list(range(1, len(versions) + 1))
