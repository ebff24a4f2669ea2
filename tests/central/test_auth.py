"""Passwords, tokens, login throttling, roles and area scope."""

from __future__ import annotations

import pytest

from central import auth
from central.errors import Forbidden, TooManyRequests, Unauthorized
from central.models import ApiToken, AuditLog, LoginAttempt, User
from central.services import users


def test_password_hash_is_salted_and_verifies():
    a, b = auth.hash_password("mật khẩu dài"), auth.hash_password("mật khẩu dài")
    assert a != b and a.startswith("scrypt:")
    assert auth.verify_password("mật khẩu dài", a)
    assert not auth.verify_password("mật khẩu dài!", a)
    assert not auth.verify_password("x", "garbage")


def test_create_user_generates_a_password_shown_once(db, tree):
    user, password = users.create(None, "lan", "editor", "P-D")
    assert len(password) >= 12
    row = User.get(User.name == "lan")
    assert password not in row.password_hash
    assert row.area.code == "P-D"
    assert users.authenticate("lan", password, "10.0.0.1").id == user.id
    assert AuditLog.get(AuditLog.action == "user.create").detail["role"] == "editor"


def test_user_validation(db, tree):
    with pytest.raises(Exception, match="Vai trò"):
        users.create(None, "x", "superuser")
    with pytest.raises(Exception, match="10"):
        users.create(None, "x", "editor", password="short")
    users.create(None, "x", "editor")
    with pytest.raises(Exception, match="đã có"):
        users.create(None, "x", "approver")


def test_login_throttle_by_name_and_by_address(db):
    _, password = users.create(None, "hoa", "editor")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            users.authenticate("hoa", "wrong-password", "10.0.0.9")
    with pytest.raises(TooManyRequests):  # even the right password is refused for a while
        users.authenticate("hoa", password, "10.0.0.1")
    _, other_pw = users.create(None, "minh", "editor")
    with pytest.raises(TooManyRequests):  # same address, other name
        users.authenticate("minh", other_pw, "10.0.0.9")
    assert users.authenticate("minh", other_pw, "10.0.0.2").name == "minh"
    assert LoginAttempt.select().where(LoginAttempt.success == False).count() == 5  # noqa: E712


def test_unknown_user_fails_like_a_wrong_password(db):
    with pytest.raises(Unauthorized):
        users.authenticate("nobody", "whatever-it-is", "")


def test_api_token_is_stored_hashed_and_revocable(client, db, tree):
    user, _ = users.create(None, "an", "operator", "P-D-C1")
    row, token = users.create_token(None, user, "script")
    assert ApiToken.get_by_id(row.id).token_hash == auth.hash_token(token) != token
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json["name"] == "an"
    users.revoke_token(None, row.id)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_session_login_is_honoured(app, client, db):
    user, _ = users.create(None, "thu", "approver")
    with client.session_transaction() as sess:
        sess["user_id"] = user.id
    assert client.get("/api/v1/me").json["role"] == "approver"
    User.update(active=False).where(User.id == user.id).execute()
    assert client.get("/api/v1/me").status_code == 401


def test_a_session_changing_state_through_the_api_needs_the_csrf_token(app, client, db):
    user, _ = users.create(None, "lan", "editor")
    with client.session_transaction() as sess:
        sess["user_id"] = user.id
    refused = client.post("/api/v1/tokens", json={"name": "from another site"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json["detail"]
    assert ApiToken.select().where(ApiToken.user == user).count() == 0
    from flask import session as req_session
    from flask_wtf.csrf import generate_csrf

    with app.test_request_context():
        token = generate_csrf()  # the token a page of ours would carry, bound to this session
        raw = dict(req_session)
    with client.session_transaction() as sess:
        sess.update(raw)
        sess["user_id"] = user.id
    accepted = client.post("/api/v1/tokens", json={"name": "page"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.json
    assert ApiToken.select().where(ApiToken.user == user).count() == 1


def test_require_roles_and_scope(app, db, tree):
    editor, _ = users.create(None, "e", "editor", "P-D-C1")
    admin, _ = users.create(None, "a", "admin")

    @auth.require(roles=("approver",))
    def view():
        return "ok"

    with app.test_request_context("/api/v1/x"), pytest.raises(Unauthorized):
        view()
    with app.test_request_context("/api/v1/x"):
        from flask import g

        g.user = editor
        with pytest.raises(Forbidden):
            view()
        assert auth.area_subtree_ids(editor) == {tree["C1"].id, tree["V"].id}
        auth.check_area(editor, tree["V"])
        with pytest.raises(Forbidden):
            auth.check_area(editor, tree["C2"])
        with pytest.raises(Forbidden):
            auth.check_area(editor, None)
    with app.test_request_context("/api/v1/x"):
        from flask import g

        g.user = admin
        assert view() == "ok"  # admin passes every role check
        assert auth.area_subtree_ids(admin) is None
        auth.check_area(admin, tree["C2"])


def test_tokens_listed_and_revoked_through_the_api(client, db, tree):
    user, _ = users.create(None, "ha", "editor")
    other, _ = users.create(None, "hung", "editor")
    _, mine = users.create_token(None, user, "first")
    theirs_row, theirs = users.create_token(None, other, "theirs")
    headers = {"Authorization": f"Bearer {mine}"}
    made = client.post("/api/v1/tokens", json={"name": "máy chủ tỉnh"}, headers=headers)
    assert made.status_code == 201
    listed = client.get("/api/v1/tokens", headers=headers).json["tokens"]
    assert [t["name"] for t in listed] == ["first", "máy chủ tỉnh"]
    assert all("token" not in t for t in listed)
    assert client.delete(f"/api/v1/tokens/{theirs_row.id}", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/tokens/{made.json['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {made.json['token']}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {theirs}"}).status_code == 200


def test_admins_revoke_tokens_only_within_their_scope(client, db, tree):
    commune_user, _ = users.create(None, "lan", "editor", "P-D-C1")
    row, _ = users.create_token(None, commune_user, "x")
    province_user, _ = users.create(None, "tinh", "editor")
    province_row, _ = users.create_token(None, province_user, "y")
    elsewhere, _ = users.create(None, "qt2", "admin", "P-D-C2")
    _, elsewhere_token = users.create_token(None, elsewhere)
    district, _ = users.create(None, "qt1", "admin", "P-D")
    _, district_token = users.create_token(None, district)
    assert client.delete(f"/api/v1/tokens/{row.id}",
                         headers={"Authorization": f"Bearer {elsewhere_token}"}).status_code == 404
    assert client.delete(f"/api/v1/tokens/{province_row.id}",
                         headers={"Authorization": f"Bearer {district_token}"}).status_code == 404
    assert client.delete(f"/api/v1/tokens/{row.id}",
                         headers={"Authorization": f"Bearer {district_token}"}).status_code == 204
    assert ApiToken.get_by_id(row.id).revoked_at is not None
    assert ApiToken.get_by_id(province_row.id).revoked_at is None


def test_changing_a_password_needs_the_current_one_and_a_long_new_one(db):
    from central.errors import Invalid
    from central.models import AuditLog

    user, password = users.create(None, "hoa", "editor")
    with pytest.raises(Unauthorized):
        users.change_password(user, "không phải mật khẩu", "mật khẩu mới đủ dài")
    with pytest.raises(Invalid):
        users.change_password(user, password, "ngắn")
    assert users.authenticate("hoa", password, "127.0.0.1").id == user.id
    users.change_password(user, password, "mật khẩu mới đủ dài")
    assert users.authenticate("hoa", "mật khẩu mới đủ dài", "127.0.0.1").id == user.id
    with pytest.raises(Unauthorized):
        users.authenticate("hoa", password, "127.0.0.1")
    assert AuditLog.select().where(AuditLog.action == "user.password").count() == 1
