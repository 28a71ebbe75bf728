"""The pinned PySide6 keeps Python's None alive: PySide6 6.12.0 on Python 3.11 dropped one reference to None at
each call of a Qt method returning void (setText, setPosition, setFormats...). A window doing a few thousand of
them aborted ("Fatal Python error: none_dealloc"), at the latest when it closed: the crash of "Open the demo" over
an open case in issue 13, and an abort at the end of a test run that highlighted a 1 MB table twice."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject
from PySide6.QtGui import QTextDocument


def test_void_qt_calls_keep_none_alive(qapp):
    obj = QObject()
    doc = QTextDocument()
    before = sys.getrefcount(None)
    for _ in range(2000):
        obj.setObjectName("balise")
        doc.markContentsDirty(0, 0)
    assert sys.getrefcount(None) - before >= -10, "this PySide6 drops references to None: pin another version"
