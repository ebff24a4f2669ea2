"""The domain words on the central: one definition, plain strings on the wire and in problems."""

from __future__ import annotations

from typing import Any

from central import policy
from central.api.openapi import build_spec
from central.models import BULLETIN_STATUSES, PRIORITIES, ROLES, User
from central.words import Role


def _enums(node: Any) -> list[list[Any]]:
    if isinstance(node, dict):
        found = [node["enum"]] if isinstance(node.get("enum"), list) else []
        return found + [e for v in node.values() for e in _enums(v)]
    if isinstance(node, list):
        return [e for v in node for e in _enums(v)]
    return []


def test_the_document_lists_the_words_as_plain_strings_taken_from_the_enums(app):
    with app.app_context():
        enums = _enums(build_spec())
    assert enums and all(type(w) is str or w is None for e in enums for w in e)  # never a repr
    assert [*PRIORITIES] in enums and [*ROLES] in enums and [*BULLETIN_STATUSES] in enums


def test_a_word_the_api_does_not_know_is_answered_in_plain_words(client, auth, make_user, tree):
    _, token = make_user("admin")
    reply = client.post("/api/v1/areas", json={"code": "X", "name": "Xã mới", "level": "tinh"}, headers=auth(token))
    assert reply.status_code == 400, reply.json
    assert "AreaLevel." not in reply.json["detail"] and "'commune'" in reply.json["detail"]


def test_roles_are_one_definition():
    assert ROLES == tuple(Role) == ("admin", "editor", "approver", "operator")
    assert set(policy.EDITORS) | set(policy.APPROVERS) <= set(Role)
    assert User.role.default is None  # a user's role is always chosen, never defaulted
