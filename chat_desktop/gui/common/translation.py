"""The app's language: English (the source texts) or Indonesian, following the system by default.

Every visible string goes through Qt's translation system (``self.tr``,
``QCoreApplication.translate``, ``QT_TRANSLATE_NOOP``). ``scripts/translations`` extracts them
with ``pyside6-lupdate`` into ``gui/i18n/chat_desktop_<lang>.ts`` (the sources translators
edit) and compiles those to the ``.qm`` files loaded here. Dates and times follow the chosen
language's locale through ``QLocale.setDefault``.

Qt ships no Indonesian catalogue of its own, so ours carries the Qt texts the app shows (the
standard buttons, a text box's context menu, the file dialog) under Qt's own contexts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale, Qt, QTranslator

#: Where the compiled catalogues live (package data).
I18N_DIR: Final = Path(__file__).parents[1] / "i18n"  # chat_desktop/gui/i18n
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

# The standard context menu of every text box (the composer: QPlainTextEdit's menu is made by
# QWidgetTextControl; one-line boxes: QLineEdit). The accelerators (&) are Qt's own.
_QT_EDIT_MENU_TEXTS = (
    QT_TRANSLATE_NOOP("QWidgetTextControl", "&Undo"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "&Redo"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "Cu&t"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "&Copy"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "&Paste"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "Delete"),
    QT_TRANSLATE_NOOP("QWidgetTextControl", "Select All"),
    QT_TRANSLATE_NOOP("QLineEdit", "&Undo"),
    QT_TRANSLATE_NOOP("QLineEdit", "&Redo"),
    QT_TRANSLATE_NOOP("QLineEdit", "Cu&t"),
    QT_TRANSLATE_NOOP("QLineEdit", "&Copy"),
    QT_TRANSLATE_NOOP("QLineEdit", "&Paste"),
    QT_TRANSLATE_NOOP("QLineEdit", "Delete"),
    QT_TRANSLATE_NOOP("QLineEdit", "Select All"),
)
_QT_LINK_MENU_TEXT = QT_TRANSLATE_NOOP("QWidgetTextControl", "Copy &Link Location")
# Qt's own file dialog (used whenever the app's language is not the desktop's: see
# :func:`apply_language`) and the column titles of its file list.
_QT_FILE_DIALOG_TEXTS = (
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "File &name:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
    QT_TRANSLATE_NOOP("QFileDialog", "&Open"),
    QT_TRANSLATE_NOOP("QFileDialog", "&Save"),
    QT_TRANSLATE_NOOP("QFileDialog", "&Choose"),
    QT_TRANSLATE_NOOP("QFileDialog", "Open"),
    QT_TRANSLATE_NOOP("QFileDialog", "Save As"),
    QT_TRANSLATE_NOOP("QFileDialog", "Find Directory"),
    QT_TRANSLATE_NOOP("QFileDialog", "Directory:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Back"),
    QT_TRANSLATE_NOOP("QFileDialog", "Forward"),
    QT_TRANSLATE_NOOP("QFileDialog", "Parent Directory"),
    QT_TRANSLATE_NOOP("QFileDialog", "Create New Folder"),
    QT_TRANSLATE_NOOP("QFileDialog", "List View"),
    QT_TRANSLATE_NOOP("QFileDialog", "Detail View"),
    QT_TRANSLATE_NOOP("QFileDialog", "Go back"),
    QT_TRANSLATE_NOOP("QFileDialog", "Go forward"),
    QT_TRANSLATE_NOOP("QFileDialog", "Go to the parent directory"),
    QT_TRANSLATE_NOOP("QFileDialog", "Create a New Folder"),
    QT_TRANSLATE_NOOP("QFileDialog", "Change to list view mode"),
    QT_TRANSLATE_NOOP("QFileDialog", "Change to detail view mode"),
    QT_TRANSLATE_NOOP("QFileDialog", "Sidebar"),
    QT_TRANSLATE_NOOP("QFileDialog", "List of places and bookmarks"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files"),
    QT_TRANSLATE_NOOP("QFileDialog", "Directories"),
    QT_TRANSLATE_NOOP("QFileDialog", "Recent Places"),
    QT_TRANSLATE_NOOP("QFileDialog", "All Files (*)"),
    QT_TRANSLATE_NOOP("QFileDialog", "&New Folder"),
    QT_TRANSLATE_NOOP("QFileDialog", "New Folder"),
    QT_TRANSLATE_NOOP("QFileDialog", "Show &hidden files"),
    QT_TRANSLATE_NOOP("QFileDialog", "&Rename"),
    QT_TRANSLATE_NOOP("QFileDialog", "&Delete"),
    QT_TRANSLATE_NOOP("QFileDialog", "Are you sure you want to delete '%1'?"),
    QT_TRANSLATE_NOOP("QFileDialog", "%1 already exists.\nDo you want to replace it?"),
    QT_TRANSLATE_NOOP(
        "QFileDialog", "%1\nFile not found.\nPlease verify the correct file name was given."
    ),
    QT_TRANSLATE_NOOP("QFileSystemModel", "Name"),
    QT_TRANSLATE_NOOP("QFileSystemModel", "Size"),
    QT_TRANSLATE_NOOP("QFileSystemModel", "Type"),
    QT_TRANSLATE_NOOP("QFileSystemModel", "Kind"),
    QT_TRANSLATE_NOOP("QFileSystemModel", "Date Modified"),
    QT_TRANSLATE_NOOP("QFileSystemModel", "Computer"),
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


def system_language() -> str:
    """The desktop's own language code ("en", "id", "de"…): what its native dialogs speak."""
    languages = QLocale.system().uiLanguages()
    if not languages:
        return SOURCE_LANGUAGE
    code = languages[0].replace("_", "-").split("-")[0].lower()
    return SOURCE_LANGUAGE if code in ("", "c", "posix") else code  # the C locale is English


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
    QLocale.setDefault(QLocale(language))  # numbers, sizes ("5,0 MiB"), dates
    # A desktop's own file dialog speaks the desktop's language and never reads our catalogue:
    # when the app speaks another one, Qt's own dialog (translated by it) is used instead.
    QCoreApplication.setAttribute(
        Qt.ApplicationAttribute.AA_DontUseNativeDialogs, language != system_language()
    )
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
