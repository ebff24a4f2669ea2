"""Every main page of the demo province in a real browser: it renders, without script errors, in
Vietnamese — and the screenshots the README shows come from here."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import LiveCentral, Sessions

pytestmark = pytest.mark.browser

PAGES = {
    "dashboard": "/dashboard",
    "bulletins": "/bulletins",
    "bulletin-new": "/bulletins/new",
    "programme": "/playlists/1",
    "schedules": "/schedules",
    "schedule": "/schedules/1",
    "emergency": "/emergency",
    "stations": "/stations",
    "station": "/stations/2",
    "play-logs": "/play-logs",
    "report-year": "/reports?preset=year&group_by=category",
    "report-stations": "/reports?group_by=station",
    "users": "/admin/users",
    "areas": "/admin/areas",
}


def test_every_demo_page_renders_in_vietnamese(browser: Any, live_demo: tuple[LiveCentral, dict]) -> None:
    live, result = live_demo
    admin_password = next(u["password"] for u in result["users"] if u["name"] == "quantri")
    sessions = Sessions(browser, live)
    admin = sessions.login("quantri", admin_password)
    errors: list[str] = []
    admin.page.on("pageerror", lambda exc: errors.append(str(exc)))
    admin.page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        for name, path in PAGES.items():
            response = admin.go(path)
            assert response.status == 200, path
            assert admin.page.get_attribute("html", "lang") == "vi"
            assert admin.page.locator("h1").count() == 1, path
            admin.shot(f"demo-{name}")
        assert errors == []
        # The station's facts wrap inside their cards: nothing (a zone name, a badge) runs past the edge.
        admin.go(PAGES["station"])
        clipped = admin.page.evaluate(
            "[...document.querySelectorAll('.grid > .card')]"
            ".filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.querySelector('h2').textContent)")
        assert clipped == [], clipped
        # The province's real districts are in the tree, with their diacritics.
        admin.go("/admin/areas")
        tree = admin.page.inner_text(".tree")
        for district in ("Thành phố Gia Nghĩa", "Huyện Đắk R'Lấp", "Huyện Cư Jút", "Huyện Tuy Đức"):
            assert district in tree
        # The report has minutes aired for the plan's categories, drawn as bars.
        admin.go("/reports?group_by=category")
        assert admin.page.locator(".bar-fill").count() >= 3
    finally:
        for context in sessions.opened:
            context.close()
