"""The bell on every page, the alert list that reads it, and the subscriptions page (Vietnamese, then English)."""

from __future__ import annotations

import re

from central.alert_models import Alert, AlertProfile, AlertSubscription

from .test_web_pages import csrf_of, login


def _bell(html: str) -> str | None:
    m = re.search(r'id="alert-bell"[^>]*>.*?</a>', html, re.S)
    assert m, "no bell in the header"
    count = re.search(r'bell-count">(\d+)<', m.group(0))
    return count.group(1) if count else None


def _alert(tree, area, key):
    return Alert.create(kind="offline", key=key, open_key=key, area=tree[area], title=f"Mất kết nối: {key}",
                        body="Loa: đài mất kết nối từ 07:05 01/12/2026.")


def test_bell_on_every_page_until_the_alert_page_is_opened(client, tree, make_user):
    user, _ = make_user("operator", tree["C1"], name="can-bo-xa")
    _alert(tree, "C1", "offline:station:1")
    _alert(tree, "C1", "offline:station:2")
    _alert(tree, "C2", "offline:station:3")  # another commune: not this person's bell
    login(client, "can-bo-xa")
    for page in ("/dashboard", "/stations", "/reports"):
        assert _bell(client.get(page).get_data(as_text=True)) == "2", page
    listing = client.get("/alerts").get_data(as_text=True)
    assert listing.count('class="open unread"') == 2 and "offline:station:3" not in listing
    assert "Loa: đài mất kết nối từ 07:05 01/12/2026." in listing
    assert _bell(client.get("/dashboard").get_data(as_text=True)) is None
    _alert(tree, "C1", "offline:station:4")
    assert _bell(client.get("/stations").get_data(as_text=True)) == "1"


def test_subscriptions_page_saves_address_adds_and_removes(client, tree, make_user):
    user, _ = make_user("editor", tree["D"], name="bien-tap-huyen")
    login(client, "bien-tap-huyen")
    page = client.get("/alerts/subscriptions").get_data(as_text=True)
    assert "Đăng ký nhận cảnh báo" in page and "Tóm tắt hằng ngày" in page
    token = csrf_of(page)
    r = client.post("/alerts/subscriptions", data={"action": "email", "email": "huyen@loa.vn", "csrf_token": token})
    assert r.status_code == 302 and AlertProfile.get(AlertProfile.user == user.id).email == "huyen@loa.vn"
    client.post("/alerts/subscriptions", data={"action": "add", "area": "P-D-C1", "kind": "offline",
                                               "mode": "digest", "csrf_token": token})
    sub = AlertSubscription.get(AlertSubscription.user == user.id)
    assert (sub.area.code, sub.kind, sub.mode) == ("P-D-C1", "offline", "digest")
    page = client.get("/alerts/subscriptions").get_data(as_text=True)
    assert "Xã Đắk Môl" in page and "Đài mất kết nối" in page
    refused = client.post("/alerts/subscriptions", data={"action": "email", "email": "sai địa chỉ",
                                                         "csrf_token": token})
    assert refused.status_code == 200 and "không hợp lệ" in refused.get_data(as_text=True)
    client.post("/alerts/subscriptions", data={"action": "remove", "id": str(sub.id), "csrf_token": token})
    assert not AlertSubscription.select().where(AlertSubscription.user == user.id).exists()
    assert client.post("/alerts/subscriptions", data={"action": "email", "email": "x@y.vn"}).status_code == 400


def test_pages_in_english(client, tree, make_user):
    make_user("admin", name="quan-tri")
    login(client, "quan-tri")
    client.get("/lang/en")
    page = client.get("/alerts/subscriptions").get_data(as_text=True)
    assert "Alert subscriptions" in page and "Daily digest" in page
    assert "No alerts." in client.get("/alerts").get_data(as_text=True)
