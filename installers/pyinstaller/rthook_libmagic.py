"""PyInstaller runtime hook: libmagic and its database come from the bundle, never from the host.

Runs before any application code: sets ``$MAGIC`` to the bundled ``magic.mgc`` and loads the bundled libmagic
first, so that python-magic's ``CDLL("libmagic.so.1")`` (Windows: ``libmagic.dll`` on ``PATH``; macOS: the
dylib) resolves to it. ``workbench.engine.environment.configure_libmagic()`` does the same when called later.
"""

import ctypes
import os
import sys

_folder = os.path.join(sys._MEIPASS, "libmagic")
_database = os.path.join(_folder, "magic.mgc")
if os.path.isfile(_database):
    os.environ["MAGIC"] = _database
    if sys.platform == "win32":
        os.environ["PATH"] = _folder + os.pathsep + os.environ.get("PATH", "")
        os.add_dll_directory(_folder)
    for _name in ("libmagic.so.1", "libmagic.1.dylib", "libmagic.dylib", "libmagic.dll", "libmagic-1.dll"):
        _lib = os.path.join(_folder, _name)
        if os.path.isfile(_lib):
            try:
                ctypes.CDLL(_lib)
            except OSError:
                continue
            break
