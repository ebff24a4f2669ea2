"""Configuration: defaults, the environment (or an env file named by ``LOA_CONFIG``), then test overrides."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "LOGIN_MAX_FAILURES": 5,  # per name and per address within LOGIN_WINDOW_S
    "LOGIN_WINDOW_S": 15 * 60,
    "ENROLL_MAX_FAILURES": 10,  # failed enrollment codes per address and per code within ENROLL_WINDOW_S
    "ENROLL_WINDOW_S": 15 * 60,
    "MANIFEST_CACHE_S": 600,  # a cached ETag answers 304 for at most this long without a rebuild
    "MAX_CONTENT_LENGTH": 512 * 1024 * 1024,
}

_ENV = {
    "LOA_DATA_DIR": "DATA_DIR",
    "DATABASE_URL": "DATABASE_URL",
    "LOA_SECRET_KEY": "SECRET_KEY",
}


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines; ``#`` comments and blank lines ignored; quotes around values stripped."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip().strip("'\"")
    return out


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings named by the environment; an env file (``LOA_CONFIG``) fills what the environment lacks."""
    environ = os.environ if environ is None else environ
    merged: dict[str, str] = {}
    if environ.get("LOA_CONFIG"):
        merged.update(read_env_file(Path(environ["LOA_CONFIG"])))
    merged.update({k: v for k, v in environ.items() if k in _ENV})
    return {_ENV[k]: v for k, v in merged.items() if k in _ENV and v}


def finalise(cfg: dict[str, Any]) -> None:
    """Fill derived settings in place: data dir, database URL and secret key."""
    data_dir = Path(cfg.get("DATA_DIR") or "var/central").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    cfg["DATA_DIR"] = data_dir
    if not cfg.get("DATABASE_URL"):
        cfg["DATABASE_URL"] = f"sqlite:///{data_dir / 'central.sqlite3'}"
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _secret_key(data_dir)


def _secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if not path.exists():
        write_private(path, secrets.token_hex(32).encode())
    return path.read_text().strip()


def write_private(path: Path, data: bytes) -> bool:
    """Create ``path`` (mode 0600) atomically unless it exists; False if another process won the race."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    try:
        os.link(tmp, path)  # fails if path exists: the first writer wins, readers never see half a file
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
