"""The central, as the agent sees it: the HTTP contract of docs/contract.md, with hard time limits.

Every call has a connect and a read timeout and a total deadline, so a hung link can only ever
delay a sync, never playback (which runs in another thread anyway). Every reply's
``X-Loa-Server-Time`` is handed to ``on_server_time`` so the clock can learn its offset.

Every reply is also read with a cap (:class:`Limits`), so a broken or hostile central cannot fill
the Pi's memory or SD card: a JSON reply over its limit is refused unread or as soon as it passes
the limit; gzip is inflated here, never more than the limit (a gzip bomb stops there); an asset is
written only up to the size its signed manifest declares, and a reply that announces or sends
another length is refused (:class:`~station.errors.ReplyRefused`).
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import requests
import urllib3

from . import __version__
from .errors import CentralRefused, CentralUnavailable, ReplyRefused

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
class Limits:
    """The most the agent reads of one reply (after decompression)."""

    manifest_bytes: int = 8 << 20  # a big station's real manifest is well under 1 MiB
    reply_bytes: int = 1 << 20  # enroll, heartbeat, play-log answers and error bodies


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
        limits: Limits | None = None,
    ) -> None:
        self.base = base_url.rstrip("/") + "/api/v1/station"
        self.timeouts = timeouts
        self.limits = limits or Limits()
        self._now = system_now
        self._hook = on_server_time
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"loa-station/{__version__}"
        self.session.headers["Accept-Encoding"] = "gzip"  # the one encoding _read_capped inflates
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def _request(self, method: str, path: str, limit: int | None = None,
                 **kw: Any) -> tuple[requests.Response, bytes]:
        """One call with a total deadline; answers the response and its whole body (at most ``limit``)."""
        sent = self._now()
        deadline = time.monotonic() + self.timeouts.total_s
        try:
            resp = self.session.request(
                method, self.base + path, timeout=(self.timeouts.connect_s, self.timeouts.read_s),
                stream=True, **kw,
            )
            with resp:
                body = _read_capped(resp, limit or self.limits.reply_bytes, deadline, f"{method} {path}")
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
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
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        resp, body = self._request("GET", "/manifest", self.limits.manifest_bytes, headers=headers)
        if resp.status_code == 304:
            return ManifestReply(None, etag)
        return ManifestReply(dict(json.loads(body)), resp.headers.get("ETag"))

    def post_logs(self, logs: list[dict[str, Any]]) -> dict[str, Any]:
        _, body = self._request("POST", "/play-logs", json={"logs": logs})
        return dict(json.loads(body))

    def live(self) -> list[dict[str, Any]]:
        """The live announcements this station should play now (``GET /live``; station.live)."""
        _, body = self._request("GET", "/live")
        found = json.loads(body).get("live")
        return [dict(x) for x in found if isinstance(x, dict)] if isinstance(found, list) else []

    def heartbeat(self, status: dict[str, Any]) -> dict[str, Any]:
        _, body = self._request("POST", "/heartbeat", json=status)
        return dict(json.loads(body))

    def download(self, sha256: str, part: Path, rate_bps: int = 0, size: int | None = None) -> None:
        """Fetch an asset into ``part``, resuming from its current length with ``Range``.

        With ``size`` (the signed manifest's), ``part`` never grows past it: a reply announcing or
        sending another length is refused (``ReplyRefused``); one cut short is kept, to resume.
        """
        have = part.stat().st_size if part.exists() else 0
        if size is not None and have > size:  # longer than the asset can only be wrong
            part.unlink()
            have = 0
        if size is not None and have == size:
            return  # complete already (cut before it was verified): the cache verifies it now
        headers = {"Accept-Encoding": "identity", **({"Range": f"bytes={have}-"} if have else {})}
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
                start = have if resp.status_code == 206 else 0
                want = None if size is None else size - start
                _check_length(resp, sha256, want, size)
                with part.open("ab" if start else "wb") as f:
                    got = _copy(resp, f, deadline, rate_bps, want, sha256)
                    f.flush()
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise CentralUnavailable(f"asset {sha256[:12]}: {exc}") from exc
        if want is not None and got < want:
            raise CentralUnavailable(f"asset {sha256[:12]}: the reply ended after {start + got} of {size} bytes;"
                                     " the rest is fetched next time")

    def _check_download(self, resp: requests.Response, sha256: str, part: Path, have: int) -> None:
        if resp.status_code == 416:  # our .part is longer than the central's copy: it is not the asset
            part.unlink(missing_ok=True)
            raise ReplyRefused(f"asset {sha256[:12]}: range not satisfiable (the central's copy is shorter "
                               "than the part downloaded); refused")
        if resp.status_code == 429 or resp.status_code >= 500:
            raise CentralUnavailable(f"asset {sha256[:12]}: HTTP {resp.status_code}", _retry_after(resp))
        if resp.status_code >= 400:
            raise CentralRefused(f"asset {sha256[:12]}: HTTP {resp.status_code}", resp.status_code)
        if resp.status_code == 206 and not resp.headers.get("Content-Range", "").startswith(f"bytes {have}-"):
            part.unlink(missing_ok=True)
            raise CentralUnavailable(f"asset {sha256[:12]}: unexpected Content-Range, restarting")


def _check_length(resp: requests.Response, sha256: str, want: int | None, size: int | None) -> None:
    """Refuse, before reading, a reply that is encoded or announces another length than the manifest's."""
    enc = resp.headers.get("Content-Encoding", "identity").strip().lower()
    if enc not in ("", "identity"):
        raise ReplyRefused(f"asset {sha256[:12]}: sent with Content-Encoding {enc!r}; only plain bytes are taken")
    if want is None:
        return
    announced = resp.headers.get("Content-Length")
    total = resp.headers.get("Content-Range", "").rpartition("/")[2]
    if announced is not None and announced.strip() != str(want) or total and total not in ("*", str(size)):
        raise ReplyRefused(f"asset {sha256[:12]}: the central offers {announced} bytes (of {total or '?'}) where "
                           f"the signed manifest declares {want} (of {size}); refused")


def _decoder(resp: requests.Response, what: str) -> Any:
    enc = resp.headers.get("Content-Encoding", "identity").strip().lower()
    if enc in ("", "identity"):
        return None
    if enc in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    raise ReplyRefused(f"{what}: unexpected Content-Encoding {enc!r}; refused")


def _read_capped(resp: requests.Response, limit: int, deadline: float, what: str) -> bytes:
    """The body, inflated here with a cap: never more than ``limit`` bytes read or held (a gzip bomb stops)."""
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ReplyRefused(f"{what}: the reply is {declared} bytes, over the {limit}-byte limit; refused unread")
    decoder = _decoder(resp, what)
    body, raw = bytearray(), 0
    while chunk := resp.raw.read1(_CHUNK, decode_content=False):
        raw += len(chunk)
        body += decoder.decompress(chunk, limit + 1 - len(body)) if decoder else chunk
        if raw > limit or len(body) > limit or decoder is not None and decoder.unconsumed_tail:
            raise ReplyRefused(f"{what}: the reply exceeds the {limit}-byte limit"
                               f"{' once inflated (a gzip bomb?)' if decoder else ''}; refused, read no further")
        if time.monotonic() > deadline:
            raise CentralUnavailable("the central took too long to answer")
    if decoder is not None:
        body += decoder.flush()
        if len(body) > limit:
            raise ReplyRefused(f"{what}: the reply exceeds the {limit}-byte limit once inflated; refused")
    return bytes(body)


def _copy(resp: requests.Response, f: IO[bytes], deadline: float, rate_bps: int, want: int | None,
          sha256: str) -> int:
    """Write the body to ``f``, never past ``want`` bytes; answer how many were written."""
    started = time.monotonic()
    done = 0
    n = _CHUNK if rate_bps <= 0 else min(_CHUNK, max(1024, rate_bps // 4))
    # read1: what has arrived, so a reply cut short keeps every byte that came (to resume from)
    while chunk := resp.raw.read1(n, decode_content=False):
        if want is not None and done + len(chunk) > want:
            raise ReplyRefused(f"asset {sha256[:12]}: the central sent more than the {want} bytes the signed "
                               "manifest declares; stopped there and refused")
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
    return done
