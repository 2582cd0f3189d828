"""The relay server: routes ciphertext between devices, keeps it until delivered or expired.

Run it with ``python -m chat_desktop.relay --host H --port P --data-dir DIR`` (entry point
``chat_desktop.relay.__main__:main``), or embed it with
:class:`chat_desktop.relay.app.RelayServer` / :func:`chat_desktop.relay.app.create_app`.
It imports only ``protocol``, ``crypto`` (signature checks) and ``scrubbing``.
"""
