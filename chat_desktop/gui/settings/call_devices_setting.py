"""Settings → Calls: the microphone, speakers and camera calls use.

Each list offers "System default" first, then the devices this computer has (PortAudio's
inputs and outputs, the cameras PyAV can open). A device chosen earlier and not connected
now stays in its list, marked as not found, so that the choice is not lost while a headset
is unplugged. The choice saves at once (``Preferences.call_microphone`` …) and applies from
the next call. Listing the devices loads PortAudio and PyAV, so it runs off the GUI thread,
when the page is first loaded.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.settings.pages import SaveQueue, hint_label, page_layout
from chat_desktop.services.client import ChatClient
from chat_desktop.services.preferences import Preferences

#: The preference of each list.
FIELDS = ("call_microphone", "call_speaker", "call_camera")


def list_devices() -> tuple[list[str], list[str], list[str]]:
    """The microphones, speakers and cameras of this computer, by name (slow: a thread)."""
    from chat_desktop.services.call_camera import camera_names
    from chat_desktop.services.voice_devices import input_device_names, output_device_names

    return input_device_names(), output_device_names(), camera_names()


class CallsPage(QWidget):
    """The devices calls use.

    Signals:
        devicesChanged(str, str, str): The microphone, speaker and camera chosen, saved.
    """

    devicesChanged = Signal(str, str, str)  # noqa: N815

    def __init__(self, client: ChatClient, saves: SaveQueue) -> None:
        """Builds the lists; they stay disabled until :meth:`load` has read the devices."""
        super().__init__()
        self.setObjectName("callsPage")
        self._client = client
        self._saves = saves
        self._saved = Preferences()
        layout, form = page_layout(self, self.tr("Calls"))
        self.microphone_combo = QComboBox()
        self.microphone_combo.setObjectName("microphoneCombo")
        self.speaker_combo = QComboBox()
        self.speaker_combo.setObjectName("speakerCombo")
        self.camera_combo = QComboBox()
        self.camera_combo.setObjectName("cameraCombo")
        self._combos = dict(
            zip(FIELDS, (self.microphone_combo, self.speaker_combo, self.camera_combo), strict=True)
        )
        name_controls(
            (self.microphone_combo, self.tr("Microphone for calls")),
            (self.speaker_combo, self.tr("Speakers for calls")),
            (self.camera_combo, self.tr("Camera for video calls")),
        )
        form.addRow(self.tr("Microphone"), self.microphone_combo)
        form.addRow(self.tr("Speakers"), self.speaker_combo)
        form.addRow(self.tr("Camera"), self.camera_combo)
        for combo in self._combos.values():
            combo.setMinimumContentsLength(20)
        #: One line per kind of device this computer lacks (each hidden while it has one).
        self.missing_labels = dict(
            zip(
                FIELDS,
                (
                    hint_label(self.tr("No microphone found.")),
                    hint_label(self.tr("No speakers found.")),
                    hint_label(self.tr("No camera found.")),
                ),
                strict=True,
            )
        )
        for field, label in self.missing_labels.items():
            label.setObjectName(f"missing_{field}")
            label.hide()
            layout.addWidget(label)
        layout.addWidget(hint_label(self.tr("Changes apply from the next call.")))
        layout.addStretch(1)
        for field, combo in self._combos.items():
            combo.currentIndexChanged.connect(
                lambda _i, field=field, combo=combo: self.save(field, combo.currentData())
            )
        self.setEnabled(False)

    async def load(self) -> None:
        """Lists the devices and shows the saved choice, then enables the lists."""
        self._saved = await self._client.preferences.load()
        microphones, speakers, cameras = await asyncio.to_thread(list_devices)
        for field, names in zip(FIELDS, (microphones, speakers, cameras), strict=True):
            self._fill(field, names)
        for field, names in zip(FIELDS, (microphones, speakers, cameras), strict=True):
            self.missing_labels[field].setVisible(not names)
        self.setEnabled(True)

    def _fill(self, field: str, names: list[str]) -> None:
        combo = self._combos[field]
        chosen = getattr(self._saved, field)
        with QSignalBlocker(combo):
            combo.clear()
            combo.addItem(self.tr("System default"), "")
            for name in names:
                combo.addItem(name, name)
            if chosen and chosen not in names:
                combo.addItem(self.tr("%1 (not found)").replace("%1", chosen), chosen)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))

    def _show(self, field: str) -> None:
        combo = self._combos[field]
        with QSignalBlocker(combo):
            combo.setCurrentIndex(max(0, combo.findData(getattr(self._saved, field))))

    def save(self, field: str, value: Any) -> None:
        """Saves one device choice (queued after any earlier save)."""

        async def work() -> None:
            wanted = msgspec.structs.replace(self._saved, **{field: value or ""})
            await self._client.preferences.save(wanted)
            self._saved = wanted
            self.devicesChanged.emit(
                wanted.call_microphone, wanted.call_speaker, wanted.call_camera
            )

        self._saves.run(work, f"save {field}", lambda: self._show(field))
