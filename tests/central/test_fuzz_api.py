"""The whole API fuzzed from its own OpenAPI document (schemathesis) against a real central over HTTP.

gunicorn serves the demo province from a temporary data dir and SQLite file. ``st run`` then walks
every operation of ``/api/v1/openapi.json`` once per principal: no credentials, a station, and a
user of each role. It sends the documented examples, boundary values, random valid and invalid
data, and chains of calls along the document's links (create, then read, change, submit, approve,
delete). The test fails on any 5xx; on a status, content type, header or body the document does not
describe; on a schema-valid request refused for its form or a schema-violating one accepted; and
on a 405 without ``Allow``. Generation is deterministic, so a failure reproduces with the same
document: the report names each failing request as a ``curl`` command. The counts go to the
terminal summary (see ``pytest_terminal_summary`` in this folder's conftest).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.processes import BIN, cli, free_port, wait_for

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CONFIG = HERE / "schemathesis.toml"
SUMMARY_KEY = pytest.StashKey[list[str]]()
#: The demo's people, one of each role (scopes: province, province, province, one commune).
PEOPLE = (("operator", "vanhanh"), ("approver", "pheduyet"), ("editor", "bientap"), ("admin", "quantri"))


@dataclass
class Served:
    url: str
    log: Path
    # (who, bearer token); admin comes last, for it may revoke the others' tokens
    principals: list[tuple[str, str | None]]


def _closed_port() -> str:
    # Google's TTS is out of reach in CI; a closed loopback port fails fast, so eSpeak NG reads instead.
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo province behind gunicorn (2 workers) on a free loopback port, with a token per person."""
    root = tmp_path_factory.mktemp("fuzz")
    env = dict(os.environ, LOA_DATA_DIR=str(root / "central"), PYTHONUNBUFFERED="1",
               DATABASE_URL=f"sqlite:///{root / 'central.sqlite3'}", LOA_GTTS_HOST=_closed_port())
    cli("central", "init", env=env)
    demo = json.loads(cli("central", "demo", "--json", env=env))
    _far_token_ids(root / "central.sqlite3")
    tokens = {login: cli("central", "create-token", login, env=env).splitlines()[-1] for _, login in PEOPLE}
    url = f"http://127.0.0.1:{free_port()}"
    log = root / "central.log"
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", url.removeprefix("http://"), "--timeout", "120",
         "central:create_app()"],
        env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _up(url, proc, log), 60, "gunicorn to answer")
        enrolled = requests.post(f"{url}/api/v1/station/enroll", json={"code": demo["enrollment_code"]},
                                 timeout=30)
        assert enrolled.status_code == 201, enrolled.text
        principals = [("none", None), ("station", enrolled.json()["token"])]
        principals += [(role, tokens[login]) for role, login in PEOPLE]
        yield Served(url, log, principals)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _far_token_ids(db: Path) -> None:
    """Start API token ids far from where a fuzzer guesses (1, 2, 2⁶³−1, …).

    ``DELETE /api/v1/tokens/{id}`` is fuzzed too; if it hit the token a run authenticates with,
    the rest of that run would be 401s. Tokens the run makes itself are revoked along the links.
    """
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO api_token (id, user_id, name, token_hash, prefix, created_at, revoked_at) "
                     "SELECT 7340032123456, id, 'fuzz: id spacer', 'spacer', 'spacer', '2026-01-01 00:00:00', "
                     "'2026-01-01 00:00:00' FROM \"user\" ORDER BY id LIMIT 1")


def _up(url: str, proc: subprocess.Popen[bytes], log: Path) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"gunicorn exited {proc.returncode}:\n{log.read_text()[-3000:]}")
    try:
        return requests.get(f"{url}/api/v1/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@dataclass
class Run:
    who: str
    options: tuple[str, ...]
    report: dict[str, Any]
    output: str
    seconds: float

    @property
    def failures(self) -> int:
        return sum(f["count"] for f in self.report["failures"]) + len(self.report["errors"])


#: Boundary and type-mutation cases (the coverage phase) depend on the document, not on who asks: the
#: request checks run after authentication and before the role check. So they run for the admin, who
#: reaches every operation, and for the station on the station calls its token alone opens; the other
#: principals get the documented examples, random cases and the linked chains, for every operation.
RUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("none", ("--phases", "examples,fuzzing,stateful", "--max-examples", "2")),
    ("station", ("--phases", "examples,fuzzing,stateful", "--max-examples", "2")),
    ("station", ("--phases", "coverage", "--include-tag", "station")),
    ("operator", ("--phases", "examples,fuzzing,stateful", "--max-examples", "4")),
    ("approver", ("--phases", "examples,fuzzing,stateful", "--max-examples", "4")),
    ("editor", ("--phases", "examples,fuzzing,stateful", "--max-examples", "4")),
    ("admin", ("--phases", "examples,coverage,fuzzing,stateful")),
)


def fuzz(served: Served, who: str, token: str | None, work: Path, *select: str) -> Run:
    """One ``st run`` as ``who`` over the operations ``select`` picks (CLI filter options)."""
    report = work / f"{who}-{len(list(work.iterdir()))}.json"
    cmd = [str(BIN / "st"), "--config-file", str(CONFIG), "--no-color", "run",
           f"{served.url}/api/v1/openapi.json", "--checks", "all",
           "--report", "json", "--report-json-path", str(report), *select]
    if token is not None:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - started
    if not report.exists():
        raise AssertionError(f"st run as {who} wrote no report:\n{proc.stdout[-5000:]}\n{proc.stderr[-3000:]}")
    return Run(who, select, json.loads(report.read_text()), proc.stdout, seconds)


def test_every_operation_survives_fuzzing_as_every_principal(served: Served, tmp_path: Path,
                                                             pytestconfig: pytest.Config) -> None:
    tokens = dict(served.principals)
    runs = [fuzz(served, who, tokens[who], tmp_path, *options) for who, options in RUNS]
    # schemathesis leaves out GET /api/v1/openapi.json itself: it reads the document from there
    operations = runs[0].report["operations"]["total"]
    untested = [f"{r.who}: {r.report['operations']}" for r in runs
                if "--include-tag" not in r.options and r.report["operations"]["tested"] != operations]
    lines = [f"{r.who:<9} {r.report['operations']['tested']:>3} operations "
             f"{r.report['test_cases']['generated']:>5} examples {r.failures:>3} failures {r.seconds:6.1f} s"
             f"  ({' '.join(r.options)})" for r in runs]
    total = sum(r.report["test_cases"]["generated"] for r in runs)
    failed = sum(r.failures for r in runs)
    lines.append(f"total: {operations} operations x {len(served.principals)} principals, {total} examples, "
                 f"{failed} failures, {sum(r.seconds for r in runs):.0f} s")
    pytestconfig.stash[SUMMARY_KEY] = lines
    assert not untested, f"operations left untested: {untested}"
    bad = [r for r in runs if r.failures]
    assert not bad, "\n\n".join(f"--- as {r.who}:\n{_failures(r.output)}" for r in bad) + _errors(served.log)


def _failures(output: str) -> str:
    start = output.find("FAILURES")
    return output[start - 40 if start >= 0 else -8000:][:20000]


def _errors(log: Path) -> str:
    """The central's tracebacks (a 5xx leaves one), last first."""
    text = log.read_text(errors="replace")
    found = [part[:3000] for part in text.split("Traceback (most recent call last):")[1:]]
    return "\n\n--- central log, tracebacks:\n" + "\n".join(found[-5:]) if found else ""
