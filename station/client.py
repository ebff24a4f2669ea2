"""The central, as the agent sees it: the HTTP contract of docs/contract.md, with hard time limits.

Every call has a connect and a read timeout and a total deadline, so a hung link can only ever
delay a sync, never playback (which runs in another thread anyway). Every reply's
``X-Loa-Server-Time`` is handed to ``on_server_time`` so the clock can learn its offset.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import requests

from . import __version__
from .errors import CentralRefused, CentralUnavailable

log = logging.getLogger(__name__)

ServerTimeHook = Callable[[datetime, datetime, datetime], object]
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Timeouts:
    connect_s: float = 5.0
    read_s: float = 20.0
    total_s: float = 60.0
    download_s: float = 1800.0


@dataclass(frozen=True)
class ManifestReply:
    """``body`` is None when the central answered 304 (nothing new)."""

    body: dict[str, Any] | None
    etag: str | None


def _retry_after(resp: requests.Response) -> float | None:
    raw = resp.headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        when = email.utils.parsedate_to_datetime(raw)
        if when is None:
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _problem(resp: requests.Response) -> str:
    try:
        body = resp.json()
        return str(body.get("detail") or body.get("title") or resp.reason)
    except ValueError:
        return resp.reason or str(resp.status_code)


def parse_server_time(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        t = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


class CentralClient:
    """One central, one station token."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        timeouts: Timeouts,
        system_now: Callable[[], datetime],
        on_server_time: ServerTimeHook | None = None,
    ) -> None:
        self.base = base_url.rstrip("/") + "/api/v1/station"
        self.timeouts = timeouts
        self._now = system_now
        self._hook = on_server_time
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"loa-station/{__version__}"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def _request(self, method: str, path: str, **kw: Any) -> tuple[requests.Response, bytes]:
        """One call with a total deadline; answers the response and its whole body."""
        sent = self._now()
        deadline = time.monotonic() + self.timeouts.total_s
        try:
            resp = self.session.request(
                method, self.base + path, timeout=(self.timeouts.connect_s, self.timeouts.read_s),
                stream=True, **kw,
            )
            with resp:
                body = _read_all(resp, deadline)
        except (requests.RequestException, OSError) as exc:
            raise CentralUnavailable(f"{method} {path}: {exc}") from exc
        self._observe(resp, sent)
        if resp.status_code == 429 or resp.status_code >= 500:
            raise CentralUnavailable(f"{method} {path}: HTTP {resp.status_code}", _retry_after(resp))
        if resp.status_code >= 400:
            resp._content = body
            raise CentralRefused(f"{method} {path}: {_problem(resp)}", resp.status_code)
        return resp, body

    def _observe(self, resp: requests.Response, sent: datetime) -> None:
        server = parse_server_time(resp.headers.get("X-Loa-Server-Time"))
        if server is not None and self._hook is not None:
            self._hook(server, sent, self._now())

    def enroll(self, code: str) -> dict[str, Any]:
        _, body = self._request("POST", "/enroll", json={"code": code})
        return dict(json.loads(body))

    def manifest(self, etag: str | None) -> ManifestReply:
        headers = {"Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        resp, body = self._request("GET", "/manifest", headers=headers)
        if resp.status_code == 304:
            return ManifestReply(None, etag)
        return ManifestReply(dict(json.loads(body)), resp.headers.get("ETag"))

    def post_logs(self, logs: list[dict[str, Any]]) -> dict[str, Any]:
        _, body = self._request("POST", "/play-logs", json={"logs": logs})
        return dict(json.loads(body))

    def heartbeat(self, status: dict[str, Any]) -> dict[str, Any]:
        _, body = self._request("POST", "/heartbeat", json=status)
        return dict(json.loads(body))

    def download(self, sha256: str, part: Path, rate_bps: int = 0) -> None:
        """Fetch an asset into ``part``, resuming from its current length with ``Range``."""
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        if have:
            log.info("resuming asset %s from byte %d", sha256[:12], have)
        sent = self._now()
        deadline = time.monotonic() + self.timeouts.download_s
        try:
            resp = self.session.get(
                f"{self.base}/assets/{sha256}", headers=headers, stream=True,
                timeout=(self.timeouts.connect_s, self.timeouts.read_s),
            )
            with resp:
                self._observe(resp, sent)
                self._check_download(resp, sha256, part, have)
                mode = "ab" if resp.status_code == 206 else "wb"
                with part.open(mode) as f:
                    _copy(resp, f, deadline, rate_bps)
                    f.flush()
        except (requests.RequestException, OSError) as exc:
            raise CentralUnavailable(f"asset {sha256[:12]}: {exc}") from exc

    def _check_download(self, resp: requests.Response, sha256: str, part: Path, have: int) -> None:
        if resp.status_code == 416:  # our .part is longer than the asset: start again
            part.unlink(missing_ok=True)
            raise CentralUnavailable(f"asset {sha256[:12]}: range not satisfiable, restarting")
        if resp.status_code == 429 or resp.status_code >= 500:
            raise CentralUnavailable(f"asset {sha256[:12]}: HTTP {resp.status_code}", _retry_after(resp))
        if resp.status_code >= 400:
            raise CentralRefused(f"asset {sha256[:12]}: HTTP {resp.status_code}", resp.status_code)
        if resp.status_code == 206 and not resp.headers.get("Content-Range", "").startswith(f"bytes {have}-"):
            part.unlink(missing_ok=True)
            raise CentralUnavailable(f"asset {sha256[:12]}: unexpected Content-Range, restarting")


def _read_all(resp: requests.Response, deadline: float) -> bytes:
    chunks = []
    for chunk in resp.iter_content(_CHUNK):
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise CentralUnavailable("the central took too long to answer")
    return b"".join(chunks)


def _copy(resp: requests.Response, f: IO[bytes], deadline: float, rate_bps: int) -> None:
    started = time.monotonic()
    done = 0
    for chunk in resp.iter_content(_CHUNK if rate_bps <= 0 else min(_CHUNK, max(1024, rate_bps // 4))):
        f.write(chunk)
        done += len(chunk)
        now = time.monotonic()
        if now > deadline:
            raise CentralUnavailable("asset download took too long; will resume")
        if rate_bps > 0:
            ahead = done / rate_bps - (now - started)
            if ahead > 0:
                f.flush()  # so an interrupted download keeps what it already has
                time.sleep(ahead)
