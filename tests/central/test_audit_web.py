"""The admins' audit log page: filters, pages, the CSV link, the menu, English."""

from __future__ import annotations

import re
from typing import Any

from central.models import AuditLog
from central.services import audit
from tests.central.test_web_pages import login


def _rows(html: str) -> list[str]:
    body = html.split('id="audit-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_admins_filter_the_log_and_download_what_they_see(client: Any, tree: Any, make_user: Any,
                                                          bulletin_factory: Any) -> None:
    make_user("admin", None, name="quan.tri")
    lan, _ = make_user("editor", tree["C1"], name="lan")
    b = bulletin_factory(lan, status="draft", area=tree["C1"])
    audit.record(lan, "bulletin.create", b, title=b.title)
    audit.record(lan, "bulletin.submit", b)
    assert login(client, "quan.tri").status_code == 302

    page = client.get("/admin/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Nhật ký thao tác" in html and 'href="/admin/audit"' in html  # in the admin menu
    assert "Bản tin: gửi duyệt" in html and "Bản tin: tạo" in html
    assert f'href="/bulletins/{b.id}"' in html  # the object links to its page

    html = client.get("/admin/audit?person=lan&action=bulletin.submit").get_data(as_text=True)
    rows = _rows(html)
    assert len(rows) == 1 and "Bản tin: gửi duyệt" in rows[0] and "Xã Đắk Môl" in rows[0]
    link = re.search(r'<a class="btn" href="([^"]+)" download id="csv-link">', html)
    assert link is not None
    href = link.group(1)
    assert "format=csv" in href and "person=lan" in href and "action=bulletin.submit" in href
    csv = client.get(href.replace("&amp;", "&"))
    assert csv.status_code == 200 and csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    data = csv.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").count("\r\n") == 2  # header and the one row

    login_rows = _rows(client.get("/admin/audit?action=user.login").get_data(as_text=True))
    assert len(login_rows) == 1 and "quan.tri" in login_rows[0]  # logging in is on record

    client.get("/lang/en")
    html = client.get("/admin/audit?person=lan").get_data(as_text=True)
    assert "Audit log" in html and "Bulletins: submit for approval" in html and "Download CSV" in html


def test_the_page_pages_and_refuses_others(client: Any, tree: Any, make_user: Any) -> None:
    make_user("admin", None, name="quan.tri")
    make_user("editor", None, name="bien.tap")
    for n in range(60):
        audit.record(None, "category.create", None, n=n)
    login(client, "quan.tri")
    first = client.get("/admin/audit?action=category.create").get_data(as_text=True)
    assert len(_rows(first)) == 50 and "Trang 1 / 2" in first and 'rel="next"' in first
    second = client.get("/admin/audit?action=category.create&page=2").get_data(as_text=True)
    assert len(_rows(second)) == 10 and 'rel="prev"' in second and 'rel="next"' not in second
    bad = client.get("/admin/audit?from=hôm-qua")
    assert bad.status_code == 200 and "phải là ngày" in bad.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', first).group(1)})

    login(client, "bien.tap")
    assert client.get("/admin/audit").status_code == 403
    assert 'href="/admin/audit"' not in client.get("/dashboard").get_data(as_text=True)
    assert AuditLog.select().where(AuditLog.action == "category.create").count() == 60


def test_a_refused_asset_alert_stands_out(client: Any, tree: Any, make_user: Any, station_factory: Any) -> None:
    make_user("admin", None, name="quan.tri")
    station, _ = station_factory(tree["C1"])
    audit.record(None, "manifest.refused_asset", station, asset="ab" * 32, schedules=[7])
    login(client, "quan.tri")
    rows = _rows(client.get("/admin/audit?action=manifest").get_data(as_text=True))
    assert len(rows) == 1
    assert '<span class="pill bad">Cảnh báo: bản kê bỏ âm thanh chưa duyệt</span>' in rows[0]
    assert f'href="/stations/{station.id}"' in rows[0] and "hệ thống" in rows[0]


def test_actions_read_as_words_and_unknown_ones_as_their_code(app: Any) -> None:
    from central.web.audit import action_label

    with app.test_request_context():
        assert action_label("bulletin.approve") == "Bản tin: duyệt"
        assert action_label("station.revoke") == "Đài: thu hồi quyền truy cập"
        assert action_label("emergency.stop_area") == "Phát khẩn cấp: dừng ở một đơn vị"
        assert action_label("playlist.revision.approve") == "Chương trình: duyệt thay đổi nội dung"
        assert action_label("something.new") == "something.new"
