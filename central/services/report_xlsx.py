"""A period report as an XLSX workbook: a cover sheet, then one data sheet per breakdown.

Numbers are written as numbers (Excel sums them), with the same values as the JSON; the theme sheet
carries Excel's own bar chart of minutes by theme.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from central.messages import DEFAULT_LANGUAGE, N_, Gettext, gettext_for
from central.services import report_export as ex
from central.services.area_reports import MANUAL_LABELS, NARRATIVE_LABELS
from playlists.words import Approval

FIGURES = (*ex.FIGURE_COLUMNS, *ex.STATUS_COLUMNS)  # a data sheet carries every figure of the JSON line


def _value(key: str, row: dict[str, Any]) -> Any:
    """A figure as a cell value: a rate as a percentage number, blank when there is none."""
    v = row.get(key)
    if key == "completion_rate":
        return None if v is None else round(v * 100, 1)
    return v


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> Worksheet:
    ws = wb.create_sheet(title[:31])  # Excel's limit on a sheet's name
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(row)
    for i, _ in enumerate(header):
        ws.column_dimensions[chr(ord("A") + i)].width = 40 if i in (0, 1) else 16
    ws.freeze_panes = "A2"
    return ws


def _cover(wb: Workbook, report: dict[str, Any], t: Gettext) -> None:
    ws = wb.active
    ws.title = t(N_("Tổng hợp"))
    head = report["report"]
    ws.append([ex.MOTTO[0]])
    ws.append([ex.MOTTO[1]])
    ws.append([head["issuer"]])
    ws.append([head["title"].replace("\n", " ")])
    ws.append([t(N_("Đơn vị")), report["area"]["name"]])
    ws.append([t(N_("Từ ngày")), report["from"], t(N_("Đến ngày")), report["to"]])
    ws.append([t(N_("Trạng thái")), head["status"]])
    ws.append([])
    ws.append([t(N_("Chỉ tiêu")), t(N_("Giá trị"))])
    total = report["total"]
    for key, label in FIGURES:
        ws.append([t(label), _value(key, total)])
    ws.append([t(N_("Số phút tiếp sóng")), report["relay_minutes"]])
    tests = report.get("tests")  # absent from reports frozen before tests were counted apart
    if tests:
        ws.append([t(ex.TESTS_LABEL)])
        for key in ("plays", "minutes_aired", "stations_reached"):
            ws.append([f"  {t(dict(FIGURES)[key])}", _value(key, tests)])
    ws.append([])
    for key, label in NARRATIVE_LABELS.items():
        ws.append([t(label), report["narrative"].get(key, "")])
    for r in (1, 2, 3, 4):
        ws.cell(row=r, column=1).font = Font(bold=True)
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 60


def _themes(wb: Workbook, report: dict[str, Any], t: Gettext) -> None:
    rows = [[th["label"], *(_value(k, th) for k, _ in FIGURES), th.get("target_bulletins")] for th in report["themes"]]
    ws = _sheet(wb, t(N_("Chủ đề")), [t(N_("Chủ đề")), *(t(h) for _, h in FIGURES), t(N_("Chỉ tiêu số tin, bài"))], rows)
    if rows:
        chart = BarChart()
        chart.type, chart.title = "bar", t(N_("Số phút phát theo chủ đề"))
        chart.y_axis.title = t(N_("phút"))
        minutes_col = 1 + [k for k, _ in FIGURES].index("minutes_aired") + 1
        data = Reference(ws, min_col=minutes_col, min_row=1, max_row=len(rows) + 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(rows) + 1))
        chart.width, chart.height = 22, max(7, 1.2 * len(rows))
        ws.add_chart(chart, f"A{len(rows) + 4}")


def to_xlsx(report: dict[str, Any], lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The report as an .xlsx file's bytes, its headings in ``lang`` (names and figures as they are)."""
    t = gettext_for(lang)
    wb = Workbook()
    _cover(wb, report, t)
    _themes(wb, report, t)
    heads = [t(h) for _, h in FIGURES]
    _sheet(wb, t(N_("Tin bài")), [t(N_("Chủ đề")), t(N_("Tên tin, bài"))], ex.title_rows(report))
    camp = [[c["label"], t(N_("Tổng cộng")), *(_value(k, c) for k, _ in FIGURES)] for c in report["campaigns"]]
    rows: list[list[Any]] = []
    for c, first in zip(report["campaigns"], camp, strict=True):
        rows.append(first)
        rows += [[c["label"], a["label"], *(_value(k, a) for k, _ in FIGURES)] for a in c["areas"]]
    _sheet(wb, t(N_("Đợt tuyên truyền")), [t(N_("Đợt tuyên truyền")), t(N_("Đơn vị")), *heads], rows)
    _sheet(wb, t(N_("Ngôn ngữ")), [t(N_("Ngôn ngữ")), *heads],
           [[lang_["label"], *(_value(k, lang_) for k, _ in FIGURES)] for lang_ in report["languages"]])
    _sheet(wb, t(N_("Nhập tay")), [t(N_("Nội dung")), t(N_("Đơn vị")), t(N_("Tổng hợp"))],
           [[t(label), report["manual"].get(k, 0), report["manual_total"].get(k, 0)] for k, label in MANUAL_LABELS.items()])
    c = report["completeness"]
    _sheet(wb, t(N_("Đầy đủ số liệu")), [t(N_("Đài")), t(N_("Gửi nhật ký lần cuối")), t(N_("Số ngày mất kết nối"))],
           [[s["name"], s["last_log_day"] or t(N_("chưa bao giờ")), None] for s in c["silent"]]
           + [[s["name"], None, s["days_offline"]] for s in c["offline"]])
    if report["children"]:
        _sheet(wb, t(N_("Đơn vị trực thuộc")), [t(N_("Đơn vị")), t(N_("Tình trạng")), t(N_("Ngày gửi"))],
               [[k["area"]["name"], t(N_("Đã gửi")) if k["status"] == Approval.SUBMITTED else t(N_("Chưa gửi")), k["submitted_at"]]
                for k in report["children"]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
