"""Keeps PySide6 from reading the source of every module the app imports after it.

PySide6 replaces ``__import__`` to support ``from __feature__ import snake_case``: after each
import it reads the module's whole source file to see whether it mentions PySide6
(``shibokensupport.feature.feature_imported``, PYSIDE-2029), and marks the module 0 ("uses
PySide, no feature") or -1 ("ignore"). For the app's start that is some 40–60 ms of reading
files (benchmarks/ui.py). The app selects no feature anywhere, so both marks select the same
(default) names; every module is marked -1 straight away, without reading it.

Only a PySide6 that has this hook is changed (pinned to 6.11 in pyproject.toml); on any
other the function does nothing and says so. Importing this module loads PySide6 and applies
it (:data:`SKIPPING`): ``chat_desktop.app`` imports it before the GUI modules.
"""

from __future__ import annotations

from typing import Any

import PySide6  # noqa: F401 - the hook exists once PySide6 is loaded

#: The mark PySide6 gives a module that does not take part in feature switching.
_IGNORED = -1


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
