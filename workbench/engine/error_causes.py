"""Why an item could not be read whole, in one word a DPO or a court expert can read: one table of causes.

An error line keeps the engine's technical message ("ArchiveError: dpi_2021.sql.gz!/dpi_2021.sql: EOFError:
Compressed file ended before the end-of-stream marker was reached"): exact, English, and the only thing the report
and the window showed. The cause is the same fact in a word the report and the window translate: the file was cut
(``truncated``), its bytes are damaged or not in their format (``damaged``), it is encrypted (``encrypted``), a
safety limit stopped it (``limit``: bombs, sizes, depths), it is not a regular file (``special``: links, FIFOs,
devices are never opened), or the isolated worker died on it (``crashed``). Anything else is ``other``.

The causes are told apart by words of the message, in the order of ``CAUSES`` (first match wins): "truncated or
corrupt tar" is a cut, "encrypted 7z (headers too)" an encryption. Measured on the hostile corpus
(``tests/engine/hostile_corpus.py``: 38 error lines) every line gets a cause other than ``other``. The store
turns the same table into SQL for the window's errors table (``store.browse``), so the two cannot disagree.
"""

from __future__ import annotations

__all__ = ["CAUSES", "OTHER", "STAGE_CAUSES", "STATUS_CAUSES", "error_cause"]

OTHER = "other"

# The stage decides before the message: an intake error is a special file, a worker error a dead worker.
STAGE_CAUSES: dict[str, str] = {"intake": "special", "worker": "crashed"}

# An item's status that says why without an error line: an encrypted member no password opened; an item read in
# part or not at all because a bound stopped it (a bomb's output, the nesting depth: the bound is a finding).
STATUS_CAUSES: dict[str, str] = {"encrypted": "encrypted", "partial": "limit", "skipped": "limit"}

# (cause, words of the message, lower case), first match wins.
CAUSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("encrypted", ("encrypted", "password")),
    ("special", ("not a regular file", "permission denied")),
    ("limit", ("refused", "exceeds maximum", "more than ", "too much memory", "exceeds the limit", "recursion depth",
               "bomb", "bound", "limit")),
    ("truncated", ("truncated", "ended before", "unexpected end", "cut short", "ends inside", "ended unexpectedly",
                   "stream ended", "cut inside", "eoferror", "incomplete", "premature end")),
    ("damaged", ("corrupt", "crc", "badzipfile", "bad7zfile", "cyclic", "cannot decode", "invalid", "not a readable",
                 "cannot detect", "unreadable", "not a zip", "malformed", "error -3", "bad magic", "damaged",
                 "decode")),
)


def error_cause(message: str | None, stage: str | None = None, status: str | None = None) -> str:
    """The cause of one error line (or of an item's status when it has no error line): a key of ``CAUSES``,
    ``STAGE_CAUSES``/``STATUS_CAUSES`` values, or ``OTHER``."""
    if stage in STAGE_CAUSES:
        return STAGE_CAUSES[stage]
    if message:
        text = message.lower()
        for cause, words in CAUSES:
            if any(w in text for w in words):
                return cause
    if status in STATUS_CAUSES:
        return STATUS_CAUSES[status]
    return OTHER
