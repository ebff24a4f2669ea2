"""Live announcements on the central: who may go live where, the stations' credentials and Icecast's
question, the speaker's audio (refused before any process starts unless it is WebM or Ogg), the archive
through the normal ingest, and the watchdog that ends a live whose speaker went silent.

The test app names an Icecast on a closed port: ffmpeg cannot reach it, so the stream fails while the
recording (the archive's source) is kept, exactly as when Icecast restarts during a live.
"""

from __future__ import annotations

import io
import subprocess
import threading
import time
from pathlib import Path

import pytest

from audio_library import ffmpeg_exe
from central.live_models import LiveSession
from central.models import AuditLog, Bulletin
from central.services import live, live_feed
from tests.processes import speech_like_wav


@pytest.fixture
def people(tree, make_user):
    return {"editor": make_user("editor", tree["C1"]), "other_editor": make_user("editor", tree["C1"]),
            "c2_editor": make_user("editor", tree["C2"]), "approver": make_user("approver", tree["D"]),
            "operator": make_user("operator", tree["C1"])}


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _go_live(client, token, areas=("P-D-C1",), stations=()):
    return client.post("/api/v1/live", headers=_h(token),
                       json={"title": "Thông báo lịch tiêm phòng", "targets": {"areas": list(areas),
                                                                              "stations": list(stations)}})


def _webm(tmp_path: Path, seconds: float = 4.0) -> bytes:
    wav = tmp_path / "voice.wav"
    wav.write_bytes(speech_like_wav(seconds))
    out = tmp_path / "voice.webm"
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav), "-c:a", "libopus",
                    "-b:a", "48k", "-f", "webm", str(out)], check=True)
    return out.read_bytes()


def test_an_editor_goes_live_in_their_area_and_is_refused_outside_it(client, people, tree):
    r = _go_live(client, people["editor"][1])
    assert r.status_code == 201, r.json
    got = r.json
    assert got["status"] == "on_air" and got["priority"] == "priority" and got["mount"] == f"/live-{got['id']}.ogg"
    b = Bulletin.get_by_id(got["bulletin_id"])
    assert b.status == "aired-live" and b.asset_id is None  # named by play logs at once; audio at the end
    assert AuditLog.select().where(AuditLog.action == "live.start").count() == 1
    refused = _go_live(client, people["c2_editor"][1])  # C2's editor, to C1
    assert refused.status_code == 403, refused.json
    assert _go_live(client, people["operator"][1]).status_code == 403
    assert LiveSession.select().count() == 1


def test_without_icecast_going_live_says_how_to_install_it(app, client, people):
    from dataclasses import replace

    app.extensions["loa.settings"] = replace(app.extensions["loa.settings"], icecast_url=None)
    r = _go_live(client, people["editor"][1])
    assert r.status_code == 409 and "apt install icecast2" in r.json["detail"]
    assert LiveSession.select().count() == 0


def test_a_targeted_station_gets_a_credential_icecast_accepts_and_no_one_else_does(
        client, people, tree, station_factory):
    mine, token = station_factory(tree["C1"], "Đài xã Một")
    other, other_token = station_factory(tree["C2"], "Đài xã Hai")
    lid = _go_live(client, people["editor"][1]).json["id"]
    got = client.get("/api/v1/station/live", headers=_h(token)).json["live"]
    assert [x["id"] for x in got] == [lid]
    x = got[0]
    assert x["url"].endswith(f"/live-{lid}.ogg") and x["username"] == f"station-{mine.id}"
    assert client.get("/api/v1/station/live", headers=_h(other_token)).json["live"] == []

    def ask(**form):
        data = {"action": "listener_add", "mount": f"/live-{lid}.ogg", "user": x["username"], "pass": x["password"]}
        return client.post("/api/v1/station/live/listener", data={**data, **form})

    ok = ask()
    assert ok.status_code == 200 and ok.headers["icecast-auth-user"] == "1"
    expires, _, mac = x["password"].partition(".")
    for bad in ({"pass": f"{expires}.{'0' * 64}"}, {"user": f"station-{other.id}"}, {"mount": f"/live-{lid + 1}.ogg"},
                {"pass": ""}, {"mount": "/tiepsong.ogg"}):
        refused = ask(**bad)
        assert refused.status_code == 403 and "icecast-auth-user" not in refused.headers, bad
    old_user, old_pass = live.credential("test-secret", lid, mine.id, now=time.time() - 2 * live.CREDENTIAL_S)
    assert ask(user=old_user, **{"pass": old_pass}).status_code == 403  # expired
    assert client.post(f"/api/v1/live/{lid}/end", headers=_h(people["editor"][1])).status_code == 200
    assert ask().status_code == 403  # the live is over
    assert client.get("/api/v1/station/live", headers=_h(token)).json["live"] == []


def test_only_the_speaker_feeds_audio_and_only_webm_or_ogg_starts_a_process(client, people):
    lid = _go_live(client, people["editor"][1]).json["id"]
    chunk = {"chunk": (io.BytesIO(b"\x1a\x45\xdf\xa3" + b"\0" * 64), "c.webm")}
    other = client.post(f"/api/v1/live/{lid}/audio", headers=_h(people["other_editor"][1]), data=chunk)
    assert other.status_code == 403
    outside = client.post(f"/api/v1/live/{lid}/audio", headers=_h(people["c2_editor"][1]),
                          data={"chunk": (io.BytesIO(b"\x1a\x45\xdf\xa3"), "c.webm")})
    assert outside.status_code == 404
    junk = client.post(f"/api/v1/live/{lid}/audio", headers=_h(people["editor"][1]),
                       data={"chunk": (io.BytesIO(b"not audio at all"), "c.webm")})
    assert junk.status_code == 422 and "WebM" in junk.json["detail"]
    assert lid not in live_feed._feeds  # refused before any feed, thread or ffmpeg was made


def test_the_recording_becomes_the_bulletins_audio_through_the_normal_ingest(client, people, tmp_path):
    lid = _go_live(client, people["editor"][1]).json["id"]
    data = _webm(tmp_path)
    step = 2000
    for n, start in enumerate(range(0, len(data), step)):
        r = client.post(f"/api/v1/live/{lid}/audio", headers=_h(people["editor"][1]),
                        data={"chunk": (io.BytesIO(data[start:start + step]), "c.webm"), "seq": str(n)})
        assert r.status_code == 200, r.json
    ended = client.post(f"/api/v1/live/{lid}/end", headers=_h(people["approver"][1]))  # an approver above
    assert ended.status_code == 200, ended.json
    assert ended.json["status"] == "ended" and ended.json["note"] is None
    b = Bulletin.get_by_id(ended.json["bulletin_id"])
    assert b.status == "aired-live" and b.asset is not None
    assert abs(b.asset.loudness_lufs - (-16.0)) < 1.5 and 3500 < b.asset.duration_ms < 4500
    again = client.post(f"/api/v1/live/{lid}/end", headers=_h(people["editor"][1]))
    assert again.status_code == 409
    assert lid not in live_feed._feeds


def test_the_watchdog_ends_a_live_whose_speaker_went_silent_and_leaves_no_ffmpeg(tmp_path):
    ended = threading.Event()
    feed = live_feed.Feed(7, lambda demuxer: [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", demuxer,
                                              "-i", "pipe:0", "-f", "null", "-"],
                          tmp_path / "7.webm", 0.5, lambda lid: ended.set())
    feed.write(_webm(tmp_path, 1.0)[:3000])
    proc = feed.proc
    assert proc is not None and proc.poll() is None
    assert ended.wait(10), "the watchdog did not end the silent live"
    proc.wait(10)
    assert proc.returncode is not None and feed.proc is None
