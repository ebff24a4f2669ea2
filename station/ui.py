"""The commune operator's page: a small local web UI (Vietnamese first, English switchable).

Plain WSGI on werkzeug, served by waitress, to keep the agent's memory small on a Pi. Protected by
the password set at enrollment (scrypt hash in the store), a signed session cookie and a CSRF token
on every form. Every action goes to the player loop as a command, never straight to a player.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .loop import Command, slot_rows
from .ui_text import T

if TYPE_CHECKING:
    from .daemon import Agent

log = logging.getLogger(__name__)

SESSION_S = 12 * 3600
MAX_UPLOAD = 64 * 1024 * 1024


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str | None) -> bool:
    try:
        kind, salt, digest = (stored or "").split("$")
    except ValueError:
        return False
    got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return kind == "scrypt" and hmac.compare_digest(got.hex(), digest)


class OperatorPage:
    """The WSGI app; everything comes from the agent passed in."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.store = agent.store
        self.secret = (self.store.get("ui_secret") or secrets.token_hex(32)).encode()
        self.routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/"): self.home, ("GET", "/login"): self.login_form, ("POST", "/login"): self.login,
            ("POST", "/logout"): self.logout, ("GET", "/status.json"): self.status_json,
            ("POST", "/play"): self.play, ("POST", "/stop"): self.stop, ("POST", "/volume"): self.volume,
            ("POST", "/quiet"): self.quiet, ("POST", "/local"): self.local,
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        req = Request(environ)
        req.max_content_length = MAX_UPLOAD
        resp = self.dispatch(req)
        return resp(environ, start_response)

    def dispatch(self, req: Request) -> Response:
        if req.path == "/lang" and req.args.get("l") in T:
            resp = _redirect("/")
            resp.set_cookie("lang", req.args["l"], max_age=365 * 86400, samesite="Lax")
            return resp
        view = self.routes.get((req.method, req.path))
        if view is None:
            return Response("404", status=404)
        if req.path != "/login" and not self._session_ok(req):
            return _redirect("/login") if req.method == "GET" else Response("403", status=403)
        if req.method == "POST" and req.path != "/login" and not self._csrf_ok(req):
            return Response(self._t(req)["csrf"], status=400)
        return view(req)

    # --- sessions and CSRF --------------------------------------------------------------------

    def _sign(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()

    def _session_ok(self, req: Request) -> bool:
        raw = req.cookies.get("loa_session", "")
        expiry, _, sig = raw.partition(".")
        return expiry.isdigit() and int(expiry) > time.time() and hmac.compare_digest(sig, self._sign(expiry))

    def _csrf(self, req: Request) -> str:
        return self._sign("csrf:" + req.cookies.get("loa_session", ""))

    def _csrf_ok(self, req: Request) -> bool:
        return hmac.compare_digest(req.form.get("csrf", ""), self._csrf(req))

    def _t(self, req: Request) -> dict[str, str]:
        return T.get(req.cookies.get("lang", "vi"), T["vi"])

    # --- views --------------------------------------------------------------------------------

    def login_form(self, req: Request, error: str = "") -> Response:
        t = self._t(req)
        body = (f"<h1>{t['login']}</h1><p class=err>{html.escape(error)}</p>"
                f"<form method=post action=/login><input type=password name=password autofocus "
                f"placeholder='{t['password']}'> <button>{t['login']}</button></form>")
        return _page(t, body, status=401 if error else 200)

    def login(self, req: Request) -> Response:
        if not check_password(req.form.get("password", ""), self.store.get("ui_password")):
            time.sleep(0.5)  # slows guessing down
            return self.login_form(req, self._t(req)["bad_password"])
        expiry = str(int(time.time()) + SESSION_S)
        resp = _redirect("/")
        resp.set_cookie("loa_session", f"{expiry}.{self._sign(expiry)}", httponly=True, samesite="Strict")
        return resp

    def logout(self, req: Request) -> Response:
        resp = _redirect("/login")
        resp.delete_cookie("loa_session")
        return resp

    def status_json(self, req: Request) -> Response:
        import json

        return Response(json.dumps(self.agent.status(), ensure_ascii=False), mimetype="application/json")

    def home(self, req: Request) -> Response:
        from .ui_html import dashboard

        a = self.agent
        now = a.clock.now()
        upcoming = slot_rows(a.loop.upcoming(now, 24), a.loop.content, self._t(req)["lang"])
        playable = []
        if a.loop.content is not None:
            playable = [b for b in a.loop.content.bulletins.values()
                        if b.valid_at(now) and a.cache.playable(b.asset_sha256) is not None]
        body = dashboard(self._t(req), a.status(), upcoming, self.store.recent_plays(50), playable,
                         a.loop.settings, self._csrf(req), req.args.get("msg", ""))
        return _page(self._t(req), body)

    # --- actions ------------------------------------------------------------------------------

    def play(self, req: Request) -> Response:
        try:
            bid = int(req.form.get("bulletin_id", ""))
        except ValueError:
            return _redirect("/?msg=bad_request")
        self.agent.loop.command(Command("play", bulletin_id=bid))
        log.info("operator: play bulletin %d now", bid)
        return _redirect("/?msg=play_started")

    def stop(self, req: Request) -> Response:
        np = self.agent.loop.now_playing()
        if np is not None and np["priority"] == "emergency":
            return _redirect("/?msg=no_stop_emergency")
        self.agent.loop.command(Command("stop"))
        log.info("operator: stop")
        return _redirect("/?msg=stopped")

    def volume(self, req: Request) -> Response:
        raw = req.form.get("volume", "")
        if raw == "":
            self.store.put(local_volume=None)
        elif raw.isdigit() and 0 <= int(raw) <= 100:
            self.store.put(local_volume=int(raw))
        else:
            return _redirect("/?msg=bad_request")
        self.agent.loop.reload()
        log.info("operator: volume %s", raw or "as the central sets it")
        return _redirect("/?msg=saved")

    def quiet(self, req: Request) -> Response:
        mode = req.form.get("mode", "central")
        start, end = req.form.get("start", ""), req.form.get("end", "")
        if mode == "off":
            value: Any = "off"
        elif mode == "set" and _hhmm(start) and _hhmm(end):
            value = {"start": start, "end": end}
        elif mode == "central":
            value = None
        else:
            return _redirect("/?msg=bad_request")
        self.store.put(local_quiet_hours=value)
        self.agent.loop.reload()
        log.info("operator: quiet hours %s", value)
        return _redirect("/?msg=saved")

    def local(self, req: Request) -> Response:
        f = req.files.get("file")
        if f is None or not f.filename:
            return _redirect("/?msg=bad_request")
        data = f.read()
        sha = hashlib.sha256(data).hexdigest()
        d: Path = self.agent.cfg.local_dir
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"{sha}{Path(f.filename).suffix[:8]}"
        path.write_bytes(data)
        title = req.form.get("title") or f.filename
        self.agent.loop.command(Command("local", path=path, title=title, extra={"sha256": sha}))
        log.info("operator: local announcement %r (%d bytes)", title, len(data))
        return _redirect("/?msg=play_started")


def _hhmm(s: str) -> bool:
    parts = s.split(":")
    return len(parts) == 2 and all(p.isdigit() for p in parts) and int(parts[0]) < 24 and int(parts[1]) < 60


def _redirect(to: str) -> Response:
    return Response("", status=303, headers={"Location": to})


def _page(t: dict[str, str], body: str, status: int = 200) -> Response:
    from .ui_html import layout

    return Response(layout(t, body), status=status, mimetype="text/html")


class Server:
    """waitress in a daemon thread; ``close`` stops it."""

    def __init__(self, app: OperatorPage, host: str, port: int) -> None:
        from waitress.server import create_server

        self.srv = create_server(app, host=host, port=port, threads=2, ident="loa-station")
        self.port = int(self.srv.effective_port)
        self._closing = False
        self.thread = threading.Thread(target=self._run, name="ui", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.srv.run()
        except (OSError, ValueError):  # its sockets closed under it by close(): the normal way out
            if not self._closing:
                raise

    def close(self) -> None:
        self._closing = True
        self.srv.close()
        self.thread.join(2)


def serve(agent: Agent, host: str, port: int) -> Server:
    return Server(OperatorPage(agent), host, port)
