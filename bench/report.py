"""Benchmark: the period report over a year of play logs on PostgreSQL (goal ≤ 1 s at 10 M logs).

Fills a throwaway schema by COPY with play logs of 5,000 stations (10 districts × 100 communes × 5)
over 2026, builds the rollups with the migration's backfill SQL (``rollups.rebuild``), then times the
province's yearly report and one district's six-month report (``area_reports.view``, what the API
answers), first call and best of three.

    python bench/report.py                     # 1 M logs
    python bench/report.py --logs 10000000 --keep
        # 10 M logs (the issue's target): ~40 min of COPY and ~5 min of rollups on 2 busy cores; --keep
        # leaves the schema and prints the --reuse URL that times the reports on it again (migrated first)

Needs ``LOA_TEST_POSTGRES_URL`` (or ``--postgres URL``); without --keep the schema is dropped afterwards.
The stations are put in service (enrolled, on the push channel, a few outages), so the report's uptime
and completeness do the work they do in a real province.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from central_sync import postgres_schema  # noqa: E402

DISTRICTS, COMMUNES, PER_COMMUNE = 10, 100, 5  # 5,000 stations
YEAR = 2026
STATUSES = ["completed"] * 90 + ["interrupted"] * 4 + ["missed"] * 3 + ["failed"] * 2 + ["skipped"]


def setup(url: str, data_dir: Path) -> tuple[object, dict[str, object]]:
    """The app on the bench schema: areas, stations, campaigns and a year of district bulletins."""
    from central import create_app
    from central.cli import initialise
    from central.db import database
    from central.models import Area, Bulletin, Campaign, Category, Station
    from central.services import users

    app = create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": url, "SECRET_KEY": "bench"})
    initialise(app)
    world: dict[str, object] = {}
    with app.app_context(), database.connection_context():
        admin, _ = users.create(None, "bench-admin", "admin", None, password="mật-khẩu-bench-1")
        province = Area.create(code="P", name="Tỉnh Đắk Nông", level="province")
        cats = list(Category.select())
        month = Campaign.create(name="Tháng hành động phòng, chống ma túy", starts_on=date(YEAR, 6, 1),
                                ends_on=date(YEAR, 6, 30), category=cats[0])
        hiv = Campaign.create(name="Tháng hành động quốc gia phòng, chống HIV/AIDS", starts_on=date(YEAR, 11, 10),
                              ends_on=date(YEAR, 12, 10), category=cats[1])
        stations: list[tuple[int, int]] = []  # (station id, district index)
        bulletins: list[list[tuple[int, date, date]]] = []  # per district: (id, valid from, valid to)
        for d in range(DISTRICTS):
            district = Area.create(code=f"P-D{d:02d}", name=f"Huyện {d + 1}", level="district", parent=province)
            rows = [{"code": f"P-D{d:02d}-C{c:03d}", "name": f"Xã {c + 1}", "level": "commune", "parent": district}
                    for c in range(COMMUNES)]
            Area.insert_many(rows).execute()
            communes = list(Area.select().where(Area.parent == district))
            Station.insert_many([{"area": a, "name": f"Đài {a.name} – {k + 1}"} for a in communes
                                 for k in range(PER_COMMUNE)]).execute()
            ids = [s.id for s in Station.select(Station.id).join(Area).where(Area.parent == district)]
            stations += [(sid, d) for sid in ids]
            bulletins.append(_bulletins(Bulletin, admin, district, cats, month, hiv))
        world.update(stations=stations, bulletins=bulletins, admin=admin)
    return app, world


def _bulletins(model, admin, district, cats, month, hiv) -> list[tuple[int, date, date]]:  # noqa: ANN001
    """Thirty bulletins a year, each airing six weeks; June's and November's belong to the campaigns."""
    out = []
    for i in range(30):
        start = date(YEAR, 1, 1) + timedelta(days=12 * i)
        campaign = month if start.month == 6 else hiv if start.month == 11 else None
        b = model.create(title=f"Bản tin {district.name} số {i + 1}", category=cats[i % len(cats)],
                         campaign=campaign, language="vie" if i % 5 else "cmo", status="approved",
                         author=admin, area=district)
        out.append((b.id, start, start + timedelta(days=42)))
    return out


def fill(url: str, world: dict, n: int, seed: int = 7) -> float:
    """COPY ``n`` play logs in; returns seconds."""
    import psycopg2

    rng = random.Random(seed)
    stations = world["stations"]
    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    # the bulletins on air in each district each day (what its stations' schedules play)
    live = [[[b for b in district if b[1] <= day < b[2]] or district[:1] for day in days]
            for district in world["bulletins"]]
    conn = psycopg2.connect(url)
    t0 = time.perf_counter()
    cols = ("station_id, uuid, bulletin_id, planned_start, started_at, ended_at, status, clock_trusted, "
            "clock_offset_ms, received_at")
    done = 0
    with conn, conn.cursor() as cur:
        while done < n:
            chunk = min(500_000, n - done)
            buf = io.StringIO()
            buf.writelines(_row(rng, stations, live, days) for _ in range(chunk))
            buf.seek(0)
            cur.copy_expert(f"COPY play_log ({cols}) FROM STDIN", buf)
            done += chunk
    conn.close()
    return time.perf_counter() - t0


def _row(rng: random.Random, stations: list, live: list, days: list) -> str:
    """One log as a COPY line: a bulletin of the station's district at 6:30, 11:30 or 17:30 local time."""
    sid, district = stations[rng.randrange(len(stations))]
    d = rng.randrange(365)
    on_air = live[district][d]
    bid = on_air[rng.randrange(len(on_air))][0]
    stamp = f"{days[d].isoformat()}T{rng.choice(('06', '11', '17'))}:"
    planned = f"{stamp}30:00+07:00"
    status = rng.choice(STATUSES)
    if status in ("missed", "skipped"):
        started = ended = r"\N"
    else:
        begin = 1800 + rng.randrange(5)  # seconds after the hour
        end = begin + rng.randrange(60, 300)
        started = f"{stamp}{begin // 60:02d}:{begin % 60:02d}+07:00"
        ended = f"{stamp}{end // 60:02d}:{end % 60:02d}+07:00"
    h = f"{rng.getrandbits(128):032x}"
    uid = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return f"{sid}\t{uid}\t{bid}\t{planned}\t{started}\t{ended}\t{status}\tt\t0\t{planned}\n"


def in_service(url: str) -> None:
    """Stations as the field has them: enrolled before the year, on the push channel (presence), seen
    today, and one in fifty off line for a week in March (uptime and completeness read these). Idempotent,
    so a schema kept by an older run gets them too."""
    import psycopg2

    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute("UPDATE station SET enrolled_at = %s, online = TRUE, last_seen = now() "
                    "WHERE enrolled_at IS NULL", (f"{YEAR - 1}-12-01T00:00:00+00:00",))
        cur.execute("SELECT COUNT(*) FROM station_outage")
        if cur.fetchone()[0] == 0:
            cur.execute("INSERT INTO station_outage (station_id, started_at, ended_at) "
                        "SELECT id, %s, %s FROM station WHERE id %% 50 = 0",
                        (f"{YEAR}-03-02T01:00:00+00:00", f"{YEAR}-03-09T01:00:00+00:00"))
        cur.execute("ANALYZE station")
        cur.execute("ANALYZE station_outage")
    conn.close()


def migrate(url: str, data_dir: Path) -> None:
    """Bring a kept schema to this code's migrations (a new rollup step folds its logs again: minutes)."""
    from central import create_app
    from central.cli import initialise
    from central.db import close_pool

    t0 = time.perf_counter()
    initialise(create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": url, "SECRET_KEY": "bench"}))
    close_pool()
    print(f"migrations: {time.perf_counter() - t0:.1f} s")


def kept_schema(base: str) -> str:
    """A new schema that outlives this run (``--keep``); drop it by hand when done."""
    import psycopg2

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(base)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    conn.close()
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def timed(fn, repeat: int = 3) -> tuple[float, float, object]:  # noqa: ANN001
    """(first, best) seconds of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times[0], min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--logs", type=int, default=1_000_000, help="play logs to COPY in (default 1,000,000)")
    ap.add_argument("--postgres", default=os.environ.get("LOA_TEST_POSTGRES_URL"))
    ap.add_argument("--keep", action="store_true", help="keep the schema (prints a --reuse URL)")
    ap.add_argument("--reuse", metavar="URL", help="time the reports on a kept schema, then drop nothing")
    args = ap.parse_args()
    if args.reuse:  # a schema kept by an earlier --keep run: migrate it (as `central init` does), time again
        with tempfile.TemporaryDirectory() as tmp:
            migrate(args.reuse, Path(tmp))
            in_service(args.reuse)
            report_times(args.reuse, Path(tmp))
        return
    if not args.postgres:
        sys.exit("set LOA_TEST_POSTGRES_URL or pass --postgres URL")
    if args.keep:
        url = kept_schema(args.postgres)
        with tempfile.TemporaryDirectory() as tmp:
            run(url, Path(tmp), args.logs)
        print(f"kept: --reuse '{url}'")
        return
    with postgres_schema(args.postgres) as url, tempfile.TemporaryDirectory() as tmp:  # dropped afterwards
        run(url, Path(tmp), args.logs)


def run(url: str, data_dir: Path, n: int) -> None:
    from central.db import close_pool, database
    from central.services import rollups

    app, world = setup(url, data_dir)
    print(f"machine: {os.cpu_count()} cores; {len(world['stations'])} stations; {n:,} play logs over {YEAR}")
    print(f"COPY play logs: {fill(url, world, n):.1f} s")
    in_service(url)
    with app.app_context(), database.connection_context():
        t0 = time.perf_counter()
        rollups.rebuild()
        for table in ("play_day", "play_month", "station", "area", "bulletin"):
            database.execute_sql(f"ANALYZE {table}")
        days = database.execute_sql("SELECT COUNT(*) FROM play_day").fetchone()[0]
        months = database.execute_sql("SELECT COUNT(*) FROM play_month").fetchone()[0]
        print(f"rollups (backfill SQL): {time.perf_counter() - t0:.1f} s; {days:,} day rows, {months:,} month rows")
    close_pool()
    report_times(url, data_dir)


def report_times(url: str, data_dir: Path) -> None:
    """Time the province's yearly report and a district's six-month report, as the API makes them."""
    from central import create_app
    from central.db import close_pool, database
    from central.models import User
    from central.services import area_reports

    app = create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context(), database.connection_context():
        admin = User.get(User.name == "bench-admin")
        first, best, year = timed(lambda: area_reports.view(admin, "P", date(YEAR, 1, 1), date(YEAR, 11, 30)))
        print(f"province yearly report (1/1–30/11): first {first:.3f} s, best {best:.3f} s; "
              f"{year['total']['plays']:,} plays, {year['total']['minutes_aired']:,} min")
        first, best, half = timed(lambda: area_reports.view(admin, "P-D03", date(YEAR, 1, 1), date(YEAR, 6, 14)))
        print(f"district six-month report (1/1–14/6): first {first:.3f} s, best {best:.3f} s; "
              f"{half['total']['plays']:,} plays, {half['total']['minutes_aired']:,} min")
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            cProfile.runctx("area_reports.view(admin, 'P', date(YEAR, 1, 1), date(YEAR, 11, 30))", globals(),
                            locals(), "/tmp/h11-report.prof")
            pstats.Stats("/tmp/h11-report.prof").sort_stats("cumulative").print_stats(25)
    close_pool()


if __name__ == "__main__":
    main()
