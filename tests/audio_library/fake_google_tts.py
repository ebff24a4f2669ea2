"""A small honest fake of Google Translate's TTS endpoint on 127.0.0.1, for gTTS tests.

It answers ``POST /_/TranslateWebserverUi/data/batchexecute`` the way Google does (a batchexecute
reply carrying base64 MP3 under the ``jQ1olc`` RPC), and can be told to be slow, fail or talk
nonsense. It records the text of every request it got.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

PATH = "/_/TranslateWebserverUi/data/batchexecute"


class FakeGoogleTTS:
    """``mode`` is one of "ok", "slow", "error", "garbage", "not-mp3"; change it between calls."""

    def __init__(self, mp3_chunk: bytes, slow_s: float = 1.5) -> None:
        self.mp3_chunk = mp3_chunk
        self.slow_s = slow_s
        self.mode = "ok"
        self.fail_after: int | None = None  # answer HTTP 500 once this many requests were served
        self.texts: list[str] = []
        self.languages: list[str] = []
        self.hits = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeGoogleTTS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reply_for(self, body: bytes) -> tuple[int, bytes]:
        with self._lock:
            self.hits += 1
            broken = self.fail_after is not None and self.hits > self.fail_after
        rpc = json.loads(parse_qs(body.decode())["f.req"][0])
        text, language = json.loads(rpc[0][0][1])[:2]
        if self.mode == "slow":
            time.sleep(self.slow_s)
        if self.mode == "error" or broken:
            return 500, b"Internal Server Error"
        if self.mode == "garbage":
            return 200, b")]}'\n\n<html>We're sorry... automated queries</html>"
        with self._lock:
            self.texts.append(text)
            self.languages.append(language)
        audio = self.mp3_chunk if self.mode != "not-mp3" else b"\x00" * 400
        compact = {"separators": (",", ":")}  # as Google writes it
        inner = json.dumps([base64.b64encode(audio).decode()], **compact)
        payload = json.dumps([["wrb.fr", "jQ1olc", inner, None, None, None, "generic"]], **compact)
        return 200, b")]}'\n\n" + str(len(payload)).encode() + b"\n" + payload.encode() + b"\n"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.split("?")[0] != PATH:
                    status, reply = 404, b"not found"
                else:
                    status, reply = fake.reply_for(body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the "slow" mode)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        return Handler
