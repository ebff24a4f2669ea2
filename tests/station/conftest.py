"""A real central on loopback for the station's multi-process tests (one per module: it is slow to make)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.processes import Central, Station, approved_bulletin, new_central


def bulletin(central: Central, title: str, seconds: float) -> dict[str, Any]:
    return approved_bulletin(central, title, seconds)


@pytest.fixture(scope="module")
def real_central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    c = new_central(tmp_path_factory.mktemp("central"))
    c.start()
    yield c
    c.stop()


@pytest.fixture
def make_station(tmp_path: Path) -> Iterator[Callable[..., Station]]:
    made: list[Station] = []

    def make(central_url: str, **env: str) -> Station:
        s = Station(tmp_path / f"s{len(made)}", central_url, **env)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


class TamperingProxy:
    """A man in the middle on loopback: forwards to the central, and can rewrite the manifest reply."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.mutate: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.seen_manifests: list[dict[str, Any]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("authorization", "content-type", "if-none-match", "range")}
                r = requests.request(self.command, proxy.upstream + self.path, headers=headers, data=body,
                                     timeout=30)
                data = r.content
                if self.path.endswith("/manifest") and r.status_code == 200:
                    reply = r.json()
                    proxy.seen_manifests.append(reply)
                    if proxy.mutate is not None:
                        data = json.dumps(proxy.mutate(reply), ensure_ascii=False).encode()
                self.send_response(r.status_code)
                for k in ("Content-Type", "ETag", "X-Loa-Server-Time", "Content-Range", "Retry-After"):
                    if k in r.headers:
                        self.send_header(k, r.headers[k])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(real_central: Central) -> Iterator[TamperingProxy]:
    p = TamperingProxy(real_central.url)
    yield p
    p.close()
