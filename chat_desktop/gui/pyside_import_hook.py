"""Loads PySide6 without two costs of its import machinery the app does not use.

1. **The ``__feature__`` source scan.** PySide6 replaces ``__import__`` to support ``from
   __feature__ import snake_case``: after each import it reads the module's whole source file
   to see whether it mentions PySide6 (``shibokensupport.feature.feature_imported``,
   PYSIDE-2029), and marks the module 0 ("uses PySide, no feature") or -1 ("ignore"). For
   the app's start that is some 40–60 ms of reading files (benchmarks/ui.py). The app selects
   no feature anywhere, so both marks select the same (default) names; every module is marked
   -1 straight away, without reading it (:func:`skip_feature_source_scan`).
2. **The ``.pyi`` generator.** PySide6's signature support imports
   ``shibokensupport.signature.lib.pyi_generator`` (the code behind ``pyside6-genpyi``) at
   every start, and its class body compiles a large regular expression: about 30 ms of each
   cold start. The app never writes ``.pyi`` files, so that module is loaded when one of its
   names is first used instead (:class:`DeferredPyiGenerator`); the tool itself still works.

Only a PySide6 that has these internals is changed (pinned to 6.11 in pyproject.toml); on any
other both do nothing and say so. Importing this module applies both, then loads PySide6
(:data:`SKIPPING`, :data:`DEFERRING`): ``chat_desktop.app`` imports it before the GUI modules.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

#: The mark PySide6 gives a module that does not take part in feature switching.
_IGNORED = -1
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


def defer_pyi_generator() -> bool:
    """Installs :class:`DeferredPyiGenerator` if PySide6 is not loaded yet; False if it is
    (then its generator has run already and nothing is changed)."""
    if "shiboken6" in sys.modules:
        return False
    if not any(isinstance(finder, DeferredPyiGenerator) for finder in sys.meta_path):
        sys.meta_path.insert(0, DeferredPyiGenerator())
    return True


#: Whether PySide6's ``.pyi`` generator loads on first use in this process (done on import).
DEFERRING = defer_pyi_generator()

import PySide6  # noqa: E402, F401 - after the finder; the feature hook exists once it is loaded


def skip_feature_source_scan() -> bool:
    """Marks modules imported from now on without reading their source; False if this
    PySide6 has no such hook (then nothing is changed)."""
    try:
        from shibokensupport import feature  # type: ignore[import-not-found]
    except ImportError:
        return False
    table = getattr(feature, "pyside_feature_dict", None)
    if not isinstance(table, dict) or not callable(getattr(feature, "feature_imported", None)):
        return False

    def feature_imported(module: Any) -> None:
        name = getattr(module, "__name__", None)
        if isinstance(name, str) and name not in table:
            table[name] = _IGNORED

    feature.feature_imported = feature_imported
    return True


#: Whether the source scan is skipped in this process (done on import).
SKIPPING = skip_feature_source_scan()
