"""A small honest fake of the central's station edge on loopback: signed manifests, assets, logs, heartbeats.

It serves what a ``station_helpers.Central`` signs, over real HTTP, so the agent's real client, sync
and player loop run unchanged. Tests can hold an asset back (``gate``) or replace a reply with
hostile bytes (``manifest_raw`` / ``asset_raw``) to see what the station does with them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .station_helpers import Central

#: A hostile reply: (status, headers, body). The body is an iterable of chunks sent one by one.
Raw = tuple[int, dict[str, str], Any]


class FakeCentral:
    """One station's central: publish() signs a new manifest version; the rest answers as the real one."""

    def __init__(self, central: Central) -> None:
        self.central = central
        self.reply: dict[str, Any] | None = None
        self.gates: dict[str, threading.Event] = {}  # sha256 → released when set
        self.manifest_raw: Raw | None = None
        self.asset_raw: dict[str, Callable[[str | None], Raw]] = {}  # sha256 → reply for a Range header
        self.heartbeats: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []
        self.sent: dict[str, int] = {}  # path → body bytes written to the station
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self) -> dict[str, Any]:
        self.reply = self.central.manifest(datetime.now(UTC))
        return self.reply

    def gate(self, sha256: str) -> threading.Event:
        """Hold downloads of ``sha256`` until the returned event is set."""
        return self.gates.setdefault(sha256, threading.Event())

    def count(self, path: str, n: int) -> None:
        with self._lock:
            self.sent[path] = self.sent.get(path, 0) + n

    def close(self) -> None:
        for g in self.gates.values():
            g.set()
        self.server.shutdown()
        self.server.server_close()


def _handler(fc: FakeCentral) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, headers: dict[str, str], chunks: Any) -> None:
            self.send_response(status)
            self.send_header("X-Loa-Server-Time", datetime.now(UTC).isoformat(timespec="milliseconds"))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            try:
                for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
                    self.wfile.write(chunk)
                    fc.count(self.path, len(chunk))
            except OSError:  # the station hung up on us: what a refusal looks like from here
                self.close_connection = True

        def _json(self, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self._send(200, {"Content-Type": "application/json", "Content-Length": str(len(data))}, data)

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if self.path.endswith("/manifest"):
                self._manifest()
                return
            m = re.search(r"/assets/([0-9a-f]{64})$", self.path)
            if m is None:
                self._send(404, {"Content-Length": "0"}, b"")
                return
            self._asset(m.group(1))

        def _manifest(self) -> None:
            if fc.manifest_raw is not None:
                self._send(*fc.manifest_raw)
                return
            reply = fc.reply
            etag = f'"{reply["manifest"]["version"]}"' if reply else '"0"'
            if reply is None or self.headers.get("If-None-Match") == etag:
                self._send(304, {"ETag": etag, "Content-Length": "0"}, b"")
                return
            data = json.dumps(reply, ensure_ascii=False).encode()
            self._send(200, {"Content-Type": "application/json", "ETag": etag,
                             "Content-Length": str(len(data))}, data)

        def _asset(self, sha: str) -> None:
            gate = fc.gates.get(sha)
            if gate is not None:
                gate.wait(120)
            rng = self.headers.get("Range")
            if sha in fc.asset_raw:
                self._send(*fc.asset_raw[sha](rng))
                return
            data = fc.central.blobs.get(sha)
            if data is None:
                self._send(404, {"Content-Length": "0"}, b"")
                return
            start = int(rng.split("=")[1].split("-")[0]) if rng else 0
            headers = {"Content-Type": "audio/ogg", "Content-Length": str(len(data) - start)}
            if rng:
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            self._send(206 if rng else 200, headers, data[start:])

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            n = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(n) or b"{}")
            if self.path.endswith("/play-logs"):
                fc.logs.extend(body.get("logs", []))
                self._json({"accepted": len(body.get("logs", [])), "duplicates": 0})
            elif self.path.endswith("/enroll"):  # any code; the push channel's optional credentials
                self._json({"station_id": 7, "token": "t", "public_key": fc.central.public_key,
                            "server_time": datetime.now(UTC).isoformat(),
                            "mqtt": {"url": "mqtt://127.0.0.1:1", "username": "station-7", "password": "pw",
                                     "areas": ["DNO-DMI-DLA", "DNO-DMI", "DNO"]}})
            elif self.path.endswith("/heartbeat"):
                fc.heartbeats.append(body)
                version = fc.reply["manifest"]["version"] if fc.reply else 0
                self._json({"server_time": datetime.now(UTC).isoformat(), "manifest_version": version})
            else:
                self._send(404, {"Content-Length": "0"}, b"")

    return Handler
