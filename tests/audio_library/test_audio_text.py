"""The Vietnamese text normaliser and number reader, on the phrases official bulletins use."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audio_library import ABBREVIATIONS, normalise_text
from audio_library.numbers import read_decimal, read_number


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (30, "ba mươi"),
        (101, "một trăm linh một"),
        (115, "một trăm mười lăm"),
        (1005, "một nghìn không trăm linh năm"),
        (1500, "một nghìn năm trăm"),
        (2024, "hai nghìn không trăm hai mươi tư"),
        (1_000_001, "một triệu không trăm linh một"),
        (1_250_000, "một triệu hai trăm năm mươi nghìn"),
        (3_000_000_000, "ba tỷ"),
        (-7, "âm bảy"),
    ],
)
def test_numbers_read_in_vietnamese(n: int, words: str) -> None:
    assert read_number(n) == words


_DIGIT_WORDS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4,
                "năm": 5, "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
_SCALE_WORDS = {"nghìn": 10**3, "triệu": 10**6, "tỷ": 10**9}


def parse_vietnamese_number(words: str) -> int:
    """An independent reader of spoken Vietnamese numbers, to check ``read_number`` against."""
    total = group = digit = 0
    for word in words.split():
        if word in _DIGIT_WORDS:
            digit = _DIGIT_WORDS[word]
        elif word == "mười":
            group += 10
        elif word in ("mươi", "trăm"):
            group += digit * (10 if word == "mươi" else 100)
            digit = 0
        elif word in _SCALE_WORDS:
            chunk, group, digit = group + digit, 0, 0
            if word == "tỷ":
                total = (total + chunk) * 10**9
            else:
                total += chunk * _SCALE_WORDS[word]
        else:
            assert word == "linh", f"unexpected word {word!r} in {words!r}"
    return total + group + digit


@given(st.integers(min_value=0, max_value=10**13))
def test_every_number_reads_back_to_itself(n: int) -> None:
    assert parse_vietnamese_number(read_number(n)) == n


def test_decimals() -> None:
    assert read_decimal("2,5") == "hai phẩy năm"
    assert read_decimal("0,05") == "không phẩy không năm"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("26/6", "ngày hai mươi sáu tháng sáu"),
        ("ngày 26/6", "ngày hai mươi sáu tháng sáu"),
        ("Ngày 01/12/2024", "Ngày một tháng mười hai năm hai nghìn không trăm hai mươi tư"),
        ("hạn 15/4", "hạn ngày mười lăm tháng tư"),
        ("tháng 6/2024", "tháng sáu năm hai nghìn không trăm hai mươi tư"),
        ("lúc 17h30", "lúc mười bảy giờ ba mươi phút"),
        ("lúc 7h", "lúc bảy giờ"),
        ("lúc 07:05", "lúc bảy giờ năm phút"),
        ("đạt 12,5%", "đạt mười hai phẩy năm phần trăm"),
        ("1.500.000 đồng", "một triệu năm trăm nghìn đồng"),
        ("lần thứ 4", "lần thứ tư"),
        ("thứ 1", "thứ nhất"),
        ("giai đoạn 2021-2025", "giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm"),
        ("gọi 0912345678", "gọi không chín một hai ba bốn năm sáu bảy tám"),
        ("UBND xã", "Ủy ban nhân dân xã"),
        ("HĐND huyện", "Hội đồng nhân dân huyện"),
        ("BCĐ 138", "Ban Chỉ đạo một trăm ba mươi tám"),
        ("Cổng TTĐT tỉnh", "Cổng thông tin điện tử tỉnh"),
        ("TP. Buôn Ma Thuột", "thành phố Buôn Ma Thuột"),
        ("TP Hà Nội", "thành phố Hà Nội"),
        ("31/2 không phải ngày", "ba mươi mốt trên hai không phải ngày"),
        ("Hết.", "Hết."),
        ("từ 7h-11h30", "từ bảy giờ đến mười một giờ ba mươi phút"),
        ("từ 26/6 - 30/6", "từ ngày hai mươi sáu tháng sáu đến ngày ba mươi tháng sáu"),
        ("hỗ trợ 500.000đ/hộ", "hỗ trợ năm trăm nghìn đồng mỗi hộ"),
        ("2.000.000 VNĐ", "hai triệu đồng"),
        ("rộng 50m2, cách 2km", "rộng năm mươi mét vuông, cách hai ki lô mét"),
        ("Quý II, Đại hội XIII", "Quý hai, Đại hội mười ba"),
        ("phòng, chống HIV/AIDS", "phòng, chống HIV/AIDS"),
        ("số 5, thôn 3.", "số năm, thôn ba."),
    ],
)
def test_official_text_reads_naturally(text: str, spoken: str) -> None:
    assert normalise_text(text) == spoken


def test_impossible_dates_and_times_are_not_read_as_such() -> None:
    assert normalise_text("mã 25h99") == "mã hai mươi lăm h chín mươi chín"
    assert "ngày" not in normalise_text("29/2/2023")


def test_abbreviations_match_whole_words_only() -> None:
    assert normalise_text("TPHCM") == "TPHCM"  # not "thành phốHCM"
    assert normalise_text("ATP") == "ATP"


def test_deployments_extend_the_table() -> None:
    extra = {"TTVHTT": "Trung tâm Văn hóa - Thông tin và Thể thao", "UBND": "Ủy ban"}
    assert normalise_text("TTVHTT huyện", extra) == "Trung tâm Văn hóa - Thông tin và Thể thao huyện"
    assert normalise_text("UBND", extra) == "Ủy ban"  # an override wins
    assert "TTVHTT" not in ABBREVIATIONS


def test_decomposed_diacritics_are_composed() -> None:
    nfd = unicodedata.normalize("NFD", "Thông báo khẩn của UBND")
    assert nfd != "Thông báo khẩn của UBND"
    assert normalise_text(nfd) == "Thông báo khẩn của Ủy ban nhân dân"
