"""PySide6 start-up tweaks, in one place: the import hook and the deferred .pyi generator (self-
tested, fall back cleanly).
"""
