"""Rule 7 of docs/architecture.md: every change a person makes through the operator API leaves an audit row naming them.

The routes are the authorisation matrix's, so a new route that changes state is covered as soon as the
matrix lists it (and the matrix fails until it does).
"""

from __future__ import annotations

import pytest

from central.models import AuditLog
from tests.central.test_authz_matrix import ROUTES, World, _call

# the matrix's successful calls that change state (it posts JSON, so an upload route answers 400: no change)
# Marking one's own alerts read changes only that person's bell, nothing any station or report sees;
# hearing a text read aloud before saving it stores nothing at all.
OWN_VIEW_ONLY = {("POST", "/alerts/read"), ("POST", "/bulletins/tts-preview")}
CHANGES = [r for r in ROUTES if r.method in ("POST", "PATCH", "PUT", "DELETE")
           and (r.expect("admin", "in") if r.expect else r.ok) < 400
           and (r.method, r.path.__doc__) not in OWN_VIEW_ONLY]


@pytest.fixture
def setting(tree, make_user, bulletin_factory, schedule_factory, station_factory):
    author, _ = make_user("editor", tree["C1"], name="tac-gia")
    station, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    admin, key = make_user("admin", tree["C1"], name="quan-tri-xa")
    return World(tree, author, bulletin_factory, schedule_factory, station), admin, key


@pytest.mark.parametrize("r", CHANGES, ids=str)
def test_every_change_through_the_api_is_audited_with_its_author(client, setting, r):
    w, admin, key = setting
    before = AuditLog.select().where(AuditLog.actor == admin.id).count()
    reply = _call(client, r, w, {"Authorization": f"Bearer {key}"})
    want = r.expect("admin", "in") if r.expect else r.ok
    assert reply.status_code == want, reply.get_data(as_text=True)[:300]
    rows = list(AuditLog.select().where(AuditLog.actor == admin.id).order_by(AuditLog.id).offset(before))
    assert rows, f"{r} changed state without an audit row"
    assert all(row.actor_name == "quan-tri-xa" and row.action for row in rows)


def test_the_list_of_changes_is_not_empty():
    assert len(CHANGES) >= 20  # a filter gone wrong above would make the test above check nothing
