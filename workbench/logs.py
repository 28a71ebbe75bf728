"""The structured log of the command line: JSON lines (one object per event) that never hold an identifier in clear.

``balise -v ...`` writes the log to stderr (``-v`` info, ``-vv`` debug; warnings only by default), ``balise
--log-file FILE ...`` appends it to FILE (info, or debug with ``-vv``). Each line is ``{"ts", "level", "logger",
"event", ...fields}``; every string -- the message and each field -- goes through
:func:`workbench.engine.masking.mask_text` (NIR, e-mail, phone, IBAN and runs of 8+ digits masked), except the
values of fields named in ``CLEAR_FIELDS`` (hex digests and counts, which the masking would mangle and which
identify files, not persons). Modules log with ``logging.getLogger("workbench....")`` and pass fields as
``extra={"fields": {...}}``; the custody log's entries are mirrored at info level by the case store.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

from workbench.engine.masking import mask_text

ROOT = "workbench"
CLEAR_FIELDS = frozenset({"sha256", "sha1", "md5", "hash", "prev_hash", "head", "seq", "rc", "elapsed_s",
                          "bytes", "items", "size"})
_HEX = re.compile(r"^[0-9a-fA-F]{32,128}$")


def _clean(key: str, value: Any) -> Any:
    if isinstance(value, str):
        return value if key in CLEAR_FIELDS and _HEX.match(value) else mask_text(value)
    if isinstance(value, dict):
        return {str(k): _clean(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(key, v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record, identifiers masked (see the module doc)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                               "level": record.levelname.lower(), "logger": record.name,
                               "event": mask_text(record.getMessage())}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            for k, v in fields.items():
                if k not in out:
                    out[str(k)] = _clean(str(k), v)
        if record.exc_info:
            out["exception"] = mask_text(self.formatException(record.exc_info).splitlines()[-1])
        return json.dumps(out, ensure_ascii=False, default=str)


JsonLineFormatter.converter = __import__("time").gmtime  # timestamps in UTC, like the custody log


def configure(verbosity: int = 0, log_file: Path | None = None) -> list[logging.Handler]:
    """Install the JSON-lines handlers on the ``workbench`` logger; returns them (to remove after a run)."""
    logger = logging.getLogger(ROOT)
    handlers: list[logging.Handler] = []
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO if verbosity == 1 else logging.WARNING)
    handlers.append(console)
    if log_file is not None:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(log_file, encoding="utf-8")
        fh.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
        handlers.append(fh)
    for h in handlers:
        h.setFormatter(JsonLineFormatter())
        logger.addHandler(h)
    logger.setLevel(min(h.level for h in handlers))
    logger.propagate = False
    return handlers


def unconfigure(handlers: list[logging.Handler]) -> None:
    logger = logging.getLogger(ROOT)
    for h in handlers:
        logger.removeHandler(h)
        h.close()


def event(logger: logging.Logger, message: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event with structured fields (masked by the formatter)."""
    if logger.isEnabledFor(level):
        logger.log(level, message, extra={"fields": fields})
