"""Renders the application icon's SVG to PNGs (16..512 px) beside it, with Qt's SVG renderer.

Desktop files, installers and some window managers want bitmaps; the app itself draws from
the SVG. Run after editing ``chat-desktop.svg``:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/render_app_icon.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from chat_desktop.gui.common.icons import APP_ICON_NAME, APP_ICON_PNG_SIZES, icon_path


def main() -> None:
    """Writes ``chat-desktop-<size>.png`` for every size of ``APP_ICON_PNG_SIZES``."""
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = Path(icon_path(APP_ICON_NAME))
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    for side in APP_ICON_PNG_SIZES:
        image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, side, side))
        painter.end()
        target = svg.with_name(f"{APP_ICON_NAME}-{side}.png")
        if not image.save(str(target)):
            raise SystemExit(f"could not write {target}")
        print(target)


if __name__ == "__main__":
    main()
