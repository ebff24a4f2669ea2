"""The period report page: figures and chart shown, draft saved, report submitted, files downloaded."""

from __future__ import annotations

import io

from central.models import Report

from .test_period_reports import JUNE, june  # noqa: F401  (the fixture)
from .test_web_pages import csrf_of, login


def test_a_district_officer_fills_saves_submits_and_downloads(client, tree, make_user, june):  # noqa: F811
    import docx

    make_user("editor", tree["D"], name="can.bo.huyen")
    login(client, "can.bo.huyen")
    page = client.get("/reports/period", query_string={**JUNE, "area": "P-D"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Phòng, chống ma túy" in html and "Ma túy “núp bóng” thực phẩm: cảnh giác" in html
    assert 'class="bars"' in html  # the chart of minutes by theme
    assert "1 đài chưa gửi nhật ký phát từ ngày 04/06/2026 (trên tổng số 3 đài)." in html
    form = {"csrf_token": csrf_of(html), "action": "save", "manual_sms_messages": "250",
            "narrative_results": "Phát đủ 4 lượt bản tin về ma túy trên địa bàn huyện.",
            "narrative_proposals": "Đề nghị tỉnh hỗ trợ bản tin tiếng M'Nông.", "number": "21/BC-TTVH",
            "signer_name": "Y Phôn Ê Ban"}
    q = {**JUNE, "area": "P-D"}
    saved = client.post("/reports/period", query_string=q, data=form)
    assert saved.status_code == 302
    row = Report.get(Report.area == tree["D"])
    assert (row.status, row.manual["sms_messages"], row.number) == ("draft", 250, "21/BC-TTVH")
    html = client.get("/reports/period", query_string=q).get_data(as_text=True)
    assert "Đề nghị tỉnh hỗ trợ bản tin tiếng M&#39;Nông." in html or "Đề nghị tỉnh hỗ trợ bản tin tiếng M'Nông." in html
    sent = client.post("/reports/period", query_string=q, data={**form, "csrf_token": csrf_of(html),
                                                                "action": "submit"})
    assert sent.status_code == 302
    assert Report.get_by_id(row.id).status == "submitted"
    html = client.get("/reports/period", query_string=q).get_data(as_text=True)
    assert 'id="submit-report"' not in html and "Đã gửi" in html
    reply = client.get("/api/v1/reports/period/docx", query_string=q)  # the page's link, with the session
    assert reply.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(reply.data)).paragraphs)
    assert "Phát đủ 4 lượt bản tin về ma túy trên địa bàn huyện." in text and "Y Phôn Ê Ban" in \
        "\n".join(c.text for t in docx.Document(io.BytesIO(reply.data)).tables for r in t.rows for c in r.cells)


def test_the_page_in_english_and_for_the_province(client, tree, make_user, june):  # noqa: F811
    make_user("admin", None, name="so.tttt")
    login(client, "so.tttt")
    html = client.get("/reports/period", query_string={**JUNE, "area": "P"}).get_data(as_text=True)
    assert "Huyện Krông Nô" in html and "Chưa gửi" in html  # the districts that have not submitted
    client.get("/lang/en")
    english = client.get("/reports/period", query_string={**JUNE, "area": "P"}).get_data(as_text=True)
    assert "Periodic report" in english and "By theme" in english


def test_the_title_keeps_its_lines_when_the_form_is_saved(client, tree, make_user, june):  # noqa: F811
    """The title is "BÁO CÁO" over what it reports on: a one-line input glued the two into "BÁO CÁOKết quả"."""
    make_user("editor", tree["D"], name="can.bo.tieu.de")
    login(client, "can.bo.tieu.de")
    q = {**JUNE, "area": "P-D"}
    html = client.get("/reports/period", query_string=q).get_data(as_text=True)
    assert '<textarea id="h_title" name="title"' in html and "BÁO CÁO\nKết quả công tác" in html
    form = {"csrf_token": csrf_of(html), "action": "save",
            "title": "BÁO CÁO\r\nKết quả tuyên truyền phòng, chống ma túy 6 tháng đầu năm 2026"}
    assert client.post("/reports/period", query_string=q, data=form).status_code == 302
    assert Report.get(Report.area == tree["D"]).title == \
        "BÁO CÁO\nKết quả tuyên truyền phòng, chống ma túy 6 tháng đầu năm 2026"
