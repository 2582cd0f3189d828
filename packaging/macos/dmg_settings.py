"""dmgbuild settings of the macOS disk image: the app beside a link to /Applications.

Run by ``packaging/macos.py`` as
``dmgbuild -s packaging/macos/dmg_settings.py -D app=PATH.app -D icon=PATH.icns NAME OUT.dmg``;
dmgbuild executes this file with ``defines`` (the ``-D`` values) in scope and reads the names
below. Kept to plain assignments so the unit tests can run it on Linux with a stand-in
``defines``.
"""

# ruff: noqa: F821 (``defines`` is given by dmgbuild when it executes this file)
import os.path

application = defines.get("app", "dist/chat_desktop.app")
appname = os.path.basename(application)

#: UDZO: zlib-compressed, read-only; opens on every macOS the app supports (11+).
format = defines.get("format", "UDZO")
#: Room for the app plus the file system; dmgbuild shrinks the image to fit afterwards.
size = defines.get("size", None)
files = [application]
symlinks = {"Applications": "/Applications"}
badge_icon = defines.get("icon", None)
icon_locations = {appname: (140, 120), "Applications": (500, 120)}

show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
window_rect = ((200, 200), (640, 280))
default_view = "icon-view"
show_icon_preview = False
arrange_by = None
icon_size = 128
text_size = 13
