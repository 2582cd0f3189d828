"""The list of conversations, the new-chat dialog and the quick switcher."""
