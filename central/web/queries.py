"""Read-only look-ups the pages need for choices and context (scoped by the services' helpers).

Everything that changes state goes through ``central.services``; this module only reads.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, send_file
from flask_babel import get_locale

from central import auth
from central.db import tuples_of
from central.models import Area, AuditLog, Bulletin, Category, Station
from central.policy import APPROVERS
from central.services import area_tree as tree_service
from central.services import areas as areas_service
from central.services import assets, chimes, programmes, relays, schedules
from central.services import bulletins as bulletins_service
from central.services import campaigns as campaigns_service
from central.services import categories as categories_service
from playlists.words import Approval


def asset_store() -> Any:
    """The content-addressed audio store under the data dir (``central init`` creates it)."""
    return assets.store(current_app.config["DATA_DIR"])


def private_audio(asset: Any) -> Any:
    """``asset``'s audio for a page's player (404 without one), cached by this browser only."""
    store = asset_store()
    if asset is None or not store.has(asset.sha256):
        abort(404)
    resp = send_file(store.path(asset.sha256), mimetype=asset.mime, conditional=True,
                     etag=asset.sha256, max_age=3600)
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


def data_dir() -> Any:
    return current_app.config["DATA_DIR"]


def pending_count(user: Any) -> int:
    """Bulletins, chimes, programme changes and schedules waiting for this approver (never their own)."""
    if user is None or user.role not in APPROVERS:
        return 0
    return sum(s.waiting_count(user) for s in (bulletins_service, chimes, programmes, relays, schedules))


def pending_audio(user: Any) -> dict[str, list[Any]]:
    """Chimes, programme changes and relay sources waiting for a second person (two-person rule)."""
    return {"chimes": chimes.listing(user, status=Approval.SUBMITTED),
            "changes": [programmes.answer(p) for p in programmes.waiting_for(user)],
            "relays": relays.listing(user, status=Approval.SUBMITTED)}


def area_tree(user: Any) -> list[dict[str, Any]]:
    """The areas ``user`` may see, depth-first, each with its ``depth`` for indenting."""
    scope = auth.area_subtree_ids(user)
    rows = list(Area.select().order_by(Area.name))
    children: dict[int | None, list[Area]] = {}
    for a in rows:
        children.setdefault(a.parent_id, []).append(a)
    out: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for a in children.get(parent, []):
            if scope is None or a.id in scope:
                out.append({"id": a.id, "code": a.code, "name": a.name, "level": a.level,
                            "depth": depth, "parent_id": a.parent_id})
                walk(a.id, depth + 1)
            else:
                walk(a.id, depth)  # a scoped user's own area is below areas they cannot see

    walk(None, 0)
    return out


def area_choices(user: Any, key: str = "code") -> list[tuple[Any, str]]:
    return [(a[key], "\u00a0\u00a0" * a["depth"] + a["name"]) for a in area_tree(user)]


def subtree(area_code: str | None) -> set[int] | None:
    """Ids under the area named by ``area_code`` (None when no filter is given)."""
    if not area_code:
        return None
    return tree_service.subtree_ids(areas_service.get(area_code).id)


def category_choices() -> list[tuple[str, str]]:
    english = str(get_locale()) == "en"
    return [(c.code, (c.name_en if english and c.name_en else c.name)) for c in categories_service.listing()]


def campaign_choices(user: Any) -> list[tuple[int, str]]:
    rows = sorted(campaigns_service.listing(user), key=lambda c: (c.starts_on, c.name), reverse=True)
    return [(c.id, f"{c.name} ({c.starts_on:%d/%m/%Y})") for c in rows]


def category_names() -> dict[int, str]:
    return {c.id: c.name for c in Category.select()}


def history(object_type: str, object_id: Any) -> list[AuditLog]:
    """The audit trail of one object, oldest first."""
    return list(
        AuditLog.select()
        .where(AuditLog.object_type == object_type, AuditLog.object_id == str(object_id))
        .order_by(AuditLog.at, AuditLog.id)
    )


def station_choices(user: Any) -> list[tuple[int, str]]:
    q = auth.visible_stations(user).where(Station.active == True)  # noqa: E712
    return [(s.id, s.name) for s in q.order_by(Station.name)]


def approved_bulletins(user: Any) -> list[Bulletin]:
    return bulletins_service.listing(user, status=Approval.APPROVED)


def bulletin_titles(ids: set[int]) -> dict[int, str]:
    """Titles for bulletin ids named by play logs or slots (rows the viewer already may see)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(tuples_of(Bulletin.select(Bulletin.id, Bulletin.title).where(Bulletin.id.in_(sorted(ids)))))


def area_name(code: Any) -> str:
    """An area's name for a page that holds its code (names are read once per request)."""
    if not code:
        return ""
    if "area_names" not in g:
        g.area_names = {a.code: a.name for a in Area.select(Area.code, Area.name)}
    return str(g.area_names.get(code, code))


def station_name(station_id: Any) -> str:
    """A station's name for a page that holds its id."""
    if "station_names" not in g:
        g.station_names = {s.id: s.name for s in Station.select(Station.id, Station.name)}
    return str(g.station_names.get(int(station_id), f"#{station_id}"))


FILTERS = {"area_name": area_name, "station_name": station_name}
