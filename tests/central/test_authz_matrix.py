"""Authorisation matrix: every operator-API route × every role (and nobody) × inside/outside scope.

The world: province P → district D → communes C1 (with village V) and C2. The objects each call
touches belong to C1 (or, for schedule creation, a bulletin of D that both communes can see). For
each role there is a user in C1 ("in") and one in C2 ("out"). Each call gets a fresh object, so
a mutation by one case never changes what the next case sees.

Expected: nobody → 401; a role the route does not allow → 403 (whatever the scope); an allowed
role inside its scope → the success status; outside it → 404 when the object is not even visible
(we do not confirm it exists), 403 when it is visible but not theirs to change, or — for lists —
200 without the object.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from central.models import Campaign, Category, Chime, Playlist, PlaylistItem, PlaylistRevision

ROLES = ("admin", "editor", "approver", "operator")
ALL = ROLES
EDIT = ("admin", "editor")
APPROVE = ("admin", "approver")
WITHDRAW = ("admin", "editor", "approver")
SCHEDULE = ("admin", "editor", "approver")
ADMIN = ("admin",)


@dataclass
class World:
    tree: dict[str, Any]
    author: Any
    make_bulletin: Callable[..., Any]
    make_schedule: Callable[..., Any]
    station: Any
    seq: itertools.count = field(default_factory=itertools.count)

    def bulletin(self, status: str = "approved", area: str = "C1") -> Any:
        return self.make_bulletin(self.author, status=status, area=self.tree[area])

    def campaign(self) -> Any:
        return Campaign.create(name=f"Đợt {next(self.seq)}", starts_on=date(2026, 6, 1),
                               ends_on=date(2026, 6, 30), area=self.tree["C1"])

    def plan(self) -> Any:
        from central.models import Plan

        return Plan.create(year=2026, title=f"Kế hoạch {next(self.seq)}", area=self.tree["C1"])

    def campaign_to_schedule(self) -> Any:
        """A campaign of C1 still to come, with an approved bulletin of its own."""
        c = Campaign.create(name=f"Đợt {next(self.seq)}", starts_on=date(2099, 6, 1), ends_on=date(2099, 6, 30),
                            area=self.tree["C1"])
        self.make_bulletin(self.author, status="approved", area=self.tree["C1"], campaign=c)
        return c

    def playlist(self) -> Any:
        p = Playlist.create(name=f"Chương trình {next(self.seq)}", area=self.tree["C1"])
        PlaylistItem.create(playlist=p, position=0, kind="bulletin", bulletin=self.bulletin())
        return p

    def changed_playlist(self) -> Any:
        """A programme with a change (revision 2, by the C1 author) waiting for approval."""
        p = self.playlist()
        PlaylistRevision.create(playlist=p, number=1, status="applied", author=self.author)
        PlaylistRevision.create(playlist=p, number=2, status="submitted", author=self.author)
        PlaylistItem.create(playlist=p, revision=2, position=0, kind="bulletin", bulletin=self.bulletin())
        return p

    def chime(self, status: str = "approved") -> Any:
        asset = self.bulletin().asset  # any stored audio will do for the workflow
        return Chime.create(title=f"Nhạc hiệu {next(self.seq)}", status=status, author=self.author,
                            area=self.tree["C1"], asset=asset)

    def relay(self, status: str = "approved") -> Any:
        from central.relay_models import RelaySource

        return RelaySource.create(name=f"VOV1 {next(self.seq)}", url="http://127.0.0.1:8000/vov1.ogg",
                                  status=status, author=self.author, area=self.tree["C1"])

    def schedule(self, status: str = "approved") -> Any:
        return self.make_schedule(bulletin=self.bulletin(), areas=[self.tree["C1"]], status=status,
                                  area=self.tree["C1"], created_by=self.author)

    def author_token(self) -> int:
        from central.services import users

        row, _ = users.create_token(None, self.author, "matrix")
        return int(row.id)

    def period(self) -> str:
        """C1's report over a day of its own, so one call's submission never blocks the next."""
        day = date(2026, 1, 1) + timedelta(days=next(self.seq))
        return f"area=P-D-C1&from={day.isoformat()}&to={day.isoformat()}"

    def category(self) -> Any:
        return Category.create(code=f"cat-{next(self.seq)}", name="Chủ đề thử")

    def audited_change(self) -> int:
        """The id of a fresh audit row about C1's station."""
        from central.services import audit

        return int(audit.record(None, "station.update", self.station, volume=70).id)

    def alert(self) -> int:
        """A fresh open alert about C1's station."""
        from central.alert_models import Alert

        key = f"clock:station:{self.station.id}:{next(self.seq)}"
        return int(Alert.create(kind="clock", key=key, open_key=key, station=self.station, area=self.tree["C1"],
                                title="Đồng hồ không tin cậy").id)

    def author_subscription(self) -> int:
        """The C1 author's subscription: nobody else may remove it."""
        from central.services import alerts

        return int(alerts.subscribe(self.author, "P-D-C1", f"{('clock', 'disk')[next(self.seq) % 2]}",
                                    "digest").id)

    def emergency(self) -> Any:
        """A running LIVE emergency sent in C1 to C1."""
        from central.models import Emergency, utcnow

        s = self.make_schedule(bulletin=self.bulletin(), areas=[self.tree["C1"]], status="approved",
                               area=self.tree["C1"], created_by=self.author, priority="emergency", rrule="")
        return Emergency.create(schedule=s, bulletin=s.bulletin, title="KHẨN CẤP: thử", area=self.tree["C1"],
                                play_by=utcnow() + timedelta(minutes=30))

    def live(self) -> Any:
        """A live announcement on air, spoken by the C1 editor to C1."""
        from central.live_models import LiveSession
        from central.models import Bulletin

        b = Bulletin.create(title="Phát trực tiếp: thử", author=self.author, area=self.tree["C1"], status="aired-live")
        return LiveSession.create(bulletin=b, title="thử", targets={"areas": ["P-D-C1"], "stations": []},
                                  area=self.tree["C1"], author=self.author)

    def emergency_with_all_clear(self) -> Any:
        """An emergency, and the province's prepared all-clear (a standing alert for everywhere)."""
        from central.models import StandingAlert

        if StandingAlert.get_or_none(StandingAlert.key == "all_clear") is None:
            StandingAlert.create(key="all_clear", name="Báo yên", bulletin=self.bulletin())
        return self.emergency()

    def standing_alert(self) -> Any:
        """A standing alert kept by C1's stations."""
        from central.models import StandingAlert

        return StandingAlert.create(key=f"c1_{next(self.seq)}", name="Lũ quét", bulletin=self.bulletin(),
                                    area=self.tree["C1"])

    def enrolled_station(self) -> Any:
        """A fresh station of C1 holding a token (each revocation needs its own)."""
        from central.services import enrollment

        station, code = enrollment.register(None, "P-D-C1", f"Đài thôn {next(self.seq)}")
        enrollment.enroll(code)
        return station


@dataclass(frozen=True)
class Route:
    method: str
    path: Callable[[World], str]
    roles: tuple[str, ...]
    ok: int
    out: int | None  # None: the answer does not depend on scope
    body: Callable[[World], Any] | None = None
    listed: Callable[[World], Any] | None = None  # for lists: the in-scope object's id, or a key
    expect: Callable[[str, str], int] | None = None  # overrides the rule above: (role, scope) → status

    def __str__(self) -> str:  # the test id
        return f"{self.method} {self.path.__doc__ or ''}"


def route(method: str, doc: str, path: Callable[[World], str], roles: tuple[str, ...], ok: int,
          out: int | None, body: Callable[[World], Any] | None = None,
          listed: Callable[[World], Any] | None = None,
          expect: Callable[[str, str], int] | None = None) -> Route:
    path.__doc__ = doc
    return Route(method, path, roles, ok, out, body, listed, expect)


def _tts(w: World) -> dict[str, Any]:
    return {"title": "Thông báo", "text": "Xin chào bà con.", "language": "vi", "engine": "espeak"}


def _schedule_body(w: World) -> dict[str, Any]:
    shared = w.bulletin(area="D")  # visible from both communes: only the target decides
    return {"bulletin_id": shared.id, "targets": {"areas": ["P-D-C1"]}, "dtstart": "2026-12-01T06:30",
            "rrule": "FREQ=DAILY"}


ROUTES = [
    # the platform's operator routes
    route("GET", "/areas", lambda w: "/api/v1/areas", ALL, 200, 200, listed=lambda w: "P-D-C1"),
    route("POST", "/areas", lambda w: "/api/v1/areas", ADMIN, 201, 403,
          body=lambda w: {"code": f"P-D-C1-N{next(w.seq)}", "name": "Thôn mới", "parent_code": "P-D-C1"}),
    route("GET", "/stations", lambda w: "/api/v1/stations", ALL, 200, 200, listed=lambda w: w.station.id),
    route("GET", "/stations/{id}", lambda w: f"/api/v1/stations/{w.station.id}", ALL, 200, 404),
    route("GET", "/stations/{id}/outages", lambda w: f"/api/v1/stations/{w.station.id}/outages", ALL, 200, 404),
    route("POST", "/stations", lambda w: "/api/v1/stations", ADMIN, 201, 403,
          body=lambda w: {"area_code": "P-D-C1", "name": f"Đài mới {next(w.seq)}"}),
    route("POST", "/stations/{id}/enroll-code", lambda w: f"/api/v1/stations/{w.station.id}/enroll-code",
          ADMIN, 201, 404),
    route("DELETE", "/stations/{id}/token", lambda w: f"/api/v1/stations/{w.enrolled_station().id}/token",
          ("admin", "approver"), 204, 404),
    route("POST", "/stations/{id}/speaker-test", lambda w: f"/api/v1/stations/{w.station.id}/speaker-test",
          ("admin", "approver", "operator"), 202, 404),
    route("PATCH", "/stations/{id}", lambda w: f"/api/v1/stations/{w.station.id}",
          ("admin", "editor", "operator"), 200, 404, body=lambda w: {"volume": 70}),
    route("GET", "/play-logs", lambda w: f"/api/v1/play-logs?station={w.station.id}", ALL, 200, 404),
    route("POST", "/tokens", lambda w: "/api/v1/tokens", ALL, 201, None, body=lambda w: {"name": "x"}),
    route("GET", "/tokens", lambda w: "/api/v1/tokens", ALL, 200, None),
    # someone else's token (the C1 author's): only an admin whose scope holds that person may revoke it
    route("DELETE", "/tokens/{id}", lambda w: f"/api/v1/tokens/{w.author_token()}", ALL, 204, 404,
          expect=lambda role, scope: 204 if (role, scope) == ("admin", "in") else 404),
    route("GET", "/me", lambda w: "/api/v1/me", ALL, 200, None),
    # the audit log: admins only, each within their subtree
    route("GET", "/audit", lambda w: "/api/v1/audit?limit=1000", ADMIN, 200, 200,
          listed=lambda w: w.audited_change()),
    # alerts: each person's own bell, subscriptions and address; uptime like the reports
    route("GET", "/alerts", lambda w: "/api/v1/alerts?limit=1000", ALL, 200, 200, listed=lambda w: w.alert()),
    route("POST", "/alerts/read", lambda w: "/api/v1/alerts/read", ALL, 204, None, body=lambda w: {}),
    route("GET", "/alerts/subscriptions", lambda w: "/api/v1/alerts/subscriptions", ALL, 200, None),
    route("PUT", "/alerts/subscriptions", lambda w: "/api/v1/alerts/subscriptions", ALL, 200, None,
          body=lambda w: {"email": "canbo@xa.vn"}),
    route("POST", "/alerts/subscriptions", lambda w: "/api/v1/alerts/subscriptions", ALL, 201, 404,
          body=lambda w: {"area_code": "P-D-C1", "kind": "offline", "mode": "immediate"}),
    route("DELETE", "/alerts/subscriptions/{id}",
          lambda w: f"/api/v1/alerts/subscriptions/{w.author_subscription()}", ALL, 204, 404,
          expect=lambda role, scope: 404),
    route("GET", "/reports/uptime", lambda w: "/api/v1/reports/uptime?area=P-D-C1", ALL, 200, 403),
    # bulletins
    route("GET", "/bulletins", lambda w: "/api/v1/bulletins", ALL, 200, 200, listed=lambda w: w.bulletin().id),
    route("POST", "/bulletins", lambda w: "/api/v1/bulletins", EDIT, 201, None, body=_tts),
    route("GET", "/bulletins/{id}", lambda w: f"/api/v1/bulletins/{w.bulletin().id}", ALL, 200, 404),
    route("PATCH", "/bulletins/{id}", lambda w: f"/api/v1/bulletins/{w.bulletin('draft').id}", EDIT, 200, 404,
          body=lambda w: {"title": "Sửa"}),
    route("DELETE", "/bulletins/{id}", lambda w: f"/api/v1/bulletins/{w.bulletin('draft').id}", EDIT, 204, 404),
    route("POST", "/bulletins/tts-preview", lambda w: "/api/v1/bulletins/tts-preview", EDIT, 200, None,
          body=lambda w: {"text": "Xin chào bà con.", "engine": "espeak"}),
    route("POST", "/bulletins/{id}/submit", lambda w: f"/api/v1/bulletins/{w.bulletin('draft').id}/submit",
          EDIT, 200, 404),
    route("POST", "/bulletins/{id}/approve",
          lambda w: f"/api/v1/bulletins/{w.bulletin('submitted').id}/approve", APPROVE, 200, 404),
    route("POST", "/bulletins/{id}/reject",
          lambda w: f"/api/v1/bulletins/{w.bulletin('submitted').id}/reject", APPROVE, 200, 404,
          body=lambda w: {"reason": "Chưa đạt"}),
    route("POST", "/bulletins/{id}/withdraw", lambda w: f"/api/v1/bulletins/{w.bulletin().id}/withdraw",
          WITHDRAW, 200, 404),
    # categories (province-wide reference data: no scope)
    route("GET", "/categories", lambda w: "/api/v1/categories", ALL, 200, None),
    route("POST", "/categories", lambda w: "/api/v1/categories", ADMIN, 201, None,
          body=lambda w: {"code": f"new-{next(w.seq)}", "name": "Chủ đề mới"}),
    route("GET", "/categories/{id}", lambda w: f"/api/v1/categories/{w.category().id}", ALL, 200, None),
    route("PATCH", "/categories/{id}", lambda w: f"/api/v1/categories/{w.category().id}", ADMIN, 200, None,
          body=lambda w: {"name": "Đổi tên"}),
    route("DELETE", "/categories/{id}", lambda w: f"/api/v1/categories/{w.category().id}", ADMIN, 204, None),
    # campaigns
    route("GET", "/campaigns", lambda w: "/api/v1/campaigns", ALL, 200, 200, listed=lambda w: w.campaign().id),
    route("POST", "/campaigns", lambda w: "/api/v1/campaigns", EDIT, 201, None,
          body=lambda w: {"name": "Đợt mới", "starts_on": "2026-06-01", "ends_on": "2026-06-30"}),
    route("GET", "/campaigns/{id}", lambda w: f"/api/v1/campaigns/{w.campaign().id}", ALL, 200, 404),
    route("PATCH", "/campaigns/{id}", lambda w: f"/api/v1/campaigns/{w.campaign().id}", EDIT, 200, 404,
          body=lambda w: {"description": "Ghi chú"}),
    route("DELETE", "/campaigns/{id}", lambda w: f"/api/v1/campaigns/{w.campaign().id}", EDIT, 204, 404),
    route("POST", "/campaigns/{id}/schedule",
          lambda w: f"/api/v1/campaigns/{w.campaign_to_schedule().id}/schedule", SCHEDULE, 201, 404,
          body=lambda w: {"times": ["06:00"], "targets": {"areas": ["P-D-C1"]}}),
    # plans, their deadlines, the calendar, languages
    route("GET", "/plans", lambda w: "/api/v1/plans", ALL, 200, 200, listed=lambda w: w.plan().id),
    route("POST", "/plans", lambda w: "/api/v1/plans", EDIT, 201, None,
          body=lambda w: {"year": 2026, "title": "Kế hoạch mới"}),
    route("GET", "/plans/defaults", lambda w: "/api/v1/plans/defaults?year=2026", ALL, 200, None),
    route("GET", "/plans/{id}", lambda w: f"/api/v1/plans/{w.plan().id}", ALL, 200, 404),
    route("PATCH", "/plans/{id}", lambda w: f"/api/v1/plans/{w.plan().id}", EDIT, 200, 404,
          body=lambda w: {"title": "Đổi tên"}),
    route("DELETE", "/plans/{id}", lambda w: f"/api/v1/plans/{w.plan().id}", EDIT, 204, 404),
    route("GET", "/deadlines", lambda w: "/api/v1/deadlines", ALL, 200, None),
    route("GET", "/calendar", lambda w: "/api/v1/calendar?month=2026-06", ALL, 200, None),
    route("GET", "/calendar/upcoming", lambda w: "/api/v1/calendar/upcoming", ALL, 200, None),
    route("GET", "/languages", lambda w: "/api/v1/languages", ALL, 200, None),
    # programmes
    route("GET", "/playlists", lambda w: "/api/v1/playlists", ALL, 200, 200, listed=lambda w: w.playlist().id),
    route("POST", "/playlists", lambda w: "/api/v1/playlists", EDIT, 201, 404,
          body=lambda w: {"name": "Mới", "items": [{"kind": "bulletin", "bulletin_id": w.bulletin().id}]}),
    route("GET", "/playlists/{id}", lambda w: f"/api/v1/playlists/{w.playlist().id}", ALL, 200, 404),
    route("PATCH", "/playlists/{id}", lambda w: f"/api/v1/playlists/{w.playlist().id}", EDIT, 200, 404,
          body=lambda w: {"name": "Đổi tên"}),
    route("DELETE", "/playlists/{id}", lambda w: f"/api/v1/playlists/{w.playlist().id}", EDIT, 204, 404),
    route("POST", "/playlists/{id}/approve",
          lambda w: f"/api/v1/playlists/{w.changed_playlist().id}/approve", APPROVE, 200, 404),
    route("POST", "/playlists/{id}/reject",
          lambda w: f"/api/v1/playlists/{w.changed_playlist().id}/reject", APPROVE, 200, 404,
          body=lambda w: {"reason": "Sai thứ tự"}),
    # chimes (the matrix posts JSON, so an allowed upload is a 400 for want of a file; the upload
    # itself is tested in test_two_person_rule)
    route("GET", "/chimes", lambda w: "/api/v1/chimes", ALL, 200, 200, listed=lambda w: w.chime().id),
    route("POST", "/chimes", lambda w: "/api/v1/chimes", EDIT, 400, None, body=lambda w: {"title": "x"}),
    route("GET", "/chimes/{id}", lambda w: f"/api/v1/chimes/{w.chime().id}", ALL, 200, 404),
    route("POST", "/chimes/{id}/submit", lambda w: f"/api/v1/chimes/{w.chime('draft').id}/submit",
          EDIT, 200, 404),
    route("POST", "/chimes/{id}/approve", lambda w: f"/api/v1/chimes/{w.chime('submitted').id}/approve",
          APPROVE, 200, 404),
    route("POST", "/chimes/{id}/reject", lambda w: f"/api/v1/chimes/{w.chime('submitted').id}/reject",
          APPROVE, 200, 404, body=lambda w: {"reason": "Quá to"}),
    route("POST", "/chimes/{id}/withdraw", lambda w: f"/api/v1/chimes/{w.chime().id}/withdraw",
          WITHDRAW, 200, 404),
    # relay sources (issue 13)
    route("GET", "/relay-sources", lambda w: "/api/v1/relay-sources", ALL, 200, 200,
          listed=lambda w: w.relay().id),
    route("POST", "/relay-sources", lambda w: "/api/v1/relay-sources", EDIT, 201, None,
          body=lambda w: {"name": "VOV1", "url": "http://127.0.0.1:8000/vov1.ogg"}),
    route("GET", "/relay-sources/{id}", lambda w: f"/api/v1/relay-sources/{w.relay().id}", ALL, 200, 404),
    route("POST", "/relay-sources/{id}/submit",
          lambda w: f"/api/v1/relay-sources/{w.relay('draft').id}/submit", EDIT, 200, 404),
    route("POST", "/relay-sources/{id}/approve",
          lambda w: f"/api/v1/relay-sources/{w.relay('submitted').id}/approve", APPROVE, 200, 404),
    route("POST", "/relay-sources/{id}/reject",
          lambda w: f"/api/v1/relay-sources/{w.relay('submitted').id}/reject", APPROVE, 200, 404,
          body=lambda w: {"reason": "Sai địa chỉ"}),
    route("POST", "/relay-sources/{id}/disable",
          lambda w: f"/api/v1/relay-sources/{w.relay().id}/disable", APPROVE, 200, 404),
    # schedules
    route("GET", "/schedules", lambda w: "/api/v1/schedules", ALL, 200, 200, listed=lambda w: w.schedule().id),
    route("POST", "/schedules", lambda w: "/api/v1/schedules", SCHEDULE, 201, 403, body=_schedule_body),
    route("GET", "/schedules/{id}", lambda w: f"/api/v1/schedules/{w.schedule().id}", ALL, 200, 404),
    route("PATCH", "/schedules/{id}", lambda w: f"/api/v1/schedules/{w.schedule().id}", SCHEDULE, 200, 404,
          body=lambda w: {"active": False}),
    route("DELETE", "/schedules/{id}", lambda w: f"/api/v1/schedules/{w.schedule().id}", SCHEDULE, 204, 404),
    route("POST", "/schedules/{id}/submit", lambda w: f"/api/v1/schedules/{w.schedule('draft').id}/submit",
          SCHEDULE, 200, 404),
    route("POST", "/schedules/{id}/approve",
          lambda w: f"/api/v1/schedules/{w.schedule('submitted').id}/approve", APPROVE, 200, 404),
    route("POST", "/schedules/{id}/reject",
          lambda w: f"/api/v1/schedules/{w.schedule('submitted').id}/reject", APPROVE, 200, 404,
          body=lambda w: {"reason": "Trùng giờ họp"}),
    # emergencies (approvers send and stop them) and standing alerts (admins name them)
    route("GET", "/emergencies", lambda w: "/api/v1/emergencies", ALL, 200, 200, listed=lambda w: w.emergency().id),
    route("POST", "/emergencies", lambda w: "/api/v1/emergencies", APPROVE, 201, 403,
          body=lambda w: {"bulletin_id": w.bulletin(area="D").id, "targets": {"areas": ["P-D-C1"]}}),
    route("GET", "/emergencies/{id}", lambda w: f"/api/v1/emergencies/{w.emergency().id}", ALL, 200, 404),
    route("POST", "/emergencies/{id}/stop", lambda w: f"/api/v1/emergencies/{w.emergency().id}/stop",
          APPROVE, 200, 404),
    route("POST", "/emergencies/{id}/all-clear",
          lambda w: f"/api/v1/emergencies/{w.emergency_with_all_clear().id}/all-clear", APPROVE, 201, 404),
    route("POST", "/emergencies/stop-area", lambda w: "/api/v1/emergencies/stop-area", APPROVE, 200, 403,
          body=lambda w: (w.emergency(), {"area": "P-D-C1"})[1]),
    # live announcements: editors and approvers within their scope; only the speaker feeds audio, and the
    # speaker or an approver ends it (the matrix posts JSON, so the audio upload answers 400 to speakers)
    route("GET", "/live", lambda w: "/api/v1/live", ALL, 200, 200, listed=lambda w: w.live().id),
    route("POST", "/live", lambda w: "/api/v1/live", SCHEDULE, 201, 403,
          body=lambda w: {"title": "Thông báo", "targets": {"areas": ["P-D-C1"]}}),
    route("GET", "/live/{id}", lambda w: f"/api/v1/live/{w.live().id}", ALL, 200, 404),
    route("POST", "/live/{id}/audio", lambda w: f"/api/v1/live/{w.live().id}/audio", SCHEDULE, 400, 400,
          expect=lambda role, scope: 400 if role in SCHEDULE else 403),
    route("POST", "/live/{id}/end", lambda w: f"/api/v1/live/{w.live().id}/end", SCHEDULE, 200, 404,
          expect=lambda role, scope: 403 if role in ("operator", "editor") and scope == "in" or role == "operator"
          else 200 if scope == "in" else 404),
    route("GET", "/standing-alerts", lambda w: "/api/v1/standing-alerts", ALL, 200, 200,
          listed=lambda w: w.standing_alert().id),
    route("POST", "/standing-alerts", lambda w: "/api/v1/standing-alerts", ADMIN, 201, 403,
          body=lambda w: {"key": f"k{next(w.seq)}", "name": "Bão", "bulletin_id": w.bulletin().id,
                          "area": "P-D-C1"}),
    route("PATCH", "/standing-alerts/{id}", lambda w: f"/api/v1/standing-alerts/{w.standing_alert().id}", ADMIN,
          200, 404, body=lambda w: {"active": False}),
    # timeline and reports
    route("GET", "/stations/{id}/timeline", lambda w: f"/api/v1/stations/{w.station.id}/timeline", ALL,
          200, 404),
    route("GET", "/reports/summary", lambda w: "/api/v1/reports/summary?area=P-D-C1", ALL, 200, 403),
    route("GET", "/reports/period", lambda w: f"/api/v1/reports/period?{w.period()}", ALL, 200, 403),
    route("PUT", "/reports/period", lambda w: f"/api/v1/reports/period?{w.period()}", SCHEDULE, 200, 403,
          body=lambda w: {"narrative": {"results": "Đã phát đủ"}}),
    route("POST", "/reports/period/submit", lambda w: f"/api/v1/reports/period/submit?{w.period()}", SCHEDULE,
          200, 403, body=lambda w: {}),
    route("GET", "/reports/period/docx", lambda w: f"/api/v1/reports/period/docx?{w.period()}", ALL, 200, 403),
    route("GET", "/reports/period/xlsx", lambda w: f"/api/v1/reports/period/xlsx?{w.period()}", ALL, 200, 403),
    route("GET", "/reports/period/chart.png", lambda w: f"/api/v1/reports/period/chart.png?{w.period()}", ALL,
          200, 403),
]


@pytest.fixture
def world(tree, make_user, bulletin_factory, schedule_factory, station_factory):
    author, _ = make_user("editor", tree["C1"], name="tac-gia")
    station, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    w = World(tree, author, bulletin_factory, schedule_factory, station)
    tokens = {(role, scope): make_user(role, tree[area])[1]
              for role in ROLES for scope, area in (("in", "C1"), ("out", "C2"))}
    return w, tokens


def _call(client, r: Route, w: World, headers: dict[str, str]) -> Any:
    body = r.body(w) if r.body else None
    return client.open(r.path(w), method=r.method, json=body, headers=headers)


def _listed(reply: Any, key: Any) -> bool:
    rows = reply.json
    if isinstance(rows, dict):  # the platform wraps lists: {"areas": [...]}, {"stations": [...]}
        rows = next(v for v in rows.values() if isinstance(v, list))
    return any(key in (row.get("id"), row.get("code")) for row in rows)


#: Known scope holes in routes this suite does not own, kept visible: strict, so a fix turns them red
#: until the mark is removed.
KNOWN_HOLES: dict[tuple[str, str], str] = {}


def _params() -> list[Any]:
    out = []
    for r in ROUTES:
        hole = KNOWN_HOLES.get((r.method, r.path.__doc__))
        out.append(pytest.param(r, marks=pytest.mark.xfail(strict=True, reason=hole)) if hole else r)
    return out


@pytest.mark.parametrize("r", _params(), ids=str)
def test_route_for_every_role_and_scope(client, world, r):
    w, tokens = world
    failures = []
    anonymous = _call(client, r, w, {})
    if anonymous.status_code != 401:
        failures.append(f"nobody: {anonymous.status_code} (want 401)")
    for role, scope in itertools.product(ROLES, ("in", "out")):
        key = r.listed(w) if r.listed else None
        reply = _call(client, r, w, {"Authorization": f"Bearer {tokens[(role, scope)]}"})
        if r.expect is not None:
            want = r.expect(role, scope)
        elif role not in r.roles:
            want = 403
        elif scope == "in" or r.out is None:
            want = r.ok
        else:
            want = r.out
        got = reply.status_code
        if got != want:
            failures.append(f"{role}/{scope}: {got} (want {want}) {reply.get_data(as_text=True)[:160]}")
        elif key is not None and got == 200 and _listed(reply, key) != (scope == "in"):
            failures.append(f"{role}/{scope}: object {key} {'missing' if scope == 'in' else 'leaked'}")
        elif got >= 400 and reply.mimetype != "application/problem+json":
            failures.append(f"{role}/{scope}: {got} is not a problem+json answer")
    assert not failures, "\n".join(failures)


PUBLIC = {("GET", "/health"), ("GET", "/openapi.json")}


def test_the_matrix_covers_every_operator_route(app):
    import re

    served = {
        (method, re.sub(r"<[^>]+>", "{id}", rule.rule.removeprefix("/api/v1")))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and not rule.rule.startswith("/api/v1/station/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    in_matrix = {(r.method, r.path.__doc__) for r in ROUTES}
    assert served - PUBLIC - in_matrix == set(), "operator routes missing from the matrix"
    assert in_matrix - served == set()
