"""Every unmasking of identifiers is a custody event: who asked to see them in clear, when, why, and what.

Identifiers are masked by default everywhere (window, console, exports, reports). Showing them in clear is an
analyst's decision that a court expert or a DPO may have to review, so the window (Ctrl+Shift+M) and the command
line (``balise report --unmasked``) both call :func:`record_unmasking` before anything is shown; the entry goes
into the case's hash-chained custody log (``case.sqlite`` and ``custody.jsonl``) like any other step, and
``balise case verify`` checks it with the rest of the chain. Neither shell writes custody entries itself. A
reason is required ("ok", "x", "." are not reasons) and somebody must be named.
"""

from __future__ import annotations

import getpass
import sqlite3
from pathlib import Path

from workbench.engine.store.metadata import CaseStore

ACTION = "unmasking"
REASON_MIN_CHARS = 4
MAX_REASON = 2000  # characters kept: a reason is a sentence or two, not a document


class UnmaskingRefused(ValueError):
    """No reason (or nobody named) was given: identifiers stay masked."""


def default_analyst() -> str:
    """The login name of whoever runs the workbench (a default for ``who``)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers: the analyst types it
        return ""


def record_unmasking(case_dir: Path | str, who: str, reason: str, scope: str) -> str:
    """Write one ``unmasking`` custody entry {who, reason, scope} into ``case_dir`` and return its hash.

    ``scope`` says what was shown in clear (``window``, ``report pdf``, ``records-csv``...). The time is the
    entry's own UTC timestamp. Raises :class:`UnmaskingRefused` when ``who`` is blank or ``reason`` is shorter than
    REASON_MIN_CHARS, and OSError when the custody log cannot be written; the case must exist (a folder that is not a case is never made one here).
    """
    who, reason, scope = (who or "").strip(), " ".join((reason or "").split()), (scope or "").strip()
    if len(reason) < REASON_MIN_CHARS:
        raise UnmaskingRefused("unmasking refused: give the reason (--reason TEXT)")
    if not who:
        raise UnmaskingRefused("unmasking refused: nobody named")
    try:
        with CaseStore(Path(case_dir), create=False) as store:
            return store.log(who, ACTION, {"who": who, "reason": reason[:MAX_REASON], "scope": scope or "unspecified"})
    except sqlite3.Error as exc:  # a locked or damaged case: the shells show one line, identifiers stay masked
        raise OSError(f"the custody log of {case_dir} cannot be written: {exc}") from exc
