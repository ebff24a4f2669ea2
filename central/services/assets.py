"""Audio assets: bytes in ``audio_library``'s content-addressed store, metadata in ``Asset`` rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peewee import IntegrityError

from audio_library.store import AssetStore
from central.messages import msg

from ..errors import Invalid
from ..models import Asset


def store(data_dir: Path | str) -> AssetStore:
    """The asset store under the central's data dir (``DATA_DIR/assets``)."""
    return AssetStore(Path(data_dir) / "assets")


def save_encoded(data_dir: Path | str, encoded: Any, original_name: str | None = None) -> Asset:
    """Keep an ``audio_library`` ``Encoded`` result: bytes into the store, a row into ``Asset`` (idempotent)."""
    info = encoded.info
    return save_bytes(
        data_dir, encoded.data, duration_ms=info.duration_ms, codec=info.codec, mime=encoded.mime,
        loudness_lufs=info.loudness_lufs, true_peak=info.true_peak_dbtp, original_name=original_name,
    )


def save_bytes(data_dir: Path | str, data: bytes, *, duration_ms: int, codec: str, mime: str,
               loudness_lufs: float | None = None, true_peak: float | None = None,
               original_name: str | None = None) -> Asset:
    """Keep already-encoded bytes with their measurements; the same bytes twice give the same row."""
    if duration_ms <= 0:
        raise Invalid(msg("Thời lượng âm thanh phải dương."))
    sha = store(data_dir).put(data)
    row = Asset.get_or_none(Asset.sha256 == sha)
    if row is None:
        Asset.insert(
            sha256=sha, size=len(data), duration_ms=duration_ms, codec=codec, mime=mime,
            loudness_lufs=loudness_lufs, true_peak=true_peak, original_name=original_name,
        ).on_conflict_ignore().execute()
        row = Asset.get_by_id(sha)
    return row


def discard_unused(data_dir: Path | str, sha256: str) -> bool:
    """Forget an asset nothing refers to any more (a deleted draft's, a re-read draft's old audio).

    Kept while any row points at it (another bulletin with the same bytes, a chime, a programme item)
    or a play log names it; then both the row and the file go. Returns whether it was removed.
    """
    from ..db import database
    from ..models import PlayLog

    if PlayLog.select().where(PlayLog.asset_sha256 == sha256).exists():
        return False
    try:
        with database.atomic():  # a savepoint: a refused delete leaves the caller's transaction usable
            gone = Asset.delete().where(Asset.sha256 == sha256).execute()
    except IntegrityError:  # still referenced (foreign keys are RESTRICT)
        return False
    if gone:
        store(data_dir).delete(sha256)
    return bool(gone)
