"""The frozen app's entry point: ``chat-desktop`` (``chat_desktop.app:main``)."""

from chat_desktop.app import main

if __name__ == "__main__":
    main()
