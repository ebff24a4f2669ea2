"""The station agent: local store, sync client, timeline, player, proof-of-play outbox, local UI, CLI."""

import os
import sys

__version__ = "0.1.0"

# peewee imports any PostgreSQL driver installed beside it as soon as it is imported (psycopg2: ~11 MB
# of RSS). A process started as the `station` command only ever opens SQLite, so where the central's
# extras are installed too (`make run`, a development machine) it must not pay for that driver.
# Only that command: a test run or a central importing this package keeps PostgreSQL.
if os.path.basename(sys.argv[0] or "") == "station":
    sys.modules.setdefault("psycopg2", None)  # type: ignore[arg-type]  # None: "not installed"
