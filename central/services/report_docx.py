"""A period report as a DOCX laid out per Decree 30/2020/NĐ-CP (thể thức văn bản hành chính).

Layout: the issuing bodies (left) and the national motto (right) in a borderless header table, the
number and the place-and-date line under them, the title, the body in numbered sections, then
"Nơi nhận" (left) and the signature block (right). Times New Roman 13 pt, A4, margins 20/15/30/20 mm.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from central.services import report_export as ex
from central.services.area_reports import NARRATIVE_LABELS

FONT = "Times New Roman"


def _para(cell_or_doc: Any, text: str = "", *, bold: bool = False, italic: bool = False, size: float = 13,
          align: Any = None, underline: bool = False) -> Any:
    p = cell_or_doc.add_paragraph()
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(0)
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        run.font.size, run.font.name = Pt(size), FONT
    return p


def _setup(doc: Any) -> None:
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for s in doc.sections:
        s.page_height, s.page_width = Mm(297), Mm(210)
        s.top_margin, s.bottom_margin, s.left_margin, s.right_margin = Mm(20), Mm(20), Mm(30), Mm(15)


def _no_borders(table: Any) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _header(doc: Any, report: dict[str, Any], today: date) -> None:
    head = report["report"]
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    left.paragraphs[0].text = ""
    center = WD_ALIGN_PARAGRAPH.CENTER
    if head.get("superior"):
        _para(left, head["superior"].upper(), size=12, align=center)
    _para(left, head["issuer"].upper(), bold=True, size=12, align=center)
    _para(left, f"Số: {head.get('number') or '……/BC-……'}", size=13, align=center)
    _para(right, ex.MOTTO[0], bold=True, size=12, align=center)
    _para(right, ex.MOTTO[1], bold=True, size=13, align=center, underline=True)
    _para(right, ex.date_line(report, today), italic=True, size=13, align=center)


def _title(doc: Any, report: dict[str, Any]) -> None:
    lines = report["report"]["title"].split("\n")
    _para(doc)
    _para(doc, lines[0].upper(), bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    for line in lines[1:]:
        _para(doc, line, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc)


def _table(doc: Any, header: list[str], rows: list[list[str]]) -> Any:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = Pt(11 if len(header) <= 6 else 9)  # ten columns of figures fit the A4 text width at 9 pt
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = ""
        r = cell.paragraphs[0].add_run(text)
        r.bold, r.font.size = True, size
    for row in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).font.size = size
    return t


def _body(doc: Any, report: dict[str, Any]) -> None:
    figures = [h for _, h in ex.FIGURE_COLUMNS]
    _para(doc, "I. KẾT QUẢ PHÁT THANH TRÊN HỆ THỐNG LOA", bold=True)
    _para(doc, "1. Theo chủ đề", bold=True)
    _table(doc, ["TT", "Chủ đề", *figures], ex.theme_rows(report))
    t = report["total"]
    _para(doc, f"Tổng cộng: {t['bulletins']} tin, bài; {t['plays']} lượt phát; {t['minutes_aired']} phút; "
               f"{t['stations_reached']}/{t['stations_total']} đài đã phát; tỉ lệ hoàn thành "
               f"{ex.percent(t['completion_rate']) or '—'}%.")
    tests = ex.tests_line(report)
    if tests:
        _para(doc, tests, italic=True)
    _para(doc, "Biểu đồ số phút phát theo chủ đề (số thứ tự như bảng trên):", italic=True)
    doc.add_picture(io.BytesIO(ex.chart_png(report["themes"])), width=Mm(160))
    _para(doc, "2. Tin, bài đã phát", bold=True)
    _table(doc, ["Chủ đề", "Tên tin, bài"], ex.title_rows(report))
    _para(doc, "3. Theo đợt tuyên truyền, ngày kỷ niệm", bold=True)
    _table(doc, ["Đợt tuyên truyền", "Đơn vị", *figures], ex.campaign_rows(report))
    _para(doc, "4. Theo ngôn ngữ", bold=True)
    _table(doc, ["Ngôn ngữ", *figures], ex.language_rows(report))
    _para(doc, f"Số phút tiếp sóng: {report['relay_minutes']}.")
    _para(doc, "5. Mức đầy đủ của số liệu", bold=True)
    _para(doc, ex.silent_line(report))
    _para(doc, ex.offline_line(report))
    _para(doc, "II. CÁC KÊNH KHÁC (SỐ LIỆU NHẬP TAY)", bold=True)
    _table(doc, ["Nội dung", "Đơn vị", "Tổng hợp (cả đơn vị trực thuộc đã gửi)"], ex.manual_rows(report))
    if report["children"]:
        _para(doc, "Tình hình gửi báo cáo của đơn vị trực thuộc:", italic=True)
        rows = [[c["area"]["name"], "Đã gửi" if c["status"] == "submitted" else "Chưa gửi"]
                for c in report["children"]]
        _table(doc, ["Đơn vị", "Tình trạng"], rows)
    for i, (key, label) in enumerate(NARRATIVE_LABELS.items(), start=3):
        _para(doc, f"{_roman(i)}. {label.upper()}", bold=True)
        for line in (report["narrative"].get(key) or "").splitlines() or [""]:
            _para(doc, line)


def _roman(n: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI", "VII")[n - 1]


def _footer(doc: Any, report: dict[str, Any]) -> None:
    head = report["report"]
    _para(doc)
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    left.paragraphs[0].text = ""
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in (head.get("recipients") or "").splitlines():
        if line.strip():
            _para(left, f"- {line.strip().lstrip('- ')}", size=11)
    center = WD_ALIGN_PARAGRAPH.CENTER
    for line in (head.get("signer_title") or "THỦ TRƯỞNG ĐƠN VỊ").splitlines():
        _para(right, line.upper(), bold=True, size=13, align=center)
    for _ in range(4):
        _para(right)
    _para(right, head.get("signer_name") or "", bold=True, size=13, align=center)


def to_docx(report: dict[str, Any], today: date) -> bytes:
    """The report as a .docx file's bytes."""
    doc = Document()
    _setup(doc)
    _header(doc, report, today)
    _title(doc, report)
    _body(doc, report)
    _footer(doc, report)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
