"""Received files that could run a program: refused by "Open", from their name and content.

"Open" hands a decrypted copy to the desktop's default application. For a program or a
script that application is the program itself (or a launcher), so a contact could run code
on our computer with one click; and a name can lie about its type (``invoice.pdf`` holding
a Windows program, ``report.pdf.exe``). So a file is refused when either says it could run:

- its name: the last extension as Windows reads it (trailing dots and spaces dropped, an
  alternate data stream's suffix ignored), compared case-insensitively with
  :data:`EXECUTABLE_EXTENSIONS` (Windows, macOS and Linux programs, scripts, installers,
  shortcuts);
- its content: the magic bytes of a Windows (``MZ``), Linux (ELF) or macOS (Mach-O, thin or
  universal) program or a Java class, a ``#!`` script, a ``[Desktop Entry]`` launcher, a
  Windows shortcut, or a zip holding ``META-INF/MANIFEST.MF`` (a Java archive).

The user can still save such a file and open it themselves. The GUI adds the desktop's own
MIME database on top (``QMimeDatabase``); this module knows no Qt.

It also holds what names become on our side: :func:`safe_file_name` for a file we create
and :func:`display_file_name` for a name we show.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Final

from chat_desktop.protocol.message_content import strip_file_name_controls
from chat_desktop.services.client_errors import ClientError

#: Extensions whose default application runs the file or installs it (lower case, no dot).
EXECUTABLE_EXTENSIONS: Final = frozenset(
    {
        # Windows programs, libraries, installers and packages.
        *("exe", "com", "scr", "pif", "cpl", "dll", "ocx", "sys", "drv", "efi"),
        *("msi", "msp", "mst", "msu", "msix", "msixbundle", "appx", "appxbundle"),
        *("application", "appref-ms", "gadget", "xbap", "xll", "cab", "diagcab"),
        # Windows scripts and script hosts.
        *("bat", "cmd", "btm", "vb", "vbe", "vbs", "vbp", "js", "jse", "ws", "wsf", "wsh"),
        *("wsc", "wsb", "sct", "hta", "htc", "ps1", "ps1xml", "ps2", "ps2xml", "psc1"),
        *("psc2", "psd1", "psdm1", "psm1", "pssc", "cdxml", "msh", "msh1", "msh2", "mshxml"),
        *("msh1xml", "msh2xml", "bas", "mcf", "vsmacros", "vsw", "prg", "fxp"),
        # Windows shortcuts, settings, help and other files that launch or configure.
        *("lnk", "url", "website", "scf", "shb", "shs", "xnk", "inf", "ins", "isp", "reg"),
        *("settingcontent-ms", "library-ms", "searchconnector-ms", "msc", "chm", "hlp"),
        *("hpj", "cnt", "job", "theme", "its", "grp", "osd", "ops", "pcd", "plg", "prf"),
        *("printerexport", "webpnp", "cer", "crt", "der", "vhd", "vhdx"),
        # Microsoft Access files (they run their macros).
        *("ade", "adp", "mad", "maf", "mag", "mam", "maq", "mar", "mas", "mat", "mau"),
        *("mav", "maw", "mda", "mdb", "mde", "mdt", "mdw", "mdz", "accde"),
        # Disk images (opening one mounts it and shows its programs without the download
        # mark) and Office documents that carry macros.
        *("iso", "img", "udf", "dmg", "sparseimage", "sparsebundle"),
        *("docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm"),
        # Java.
        *("jar", "jnlp", "class"),
        # Interpreted scripts (run on a double click where the interpreter is installed).
        *("py", "pyw", "pyc", "pyo", "pyz", "pyzw", "pl", "rb", "php", "lua", "tcl"),
        # Unix shells, Linux programs, launchers and packages.
        *("sh", "bash", "zsh", "csh", "tcsh", "ksh", "fish", "run", "bin", "out", "elf"),
        *("so", "ko", "appimage", "desktop", "deb", "rpm", "snap", "flatpak"),
        *("flatpakref", "flatpakrepo"),
        # macOS applications, scripts, installers, plug-ins and launching locations.
        *("app", "command", "terminal", "tool", "pkg", "mpkg", "workflow", "action"),
        *("scpt", "scptd", "applescript", "osax", "dylib", "bundle", "kext", "prefpane"),
        *("plugin", "saver", "qlgenerator", "webloc", "inetloc", "fileloc"),
    }
)
#: How much of the start of a file is read for its magic bytes.
HEAD_SIZE: Final = 4096
#: Where an executable format announces itself in a file's first bytes.
_PROGRAM_MAGIC: Final = (
    b"MZ",  # DOS and Windows (PE) programs and libraries
    b"ZM",  # the byte-swapped DOS signature, which Windows accepts too
    b"\x7fELF",  # Linux and BSD programs and libraries (AppImage included)
    b"\xfe\xed\xfa\xce",  # Mach-O, 32-bit, big-endian
    b"\xce\xfa\xed\xfe",  # Mach-O, 32-bit, little-endian
    b"\xfe\xed\xfa\xcf",  # Mach-O, 64-bit, big-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O, 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary, or a Java class
    b"\xca\xfe\xba\xbf",  # Mach-O universal binary, 64-bit
    b"#!",  # a script for the interpreter it names
    b"L\x00\x00\x00\x01\x14\x02\x00",  # a Windows shortcut (.lnk)
)
_UTF8_BOM: Final = b"\xef\xbb\xbf"
_DESKTOP_ENTRY: Final = b"[Desktop Entry]"
_JAR_MANIFEST: Final = "meta-inf/manifest.mf"
_MAX_OPEN_NAME: Final = 120
_MAX_EXTENSION: Final = 16
_ELLIPSIS: Final = "…"


class UnsafeToOpen(ClientError):
    """The file could run a program on this computer, so it is not handed to "Open".

    Nothing of it is left in the opening folder; saving it still works.
    """


def runs_by_name(name: str | None) -> bool:
    """Whether the extension of ``name`` is one whose default application runs the file.

    The last extension counts (``a.pdf.exe`` is a program); trailing dots and spaces are
    dropped as Windows drops them, and an alternate data stream (``a.exe:x``) names ``a.exe``.
    """
    if not name:
        return False
    candidates = {name, name.split(":", 1)[0], safe_file_name(name)}
    return any(_extension(candidate) in EXECUTABLE_EXTENSIONS for candidate in candidates)


def runs_by_content(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a program, script or launcher."""
    text = head.removeprefix(_UTF8_BOM)
    if text.startswith(_PROGRAM_MAGIC):
        return True
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(b"#"):
            continue  # a launcher may begin with blank lines and comments
        return stripped == _DESKTOP_ENTRY
    return False


def could_run(name: str | None, path: Path) -> bool:
    """Whether the file at ``path``, received as ``name``, could run a program (blocking).

    Raises:
        OSError: ``path`` cannot be read.
    """
    if runs_by_name(name):
        return True
    with path.open("rb") as source:
        head = source.read(HEAD_SIZE)
    return runs_by_content(head) or (head.startswith(b"PK") and _is_java_archive(path))


def refuse_if_it_could_run(name: str | None, path: Path | None = None) -> None:
    """Raises :class:`UnsafeToOpen` if ``name`` (or the copy at ``path``) could run.

    Called before a copy for "Open" is made (name only), then on the copy itself (blocking:
    run it in a thread), which is removed when it is refused.
    """
    if path is None:
        unsafe = runs_by_name(name)
    else:
        unsafe = could_run(name, path)
        if unsafe:
            path.unlink(missing_ok=True)
    if unsafe:
        raise UnsafeToOpen(
            "this file could run a program on your computer, so it is not opened: "
            "save it and open it yourself only if you trust it"
        )


def safe_file_name(name: str | None) -> str:
    """A file name (from a peer) safe to create in a folder of ours.

    Path separators, control characters, leading dots and trailing dots and spaces (Windows
    drops them, which would change the extension) are removed, the length bounded (keeping
    the extension), and an empty result becomes ``attachment``.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(
        "_" if char in "/\\:" or unicodedata.category(char).startswith("C") else char
        for char in text
    )
    text = text.strip().lstrip(".").rstrip(". ")
    if len(text) > _MAX_OPEN_NAME:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= _MAX_EXTENSION:
            text = stem[: _MAX_OPEN_NAME - len(extension) - 1] + "." + extension
        else:
            text = text[:_MAX_OPEN_NAME]
    return text or "attachment"


def display_file_name(name: str | None, limit: int = 0) -> str:
    """A file name as shown: without the characters that hide its real extension.

    Names stored before the protocol refused them (docs/protocol.md §4) lose their
    bidirectional and other controls here too. With ``limit`` (in characters), a longer
    name keeps its start and its end, extension included, around an ellipsis.
    """
    text = strip_file_name_controls(name or "")
    if limit <= 0 or len(text) <= limit:
        return text
    _stem, dot, extension = text.rpartition(".")
    ending = len(extension) + 1 if dot and len(extension) <= _MAX_EXTENSION else 0
    tail = min(max(ending, (limit - 1) // 3), limit - 2)
    head = limit - 1 - tail
    return text[:head] + _ELLIPSIS + text[len(text) - tail :]


def _extension(name: str) -> str:
    """The last extension of ``name`` as Windows reads it, case-folded ("" when none)."""
    _stem, dot, extension = name.rstrip(". ").rpartition(".")
    return extension.casefold() if dot else ""


def _is_java_archive(path: Path) -> bool:
    """Whether the zip at ``path`` is a Java archive (it has a JAR manifest)."""
    import zipfile  # loads when first used: not needed before the first window (start-up)

    try:
        with zipfile.ZipFile(path) as archive:
            return any(entry.casefold() == _JAR_MANIFEST for entry in archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
