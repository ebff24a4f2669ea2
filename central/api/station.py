"""The station contract (docs/contract.md): enroll, manifest, assets, play-logs, heartbeat.

Every reply carries ``X-Loa-Server-Time`` (set app-wide for ``/api/v1/station/``). The 304 path of the
manifest costs one indexed read (the token) and at most one small write (last seen): no build, no signing.
"""

from __future__ import annotations

import gzip
import logging
import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from central.messages import msg
from playlists.model import canonical_bytes

from .. import config, signing
from ..auth import bearer_token
from ..errors import NotFound, RangeNotSatisfiable, Unavailable, problem_response
from ..models import Asset, Station, utcnow
from ..services import (
    assets,
    broker,
    emergencies,
    enrollment,
    heartbeats,
    manifests,
    playlogs,
    stations,
    throttle,
)
from . import json_body

log = logging.getLogger(__name__)

bp = Blueprint("api_station", __name__, url_prefix="/api/v1/station")


def _station() -> Station:
    station = stations.by_token(bearer_token())
    stations.touch(station, utcnow())
    return station


@bp.post("/enroll")
def enroll() -> ResponseReturnValue:
    body = json_body()
    cfg = current_app.config
    limit = throttle.Limit(cfg.get("ENROLL_MAX_FAILURES", enrollment.LIMIT.max_failures),
                           cfg.get("ENROLL_WINDOW_S", enrollment.LIMIT.window_s))
    try:
        station, token = enrollment.enroll(body.get("code"), request.remote_addr or "", limit)
    except throttle.Throttled as exc:
        resp = _problem(exc)
        resp.headers["Retry-After"] = str(exc.retry_after_s)
        return resp
    reply = {
        "station_id": station.id,
        "token": token,
        "public_key": signing.public_key_b64(current_app.config["DATA_DIR"]),
        "server_time": utcnow().isoformat(timespec="milliseconds"),
    }
    push = broker.enroll(config.settings(), station)
    if push is not None:  # optional: a central without a broker, or an old station, just polls
        reply["mqtt"] = push
    return jsonify(reply), 201


def _etag_matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    candidates = [t.strip() for t in header.split(",")]
    return tag in candidates or f"W/{tag}" in candidates or "*" in candidates


def _not_modified(tag: str) -> Response:
    resp = Response(status=304)
    resp.headers["ETag"] = tag
    return resp


@bp.get("/manifest")
def manifest() -> ResponseReturnValue:
    now = utcnow()
    inm = request.headers.get("If-None-Match")
    if inm:  # the hot path: most polls change nothing; answer from the cached ETag without building
        state = stations.sync_state(bearer_token())
        cached = state and manifests.cached_etag(state, now, current_app.config["MANIFEST_CACHE_S"])
        if state is not None and cached and _etag_matches(inm, cached):
            stations.touch(state, now)
            return _not_modified(cached)
    station = _station()
    body, tag = manifests.build(station, now)
    if _etag_matches(inm, tag):
        return _not_modified(tag)
    emergencies.note_manifest(station.id, body["version"], now)  # time-to-air: "manifest fetched"
    signature = signing.sign(current_app.config["DATA_DIR"], canonical_bytes(body))
    data = canonical_bytes({"manifest": body, "signature": signature})
    resp = Response(data, mimetype="application/json")
    resp.headers["ETag"] = tag
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.headers["Vary"] = "Accept-Encoding, Authorization"
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        resp.set_data(gzip.compress(data, compresslevel=6))
        resp.headers["Content-Encoding"] = "gzip"
    return resp


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """``(first, last)`` inclusive for a single ``bytes=`` range; None to ignore a malformed header."""
    m = _RANGE.match(header.strip())
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return None
    if m.group(1) == "":  # suffix: the last N bytes
        n = int(m.group(2))
        if n == 0:
            raise RangeNotSatisfiable(msg("Khoảng byte rỗng."))
        return max(0, size - n), size - 1
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else size - 1
    if first >= size or last < first:
        raise RangeNotSatisfiable(msg("Tệp có %(size)s byte; khoảng '%(header)s' nằm ngoài.", size=size, header=header),
                                  size=size)
    return first, min(last, size - 1)


@bp.get("/assets/<sha256>")
def asset(sha256: str) -> ResponseReturnValue:
    station = _station()
    row = Asset.get_or_none(Asset.sha256 == sha256)
    if row is None or not manifests.asset_in_manifest(station, sha256):
        raise NotFound(msg("Tệp âm thanh không có trong bản kê của đài."))
    path = assets.store(current_app.config["DATA_DIR"]).path(sha256)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        log.error("asset %s is in a manifest but missing from the store at %s", sha256, path)
        raise Unavailable(msg("Tệp âm thanh đang thiếu trên máy chủ; đài sẽ thử lại sau.")) from None
    headers = {
        "ETag": f'"{sha256}"',
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=31536000, immutable",
    }
    try:
        span = _byte_range(request.headers["Range"], size) if "Range" in request.headers else None
    except RangeNotSatisfiable as exc:
        resp = _problem(exc)
        resp.headers["Content-Range"] = f"bytes */{size}"
        return resp
    first, last = span if span is not None else (0, size - 1)
    with path.open("rb") as f:
        f.seek(first)
        data = f.read(last - first + 1)
    resp = Response(data, status=206 if span else 200, mimetype=row.mime, headers=headers)
    if span:
        resp.headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return resp


def _problem(exc: Any) -> Response:
    return problem_response(exc.problem(), exc.status)


@bp.post("/play-logs")
def play_logs() -> ResponseReturnValue:
    station = _station()
    body = json_body()
    accepted, duplicates = playlogs.ingest(station, body.get("logs"))
    return jsonify({"accepted": accepted, "duplicates": duplicates})


@bp.post("/heartbeat")
def heartbeat() -> ResponseReturnValue:
    station = _station()
    heartbeats.record(station, json_body())
    return jsonify({
        "server_time": utcnow().isoformat(timespec="milliseconds"),
        "manifest_version": Station.get_by_id(station.id).manifest_version,
    })
