"""desktop-notifier picks its backend module at run time by platform: bundle this OS's one."""

import sys

from PyInstaller.utils.hooks import collect_data_files, copy_metadata

if sys.platform == "linux":
    hiddenimports = ["desktop_notifier.backends.dbus", "desktop_notifier.backends.dummy"]
elif sys.platform == "darwin":
    hiddenimports = [
        "desktop_notifier.backends.macos",
        "desktop_notifier.backends.macos_support",
        "desktop_notifier.backends.dummy",
    ]
elif sys.platform == "win32":
    hiddenimports = ["desktop_notifier.backends.winrt", "desktop_notifier.backends.dummy"]
else:
    hiddenimports = ["desktop_notifier.backends.dummy"]
datas = collect_data_files("desktop_notifier") + copy_metadata("desktop-notifier")
