"""Chimes become approved audio of their own, and programme items come in approved revisions.

Schema: tables ``chime`` and ``playlist_revision``; columns ``playlist.live_revision``,
``playlist_item.revision`` and ``playlist_item.chime_id``. Each step checks first, so it also runs on
a database whose first step already made some of them (step 1 creates the tables as the models are).

Data: every programme gets revision 1 (``applied``), the one on air. A chime item is linked to a
``Chime`` row: the house chime's audio (recognised by its sha256, rendered again here) becomes the
built-in chime, approved by construction; any other audio a chime item named becomes a *submitted*
chime titled "Nhạc hiệu cũ", so it stays off the air until a second person approves it. Before this
step a chime item could name any stored audio, a draft bulletin's included: laundering it as
approved here would keep the hole open.
"""

from __future__ import annotations

import logging

from peewee import Database, ForeignKeyField
from playhouse.migrate import SchemaMigrator, migrate

from .. import models

VERSION = 4
log = logging.getLogger(__name__)


def up(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables([models.Chime, models.PlaylistRevision], safe=True)
    # Not the migrator's add_column for the NOT NULL ones: on SQLite it rebuilds the table, and
    # dropping "playlist" with foreign keys on deletes every programme's items (ON DELETE CASCADE).
    # ADD COLUMN … NOT NULL DEFAULT 1 is one plain statement on both databases.
    for table, column in (("playlist", "live_revision"), ("playlist_item", "revision")):
        if column not in _columns(db, table):
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" INTEGER NOT NULL DEFAULT 1')
    if "chime_id" not in _columns(db, "playlist_item"):
        # a fresh field: the migrator renames the field it is given, so never pass a model's own
        fk = ForeignKeyField(models.Chime, field=models.Chime.id, null=True, on_delete="RESTRICT")
        migrate(migrator.add_column("playlist_item", "chime_id", fk))
    with db.bind_ctx(models.MODELS):
        _first_revisions()
        _link_chimes()


def _columns(db: Database, table: str) -> set[str]:
    return {c.name for c in db.get_columns(table)}


def _first_revisions() -> None:
    """Revision 1 of every programme that has none: the items it has now, which are on air."""
    have = models.PlaylistRevision.select(models.PlaylistRevision.playlist)
    for p in models.Playlist.select().where(models.Playlist.id.not_in(have)):
        models.PlaylistRevision.create(playlist=p, number=1, status="applied", author=p.created_by_id,
                                       created_at=p.updated_at)


def _house_sha() -> str | None:
    """The house chime's sha256 as this install renders it, or None if it cannot be rendered."""
    import audio_library

    try:
        return audio_library.chime_asset().sha256
    except audio_library.AudioError as exc:
        log.warning("could not render the house chime to recognise it: %s", exc)
        return None


def _link_chimes() -> None:
    PI = models.PlaylistItem
    # only the columns this step knows: later steps add more (step 14: relay) the table lacks here
    legacy = PI.select(PI.id, PI.playlist, PI.asset, PI.kind).where((PI.kind == "chime") & PI.chime.is_null() & PI.asset.is_null(False))
    by_asset: dict[str, list[models.PlaylistItem]] = {}
    for item in legacy:  # asset is not null (the query)
        by_asset.setdefault(item.asset_id or "", []).append(item)
    if not by_asset:
        return
    house = _house_sha()
    for sha, items in by_asset.items():
        chime = _chime_for(sha, sha == house, items[0].playlist)
        PI.update(chime=chime).where(PI.id.in_([i.id for i in items])).execute()


def _chime_for(sha: str, is_house: bool, playlist: models.Playlist) -> models.Chime:
    C = models.Chime
    found = C.get_or_none(C.asset == sha)
    if found is not None:
        return found
    if is_house:
        return C.create(title="Nhạc hiệu mặc định", status="approved", builtin=True, asset=sha,
                        decided_at=models.utcnow())
    log.warning("chime audio %s was never approved: it waits as a submitted chime", sha)
    return C.create(title=f"Nhạc hiệu cũ {sha[:8]}", status="submitted", asset=sha,
                    area=playlist.area_id, author=playlist.created_by_id, submitted_at=models.utcnow())
