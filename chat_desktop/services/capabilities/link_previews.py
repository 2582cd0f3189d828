"""``client.link_previews``: the preview of the first link of a message about to be sent.

Opt-in (:attr:`~chat_desktop.services.preferences.Preferences.link_previews`, off by
default): fetching a link tells that website our IP address and that someone is sharing it.
The composer asks :meth:`LinkPreviewService.fetch` while the user writes, shows the card, and
passes the preview to ``client.messages.send_text``; the fetch runs on the event loop with
aiohttp (its image is made in a worker thread), so nothing blocks.
"""

from __future__ import annotations

from chat_desktop.protocol.link_preview import LinkPreview, first_link
from chat_desktop.services.context import EngineContext
from chat_desktop.services.link_preview_fetch import LinkPreviewFetcher, LinkPreviewUnavailable
from chat_desktop.services.preferences import load_preferences


class LinkPreviewService:
    """Fetches link previews for what we send, when the user allows it.

    Args:
        context: The engine's shared parts (the store, for the setting).
        fetcher: How pages are fetched (tests pass one with lower bounds).
    """

    def __init__(self, context: EngineContext, fetcher: LinkPreviewFetcher | None = None) -> None:
        self._context = context
        self._fetcher = fetcher or LinkPreviewFetcher()

    @staticmethod
    def first_link(text: str) -> str | None:
        """The address a preview of ``text`` would be made for (its first http(s) link)."""
        return first_link(text)

    async def enabled(self) -> bool:
        """Whether the user turned link previews on (Settings → Privacy)."""
        store = self._context.worker.store
        preferences = await self._context.worker.run(load_preferences, store)
        return preferences.link_previews

    async def fetch(self, url: str) -> LinkPreview:
        """The preview of ``url`` (title, description, a small clean JPEG).

        Raises:
            LinkPreviewUnavailable: Link previews are off, or no preview could be made
                (the reason is named, never the address).
        """
        if not await self.enabled():
            raise LinkPreviewUnavailable("link previews are off")
        return await self._fetcher.fetch(url)
