"""``python -m chat_desktop``: the desktop app (see :func:`chat_desktop.app.main`)."""

from chat_desktop.app import main

if __name__ == "__main__":
    main()
