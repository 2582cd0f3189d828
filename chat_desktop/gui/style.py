"""The app's look: Fusion style, a light palette and one small style sheet."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

STYLE_SHEET = """
QWidget#conversationPane { background: #ffffff; }
QListWidget#conversationList { border: none; font-size: 11pt; }
QListWidget#conversationList::item { padding: 9px 6px; border-bottom: 1px solid #eef0f1; }
QListWidget#conversationList::item:selected { background: #e9edef; color: #111b21; }
QLabel#accountLabel { font-size: 10.5pt; padding: 2px 2px 0 2px; }
QLabel#connectionLabel { color: #8696a0; padding: 0 2px 6px 2px; }
QLabel#connectionLabel[state="connected"] { color: #25a35a; }
QLabel#connectionLabel[state="disconnected"] { color: #d93025; }
QPushButton#newChatButton { padding: 6px; }
QToolButton#attachButton { padding: 2px 6px; border: none; }
QFrame#conversationHeader { background: #f0f2f5; border-bottom: 1px solid #dfe3e6; }
QLabel#peerName { font-size: 12pt; font-weight: 600; }
QLabel#presenceLabel { color: #667781; }
QFrame#keyChangeBanner { background: #fff3cd; border-bottom: 1px solid #f0d98c; }
QListView#messageList { background: #efeae2; border: none; }
QPushButton#newMessagesButton {
    background: #ffffff; border: 1px solid #cfd6da; border-radius: 14px; padding: 5px 14px;
    color: #008069; font-weight: 600;
}
QWidget#composer { background: #f0f2f5; }
QPlainTextEdit#composerEdit {
    background: #ffffff; border: 1px solid #dfe3e6; border-radius: 8px; padding: 4px 6px;
}
QToolButton#sendButton { padding: 6px 12px; font-weight: 600; }
QLabel#errorLabel { color: #d93025; }
QLabel#safetyNumber { padding: 8px; background: #f5f6f7; border-radius: 6px; }
QLabel#emptyPlaceholder { color: #667781; font-size: 11pt; background: #f0f2f5; }
"""


def apply_style(app: QApplication) -> None:
    """Applies the Fusion style and the style sheet to ``app``."""
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE_SHEET)
