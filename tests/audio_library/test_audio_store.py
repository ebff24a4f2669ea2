"""AssetStore on a real directory, including two real processes storing the same asset at once."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from pathlib import Path

import pytest

from audio_library import AssetStore, AudioError

DATA = "bản tin phòng, chống ma túy".encode() * 1000
SHA = hashlib.sha256(DATA).hexdigest()


def test_put_stores_by_hash_prefix_and_reads_back(tmp_path: Path) -> None:
    store = AssetStore(tmp_path / "assets")
    assert store.put(DATA) == SHA
    path = store.path(SHA)
    assert path == tmp_path / "assets" / SHA[:2] / SHA[2:4] / SHA
    assert path.read_bytes() == DATA
    assert store.has(SHA) and store.verify(SHA) and store.size(SHA) == len(DATA)
    with store.open(SHA) as f:
        assert f.read() == DATA
    assert list(store.iter_hashes()) == [SHA]


def test_put_from_a_path_and_twice_is_harmless(tmp_path: Path) -> None:
    src = tmp_path / "upload.ogg"
    src.write_bytes(DATA)
    store = AssetStore(tmp_path / "assets")
    assert store.put(src) == SHA
    assert store.put(DATA, expected_sha256=SHA) == SHA
    assert list(store.iter_hashes()) == [SHA]
    assert not [p for p in (tmp_path / "assets").rglob("*") if p.name.startswith(".tmp-")]


def test_a_hash_mismatch_stores_nothing(tmp_path: Path) -> None:
    store = AssetStore(tmp_path / "assets")
    wrong = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(AudioError, match="không phải .* như mong đợi"):
        store.put(DATA, expected_sha256=wrong)
    assert not store.has(SHA) and not store.has(wrong)
    assert [p for p in (tmp_path / "assets").rglob("*") if p.is_file()] == []


def test_verify_notices_corruption_and_put_repairs_it(tmp_path: Path) -> None:
    store = AssetStore(tmp_path)
    store.put(DATA)
    store.path(SHA).write_bytes(DATA[:-1] + b"X")
    assert store.has(SHA) and not store.verify(SHA)
    store.put(DATA)
    assert store.verify(SHA)


def test_delete_and_missing_assets(tmp_path: Path) -> None:
    store = AssetStore(tmp_path)
    store.put(DATA)
    assert store.delete(SHA) and not store.delete(SHA)
    assert not store.has(SHA) and not store.verify(SHA)
    with pytest.raises(AudioError, match="không có trong kho"):
        store.size(SHA)
    assert list(store.iter_hashes()) == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", SHA.upper(), SHA[:-1], SHA + "0", ""])
def test_only_real_sha256_names_are_accepted(tmp_path: Path, bad: str) -> None:
    store = AssetStore(tmp_path)
    with pytest.raises(AudioError, match="sha256"):
        store.path(bad)
    with pytest.raises(AudioError, match="sha256"):
        store.put(DATA, expected_sha256=bad or "x")


def test_stale_temp_files_are_skipped_then_cleaned(tmp_path: Path) -> None:
    store = AssetStore(tmp_path)
    store.put(DATA)
    stale = tmp_path / ".tmp-dead-writer"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    fresh = tmp_path / ".tmp-live-writer"
    fresh.write_bytes(b"writing")
    assert list(store.iter_hashes()) == [SHA]
    assert store.remove_stale_temp_files(older_than_s=3600) == 1
    assert not stale.exists() and fresh.exists()


def _put_many(root: str, rounds: int) -> list[str]:
    store = AssetStore(root)
    return [store.put(DATA * 50) for _ in range(rounds)]


def test_two_processes_storing_the_same_asset(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.starmap(_put_many, [(str(tmp_path), 20), (str(tmp_path), 20)])
    expected = hashlib.sha256(DATA * 50).hexdigest()
    assert {sha for run in results for sha in run} == {expected}
    store = AssetStore(tmp_path)
    assert store.verify(expected)
    assert list(store.iter_hashes()) == [expected]
    assert not list(tmp_path.glob(".tmp-*"))
