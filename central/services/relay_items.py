"""Relay items (issue 13): a programme item or a whole schedule that rebroadcasts a relay source.

The request form is ``{"relay_source_id", "duration_ms", "max_gap_s" (default 15), "fallback":
{"bulletin_id"} | {"playlist_id"} | null}`` (``kind: "relay"`` inside a programme; the ``relay``
object of a schedule). Stored as JSON (``PlaylistItem.relay``, ``Schedule.relay``):
``{"source_id", "max_gap_s", "fallback": {"bulletin_id"} | {"playlist_id"} | null}`` plus
``duration_ms`` for a schedule. Only an approved source and an approved fallback bulletin may be
named (two-person rule); a fallback programme may not relay itself. ``model_item`` turns the stored
form into the ``playlists`` item a station plays, the fallback laid out as bulletin, chime and pause
items; the manifest guard checks it all again when a manifest is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from central.errors import Conflict, Unprocessable
from central.messages import msg
from central.models import Bulletin, Playlist, PlaylistItem, User
from central.relay_models import RelaySource
from central.services import bulletins, programmes, relays
from central.shapes import read
from central.shapes import relays as shapes
from playlists import model as pm
from playlists.words import Approval


def parse(actor: User, n: int, raw: Mapping[str, Any], *, programme: Playlist | None = None) -> dict[str, Any]:
    """The stored form of a programme's relay item (with its ``kind``) or of a schedule's ``relay``.

    Read as the API's shape, so a web form's faulty number is refused naming its field as the API does;
    ``n`` numbers the item in what the shape cannot say (an unapproved source, a fallback relaying itself).
    """
    given: shapes.RelayItemIn | shapes.RelayIn
    if "kind" in raw:
        given = read(shapes.RelayItemIn, raw)
        source_id = given.relay_source_id
    else:
        given = read(shapes.RelayIn, {"max_gap_s": pm.DEFAULT_MAX_GAP_S, **raw})
        source_id = given.source_id
    source = relays.for_item(actor, n, source_id)
    fallback = _fallback(actor, n, None if given.fallback is None else given.fallback.model_dump(), programme)
    return {"source_id": source.id, "duration_ms": given.duration_ms, "max_gap_s": given.max_gap_s,
            "fallback": fallback}


def _fallback(actor: User, n: int, raw: dict[str, int] | None, programme: Playlist | None) -> dict[str, int] | None:
    if raw is None:
        return None  # silence
    if "bulletin_id" in raw:
        b = bulletins.get(actor, raw["bulletin_id"])
        if b.status != Approval.APPROVED:
            raise Unprocessable(msg("Mục %(n)s: bản tin dự phòng %(id)s chưa được duyệt (đang '%(status)s').",
                                    n=n, id=b.id, status=b.status))
        return {"bulletin_id": b.id}
    p = programmes.get(actor, raw["playlist_id"])
    if programme is not None and p.id == programme.id:
        raise Unprocessable(msg("Mục %(n)s: chương trình không thể làm dự phòng cho chính nó.", n=n))
    if any(i.kind == pm.ItemKind.RELAY for i in programmes.ordered_items(p)):
        raise Unprocessable(msg("Mục %(n)s: chương trình dự phòng '%(name)s' có mục tiếp sóng; dự phòng chỉ gồm "
                                "bản tin, nhạc hiệu và khoảng lặng.", n=n, name=p.name))
    return {"playlist_id": p.id}


def source_of(relay: Any) -> int | None:
    return relay.get("source_id") if isinstance(relay, dict) else None


def fallback_ids(relay: Any) -> tuple[int | None, int | None]:
    """(bulletin id, playlist id) of a stored relay's fallback."""
    fb = relay.get("fallback") if isinstance(relay, dict) else None
    if not isinstance(fb, dict):
        return None, None
    return fb.get("bulletin_id"), fb.get("playlist_id")


def model_item(relay: dict[str, Any], duration_ms: int,
               fallback_items: Callable[[int | None, int | None], list[pm.Item]]) -> pm.Item:
    """The ``playlists`` relay item; ``fallback_items(bulletin_id, playlist_id)`` lays out the fallback."""
    bid, pid = fallback_ids(relay)
    return pm.Item(pm.ItemKind.RELAY, duration_ms=int(duration_ms), relay_source_id=int(relay["source_id"]),
                   max_gap_s=int(relay.get("max_gap_s", pm.DEFAULT_MAX_GAP_S)),
                   fallback=tuple(fallback_items(bid, pid)))


def preview_fallback(bid: int | None, pid: int | None) -> list[pm.Item]:
    """The fallback as the rows say now (every bulletin whatever its status): for validation and previews."""
    if bid is not None:
        b = Bulletin.get_or_none(Bulletin.id == bid)
        return [] if b is None else [pm.Item(pm.ItemKind.BULLETIN, bulletin_id=b.id,
                                             duration_ms=b.asset.duration_ms if b.asset is not None else 0)]
    if pid is None:
        return []
    out = []
    for it in PlaylistItem.select().join(Playlist).where(
            (PlaylistItem.playlist == pid) & (PlaylistItem.revision == Playlist.live_revision)
    ).order_by(PlaylistItem.position):
        if it.kind in (pm.ItemKind.BULLETIN, pm.ItemKind.CHIME, pm.ItemKind.PAUSE):
            out.append(pm.Item(pm.ItemKind(it.kind), bulletin_id=it.bulletin_id, asset_sha256=it.asset_id,
                               duration_ms=programmes.item_duration(it)))
    return out


def describe(relay: Any) -> shapes.RelayOut | None:
    """The API's view of a stored relay: its source (name, status), longest gap and fallback."""
    if not isinstance(relay, dict):
        return None
    src = RelaySource.get_or_none(RelaySource.id == relay.get("source_id"))
    bid, pid = fallback_ids(relay)
    fb = shapes.FallbackBulletin(bulletin_id=bid) if bid else shapes.FallbackPlaylist(playlist_id=pid) if pid else None
    return shapes.RelayOut(source_id=relay["source_id"], source_name=src.name if src else None,
                           source_status=src.status if src else None,
                           max_gap_s=int(relay.get("max_gap_s", pm.DEFAULT_MAX_GAP_S)), fallback=fb)


def describe_schedule(relay: Any) -> shapes.ScheduleRelay | None:
    """A schedule's relay as the API shows it: ``describe`` plus its ``duration_ms``."""
    out = describe(relay)
    return None if out is None else shapes.ScheduleRelay(**dict(out), duration_ms=int(relay.get("duration_ms", 0)))


def title(relay: Any) -> str:
    d = describe(relay)
    return f"Tiếp sóng {d.source_name}" if d and d.source_name else ""


def check_approvable(s: Any) -> None:
    """409 unless every relay source the schedule names (itself or in its programme) is approved."""
    named = [s.relay] if s.relay is not None else []
    if s.playlist_id is not None:
        named += [i.relay for i in programmes.ordered_items(s.playlist) if i.kind == pm.ItemKind.RELAY]
    for relay in named:
        src = RelaySource.get_or_none(RelaySource.id == source_of(relay))
        if src is None or src.status != Approval.APPROVED:
            state = src.status if src else "không còn"
            raise Conflict(msg("Nguồn tiếp sóng %(id)s chưa được duyệt (đang '%(status)s').",
                               id=source_of(relay), status=state))
