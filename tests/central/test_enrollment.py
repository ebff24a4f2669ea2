"""Enrollment codes: entropy and typability, throttling per address and per code (across processes)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from central.errors import Unauthorized
from central.models import LoginAttempt, Station, utcnow
from central.services import enrollment, throttle, users
from tests.central.test_config import clean_env, from_file  # noqa: F401  (fixtures)

ENROLL = "/api/v1/station/enroll"


def _from(addr: str) -> dict[str, str]:
    return {"REMOTE_ADDR": addr}


def _wrong(n: int) -> str:
    """A well-formed code nobody issued (distinct for each n)."""
    raw = "".join(enrollment.ALPHABET[(n * 7 + i) % len(enrollment.ALPHABET)] for i in range(enrollment.LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def test_codes_carry_over_80_bits_in_groups_a_vietnamese_keyboard_leaves_alone(tree):
    assert enrollment.BITS >= 80
    # Telex/VNI turn vowels (+ s f r x j w, digits), "dd" and a lone "w" into other letters; 0/O, 1/I look alike
    assert not set(enrollment.ALPHABET) & set("AEIOUYDW01")
    station, code = enrollment.register(None, "P-D-C1", "Đài xã")
    assert re.fullmatch(r"([BCFGHJKLMNPQRSTVXZ2-9]{4}-){4}[BCFGHJKLMNPQRSTVXZ2-9]{4}", code)
    codes = {enrollment.issue_code(None, station) for _ in range(200)}
    assert len(codes) == 200


def test_a_code_typed_in_lower_case_with_spaces_enrolls(client, tree):
    station, code = enrollment.register(None, "P-D-C1", "Đài xã")
    typed = " " + code.lower().replace("-", " ") + "\n"
    reply = client.post(ENROLL, json={"code": typed})
    assert reply.status_code == 201, reply.json
    assert reply.json["station_id"] == station.id


def test_failures_from_one_address_are_throttled_with_retry_after(app, client, tree):
    app.config.update(ENROLL_MAX_FAILURES=3, ENROLL_WINDOW_S=600)
    station, code = enrollment.register(None, "P-D-C1", "Đài xã")
    for n in range(3):
        assert client.post(ENROLL, json={"code": _wrong(n)}, environ_base=_from("10.0.0.7")).status_code == 404
    refused = client.post(ENROLL, json={"code": code}, environ_base=_from("10.0.0.7"))  # even the right one
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert "thử lại sau 10 phút" in refused.json["detail"]
    assert Station.get_by_id(station.id).token_hash is None
    failures = LoginAttempt.select().where(LoginAttempt.kind == "enroll", LoginAttempt.success == False)  # noqa: E712
    assert failures.count() == 3  # a refused attempt is not even checked
    assert all(a.name != code and len(a.name) == 64 for a in failures)  # the hash, never the code
    elsewhere = client.post(ENROLL, json={"code": code}, environ_base=_from("10.0.0.8"))
    assert elsewhere.status_code == 201


def test_failures_for_one_code_are_throttled_from_any_address(app, client, tree):
    app.config.update(ENROLL_MAX_FAILURES=3, ENROLL_WINDOW_S=600)
    station, used = enrollment.register(None, "P-D-C1", "Đài xã")
    assert client.post(ENROLL, json={"code": used}, environ_base=_from("10.0.1.1")).status_code == 201
    for n in range(3):  # the used code tried again from three places (a leaked code sheet)
        assert client.post(ENROLL, json={"code": used}, environ_base=_from(f"10.0.2.{n}")).status_code == 410
    assert client.post(ENROLL, json={"code": used.lower()}, environ_base=_from("10.0.3.1")).status_code == 429
    fresh = enrollment.issue_code(None, station)
    assert client.post(ENROLL, json={"code": fresh}, environ_base=_from("10.0.3.1")).status_code == 201


def test_malformed_codes_count_as_failures(app, client, tree):
    app.config.update(ENROLL_MAX_FAILURES=2, ENROLL_WINDOW_S=600)
    assert client.post(ENROLL, json={"code": "short"}).status_code == 400
    assert client.post(ENROLL, json={"code": 12345}).status_code == 400
    assert client.post(ENROLL, json={"code": _wrong(1)}).status_code == 429


def test_the_wait_ends_when_enough_failures_age_out(app, client, tree):
    limit = throttle.Limit(max_failures=3, window_s=600)
    now = utcnow()
    for minutes_ago in (9, 5, 2):
        LoginAttempt.create(kind="enroll", name="x" * 64, remote_addr="10.9.9.9", success=False,
                            at=now - timedelta(minutes=minutes_ago))
    # the oldest failure leaves the 10-minute window in one minute; then only two remain
    assert throttle.retry_after("enroll", "other", "10.9.9.9", limit, now) == 60
    assert throttle.retry_after("enroll", "other", "10.9.9.9", limit, now + timedelta(seconds=61)) == 0
    assert throttle.retry_after("login", "other", "10.9.9.9", limit, now) == 0  # another kind: not counted
    app.config.update(ENROLL_MAX_FAILURES=3, ENROLL_WINDOW_S=600)
    station, code = enrollment.register(None, "P-D-C1", "Đài xã")
    assert client.post(ENROLL, json={"code": code}, environ_base=_from("10.9.9.9")).status_code == 429
    LoginAttempt.update(at=now - timedelta(minutes=11)).where(LoginAttempt.at == now - timedelta(minutes=9)).execute()
    assert client.post(ENROLL, json={"code": code}, environ_base=_from("10.9.9.9")).status_code == 201


def test_failed_logins_and_failed_codes_do_not_block_each_other(app, client, tree, make_user):
    app.config.update(ENROLL_MAX_FAILURES=3, LOGIN_MAX_FAILURES=3)
    make_user("editor", tree["C1"], name="lan")
    for _ in range(3):
        with pytest.raises(Unauthorized):
            users.authenticate("khach", "sai-mật-khẩu-rồi", "10.1.1.1", max_failures=3)
    station, code = enrollment.register(None, "P-D-C1", "Đài xã")
    assert client.post(ENROLL, json={"code": code}, environ_base=_from("10.1.1.1")).status_code == 201
    for n in range(3):
        assert client.post(ENROLL, json={"code": _wrong(n)}, environ_base=_from("10.2.2.2")).status_code == 404
    assert users.authenticate("lan", "mật-khẩu-thử-1", "10.2.2.2", max_failures=3).name == "lan"


def test_the_throttle_holds_across_processes_and_gunicorn_workers(app, client, tree, gunicorn_server):
    """Failures counted by this process and by gunicorn's two workers add up: they live in the database."""
    station, code = enrollment.register(None, "P-D-C1", "Đài xã")
    limit = enrollment.LIMIT.max_failures
    for n in range(limit // 2):  # this process (Flask's test client) from 127.0.0.1
        assert client.post(ENROLL, json={"code": _wrong(n)}, environ_base=_from("127.0.0.1")).status_code == 404
    for n in range(limit // 2, limit):  # fresh connections, so either worker may answer
        r = requests.post(gunicorn_server + ENROLL, json={"code": _wrong(n)}, timeout=30,
                          headers={"Connection": "close"})
        assert r.status_code == 404, r.text
    refused = requests.post(gunicorn_server + ENROLL, json={"code": code}, timeout=30)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["Content-Type"].startswith("application/problem+json")


def test_the_limits_come_from_the_configuration_file(request):
    app = request.getfixturevalue("from_file")(LOA_ENROLL_MAX_FAILURES="2", LOA_ENROLL_WINDOW_S="120")
    client = app.test_client()
    for n in range(2):
        assert client.post(ENROLL, json={"code": _wrong(n)}).status_code == 404
    refused = client.post(ENROLL, json={"code": _wrong(3)})
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 120


def test_behind_a_trusted_proxy_each_client_address_counts_apart(request):
    app = request.getfixturevalue("from_file")(LOA_ENROLL_MAX_FAILURES="2", LOA_PROXY_HOPS="1")
    client = app.test_client()
    via = lambda addr: {"X-Forwarded-For": addr}  # noqa: E731  (the proxy on 127.0.0.1 adds the client)
    for n in range(2):
        assert client.post(ENROLL, json={"code": _wrong(n)}, headers=via("203.0.113.9")).status_code == 404
    assert client.post(ENROLL, json={"code": _wrong(5)}, headers=via("203.0.113.9")).status_code == 429
    assert client.post(ENROLL, json={"code": _wrong(6)}, headers=via("198.51.100.7")).status_code == 404
    assert LoginAttempt.select().where(LoginAttempt.remote_addr == "203.0.113.9").count() == 2


def test_without_a_trusted_proxy_a_forwarded_address_changes_nothing(app, client, tree):
    app.config.update(ENROLL_MAX_FAILURES=2)
    for n in range(2):  # a guesser cannot dodge the throttle by making up X-Forwarded-For
        reply = client.post(ENROLL, json={"code": _wrong(n)}, headers={"X-Forwarded-For": f"10.7.7.{n}"})
        assert reply.status_code == 404
    assert client.post(ENROLL, json={"code": _wrong(4)}, headers={"X-Forwarded-For": "10.7.7.9"}).status_code == 429
