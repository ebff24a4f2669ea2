"""Each station's manifest: everything it needs to play offline for days, versioned, hashed and signed.

Versioning: a station's ``manifest_version`` only grows. ``bump(stations)`` raises it for the stations a
change affects and drops their cached ETag; ``build(station)`` binds the current version to the content
it serves and raises the version again if the content changed without a bump (e.g. a bulletin expired).
Call the ``bump_for_*`` helpers, inside the same transaction, after any change that can alter what a
station plays: a bulletin approved/withdrawn/edited, a schedule created/edited/approved/deleted, a
programme revision approved (``bump_for_programme``), a chime approved or withdrawn
(``bump_for_chime``), a station's settings (``bump([station])``) or an area moved.

Content: a programme airs its live (approved) revision; ``manifest_guard.screen`` then drops any
audio that is not an approved bulletin's or chime's before anything is versioned or signed
(docs/two-person-rule.md lists every path by which audio gets here).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from peewee import JOIN

from central.db import tuples_of
from playlists import model as pm
from playlists.model import ItemKind
from playlists.words import Approval

from ..models import (
    Area,
    Asset,
    Bulletin,
    Category,
    Chime,
    Playlist,
    PlaylistItem,
    Schedule,
    ScheduleTarget,
    Station,
    utcnow,
)
from ..relay_models import RelaySource
from . import manifest_guard, push, relay_items
from .area_tree import ancestor_ids, subtree_ids

HORIZON_DAYS = 14
ONE_OFF_KEEP = timedelta(days=2)  # a one-off schedule stays in manifests this long after it aired


def etag(version: int, manifest_without_time: dict[str, Any]) -> str:
    digest = hashlib.sha256(pm.canonical_bytes(manifest_without_time)).hexdigest()
    return f'"{version}-{digest[:16]}"'


# --- what affects whom -----------------------------------------------------------------------


def bump(stations: Iterable[Station | int]) -> int:
    """Raise the manifest version of ``stations`` and forget their cached ETags; returns rows changed."""
    ids = sorted({s.id if isinstance(s, Station) else int(s) for s in stations})
    changed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        changed += (
            Station.update(manifest_version=Station.manifest_version + 1, manifest_hash=None,
                           manifest_etag=None)
            .where(Station.id.in_(chunk))
            .execute()
        )
    push.note_bumped(ids)  # nudged after the commit (push.flush)
    return changed


def stations_under(area_ids: Iterable[int]) -> set[int]:
    """Ids of the stations in any of the given areas' subtrees."""
    areas: set[int] = set()
    for area_id in area_ids:
        areas |= subtree_ids(area_id)
    if not areas:
        return set()
    return {station_id for (station_id,) in tuples_of(Station.select(Station.id).where(Station.area.in_(list(areas))))}


def stations_for_schedule(schedule: Schedule | int) -> set[int]:
    """Ids of the stations a schedule targets, directly or through any area above them."""
    schedule_id = schedule.id if isinstance(schedule, Schedule) else int(schedule)
    direct: set[int] = set()
    area_ids: list[int] = []
    for station_id, area_id in tuples_of(ScheduleTarget.select(ScheduleTarget.station, ScheduleTarget.area).where(
        ScheduleTarget.schedule == schedule_id
    )):
        if station_id is not None:
            direct.add(station_id)
        if area_id is not None:
            area_ids.append(area_id)
    return direct | stations_under(area_ids)


def bump_for_schedule(schedule: Schedule | int) -> int:
    """Bump every station the schedule targets. Call after editing targets too (old and new: call twice)."""
    return bump(stations_for_schedule(schedule))


def _schedules_using_bulletin(bulletin_id: int) -> set[int]:
    direct = {s for (s,) in tuples_of(Schedule.select(Schedule.id).where(Schedule.bulletin == bulletin_id))}
    via = (
        Schedule.select(Schedule.id)
        .join(PlaylistItem, on=(PlaylistItem.playlist == Schedule.playlist))
        .where(PlaylistItem.bulletin == bulletin_id)
    )
    return direct | {s for (s,) in tuples_of(via)}


def bump_for_bulletin(bulletin: Bulletin | int) -> int:
    """Bump every station with a schedule that plays the bulletin (alone, in a playlist, as a relay's fallback)."""
    bid = bulletin.id if isinstance(bulletin, Bulletin) else int(bulletin)
    fallback = schedules_with_relay(lambda r: relay_items.fallback_ids(r)[0] == bid)
    fallback |= _fallback_of_programmes_with(PlaylistItem.bulletin == bid)
    return _bump_schedules(_schedules_using_bulletin(bid) | fallback)


def _fallback_of_programmes_with(cond: Any) -> set[int]:
    """Schedules whose relay falls back to a programme holding an item that matches ``cond``."""
    pids = {p for (p,) in tuples_of(PlaylistItem.select(PlaylistItem.playlist).where(cond))}
    if not pids:
        return set()
    return schedules_with_relay(lambda r: relay_items.fallback_ids(r)[1] in pids)


def bump_for_programme(programme: Playlist | int) -> int:
    programme_id = programme.id if isinstance(programme, Playlist) else int(programme)
    direct = {s for (s,) in tuples_of(Schedule.select(Schedule.id).where(Schedule.playlist == programme_id))}
    return _bump_schedules(direct | schedules_with_relay(lambda r: relay_items.fallback_ids(r)[1] == programme_id))


def bump_for_chime(chime: Chime | int) -> int:
    """Bump every station with a schedule whose programme names the chime (in any revision)."""
    cid = chime.id if isinstance(chime, Chime) else int(chime)
    playlists = PlaylistItem.select(PlaylistItem.playlist).where(PlaylistItem.chime == cid)
    direct = {s for (s,) in tuples_of(Schedule.select(Schedule.id).where(Schedule.playlist.in_(playlists)))}
    return _bump_schedules(direct | _fallback_of_programmes_with(PlaylistItem.chime == cid))


def schedules_with_relay(wanted: Callable[[Any], bool]) -> set[int]:
    """Ids of schedules whose relay, or a relay item of whose programme, satisfies ``wanted``."""
    direct = {schedule_id for schedule_id, relay in tuples_of(Schedule.select(Schedule.id, Schedule.relay)
                                              .where(Schedule.relay.is_null(False))) if wanted(relay)}
    playlists = {programme_id for programme_id, relay in tuples_of(PlaylistItem.select(PlaylistItem.playlist, PlaylistItem.relay)
                                                 .where(PlaylistItem.relay.is_null(False))) if wanted(relay)}
    if playlists:
        direct |= {s for (s,) in tuples_of(Schedule.select(Schedule.id).where(
            Schedule.playlist.in_(sorted(playlists))))}
    return direct


def _bump_schedules(ids: Iterable[int]) -> int:
    stations: set[int] = set()
    for sched in ids:
        stations |= stations_for_schedule(sched)
    return bump(stations)


def bump_for_relay_source(source_id: int) -> int:
    """Bump every station with a schedule that relays the source (alone or in a programme)."""
    return _bump_schedules(schedules_with_relay(lambda r: relay_items.source_of(r) == source_id))


def bump_for_area(area: Area | int) -> int:
    """Bump every station in the area's subtree (e.g. after the area moved in the tree)."""
    return bump(stations_under([area.id if isinstance(area, Area) else int(area)]))


# --- building -----------------------------------------------------------------------------


def station_dict(station: Station) -> dict[str, Any]:
    quiet = None
    if station.quiet_start and station.quiet_end:
        quiet = pm.QuietHours(time.fromisoformat(station.quiet_start), time.fromisoformat(station.quiet_end))
    settings = pm.StationSettings(timezone=station.timezone, quiet_hours=quiet, volume=station.volume)
    out = pm.settings_to_dict(settings)
    out.update(
        id=station.id,
        name=station.name,
        area_code=station.area.code,
        area_name=station.area.name,  # the station page's header names the commune it serves
        sync_interval_s=station.sync_interval_s,
        heartbeat_interval_s=station.heartbeat_interval_s,
    )
    if station.speaker_test_id:  # a speaker test asked for on the central's page (services.stations)
        out["speaker_test"] = {"id": station.speaker_test_id,
                               "requested_at": station.speaker_test_at.isoformat(timespec="seconds")}
    return out


def _targeted_schedules(station: Station, now: datetime) -> list[Schedule]:
    areas = ancestor_ids(station.area_id)
    ids = ScheduleTarget.select(ScheduleTarget.schedule).where(
        (ScheduleTarget.station == station.id) | (ScheduleTarget.area.in_(areas))
    )
    query = (
        Schedule.select()
        .where(Schedule.id.in_(ids), Schedule.airing())
        .where(Schedule.valid_until.is_null() | (Schedule.valid_until > now))
        .order_by(Schedule.id)
    )
    return [s for s in query if not _one_off_over(s, now)]


def _one_off_over(s: Schedule, now: datetime) -> bool:
    if s.rrule:
        return False
    try:
        start = s.dtstart.replace(tzinfo=_zone(s.timezone))
    except (KeyError, ValueError):
        return False
    return start + ONE_OFF_KEEP < now


def _zone(name: str) -> Any:
    return ZoneInfo(name)


def _airable_bulletins(ids: set[int], now: datetime) -> dict[int, Bulletin]:
    if not ids:
        return {}
    query = (
        Bulletin.select(Bulletin, Asset, Category)
        .join(Asset)
        .switch(Bulletin)
        .join(Category, JOIN.LEFT_OUTER)
        .where(Bulletin.id.in_(sorted(ids)), Bulletin.status == Approval.APPROVED)
        .where(Bulletin.valid_until.is_null() | (Bulletin.valid_until > now))
    )
    return {b.id: b for b in query}


def _items(schedules: list[Schedule]) -> dict[int, list[PlaylistItem]]:
    """The live items of the programmes the schedules play, and of their relays' fallback programmes."""
    playlist_ids = {s.playlist_id for s in schedules if s.playlist_id is not None}
    out = _items_of(playlist_ids)
    relays = [s.relay for s in schedules if s.relay is not None]
    relays += [it.relay for its in out.values() for it in its if it.kind == ItemKind.RELAY]
    fallback_ids = {relay_items.fallback_ids(r)[1] for r in relays} - {None} - set(out)
    out.update(_items_of({p for p in fallback_ids if p is not None}))
    return out


def _items_of(playlist_ids: set[int]) -> dict[int, list[PlaylistItem]]:
    out: dict[int, list[PlaylistItem]] = {programme_id: [] for programme_id in playlist_ids}
    if playlist_ids:
        query = (
            PlaylistItem.select(PlaylistItem, Asset, Chime)
            .join_from(PlaylistItem, Asset, JOIN.LEFT_OUTER)
            .join_from(PlaylistItem, Chime, JOIN.LEFT_OUTER)
            .join_from(PlaylistItem, Playlist)
            .where(PlaylistItem.playlist.in_(sorted(playlist_ids)))
            .where(PlaylistItem.revision == Playlist.live_revision)  # what was approved, not a proposal
            .order_by(PlaylistItem.playlist, PlaylistItem.position, PlaylistItem.id)
        )
        for item in query:
            out[item.playlist_id].append(item)
    return out


def _schedule_items(s: Schedule, programme_items: dict[int, list[PlaylistItem]],
                    bulletins: dict[int, Bulletin], sources: dict[int, RelaySource]) -> list[pm.Item]:
    """The programme as a station plays it; bulletins not airable (withdrawn, expired) drop out, and
    relays of a source not approved (disabled) too."""
    def fallback(bulletin_id: int | None, programme_id: int | None) -> list[pm.Item]:
        if bulletin_id is not None:
            return _plain_items([(ItemKind.BULLETIN, bulletin_id, None, 0)], bulletins)
        rows = [_row(it) for it in programme_items.get(programme_id or 0, []) if it.kind != ItemKind.RELAY and not _withdrawn(it)]
        return _plain_items(rows, bulletins)

    if s.relay is not None:
        if relay_items.source_of(s.relay) not in sources:
            return []
        return [relay_items.model_item(s.relay, s.relay.get("duration_ms", 0), fallback)]
    if s.bulletin_id is not None:
        return _plain_items([(ItemKind.BULLETIN, s.bulletin_id, None, 0)], bulletins)
    items: list[pm.Item] = []
    for it in programme_items.get(s.playlist_id or 0, []):
        if it.kind == "relay":
            if relay_items.source_of(it.relay) in sources:
                items.append(relay_items.model_item(it.relay, it.duration_ms, fallback))
        elif not _withdrawn(it):
            items += _plain_items([_row(it)], bulletins)
    if not any(i.kind in (pm.ItemKind.BULLETIN, pm.ItemKind.RELAY) for i in items):
        return []  # only chimes and pauses left: nothing worth airing
    return items


def _row(it: PlaylistItem) -> tuple[str, int | None, Asset | None, int]:
    return (it.kind, it.bulletin_id, it.asset if it.asset_id else None, int(it.duration_ms or 0))


def _plain_items(rows: list[tuple[str, int | None, Asset | None, int]],
                 bulletins: dict[int, Bulletin]) -> list[pm.Item]:
    """Bulletin, chime and pause items; bulletins not airable drop out."""
    out = []
    for kind, bid, asset, ms in rows:
        if kind == "bulletin" and bid in bulletins:
            out.append(pm.Item(pm.ItemKind.BULLETIN, bulletin_id=bid, duration_ms=_audio(bulletins[bid]).duration_ms))
        elif kind == "chime" and asset is not None:
            out.append(pm.Item(pm.ItemKind.CHIME, asset_sha256=asset.sha256, duration_ms=asset.duration_ms))
        elif kind == ItemKind.PAUSE:
            out.append(pm.Item(pm.ItemKind.PAUSE, duration_ms=ms))
    return out


def _with_fallbacks(items: list[pm.Item]) -> list[pm.Item]:
    return [x for i in items for x in (i, *i.fallback)]


def _approved_sources(schedules: list[Schedule], programme_items: dict[int, list[PlaylistItem]]
                      ) -> dict[int, RelaySource]:
    """The approved relay sources the schedules (or their programmes) name; a disabled one is absent."""
    ids = {relay_items.source_of(s.relay) for s in schedules if s.relay is not None}
    ids |= {relay_items.source_of(it.relay) for its in programme_items.values() for it in its if it.relay}
    ids.discard(None)
    if not ids:
        return {}
    rows = RelaySource.select().where(RelaySource.id.in_(sorted(i for i in ids if i is not None))
                                      & (RelaySource.status == Approval.APPROVED))
    return {r.id: r for r in rows}


def _withdrawn(it: PlaylistItem) -> bool:
    """A chime taken off the air drops out quietly, as a withdrawn bulletin does."""
    return it.chime is not None and it.chime.status == Approval.WITHDRAWN


def _to_schedule(s: Schedule, items: list[pm.Item]) -> pm.Schedule:
    return pm.Schedule(
        id=s.id,
        title=s.title or "",
        items=tuple(items),
        dtstart=s.dtstart.replace(tzinfo=None),
        timezone=s.timezone,
        rrule=s.rrule or "",
        exdates=tuple(datetime.fromisoformat(x).replace(tzinfo=None) for x in (s.exdates or [])),
        priority=pm.Priority(s.priority),
        grace_s=s.grace_s,
        valid_from=s.valid_from,
        valid_until=s.valid_until,
        play_by=s.play_by,
    )


def _to_bulletin(b: Bulletin) -> pm.Bulletin:
    return pm.Bulletin(
        id=b.id,
        title=b.title,
        asset_sha256=_audio(b).sha256,
        duration_ms=_audio(b).duration_ms,
        category=b.category.name if b.category is not None else None,
        language=b.language,
        valid_from=b.valid_from,
        valid_until=b.valid_until,
    )


def content(station: Station, now: datetime | None = None) -> dict[str, Any]:
    """The manifest without ``version`` and ``server_time``: what the station must play and hold."""
    now = now or utcnow()
    schedules = _targeted_schedules(station, now)
    programme_items = _items(schedules)
    wanted = {s.bulletin_id for s in schedules if s.bulletin_id is not None}
    wanted |= {it.bulletin_id for its in programme_items.values() for it in its if it.bulletin_id}
    wanted |= {b for s in schedules if s.relay is not None if (b := relay_items.fallback_ids(s.relay)[0]) is not None}
    wanted |= {b for its in programme_items.values() for it in its
               if it.relay is not None if (b := relay_items.fallback_ids(it.relay)[0]) is not None}
    bulletins = _airable_bulletins({b for b in wanted if b is not None}, now)
    chimes = {pi.asset_id: _audio(pi) for its in programme_items.values() for pi in its if pi.asset_id}
    sources = _approved_sources(schedules, programme_items)
    planned = [(s, _schedule_items(s, programme_items, bulletins, sources)) for s in schedules]
    planned = manifest_guard.screen(station, planned, bulletins, now)  # nothing unapproved is signed
    kept, used_bulletins, assets, relayed = [], set(), {}, set()
    for s, items in planned:
        if not items:
            continue
        kept.append(_to_schedule(s, items))
        for item in _with_fallbacks(items):
            if item.bulletin_id is not None:
                used_bulletins.add(item.bulletin_id)
            elif item.asset_sha256 is not None:
                assets[item.asset_sha256] = chimes[item.asset_sha256]
            elif item.relay_source_id is not None:
                relayed.add(item.relay_source_id)
    for bid in used_bulletins:
        assets[_audio(bulletins[bid]).sha256] = _audio(bulletins[bid])
    out = {
        "horizon_days": HORIZON_DAYS,
        "station": station_dict(station),
        "assets": [_asset_dict(assets[k]) for k in sorted(assets)],
        "bulletins": [pm.bulletin_to_dict(_to_bulletin(bulletins[b])) for b in sorted(used_bulletins)],
        **pm.schedules_to_dict(kept),  # relay schedules go to relay_schedules, only when there are any
    }
    if relayed:  # optional field (issue 13): a station without relays gets the manifest it always got
        out["relay_sources"] = [pm.relay_source_to_dict(pm.RelaySource(r.id, r.name, r.url))
                                for r in (sources[i] for i in sorted(relayed))]
    standby = _standby(station, now)
    if standby:  # optional field: a station without standing alerts gets the manifest it always got
        out["standby"] = standby
    return out


def _standby(station: Station, now: datetime) -> list[dict[str, Any]]:
    """The standing alerts' audio this station keeps cached (never played unless scheduled)."""
    from .standing_alerts import for_station

    alerts = [a for a in for_station(station, now) if a.bulletin.asset_id is not None]  # audio only
    allowed = manifest_guard.approved_assets({_audio(a.bulletin).sha256 for a in alerts}, now)
    out: dict[str, dict[str, Any]] = {}
    for a in alerts:
        sha = _audio(a.bulletin).sha256
        if sha in allowed and sha not in out:
            out[sha] = {**_asset_dict(_audio(a.bulletin)), "key": a.key, "title": a.name, "bulletin_id": a.bulletin_id}
    return [out[k] for k in sorted(out)]


def _audio(row: Bulletin | PlaylistItem | Any) -> Asset:
    """The audio of an airable bulletin or a chime item (the builder only keeps rows that have one)."""
    asset: Asset | None = row.asset
    assert asset is not None, f"{type(row).__name__} {row.id} has no audio"
    return asset


def _asset_dict(a: Asset) -> dict[str, Any]:
    return {"sha256": a.sha256, "size": a.size, "duration_ms": a.duration_ms, "codec": a.codec}


def build(station: Station, now: datetime | None = None) -> tuple[dict[str, Any], str]:
    """The manifest ``M`` for ``station`` and its ETag, binding (and if needed raising) the version."""
    now = now or utcnow()
    for _ in range(5):
        body = content(station, now)
        digest = hashlib.sha256(pm.canonical_bytes(body)).hexdigest()
        version = _bind_version(station, digest)
        if version is not None:
            break
        # a bump landed while we read: the content may predate it, so read it again
        station = Station.select(Station, Area).join(Area).where(Station.id == station.id).get()
    else:
        raise RuntimeError(f"could not settle the manifest version of station {station.id}")
    body["version"] = version
    tag = etag(version, body)
    built = utcnow()  # the cache's age is real time, whatever ``now`` a preview asked about
    Station.update(manifest_etag=tag, manifest_built_at=built).where(
        (Station.id == station.id) & (Station.manifest_version == version)
    ).execute()
    station.manifest_etag, station.manifest_built_at = tag, built
    body["server_time"] = now.astimezone(UTC).isoformat(timespec="milliseconds")
    return body, tag


def preview(station: Station, now: datetime | None = None) -> dict[str, Any]:
    """The manifest ``build`` would serve ``station`` now, unsigned and without writing any row.

    Its version is the one the station would get: the current one if the content is what it was
    bound to (or nothing is bound yet), else one more.
    """
    now = now or utcnow()
    body = content(station, now)
    digest = hashlib.sha256(pm.canonical_bytes(body)).hexdigest()
    v, bound = station.manifest_version, station.manifest_hash
    body["version"] = v if v > 0 and bound in (digest, None) else v + 1
    body["server_time"] = now.astimezone(UTC).isoformat(timespec="milliseconds")
    return body


def _bind_version(station: Station, digest: str) -> int | None:
    """The version for content ``digest``: the current one if it matches or is unbound, else one more.

    None if the row changed since ``station`` was read (the caller rebuilds the content).
    """
    v, bound = station.manifest_version, station.manifest_hash
    # same content, or a bumped version not yet bound: keep it (if the row still says so); else one more
    keep = v > 0 and (bound == digest or bound is None)
    new = v if keep else v + 1
    same_hash = Station.manifest_hash.is_null() if bound is None else Station.manifest_hash == bound
    changed = (
        Station.update(manifest_version=new, manifest_hash=digest)
        .where((Station.id == station.id) & (Station.manifest_version == v) & same_hash)
        .execute()
    )
    if not changed:
        return None
    station.manifest_version, station.manifest_hash = new, digest
    return new


def cached_etag(station: Any, now: datetime, max_age_s: float) -> str | None:
    """The ETag of the last build if it still stands (no bump since, and younger than ``max_age_s``).

    ``station`` is a ``Station`` or a ``stations.SyncState``.
    """
    if not station.manifest_etag or station.manifest_built_at is None:
        return None
    if not station.manifest_etag.startswith(f'"{station.manifest_version}-'):
        return None
    if now - station.manifest_built_at > timedelta(seconds=max_age_s):
        return None
    return station.manifest_etag


def asset_in_manifest(station: Station, sha256: str) -> bool:
    """True if ``sha256`` is among the assets (or standby assets) of the station's current manifest."""
    body = content(station)
    return any(a["sha256"] == sha256 for a in body["assets"] + body.get("standby", []))
