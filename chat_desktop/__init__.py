"""chat_desktop package."""
