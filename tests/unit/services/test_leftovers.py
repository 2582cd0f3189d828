"""The sweep at unlock removes only what it should: never through a link, never others'."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat_desktop.services.leftovers import (
    LINKING_FOLDER,
    PASTE_FOLDER,
    private_folder,
    sweep_at_start,
)

pytestmark = pytest.mark.unit


def test_the_sweep_follows_no_link_and_keeps_other_folders(tmp_path: Path) -> None:
    profile, temp, elsewhere = tmp_path / "profile", tmp_path / "tmp", tmp_path / "elsewhere"
    for folder in (profile, temp, elsewhere):
        folder.mkdir()
    (elsewhere / "precious").write_bytes(b"keep")
    # A link with the old folder name, and a link inside the pasted folder: the links go,
    # what they point at stays.
    (temp / "chat-desktop-history-link").symlink_to(elsewhere, target_is_directory=True)
    pasted = private_folder(profile, PASTE_FOLDER)
    (pasted / "pasted-image-1.png").write_bytes(b"png")
    (pasted / "to-elsewhere").symlink_to(elsewhere, target_is_directory=True)
    (temp / "chat-desktop-historyless").mkdir()  # another name: not ours to judge
    (temp / "chat-desktop-history-abc").mkdir()
    (temp / "chat-desktop-history-abc" / "archive").write_bytes(b"plain")

    removed = sweep_at_start(profile, temp)

    assert removed == 3
    assert (elsewhere / "precious").read_bytes() == b"keep"
    assert list(pasted.iterdir()) == []
    assert (temp / "chat-desktop-history-link").is_symlink()  # a link is not our folder
    assert (temp / "chat-desktop-historyless").is_dir()
    assert not (temp / "chat-desktop-history-abc").exists()


def test_the_private_folder_is_ours_only(tmp_path: Path) -> None:
    folder = private_folder(tmp_path, LINKING_FOLDER)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert sweep_at_start(tmp_path, tmp_path / "no-such-temp") == 0
