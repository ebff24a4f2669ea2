"""The commune operator's page: a small local web UI (Vietnamese first, English switchable).

Plain WSGI on werkzeug, served by waitress, to keep the agent's memory small on a Pi. Protected by
the password set at enrollment (werkzeug's scrypt hash in the store), a session cookie and a CSRF
token signed with itsdangerous; pages are Jinja templates (``station/templates``). Every action
goes to the player loop as a command, never straight to a player, and the page answers with the
state *after* the loop has acted on it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Request, Response

from .commands import Command, CommandKind
from .playing import Running
from .status import missing_assets
from .ui_html import (
    play_rows,
    quiet_text,
    render,
    settings_rows,
    station_title,
    status_rows,
    upcoming_rows,
)
from .ui_text import LANGUAGES, N_, Words

if TYPE_CHECKING:
    from .daemon import Agent

log = logging.getLogger(__name__)

SESSION_S = 12 * 3600
MAX_UPLOAD = 64 * 1024 * 1024
ACT_WAIT_S = 8.0  # how long an action waits for the player loop to act before the page answers
#: scrypt at n=2**14 (16 MiB), as before: werkzeug's default n=2**15 needs 32 MiB on a small Pi.
HASH_METHOD = "scrypt:16384:8:1"
STATIC = Path(__file__).resolve().parent / "static"

#: Notes shown after an action (``?msg=``); the bad ones in red.
MESSAGES = {
    "playing": N_("Đã bắt đầu phát."), "play_pending": N_("Đã gửi lệnh phát nhưng đài chưa phát."),
    "stopped": N_("Đã dừng phát."), "stop_pending": N_("Đã gửi lệnh dừng nhưng đài vẫn đang phát."),
    "nothing_playing": N_("Không có gì đang phát."), "saved": N_("Đã lưu."),
    "bad_request": N_("Dữ liệu không hợp lệ."), "no_stop_emergency": N_("Không thể dừng bản tin khẩn cấp."),
    "emergency_playing": N_("Đang phát bản tin khẩn cấp: không phát thêm được."),
    "speaker_test": N_("Đã yêu cầu thử loa: tín hiệu thử 3 giây phát khi đài rảnh. Tải lại trang để xem kết quả."),
    "busy": N_("Đài đang phát: hãy thử loa khi đài rảnh."),
}
BAD = {"play_pending", "stop_pending", "bad_request", "no_stop_emergency", "emergency_playing", "busy"}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def check_password(password: str, stored: str | None) -> bool:
    """werkzeug's hashes, and the ``scrypt$salt$digest`` form stations enrolled before it wrote."""
    if not stored:
        return False
    if stored.startswith("scrypt$"):
        try:
            _, salt, digest = stored.split("$")
            got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
        except ValueError:
            return False
        return hmac.compare_digest(got.hex(), digest)
    return check_password_hash(stored, password)


def _wait(done: Callable[[], bool], timeout: float = ACT_WAIT_S) -> bool:
    """Wait for real state (the loop's) to say the action took effect; False if it did not in time."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class OperatorPage:
    """The WSGI app; everything comes from the agent passed in."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.store = agent.store
        secret = self.store.get("ui_secret") or secrets.token_hex(32)
        self.sessions = URLSafeTimedSerializer(secret, salt="loa-station-session")
        self.csrf_tokens = URLSafeTimedSerializer(secret, salt="loa-station-csrf")
        self.routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/"): self.home, ("GET", "/login"): self.login_form, ("POST", "/login"): self.login,
            ("POST", "/logout"): self.logout, ("GET", "/status.json"): self.status_json,
            ("POST", "/play"): self.play, ("POST", "/stop"): self.stop, ("POST", "/volume"): self.volume,
            ("POST", "/quiet"): self.quiet, ("POST", "/local"): self.local,
            ("POST", "/speaker-test"): self.speaker_test,
        }
        self.public = {"/login", "/lang", "/favicon.ico", "/favicon.svg"}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        req = Request(environ)
        req.max_content_length = MAX_UPLOAD
        return self.dispatch(req)(environ, start_response)

    def dispatch(self, req: Request) -> Response:
        if req.path in ("/favicon.ico", "/favicon.svg"):
            return Response((STATIC / "favicon.svg").read_bytes(), mimetype="image/svg+xml",
                            headers={"Cache-Control": "max-age=86400"})
        if req.path == "/lang":
            resp = _redirect("/")
            if req.args.get("l") in LANGUAGES:
                resp.set_cookie("lang", req.args["l"], max_age=365 * 86400, samesite="Lax")
            return resp
        view = self.routes.get((req.method, req.path))
        if view is None:
            return Response("404", status=404)
        if req.path != "/login" and self._session(req) is None:
            return _redirect("/login") if req.method == "GET" else Response("403", status=403)
        if req.method == "POST" and req.path != "/login" and not self._csrf_ok(req):
            w = _words(req)
            return Response(w("Biểu mẫu đã hết hạn, hãy tải lại trang."), status=400)
        return view(req)

    # --- sessions and CSRF --------------------------------------------------------------------

    def _session(self, req: Request) -> str | None:
        try:
            return str(self.sessions.loads(req.cookies.get("loa_session", ""), max_age=SESSION_S))
        except BadSignature:  # also an expired one
            return None

    def _csrf(self, req: Request) -> str:
        return self.csrf_tokens.dumps(self._session(req) or "")

    def _csrf_ok(self, req: Request) -> bool:
        try:
            sid = self.csrf_tokens.loads(req.form.get("csrf", ""), max_age=SESSION_S)
        except BadSignature:
            return False
        return bool(sid) and hmac.compare_digest(str(sid), self._session(req) or "")

    # --- pages --------------------------------------------------------------------------------

    def login_form(self, req: Request, error: str = "") -> Response:
        w = _words(req)
        body = render("login.html", w, error=error, csrf="", **self._header(w))
        return _html(body, status=401 if error else 200)

    def login(self, req: Request) -> Response:
        password, stored = req.form.get("password", ""), self.store.get("ui_password")
        if not check_password(password, stored):
            time.sleep(0.5)  # slows guessing down
            w = _words(req)
            return self.login_form(req, w("Sai mật khẩu."))
        if not str(stored).startswith(HASH_METHOD.split(":")[0] + ":"):
            self.store.put(ui_password=hash_password(password))  # the old format, rewritten once
            log.info("operator page password re-hashed in werkzeug's format")
        resp = _redirect("/")
        resp.set_cookie("loa_session", self.sessions.dumps(secrets.token_hex(16)), max_age=SESSION_S,
                        httponly=True, samesite="Strict")
        return resp

    def logout(self, req: Request) -> Response:
        resp = _redirect("/login")
        resp.delete_cookie("loa_session")
        return resp

    def status_json(self, req: Request) -> Response:
        return Response(json.dumps(self.agent.status(), ensure_ascii=False), mimetype="application/json")

    def _header(self, w: Words) -> dict[str, Any]:
        st = self.agent.status()
        return {"st": st, "place": st["area_name"] or st["station_name"], "station_title": station_title(w, st)}

    def home(self, req: Request) -> Response:
        a, w = self.agent, _words(req)
        head = self._header(w)
        st, tz = head["st"], head["st"]["timezone"]
        now = a.clock.now()
        missing = missing_assets(self.store, a.cache)
        content = a.loop.content
        bulletins = content.bulletins.values() if content is not None else []
        playable = sorted((b for b in bulletins if b.valid_at(now) and b.asset_sha256 not in missing),
                          key=lambda b: b.title)
        s = st["settings"]
        quiet = s["quiet_hours"] or s["central"]["quiet_hours"] or {"start": "21:30", "end": "05:00"}
        code = req.args.get("msg", "")
        body = render(
            "home.html", w, **head, tz=tz, csrf=self._csrf(req), now_playing=st["now_playing"],
            msg=w(MESSAGES[code]) if code in MESSAGES else "", msg_bad=code in BAD,
            state=status_rows(w, st), playable=playable,
            upcoming=upcoming_rows(w, a.loop.upcoming(now, 24), content, missing, tz),
            recent=play_rows(w, self.store.recent_plays(50), tz), settings=s,
            settings_rows=settings_rows(w, s), quiet_start=quiet["start"], quiet_end=quiet["end"],
            central_quiet=quiet_text(w, s["central"]["quiet_hours"], "central"),
        )
        return _html(body)

    # --- actions: each answers once the loop has acted (or the wait ran out) ------------------

    def _act(self, cmd: Command, took_effect: Callable[[Running | None], bool]) -> bool:
        loop = self.agent.loop
        before = loop.running
        loop.command(cmd)
        return _wait(lambda: loop.running is not before and took_effect(loop.running))

    def play(self, req: Request) -> Response:
        try:
            bid = int(req.form.get("bulletin_id", ""))
        except ValueError:
            return _redirect("/?msg=bad_request")
        if self._emergency_on():
            return _redirect("/?msg=emergency_playing")
        log.info("operator: play bulletin %d now", bid)
        ok = self._act(Command(CommandKind.PLAY, bulletin_id=bid), lambda r: r is not None and r.bulletin_id == bid)
        return _redirect("/?msg=" + ("playing" if ok else "play_pending"))

    def stop(self, req: Request) -> Response:
        if self.agent.loop.running is None:
            return _redirect("/?msg=nothing_playing")
        if self._emergency_on():
            return _redirect("/?msg=no_stop_emergency")
        log.info("operator: stop")
        ok = self._act(Command(CommandKind.STOP), lambda r: True)  # what sounds next (a resumed programme) is shown
        return _redirect("/?msg=" + ("stopped" if ok else "stop_pending"))

    def speaker_test(self, req: Request) -> Response:
        """Play the short test signal now (when nothing sounds); the result shows on this page."""
        loop = self.agent.loop
        if loop.speaker is None:
            return _redirect("/?msg=bad_request")
        if loop.running is not None:
            return _redirect("/?msg=busy")
        log.info("operator: speaker test")
        loop.speaker.request(secrets.token_hex(8), "local", self.agent.clock.now())
        loop.wake.set()
        _wait(lambda: loop.speaker is not None and loop.speaker.pending is None)
        return _redirect("/?msg=speaker_test")

    def _emergency_on(self) -> bool:
        np = self.agent.loop.now_playing()
        return np is not None and np["priority"] == "emergency"

    def volume(self, req: Request) -> Response:
        mode, raw = req.form.get("mode", "local"), req.form.get("volume", "").strip()
        if mode == "central" or raw == "":
            self.store.put(local_volume=None)
        elif raw.isdigit() and 0 <= int(raw) <= 100:
            self.store.put(local_volume=int(raw))
        else:
            return _redirect("/?msg=bad_request")
        self.agent.loop.reload()
        log.info("operator: volume %s", self.store.get("local_volume") or "as the central sets it")
        return _redirect("/?msg=saved")

    def quiet(self, req: Request) -> Response:
        mode = req.form.get("mode", "central")
        start, end = req.form.get("start", ""), req.form.get("end", "")
        if mode == "off":
            value: Any = "off"
        elif mode == "set" and _hhmm(start) and _hhmm(end):
            value = {"start": _padded(start), "end": _padded(end)}
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
        if self._emergency_on():
            return _redirect("/?msg=emergency_playing")
        data = f.read()
        sha = hashlib.sha256(data).hexdigest()
        d: Path = self.agent.cfg.local_dir
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"{sha}{Path(f.filename).suffix[:8]}"
        path.write_bytes(data)
        title = req.form.get("title") or f.filename
        log.info("operator: local announcement %r (%d bytes)", title, len(data))
        ok = self._act(Command(CommandKind.LOCAL, path=path, title=title, extra={"sha256": sha}),
                       lambda r: r is not None and r.slot is None and r.title == title)
        return _redirect("/?msg=" + ("playing" if ok else "play_pending"))


def _words(req: Request) -> Words:
    return Words(req.cookies.get("lang", "vi"))


def _hhmm(s: str) -> bool:
    parts = s.split(":")
    return len(parts) == 2 and all(p.isdigit() for p in parts) and int(parts[0]) < 24 and int(parts[1]) < 60


def _padded(hhmm: str) -> str:
    h, m = hhmm.split(":")
    return f"{int(h):02d}:{int(m):02d}"


def _redirect(to: str) -> Response:
    return Response("", status=303, headers={"Location": to})


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html")


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
