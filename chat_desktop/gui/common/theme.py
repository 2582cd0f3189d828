"""The app's look: Fusion, a light or dark palette, one generated style sheet, the text size.

Every colour of the app comes from one :class:`ThemeColors` set (:data:`LIGHT` or
:data:`DARK`): the ``QPalette``, the style sheet (generated from the set, never written
with literal colours) and the painters (the message delegate asks :func:`current_colors`
at paint time), so switching theme repaints everything consistently. ``"system"`` follows
the desktop's colour scheme and switches again when the desktop does.
"""

from __future__ import annotations

from typing import Literal, get_args

import msgspec
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from chat_desktop.gui.common.theme_style import ThemeStyle

Theme = Literal["system", "light", "dark"]
#: The theme choices, in the order a settings page offers them.
THEMES: tuple[Theme, ...] = get_args(Theme)
#: The accepted text sizes, in percent of the desktop's font size.
MIN_TEXT_SCALE_PERCENT = 50
MAX_TEXT_SCALE_PERCENT = 300

_CONTROLLER_NAME = "chatDesktopThemeController"


class ThemeError(ValueError):
    """A theme name or a text size the app does not offer."""


class ThemeColors(msgspec.Struct, frozen=True):
    """The named colours of one theme (``#rrggbb``, or ``#aarrggbb`` with transparency).

    Attributes:
        dark: Whether this is a dark set (icons and images may adapt).
        window: Background of windows and dialogs.
        text: Main text colour.
        muted_text: Secondary text (presence, hints, placeholders).
        base: Background of input fields and lists.
        alternate_base: Every other row of plain lists.
        button: Background of ordinary buttons.
        divider: Hairlines between areas.
        border: Borders of inputs and buttons.
        control_border: The edge of check boxes and radio buttons (WCAG 3:1 against
            ``base`` and ``window``: an unchecked box must be seen).
        hover: Background of a hovered row or flat button.
        selection_background: Background of the selected conversation.
        highlight: Background of selected text and items (palette Highlight).
        highlighted_text: Text on ``highlight``.
        accent: The app's accent: primary buttons, links, focus, READ marks.
        accent_hover: ``accent`` under the mouse.
        accent_text: Text on ``accent``.
        danger: Errors, failed messages, "disconnected".
        success: "Connected", verified contacts.
        warning_background: Background of warnings (the key-change banner).
        warning_border: Edge of ``warning_background``.
        warning_text: Text on ``warning_background``.
        tooltip_background: Background of tooltips.
        tooltip_text: Text of tooltips.
        sidebar_background: The conversation list pane.
        header_background: The conversation header and the composer bar.
        input_background: The composer's text box.
        chat_background: Behind the message bubbles.
        bubble_outgoing: Bubbles of our messages.
        bubble_incoming: Bubbles of the contact's messages.
        bubble_text: Text in bubbles.
        bubble_shadow: A soft edge under bubbles (transparent for none).
        meta_text: Time and status marks in bubbles.
        notice_background: Background of the "could not be decrypted" notice.
        notice_text: Text of that notice.
        image_placeholder: Where an image goes until it is decoded.
        file_badge: The round badge behind a file's icon in a bubble.
        scrollbar: The scroll bar's handle.
    """

    dark: bool
    window: str
    text: str
    muted_text: str
    base: str
    alternate_base: str
    button: str
    divider: str
    border: str
    control_border: str
    hover: str
    selection_background: str
    highlight: str
    highlighted_text: str
    accent: str
    accent_hover: str
    accent_text: str
    danger: str
    success: str
    warning_background: str
    warning_border: str
    warning_text: str
    tooltip_background: str
    tooltip_text: str
    sidebar_background: str
    header_background: str
    input_background: str
    chat_background: str
    bubble_outgoing: str
    bubble_incoming: str
    bubble_text: str
    bubble_shadow: str
    meta_text: str
    notice_background: str
    notice_text: str
    image_placeholder: str
    file_badge: str
    scrollbar: str


LIGHT = ThemeColors(
    dark=False,
    window="#f5f6f8",
    text="#141a22",
    muted_text="#5f6b7a",
    base="#ffffff",
    alternate_base="#f5f7fa",
    button="#ffffff",
    divider="#e3e7ec",
    border="#cdd4dc",
    control_border="#6f7b8a",
    hover="#f0f3f7",
    selection_background="#e3ecfd",
    highlight="#2f6fec",
    highlighted_text="#ffffff",
    accent="#2f6fec",
    accent_hover="#2560d6",
    accent_text="#ffffff",
    danger="#d7372b",
    success="#198754",
    warning_background="#fff4d4",
    warning_border="#f0d27a",
    warning_text="#5a4300",
    tooltip_background="#1f2630",
    tooltip_text="#f4f6f9",
    sidebar_background="#ffffff",
    header_background="#ffffff",
    input_background="#f1f3f6",
    chat_background="#e9eef4",
    bubble_outgoing="#d7e6ff",
    bubble_incoming="#ffffff",
    bubble_text="#141a22",
    bubble_shadow="#1a0b1a33",
    meta_text="#5d6b7e",
    notice_background="#fbf0cf",
    notice_text="#5e4d1b",
    image_placeholder="#cdd5df",
    file_badge="#2f6fec",
    scrollbar="#b9c2cd",
)

DARK = ThemeColors(
    dark=True,
    window="#161a20",
    text="#e7ebf0",
    muted_text="#9aa5b4",
    base="#1d2229",
    alternate_base="#21272f",
    button="#262c35",
    divider="#2a3039",
    border="#3a424e",
    control_border="#7f8b9b",
    hover="#232a33",
    selection_background="#263550",
    highlight="#4f86f0",
    highlighted_text="#ffffff",
    accent="#6f9fff",
    accent_hover="#86aeff",
    accent_text="#0c1422",
    danger="#ff6b5f",
    success="#4cc38a",
    warning_background="#3a2f12",
    warning_border="#5e4b1b",
    warning_text="#f3da95",
    tooltip_background="#e7ebf0",
    tooltip_text="#141a22",
    sidebar_background="#1a1f26",
    header_background="#1d2229",
    input_background="#262c35",
    chat_background="#10141a",
    bubble_outgoing="#1f3a66",
    bubble_incoming="#232a33",
    bubble_text="#e9edf2",
    bubble_shadow="#00000000",
    meta_text="#9fadc0",
    notice_background="#302913",
    notice_text="#e8d59b",
    image_placeholder="#2b323c",
    file_badge="#4f86f0",
    scrollbar="#424b57",
)

_current: ThemeColors = LIGHT
#: Whether the desktop's palette was dark before ours replaced it (None: not seen yet).
_desktop_palette_dark: bool | None = None


def current_colors() -> ThemeColors:
    """The colours of the theme applied last (light before any is applied), for painters."""
    return _current


def colors_for(theme: Theme) -> ThemeColors:
    """The colour set ``theme`` resolves to now (``"system"``: the desktop's scheme)."""
    if theme == "light":
        return LIGHT
    if theme == "dark":
        return DARK
    return DARK if _system_is_dark() else LIGHT


def apply_theme(app: QApplication, theme: Theme = "system", text_scale_percent: int = 100) -> None:
    """Applies ``theme`` and the text size to the whole app; call again to change either.

    Sets the Fusion style (the same look on every desktop, and one that honours every
    palette role), a complete palette, the generated style sheet and the app font scaled
    by ``text_scale_percent`` of the desktop's size. With ``"system"`` the app switches
    again when the desktop's colour scheme changes; a forced choice is also passed to Qt
    (``QStyleHints.setColorScheme``) so native dialogs and title bars match where the
    platform allows.

    Raises:
        ThemeError: ``theme`` is not one of :data:`THEMES`, or the text size is outside
            :data:`MIN_TEXT_SCALE_PERCENT`..:data:`MAX_TEXT_SCALE_PERCENT`.
    """
    if theme not in THEMES:
        raise ThemeError(f"Unknown theme {theme!r}: choose one of {', '.join(THEMES)}.")
    if not MIN_TEXT_SCALE_PERCENT <= text_scale_percent <= MAX_TEXT_SCALE_PERCENT:
        raise ThemeError(
            f"Text size {text_scale_percent}% is not offered: choose between "
            f"{MIN_TEXT_SCALE_PERCENT}% and {MAX_TEXT_SCALE_PERCENT}%."
        )
    controller = _controller(app)
    controller.theme = theme
    controller.text_scale_percent = text_scale_percent
    _request_color_scheme(theme)
    controller.refresh()


def _controller(app: QApplication) -> _ThemeController:
    found = app.findChild(_ThemeController, _CONTROLLER_NAME)
    if isinstance(found, _ThemeController):
        return found
    return _ThemeController(app)


class _ThemeController(QObject):
    """Holds the choice and the desktop's font, and re-applies when the desktop switches."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName(_CONTROLLER_NAME)
        self._app = app
        self.theme: Theme = "system"
        self.text_scale_percent = 100
        # The desktop's font and palette, before ours replace them.
        self.base_font = QFont(app.font())
        global _desktop_palette_dark
        _desktop_palette_dark = _palette_is_dark(app.palette())
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)

    def _on_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.theme != "system":
            return  # a forced choice stays; Qt reports our own request here too
        self.refresh(DARK if _scheme_is_dark(scheme) else LIGHT)

    def refresh(self, colors: ThemeColors | None = None) -> None:
        """Applies the current choice (or ``colors``) to the app."""
        global _current
        colors = colors or colors_for(self.theme)
        _current = colors
        font = _scaled_font(self.base_font, self.text_scale_percent)
        # The app owns its style (a child of it) and deletes it when another replaces it.
        style = self._app.findChild(ThemeStyle)
        if style is None:
            self._app.setStyle(ThemeStyle(colors, self.text_scale_percent))
        else:  # re-creating it would repolish every widget once more
            style.set_look(colors, self.text_scale_percent)
        self._app.setPalette(build_palette(colors))
        self._app.setFont(font)
        self._app.setStyleSheet(
            build_style_sheet(colors, _point_size(font), self.text_scale_percent)
        )


def _request_color_scheme(theme: Theme) -> None:
    hints = QGuiApplication.styleHints()
    if not hasattr(hints, "setColorScheme"):  # Qt < 6.8
        return
    if theme == "system":
        hints.unsetColorScheme()
    else:
        hints.setColorScheme(Qt.ColorScheme.Dark if theme == "dark" else Qt.ColorScheme.Light)


def _scheme_is_dark(scheme: Qt.ColorScheme) -> bool:
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return _platform_palette_is_dark()


def _system_is_dark() -> bool:
    return _scheme_is_dark(QGuiApplication.styleHints().colorScheme())


def _platform_palette_is_dark() -> bool:
    """Whether the desktop's own palette is dark (for desktops that report no scheme)."""
    if _desktop_palette_dark is not None:
        return _desktop_palette_dark
    return _palette_is_dark(QGuiApplication.palette())


def _palette_is_dark(palette: QPalette) -> bool:
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    return window.lightness() < text.lightness()


def _scaled_font(base: QFont, percent: int) -> QFont:
    font = QFont(base)
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF() * percent / 100)
    elif base.pixelSize() > 0:
        font.setPixelSize(max(1, round(base.pixelSize() * percent / 100)))
    return font


def _point_size(font: QFont) -> float:
    if font.pointSizeF() > 0:
        return font.pointSizeF()
    return font.pixelSize() * 72 / 96


def build_palette(colors: ThemeColors) -> QPalette:
    """A complete palette (every role, every group) made of ``colors``."""
    role = QPalette.ColorRole
    disabled_text = _mix(colors.text, colors.window, 0.55)
    roles: dict[QPalette.ColorRole, str] = {
        role.Window: colors.window,
        role.WindowText: colors.text,
        role.Base: colors.base,
        role.AlternateBase: colors.alternate_base,
        role.ToolTipBase: colors.tooltip_background,
        role.ToolTipText: colors.tooltip_text,
        role.PlaceholderText: colors.muted_text,
        role.Text: colors.text,
        role.Button: colors.button,
        role.ButtonText: colors.text,
        role.BrightText: colors.danger,
        role.Light: _mix(colors.button, "#ffffff", 0.35 if colors.dark else 0.8),
        role.Midlight: _mix(colors.button, colors.border, 0.5),
        role.Mid: colors.border,
        role.Dark: _mix(colors.border, "#000000", 0.3),
        role.Shadow: "#000000",
        role.Highlight: colors.highlight,
        role.HighlightedText: colors.highlighted_text,
        role.Link: colors.accent,
        role.LinkVisited: colors.accent_hover,
        role.Accent: colors.accent,
    }
    palette = QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for color_role, value in roles.items():
            palette.setColor(group, color_role, QColor(value))
    for color_role, value in roles.items():
        palette.setColor(QPalette.ColorGroup.Disabled, color_role, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for color_role in (role.WindowText, role.Text, role.ButtonText, role.PlaceholderText):
        palette.setColor(disabled, color_role, QColor(disabled_text))
    palette.setColor(disabled, role.Highlight, QColor(colors.border))
    palette.setColor(disabled, role.HighlightedText, QColor(disabled_text))
    palette.setColor(disabled, role.Base, QColor(colors.window))
    return palette


def _mix(first: str, second: str, share_of_second: float) -> str:
    a, b = QColor(first), QColor(second)
    mixed = QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * share_of_second,
        a.greenF() + (b.greenF() - a.greenF()) * share_of_second,
        a.blueF() + (b.blueF() - a.blueF()) * share_of_second,
    )
    return mixed.name()


def _css(value: str) -> str:
    """A colour for the style sheet (``rgba()`` when it is transparent)."""
    color = QColor(value)
    if color.alpha() == 255:
        return color.name()
    return f"rgba({color.red()}, {color.green()}, {color.blue()}, {color.alpha()})"


def build_style_sheet(colors: ThemeColors, point_size: float, text_scale_percent: int) -> str:
    """The app's one style sheet, every colour taken from ``colors``.

    Font sizes are relative to ``point_size`` (the scaled app font) and spacing grows
    with ``text_scale_percent``, so a larger text size never crowds a control.
    """
    c = {
        field.name: _css(getattr(colors, field.name))
        for field in msgspec.structs.fields(colors)
        if field.name != "dark"
    }

    def pt(ratio: float) -> str:
        return f"{point_size * ratio:.1f}pt"

    def px(value: float) -> str:
        return f"{max(1, round(value * text_scale_percent / 100))}px"

    return f"""
QToolTip {{
    color: {c["tooltip_text"]}; background: {c["tooltip_background"]};
    border: 1px solid {c["border"]}; padding: {px(4)} {px(6)};
}}
QWidget#conversationPane {{
    background: {c["sidebar_background"]}; border-right: 1px solid {c["divider"]};
}}
QListView#conversationList {{
    border: none; background: {c["sidebar_background"]}; font-size: {pt(1.05)}; outline: 0;
}}
QListView#conversationList::item {{
    padding: {px(10)} {px(10)}; border-bottom: 1px solid {c["divider"]}; color: {c["text"]};
}}
QListView#conversationList::item:hover {{ background: {c["hover"]}; }}
QListView#conversationList::item:selected {{
    background: {c["selection_background"]}; color: {c["text"]};
}}
QLabel#accountLabel {{
    font-size: {pt(1.05)}; font-weight: 600; color: {c["text"]}; padding: {px(2)} {px(2)} 0 {px(2)};
}}
QLabel#connectionLabel {{ color: {c["muted_text"]}; padding: 0 {px(2)} {px(6)} {px(2)}; }}
QLabel#connectionLabel[state="connected"] {{ color: {c["success"]}; }}
QLabel#connectionLabel[state="disconnected"] {{ color: {c["danger"]}; }}
QLabel#connectionLabel[state="unlinked"] {{ color: {c["danger"]}; }}
QPushButton {{
    background: {c["button"]}; color: {c["text"]}; border: 1px solid {c["border"]};
    border-radius: {px(8)}; padding: {px(6)} {px(14)};
}}
QPushButton:hover {{ background: {c["hover"]}; }}
QPushButton:disabled {{ color: {c["muted_text"]}; }}
QPushButton:flat {{ background: transparent; border-color: transparent; }}
QPushButton#newChatButton, QToolButton#sendButton, QPushButton:default {{
    background: {c["accent"]}; color: {c["accent_text"]}; border: 1px solid transparent;
    border-radius: {px(8)}; padding: {px(6)} {px(14)};
}}
QPushButton#newChatButton, QToolButton#sendButton {{
    font-weight: 600;
}}
QPushButton#newChatButton:hover, QToolButton#sendButton:hover, QPushButton:default:hover {{
    background: {c["accent_hover"]};
}}
QPushButton#newChatButton:focus, QToolButton#sendButton:focus, QPushButton:default:focus {{
    border-color: {c["text"]};
}}
QPushButton:default:disabled {{
    background: {c["button"]}; color: {c["muted_text"]}; border: 1px solid {c["border"]};
}}
QToolButton#sendButton {{ border-radius: {px(18)}; padding: {px(8)}; }}
QToolButton#attachButton {{
    border: 2px solid transparent; border-radius: {px(18)}; padding: {px(8)};
    background: transparent;
}}
QToolButton#attachButton:hover {{ background: {c["hover"]}; }}
QToolButton#attachButton:focus {{ border-color: {c["accent"]}; }}
QFrame#conversationHeader {{
    background: {c["header_background"]}; border-bottom: 1px solid {c["divider"]};
}}
QLabel#peerName {{ font-size: {pt(1.2)}; font-weight: 600; color: {c["text"]}; }}
QLabel#presenceLabel {{ color: {c["muted_text"]}; }}
QFrame#keyChangeBanner {{
    background: {c["warning_background"]}; border-bottom: 1px solid {c["warning_border"]};
}}
QFrame#keyChangeBanner QLabel {{ color: {c["warning_text"]}; }}
QListView#messageList {{ background: {c["chat_background"]}; border: none; }}
QPushButton#newMessagesButton {{
    background: {c["base"]}; border: 1px solid {c["border"]}; border-radius: {px(15)};
    padding: {px(6)} {px(16)}; color: {c["accent"]}; font-weight: 600;
}}
QPushButton#newMessagesButton:hover {{ background: {c["hover"]}; }}
QWidget#composer {{ background: {c["header_background"]}; border-top: 1px solid {c["divider"]}; }}
QPlainTextEdit#composerEdit {{
    background: {c["input_background"]}; color: {c["text"]}; border: 1px solid {c["divider"]};
    border-radius: {px(14)}; padding: {px(6)} {px(12)};
    selection-background-color: {c["highlight"]}; selection-color: {c["highlighted_text"]};
}}
QPlainTextEdit#composerEdit:focus {{ border: 1px solid {c["accent"]}; }}
QLabel#errorLabel {{ color: {c["danger"]}; }}
QLabel#safetyNumber {{
    padding: {px(10)}; background: {c["input_background"]}; color: {c["text"]};
    border-radius: {px(8)}; font-size: {pt(1.35)}; font-weight: 600;
}}
QLabel[heading="true"] {{ font-size: {pt(1.3)}; font-weight: 600; }}
QLabel#emptyPlaceholder {{
    color: {c["muted_text"]}; font-size: {pt(1.1)}; background: {c["chat_background"]};
}}
QScrollBar:vertical {{ background: transparent; width: {px(10)}; margin: {px(2)}; }}
QScrollBar::handle:vertical {{
    background: {c["scrollbar"]}; border-radius: {px(3)}; min-height: {px(32)};
}}
QScrollBar::handle:vertical:hover {{ background: {c["muted_text"]}; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; border: none; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}
"""
