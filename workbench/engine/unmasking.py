"""Every unmasking of personal identifiers is a custody event: who, when (the entry's UTC time), why, what.

Identifiers are masked by default in the window, the console and the reports; showing them in clear (the
window's Ctrl+Shift+M, ``balise report --unmasked``) is a decision someone answers for, so it is refused without
a reason and written into the case's hash-chained custody log before anything is shown. The window and the
command line both call :func:`record_unmasking`; neither writes custody entries itself.
"""

from __future__ import annotations

from pathlib import Path

from workbench.engine.store.metadata import CaseStore

ACTION = "unmasking"
REASON_MIN_CHARS = 4  # "ok", "x", "." are not reasons


class UnmaskingRefused(ValueError):
    """No reason (or no name) was given for an unmasking."""


def record_unmasking(case_dir: Path | str, who: str, reason: str, scope: str) -> str:
    """Write one ``unmasking`` entry (``who``, ``reason``, ``scope``: what is shown in clear, e.g. ``report pdf``
    or ``window``) into the custody log of ``case_dir``; returns the entry's hash. Raises
    :class:`UnmaskingRefused` when ``who`` is empty or ``reason`` is shorter than 4 characters."""
    who, reason, scope = (who or "").strip(), " ".join((reason or "").split()), (scope or "").strip()
    if not who:
        raise UnmaskingRefused("unmasking refused: nobody named")
    if len(reason) < REASON_MIN_CHARS:
        raise UnmaskingRefused("unmasking refused: give the reason (--reason TEXT)")
    with CaseStore(Path(case_dir), create=False) as store:
        return store.log(who, ACTION, {"who": who, "reason": reason, "scope": scope or "unspecified"})
