"""A period report as files: DOCX laid out as a Vietnamese administrative report (Decree 30/2020/NĐ-CP),
XLSX with one sheet per breakdown, and the chart of minutes by theme both carry.

Both read the same dict ``area_reports.view`` returns (the JSON of the API), so their numbers are the
JSON's. The DOCX chart is a PNG drawn here in pure Python (bars numbered, with a legend table under it
in the document's own text, so Vietnamese names never depend on a font in the image); the XLSX chart
is Excel's own bar chart over the theme sheet.
"""

from __future__ import annotations

import struct
import zlib
from datetime import date, datetime
from typing import Any

from central.messages import N_
from central.services.area_reports import MANUAL_LABELS
from central.services.reports import CSV_COLUMNS

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
_WORDS = dict(CSV_COLUMNS)  # the status words the pages and the summary's CSV use
#: the columns of every table in both files: the report's figures, then the plays nobody heard (the
#: JSON's not_audible and failed_to_sound, which do not count as aired)
FIGURE_COLUMNS = (
    ("bulletins", "Số tin, bài"), ("plays", "Số lượt phát"), ("minutes_aired", "Số phút phát"),
    ("stations_reached", "Số đài đã phát"), ("stations_total", N_("Tổng số đài")),
    ("completion_rate", "Tỉ lệ hoàn thành (%)"),
    ("not_audible", _WORDS["not_audible"]), ("failed_to_sound", _WORDS["failed_to_sound"]),
)
#: the XLSX data sheets add every other status count of the JSON line
STATUS_COLUMNS = tuple((k, _WORDS[k]) for k in ("completed", "interrupted", "failed", "missed", "skipped", "local"))
TESTS_LABEL = N_("Phát thử nghiệm (khẩn cấp), không tính vào số liệu trên")


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def cell_text(key: str, row: dict[str, Any]) -> str:
    """One figure as both files print it (a rate as a percentage)."""
    if key == "completion_rate":
        return percent(row.get(key))
    value = row.get(key)
    return "" if value is None else str(value)


def date_line(report: dict[str, Any], today: date) -> str:
    """"Gia Nghĩa, ngày 10 tháng 6 năm 2026": the submission day, else today."""
    at = report["report"].get("submitted_at")
    day = datetime.fromisoformat(at).date() if at else today
    place = report["report"].get("place") or report["area"]["name"]
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


# --- the chart (PNG, pure Python) ---------------------------------------------------------------

_DIGITS = {  # 3×5 bitmaps, rows top to bottom
    "0": ("111", "101", "101", "101", "111"), "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"), "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"), "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"), "7": ("111", "001", "010", "010", "010"),
    "8": ("111", "101", "111", "101", "111"), "9": ("111", "101", "111", "001", "111"),
    ".": ("000", "000", "000", "000", "010"), " ": ("000",) * 5,
}
_BAR = (0x1F, 0x5F, 0x9E)
_INK = (0x22, 0x22, 0x22)


def _text(px: list[bytearray], x: int, y: int, text: str, scale: int = 3) -> None:
    for ch in text:
        for r, bits in enumerate(_DIGITS.get(ch, _DIGITS[" "])):
            for c, bit in enumerate(bits):
                if bit == "1":
                    _rect(px, x + c * scale, y + r * scale, scale, scale, _INK)
        x += 4 * scale


def _rect(px: list[bytearray], x: int, y: int, w: int, h: int, rgb: tuple[int, int, int]) -> None:
    for yy in range(max(0, y), min(len(px), y + h)):
        row = px[yy]
        for xx in range(max(0, x), min(len(row) // 3, x + w)):
            row[xx * 3: xx * 3 + 3] = bytes(rgb)


def chart_png(themes: list[dict[str, Any]], width: int = 900) -> bytes:
    """Horizontal bars of minutes aired per theme, numbered 1…n in the themes' order, values at the ends."""
    rows = themes or [{"minutes_aired": 0.0}]
    bar_h, gap, left, right = 26, 12, 60, 150
    height = gap + len(rows) * (bar_h + gap)
    px = [bytearray(b"\xff" * (width * 3)) for _ in range(height)]
    top = max((float(r.get("minutes_aired") or 0) for r in rows), default=0.0) or 1.0
    for i, r in enumerate(rows):
        y = gap + i * (bar_h + gap)
        minutes = float(r.get("minutes_aired") or 0)
        length = int((width - left - right) * minutes / top)
        _text(px, 8, y + 5, str(i + 1))
        _rect(px, left, y, max(length, 1), bar_h, _BAR)
        _text(px, left + length + 10, y + 5, f"{minutes:.1f}")
    return _png(width, height, px)


def _png(width: int, height: int, px: list[bytearray]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(row) for row in px)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


# --- sections both files share ---------------------------------------------------------------


def theme_rows(report: dict[str, Any]) -> list[list[str]]:
    return [[str(i + 1), t["label"], *(cell_text(k, t) for k, _ in FIGURE_COLUMNS)]
            for i, t in enumerate(report["themes"])]


def campaign_rows(report: dict[str, Any]) -> list[list[str]]:
    out = []
    for c in report["campaigns"]:
        out.append([c["label"], "Tổng cộng", *(cell_text(k, c) for k, _ in FIGURE_COLUMNS)])
        for a in c["areas"]:
            out.append([c["label"], a["label"], *(cell_text(k, a) for k, _ in FIGURE_COLUMNS)])
    return out


def language_rows(report: dict[str, Any]) -> list[list[str]]:
    return [[lang["label"], *(cell_text(k, lang) for k, _ in FIGURE_COLUMNS)] for lang in report["languages"]]


def manual_rows(report: dict[str, Any]) -> list[list[str]]:
    own, total = report["manual"], report["manual_total"]
    return [[label, str(own.get(k, 0)), str(total.get(k, 0))] for k, label in MANUAL_LABELS.items()]


def title_rows(report: dict[str, Any]) -> list[list[str]]:
    return [[t["label"], title] for t in report["themes"] for title in t.get("titles", [])]


def silent_line(report: dict[str, Any]) -> str:
    c = report["completeness"]
    n = len(c["silent"])
    if not n:
        return f"Tất cả {c['stations_total']} đài đều gửi nhật ký phát đến cuối kỳ."
    since = c.get("silent_since")
    tail = f" từ ngày {date.fromisoformat(since):%d/%m/%Y}" if since else ""
    return f"{n} đài chưa gửi nhật ký phát{tail} (trên tổng số {c['stations_total']} đài)."


def tests_line(report: dict[str, Any]) -> str | None:
    """The TEST emergencies' plays in one sentence, or None when there were none (or none counted)."""
    t = report.get("tests")  # absent from reports frozen before tests were counted apart
    if not t or not (t["plays"] or t["not_audible"] or t["failed_to_sound"] or t["failed"] or t["missed"]):
        return None
    return (f"{TESTS_LABEL}: {t['plays']} lượt phát, {t['minutes_aired']} phút, "
            f"{t['stations_reached']} đài.")


def offline_line(report: dict[str, Any]) -> str:
    c = report["completeness"]
    line = f"{len(c['offline'])} đài mất kết nối quá {c['offline_days']} ngày trong kỳ."
    if c.get("uptime_pct") is not None:  # reports frozen before uptime was counted have none
        pct = f"{c['uptime_pct']:.1f}".replace(".", ",")  # Vietnamese writes a decimal comma
        line += f" Thời gian hoạt động của các đài: {pct} %."
    return line
