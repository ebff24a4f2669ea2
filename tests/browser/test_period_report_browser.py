"""In a real browser: a district officer reads the period report built from stations' play logs, fills
the narrative, saves, submits, and downloads the DOCX, whose figures are the page's."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from central.models import Bulletin, Category, Report, User
from central.services import assets, enrollment, playlogs

from .conftest import LiveCentral, Sessions

pytestmark = pytest.mark.browser
HANOI = timezone(timedelta(hours=7))


def _aired(live: LiveCentral) -> None:
    """A drug-prevention bulletin played by two stations of Đắk Song in June (logs as stations send them)."""
    with live.app.app_context(), live.db():
        author = User.get(User.name == "bientap.daksong")
        asset = assets.save_bytes(live.app.config["DATA_DIR"], b"\x01" * 4096, duration_ms=60_000,
                                  codec="opus", mime="audio/ogg")
        b = Bulletin.create(title="Tác hại của ma túy tổng hợp", author=author, status="approved", asset=asset,
                            category=Category.get(code="drugs"), language="vie")
        for code, name in (("DKN-DKS-DKM", "Đài xã Đắk Môl"), ("DKN-DKS-NNJ", "Đài xã Nâm N'Jang")):
            station, _ = enrollment.register(None, code, name)
            logs = []
            for day in (3, 10, 17):
                start = datetime(2026, 6, day, 6, 30, tzinfo=HANOI)
                logs.append({"id": str(uuid.uuid4()), "bulletin_id": b.id, "status": "completed",
                             "planned_start": start.isoformat(), "started_at": start.isoformat(),
                             "ended_at": (start + timedelta(seconds=60)).isoformat()})
            assert playlogs.ingest(station, logs) == (3, 0)


def test_fill_the_narrative_submit_and_export_docx(sessions: Sessions, live: LiveCentral, tmp_path) -> None:
    import docx

    _aired(live)
    officer = sessions.login("bientap.daksong")
    officer.go("/reports/period?area=DKN-DKS&from=2026-06-01&to=2026-06-30")
    themes = officer.page.locator("#themes-table").inner_text()
    assert "Phòng, chống ma túy" in themes and "6" in themes  # six plays, six minutes
    assert officer.page.locator(".bars").count() == 1
    officer.page.fill("#narrative_results", "Đã phát 6 lượt bản tin phòng, chống ma túy ở 2 xã.")
    officer.page.fill("#manual_portal_articles", "4")
    officer.submit("#save-report")
    assert "Đã lưu bản nháp báo cáo." in officer.flash()
    assert officer.page.input_value("#narrative_results") == "Đã phát 6 lượt bản tin phòng, chống ma túy ở 2 xã."
    officer.page.fill("#narrative_difficulties", "Xã Nâm N'Jang mất điện 3 ngày.")
    officer.page.once("dialog", lambda d: d.accept())
    officer.submit("#submit-report")
    assert "Đã gửi báo cáo." in officer.flash()
    assert officer.page.locator("#submit-report").count() == 0
    with live.app.app_context(), live.db():
        row = Report.get()
        assert (row.status, row.submitted_by.name, row.manual["portal_articles"]) == ("submitted",
                                                                                     "bientap.daksong", 4)
    with officer.page.expect_download() as download:
        officer.page.click("#docx-link")
    path = tmp_path / "report.docx"
    download.value.save_as(path)
    doc = docx.Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Đã phát 6 lượt bản tin phòng, chống ma túy ở 2 xã." in text
    assert "Xã Nâm N'Jang mất điện 3 ngày." in text
    themes_table = next(t for t in doc.tables if t.rows[0].cells[1].text == "Chủ đề")
    drugs = next(r for r in themes_table.rows if r.cells[1].text == "Phòng, chống ma túy")
    assert [c.text for c in drugs.cells[2:6]] == ["1", "6", "6.0", "2"]
    officer.shot("period-report-submitted")
