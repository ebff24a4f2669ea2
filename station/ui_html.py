"""What the operator page and ``station status`` show: the station's state as rows of words, and the
Jinja templates (``station/templates``) the page renders them with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playlists.model import ManifestContent, Slot

from .timeline import slot_rows
from .ui_text import N_, Words, translations

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Row:
    """One labelled line of the state; ``tone`` is ``ok`` or ``bad`` when it needs a colour."""

    label: str
    text: str
    tone: str = ""


def quiet_text(w: Words, quiet: dict[str, str] | None, mode: str) -> str:
    if mode == "off":
        return w("tắt")
    return f"{quiet['start']}–{quiet['end']}" if quiet else w("không có")


def settings_rows(w: Words, s: dict[str, Any]) -> list[Row]:
    """The volume and quiet hours in force, each with where it comes from."""
    return [
        Row(w("Âm lượng"), f"{w.percent(s['volume'])} ({w.source(s['volume_source'])})"),
        Row(w("Giờ yên tĩnh"),
            f"{quiet_text(w, s['quiet_hours'], s['quiet_mode'])} ({w.source(s['quiet_hours_source'])})"),
    ]


def status_rows(w: Words, st: dict[str, Any]) -> list[Row]:
    """The station's state, worded for the page and the command line alike."""
    tz = st["timezone"]
    if not st["clock_synced"]:
        clock, tone = w("chưa đồng bộ lần nào — phát theo giờ máy"), "bad"
    elif st["clock_trusted"]:
        clock, tone = w("chính xác"), "ok"
    else:
        clock, tone = w("chưa tin cậy — đang dùng giờ của trung tâm"), "bad"
    offset = w("lệch %(ms)s ms", ms=w.number(st["clock_offset_ms"]))
    cache, missing = st["cache"], st["cache"]["missing"]
    low = w("SẮP HẾT DUNG LƯỢNG") if st["disk_low"] else ""
    rows = [
        Row(w("Kết nối"), w("Trực tuyến") if st["online"] else w("Ngoại tuyến (vẫn phát theo lịch đã lưu)"),
            "ok" if st["online"] else "bad"),
        Row(w("Phiên bản lịch"), "—" if st["manifest_version"] is None else w.number(st["manifest_version"])),
        Row(w("Đồng bộ lần cuối"), w.when(st["last_sync_at"], tz)),
        Row(w("Đồng bộ thành công lần cuối"), w.when(st["last_success_at"], tz)),
        Row(w("Đồng hồ"), f"{w.when(st['now'], tz, seconds=True)} ({offset}, {clock})", tone),
        Row(w("Dung lượng trống"), " — ".join(x for x in (w.size(st["disk_free_bytes"]), low) if x),
            "bad" if low else ""),
        Row(w("Bản tin đã tải"), w("%(n)s tệp (%(size)s)", n=w.number(cache["assets"]), size=w.size(cache["bytes"]))),
        Row(w("Tệp còn thiếu"), w.number(missing) + (": " + ", ".join(st["missing_bulletins"])
                                                      if st["missing_bulletins"] else ""), "bad" if missing else ""),
        Row(w("Nhật ký chờ gửi"), w.number(st["outbox"])),
        *settings_rows(w, st["settings"]),
        *sound_rows(w, st.get("sound"), tz),
    ]
    if st["last_error"]:
        rows.append(Row(w("Lỗi gần nhất"), str(st["last_error"]), "bad"))
    return rows


def sound_rows(w: Words, sound: dict[str, Any] | None, tz: str) -> list[Row]:
    """Where the sound goes (the null output said plainly), the amplifier, and the last speaker test."""
    if not sound:
        return []
    deaf = sound.get("audibility") == "not_audible"
    why = w("đầu ra câm, không ai nghe được") if sound.get("null_output") else w("âm lượng 0, không ai nghe được")
    rows = [Row(w("Đầu ra âm thanh"), str(sound.get("output") or "—") + (f" — {why}" if deaf else ""),
                "bad" if deaf else "")]
    if sound.get("amp"):
        amp = sound["amp"]
        rows.append(Row(w("Nguồn ampli"), (w("Bật") if amp.get("on") else w("Tắt")) + (
            f" — {amp['error']}" if amp.get("error") else ""), "bad" if amp.get("error") else ""))
    test = sound.get("speaker_test")
    if test:
        rows.append(Row(w("Thử loa lần cuối"), f"{w.when(test.get('at'), tz, seconds=True)}: {speaker_result(w, test)}",
                        "ok" if test.get("audibility") == "audible" else "bad" if test.get("status") != "completed"
                        or test.get("audibility") in ("not_audible", "failed_to_sound") else ""))
    return rows


def speaker_result(w: Words, test: dict[str, Any]) -> str:
    """``nghe được, đo được -21,8 LUFS`` and the like: what one speaker test came to."""
    status, heard = test.get("status"), test.get("audibility")
    if status == "expired":
        return w("bỏ qua: yêu cầu đã quá 10 phút")
    if status not in ("completed", None):
        return w("lỗi: %(e)s", e=w.reason(test.get("reason")) or w.status(status))
    text = {"audible": w("nghe được"), "failed_to_sound": w("không phát ra tiếng"),
            "not_audible": w("không nghe được (đầu ra câm hoặc âm lượng 0)"),
            }.get(str(heard), w("chưa kiểm tra (không có thiết bị nghe thử)"))
    if test.get("level_lufs") is not None:
        text += ", " + w("đo được %(l)s LUFS", l=w.number(float(test["level_lufs"]), 1))
    return text


def station_title(w: Words, st: dict[str, Any]) -> str:
    """``Đài truyền thanh xã Đắk Môl (mã đài 1)``: its name, and the number the central knows it by."""
    name = st["station_name"] or w("Đài truyền thanh")
    if st["station_id"] is None:
        return name
    number = w("mã đài %(id)s", id=st["station_id"])
    return f"{name} ({number})"


def upcoming_rows(w: Words, slots: Sequence[Slot], content: ManifestContent | None,
                  missing: set[str], tz: str) -> list[list[str]]:
    """The coming slots: start, tier, content, state, and why it will not play as planned."""
    out = []
    for s, row in zip(slots, slot_rows(slots, content, w.lang), strict=True):
        reason = row["reason"]
        if not reason and any(i.asset_sha256 in missing for i in s.items if i.asset_sha256):
            reason = w.reason("asset_missing")  # the same files the state counts as missing
        out.append([w.when(row["start"], tz), w.tier(row["priority"]), row["title"], w.status(row["status"]),
                    reason])
    return out


def play_rows(w: Words, plays: Sequence[dict[str, Any]], tz: str) -> list[list[str]]:
    """Recent plays (newest first, as the store lists them): time, tier, content, outcome, reason."""
    return [[w.when(p["started_at"] or p["planned_start"] or p["recorded_at"], tz), w.tier(p["priority"]),
             p["title"] or "—", w.status(p.get("outcome") or p["status"]), w.reason(p["reason"])] for p in plays]


TABLE_HEAD = (N_("Bắt đầu"), N_("Mức độ"), N_("Nội dung"), N_("Trạng thái"), N_("Lý do"))


@lru_cache(maxsize=2)
def environment(lang: str) -> jinja2.Environment:
    """One Jinja environment per language (templates compiled once; safe across request threads)."""
    import jinja2  # only the page needs it, not `station status`

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False,
        extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(name: str, w: Words, **context: Any) -> str:
    return environment(w.lang).get_template(name).render(w=w, lang=w.lang, head=TABLE_HEAD, **context)
