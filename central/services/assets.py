"""Audio assets: bytes in ``audio_library``'s content-addressed store, metadata in ``Asset`` rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def to_dict(asset: Asset) -> dict[str, Any]:
    return {
        "sha256": asset.sha256,
        "size": asset.size,
        "duration_ms": asset.duration_ms,
        "codec": asset.codec,
        "mime": asset.mime,
        "loudness_lufs": asset.loudness_lufs,
        "true_peak": asset.true_peak,
    }
