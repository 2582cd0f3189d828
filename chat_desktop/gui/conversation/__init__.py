"""One open conversation: the message list (model, view, delegate, layout), composer, pickers,
viewers, details, search.
"""
