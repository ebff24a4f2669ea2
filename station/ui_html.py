"""HTML of the operator page (server-rendered, no JavaScript needed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape as e
from typing import Any
from zoneinfo import ZoneInfo

from playlists.model import Bulletin, StationSettings, describe_reason

#: The agent's own reason codes (the timeline's are in playlists.model.REASONS).
STATION_REASONS = {
    "asset_missing": ("Chưa tải xong tệp âm thanh", "audio not downloaded and verified yet"),
    "operator_stop": ("Người vận hành đã dừng", "stopped by the commune operator"),
    "operator_play": ("Người vận hành phát ngay", "played now by the commune operator"),
    "agent_restart": ("Đài khởi động lại khi đang phát", "the agent restarted while playing"),
    "local_announcement": ("Thông báo tại chỗ", "local announcement"),
    "player_failed": ("Trình phát bị lỗi", "the player failed"),
}


def reason_text(code: str | None, lang: str) -> str:
    if not code:
        return ""
    head, _, rest = code.partition(":")
    if head in STATION_REASONS:
        text = STATION_REASONS[head][1 if lang == "en" else 0]
        return f"{text}:{rest}" if rest else text
    return describe_reason(code, lang)

CSS = """body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;font-size:.9rem}
.bad{color:#b00;font-weight:bold}.ok{color:#070}.emergency{color:#b00;font-weight:bold}.err{color:#b00}
section{margin:1.2rem 0}form.inline{display:inline}header{display:flex;justify-content:space-between;align-items:center}
.msg{background:#eef;padding:.4rem}"""


def layout(t: dict[str, str], body: str) -> str:
    return (f"<!doctype html><html lang={t['lang']}><head><meta charset=utf-8>"
            f"<meta name=viewport content='width=device-width,initial-scale=1'><title>{e(t['title'])}</title>"
            f"<style>{CSS}</style></head><body><header><strong>{e(t['title'])}</strong>"
            f"<span><a href='/lang?l=vi'>Tiếng Việt</a> · <a href='/lang?l=en'>English</a></span></header>"
            f"{body}</body></html>")


def when(value: str | None, tz: str) -> str:
    """An ISO time as the commune reads it: local wall-clock time, day/month first."""
    if not value:
        return "—"
    try:
        return datetime.fromisoformat(value).astimezone(ZoneInfo(tz)).strftime("%H:%M:%S %d/%m/%Y")
    except (ValueError, KeyError):
        return value


def _tier(t: dict[str, str], p: str) -> str:
    return e(t["priority_tier"] if p == "priority" else t.get(p, p))


def _status(t: dict[str, str], st: dict[str, Any], tz: str) -> str:
    online = f"<span class=ok>{t['online']}</span>" if st["online"] else f"<span class=bad>{t['offline']}</span>"
    if not st["clock_synced"]:
        clock = f"<span class=bad>{t['never_synced']}</span>"
    elif st["clock_trusted"]:
        clock = f"<span class=ok>{t['trusted']}</span>"
    else:
        clock = f"<span class=bad>{t['untrusted']}</span>"
    disk = f"{st['disk_free_bytes'] // 2**20} MB" + (f" <span class=bad>{t['disk_low']}</span>" if st["disk_low"] else "")
    rows = [
        (t["station"], e(f"{st['station_id']} {st['station_name'] or ''}") + " — " + online),
        (t["manifest"], e(str(st["manifest_version"]))),
        (t["last_sync"], e(when(st["last_sync_at"], tz))), (t["last_ok"], e(when(st["last_success_at"], tz))),
        (t["clock"], f"{e(when(st['now'], tz))} ({t['offset']} {st['clock_offset_ms']} ms, {clock})"),
        (t["disk"], disk),
        (t["cache"], f"{st['cache']['assets']} ({t['missing']} {st['cache']['missing']})"),
        (t["outbox"], str(st["outbox"])),
    ]
    if st["last_error"]:
        rows.append((t["last_error"], f"<span class=err>{e(st['last_error'])}</span>"))
    cells = "".join(f"<tr><th>{e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<section><h2>{t['status']}</h2><table>{cells}</table></section>"


def _now_playing(t: dict[str, str], np: dict[str, Any] | None, csrf: str, tz: str) -> str:
    if np is None:
        return f"<section><h2>{t['now_playing']}</h2><p>{t['nothing']}</p></section>"
    stop = ""
    if np["priority"] != "emergency":
        stop = f"<form class=inline method=post action=/stop><input type=hidden name=csrf value={csrf}><button>{t['stop']}</button></form>"
    return (f"<section><h2>{t['now_playing']}</h2><p class={e(np['priority'])}>{e(np['title'])} "
            f"({_tier(t, np['priority'])}, {e(when(np['started_at'], tz))}) {stop}</p></section>")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    h = "".join(f"<th>{e(x)}</th>" for x in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _forms(t: dict[str, str], playable: Sequence[Bulletin], settings: StationSettings, csrf: str) -> str:
    hidden = f"<input type=hidden name=csrf value={csrf}>"
    if playable:
        opts = "".join(f"<option value={b.id}>{e(b.title)}</option>" for b in playable)
        play = f"<form method=post action=/play>{hidden}<select name=bulletin_id>{opts}</select> <button>{t['play']}</button></form>"
    else:
        play = f"<p>{t['no_bulletins']}</p>"
    qh = settings.quiet_hours
    qs, qe = (qh.start.strftime("%H:%M"), qh.end.strftime("%H:%M")) if qh else ("21:30", "05:00")
    return (
        f"<section><h2>{t['play_now']}</h2>{play}</section>"
        f"<section><h2>{t['volume']}</h2><form method=post action=/volume>{hidden}"
        f"<input type=number name=volume min=0 max=100 value={settings.volume}> <small>{t['volume_hint']}</small> "
        f"<button>{t['save']}</button></form></section>"
        f"<section><h2>{t['quiet']}</h2><form method=post action=/quiet>{hidden}<select name=mode>"
        f"<option value=central>{t['quiet_central']}</option><option value=off>{t['quiet_off']}</option>"
        f"<option value=set>{t['quiet_set']}</option></select> <input name=start value={qs} size=5> – "
        f"<input name=end value={qe} size=5> <button>{t['save']}</button></form></section>"
        f"<section><h2>{t['local_title']}</h2><form method=post action=/local enctype=multipart/form-data>{hidden}"
        f"<input name=title placeholder='{t['announce_title']}'> <input type=file name=file accept='audio/*' required> "
        f"<button>{t['upload']}</button></form></section>"
    )


def dashboard(t: dict[str, str], st: dict[str, Any], upcoming: Sequence[dict[str, Any]],
              plays: Sequence[dict[str, Any]], playable: Sequence[Bulletin], settings: StationSettings,
              csrf: str, msg: str) -> str:
    note = f"<p class=msg>{e(t.get('msg_' + msg, ''))}</p>" if msg else ""
    tz = settings.timezone
    nxt = [[e(when(s["start"], tz)), _tier(t, s["priority"]), e(s["title"]), e(t.get(s["status"], s["status"])),
            e(s["reason"] or "")] for s in upcoming]
    past = [[e(when(p["started_at"] or p["planned_start"], tz)), _tier(t, p["priority"]), e(p["title"]),
             e(t.get(p["status"], p["status"])), e(reason_text(p["reason"], t["lang"]))] for p in plays]
    head = [t["start"], t["priority"], t["content"], t["state"], t["reason"]]
    logout = f"<form method=post action=/logout>{'<input type=hidden name=csrf value=' + csrf + '>'}<button>{t['logout']}</button></form>"
    return (note + _now_playing(t, st["now_playing"], csrf, tz) + _status(t, st, tz)
            + f"<section><h2>{t['next24']}</h2>{_table(head, nxt)}</section>"
            + _forms(t, playable, settings, csrf)
            + f"<section><h2>{t['recent']}</h2>{_table(head, past)}</section>" + logout)
