"""The licences of the components the app runs on, for the About page.

Read at run time from the metadata of the installed distributions the app requires (and what
those require in turn), so the list always matches what actually ships. Native libraries that
wheels carry inside them (Qt, SQLCipher, OpenSSL) have no metadata of their own: they are
named here, next to the distribution that bundles them.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
from dataclasses import dataclass

#: The distribution of the app itself (its requirements are the root of the walk).
APP_DISTRIBUTION = "chat_desktop"

#: Licences of distributions whose metadata names none (checked against their LICENSE file).
_KNOWN_LICENCES = {"sqlcipher3": "Zlib"}

#: Native libraries bundled inside a distribution's wheel: (library, carrier, licence).
BUNDLED_LIBRARIES: tuple[tuple[str, str, str], ...] = (
    ("Qt", "pyside6-essentials", "LGPL-3.0-only"),
    ("SQLCipher", "sqlcipher3", "BSD-3-Clause"),
    ("OpenSSL", "cryptography", "Apache-2.0"),
)

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_CLASSIFIER_PREFIX = "License :: "
#: A ``License`` field longer than this is the licence's whole text, not its name.
_MAX_LICENCE_NAME = 80


@dataclass(frozen=True)
class Component:
    """One component the app runs on.

    Attributes:
        name: The distribution's (or bundled library's) name.
        version: Its version ("" when a bundled library's own version is not known).
        licence: An SPDX expression or the licence's name ("" when the metadata names none).
        bundled_in: For a native library, the distribution whose wheel carries it.
    """

    name: str
    version: str
    licence: str
    bundled_in: str = ""


def normalized(name: str) -> str:
    """``name`` as package indexes compare it (PEP 503: case and ``-_.`` runs ignored)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _field(distribution: metadata.Distribution, name: str) -> str:
    """The first value of metadata field ``name`` ("" if absent)."""
    values = distribution.metadata.get_all(name) or []
    return str(values[0]).strip() if values else ""


def licence_of(distribution: metadata.Distribution) -> str:
    """The licence a distribution declares: SPDX expression, short name, else its classifier."""
    expression = _field(distribution, "License-Expression")
    if expression:
        return expression
    declared = _field(distribution, "License")
    if declared and "\n" not in declared and len(declared) <= _MAX_LICENCE_NAME:
        return declared
    classifiers = [
        classifier.split(" :: ")[-1]
        for classifier in distribution.metadata.get_all("Classifier") or []
        if classifier.startswith(_CLASSIFIER_PREFIX)
    ]
    if classifiers:
        return " / ".join(classifiers)
    return _KNOWN_LICENCES.get(normalized(_field(distribution, "Name")), "")


def _runtime_requirements(distribution: metadata.Distribution) -> list[str]:
    """Names of what ``distribution`` needs to run (requirements of extras left out)."""
    names = []
    for requirement in distribution.requires or []:
        _spec, _semicolon, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        match = _NAME.match(requirement)
        if match is not None:
            names.append(match.group(1))
    return names


def runtime_components(root: str = APP_DISTRIBUTION) -> list[Component]:
    """Every installed distribution ``root`` needs at run time, then the bundled libraries.

    The walk follows requirements transitively; one that is not installed (another
    platform's, or left out by a marker) is skipped. Sorted by name, case-insensitively.

    Raises:
        importlib.metadata.PackageNotFoundError: ``root`` itself is not installed.
    """
    found: dict[str, Component] = {}
    pending = _runtime_requirements(metadata.distribution(root))
    while pending:
        name = pending.pop()
        key = normalized(name)
        if key in found:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[key] = Component(
            _field(distribution, "Name") or name,
            distribution.version,
            licence_of(distribution),
        )
        pending.extend(_runtime_requirements(distribution))
    components = sorted(found.values(), key=lambda component: component.name.lower())
    for library, carrier, licence in BUNDLED_LIBRARIES:
        if carrier in found:
            components.append(Component(library, "", licence, found[carrier].name))
    return components


def app_version(root: str = APP_DISTRIBUTION) -> str:
    """The installed version of the app ("" if it runs from a tree that was never installed)."""
    try:
        return metadata.version(root)
    except metadata.PackageNotFoundError:
        return ""
