"""The ``central`` command: set up the database and keys, run the server, manage areas, people, stations."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from flask import Flask

from . import create_app, signing
from .db import database
from .errors import CentralError


def initialise(app: Flask) -> list[int]:
    """Create or migrate the database and make the signing key; idempotent. Returns migrations applied."""
    from . import migrations

    signing.ensure_key(app.config["DATA_DIR"])
    (Path(app.config["DATA_DIR"]) / "assets").mkdir(exist_ok=True)
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


def _fail(exc: CentralError) -> None:
    click.echo(f"Lỗi: {exc.detail}", err=True)
    sys.exit(1)


@main.command()
@pass_ctx
def init(ctx: _Ctx) -> None:
    """Create or migrate the database and make the signing key (safe to run again)."""
    applied = initialise(ctx.app)
    cfg = ctx.app.config
    click.echo(f"data dir: {cfg['DATA_DIR']}")
    click.echo(f"database: {_safe_url(cfg['DATABASE_URL'])}")
    click.echo(f"migrations applied: {applied or 'none (up to date)'}")
    click.echo(f"signing key: {signing.key_path(cfg['DATA_DIR'])}")


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
