"""Real receivers for the alert tests: an aiosmtpd SMTP server and an HTTP webhook receiver on loopback."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.processes import free_port


class Inbox:
    """Mails the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.mails.append(msg)  # type: ignore[arg-type]
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 120) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.mails) >= count:
                    return list(self.mails)
            time.sleep(0.1)
        raise AssertionError(f"{len(self.mails)} mails arrived, wanted {count}")


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()  # aiosmtpd's start-up probe cannot use port 0
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class Receiver:
    """A webhook receiver that checks the HMAC and the timestamp, and fails the first ``fail`` posts."""

    def __init__(self, secret: str, fail: int = 0) -> None:
        self.secret, self.fail = secret, fail
        self.accepted: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.attempts = 0

    def check(self, headers: Any, body: bytes) -> str | None:
        stamp = headers.get("X-Loa-Timestamp", "")
        want = "sha256=" + hmac.new(self.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-Loa-Signature", ""), want):
            return "bad signature"
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return "stale timestamp"
        return None


@contextmanager
def webhook_receiver(receiver: Receiver) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.attempts += 1
            problem = receiver.check(self.headers, body)
            if problem is None and receiver.attempts <= receiver.fail:
                problem = "failing on purpose"
            if problem is None:
                receiver.accepted.append({"headers": dict(self.headers), "json": json.loads(body)})
            else:
                receiver.refused.append(problem)
            self.send_response(503 if problem else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook"
    finally:
        server.shutdown()
        thread.join()
