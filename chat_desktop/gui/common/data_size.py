"""File sizes for people: one unit system and one format everywhere in the app.

Every size the user reads (the preview before sending, a file's bubble and its progress
line, the message details, a refusal) comes from :func:`format_size`: binary units (KiB,
MiB: what the limits are set in), one decimal, through ``QLocale`` so the number and the
unit follow the user's language ("5.0 MiB", "5,0 MiB"). A transfer's progress counts the
encrypted blob, which is larger than the file (padding, MAC); :func:`transfer_sizes` turns
it back into the file's own bytes, so "… of 5.0 MiB" is the size the bubble says.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale


def format_size(size: int) -> str:
    """``size`` bytes for people, in the current locale: "512 bytes", "1.5 KiB", "5.0 MiB"."""
    return QLocale().formattedDataSize(max(0, size), 1, QLocale.DataSizeFormat.DataSizeIecFormat)


def transfer_sizes(done: int, total: int, file_size: int | None) -> tuple[int, int]:
    """``(done, total)`` of a transfer in the file's bytes, from the bytes moved on the wire.

    Args:
        done: Bytes of the blob moved so far.
        total: The blob's size (the file encrypted and padded).
        file_size: The file's own size, when known; otherwise the blob's figures are kept.
    """
    if file_size is None or file_size < 0 or total <= 0:
        return max(0, done), max(0, total)
    share = min(1.0, max(0.0, done / total))
    return round(file_size * share), file_size
