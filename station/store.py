"""The agent's local SQLite store (WAL): identity, applied manifest, asset index, plays, outbox.

Every state change that matters for proof of play happens in one transaction, and the database runs
with ``synchronous=FULL`` so a power cut never loses a committed play.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import peewee as pw

from playlists.sound import outcome

PLAYING = "playing"  # a play row in progress (its outbox entry is held back until it ends)
REFUSED = "refused"  # outbox batch name of logs the central refused as invalid (kept, not re-sent)


class _Model(pw.Model):
    """The schema; each ``Store`` binds its own subclasses to its own file (see ``_bind``)."""


class Meta(_Model):
    key = pw.CharField(primary_key=True)
    value = pw.TextField()


class AppliedManifest(_Model):
    id = pw.IntegerField(primary_key=True)  # always 1
    version = pw.IntegerField()
    body = pw.TextField()  # the manifest object as JSON, exactly as signed
    signature = pw.TextField()
    applied_at = pw.CharField()


class Asset(_Model):
    sha256 = pw.CharField(primary_key=True)
    size = pw.IntegerField()
    duration_ms = pw.IntegerField(default=0)
    ready = pw.BooleanField(default=False)  # on disk and verified against the signed size+sha256
    needed = pw.BooleanField(default=True)  # listed in the applied manifest
    unused_since = pw.CharField(null=True)
    attempts = pw.IntegerField(default=0)
    next_attempt_at = pw.CharField(null=True)
    last_error = pw.TextField(null=True)


class Play(_Model):
    id = pw.CharField(primary_key=True)  # UUID made here; the central dedupes on it
    slot_id = pw.CharField(null=True, index=True)
    item_index = pw.IntegerField(default=0)
    schedule_id = pw.IntegerField(null=True)
    bulletin_id = pw.IntegerField(null=True)
    asset_sha256 = pw.CharField(null=True)
    title = pw.TextField(default="")
    priority = pw.CharField(default="normal")
    planned_start = pw.CharField(null=True)
    started_at = pw.CharField(null=True)
    ended_at = pw.CharField(null=True)
    status = pw.CharField()
    reason = pw.TextField(null=True)
    clock_trusted = pw.BooleanField(default=False)
    clock_offset_ms = pw.IntegerField(default=0)
    recorded_at = pw.CharField(index=True)
    sound = pw.TextField(null=True)  # JSON: how it sounded (station.monitor.SoundCheck); added later
    relay = pw.TextField(null=True)  # JSON: a relay item's relayed/gap/fallback time (station.relay); added later


class SlotState(_Model):
    """What happened to one slot (occurrence): the history ``playlists.timeline.expand`` takes."""

    slot_id = pw.CharField(primary_key=True)
    schedule_id = pw.IntegerField()
    planned_start = pw.CharField(index=True)
    status = pw.CharField()  # playing | completed | interrupted | missed | skipped
    started_at = pw.CharField(null=True)
    ended_at = pw.CharField(null=True)
    next_item = pw.IntegerField(default=0)  # index of the item now playing, or the next to play
    interrupted = pw.BooleanField(default=False)
    reason = pw.TextField(null=True)


class Outbox(_Model):
    play_id = pw.CharField(primary_key=True)
    batch = pw.CharField(null=True, index=True)


MODELS = [Meta, AppliedManifest, Asset, Play, SlotState, Outbox]


def _bind(model: type[pw.Model], database: pw.Database) -> Any:
    """A subclass of ``model`` on ``database`` alone: two stores in one process never share a file."""
    meta = type("Meta", (), {"database": database, "table_name": model._meta.table_name})
    return type(model.__name__, (model,), {"Meta": meta, "__module__": __name__})


def iso(t: datetime) -> str:
    """The one text form of a time in this store (ISO 8601, milliseconds), so strings sort as times."""
    return t.isoformat(timespec="milliseconds")


def _iso(t: datetime | None) -> str | None:
    return None if t is None else iso(t)


@dataclass(frozen=True)
class Applied:
    version: int
    manifest: dict[str, Any]
    signature: str
    applied_at: str


class Store:
    """One station's database file; the only module that talks SQL."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = pw.SqliteDatabase(
            str(path),
            check_same_thread=False,
            timeout=10,
            pragmas={"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2, "busy_timeout": 10000},
        )
        self.Meta: type[Meta] = _bind(Meta, self.db)
        self.AppliedManifest: type[AppliedManifest] = _bind(AppliedManifest, self.db)
        self.Asset: type[Asset] = _bind(Asset, self.db)
        self.Play: type[Play] = _bind(Play, self.db)
        self.SlotState: type[SlotState] = _bind(SlotState, self.db)
        self.Outbox: type[Outbox] = _bind(Outbox, self.db)
        with self.db.connection_context():
            self.db.create_tables([self.Meta, self.AppliedManifest, self.Asset, self.Play, self.SlotState,
                                   self.Outbox])
            self._add_columns()

    def _add_columns(self) -> None:
        """Columns added since a station's file was made (a Pi keeps its database across upgrades)."""
        have = {c.name for c in self.db.get_columns(self.Play._meta.table_name)}
        for column in ("sound", "relay"):
            if column not in have:
                self.db.execute_sql(f'ALTER TABLE "{self.Play._meta.table_name}" ADD COLUMN "{column}" TEXT')

    @contextmanager
    def _conn(self) -> Iterator[None]:
        # One connection per thread, kept open: opening one (and its pragmas) per call would sit
        # in the path between a slot's instant and its player starting.
        self.db.connect(reuse_if_open=True)
        yield

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._conn(), self.db.atomic():
            yield

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()

    # --- key/value: identity, settings, sync state -------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        with self._conn():
            row = self.Meta.get_or_none(self.Meta.key == key)
        return default if row is None else json.loads(row.value)

    def put(self, **values: Any) -> None:
        with self.atomic():
            for k, v in values.items():
                self.Meta.insert(key=k, value=json.dumps(v, ensure_ascii=False)).on_conflict_replace().execute()

    # --- applied manifest and asset index -----------------------------------------------------

    def applied(self) -> Applied | None:
        with self._conn():
            row = self.AppliedManifest.get_or_none(self.AppliedManifest.id == 1)
        if row is None:
            return None
        return Applied(row.version, json.loads(row.body), row.signature, row.applied_at)

    def apply_manifest(
        self, manifest: dict[str, Any], raw: str, signature: str, now: datetime, etag: str | None = None
    ) -> None:
        """Replace the applied manifest and reconcile the asset index, all in one transaction.

        ``standby`` assets (standing alerts, optional field) are needed like the others: downloaded,
        verified and kept out of clean-up, though nothing plays them unless a schedule names them.
        """
        listed = list(manifest.get("assets", [])) + list(manifest.get("standby", []) or [])
        assets = {a["sha256"]: a for a in listed}
        with self.atomic():
            self.AppliedManifest.insert(
                id=1, version=int(manifest["version"]), body=raw, signature=signature,
                applied_at=iso(now),
            ).on_conflict_replace().execute()
            self.Meta.insert(key="etag", value=json.dumps(etag)).on_conflict_replace().execute()
            for sha, a in assets.items():
                self.Asset.insert(
                    sha256=sha, size=int(a["size"]), duration_ms=int(a.get("duration_ms") or 0)
                ).on_conflict_ignore().execute()
            self.Asset.update(needed=True, unused_since=None).where(self.Asset.sha256.in_(list(assets))).execute()
            self.Asset.update(needed=False, unused_since=iso(now)).where(
                self.Asset.sha256.not_in(list(assets)) & (self.Asset.needed == True)  # noqa: E712
            ).execute()

    def forget_manifest(self) -> None:
        """Re-enrollment (perhaps with another central): its versions start afresh. Plays are kept."""
        with self.atomic():
            self.AppliedManifest.delete().execute()
            self.Meta.delete().where(self.Meta.key.in_(["etag", "clock_offset_ms", "clock_boot"])).execute()

    def assets(self) -> list[Asset]:
        with self._conn():
            return list(self.Asset.select())

    def asset(self, sha256: str) -> Asset | None:
        with self._conn():
            return self.Asset.get_or_none(self.Asset.sha256 == sha256)

    def add_asset(self, sha256: str, size: int, duration_ms: int = 0) -> None:
        """Index an asset a signed emergency order names, before any manifest lists it."""
        with self.atomic():
            self.Asset.insert(sha256=sha256, size=size, duration_ms=duration_ms).on_conflict_ignore().execute()

    def set_asset(self, sha256: str, **fields: Any) -> None:
        with self.atomic():
            self.Asset.update(**fields).where(self.Asset.sha256 == sha256).execute()

    def delete_asset(self, sha256: str) -> None:
        with self.atomic():
            self.Asset.delete().where(self.Asset.sha256 == sha256).execute()

    def ready_assets(self) -> set[str]:
        with self._conn():
            return {a.sha256 for a in self.Asset.select(self.Asset.sha256).where(self.Asset.ready == True)}  # noqa: E712

    # --- plays and the proof-of-play outbox ---------------------------------------------------

    def start_play(self, **fields: Any) -> str:
        """Record a play (or a missed item) and queue it for upload, before any audio starts."""
        with self.atomic():
            return self._insert_play(fields)

    def _insert_play(self, fields: dict[str, Any]) -> str:
        """Insert a play and queue it; a play whose UUID (``id``, made by the caller) is known is left be.

        So a write replayed after a storage failure is never counted twice.
        """
        fields = {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in fields.items()}
        if fields.get("sound") is not None:
            fields["sound"] = json.dumps(fields["sound"], ensure_ascii=False)
        play_id = str(fields.pop("id", None) or uuid.uuid4())
        if self.Play.get_or_none(self.Play.id == play_id) is not None:
            return play_id
        fields.setdefault("recorded_at", fields.get("started_at") or fields.get("planned_start"))
        self.Play.insert(id=play_id, **fields).execute()
        self.Outbox.insert(play_id=play_id).execute()
        return play_id

    def begin_item(self, slot: dict[str, Any], index: int, play: dict[str, Any] | None) -> str | None:
        """Mark ``slot`` as playing item ``index`` and (unless it is a pause) record the play, at once."""
        with self.atomic():
            self._upsert_slot(slot, status=PLAYING, next_item=index)
            return self._insert_play(play) if play is not None else None

    def _upsert_slot(self, slot: dict[str, Any], **fields: Any) -> None:
        fields = {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in fields.items()}
        row = self.SlotState.get_or_none(self.SlotState.slot_id == slot["slot_id"])
        if row is None:
            base = {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in slot.items()}
            self.SlotState.insert(**{**base, **fields}).execute()
        else:
            self.SlotState.update(**fields).where(self.SlotState.slot_id == slot["slot_id"]).execute()

    def end_item(
        self, play_id: str | None, status: str, reason: str | None, ended_at: datetime,
        started_at: datetime | None, slot_id: str | None, next_item: int, interrupted: bool = False,
        sound: dict[str, Any] | None = None, relay: dict[str, Any] | None = None,
    ) -> None:
        """Close a play and move its slot on to ``next_item``, at once."""
        with self.atomic():
            if play_id is not None:
                fields: dict[str, Any] = {"status": status, "reason": reason, "ended_at": iso(ended_at)}
                if sound is not None:
                    fields["sound"] = json.dumps(sound, ensure_ascii=False)
                if relay is not None:
                    fields["relay"] = json.dumps(relay)
                if started_at is not None:
                    fields["started_at"] = iso(started_at)
                self.Play.update(**fields).where(self.Play.id == play_id).execute()
            if slot_id is not None:
                upd: dict[str, Any] = {"next_item": next_item, "ended_at": iso(ended_at)}
                if interrupted:
                    upd["interrupted"] = True
                self.SlotState.update(**upd).where(self.SlotState.slot_id == slot_id).execute()

    def settle_slot(
        self, slot: dict[str, Any], status: str, reason: str | None, ended_at: datetime | None,
        plays: list[dict[str, Any]],
    ) -> None:
        """Give a slot its final status and record the plays that account for it, at once."""
        with self.atomic():
            self._upsert_slot(slot, status=status, reason=reason, ended_at=ended_at)
            for p in plays:
                self._insert_play(p)

    def history(self, since: datetime) -> list[SlotState]:
        with self._conn():
            return list(self.SlotState.select().where(self.SlotState.planned_start >= iso(since)))

    def finish_play(
        self, play_id: str, status: str, reason: str | None, ended_at: datetime | None,
        started_at: datetime | None = None,
    ) -> None:
        fields: dict[str, Any] = {"status": status, "reason": reason, "ended_at": _iso(ended_at)}
        if started_at is not None:
            fields["started_at"] = iso(started_at)
        with self.atomic():
            self.Play.update(**fields).where(self.Play.id == play_id).execute()

    def recover_interrupted(self) -> list[str]:
        """Plays left ``playing`` by a crash or power cut: log them as interrupted, never replay them."""
        with self.atomic():
            ids = [p.id for p in self.Play.select(self.Play.id).where(self.Play.status == PLAYING)]
            self.Play.update(status="interrupted", reason="agent_restart").where(self.Play.id.in_(ids)).execute()
            self.SlotState.update(status="interrupted", interrupted=True, reason="agent_restart").where(
                self.SlotState.status == PLAYING
            ).execute()
        return ids

    def recent_plays(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest plays, newest first by the time a person reads on them (started, else planned).

        Not by ``recorded_at``: a slot found missed at its deadline, or after a power cut, is recorded
        long after its planned start and would sit above plays that came later.
        """
        Play = self.Play
        shown = pw.fn.COALESCE(Play.started_at, Play.planned_start, Play.recorded_at)
        with self._conn():
            q = Play.select().order_by(shown.desc(), Play.recorded_at.desc()).limit(limit)
            rows = [_row(p) for p in q]
        return sorted(rows, key=_shown_at, reverse=True)  # times written in another offset sort too

    def outbox_size(self) -> int:
        with self._conn():
            return int(self.Outbox.select().count())

    def refused_count(self) -> int:
        with self._conn():
            return int(self.Outbox.select().where(self.Outbox.batch == REFUSED).count())

    def mark_batch(self, limit: int = 200) -> tuple[str, list[dict[str, Any]]]:
        """Mark up to ``limit`` finished plays as one batch (a batch left by a crash is re-sent first)."""
        Outbox, Play = self.Outbox, self.Play
        with self.atomic():
            old = Outbox.select(Outbox.batch).where(
                Outbox.batch.is_null(False) & (Outbox.batch != REFUSED)
            ).limit(1).first()
            if old is not None:
                batch = old.batch
            else:
                batch = str(uuid.uuid4())
                ids = (
                    Outbox.select(Outbox.play_id).join(Play, on=(Outbox.play_id == Play.id))
                    .where((Play.status != PLAYING) & Outbox.batch.is_null()).order_by(Play.recorded_at).limit(limit)
                )
                Outbox.update(batch=batch).where(Outbox.play_id.in_([o.play_id for o in ids])).execute()
            rows = Play.select().join(Outbox, on=(Outbox.play_id == Play.id)).where(Outbox.batch == batch)
            return batch, [_log(p) for p in rows]

    def refuse(self, play_id: str) -> None:
        """Park a log the central refuses as invalid: kept (never lost), no longer blocking the rest."""
        with self.atomic():
            self.Outbox.update(batch=REFUSED).where(self.Outbox.play_id == play_id).execute()

    def split_batch(self, batch: str) -> list[tuple[str, dict[str, Any]]]:
        """Turn a refused batch into one batch per log, to find the log the central objects to."""
        out = []
        with self.atomic():
            for o in list(self.Outbox.select().where(self.Outbox.batch == batch)):
                single = str(uuid.uuid4())
                self.Outbox.update(batch=single).where(self.Outbox.play_id == o.play_id).execute()
                out.append((single, _log(self.Play.get_by_id(o.play_id))))
        return out

    def delete_batch(self, batch: str) -> int:
        with self.atomic():
            return int(self.Outbox.delete().where(self.Outbox.batch == batch).execute())

    def prune_plays(self, before: datetime) -> int:
        """Forget local history older than ``before`` (only plays already uploaded)."""
        with self.atomic():
            pending = self.Outbox.select(self.Outbox.play_id)
            self.SlotState.delete().where(self.SlotState.planned_start < iso(before)).execute()
            return int(
                self.Play.delete().where((self.Play.recorded_at < iso(before)) & self.Play.id.not_in(pending)).execute()
            )


def _shown_at(play: dict[str, Any]) -> datetime:
    text = play.get("started_at") or play.get("planned_start") or play.get("recorded_at")
    t = datetime.fromisoformat(text) if text else datetime.min.replace(tzinfo=UTC)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _row(p: Play) -> dict[str, Any]:
    """A play row as a dict for pages, ``sound`` decoded and the ``outcome`` a person reads."""
    row = p.__data__.copy()
    row["sound"] = json.loads(row["sound"]) if row.get("sound") else None
    row["relay"] = json.loads(row["relay"]) if row.get("relay") else None
    row["outcome"] = outcome(row["status"], row["sound"])
    return row


def _log(p: Play) -> dict[str, Any]:
    """A play row in the contract's play-log shape."""
    return {
        "id": p.id,
        "slot_id": p.slot_id,
        "schedule_id": p.schedule_id,
        "bulletin_id": p.bulletin_id,
        "asset_sha256": p.asset_sha256,
        "planned_start": p.planned_start,
        "started_at": p.started_at,
        "ended_at": p.ended_at,
        "status": p.status,
        "reason": p.reason,
        "clock_trusted": bool(p.clock_trusted),
        "clock_offset_ms": int(p.clock_offset_ms),
        **({"sound": json.loads(p.sound)} if p.sound else {}),  # optional: issue 15
        **({"relay": json.loads(p.relay)} if p.relay else {}),  # optional: issue 13
    }
