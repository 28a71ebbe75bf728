"""Returning freed memory to the system (bounded memory whatever the size of the items scanned)."""

from __future__ import annotations

import contextlib
import ctypes
import sys


def release_memory() -> None:
    """Give freed memory back to the system between tasks: glibc and Arrow keep freed blocks for reuse, so a
    worker's footprint would otherwise stay at the high-water mark of the largest item it ever parsed."""
    with contextlib.suppress(Exception):
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
