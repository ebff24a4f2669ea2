"""Schedules and programme changes decided through ``services.review``: what each step refuses, in
which order, and what it writes and audits (the wording and records people and auditors already know).
"""

from __future__ import annotations

import pytest

from central.errors import Conflict, Forbidden, Invalid
from central.models import AuditLog, Playlist, PlaylistRevision, Schedule
from central.services import programmes, review
from playlists.words import Approval


@pytest.fixture
def people(tree, make_user):
    """An editor and two approvers of the district, and an approver of one of its communes."""
    made = {role: make_user(role.rstrip("2"), tree["D"]) for role in ("editor", "approver", "approver2")}
    made["commune"] = make_user("approver", tree["C1"])
    return made


def _changed_programme(client, auth, people, bulletin_factory, schedule_factory, tree):
    """A district programme a schedule plays, with a change (revision 2) waiting for approval."""
    editor, token = people["editor"]
    first, second = bulletin_factory(editor, area=tree["D"]), bulletin_factory(editor, area=tree["D"])
    made = client.post("/api/v1/playlists", json={"name": "Sáng", "items": [
        {"kind": "bulletin", "bulletin_id": first.id}]}, headers=auth(token))
    p = Playlist.get_by_id(made.json["id"])
    schedule_factory(playlist=p, areas=[tree["C1"]], created_by=editor, area=tree["D"])
    reply = client.patch(f"/api/v1/playlists/{p.id}", json={"items": [
        {"kind": "bulletin", "bulletin_id": second.id}]}, headers=auth(token))
    assert reply.json["pending"]["revision"] == 2, reply.json
    return p


def _audit(action):
    return AuditLog.get(AuditLog.action == action)


def test_a_programme_change_decision_is_audited_on_its_programme(client, auth, tree, people, bulletin_factory,
                                                                 schedule_factory):
    p = _changed_programme(client, auth, people, bulletin_factory, schedule_factory, tree)
    approver, token = people["approver"]
    reply = client.post(f"/api/v1/playlists/{p.id}/approve", headers=auth(token))
    assert reply.status_code == 200 and reply.json["revision"] == 2 and reply.json["pending"] is None
    row = _audit("playlist.revision.approve")
    assert (row.object_type, row.object_id) == ("Playlist", str(p.id))
    assert row.detail == {"revision": 2, "author": people["editor"][0].name}
    rev = PlaylistRevision.get((PlaylistRevision.playlist == p) & (PlaylistRevision.number == 2))
    assert (rev.status, rev.approver_id, rev.reason) == (Approval.APPROVED, approver.id, None) and rev.decided_at
    assert PlaylistRevision.get((PlaylistRevision.playlist == p) & (PlaylistRevision.number == 1)).status == \
        Approval.SUPERSEDED


def test_a_rejected_programme_change_keeps_its_reason_on_the_revision(client, auth, tree, people,
                                                                     bulletin_factory, schedule_factory):
    p = _changed_programme(client, auth, people, bulletin_factory, schedule_factory, tree)
    reply = client.post(f"/api/v1/playlists/{p.id}/reject", json={"reason": "  Sai chủ đề "},
                        headers=auth(people["approver"][1]))
    assert reply.status_code == 200 and reply.json["revision"] == 1
    assert _audit("playlist.revision.reject").detail == {"revision": 2, "reason": "Sai chủ đề"}
    rev = PlaylistRevision.get((PlaylistRevision.playlist == p) & (PlaylistRevision.number == 2))
    assert (rev.status, rev.reason, rev.approver_id) == (Approval.REJECTED, "Sai chủ đề", people["approver"][0].id)


def test_a_programme_change_refusals_keep_their_order(client, auth, tree, people, bulletin_factory,
                                                     schedule_factory):
    p = _changed_programme(client, auth, people, bulletin_factory, schedule_factory, tree)
    path = f"/api/v1/playlists/{p.id}"
    # the service asks for a rejection's reason before the role (the routes ask the role themselves)
    with pytest.raises(Invalid):
        programmes.reject(people["editor"][0], p.id, " ")
    with pytest.raises(Forbidden) as caught:
        programmes.approve(people["editor"][0], p.id)
    assert str(caught.value.message) == "Vai trò 'editor' không được duyệt thay đổi chương trình."
    assert client.post(f"{path}/approve", headers=auth(people["approver"][1])).status_code == 200
    # a commune approver sees the district's programme but may not decide it, whether or not a change waits
    reply = client.post(f"{path}/approve", headers=auth(people["commune"][1]))
    assert reply.status_code == 403 and reply.json["detail"] == "Chương trình thuộc đơn vị ngoài phạm vi của bạn."
    reply = client.post(f"{path}/approve", headers=auth(people["approver2"][1]))
    assert reply.status_code == 409 and reply.json["detail"] == "Chương trình không có thay đổi nào chờ duyệt."


def test_a_programme_change_decided_meanwhile_is_a_409(client, auth, tree, people, bulletin_factory,
                                                       schedule_factory):
    p = _changed_programme(client, auth, people, bulletin_factory, schedule_factory, tree)
    stale = programmes.CHANGE.decided(Playlist.get_by_id(p.id))  # read before the other approver decided
    assert client.post(f"/api/v1/playlists/{p.id}/approve", headers=auth(people["approver"][1])).status_code == 200
    with pytest.raises(Conflict) as caught:
        review.move(programmes.CHANGE, people["approver2"][0], stale, Approval.REJECTED, "reject", "Muộn")
    assert caught.value.message.msgid == "Thay đổi vừa được người khác quyết định hoặc thay thế; hãy tải lại."
    assert AuditLog.select().where(AuditLog.action == "playlist.revision.reject").count() == 0


def test_a_schedules_decisions_keep_their_words_and_records(client, auth, tree, people, bulletin_factory,
                                                            schedule_factory):
    approver, token = people["approver"]
    b = bulletin_factory(people["editor"][0], area=tree["D"])
    s = schedule_factory(bulletin=b, areas=[tree["C1"]], created_by=approver, area=tree["D"], status="submitted")
    path = f"/api/v1/schedules/{s.id}"
    reply = client.post(f"{path}/approve", headers=auth(token))
    assert reply.status_code == 403 and reply.json["detail"] == "Không ai được tự duyệt lịch phát của mình."
    reply = client.post(f"{path}/reject", json={"reason": "x"}, headers=auth(token))
    assert reply.status_code == 403 and reply.json["detail"] == "Không ai tự quyết định lịch phát của mình."
    reply = client.post(f"{path}/reject", json={"reason": " Trùng giờ "}, headers=auth(people["approver2"][1]))
    assert reply.status_code == 200 and reply.json["status"] == Approval.REJECTED
    assert _audit("schedule.reject").detail == {"before": "submitted", "after": "rejected", "reason": "Trùng giờ"}
    reply = client.post(f"{path}/reject", json={"reason": "x"}, headers=auth(people["approver2"][1]))
    assert reply.status_code == 409 and reply.json["detail"] == "Không thể từ chối lịch phát đang 'rejected'."
    # an approver who made the schedule may send it again (every scheduler submits), not decide it
    assert client.post(f"{path}/submit", headers=auth(token)).status_code == 200
    assert client.post(f"{path}/approve", headers=auth(people["approver2"][1])).status_code == 200
    row = Schedule.get_by_id(s.id)
    assert (row.status, row.approved_by_id) == (Approval.APPROVED, people["approver2"][0].id)
    assert _audit("schedule.approve").detail == {"before": "submitted", "after": "approved", "reason": None}
    assert _audit("schedule.submit").detail == {"before": "rejected", "after": "submitted", "reason": None}
