"""A peer's file name becomes a safe name for the "Open" copy."""

from __future__ import annotations

import pytest

from chat_desktop.services.file_types import safe_file_name

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../.bashrc", "_.._.bashrc"),
        ("..", "attachment"),
        ("", "attachment"),
        (None, "attachment"),
        ("a\x00b\x1b[31m.txt", "a_b_[31m.txt"),
        ("C:\\Windows\\evil.exe", "C__Windows_evil.exe"),
        ("\u202egnp.exe", "_gnp.exe"),
        ("invoice.pdf.exe. . ", "invoice.pdf.exe"),  # Windows would drop the dots and spaces
    ],
)
def test_names_lose_separators_controls_and_leading_dots(name: str | None, safe: str) -> None:
    assert safe_file_name(name) == safe


def test_long_names_keep_their_extension() -> None:
    result = safe_file_name("x" * 500 + ".tar.gz")
    assert len(result) == 120 and result.endswith(".gz")
