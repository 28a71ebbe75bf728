"""Ground truth of a synthetic dump: what each item holds, so the engine's results can be checked exactly."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass, field, fields
from typing import Any, TextIO

from workbench.synth.people import phone_to_e164

ID_TYPES = ("nir", "finess", "rpps", "iban", "email", "phone")


def normalise(id_type: str, raw: str) -> str:
    """Canonical form of an identifier, as the engine's `normalise` should give it."""
    if id_type == "nir":
        return raw.replace(" ", "").upper()
    if id_type == "phone":
        return phone_to_e164(raw)
    if id_type == "email":
        return raw.strip().lower()
    if id_type == "iban":
        return raw.replace(" ", "").upper()
    return raw.replace(" ", "")


@dataclass
class ItemTruth:
    """One item of the dump (a file, an archive member, an attachment)."""

    vpath: str
    kind: str  # engine kind names: archive, csv, sql-dump, hl7v2, fhir-json, fhir-ndjson, dicom, pdf, xlsx, email...
    format: str | None = None  # zip/tar/gzip/zstd/7z, mysql/postgresql/sqlite, csv/tsv...
    establishment: str | None = None  # FINESS of the establishment whose system wrote it
    records: int = 0  # rows / messages / person resources / images ("file" = 1 for a PDF or a message)
    patients: int = 0  # PatientRecords written into it
    rows_per_table: dict[str, int] | None = None
    layer: str = "raw"  # where the identifiers are readable: raw, pdf-text, office-text, email-body
    identifiers: dict[str, set[str]] = field(default_factory=dict)  # normalised values
    text_layer: list[str] | None = None  # PDF: the identity lines a text extractor returns
    ext_mismatch: bool = False  # the extension lies about the content
    hostile: str | None = None  # truncated-gzip, corrupt-dicom, empty, all-nul, encrypted
    expect: dict[str, str] | None = None  # what the engine should record, e.g. {"status": "error", "stage": "archive"}
    exact: bool = True  # False: the engine cannot read all of it (partial, encrypted): not in the totals
    password: str | None = None
    note: str | None = None

    def add(self, id_type: str, raw: str) -> None:
        # interned: the same person's values in several items share one string (big dumps hold millions)
        self.identifiers.setdefault(id_type, set()).add(sys.intern(normalise(id_type, raw)))


@dataclass
class GroundTruth:
    evidence: str  # the evidence's file or folder name
    layout: str
    seed: int
    target_bytes: int
    content_bytes: int = 0  # bytes of the top-level files (before the outer zip/tar.gz compresses them)
    evidence_bytes: int = 0  # size on disk of what was built
    establishments: dict[str, dict[str, Any]] = field(default_factory=dict)  # finess -> {name, short, registered}
    items: list[ItemTruth] = field(default_factory=list)

    def item(self, vpath: str) -> ItemTruth:
        for it in self.items:
            if it.vpath == vpath:
                return it
        raise KeyError(vpath)

    def totals(self) -> dict[str, Any]:
        """Unique identifiers per type over the readable items, records and patients per establishment."""
        unique: dict[str, set[str]] = {t: set() for t in ID_TYPES}
        records: dict[str, int] = {}
        nirs: dict[str, set[str]] = {}
        for it in self.items:
            if not it.exact:
                continue
            for t, values in it.identifiers.items():
                unique[t] |= values
            if it.establishment:
                records[it.establishment] = records.get(it.establishment, 0) + it.records
                nirs.setdefault(it.establishment, set()).update(it.identifiers.get("nir", ()))
        return {
            "identifiers": {t: {"unique": len(v)} for t, v in unique.items()},
            "unique_nirs": len(unique["nir"]),
            "records_per_establishment": records,
            "patients_per_establishment": {k: len(v) for k, v in nirs.items()},
            "items": len(self.items),
        }

    def unique(self, id_type: str) -> set[str]:
        out: set[str] = set()
        for it in self.items:
            if it.exact:
                out |= it.identifiers.get(id_type, set())
        return out

    def _head(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("evidence", "layout", "seed", "target_bytes", "content_bytes",
                                              "evidence_bytes", "establishments")}

    @staticmethod
    def _item_dict(it: ItemTruth) -> dict[str, Any]:
        d = {f.name: getattr(it, f.name) for f in fields(it)}  # no deep copy: big dumps hold millions of values
        d["identifiers"] = {t: sorted(v) for t, v in sorted(it.identifiers.items())}
        return d

    def write_json(self, fh: TextIO) -> None:
        """Stream the truth as JSON, one item at a time (what `to_json` returns, without holding it whole)."""
        head = json.dumps(self._head(), ensure_ascii=False)
        fh.write(head[:-1] + ', "items": [\n')
        for i, it in enumerate(self.items):
            fh.write(("" if i == 0 else ",\n") + json.dumps(self._item_dict(it), ensure_ascii=False))
        fh.write('\n], "totals": ' + json.dumps(self.totals(), ensure_ascii=False) + "}\n")

    def to_json(self) -> str:
        buf = io.StringIO()
        self.write_json(buf)
        return buf.getvalue()

    @classmethod
    def from_json(cls, text: str) -> GroundTruth:
        data = json.loads(text)
        data.pop("totals", None)
        items = []
        for it in data.pop("items"):
            it["identifiers"] = {t: set(v) for t, v in it["identifiers"].items()}
            items.append(ItemTruth(**it))
        return cls(items=items, **data)
