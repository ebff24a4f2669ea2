"""The NUL character is refused at the edge (422, nothing stored) on SQLite and PostgreSQL alike.

PostgreSQL cannot hold it and answered 500 mid-query; tests/central/test_postgres.py runs these there.
"""

from __future__ import annotations

from typing import Any

from central.models import Category


def test_a_nul_in_a_json_body_is_422_and_nothing_is_stored(client: Any, auth: Any, tree: Any, make_user: Any,
                                                             db: Any) -> None:
    _, admin = make_user("admin")
    before = Category.select().count()
    reply = client.post("/api/v1/categories", json={"code": "traffic", "name": "An toàn\u0000 giao thông"},
                        headers=auth(admin))
    assert reply.status_code == 422, reply.get_data(as_text=True)
    assert reply.json["field"] == "name" and "NUL" in reply.json["detail"]
    assert Category.select().count() == before
    nested = client.post("/api/v1/campaigns", json={"name": "Tháng hành động", "starts_on": "2026-12-01",
                                                    "ends_on": "2026-12-02", "x": [{"k\u0000": 1}]},
                         headers=auth(admin))
    assert nested.status_code in (400, 422) and nested.status_code < 500


def test_a_nul_in_a_query_or_a_path_is_422(client: Any, auth: Any, tree: Any, make_user: Any) -> None:
    _, admin = make_user("admin")
    for url in ("/api/v1/bulletins?q=ma%00t%C3%BAy", "/api/v1/play-logs?st%00atus=completed", "/lang/v%00i"):
        reply = client.get(url, headers=auth(admin))
        assert reply.status_code == 422, (url, reply.status_code)


def test_a_nul_in_a_login_form_is_refused_not_a_server_error(client: Any, tree: Any, make_user: Any) -> None:
    reply = client.post("/login", data={"username": "quan\u0000tri", "password": "mật-khẩu"})
    assert reply.status_code == 422, reply.status_code


def test_text_without_nul_passes_untouched(client: Any, auth: Any, tree: Any, make_user: Any) -> None:
    _, admin = make_user("admin")
    made = client.post("/api/v1/categories", json={"code": "traffic", "name": "An toàn giao thông — Đắk Nông"},
                       headers=auth(admin))
    assert made.status_code == 201 and made.json["name"] == "An toàn giao thông — Đắk Nông"
