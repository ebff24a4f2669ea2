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


def legacy_database(db, data_dir):
    """A migrated database taken back to version 3, with rows as version 3 allowed them: chime items
    naming the house chime and a draft bulletin's audio. Returns what ``check_step_4`` expects."""
    from peewee import CharField, ForeignKeyField, IntegerField, Model

    import audio_library
    from central.models import Asset, Bulletin, Playlist, User
    from central.services import assets

    class V3Item(Model):  # playlist_item as step 3 left it (SQLite cannot drop a foreign-key column)
        playlist = ForeignKeyField(Playlist, on_delete="CASCADE")
        position = IntegerField()
        kind = CharField(max_length=16)
        bulletin = ForeignKeyField(Bulletin, null=True, on_delete="RESTRICT")
        asset = ForeignKeyField(Asset, null=True, on_delete="RESTRICT")
        duration_ms = IntegerField(default=0)

        class Meta:
            table_name = "playlist_item"

    with db.bind_ctx(MODELS + (V3Item,)):
        house = assets.save_encoded(data_dir, audio_library.chime_asset(), "chime")
        draft_audio = assets.save_bytes(data_dir, b"not approved" * 100, duration_ms=4000, codec="opus",
                                        mime="audio/ogg")
        editor = User.create(name="editor", password_hash="x", role="editor")
        Bulletin.create(title="Bản nháp", author=editor, status="draft", asset=draft_audio)
        p = Playlist.create(name="Sáng", created_by=editor)
        db.execute_sql('DROP TABLE "playlist_item"')
        db.execute_sql('DROP TABLE "playlist_revision"')
        db.execute_sql('DROP TABLE "chime"')
        db.execute_sql('ALTER TABLE "playlist" DROP COLUMN "live_revision"')
        db.create_tables([V3Item])
        for pos, asset in enumerate((house, draft_audio, house)):
            V3Item.create(playlist=p.id, position=pos, kind="chime", asset=asset)
        SchemaVersion.delete().execute()
        SchemaVersion.create(version=3)  # as a database made before step 4 says
    return p.id, house.sha256, draft_audio.sha256, editor.id


def check_step_4(db, pid, house, draft, editor_id):
    from central.models import Chime, Playlist, PlaylistItem, PlaylistRevision

    with db.bind_ctx(MODELS):
        assert Playlist.get_by_id(pid).live_revision == 1
        (rev,) = PlaylistRevision.select()
        assert (rev.number, rev.status, rev.author_id) == (1, "applied", editor_id)
        by_asset = {c.asset_id: c for c in Chime.select()}
        assert by_asset[house].builtin and by_asset[house].status == "approved"
        # the draft's audio was never approved: it waits for a second person, off the air
        assert by_asset[draft].status == "submitted" and not by_asset[draft].builtin
        assert by_asset[draft].author_id == editor_id
        items = PlaylistItem.select().order_by(PlaylistItem.position)
        assert [(i.revision, i.chime.asset_id) for i in items] == [(1, house), (1, draft), (1, house)]


def test_step_4_links_old_chime_items_and_never_approves_unknown_audio(tmp_path):
    db = _fresh(tmp_path)
    legacy = legacy_database(db, tmp_path / "data")
    assert "chime" not in db.get_tables()
    assert migrations.apply(db) == list(range(4, migrations.latest() + 1))
    check_step_4(db, *legacy)
    assert migrations.apply(db) == []


def test_step_16_adds_relay_sources_and_relay_columns(tmp_path):
    db = _fresh(tmp_path)
    with db.bind_ctx(MODELS):
        db.execute_sql('DROP TABLE "relay_source"')
        db.execute_sql('DROP TABLE "relay_day"')
        for table in ("playlist_item", "schedule", "play_log"):
            db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "relay"')
        SchemaVersion.delete().execute()
        SchemaVersion.create(version=15)  # as a database made before step 16 says
    assert migrations.apply(db) == list(range(16, migrations.latest() + 1))
    assert {"relay_source", "relay_day"} <= set(db.get_tables())
    for table in ("playlist_item", "schedule", "play_log"):
        assert "relay" in {c.name for c in db.get_columns(table)}
    assert migrations.apply(db) == []
