"""The PySide6 desktop GUI over the headless :class:`chat_desktop.services.client.ChatClient`.

Only this package and :mod:`chat_desktop.app` import Qt. Widgets never touch the store: they
await ``ChatClient`` calls on the qasync loop and listen to :class:`event_bridge.EventBridge`.
"""
