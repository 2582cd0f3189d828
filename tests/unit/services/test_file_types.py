"""Which received files could run a program if "Open" handed them over (issue 18 §3).

The verdict comes from the name (the last extension, as Windows reads it) and from the
content's magic bytes, so ``a.pdf`` holding a Windows program is refused as surely as ``x.sh``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PIL import Image

from chat_desktop.services.file_types import (
    UnsafeToOpen,
    could_run,
    display_file_name,
    refuse_if_it_could_run,
    runs_by_content,
    runs_by_name,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "name",
    [
        "setup.exe",
        "SETUP.EXE",
        "invoice.pdf.exe",  # the last extension counts
        "invoice.exe.",  # Windows drops trailing dots and spaces
        "invoice.exe . ",
        "a.msi",
        "run.bat",
        "run.cmd",
        "script.ps1",
        "macro.vbs",
        "code.js",
        "tool.jar",
        "screen.scr",
        "link.lnk",
        "Thing.app",
        "do.command",
        "open.terminal",
        "launcher.desktop",
        "install.sh",
        "installer.run",
        "Tool.AppImage",
        "script.py",
        "page.hta",
        "settings.reg",
        "shortcut.url",
        "package.deb",
        "disk.iso",  # mounting shows its programs without the download mark
        "Install.dmg",
        "budget.xlsm",  # Office documents with macros
        "a.exe:stream",  # an alternate data stream of a.exe
    ],
)
def test_executable_and_script_names_are_refused(name: str) -> None:
    assert runs_by_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "report.pdf",
        "photo.PNG",
        "notes.txt",
        "archive.zip",
        "exe",
        "exe.pdf",
        "data.json",
        "",
        None,
    ],
)
def test_document_names_are_not(name: str | None) -> None:
    assert not runs_by_name(name)


@pytest.mark.parametrize(
    "head",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",  # Windows (DOS/PE) program
        b"\x7fELF\x02\x01\x01\x00",  # Linux program or library
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01",  # Mach-O 64-bit
        b"\xfe\xed\xfa\xce\x00\x00\x00\x07",  # Mach-O 32-bit, big-endian
        b"\xca\xfe\xba\xbe\x00\x00\x00\x02",  # Mach-O universal (or a Java class)
        b"#!/bin/sh\nrm -rf ~\n",
        b"\xef\xbb\xbf#!/usr/bin/env python3\n",
        b"[Desktop Entry]\nType=Application\nExec=sh -c x\n",
        b"# a comment first\n\n[Desktop Entry]\nExec=x\n",
        b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00",  # a Windows shortcut
    ],
)
def test_program_contents_are_refused(head: bytes) -> None:
    assert runs_by_content(head)


@pytest.mark.parametrize(
    "head",
    [b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"plain words\n", b"", b"M", b"Z#!"],
)
def test_document_contents_are_not(head: bytes) -> None:
    assert not runs_by_content(head)


def test_files_on_disk_are_judged_by_name_and_content(tmp_path: Path) -> None:
    program = tmp_path / "a.pdf"
    program.write_bytes(b"MZ" + bytes(200))
    assert could_run("a.pdf", program)

    jar = tmp_path / "tool.zip"
    with zipfile.ZipFile(jar, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Main-Class: Evil\n")
        archive.writestr("Evil.class", b"\xca\xfe\xba\xbe")
    assert could_run("tool.zip", jar)

    document = tmp_path / "letter.odt"  # a zip with META-INF/manifest.xml: not a Java archive
    with zipfile.ZipFile(document, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    assert not could_run("letter.odt", document)

    picture = tmp_path / "photo.png"
    Image.new("RGB", (8, 8)).save(picture)
    assert not could_run("photo.png", picture)
    assert could_run("photo.sh", picture)  # the name alone is enough


def test_refusing_removes_the_copy_and_says_why(tmp_path: Path) -> None:
    copy = tmp_path / "invoice.pdf"
    copy.write_bytes(b"\x7fELF" + bytes(60))
    with pytest.raises(UnsafeToOpen) as error:
        refuse_if_it_could_run("invoice.pdf", copy)
    assert not copy.exists()
    assert "invoice" not in str(error.value)
    with pytest.raises(UnsafeToOpen):
        refuse_if_it_could_run("x.sh")  # by name, before any copy is made
    harmless = tmp_path / "fine.pdf"
    harmless.write_bytes(b"%PDF-1.4\n")
    refuse_if_it_could_run("fine.pdf", harmless)
    assert harmless.exists()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("invoice_2024_\u202efdp.exe", "invoice_2024_fdp.exe"),
        ("a\u2067b\u2069.pdf", "ab.pdf"),
        ("plain.pdf", "plain.pdf"),
        (None, ""),
    ],
)
def test_shown_names_lose_their_controls(name: str | None, shown: str) -> None:
    assert display_file_name(name) == shown


def test_long_names_are_elided_in_the_middle_and_keep_the_extension() -> None:
    shown = display_file_name("invoice_" + "x" * 200 + "_final.pdf.exe", limit=40)
    assert len(shown) == 40
    assert shown.startswith("invoice_x") and shown.endswith("final.pdf.exe")
    assert "…" in shown
    assert display_file_name("short.pdf", limit=40) == "short.pdf"
