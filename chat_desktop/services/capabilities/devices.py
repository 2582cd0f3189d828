"""``client.devices``: the account's linked devices: list them, link a new one, unlink one.

Every device of an account shares the identity key and has its own device key, certified by
it (docs/protocol.md §6.11); the relay checks CONNECT against the device key, so an unlinked
device is locked out. Linking itself (the provisioning channel, the history transfer) lives
in :mod:`chat_desktop.services.linking`, loaded only when used.
"""

from __future__ import annotations

from chat_desktop.services import devices
from chat_desktop.services.attachments import AttachmentTransfers
from chat_desktop.services.context import EngineContext
from chat_desktop.services.devices import DeviceService, DeviceSummary


class LinkedDevices:
    """This account's devices, as the user manages them."""

    def __init__(
        self, context: EngineContext, device_set: DeviceService, transfers: AttachmentTransfers
    ) -> None:
        """Built by the client over the device set it keeps up to date."""
        self._context = context
        self._device_set = device_set
        self._transfers = transfers

    async def list(self) -> list[DeviceSummary]:
        """The account's devices, from the relay (names decrypted here).

        Raises:
            ConnectionFailure, ProtocolError: The relay could not be asked.
        """
        return await self._device_set.list()

    async def unlink(self, device_id: int) -> None:
        """Removes a device from the account; the relay disconnects it at once.

        Raises:
            ConnectionFailure, ProtocolError: Refused (``not_found``; ``bad_request`` for
                the only device) or the relay could not be asked.
        """
        await self._device_set.remove(device_id)

    @property
    def unlinked(self) -> bool:
        """Whether the relay told us this device was removed from the account."""
        return self._device_set.unlinked

    def describe_link_code(self, code: str) -> str:
        """The new device's name in a pasted link code (to confirm before linking).

        Raises:
            InvalidLinkCode: Malformed, or a code for another relay.
        """
        from chat_desktop.services.linking import parse_code_for

        return parse_code_for(self._context.relay_url, code).device_name

    async def link(self, code: str, *, transfer_history: bool = True) -> None:
        """Existing device: sends this account to the new device that shows ``code``.

        Raises:
            InvalidLinkCode: Malformed, or a code for another relay.
            ProtocolError: The relay refused (the code expired or was used, rate limits).
            ConnectionFailure, HttpFailure: The relay could not be reached.
        """
        from chat_desktop.services.linking import DeviceLinker

        await DeviceLinker(self._context).link(code, transfer_history=transfer_history)

    async def import_transferred_history(self) -> None:
        """New device: imports the history the linking device sent, once connected."""
        worker = self._context.worker
        if not await worker.run(worker.store.settings.get, devices.PENDING_HISTORY_SETTING):
            return  # nothing to import: linking need not even be loaded
        from chat_desktop.services.linking import DeviceLinker

        for key in await DeviceLinker(self._context).import_pending_history():
            self._transfers.on_attachment_received(key)
