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
   names is first used instead (:mod:`chat_desktop.gui.startup.pyi_generator_deferral`).

Only a PySide6 that has these internals is changed (pinned to 6.11 in pyproject.toml); on any
other both do nothing and say so. Importing this module applies both, then loads PySide6
(:data:`SKIPPING`, :data:`DEFERRING`): ``chat_desktop.app`` imports it before the GUI modules.
"""

from __future__ import annotations

from typing import Any

from chat_desktop.gui.startup import pyi_generator_deferral

#: The mark PySide6 gives a module that does not take part in feature switching.
_IGNORED = -1
#: Whether PySide6's ``.pyi`` generator loads on first use in this process (done on import;
#: already done if the frozen app's runtime hook installed the finder first).
DEFERRING = pyi_generator_deferral.install()

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
