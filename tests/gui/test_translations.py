"""The catalogues are complete and current: every visible string of the code has its Indonesian
translation, and the compiled ``.qm`` files are what the ``.ts`` sources compile to.

The catalogues are re-extracted from the code with the same ``pyside6-lupdate`` call as
``scripts/translations``, into a temporary copy: a new string in the code shows up there as
"unfinished" (untranslated) and fails here, naming it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

import chat_desktop
from chat_desktop.gui.common import translation

pytestmark = [pytest.mark.gui]

REPO = Path(chat_desktop.__file__).parent.parent
I18N = translation.I18N_DIR
BIN = Path(sys.executable).parent
SOURCES = [
    *sorted((REPO / "chat_desktop" / "gui").glob("*/*.py")),
    REPO / "chat_desktop/desktop_demo.py",
]


def _tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is missing: run scripts/setup (it comes with PySide6)"
    return str(path)


def _untranslated(ts: Path) -> list[str]:
    """The ``context | source`` of every entry without a finished translation."""
    missing = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            text = message.find("translation")
            assert text is not None
            forms = [form.text for form in text.iter("numerusform")] or [text.text]
            if text.get("type") in ("unfinished", "vanished", "obsolete") or not all(forms):
                missing.append(f"{name} | {message.findtext('source')}")
    return missing


def _messages(ts: Path) -> set[tuple[str, str, tuple[str, ...]]]:
    """Every (context, source, translations) of a catalogue."""
    found = set()
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            text = message.find("translation")
            assert text is not None
            forms = tuple(form.text or "" for form in text.iter("numerusform")) or (
                text.text or "",
            )
            found.add((name, message.findtext("source") or "", forms))
    return found


def _extract(language: str, tmp_path: Path, *extra: str) -> Path:
    """Runs lupdate over the code into a copy of ``language``'s catalogue."""
    copy = tmp_path / f"chat_desktop_{language}.ts"
    shutil.copy(I18N / copy.name, copy)
    subprocess.run(
        [
            _tool("pyside6-lupdate"),
            "-silent",
            "-no-obsolete",
            "-locations",
            "none",
            "-source-language",
            "en",
            "-target-language",
            language,
            *extra,
            *map(str, SOURCES),
            "-ts",
            str(copy),
        ],
        check=True,
        capture_output=True,
    )
    return copy


def test_every_string_of_the_code_has_its_indonesian_translation(tmp_path: Path) -> None:
    extracted = _extract("id", tmp_path)
    missing = _untranslated(extracted)
    assert not missing, (
        "strings without an Indonesian translation (run scripts/translations, translate them in "
        "chat_desktop/gui/i18n/chat_desktop_id.ts, run it again):\n" + "\n".join(missing)
    )
    # The committed catalogue holds exactly the extracted messages: nothing stale, nothing
    # left to merge. (Translator comments are not compared: lupdate gathers the code's
    # ``#:`` documentation comments into them, which says nothing about the translations.)
    assert _messages(extracted) == _messages(I18N / extracted.name)


def test_english_plural_forms_are_complete(tmp_path: Path) -> None:
    extracted = _extract("en", tmp_path, "-pluralonly")
    assert not _untranslated(extracted)


@pytest.mark.parametrize("language", ["en", "id"])
def test_compiled_catalogues_are_current(language: str, tmp_path: Path) -> None:
    compiled = tmp_path / f"chat_desktop_{language}.qm"
    subprocess.run(
        [
            _tool("pyside6-lrelease"),
            "-silent",
            "-nounfinished",
            str(I18N / f"chat_desktop_{language}.ts"),
            "-qm",
            str(compiled),
        ],
        check=True,
        capture_output=True,
    )
    assert compiled.read_bytes() == translation.catalogue_path(language).read_bytes(), (
        "the .qm is older than its .ts: run scripts/translations"
    )


def test_the_indonesian_catalogue_translates_at_runtime() -> None:
    translator = QTranslator()
    assert translator.load(str(translation.catalogue_path("id")))
    assert translator.translate("UnlockDialog", "Unlock") == "Buka kunci"
    assert translator.translate("QPlatformTheme", "Cancel") == "Batal"


def test_the_language_choice_switches_qt_texts(qapp: object) -> None:
    try:
        assert translation.apply_language("id") == "id"
        assert QCoreApplication.translate("UnlockDialog", "Unlock") == "Buka kunci"
        assert translation.current_language() == "id"
        assert translation.apply_language("en") == "en"
        assert QCoreApplication.translate("UnlockDialog", "Unlock") == "Unlock"
    finally:
        translation.apply_language("en")


def test_english_counts_read_as_english(qapp: object) -> None:
    """English loads its plural catalogue too: "1 message found", never "1 message(s) found"."""
    from chat_desktop.gui.conversation.message_words import duration_text

    try:
        translation.apply_language("en")
        found = QCoreApplication.translate
        assert found("SearchPanel", "%n message(s) found", "", 1) == "1 message found"
        assert found("SearchPanel", "%n message(s) found", "", 3) == "3 messages found"
        assert duration_text(1) == "1 second"
        assert duration_text(90) == "90 seconds"
        translation.apply_language("id")
        assert duration_text(90) == "90 detik"
    finally:
        translation.apply_language("en")


def test_system_language_is_followed_when_supported() -> None:
    assert translation.resolve_language("id") == "id"
    assert translation.resolve_language("en") == "en"
    assert translation.resolve_language("system") in translation.SUPPORTED
