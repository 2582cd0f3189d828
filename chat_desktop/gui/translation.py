"""The app's language: English (the source texts) or Indonesian, following the system by default.

Every visible string goes through Qt's translation system (``self.tr``,
``QCoreApplication.translate``, ``QT_TRANSLATE_NOOP``). ``scripts/translations`` extracts them
with ``pyside6-lupdate`` into ``gui/i18n/chat_desktop_<lang>.ts`` (the sources translators
edit) and compiles those to the ``.qm`` files loaded here. Dates and times follow the chosen
language's locale through ``QLocale.setDefault``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale, QTranslator

#: Where the compiled catalogues live (package data).
I18N_DIR: Final = Path(__file__).parent / "i18n"
#: The languages the app speaks; English is the source language (no catalogue needed).
SUPPORTED: Final = ("en", "id")
SOURCE_LANGUAGE: Final = "en"
#: Each language's name in itself (never translated: a reader of one language must find it).
AUTONYMS: Final = {"en": "English", "id": "Bahasa Indonesia"}
#: The app's name, the same in every language.
APP_NAME: Final = "chat_desktop"

# Qt's own texts on standard buttons (QDialogButtonBox, QMessageBox): Qt ships no Indonesian
# catalogue, so ours carries them under Qt's context.
_QT_BUTTON_TEXTS = (
    QT_TRANSLATE_NOOP("QPlatformTheme", "OK"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Cancel"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Close"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&Yes"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&No"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Apply"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Save"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Discard"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Help"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Open"),
)

_installed: QTranslator | None = None


def resolve_language(choice: str) -> str:
    """The language to use for ``choice`` ("system", "en", "id"): the system's if supported."""
    if choice in SUPPORTED:
        return choice
    for name in QLocale.system().uiLanguages():
        code = name.replace("_", "-").split("-")[0].lower()
        if code in SUPPORTED:
            return code
    return SOURCE_LANGUAGE


def catalogue_path(language: str) -> Path:
    """The compiled catalogue of ``language``."""
    return I18N_DIR / f"chat_desktop_{language}.qm"


class CatalogueMissing(RuntimeError):
    """The compiled catalogue of a supported language is not where the package puts it."""


def apply_language(choice: str = "system") -> str:
    """Makes ``choice`` the app's language (replacing any earlier one); returns the language used.

    Windows built after this speak the language; the controller rebuilds the open ones.

    Raises:
        CatalogueMissing: The language's ``.qm`` is missing (a broken install).
    """
    global _installed
    app = QCoreApplication.instance()
    language = resolve_language(choice)
    if app is not None and _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
    QLocale.setDefault(QLocale(language))
    if app is None:
        return language
    translator = QTranslator(app)
    path = catalogue_path(language)
    if not translator.load(str(path)):
        raise CatalogueMissing(f"the {language} translation is missing ({path.name})")
    # English too: its catalogue holds the plural forms ("1 message found", not
    # "1 message(s) found"), which only a loaded catalogue provides.
    app.installTranslator(translator)
    _installed = translator
    return language


def current_language() -> str:
    """The language installed by :func:`apply_language` (English when none was)."""
    if _installed is None:
        return SOURCE_LANGUAGE
    return _installed.language().split("_")[0] or SOURCE_LANGUAGE
