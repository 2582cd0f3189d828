"""The application shell: controller (lock/unlock flow), main window, tray, notifications, single
instance.
"""
