"""A link preview survives a backup and its restore, checked again on the way in."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from backup_helpers import NEW_PASSWORD, PASSPHRASE
from engine_helpers import new_client, wait_until
from PIL import Image

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.protocol.link_preview import LinkPreview
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.backup_restore import restore_backup
from chat_desktop.services.client import ChatClient

pytestmark = pytest.mark.integration


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 90)).save(out, format="JPEG")
    return out.getvalue()


async def test_a_preview_is_backed_up_and_restored_with_its_message(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    restored: ChatClient | None = None
    try:
        url = "https://trails.example/lake"
        preview = LinkPreview(url=url, title="Lake trails", description="Walks", image=_jpeg())
        sent = await alice.messages.send_text("bob", f"see {url}", link_preview=preview)
        plain = await alice.messages.send_text("bob", "no link here")

        async def bob_has_both() -> bool:
            return len(await bob.messages.history("alice", limit=5)) == 2

        await wait_until(bob_has_both)
        await alice.backup.export(
            tmp_path / "alice.backup", PASSPHRASE, lambda _d, _t: None, kdf_params=FLOOR_PARAMS
        )
        assert b"Lake trails" not in (tmp_path / "alice.backup").read_bytes()  # sealed
        await alice.close()
        await restore_backup(
            tmp_path / "alice.backup",
            PASSPHRASE,
            tmp_path / "alice-restored",
            NEW_PASSWORD,
            kdf_params=FLOOR_PARAMS,
        )
        restored = await ChatClient.unlock(tmp_path / "alice-restored", NEW_PASSWORD)
        with_preview = await restored.messages.get("bob", sent)
        without = await restored.messages.get("bob", plain)
        assert with_preview is not None and with_preview.link_preview == preview
        assert without is not None and without.link_preview is None
    finally:
        for client in (alice, bob, restored):
            if client is not None:
                await client.close()
