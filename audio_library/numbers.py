"""Reading numbers aloud in Vietnamese (northern standard: nghìn, linh, hai mươi tư, mười lăm)."""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES = ((10**9, "tỷ"), (10**6, "triệu"), (10**3, "nghìn"))


def read_number(n: int) -> str:
    """``2024`` → "hai nghìn không trăm hai mươi tư"; negative numbers start with "âm"."""
    if n < 0:
        return "âm " + read_number(-n)
    if n < 1000:
        return _below_thousand(n, full=False)
    for scale, name in _SCALES:
        if n >= scale:
            head, rest = divmod(n, scale)
            words = f"{read_number(head)} {name}"
            if rest:
                words += " " + _below_scale(rest, scale)
            return words
    raise AssertionError("unreachable")  # pragma: no cover


def _below_scale(n: int, scale: int) -> str:
    # The part after "tỷ/triệu/nghìn": groups below it are read in full ("không trăm linh năm").
    for lower, name in _SCALES:
        if lower >= scale:
            continue
        if n >= lower:
            head, rest = divmod(n, lower)
            words = f"{_below_thousand(head, full=True)} {name}"
            return words + (" " + _below_scale(rest, lower) if rest else "")
    return _below_thousand(n, full=True)


def _below_thousand(n: int, *, full: bool) -> str:
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    if not full and hundreds == 0:
        return _tens(tens, units, after_hundreds=False)
    words = f"{DIGITS[hundreds]} trăm"
    if rest:
        words += " " + _tens(tens, units, after_hundreds=True)
    return words


def _tens(tens: int, units: int, *, after_hundreds: bool) -> str:
    if tens == 0:
        return ("linh " if after_hundreds else "") + DIGITS[units]
    head = "mười" if tens == 1 else f"{DIGITS[tens]} mươi"
    if units == 0:
        return head
    if units == 5:
        return head + " lăm"
    if units == 1 and tens > 1:
        return head + " mốt"
    if units == 4 and tens > 1:
        return head + " tư"
    return f"{head} {DIGITS[units]}"


def read_digits(token: str) -> str:
    """``"0912"`` → "không chín một hai" (phone numbers, codes)."""
    return " ".join(DIGITS[int(c)] for c in token if c.isdigit())


def read_decimal(token: str) -> str:
    """``"2,5"`` → "hai phẩy năm"; plain integers as ``read_number``."""
    for sep in (",", "."):
        if sep in token:
            whole, frac = token.split(sep, 1)
            frac_words = read_digits(frac) if frac.startswith("0") else read_number(int(frac))
            return f"{read_number(int(whole))} phẩy {frac_words}"
    return read_number(int(token))
