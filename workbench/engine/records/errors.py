"""What record parsers report: one exception for a lost item, one note for a lost part of an item.

``RecordsError`` stops the item (the pipeline records it, stage ``records``). A ``RecordNote`` is yielded by a
parser among its frames when it loses a part and goes on (a malformed row of a SQL dump, an undecodable sheet)
or when it recognises a format it does not read (a pg_dump custom archive): ``records.parse`` takes the notes
out of the frame stream and the scan records each as a finding of the item, with its locator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class RecordsError(Exception):
    """An item's records could not be parsed (corrupt, truncated, oversized or not what its kind said)."""


@dataclass(frozen=True)
class RecordNote:
    """A part of an item the parser lost (``rule`` ``row-skipped``...) or a format it does not read.

    ``locator`` is in the item's locator scheme (``table:NAME/row:N`` for a SQL row); ``detail`` says why in one
    line; ``meta`` carries extra facts (the command that converts a pg_dump archive).
    """

    rule: str
    locator: str
    detail: str
    severity: str = "warning"
    meta: dict[str, Any] = field(default_factory=dict)
