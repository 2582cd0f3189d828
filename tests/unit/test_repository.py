"""The repository stands alone: no file sends a reader, or a test, to a folder beside it.

Everything a contributor needs (the protocol in ``docs/protocol.md``, the test vectors in
``tests/vectors/``, the set-up in the README) lives inside the repository, so a fresh clone
with nothing next to it builds, tests and explains itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
#: What is checked: every file of these folders, and these files.
CHECKED_FOLDERS = ("chat_desktop", "tests", "scripts", "benchmarks", "docs", ".ci")
CHECKED_FILES = ("README.md", "pyproject.toml")

_SIBLING = "sha" + "red"  # spelled apart so this file does not match its own patterns
#: A mention of the sibling folder: ``../<name>``, ``<name>/…``, or ``/ "<name>"`` in a path.
OUTSIDE_REFERENCE = re.compile(
    rf"\.\./{_SIBLING}\b|\b{_SIBLING}/|/\s*[\"']{_SIBLING}[\"']", re.IGNORECASE
)


def _repository_files() -> list[Path]:
    """Tracked and new (not ignored) files under the checked paths."""
    if shutil.which("git") and (REPO / ".git").exists():
        command = ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--"]
        listed = subprocess.run(
            [*command, *CHECKED_FOLDERS, *CHECKED_FILES],
            cwd=REPO,
            check=True,
            capture_output=True,
        ).stdout.decode()
        return [REPO / name for name in listed.split("\0") if name]
    files = [REPO / name for name in CHECKED_FILES]
    for folder in CHECKED_FOLDERS:
        files += [
            path
            for path in (REPO / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    return files


def _mentions(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError):
        return []  # images and other binary files; a file deleted but not yet committed
    return [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), start=1)
        if OUTSIDE_REFERENCE.search(line)
    ]


def test_the_pattern_catches_every_spelling_of_the_sibling_folder() -> None:
    for line in (
        f"see ../{_SIBLING}/NOTES.md",
        f"the design documents are in {_SIBLING}/",
        f'Path(__file__).parents[4] / "{_SIBLING}" / "vectors"',
    ):
        assert OUTSIDE_REFERENCE.search(line), line
    assert not OUTSIDE_REFERENCE.search(f"keys {_SIBLING} by both sides")


def test_no_file_refers_to_a_folder_outside_the_repository() -> None:
    files = _repository_files()
    assert any(path.name == "README.md" for path in files)
    offending = [mention for path in files for mention in _mentions(path)]
    assert not offending, (
        "these lines send a reader or a test outside the repository; "
        "say what is needed where it is needed, or copy the file into the repository:\n"
        + "\n".join(offending)
    )


def test_no_two_test_modules_share_a_name() -> None:
    """pytest imports test modules by their basename (the test folders are not packages): a
    second module of the same name is not collected, and the whole run stops."""
    seen: dict[str, Path] = {}
    clashes = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        if path.name == "conftest.py" or "__pycache__" in path.parts:
            continue
        if path.name in seen:
            clashes.append(f"{seen[path.name].relative_to(REPO)} and {path.relative_to(REPO)}")
        seen[path.name] = path
    assert not clashes, "rename one of each: " + "; ".join(clashes)
