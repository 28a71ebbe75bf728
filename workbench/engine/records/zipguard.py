"""A zip reader for office workbooks that counts the XML it inflates, as it comes.

An XLSX is a zip: a 1 MB workbook can inflate to 3 GiB of whitespace inside one sheet. openpyxl's read-only
reader builds an element per cell, but whitespace (or any text) between tags becomes one string: 3 GiB of it
took 6.5 GB of memory and 60 s before anything complained (issue 14). Here every part that openpyxl opens is
read through a counter: the workbook's parts together may inflate to ``MAX_XML_BYTES`` (1 GiB: a dense sheet
of a million rows by 16 columns is about 700 MB), and no run of text between two tags may exceed
``MAX_TEXT_RUN`` (1 MiB: Excel caps a cell at 32,767 characters, 160 KiB even with every character an
entity). Either trips a :class:`XmlBombError` at once, with the memory of one read chunk.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

MAX_XML_BYTES = 2**30
MAX_TEXT_RUN = 2**20


class XmlBombError(Exception):
    """A workbook part inflates beyond what any real workbook holds."""

    rule = "xml-size"


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0


class _CountedPart(io.RawIOBase):
    """One inflating zip member: counts its bytes into the workbook's budget and measures text runs."""

    def __init__(self, raw: Any, part: str, budget: _Budget, max_run: int) -> None:
        super().__init__()
        self._raw = raw
        self._part = part
        self._budget = budget
        self._max_run = max_run
        self._run = 0  # bytes since the last '<'

    def readable(self) -> bool:
        return True

    def _take(self, data: bytes) -> bytes:
        self._budget.used += len(data)
        if self._budget.used > self._budget.limit:
            raise XmlBombError(f"{self._part}: the workbook's XML inflates past {self._budget.limit} bytes")
        first = data.find(b"<")
        if first < 0:
            self._run += len(data)
        elif self._run + first > self._max_run:
            self._run += first
        else:  # chunks are at most ``max_run`` long: no run fits wholly inside one
            self._run = len(data) - data.rfind(b"<") - 1
        if self._run > self._max_run:
            raise XmlBombError(f"{self._part}: more than {self._max_run} bytes of text without markup "
                               f"(whitespace or text padding, after {self._budget.used} bytes)")
        return data

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while data := self.read(1 << 20):
                chunks.append(data)
            return b"".join(chunks)
        return self._take(self._raw.read(min(size, self._max_run)))

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size and size > 0 else 1 << 16)

    def readinto(self, buffer: Any) -> int:
        mv = memoryview(buffer).cast("B")
        data = self.read(len(mv))
        mv[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class GuardedZipFile(zipfile.ZipFile):
    """``zipfile.ZipFile`` whose members, opened for reading, are counted parts of one budget."""

    def __init__(self, file: Any, *, max_bytes: int = MAX_XML_BYTES, max_run: int = MAX_TEXT_RUN) -> None:
        super().__init__(file, "r")
        self._guard_budget = _Budget(max_bytes)
        self._guard_run = max_run

    def open(self, name: Any, mode: str = "r", pwd: bytes | None = None, *, force_zip64: bool = False) -> Any:
        raw = super().open(name, mode, pwd=pwd, force_zip64=force_zip64)
        if mode != "r":
            return raw
        part = name.filename if isinstance(name, zipfile.ZipInfo) else str(name)
        return io.BufferedReader(_CountedPart(raw, part, self._guard_budget, self._guard_run), 1 << 16)


def load_workbook_guarded(fh: Any, **options: Any) -> Any:
    """openpyxl's ``load_workbook`` with every part read through :class:`GuardedZipFile`."""
    from openpyxl.reader.excel import ExcelReader

    reader = ExcelReader(fh, **options)
    reader.archive.close()
    fh.seek(0)
    reader.archive = GuardedZipFile(fh)
    reader.read()
    return reader.wb
