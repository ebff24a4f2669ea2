"""What ships is what is tested: the wheel carries every file the packages open, the sdist the whole tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("central", "station", "playlists", "audio_library")


def _tree_files() -> list[str]:
    """Files a developer has in the tree (tracked, or new and not ignored), relative to ROOT."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tree's file list comes from git")
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    return sorted(p for p in out.splitlines() if (ROOT / p).is_file())


@pytest.fixture(scope="module")
def clean_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tree without build leftovers, so a stale build/ cannot hide a missing file."""
    dest = tmp_path_factory.mktemp("src") / "loa"
    for rel in _tree_files():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    return dest


def _build(tree: Path, out: Path, *what: str) -> Path:
    # No isolation: builds offline with the setuptools and wheel the dev extra installs.
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", *what, "--outdir", str(out), str(tree)],
                   check=True, capture_output=True)
    (found,) = out.iterdir()
    return found


def test_the_wheel_carries_every_file_of_the_packages(clean_tree: Path, tmp_path: Path) -> None:
    wheel = _build(clean_tree, tmp_path, "--wheel")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    wanted = [p for p in _tree_files() if p.split("/", 1)[0] in PACKAGES]
    assert any(p.startswith("central/templates/web/") for p in wanted)  # the list is not empty by mistake
    for must in ("central/templates/web/login.html", "central/static/loa.css",
                 "central/translations/en/LC_MESSAGES/messages.mo", "station/deploy/loa-station.service"):
        assert must in wanted, must
    missing = [p for p in wanted if p not in shipped]
    assert not missing, f"the wheel lacks {len(missing)} file(s) the packages hold: {missing[:10]}"


def test_the_sdist_carries_the_whole_tree(clean_tree: Path, tmp_path: Path) -> None:
    sdist = _build(clean_tree, tmp_path, "--sdist")
    with tarfile.open(sdist) as tar:
        shipped = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    missing = [p for p in _tree_files() if p not in shipped]
    assert not missing, f"the sdist lacks {len(missing)} file(s): {missing[:10]}"
