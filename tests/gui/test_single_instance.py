"""The single-instance socket name (the two-process handshake is in tests/e2e)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat_desktop.gui.shell.single_instance import server_name

pytestmark = [pytest.mark.gui]


def test_the_name_depends_on_the_profile_only(tmp_path: Path) -> None:
    assert server_name(tmp_path / "a") == server_name(tmp_path / "x" / ".." / "a")
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    assert str(tmp_path) not in server_name(tmp_path / "a")
