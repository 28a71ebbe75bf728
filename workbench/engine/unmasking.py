"""Every unmasking of identifiers is a custody event: who asked to see them in clear, when, why, and where.

Identifiers are masked by default everywhere (window, console, exports, reports). Showing them in clear is an
analyst's decision that a court expert or a DPO may have to review, so the window (Ctrl+Shift+M) and the command
line (``balise report --unmasked``) both call :func:`record_unmasking` before anything is shown; the entry goes
into the case's hash-chained custody log (``case.sqlite`` and ``custody.jsonl``) like any other step, and
``balise case verify`` checks it with the rest of the chain. A reason is required: an empty one is refused.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from workbench.engine.store.metadata import CaseStore

ACTION = "identifiers-unmasked"
MAX_REASON = 2000  # characters kept: a reason is a sentence or two, not a document


class UnmaskingRefused(ValueError):
    """No reason (or no analyst) was given: identifiers stay masked."""


def default_analyst() -> str:
    """The login name of whoever runs the workbench (a default for ``who``)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers: the analyst types it
        return ""


def record_unmasking(case_dir: Path | str, who: str, reason: str, scope: str) -> str:
    """Write one custody entry ``identifiers-unmasked`` {who, reason, scope} and return its hash.

    ``scope`` says what was shown in clear (``window``, ``report``, ``records-csv``...). The time is the entry's
    own UTC timestamp. Raises :class:`UnmaskingRefused` when ``who`` or ``reason`` is blank; the case must exist
    (a folder that is not a case is never made one here).
    """
    who, reason, scope = (who or "").strip(), (reason or "").strip(), (scope or "").strip()
    if not reason:
        raise UnmaskingRefused("a reason is required to show identifiers in clear")
    if not who:
        raise UnmaskingRefused("the analyst who asks to show identifiers in clear must be named")
    with CaseStore(Path(case_dir), create=False) as store:
        return store.log(who, ACTION, {"who": who, "reason": reason[:MAX_REASON], "scope": scope or "unspecified"})
