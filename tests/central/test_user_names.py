"""Login names: one shape for every path that creates people (web, API, CLI)."""

from __future__ import annotations

import pytest

from central.errors import Invalid
from central.services import users
from central.web.context import one_language


@pytest.mark.parametrize("name", ["nguyen van an", "lan nguyen", "lê.lan", " ", "a/b", "x" * 65])
def test_a_login_name_with_spaces_or_diacritics_is_refused(app, db, name: str) -> None:
    with pytest.raises(Invalid):
        users.create(None, name, "editor")


def test_a_plain_login_name_is_kept_with_the_persons_full_name(app, db) -> None:
    user, _ = users.create(None, "  lan.nguyen-2 ", "editor", full_name="Nguyễn Thị Lan")
    assert (user.name, user.full_name) == ("lan.nguyen-2", "Nguyễn Thị Lan")


def test_cli_refuses_a_login_name_with_spaces(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from central.cli import main

    monkeypatch.setenv("LOA_DATA_DIR", str(tmp_path / "central"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("LOA_CONFIG", raising=False)
    assert CliRunner().invoke(main, ["init"]).exit_code == 0
    result = CliRunner().invoke(main, ["create-user", "nguyen van an", "--role", "editor"])
    assert result.exit_code == 1 and "dấu cách" in result.output
    assert CliRunner().invoke(main, ["create-user", "an.nguyen", "--role", "editor"]).exit_code == 0


@pytest.mark.parametrize(("text", "vi", "en"), [
    ("Cần tên đăng nhập. (A login name is required.)", "Cần tên đăng nhập.", "A login name is required."),
    ("Không có đơn vị mã 'Đắk'. (No area with code 'Đắk'.)", "Không có đơn vị mã 'Đắk'.", "No area with code 'Đắk'."),
    ("Họp (UBND)", "Họp (UBND)", "Họp (UBND)"),
    ("Ngày (from) trước ngày (to).", "Ngày (from) trước ngày (to).", "Ngày (from) trước ngày (to)."),
])
def test_a_two_language_message_is_shown_in_one(text: str, vi: str, en: str) -> None:
    assert (one_language(text, "vi"), one_language(text, "en")) == (vi, en)
