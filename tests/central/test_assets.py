"""Asset downloads: only assets in the station's manifest, whole or by byte range, cached forever."""

from __future__ import annotations

import pytest


@pytest.fixture
def setup(client, tree, make_user, station_factory, bulletin_factory, schedule_factory):
    author, _ = make_user("editor")
    station, token = station_factory(tree["C1"])
    b = bulletin_factory(author)
    schedule_factory(bulletin=b, stations=[station])
    return b.asset, {"Authorization": f"Bearer {token}"}


def _bytes(app, asset):
    from central.services import assets

    return assets.store(app.config["DATA_DIR"]).path(asset.sha256).read_bytes()


def test_whole_asset(app, client, setup):
    asset, headers = setup
    reply = client.get(f"/api/v1/station/assets/{asset.sha256}", headers=headers)
    assert reply.status_code == 200
    assert reply.data == _bytes(app, asset)
    assert int(reply.headers["Content-Length"]) == asset.size
    assert reply.headers["ETag"] == f'"{asset.sha256}"'
    assert reply.headers["Accept-Ranges"] == "bytes"
    assert reply.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert reply.headers["Content-Type"].startswith("audio/ogg")


@pytest.mark.parametrize(("header", "first", "last"), [
    ("bytes=100-", 100, None), ("bytes=0-9", 0, 9), ("bytes=4000-999999", 4000, None), ("bytes=-16", -16, None),
])
def test_ranges(app, client, setup, header, first, last):
    asset, headers = setup
    data = _bytes(app, asset)
    reply = client.get(f"/api/v1/station/assets/{asset.sha256}", headers={**headers, "Range": header})
    assert reply.status_code == 206
    want = data[first:] if last is None else data[first:last + 1]
    assert reply.data == want
    start = first if first >= 0 else len(data) + first
    assert reply.headers["Content-Range"] == f"bytes {start}-{start + len(want) - 1}/{len(data)}"


def test_resume_reassembles_the_file(app, client, setup):
    asset, headers = setup
    url = f"/api/v1/station/assets/{asset.sha256}"
    head = client.get(url, headers={**headers, "Range": "bytes=0-999"}).data
    tail = client.get(url, headers={**headers, "Range": f"bytes={len(head)}-"}).data
    assert head + tail == _bytes(app, asset)


def test_unsatisfiable_range(client, setup):
    asset, headers = setup
    reply = client.get(f"/api/v1/station/assets/{asset.sha256}",
                       headers={**headers, "Range": f"bytes={asset.size}-"})
    assert reply.status_code == 416
    assert reply.headers["Content-Range"] == f"bytes */{asset.size}"


def test_assets_outside_the_manifest_are_not_served(client, tree, make_user, setup, bulletin_factory,
                                                    station_factory):
    asset, headers = setup
    author, _ = make_user("editor")
    unscheduled = bulletin_factory(author).asset
    assert client.get(f"/api/v1/station/assets/{unscheduled.sha256}", headers=headers).status_code == 404
    _, other = station_factory(tree["C2"])
    reply = client.get(f"/api/v1/station/assets/{asset.sha256}", headers={"Authorization": f"Bearer {other}"})
    assert reply.status_code == 404
    assert client.get("/api/v1/station/assets/not-a-hash", headers=headers).status_code == 404


def test_a_file_missing_from_the_store_is_a_retryable_503(app, client, setup):
    asset, headers = setup
    from central.services import assets

    assets.store(app.config["DATA_DIR"]).path(asset.sha256).unlink()
    reply = client.get(f"/api/v1/station/assets/{asset.sha256}", headers=headers)
    assert reply.status_code == 503
    assert reply.mimetype == "application/problem+json"
