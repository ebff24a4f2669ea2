"""The ``central`` command: set up the database and keys, run the server, manage areas, people, stations."""

from __future__ import annotations

import getpass
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click
from flask import Flask
from waitress import create_server

from . import create_app, migrations, signing
from . import demo as demo_data
from .config import settings
from .db import database
from .errors import CentralError
from .services import alert_timer, areas, audit, broker, enrollment, icecast, users
from .services.presence import Listener
from .words import ROLES


def initialise(app: Flask) -> list[int]:
    """Create or migrate the database and make the signing key; idempotent. Returns migrations applied."""
    data_dir = settings(app).data_dir
    signing.ensure_key(data_dir)
    (data_dir / "assets").mkdir(exist_ok=True)
    with database.connection_context():
        return migrations.apply(database.obj)


class _Ctx:
    def __init__(self) -> None:
        self._app: Flask | None = None

    @property
    def app(self) -> Flask:
        if self._app is None:
            self._app = create_app()
        return self._app


pass_ctx = click.make_pass_decorator(_Ctx, ensure=True)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """Loa central: bulletins, schedules, stations and reports for commune loudspeakers."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _audit_as_console_user()


def _audit_as_console_user() -> None:
    """Changes made here have no user account: the audit log names the login at the console instead."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        who = "?"
    token = audit.acting_as(f"cli:{who}")
    click.get_current_context().call_on_close(lambda: audit.reset(token))


def _fail(exc: CentralError) -> None:
    click.echo(f"Lỗi: {exc.detail}", err=True)
    sys.exit(1)


@main.command()
@pass_ctx
def init(ctx: _Ctx) -> None:
    """Create or migrate the database and make the signing key (safe to run again)."""
    applied = initialise(ctx.app)
    cfg = settings(ctx.app)
    click.echo(f"data dir: {cfg.data_dir}")
    click.echo(f"database: {_safe_url(cfg.database_url)}")
    click.echo(f"migrations applied: {applied or 'none (up to date)'}")
    click.echo(f"signing key: {signing.key_path(cfg.data_dir)}")


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Requests served at once (an upload being normalised holds one for seconds).")
@pass_ctx
def run(ctx: _Ctx, host: str, port: int, threads: int) -> None:
    """Serve the central with waitress, a production WSGI server; Ctrl-C or SIGTERM stops it.

    It also runs the alert timer (checks and notices; safe beside other processes, by a lease).
    """
    # SIGTERM stops it cleanly from the first instant: the alert timer starts before the server does,
    # and a stop that came in between (systemd, a busy machine) used to kill it by the signal.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    initialise(ctx.app)
    alert_timer.start(ctx.app)
    serve(ctx.app, host, port, threads)


def serve(app: Flask, host: str, port: int, threads: int) -> None:
    """Serve ``app`` until SIGINT or SIGTERM, then finish the requests in flight (a few seconds)."""
    # waitress, not gunicorn, for `central run`: pure Python, so it runs on the Windows machines many
    # district offices have as well as on Linux, with threads instead of forks (one process, one
    # SQLite connection pool); the station already depends on it. gunicorn stays the way to run
    # several worker processes behind a proxy at scale (README, "Deploying a central").
    server = create_server(app, host=host, port=port, threads=threads, ident="loa-central")
    # waitress stops cleanly on SystemExit or KeyboardInterrupt raised in its loop; make SIGTERM
    # (systemd, `kill`) do what Ctrl-C does instead of dying mid-request.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    click.echo(f"Loa central: http://{host}:{port}/ (waitress, {threads} threads)", err=True)
    server.run()
    click.echo("stopped", err=True)


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


@main.command("add-area")
@click.argument("code")
@click.argument("name")
@click.option("--parent", default=None, help="Code of the area above.")
@click.option("--level", default=None, help="province|district|commune|village (default: one below the parent).")
@pass_ctx
def add_area(ctx: _Ctx, code: str, name: str, parent: str | None, level: str | None) -> None:
    """Add an area to the tree."""
    with ctx.app.app_context(), database.connection_context():
        try:
            area = areas.create(None, code, name, parent, level)
        except CentralError as exc:
            _fail(exc)
        click.echo(f"{area.code}\t{area.level}\t{area.name}")


@main.command("import-areas")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def import_areas(ctx: _Ctx, csv_file: Path) -> None:
    """Load areas from a CSV with columns code,name,level,parent_code (UTF-8, BOM allowed)."""
    with ctx.app.app_context(), database.connection_context():
        try:
            created, updated = areas.import_csv(None, csv_file.read_text(encoding="utf-8-sig"))
        except CentralError as exc:
            _fail(exc)
        click.echo(f"created {created}, updated {updated}")


@main.command("create-user")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in ROLES]))
@click.option("--area", default=None, help="Area code of the user's scope (default: the whole tree).")
@click.option("--full-name", default="", help="The person's name as shown in the UI.")
@pass_ctx
def create_user(ctx: _Ctx, name: str, role: str, area: str | None, full_name: str) -> None:
    """Create a user and print their generated password (shown only this once)."""
    with ctx.app.app_context(), database.connection_context():
        try:
            _, password = users.create(None, name, role, area, full_name)
        except CentralError as exc:
            _fail(exc)
        click.echo(password)


@main.command("create-token")
@click.argument("name")
@click.option("--label", default="cli", show_default=True, help="What the token is for.")
@pass_ctx
def create_token(ctx: _Ctx, name: str, label: str) -> None:
    """Print a new API token for user NAME (shown only this once)."""
    with ctx.app.app_context(), database.connection_context():
        try:
            _, token = users.create_token(None, users.get(name), label)
        except CentralError as exc:
            _fail(exc)
        click.echo(token)


@main.command("enroll-code")
@click.option("--area", "area_code", required=True, help="Area code the station belongs to.")
@click.option("--name", required=True, help="The station's name, e.g. 'Đài xã Đắk Môl'.")
@click.option("--ttl-hours", default=168, show_default=True, type=int)
@pass_ctx
def enroll_code(ctx: _Ctx, area_code: str, name: str, ttl_hours: int) -> None:
    """Register a station and print its one-time enrollment code."""
    with ctx.app.app_context(), database.connection_context():
        try:
            station, code = enrollment.register(None, area_code, name, ttl_hours * 3600)
        except CentralError as exc:
            _fail(exc)
        click.echo(f"station {station.id} ({station.name}) registered; one-time code:", err=True)
        click.echo(code)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the logins and enrollment code as JSON.")
@pass_ctx
def demo(ctx: _Ctx, as_json: bool) -> None:
    """Load a realistic demo data set (areas, people, bulletins, schedules, stations)."""
    initialise(ctx.app)
    with ctx.app.app_context(), database.connection_context():
        try:
            result = demo_data.load(ctx.app)
        except CentralError as exc:
            _fail(exc)
    click.echo(demo_data.render(result, as_json=as_json))


@main.command("mqtt-config")
@click.option("--dir", "mqtt_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Where to write them (default: LOA_MQTT_DIR).")
@click.option("--listen", "port", default=None, type=int,
              help="Also write a complete mosquitto.conf listening on 127.0.0.1:PORT (tests, make run).")
@pass_ctx
def mqtt_config(ctx: _Ctx, mqtt_dir: Path | None, port: int | None) -> None:
    """Write Mosquitto's password file and ACL from the station table; SIGHUP the broker if it runs."""
    configured = settings(ctx.app).mqtt_dir
    target = mqtt_dir or (Path(configured) if configured else None)
    if target is None:
        click.echo("Lỗi: cần --dir hoặc LOA_MQTT_DIR.", err=True)  # the CLI speaks Vietnamese
        sys.exit(2)
    conf = broker.mosquitto_conf(target.resolve(), port) if port is not None else None
    with ctx.app.app_context(), database.connection_context():
        count = broker.write(settings(ctx.app).data_dir, target, conf)
    click.echo(f"{target / broker.PASSWORDS}: central + {count} station(s); ACL {target / broker.ACL}")


@main.command("icecast-config")
@click.option("--dir", "folder", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="where icecast.xml and its logs go")
@click.option("--port", default=8000, show_default=True, help="the port Icecast listens on")
@click.option("--central", "central_url", required=True, help="this central's URL, as Icecast reaches it")
@pass_ctx
def icecast_config(ctx: _Ctx, folder: Path, port: int, central_url: str) -> None:
    """Write an icecast.xml for live announcements (its live mounts ask this central who may listen)."""
    path = icecast.write(settings(ctx.app), folder, port, central_url)
    click.echo(f"{path}: Icecast trên cổng {port}; chạy: icecast2 -c {path} (start Icecast with it)")


@main.command()
@pass_ctx
def presence(ctx: _Ctx) -> None:
    """Keep every station's online/offline state and outage history from the push channel (runs until stopped).

    Run exactly one beside the web workers (systemd, or `make run`): the workers stay stateless.
    """
    with ctx.app.app_context():
        try:
            listener = Listener(settings(ctx.app))
        except CentralError as exc:
            _fail(exc)
        signal.signal(signal.SIGTERM, lambda signum, frame: listener.stop())
        signal.signal(signal.SIGINT, lambda signum, frame: listener.stop())
        listener.run()


@main.command()
@click.option("--once", is_flag=True, help="Run one round (checks, then notices) and exit.")
@pass_ctx
def alerts(ctx: _Ctx, once: bool) -> None:
    """Run the alert timer in this process (runs until stopped; any number may run, a lease keeps one at a time)."""
    cfg = settings(ctx.app)
    if once:
        with ctx.app.app_context():
            done = alert_timer.tick(cfg)
        click.echo(json.dumps(done if done is not None else {"skipped": "another process holds the lease"}))
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    timer = alert_timer.start(ctx.app)
    stop.wait()
    timer.stop()


if __name__ == "__main__":
    main()
