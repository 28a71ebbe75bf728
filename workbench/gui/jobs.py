"""Core calls off the UI thread: a QThread runs one blocking function and turns its callbacks into signals.

The function receives ``cancel`` (a :class:`CancelToken`) and ``progress`` (a callable); whatever it returns is
emitted by ``succeeded``; an exception becomes ``failed(message, details)`` (the UI thread shows it, nothing is
lost: the case store is written by the core only); :class:`Cancelled` raised by the function is no error.

``succeeded`` is emitted from inside ``run``: a slot queued on the UI thread may run while the thread is still
alive (``isRunning()`` true). The window therefore acts on ``result``/``error``/``cancelled`` only from
``finished`` (emitted once ``isRunning()`` is false), which is what made "Open the demo" fail in 2 runs of 3.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThread, Signal

from workbench.engine.tasks import Cancelled, CancelToken


class JobThread(QThread):
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str, str)

    def __init__(self, fn: Callable[..., Any], name: str = "job", parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._fn = fn
        self.cancel_token = CancelToken()
        self.result: Any = None
        self.error: str | None = None
        self.details = ""

    @property
    def cancelled(self) -> bool:
        return self.cancel_token.cancelled

    def run(self) -> None:
        try:
            self.result = self._fn(cancel=self.cancel_token, progress=self.progressed.emit)
        except Cancelled:
            self.result = None
        except Exception as exc:  # shown to the analyst; the job's own errors are one-line already
            from workbench.engine.pipeline import ScanError

            self.error = str(exc) if isinstance(exc, ScanError) else f"{type(exc).__name__}: {exc}"
            self.details = traceback.format_exc()
            self.failed.emit(self.error, self.details)
        else:
            self.succeeded.emit(self.result)

    def cancel(self) -> None:
        self.cancel_token.cancel()
