"""The demo province: Đắk Nông (the 2024 plan's province), its city and districts, some real communes,
and bulletins written from the plan's themes. Pure data; ``central.demo`` loads it.

Codes are short mnemonics in the shape the station contract uses (``DKN-DKS-DKM`` is xã Đắk Môl of
huyện Đắk Song); the administrative units are those before the 2025 reorganisation.
"""

from __future__ import annotations

PROVINCE = ("DKN", "Tỉnh Đắk Nông")

#: the demo's relay source: a stream on the Icecast ``make run`` starts where it is installed (issue 13)
RELAY_MOUNT = "/vov1.ogg"  # the mount `make run` feeds with a stand-in for the radio
RELAY_URL = f"http://127.0.0.1:8000{RELAY_MOUNT}"

#: (code, name, [(code, commune/ward/town name), ...]) — a few real communes per district.
DISTRICTS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("GNG", "Thành phố Gia Nghĩa", (
        ("NDU", "Phường Nghĩa Đức"),
        ("NTH", "Phường Nghĩa Thành"),
        ("NTA", "Phường Nghĩa Tân"),
        ("DNI", "Xã Đắk Nia"),
        ("DRM", "Xã Đắk R'Moan"),
    )),
    ("DML", "Huyện Đắk Mil", (
        ("TTM", "Thị trấn Đắk Mil"),
        ("DLA", "Xã Đắk Lao"),
        ("DRL", "Xã Đắk R'La"),
        ("DGA", "Xã Đắk Gằn"),
        ("DMA", "Xã Đức Mạnh"),
        ("THA", "Xã Thuận An"),
    )),
    ("CJT", "Huyện Cư Jút", (
        ("ETL", "Thị trấn Ea T'Ling"),
        ("DWI", "Xã Đắk Wil"),
        ("EPO", "Xã Ea Pô"),
        ("NDO", "Xã Nam Dong"),
        ("TTH", "Xã Tâm Thắng"),
        ("TSO", "Xã Trúc Sơn"),
    )),
    ("KNO", "Huyện Krông Nô", (
        ("DMA", "Thị trấn Đắk Mâm"),
        ("NXU", "Xã Nam Xuân"),
        ("BCH", "Xã Buôn Choah"),
        ("NNU", "Xã Nâm Nung"),
        ("DXU", "Xã Đức Xuyên"),
        ("QPH", "Xã Quảng Phú"),
    )),
    ("DKS", "Huyện Đắk Song", (
        ("DAN", "Thị trấn Đức An"),
        ("DKM", "Xã Đắk Môl"),
        ("DHO", "Xã Đắk Hòa"),
        ("NBI", "Xã Nam Bình"),
        ("THA", "Xã Thuận Hà"),
        ("TRX", "Xã Trường Xuân"),
    )),
    ("DRL", "Huyện Đắk R'Lấp", (
        ("KDU", "Thị trấn Kiến Đức"),
        ("QTI", "Xã Quảng Tín"),
        ("NCO", "Xã Nhân Cơ"),
        ("KTH", "Xã Kiến Thành"),
        ("NTH", "Xã Nghĩa Thắng"),
        ("DSI", "Xã Đắk Sin"),
    )),
    ("DGL", "Huyện Đắk Glong", (
        ("QKH", "Xã Quảng Khê"),
        ("DPL", "Xã Đắk Plao"),
        ("DHA", "Xã Đắk Ha"),
        ("QSO", "Xã Quảng Sơn"),
        ("DSO", "Xã Đắk Som"),
    )),
    ("TDC", "Huyện Tuy Đức", (
        ("QTR", "Xã Quảng Trực"),
        ("DBS", "Xã Đắk Búk So"),
        ("QTA", "Xã Quảng Tâm"),
        ("DRT", "Xã Đắk R'Tíh"),
        ("DNG", "Xã Đắk Ngo"),
    )),
)

#: The demo station (enrolled by ``make run``) and a few registered ones for the dashboard.
DEMO_STATION = ("DKN-DKS-DKM", "Đài truyền thanh xã Đắk Môl")
OTHER_STATIONS = (
    ("DKN-GNG-NDU", "Cụm loa phường Nghĩa Đức"),
    ("DKN-DML-DLA", "Đài truyền thanh xã Đắk Lao"),
    ("DKN-CJT-ETL", "Đài truyền thanh thị trấn Ea T'Ling"),
    ("DKN-KNO-NNU", "Cụm loa xã Nâm Nung"),
    ("DKN-TDC-QTR", "Cụm loa xã Quảng Trực"),
)


#: (title, category code, campaign name or None, text) — short on purpose so the demo loads fast.
BULLETINS: tuple[tuple[str, str, str | None, str], ...] = (
    (
        "Chung tay xây dựng xã sạch ma túy",
        "drugs",
        "Tháng hành động phòng, chống ma túy",
        "Hưởng ứng Tháng hành động phòng, chống ma túy năm 2024, với chủ đề chung tay xây dựng "
        "xã, phường, thị trấn sạch ma túy, mỗi gia đình hãy quan tâm, giáo dục con em mình.",
    ),
    (
        "Cảnh giác ma túy núp bóng bánh kẹo, đồ uống",
        "drugs",
        "Ngày toàn dân phòng, chống ma túy 26/6",
        "Ma túy tổng hợp đang núp bóng bánh kẹo, đồ uống, thuốc lá điện tử. "
        "Phụ huynh và học sinh không sử dụng sản phẩm không rõ nguồn gốc.",
    ),
    (
        "Ngày toàn dân phòng, chống mua bán người 30/7",
        "trafficking",
        "Ngày toàn dân phòng, chống mua bán người 30/7",
        "Không tin lời hứa hẹn việc nhẹ lương cao ở nơi xa. Khi nghi ngờ có hành vi mua bán "
        "người, hãy báo ngay cho công an xã.",
    ),
    (
        "Hưởng ứng Ngày Thế giới phòng, chống AIDS 1/12",
        "hiv",
        "Ngày Thế giới phòng, chống AIDS 1/12",
        "Xét nghiệm HIV miễn phí tại trạm y tế xã. Không kỳ thị, phân biệt đối xử với người "
        "nhiễm HIV.",
    ),
    (
        "Toàn dân bảo vệ an ninh Tổ quốc",
        "crime",
        None,
        "Mỗi người dân là một chiến sĩ phòng, chống tội phạm. Hãy cung cấp thông tin về tội "
        "phạm cho công an xã qua số điện thoại đường dây nóng.",
    ),
    (
        "Thông báo lịch tiêm chủng tại trạm y tế xã",
        "local-news",
        None,
        "Trạm y tế xã thông báo: sáng thứ Bảy tuần này tiêm chủng mở rộng cho trẻ em dưới năm "
        "tuổi. Đề nghị phụ huynh đưa con đến đúng giờ.",
    ),
)

#: Approved and scheduled in the morning and evening programmes (indexes into BULLETINS).
MORNING = (0, 1, 4)
EVENING = (2, 3, 5)
#: The bulletin scheduled to play about a minute after the demo loads.
SOON = 5
