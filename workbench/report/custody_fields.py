"""A custody entry's JSON detail as labelled fields for the PDF annex: what a court expert checks, shown whole.

Why a module of its own: the annex used to print ``key=value`` text through the free-text masker, which took a
64-digit hex hash or a byte bound for a phone or an identifier run (``490ccd0d...41******51f2``,
``max_evidence_bytes: 10*********76``) and cut the text at 400 characters mid-word, so nobody could check a hash
against the case. Here every value is classified before it is shown:

- hashes, digests, key fingerprints (hex of 16 characters or more), sizes, counts, bounds and every other number
  are *never* masked;
- paths and free text (a file can be named after a patient's NIR; a reason for unmasking is typed by hand) go
  through the redactor like everywhere else in the report;
- nested objects are flattened to dotted labels (``bounds.max_depth``), lists of named objects to one field per
  element (``rulesets.dicom.sha256``), so no field is cut.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_HEX = re.compile(r"[0-9a-fA-F]{16,}")
# keys whose string value is a path or free text that may name a person: masked unless the report is unmasked
_NEVER_MASKED_KEYS = frozenset({
    "sha256", "sha1", "md5", "digest", "hash", "head", "key_id", "fingerprint", "key_fingerprint", "size", "bytes",
    "rows", "files", "items", "errors", "acquired_utc", "verified_utc", "ts_utc", "lang", "kind", "action", "scope",
    "unmasked", "who", "analyst", "case_number", "organisation", "version", "authority", "signature", "jobs",
})
LIST_ITEMS_MAX = 50  # elements of one list shown (a list of every item would drown the annex)


@dataclass(frozen=True)
class Field:
    """One labelled value: ``key`` the dotted path of the value in the detail; ``kind`` how to show it:
    ``hash`` (hex, whole, monospace), ``number``, ``bool``, ``text`` (to be masked), ``clear`` (shown as is)."""
    key: str
    value: Any
    kind: str


def custody_fields(detail: str | None) -> list[Field]:
    """The fields of one custody entry's detail (JSON text), in the order written; text that is not a JSON
    object becomes one ``text`` field named ``detail``."""
    if not detail:
        return []
    try:
        value = json.loads(detail)
    except ValueError:
        return [Field("detail", detail, "text")]
    if not isinstance(value, dict):
        return [Field("detail", value, _kind("detail", value))]
    return list(_flatten("", value))


def _flatten(prefix: str, value: Any) -> Iterator[Field]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(f"{prefix}.{k}" if prefix else str(k), v)
        return
    if isinstance(value, list):
        if not value:
            yield Field(prefix, "", "clear")
            return
        if all(not isinstance(v, dict | list) for v in value):
            shown = value[:LIST_ITEMS_MAX]
            kinds = {_kind(prefix, v) for v in shown}
            kind = kinds.pop() if len(kinds) == 1 else "text"
            text = ", ".join(_plain(v) for v in shown)
            if len(value) > len(shown):
                text += f", … (+{len(value) - len(shown)})"
            yield Field(prefix, text, "clear" if kind in ("number", "bool") else kind)
            return
        for i, v in enumerate(value[:LIST_ITEMS_MAX], start=1):
            name = v.get("name") if isinstance(v, dict) else None
            label = str(name) if isinstance(name, str) and name else str(i)
            if isinstance(v, dict) and name is not None:
                v = {k: x for k, x in v.items() if k != "name"}
            yield from _flatten(f"{prefix}.{label}", v)
        if len(value) > LIST_ITEMS_MAX:
            yield Field(f"{prefix}.…", f"+{len(value) - LIST_ITEMS_MAX}", "clear")
        return
    yield Field(prefix, value, _kind(prefix, value))


def _kind(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float) or value is None:
        return "number"
    text = str(value)
    if _HEX.fullmatch(text):
        return "hash"
    if key.rsplit(".", 1)[-1] in _NEVER_MASKED_KEYS:
        return "clear"
    return "text"


def _plain(v: Any) -> str:
    return "-" if v is None else str(v)
