"""Benchmark: an emergency from approval to sound, over the push channel, on loopback.

Setup: the central under gunicorn on PostgreSQL (``LOA_TEST_POSTGRES_URL`` or ``--database-url``; a
throwaway schema), Mosquitto with the password file and ACL `central mqtt-config` writes, 20 real
station agents (`station run`, a player that needs no sound card), 2,000 simulated MQTT subscribers
(paho clients on one event loop per process) subscribed to the emergency topics of their commune,
district and province as stations are, and 2,000 more stations in the database (a province).

Prints, over several emergencies to the whole province:
- approval (the approver's POST) → player started on each real station (the play log's
  ``started_at``): p50, p95, max, with audio not cached beforehand and with a standing alert;
- the fan-out of each signed order to all simulated subscribers (approval → first and last
  receipt), with the broker's and the central's CPU during it;
- for comparison, how long 2,000 stations take to fetch the manifests the emergency rebuilt.

Bounded: a fixed number of emergencies and a wall-clock limit (``--max-seconds``) after which
everything it started is stopped. Loopback only.

    python bench/emergency.py [--stations 20] [--subscribers 2000] [--rounds 3] [--max-seconds 900]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.central_sync import postgres_schema  # noqa: E402
from tests.processes import (  # noqa: E402
    BIN,
    MOSQUITTO,
    Broker,
    Central,
    Station,
    approved_bulletin,
    free_port,
    wait_for,
)

PROVINCE = "BENCH"
COMMUNES = 20


# --- the central ---------------------------------------------------------------------------------


def setup_central(root: Path, database_url: str | None, broker: Broker) -> Central:
    env = dict(os.environ, LOA_DATA_DIR=str(root / "central"), PYTHONUNBUFFERED="1",
               LOA_MQTT_URL=broker.url, LOA_MQTT_DIR=str(broker.dir))
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    c = Central(url=f"http://127.0.0.1:{free_port()}", env=env, log_path=root / "central.log")
    c.cli("init")
    c.cli("add-area", PROVINCE, "Tỉnh thử", "--level", "province")
    c.cli("add-area", f"{PROVINCE}-D", "Huyện thử", "--parent", PROVINCE, "--level", "district")
    for i in range(COMMUNES):
        c.cli("add-area", _commune(i), f"Xã thử {i}", "--parent", f"{PROVINCE}-D", "--level", "commune")
    for name, role in (("bientap", "editor"), ("pheduyet", "approver"), ("quantri", "admin")):
        c.cli("create-user", name, "--role", role)
        c.tokens[name] = c.cli("create-token", name).splitlines()[-1]
    return c


def _commune(i: int) -> str:
    return f"{PROVINCE}-D-{i % COMMUNES:02d}"


def province_stations(central: Central, n: int) -> list[str]:
    """``n`` more stations in the database (tokens only, no agents): the province the manifests are for."""
    from central import create_app
    from central.auth import hash_token, new_token
    from central.db import database
    from central.models import Area, Station

    app = create_app({"DATA_DIR": central.env["LOA_DATA_DIR"],
                      **({"DATABASE_URL": central.env["DATABASE_URL"]} if "DATABASE_URL" in central.env else {})})
    tokens = [new_token() for _ in range(n)]
    with app.app_context(), database.connection_context(), database.atomic():
        areas = {a.code: a.id for a in Area.select()}
        rows = [{"area": areas[_commune(i)], "name": f"Đài mô phỏng {i}", "token_hash": hash_token(t)}
                for i, t in enumerate(tokens)]
        for start in range(0, len(rows), 500):
            Station.insert_many(rows[start:start + 500]).execute()
    database.close()
    return tokens


def start_gunicorn(central: Central, workers: int) -> subprocess.Popen[bytes]:
    port = central.url.rsplit(":", 1)[1]
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", "central:create_app()"],
                            env=central.env, cwd=ROOT, stdout=central.log_path.open("ab"),
                            stderr=subprocess.STDOUT)
    central.proc = proc
    wait_for(central._up, 60, "gunicorn to answer")
    return proc


# --- simulated subscribers -------------------------------------------------------------------------


def subscriber_proc(port: int, password: str, first: int, count: int, out: Any, stop: Any) -> None:
    """``count`` MQTT clients on one selector loop; each message's receipt time goes to ``out``."""
    import paho.mqtt.client as mqtt

    sel = selectors.DefaultSelector()
    writers: set[Any] = set()
    subscribed = [0]

    def on_connect(c: Any, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        i = userdata
        c.subscribe([(f"loa/area/{code}/emergency", 1) for code in (_commune(i), f"{PROVINCE}-D", PROVINCE)])

    def on_subscribe(c: Any, userdata: Any, mid: Any, rcs: Any, props: Any) -> None:
        subscribed[0] += 1
        if subscribed[0] == count:
            out.put(("ready", first, time.time()))

    got: list[tuple[bytes, float]] = []

    def on_message(c: Any, userdata: Any, msg: Any) -> None:
        got.append((msg.payload, time.time()))  # parsed and sent outside the hot path

    clients = []
    for i in range(first, first + count):
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-sub-{i}", userdata=i)
        c.username_pw_set("central", password)
        c.on_connect, c.on_subscribe, c.on_message = on_connect, on_subscribe, on_message
        c.on_socket_register_write = lambda cl, ud, sock: writers.add(cl)
        c.on_socket_unregister_write = lambda cl, ud, sock: writers.discard(cl)
        c.connect("127.0.0.1", port, keepalive=120)
        sel.register(c.socket(), selectors.EVENT_READ, c)
        clients.append(c)
    last_misc = time.monotonic()
    while not stop.is_set():
        for key, _ in sel.select(0.2):
            key.data.loop_read()
        for c in list(writers):
            c.loop_write()
        if time.monotonic() - last_misc > 1:
            last_misc = time.monotonic()
            for c in clients:
                c.loop_misc()
            _report(got, out)
    for c in clients:
        c.disconnect()


def _report(got: list[tuple[bytes, float]], out: Any) -> None:
    """The orders received since the last report, as (schedule id, action, receipt time), in one put."""
    rows = []
    for payload, t in got:
        try:
            order = json.loads(payload)["order"]
            rows.append((order.get("schedule_id"), order.get("action"), t))
        except (ValueError, KeyError, TypeError):
            pass
    got.clear()
    if rows:
        out.put(("orders", rows))


# --- measuring -------------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def tree(pid: int) -> list[int]:
    """``pid`` and its children (gunicorn's master and workers)."""
    out = [pid]
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def summary(values: list[float]) -> str:
    if not values:
        return "no data"
    return (f"p50 {statistics.median(values):6.2f} s  p95 {pct(values, 0.95):6.2f} s  "
            f"max {max(values):6.2f} s  (n={len(values)})")


def one_emergency(central: Central, stations: list[Station], body: dict[str, Any], subs: int, q: Any,
                  pids: dict[str, list[int]]) -> tuple[list[float], list[float], float, float, int]:
    """Send one emergency; (approval → player started per station, receipts per subscriber, CPU…)."""
    cpu0 = {k: cpu_seconds(v) for k, v in pids.items()}
    t0 = time.time()
    r = central.api("pheduyet", "POST", "/api/v1/emergencies", json=body)
    assert r.status_code == 201, r.text
    e = r.json()
    receipts: list[float] = []
    deadline = time.monotonic() + 60
    while len(receipts) < subs and time.monotonic() < deadline:
        try:
            msg = q.get(timeout=1)
        except Exception:  # queue.Empty: keep waiting until the deadline
            continue
        if msg[0] == "orders":
            receipts += [t - t0 for sid, action, t in msg[1] if sid == e["schedule_id"] and action == "start"]
    cpu1 = {k: cpu_seconds(v) for k, v in pids.items()}
    window = (max(receipts) if receipts else time.time() - t0) or 1e-6
    starts = wait_for(lambda: _starts(central, e["schedule_id"], len(stations)), 120,
                      "every real station's play log", 0.5)
    from datetime import datetime

    to_air = [datetime.fromisoformat(s).timestamp() - t0 for s in starts]
    return to_air, receipts, (cpu1["broker"] - cpu0["broker"]) / window, \
        (cpu1["central"] - cpu0["central"]) / window, e["id"]


def _starts(central: Central, schedule_id: int, n: int) -> list[str] | None:
    logs = central.api("pheduyet", "GET", "/api/v1/play-logs?limit=1000").json()["play_logs"]
    started = [p["started_at"] for p in logs if p["schedule_id"] == schedule_id and p["started_at"]]
    return started if len(started) >= n else None


def rebuild_fetch(port: int, tokens: list[str], threads: int) -> tuple[float, int]:
    """Seconds for every token's station to GET its (bumped, so rebuilt and signed) manifest."""
    import http.client

    done = [0]
    lock = threading.Lock()

    def work(part: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for t in part:
            conn.request("GET", "/api/v1/station/manifest", headers={"Authorization": f"Bearer {t}"})
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                with lock:
                    done[0] += 1
        conn.close()

    t0 = time.perf_counter()
    pool = [threading.Thread(target=work, args=(tokens[i::threads],)) for i in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return time.perf_counter() - t0, done[0]


# --- the run ---------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=20, help="real station agents")
    ap.add_argument("--subscribers", type=int, default=2000, help="simulated MQTT subscribers")
    ap.add_argument("--sub-procs", type=int, default=4, help="processes holding the subscribers")
    ap.add_argument("--province", type=int, default=2000, help="stations in the database (manifest rebuilds)")
    ap.add_argument("--rounds", type=int, default=3, help="emergencies of each kind")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    ap.add_argument("--max-seconds", type=int, default=900)
    ap.add_argument("--database-url", default=os.environ.get("LOA_TEST_POSTGRES_URL"))
    args = ap.parse_args()
    if MOSQUITTO is None:
        raise SystemExit("Mosquitto is not installed (apt install mosquitto)")

    def too_long(signum: int, frame: Any) -> None:
        raise TimeoutError(f"bench stopped itself after {args.max_seconds} s")

    signal.signal(signal.SIGALRM, too_long)
    signal.alarm(args.max_seconds)
    root = Path(tempfile.mkdtemp(prefix="loa-bench-emergency-"))
    try:
        with postgres_schema(args.database_url) if args.database_url else nullcontext(None) as url:
            run(root, url, args)
    finally:
        signal.alarm(0)
        shutil.rmtree(root, ignore_errors=True)


def run(root: Path, url: str | None, args: argparse.Namespace) -> None:
    broker = Broker(root / "mqtt", free_port())
    central = setup_central(root, url, broker)
    central.cli("mqtt-config", "--listen", str(broker.port))
    broker.start()
    province = province_stations(central, args.province)
    agents: list[Station] = []
    stop = mp.Event()
    subs: list[mp.Process] = []
    server = start_gunicorn(central, args.workers)
    try:
        for i in range(args.stations):
            s = Station(root / f"st{i}", central.url, LOA_SYNC_INTERVAL="60", LOA_HEARTBEAT_INTERVAL="60")
            code = central.cli("enroll-code", "--area", _commune(i), "--name", f"Đài thật {i}").splitlines()[-1]
            s.run_cli("enroll", central.url, code, "--password", "mật-khẩu-xã")
            agents.append(s)
        central.cli("mqtt-config", "--listen", str(broker.port))  # the agents' passwords and ACL, SIGHUP
        for s in agents:
            s.start()
        for s in agents:
            wait_for(lambda s=s: "push channel connected" in s.log() and "applied manifest" in s.log(), 180,
                     f"agent {s.root.name} to sync and join the push channel")
        password = (Path(central.env["LOA_DATA_DIR"]) / "mqtt_central_password").read_text().strip()
        q: Any = mp.Queue()
        per = args.subscribers // args.sub_procs
        for n in range(args.sub_procs):
            count = per if n < args.sub_procs - 1 else args.subscribers - per * (args.sub_procs - 1)
            p = mp.Process(target=subscriber_proc, args=(broker.port, password, n * per, count, q, stop))
            p.start()
            subs.append(p)
        ready = 0
        while ready < args.sub_procs:
            if q.get(timeout=180)[0] == "ready":
                ready += 1
        report(central, agents, province, q, broker, server, args)
    finally:
        stop.set()
        for p in subs:
            p.join(10)
            if p.is_alive():
                p.kill()
        for s in agents:
            s.stop()
        server.terminate()
        server.wait(30)
        broker.stop()


def report(central: Central, agents: list[Station], province: list[str], q: Any, broker: Broker,
           server: subprocess.Popen[bytes], args: argparse.Namespace) -> None:
    assert broker.proc is not None
    pids = {"broker": [broker.proc.pid], "central": tree(server.pid)}
    alert = approved_bulletin(central, "Cảnh báo lũ quét (soạn sẵn)", seconds=3)
    r = central.api("quantri", "POST", "/api/v1/standing-alerts",
                    json={"key": "flood", "name": "Lũ, lũ quét", "bulletin_id": alert["id"]})
    assert r.status_code == 201, r.text
    for s in agents:  # every agent caches the standing alert (its next poll brings the standby asset)
        wait_for(lambda s=s: s.status()["cache"]["assets"] >= 1, 180, f"{s.root.name} to cache the alert")
    print(f"machine: {os.cpu_count()} cores; gunicorn {args.workers} workers; "
          f"db {'PostgreSQL' if args.database_url else 'SQLite'}; broker Mosquitto; {len(agents)} real stations; "
          f"{args.subscribers} simulated subscribers in {args.sub_procs} processes; {len(province)} more stations")
    results: dict[str, list[float]] = {"fresh": [], "standby": []}
    fanouts: list[tuple[float, float, float, float, int]] = []
    for kind in ("fresh", "standby"):
        for n in range(args.rounds):
            if kind == "fresh":
                b = approved_bulletin(central, f"Cảnh báo khẩn cấp số {n + 1}", seconds=3)
                body: dict[str, Any] = {"bulletin_id": b["id"]}
            else:
                body = {"standing_alert": "flood"}
            body["targets"] = {"areas": [PROVINCE], "stations": []}
            to_air, receipts, broker_cpu, central_cpu, _eid = one_emergency(
                central, agents, body, args.subscribers, q, pids)
            results[kind] += to_air
            if receipts:
                fanouts.append((min(receipts), max(receipts), broker_cpu, central_cpu, len(receipts)))
            print(f"  emergency {kind:7s} #{n + 1}: approval → player started {summary(to_air)}; "
                  f"order at {len(receipts)}/{args.subscribers} subscribers "
                  f"{(min(receipts) if receipts else float('nan')):.3f}–{(max(receipts) if receipts else float('nan')):.3f} s")
            time.sleep(4)  # the 3-second alert ends before the next one
    print(f"approval → player started, audio not cached:  {summary(results['fresh'])}  (goal p95 ≤ 5 s)")
    print(f"approval → player started, standing alert:    {summary(results['standby'])}  (goal p95 ≤ 2 s)")
    if fanouts:
        last = [f[1] for f in fanouts]
        print(f"signed order fan-out to {args.subscribers} subscribers: approval → first "
              f"{statistics.median([f[0] for f in fanouts]):.3f} s, → last p50 {statistics.median(last):.3f} s "
              f"max {max(last):.3f} s (n={len(fanouts)} orders, received {min(f[4] for f in fanouts)}+ each); "
              f"CPU during it: broker {statistics.median([f[2] for f in fanouts]) * 100:.0f} % of a core, "
              f"central {statistics.median([f[3] for f in fanouts]) * 100:.0f} %")
    took, ok = rebuild_fetch(int(central.url.rsplit(":", 1)[1]), province, threads=8)
    print(f"for comparison: {ok} stations fetching their rebuilt manifests took {took:.1f} s "
          f"({ok / took:.0f} manifests/s, 8 concurrent clients)")


if __name__ == "__main__":
    main()
