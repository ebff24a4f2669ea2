"""Signed emergency orders: round trip, signature over canonical bytes, targeting, staleness, topics."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from playlists import orders
from playlists.model import canonical_bytes
from playlists.orders import EmergencyOrder, OrderRejected

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def _order(**kw: object) -> EmergencyOrder:
    base: dict[str, object] = dict(
        order_id=str(uuid.uuid4()), seq=7, action="start", issued_at=T0,
        valid_until=T0 + timedelta(hours=2), play_by=T0 + timedelta(minutes=30),
        schedule_id=41, asset_sha256="ab" * 32, asset_size=12345, duration_ms=61_000,
        title="Cảnh báo lũ quét — sơ tán ngay", areas=("79",),
    )
    base.update(kw)
    return EmergencyOrder(**base)  # type: ignore[arg-type]


def _keys() -> tuple[Ed25519PrivateKey, object, object]:
    key = Ed25519PrivateKey.generate()

    def sign(data: bytes) -> str:
        return base64.b64encode(key.sign(data)).decode()

    def verify(data: bytes, sig: bytes) -> bool:
        try:
            key.public_key().verify(sig, data)
        except InvalidSignature:
            return False
        return True

    return key, sign, verify


def test_an_order_round_trips_and_keeps_diacritics() -> None:
    o = _order(stations=(3, 4), starts_at=T0 + timedelta(seconds=5), bulletin_id=12)
    back = EmergencyOrder.from_wire(json.loads(canonical_bytes(o.to_wire())))
    assert back == o
    assert "lũ quét".encode() in o.signing_bytes()
    assert o.signing_bytes() == canonical_bytes(o.to_wire())


def test_a_sealed_order_verifies_and_a_tampered_one_is_refused() -> None:
    _, sign, verify = _keys()
    o = _order()
    payload = orders.seal(o, sign)  # type: ignore[arg-type]
    assert orders.unseal(payload, verify) == o  # type: ignore[arg-type]
    env = json.loads(payload)
    env["order"]["areas"] = ["01"]  # retarget a genuine order to another province
    with pytest.raises(OrderRejected, match="signature"):
        orders.unseal(canonical_bytes(env), verify)  # type: ignore[arg-type]
    _, other_sign, _ = _keys()  # signed, but not by the central
    with pytest.raises(OrderRejected, match="signature"):
        orders.unseal(orders.seal(o, other_sign), verify)  # type: ignore[arg-type]
    for junk in (b"", b"{}", b"[1]", b'{"order": {}, "signature": "!!"}'):
        with pytest.raises(OrderRejected):
            orders.unseal(junk, verify)  # type: ignore[arg-type]


def test_an_order_names_what_it_needs() -> None:
    with pytest.raises(OrderRejected, match="UUID"):
        _order(order_id="42")
    with pytest.raises(OrderRejected, match="sha256"):
        _order(asset_sha256=None)
    with pytest.raises(OrderRejected, match="stations"):
        _order(mode="test", stations=())
    with pytest.raises(OrderRejected, match="areas"):
        _order(areas=())
    assert _order(areas=(), stations=(4,)).targets(4, []) and not _order(areas=(), stations=(4,)).targets(5, ["79"])
    with pytest.raises(OrderRejected, match="offset"):
        _order(valid_until=datetime(2026, 9, 1, 10))
    with pytest.raises(OrderRejected):
        EmergencyOrder.from_wire({**_order().to_wire(), "seq": True})
    stop = _order(action="stop", asset_sha256=None, stops=str(uuid.uuid4()))
    assert EmergencyOrder.from_wire(stop.to_wire()) == stop


def test_targeting_follows_the_area_chain_and_test_stations() -> None:
    live = _order(areas=("79",))
    assert live.targets(5, ["79", "79-760", "79-760-26734"])
    assert not live.targets(5, ["01", "01-001"])
    narrowed = _order(areas=("79",), stations=(5,))
    assert narrowed.targets(5, ["79"]) and not narrowed.targets(6, ["79"])
    test = _order(mode="test", areas=("79",), stations=(5, 9))
    assert test.targets(9, ["01"])  # a test reaches exactly its chosen stations
    assert not test.targets(6, ["79"])


def test_staleness_is_play_by_then_valid_until() -> None:
    o = _order()
    assert not o.is_stale(T0 + timedelta(minutes=30))
    assert o.is_stale(T0 + timedelta(minutes=30, seconds=1))
    no_deadline = _order(play_by=None)
    assert not no_deadline.is_stale(T0 + timedelta(minutes=119))
    assert no_deadline.is_stale(T0 + timedelta(hours=2))


def test_topics_and_nudges() -> None:
    assert orders.nudge_topic(12) == "loa/station/12/nudge"
    assert orders.presence_topic(12) == "loa/station/12/presence"
    assert orders.emergency_topic("79-760") == "loa/area/79-760/emergency"
    for bad in ("a/b", "#", "+", ""):
        with pytest.raises(OrderRejected):
            orders.emergency_topic(bad)
    assert orders.parse_nudge(orders.nudge_payload(12, 99)) == (12, 99)
    with pytest.raises(OrderRejected):
        orders.parse_nudge(b"not json")
    assert orders.parse_presence(orders.presence_payload(True, 3))
    assert not orders.parse_presence(orders.presence_payload(False, 3))
    assert not orders.parse_presence(b"\xff")
