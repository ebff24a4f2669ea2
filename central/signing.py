"""The central's Ed25519 signing key: made once by ``central init`` (mode 0600), used for manifests."""

from __future__ import annotations

import base64
import functools
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .config import write_private
from .errors import CentralError
from .messages import N_, msg

KEY_FILE = "signing_key.pem"


class KeyMissing(CentralError):
    status = 500
    title = N_("Thiếu khóa ký")


def key_path(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_FILE


def ensure_key(data_dir: Path) -> bool:
    """Create the signing key if there is none; True if this call made it."""
    path = key_path(data_dir)
    if path.exists():
        return False
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return write_private(path, pem)


@functools.lru_cache(maxsize=8)
def load_key(data_dir: Path) -> Ed25519PrivateKey:
    path = key_path(data_dir)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise KeyMissing(msg("Chưa có khóa ký %(path)s; hãy chạy 'central init'.", path=path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyMissing(msg("%(path)s không phải khóa Ed25519.", path=path))
    return key


def public_key_b64(data_dir: Path) -> str:
    """The raw 32-byte public key, base64 — what enrollment hands a station."""
    raw = load_key(Path(data_dir)).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw).decode()


def sign(data_dir: Path, data: bytes) -> str:
    """Base64 Ed25519 signature of ``data``."""
    return base64.b64encode(load_key(Path(data_dir)).sign(data)).decode()


def verify(public_b64: str, data: bytes, signature_b64: str) -> bool:
    """Check a signature with a raw base64 public key (what a station does)."""
    from cryptography.exceptions import InvalidSignature

    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64))
    try:
        key.verify(base64.b64decode(signature_b64), data)
    except InvalidSignature:
        return False
    return True
