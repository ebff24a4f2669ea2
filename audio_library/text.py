"""Vietnamese text normalisation before speech: dates, times, numbers and official abbreviations.

``normalise_text("UBND xã họp lúc 17h30 ngày 26/6")`` →
"Ủy ban nhân dân xã họp lúc mười bảy giờ ba mươi phút ngày hai mươi sáu tháng sáu".
Readings follow the northern standard of official broadcasts (nghìn, linh, mươi tư).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Mapping

from .numbers import read_decimal, read_digits, read_number

#: Abbreviations common in official documents; deployments extend them via ``extra_abbreviations``.
ABBREVIATIONS: Mapping[str, str] = {
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "UBMTTQ": "Ủy ban Mặt trận Tổ quốc",
    "MTTQ": "Mặt trận Tổ quốc",
    "BCĐ": "Ban Chỉ đạo",
    "BCH": "Ban Chấp hành",
    "TTĐT": "thông tin điện tử",
    "TTVH": "Trung tâm Văn hóa",
    "TP.": "thành phố",
    "Tp.": "thành phố",
    "TP": "thành phố",
    "TX": "thị xã",
    "HCM": "Hồ Chí Minh",
    "TW": "Trung ương",
    "CP": "Chính phủ",
    "QH": "Quốc hội",
    "NĐ-CP": "Nghị định Chính phủ",
    "QĐ": "quyết định",
    "NQ": "nghị quyết",
    "KH": "kế hoạch",
    "VN": "Việt Nam",
    "CHXHCN": "Cộng hòa xã hội chủ nghĩa",
    "ĐCSVN": "Đảng Cộng sản Việt Nam",
    "CAND": "Công an nhân dân",
    "QĐND": "Quân đội nhân dân",
    "CSGT": "cảnh sát giao thông",
    "PCCC": "phòng cháy chữa cháy",
    "ATGT": "an toàn giao thông",
    "ATTP": "an toàn thực phẩm",
    "ANTT": "an ninh trật tự",
    "PCTP": "phòng, chống tội phạm",
    "PCMT": "phòng, chống ma túy",
    "TNXH": "tệ nạn xã hội",
    "MBN": "mua bán người",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "THPT": "trung học phổ thông",
    "THCS": "trung học cơ sở",
    "KT-XH": "kinh tế - xã hội",
    "GD&ĐT": "Giáo dục và Đào tạo",
    "LĐTB&XH": "Lao động - Thương binh và Xã hội",
    "VH-TT": "văn hóa - thông tin",
    "VHTTDL": "Văn hóa, Thể thao và Du lịch",
    "TDTT": "thể dục thể thao",
    "PCTT": "phòng chống thiên tai",
    "TKCN": "tìm kiếm cứu nạn",
    "HTX": "hợp tác xã",
    "ĐVHC": "đơn vị hành chính",
    "VNĐ": "đồng",
    "VND": "đồng",
    "km": "ki lô mét",
    "kg": "ki lô gam",
    "m²": "mét vuông",
    "m2": "mét vuông",
    "ha": "héc ta",
}

_DATE_DMY = re.compile(r"(?<![\w/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\w/])")
_MONTH_YEAR = re.compile(r"(?<![\w/.-])(\d{1,2})/(\d{4})(?![\w/])")
_DATE_DM = re.compile(r"(?<![\w/.,])(\d{1,2})/(\d{1,2})(?![\w/]|[.,]\d)")
_TIME = re.compile(r"(?<![\w:])(\d{1,2})(?:h|g|:)(\d{2})?(?![\w:])")
_PERCENT = re.compile(r"(\d+(?:,\d+)?)\s?%")
_ORDINAL = re.compile(r"\b(thứ|Thứ)\s+(\d+)\b")
_RANGE = re.compile(r"(?<!\w)(?<!\d[.,])(\d+)\s?[-–]\s?(\d+)(?!\w|[.,]\d)")
_NUMBER = re.compile(r"(?<![\w])\d{1,3}(?:\.\d{3})+(?![\d])|\d+(?:[.,]\d+)?")
_PREFIXED = re.compile(r"(ngày|tháng|năm)\s*$", re.I)
# "7h-11h", "26/6 - 30/6": the dash of a range of times or dates reads "đến"
_SPAN_DASH = re.compile(
    r"(?<![\w/:])(\d{1,2}(?:[hg:]\d{2}|[hg])|\d{1,2}/\d{1,2}(?:/\d{4})?)\s*[-–]\s*"
    r"(?=\d{1,2}(?:[hg:]|/\d))"
)
_MONEY = re.compile(r"(\d)\s?(?:đ|đồng|VNĐ|VND)(?!\w)")
_PER = re.compile(r"/\s?(hộ|người|tháng|năm|ngày|lần|giờ|tuần|suất|con|lít|kg|km|ha)(?!\w)")
_GLUED_UNIT = re.compile(r"(\d)(km|kg|ha|m2|m²|cm|mm)(?!\w)")
_ROMAN_AFTER = re.compile(
    r"\b(quý|khóa|khoá|chương|phần|mục|thế kỷ|đại hội|kỳ họp|giai đoạn)\s+([IVXLC]+)\b", re.I
)
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def normalise_text(text: str, extra_abbreviations: Mapping[str, str] | None = None) -> str:
    """Rewrite ``text`` so a speech engine reads it as a Vietnamese announcer would."""
    text = unicodedata.normalize("NFC", text)
    text = _MONEY.sub(r"\1 đồng", text)
    text = _GLUED_UNIT.sub(r"\1 \2", text)
    text = _PER.sub(r" mỗi \1", text)
    table = {**ABBREVIATIONS, **(extra_abbreviations or {})}
    text = _expand_abbreviations(text, table)
    text = _SPAN_DASH.sub(r"\1 đến ", text)
    steps: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
        (_ROMAN_AFTER, _roman),
        (_DATE_DMY, _date_dmy),
        (_MONTH_YEAR, _month_year),
        (_DATE_DM, _date_dm),
        (_TIME, _time),
        (_PERCENT, lambda m: f"{read_decimal(m.group(1))} phần trăm"),
        (_ORDINAL, _ordinal),
        (_RANGE, lambda m: f"{m.group(1)} đến {m.group(2)}"),
        (_NUMBER, lambda m: f" {_number(m)} "),  # spaced: "25h99" must not glue words
    )
    for pattern, replace in steps:
        text = pattern.sub(replace, text)
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r" ([.,;:!?…)\]])", r"\1", text).strip()


def _expand_abbreviations(text: str, table: Mapping[str, str]) -> str:
    if not table:
        return text
    keys = sorted(table, key=len, reverse=True)
    pattern = re.compile("|".join(_WORD_START + re.escape(k) + _word_end(k) for k in keys))
    return pattern.sub(lambda m: table[m.group(0)], text)


_WORD_START = r"(?<!\w)"


def _word_end(key: str) -> str:
    return "" if key.endswith(".") else r"(?!\w)"


def _already_said(m: re.Match[str], word: str) -> bool:
    before = _PREFIXED.search(m.string[: m.start()])
    return before is not None and before.group(1).lower() == word


def _month_word(month: int) -> str:
    return "tư" if month == 4 else read_number(month)


def _date_words(m: re.Match[str], day: int, month: int, year: int | None) -> str:
    words = "" if _already_said(m, "ngày") else "ngày "
    words += f"{read_number(day)} tháng {_month_word(month)}"
    if year is not None:
        words += f" năm {read_number(year)}"
    return words


def _is_date(day: int, month: int, year: int = 2024) -> bool:
    # 2024 is a leap year: without a year, 29/2 is a date
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _date_dmy(m: re.Match[str]) -> str:
    day, month, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
    if not _is_date(day, month, year):
        return m.group(0)
    return _date_words(m, day, month, year)


def _month_year(m: re.Match[str]) -> str:
    month, year = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return m.group(0)
    prefix = "" if _already_said(m, "tháng") else "tháng "
    return f"{prefix}{_month_word(month)} năm {read_number(year)}"


def _date_dm(m: re.Match[str]) -> str:
    day, month = int(m.group(1)), int(m.group(2))
    if not _is_date(day, month):
        return f"{day} trên {month}"  # not a date: read as a ratio
    return _date_words(m, day, month, None)


def _time(m: re.Match[str]) -> str:
    hour = int(m.group(1))
    minute = int(m.group(2)) if m.group(2) else 0
    if hour > 24 or minute > 59:
        return m.group(0)
    words = f"{read_number(hour)} giờ"
    return words + (f" {read_number(minute)} phút" if minute else "")


def _roman(m: re.Match[str]) -> str:
    values = [_ROMAN[c] for c in m.group(2).upper()]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return f"{m.group(1)} {read_number(total)}"


def _ordinal(m: re.Match[str]) -> str:
    n = int(m.group(2))
    word = {1: "nhất", 4: "tư"}.get(n, read_number(n))
    return f"{m.group(1)} {word}"


def _number(m: re.Match[str]) -> str:
    token = m.group(0)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", token):
        return read_number(int(token.replace(".", "")))
    if re.fullmatch(r"0\d{3,}", token):  # phone numbers and codes: digit by digit
        return read_digits(token)
    return read_decimal(token)
