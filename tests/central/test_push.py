"""The central's side of the push channel: credentials at enrollment, the broker's files, nudge queuing."""

from __future__ import annotations

import dataclasses
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from central import create_app
from central.cli import initialise
from central.config import settings
from central.db import close_pool, database
from central.models import Area, Station
from central.services import broker, enrollment, manifests, push
from tests.processes import free_port


@pytest.fixture
def push_app(tmp_path: Path, database_url: str) -> Any:
    """A central told of a broker that is not running: nothing may block or fail because of it."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
                      "SECRET_KEY": "t", "MQTT_URL": f"mqtt://127.0.0.1:{free_port()}",
                      "MQTT_PUBLIC_URL": "mqtts://loa.example.vn:8883", "MQTT_DIR": str(tmp_path / "mqtt")})
    initialise(app)
    yield app
    push.close_all()
    if not database.is_closed():
        database.close()
    close_pool()


def _tree() -> None:
    p = Area.create(code="P", name="Tỉnh Đắk Nông", level="province")
    d = Area.create(code="P-D", name="Huyện Đắk Song", level="district", parent=p)
    Area.create(code="P-D-C1", name="Xã Đắk Môl", level="commune", parent=d)
    Area.create(code="P-D-C2", name="Xã Nâm N'Jang", level="commune", parent=d)


def _enroll(app: Flask, area: str) -> dict[str, Any]:
    with app.app_context(), database.connection_context():
        _, code = enrollment.register(None, area, f"Đài {area}")
    reply = app.test_client().post("/api/v1/station/enroll", json={"code": code})
    assert reply.status_code == 201, reply.json
    return dict(reply.json)


def test_enrollment_hands_out_broker_credentials_and_writes_the_acl(push_app: Flask, tmp_path: Path) -> None:
    with push_app.app_context(), database.connection_context():
        _tree()
    one, two = _enroll(push_app, "P-D-C1"), _enroll(push_app, "P-D-C2")
    m = one["mqtt"]
    assert m["url"] == "mqtts://loa.example.vn:8883"
    assert m["username"] == f"station-{one['station_id']}"
    assert m["areas"] == ["P-D-C1", "P-D", "P"]
    with push_app.app_context(), database.connection_context():
        stored = Station.get_by_id(one["station_id"]).mqtt_password_hash
    assert m["password"] not in stored and broker.check_password(m["password"], stored)
    assert not broker.check_password(two["mqtt"]["password"], stored)
    passwords = (tmp_path / "mqtt" / "passwords").read_text()
    assert f"station-{one['station_id']}:{stored}\n" in passwords
    acl = (tmp_path / "mqtt" / "acl").read_text()
    block = acl.split(f"user station-{one['station_id']}\n")[1].split("\n\n")[0].splitlines()
    assert sorted(block) == sorted([
        f"topic read loa/station/{one['station_id']}/nudge",
        f"topic write loa/station/{one['station_id']}/presence",
        "topic read loa/area/P-D-C1/emergency", "topic read loa/area/P-D/emergency",
        "topic read loa/area/P/emergency",
        "topic read loa/area/P-D-C1/live", "topic read loa/area/P-D/live", "topic read loa/area/P/live",
    ])
    assert "P-D-C1" not in acl.split(f"user station-{two['station_id']}\n")[1]


def test_a_central_without_a_broker_answers_as_before(app: Flask, client: Any, tree: Any) -> None:
    _, code = enrollment.register(None, "P-D-C1", "Đài xã")
    reply = client.post("/api/v1/station/enroll", json={"code": code})
    assert reply.status_code == 201 and "mqtt" not in reply.json


def test_bumps_are_nudged_after_the_commit_with_the_committed_version(push_app: Flask) -> None:
    sent: list[tuple[str, bytes]] = []

    class Recorder:
        def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
            sent.append((topic, payload))

        def close(self) -> None:
            pass

    with push_app.app_context(), database.connection_context():
        _tree()
        station, _ = enrollment.register(None, "P-D-C1", "Đài")
        key = next(iter(push._publishers), None)
        push._publishers.clear()
        push._publishers[(__import__("os").getpid(), push_app.config["MQTT_URL"],
                          str(push_app.config["DATA_DIR"]))] = Recorder()  # type: ignore[assignment]
        with database.atomic():
            manifests.bump([station])
            assert push.flush(settings(push_app)) == 0  # not committed yet: kept
        assert push.flush(settings(push_app)) == 1
        version = Station.get_by_id(station.id).manifest_version
    assert key is None  # nothing connected to the broker before a nudge was due
    assert sent == [(f"loa/station/{station.id}/nudge",
                     f'{{"manifest_version":{version},"station_id":{station.id}}}'.encode())]


@pytest.mark.mqtt
def test_our_hash_format_is_mosquitto_passwd_s(tmp_path: Path) -> None:
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(tmp_path / "pw"), "u", "mật khẩu"], check=True)
    theirs = (tmp_path / "pw").read_text().strip().split(":", 1)[1]
    assert broker.check_password("mật khẩu", theirs) and not broker.check_password("khác", theirs)
    ours = broker.hash_password("mật khẩu")
    assert ours.split("$")[1:3] == theirs.split("$")[1:3]  # same scheme ($7$) and iteration count


def test_presence_changes_open_and_close_outages(app: Flask, client: Any, tree: Any, make_user: Any,
                                                 auth: Any) -> None:
    from datetime import timedelta

    from central.models import utcnow
    from central.services import presence

    station, _ = enrollment.register(None, "P-D-C1", "Đài xã Đắk Môl")
    t0 = utcnow() - timedelta(minutes=10)
    assert presence.record(station.id, True, t0)
    assert not presence.record(station.id, True, t0)  # the retained message again: no change
    assert presence.record(station.id, False, t0 + timedelta(seconds=60))
    assert not presence.record(station.id, False, t0 + timedelta(seconds=90))
    _, token = make_user("operator")
    got = client.get(f"/api/v1/stations/{station.id}/outages", headers=auth(token)).json
    assert [o["ongoing"] for o in got["outages"]] == [True]
    assert client.get(f"/api/v1/stations/{station.id}", headers=auth(token)).json["online"] is False
    assert presence.record(station.id, True, t0 + timedelta(seconds=150))
    got = client.get(f"/api/v1/stations/{station.id}/outages", headers=auth(token)).json
    assert got["outages"] == [{"from": (t0 + timedelta(seconds=60)).isoformat(),
                               "to": (t0 + timedelta(seconds=150)).isoformat(),
                               "duration_s": 90.0, "ongoing": False}]
    assert client.get(f"/api/v1/stations/{station.id}", headers=auth(token)).json["online"] is True
    assert client.get(f"/api/v1/stations/{station.id}/outages?limit=0", headers=auth(token)).status_code == 400
    assert presence.station_of("loa/station/12/presence") == 12
    assert presence.station_of("loa/station/x/presence") is None
    assert not presence.record(999_999, False)  # an unknown station changes nothing


def test_the_station_page_shows_its_outage_history(app: Flask, client: Any, tree: Any, make_user: Any) -> None:
    from datetime import timedelta

    from central.models import utcnow
    from central.services import presence
    from tests.central.test_web_pages import login

    station, _ = enrollment.register(None, "P-D-C1", "Đài xã Đắk Môl")
    t0 = utcnow() - timedelta(hours=1)
    presence.record(station.id, False, t0)
    presence.record(station.id, True, t0 + timedelta(seconds=42))
    presence.record(station.id, False, t0 + timedelta(seconds=100))
    make_user("operator", None, name="van.hanh")
    login(client, "van.hanh")
    html = client.get(f"/stations/{station.id}").get_data(as_text=True)
    table = html.split('id="outages"')[1].split("</table>")[0]
    assert "Lịch sử mất kết nối" in html
    assert table.count("<tr>") == 3  # header, the ongoing one, the closed one of 42 s
    assert "Đang mất kết nối" in table and "42 s" in table


@pytest.mark.mqtt
def test_orders_are_numbered_signed_and_sent_once_per_area(tmp_path: Path, database_url: str) -> None:
    import base64
    import uuid
    from datetime import timedelta

    import paho.mqtt.client as mqtt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from central import signing
    from central.models import utcnow
    from playlists import orders
    from tests.processes import Broker, wait_for

    mq = Broker(tmp_path / "mqtt", free_port())
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
                      "SECRET_KEY": "t", "MQTT_URL": mq.url, "MQTT_DIR": str(mq.dir)})
    initialise(app)
    with app.app_context(), database.connection_context():
        _tree()
        broker.write(settings(app).data_dir, mq.dir)
    (mq.dir / broker.CONF).write_text(broker.mosquitto_conf(mq.dir, mq.port))
    mq.start()
    got: list[tuple[str, bytes]] = []
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="listener")
    sub.username_pw_set("central", push.central_password(settings(app).data_dir))
    sub.on_message = lambda c, u, m: got.append((m.topic, bytes(m.payload)))
    sub.on_connect = lambda c, u, f, r, p=None: c.subscribe("loa/area/+/emergency", qos=1)
    sub.connect("127.0.0.1", mq.port)
    sub.loop_start()
    try:
        wait_for(lambda: sub.is_connected(), 30, "the listener")
        time.sleep(0.5)  # let the subscription settle before publishing
        now = utcnow()
        o = orders.EmergencyOrder(order_id=str(uuid.uuid4()), seq=1, action="start", issued_at=now,
                                  valid_until=now + timedelta(hours=1), asset_sha256="a" * 64,
                                  areas=("P-D-C1", "P-D-C2"))
        with app.app_context(), database.connection_context():
            first = push.publish_order(o, settings(app))
            second = push.publish_order(dataclasses.replace(o, areas=("P",)), settings(app))
        assert first is not None and second == first + 1
        wait_for(lambda: len(got) >= 3, 30, "the three messages")
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(signing.public_key_b64(settings(app).data_dir)))

        def verify(data: bytes, sig: bytes) -> bool:
            key.verify(sig, data)
            return True

        seen = sorted((topic, orders.unseal(payload, verify).seq) for topic, payload in got)
        assert seen == [("loa/area/P-D-C1/emergency", first), ("loa/area/P-D-C2/emergency", first),
                        ("loa/area/P/emergency", second)]
    finally:
        sub.disconnect()
        sub.loop_stop()
        push.close_all()
        mq.stop()
        close_pool()


@pytest.mark.mqtt
def test_the_broker_s_acl_keeps_each_station_to_its_own_topics(push_app: Flask, tmp_path: Path) -> None:
    import paho.mqtt.client as mqtt

    from playlists import orders
    from tests.processes import Broker, wait_for

    with push_app.app_context(), database.connection_context():
        _tree()
    one, two = _enroll(push_app, "P-D-C1"), _enroll(push_app, "P-D-C2")
    port = int(push_app.config["MQTT_URL"].rsplit(":", 1)[1])
    mq = Broker(tmp_path / "mqtt", port)
    (mq.dir / broker.CONF).write_text(broker.mosquitto_conf(mq.dir, port))
    mq.start()
    clients: list[Any] = []

    def connect(user: str, password: str, topics: list[str]) -> list[tuple[str, bytes]]:
        got: list[tuple[str, bytes]] = []
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=user)
        c.username_pw_set(user, password)
        c.on_message = lambda cl, u, m: got.append((m.topic, bytes(m.payload)))
        c.on_connect = lambda cl, u, f, r, p=None: cl.subscribe([(t, 1) for t in topics])
        c.connect("127.0.0.1", port)
        c.loop_start()
        clients.append(c)
        wait_for(c.is_connected, 30, f"{user} to connect")
        return got

    a, b = one["station_id"], two["station_id"]
    try:
        central_got = connect("central", push.central_password(settings(push_app).data_dir),
                              ["loa/station/+/presence"])
        # station one tries to read station two's nudges and the other commune's emergencies
        one_got = connect(one["mqtt"]["username"], one["mqtt"]["password"],
                          [orders.nudge_topic(a), orders.nudge_topic(b), orders.emergency_topic("P-D-C2"),
                           orders.emergency_topic("P")])
        time.sleep(1)  # subscriptions settle
        sender = clients[0]
        for topic in (orders.nudge_topic(b), orders.emergency_topic("P-D-C2"), orders.nudge_topic(a),
                      orders.emergency_topic("P")):
            sender.publish(topic, b"x", qos=1).wait_for_publish(10)
        # ... and to speak for station two, and to nudge itself
        clients[1].publish(orders.presence_topic(b), b"forged", qos=1).wait_for_publish(10)
        clients[1].publish(orders.presence_topic(a), b"mine", qos=1).wait_for_publish(10)
        wait_for(lambda: len(one_got) >= 2 and central_got, 30, "the allowed messages")
        time.sleep(1)  # anything the ACL let through by mistake would have arrived too
        assert sorted(t for t, _ in one_got) == [orders.emergency_topic("P"), orders.nudge_topic(a)]
        assert central_got == [(orders.presence_topic(a), b"mine")]
    finally:
        for c in clients:
            c.disconnect()
            c.loop_stop()
        mq.stop()
