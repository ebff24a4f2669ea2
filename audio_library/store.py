"""A content-addressed file store: each asset lives at ``root/ab/cd/<sha256>`` and never changes.

Writes go to a temporary file in the final directory, are fsynced, then renamed into place, so a
reader never sees a partial asset and two processes putting the same bytes both succeed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import AudioError

log = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024
_TEMP_PREFIX = ".tmp-"


def is_sha256(value: str) -> bool:
    """True if ``value`` is 64 lowercase hex digits."""
    return _SHA256.fullmatch(value) is not None


class AssetStore:
    """Immutable audio assets on disk, addressed by the sha256 of their bytes."""

    def __init__(self, root: os.PathLike[str] | str) -> None:
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        """Where the asset ``sha`` lives (whether or not it is there)."""
        if not is_sha256(sha):
            raise AudioError("không phải sha256 (64 chữ số hex thường): %(sha)s", sha=repr(sha))
        return self.root / sha[:2] / sha[2:4] / sha

    def has(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def size(self, sha: str) -> int:
        try:
            return self.path(sha).stat().st_size
        except FileNotFoundError:
            raise AudioError("tệp %(sha)s không có trong kho", sha=sha) from None

    def open(self, sha: str) -> BinaryIO:
        """The asset's bytes for reading (the caller closes it)."""
        try:
            return self.path(sha).open("rb")
        except FileNotFoundError:
            raise AudioError("tệp %(sha)s không có trong kho", sha=sha) from None

    def put(self, data: bytes | os.PathLike[str], *, expected_sha256: str | None = None) -> str:
        """Store ``data`` (bytes or a file's path); return its sha256. Storing twice is harmless.

        With ``expected_sha256``, bytes that hash differently raise AudioError and nothing is kept.
        """
        if expected_sha256 is not None and not is_sha256(expected_sha256):
            raise AudioError("không phải sha256 (64 chữ số hex thường): %(sha)s", sha=repr(expected_sha256))
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self.root)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                sha = _copy_hashing(data, out)
                out.flush()
                os.fsync(out.fileno())
            if expected_sha256 is not None and sha != expected_sha256:
                raise AudioError("nội dung có mã băm %(sha)s, không phải %(expected)s như mong đợi", sha=sha,
                                 expected=expected_sha256)
            self._place(tmp, sha)
        finally:
            tmp.unlink(missing_ok=True)
        return sha

    def _place(self, tmp: Path, sha: str) -> None:
        final = self.path(sha)
        if final.is_file() and self.verify(sha):
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)  # atomic; a racing writer renames identical bytes
        _fsync_dir(final.parent)
        log.debug("stored asset %s", sha)

    def verify(self, sha: str) -> bool:
        """True if the asset is present and its bytes still hash to ``sha``."""
        try:
            with self.path(sha).open("rb") as f:
                digest = hashlib.file_digest(f, "sha256").hexdigest()
        except FileNotFoundError:
            return False
        return digest == sha

    def delete(self, sha: str) -> bool:
        """Remove the asset; True if it was there."""
        try:
            self.path(sha).unlink()
        except FileNotFoundError:
            return False
        return True

    def iter_hashes(self) -> Iterator[str]:
        """Every stored asset's sha256, in sorted order (temporary files are skipped)."""
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not first.is_dir() or len(first.name) != 2:
                continue
            for second in sorted(first.iterdir()):
                if second.is_dir():
                    for f in sorted(second.iterdir()):
                        if is_sha256(f.name) and f.name.startswith(first.name + second.name):
                            yield f.name

    def remove_stale_temp_files(self, older_than_s: float = 3600.0) -> int:
        """Delete temporary files left by writers that died long ago; return how many went."""
        count = 0
        cutoff = time.time() - older_than_s
        for tmp in self.root.glob(_TEMP_PREFIX + "*"):
            try:
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    count += 1
            except FileNotFoundError:
                continue
        return count


def _copy_hashing(data: bytes | os.PathLike[str], out: BinaryIO) -> str:
    digest = hashlib.sha256()
    if isinstance(data, bytes | bytearray | memoryview):
        digest.update(data)
        out.write(data)
        return digest.hexdigest()
    try:
        with open(data, "rb") as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except OSError as e:
        raise AudioError("không đọc được %(path)s: %(error)s", path=data, error=e.strerror) from e
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
