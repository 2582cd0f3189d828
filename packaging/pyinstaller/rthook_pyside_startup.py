"""Runtime hook of the frozen app: before PyInstaller's PySide6 hook loads Qt.

PyInstaller's own PySide6 runtime hook imports ``PySide6.QtCore`` before the app's code runs,
so ``chat_desktop.gui.startup.pyside_import_hook`` would come too late to leave PySide6's ``.pyi``
generator for later. Custom runtime hooks run first: this one installs that finder (it
imports no Qt).
"""

from chat_desktop.gui.startup import pyi_generator_deferral

pyi_generator_deferral.install()
