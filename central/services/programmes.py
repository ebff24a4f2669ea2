"""Programmes (chương trình, model ``Playlist``): ordered bulletins, chimes and pauses.

An item is ``{"kind": "bulletin", "bulletin_id"}``, ``{"kind": "chime"}`` (the house chime, or
``asset_sha256`` of a known asset) or ``{"kind": "pause", "duration_ms"}``. A programme may hold
bulletins that are not approved yet: the manifest leaves them out, so the station skips them.
Changing a programme bumps the manifests of the stations whose schedules play it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from central.db import database
from central.errors import Conflict, Invalid, NotFound, Unprocessable
from central.models import Asset, Bulletin, Playlist, PlaylistItem, Schedule, User, utcnow
from central.services import audit
from central.services import bulletins as bulletins_service
from central.services.bulletins import EDITORS, DataDir, can_see_owner, check_owner, check_role

MAX_ITEMS = 200
MAX_PAUSE_MS = 10 * 60 * 1000


def chime(data_dir: DataDir) -> Asset:
    """The house chime as an Asset row (made and stored once; its bytes never change)."""
    import audio_library

    encoded = audio_library.chime_asset()
    existing = Asset.get_or_none(Asset.sha256 == encoded.sha256)
    if existing is not None:
        return existing
    return bulletins_service.save_asset(encoded, data_dir, "chime")


def _item(actor: User, n: int, raw: Any, data_dir: DataDir | None) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise Invalid(f"Mục {n} phải là đối tượng JSON. (Item {n} must be an object.)")
    kind = raw.get("kind")
    if kind == "bulletin":
        try:
            b = bulletins_service.get(actor, int(raw.get("bulletin_id")))
        except (TypeError, ValueError):
            raise Invalid(f"Mục {n}: thiếu bulletin_id. (Item {n} needs bulletin_id.)") from None
        return {"kind": kind, "bulletin": b, "duration_ms": 0}
    if kind == "chime":
        sha = raw.get("asset_sha256")
        if sha:
            asset = Asset.get_or_none(Asset.sha256 == sha)
            if asset is None:
                raise Unprocessable(f"Mục {n}: không có tệp âm thanh {sha}. (Unknown asset.)")
        elif data_dir is not None:
            asset = chime(data_dir)
        else:
            raise Invalid(f"Mục {n}: nhạc hiệu cần asset_sha256. (Chime needs an asset.)")
        return {"kind": kind, "asset": asset, "duration_ms": 0}
    if kind == "pause":
        ms = raw.get("duration_ms")
        if not isinstance(ms, int) or isinstance(ms, bool) or not 0 < ms <= MAX_PAUSE_MS:
            raise Invalid(f"Mục {n}: khoảng lặng cần duration_ms từ 1 đến {MAX_PAUSE_MS}.")
        return {"kind": kind, "duration_ms": ms}
    raise Invalid(f"Mục {n}: loại '{kind}' không hợp lệ (bulletin, chime, pause).")


def _items(actor: User, raw: Any, data_dir: DataDir | None) -> list[dict[str, Any]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise Invalid("Chương trình cần ít nhất một mục trong 'items'. (items must be a non-empty list.)")
    if len(raw) > MAX_ITEMS:
        raise Invalid(f"Chương trình có tối đa {MAX_ITEMS} mục.")
    items = [_item(actor, n, r, data_dir) for n, r in enumerate(raw, start=1)]
    if not any(i["kind"] == "bulletin" for i in items):
        raise Invalid("Chương trình cần ít nhất một bản tin. (A programme needs a bulletin.)")
    return items


def _name(data: Mapping[str, Any]) -> str:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise Invalid("Chương trình cần có tên. (A programme needs a name.)", field="name")
    return name.strip()[:200]


def _write_items(p: Playlist, items: list[dict[str, Any]]) -> None:
    PlaylistItem.delete().where(PlaylistItem.playlist == p).execute()
    for pos, i in enumerate(items):
        PlaylistItem.create(playlist=p, position=pos, **i)


def create(actor: User, data: Mapping[str, Any], data_dir: DataDir | None = None) -> Playlist:
    check_role(actor, EDITORS, "tạo chương trình")
    name = _name(data)
    items = _items(actor, data.get("items"), data_dir)
    with database.atomic():
        p = Playlist.create(name=name, description=str(data.get("description") or ""),
                            area=actor.area_id, created_by=actor)
        _write_items(p, items)
        audit.record(actor, "playlist.create", p, name=name, items=len(items))
    return p


def update(actor: User, pid: int, data: Mapping[str, Any], data_dir: DataDir | None = None) -> Playlist:
    check_role(actor, EDITORS, "sửa chương trình")
    p = get(actor, pid)
    check_owner(actor, p.area_id, "Chương trình")
    items = _items(actor, data["items"], data_dir) if "items" in data else None
    with database.atomic():
        if "name" in data:
            p.name = _name(data)
        if "description" in data:
            p.description = str(data.get("description") or "")
        p.updated_at = utcnow()
        p.save()
        if items is not None:
            _write_items(p, items)
        audit.record(actor, "playlist.update", p, fields=sorted(k for k in data if k in
                                                              ("name", "description", "items")))
        _bump(p)
    return p


def delete(actor: User, pid: int) -> None:
    check_role(actor, EDITORS, "xóa chương trình")
    p = get(actor, pid)
    check_owner(actor, p.area_id, "Chương trình")
    live = Schedule.select().where((Schedule.playlist == p) & (Schedule.deleted == False))  # noqa: E712
    if live.exists():
        raise Conflict("Chương trình đang được lịch phát dùng; xóa lịch trước. (Used by a schedule.)")
    with database.atomic():
        audit.record(actor, "playlist.delete", p, name=p.name)
        Schedule.update(playlist=None).where(Schedule.playlist == p).execute()
        p.delete_instance(recursive=False)


def _bump(p: Playlist) -> None:
    from central.services import manifests

    manifests.bump_for_playlist(p)


def listing(user: User) -> list[Playlist]:
    q = Playlist.select()
    cond = bulletins_service.owner_visible(user, Playlist.area)
    if cond is not None:
        q = q.where(cond)
    return list(q.order_by(Playlist.id.desc()))


def get(user: User, pid: int) -> Playlist:
    p = Playlist.get_or_none(Playlist.id == pid)
    if p is None or not can_see_owner(user, p.area_id):
        raise NotFound(f"Không có chương trình số {pid}. (No programme {pid}.)")
    return p


def ordered_items(p: Playlist) -> list[PlaylistItem]:
    return list(p.items.order_by(PlaylistItem.position))


def item_duration(i: PlaylistItem) -> int:
    if i.kind == "bulletin":
        b: Bulletin = i.bulletin
        return b.asset.duration_ms if b is not None and b.asset_id else 0
    if i.kind == "chime":
        return i.asset.duration_ms if i.asset_id else 0
    return int(i.duration_ms)


def to_dict(p: Playlist) -> dict[str, Any]:
    items = ordered_items(p)
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "area_code": p.area.code if p.area_id else None,
        "items": [
            {
                "kind": i.kind,
                "bulletin_id": i.bulletin_id,
                "asset_sha256": i.asset_id,
                "duration_ms": item_duration(i),
                "title": i.bulletin.title if i.bulletin_id else None,
                "status": i.bulletin.status if i.bulletin_id else None,
            }
            for i in items
        ],
        "duration_ms": sum(item_duration(i) for i in items),
    }
