"""Core calls off the UI thread: a QThread runs one blocking function and turns its callbacks into signals.

The function receives ``cancel`` (a :class:`CancelToken`) and ``progress`` (a callable); whatever it returns is
emitted by ``succeeded``; an exception becomes ``failed(message, details)`` (the UI thread shows it, nothing is
lost: the case store is written by the core only).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThread, Signal

from workbench.engine.tasks import CancelToken


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

    def run(self) -> None:
        try:
            self.result = self._fn(cancel=self.cancel_token, progress=self.progressed.emit)
        except Exception as exc:  # shown to the analyst; the job's own errors are one-line already
            from workbench.engine.pipeline import ScanError

            self.error = str(exc) if isinstance(exc, ScanError) else f"{type(exc).__name__}: {exc}"
            self.failed.emit(self.error, traceback.format_exc())
        else:
            self.succeeded.emit(self.result)

    def cancel(self) -> None:
        self.cancel_token.cancel()
