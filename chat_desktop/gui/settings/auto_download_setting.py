"""The "Download files up to N MiB automatically" control of the settings window.

Received images always download by themselves (their bubble shows them); other files do
when their declared size is within this limit (``Preferences.auto_download_mib``). 0 means
never: every file then waits for a click on "Download".
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QSpinBox

from chat_desktop.services.preferences import MAX_AUTO_DOWNLOAD_MIB

# Each call spells its context out, so pyside6-lupdate finds the texts.


def auto_download_label() -> str:
    """The control's label in the form (translated)."""
    return QCoreApplication.translate("PrivacyPage", "Download files automatically up to")


def auto_download_spin() -> QSpinBox:
    """A spin box of whole MiB, 0 ("Never") to the protocol's largest file."""
    spin = QSpinBox()
    spin.setObjectName("autoDownloadSpin")
    spin.setRange(0, MAX_AUTO_DOWNLOAD_MIB)
    spin.setSuffix(QCoreApplication.translate("PrivacyPage", " MiB"))
    spin.setSpecialValueText(QCoreApplication.translate("PrivacyPage", "Never"))
    spin.setKeyboardTracking(False)  # save the number typed, not each digit
    spin.setAccessibleName(
        QCoreApplication.translate("PrivacyPage", "Download received files up to this size")
    )
    spin.setAccessibleDescription(
        QCoreApplication.translate(
            "PrivacyPage",
            "Files up to this many MiB download by themselves, images always do; 0 means never",
        )
    )
    spin.setToolTip(
        QCoreApplication.translate(
            "PrivacyPage",
            "Received files up to this size download by themselves (images always do)",
        )
    )
    return spin
