"""Leaves PySide6's ``.pyi`` generator for when it is used, not every start.

PySide6's signature support imports ``shibokensupport.signature.lib.pyi_generator`` (the code
behind ``pyside6-genpyi``) at every start, and its class body compiles a large regular
expression: about 30 ms of each cold start (benchmarks/ui.py). The app never writes ``.pyi``
files. :func:`install` (before PySide6 loads) adds a finder that gives that module an empty
body which runs the real code when one of its names is first asked for; the tool still works.

It works when PySide6 imports its support modules as files (``shiboken6/files.dir``, made by
``scripts/pyside-support-files``); from the zip inside shiboken's library, that zip's importer
comes first and nothing changes. This module imports no Qt, so the frozen app's runtime hook
(``packaging/pyinstaller/rthook_pyside_startup.py``) can install it before PyInstaller's own
PySide6 hook loads Qt.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

#: PySide6's ``.pyi`` generator, imported by its signature loader at start.
PYI_GENERATOR = "shibokensupport.signature.lib.pyi_generator"


class _LoadOnFirstUse(importlib.abc.Loader):
    """Creates the module empty; runs its code when one of its names is first asked for."""

    def __init__(self, real: importlib.machinery.ModuleSpec) -> None:
        self._real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        real = self._real

        def load_then_get(name: str) -> Any:
            namespace = vars(module)
            namespace.pop("__getattr__", None)  # once loaded, names are found directly
            published = module.__spec__  # PySide6 renames it (PySide6.support.…)
            module.__spec__ = real  # the real loader finds the code by the original name
            try:
                assert real.loader is not None
                real.loader.exec_module(module)
            finally:
                module.__spec__ = published
            return getattr(module, name)

        module.__getattr__ = load_then_get  # type: ignore[method-assign]  # PEP 562


class DeferredPyiGenerator(importlib.abc.MetaPathFinder):
    """Finds :data:`PYI_GENERATOR` where PySide6 keeps it, and defers running its code."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != PYI_GENERATOR:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            real = finder.find_spec(fullname, path, target)
            if real is not None and real.loader is not None:
                return importlib.util.spec_from_loader(
                    fullname, _LoadOnFirstUse(real), origin=real.origin
                )
        return None


def install() -> bool:
    """Installs :class:`DeferredPyiGenerator` if PySide6 is not loaded yet. True when the
    finder is in place (installed now, or earlier: the frozen app's runtime hook); False if
    PySide6 came first (then its generator has run already and nothing is changed)."""
    if any(isinstance(finder, DeferredPyiGenerator) for finder in sys.meta_path):
        return True
    if "shiboken6" in sys.modules:
        return False
    sys.meta_path.insert(0, DeferredPyiGenerator())
    return True


def still_deferred() -> bool:
    """Whether PySide6's ``.pyi`` generator is loaded but its code has not run (the self-test
    reports it): its module still answers names through :class:`_LoadOnFirstUse`."""
    module = sys.modules.get(PYI_GENERATOR)
    return module is not None and "__getattr__" in vars(module)
