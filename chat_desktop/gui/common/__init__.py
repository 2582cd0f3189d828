"""Shared parts of every screen: theme, icons, notices, forms, translation, accessibility, error
texts, task spawning.
"""
