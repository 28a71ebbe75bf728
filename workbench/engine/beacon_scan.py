"""Records and beacons during a scan: parse records, look canaries up, test watermarks, then attribute.

Worker side: :class:`BeaconScanner` (built once per worker from the registry path).
Its hits go into the task's Parquet shards through the sink. Main-process side: :func:`post_scan` runs
attribution.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from workbench.engine.kind_traits import traits
from workbench.engine.model import DETECTOR_RECORDS, Finding, ScanError
from workbench.engine.store import CaseStore

WATERMARK_SAMPLE_ROWS = 200_000  # per table: bounded memory, far more votes than a detection needs
RECORD_BATCH_ROWS = 20_000  # records parsed per batch: bounds a worker's memory whatever the table size


class RegistryRefused(Exception):
    """The registry's signature failed: a scan must not use it."""


def load_registry_checked(path: Path):
    """Load and verify a registry; raise ScanError with one line when its signature fails."""
    from workbench.beacons.registry import Registry

    try:
        return Registry.load(Path(path))
    except FileNotFoundError as exc:
        raise ScanError(f"registry not found: {path}") from exc
    except Exception as exc:
        raise ScanError(f"registry refused: {exc}") from exc


class BeaconScanner:
    """Worker-side: records of an item, canary lookups, watermark tests."""

    def __init__(self, registry=None) -> None:
        self.registry = registry
        self.canaries = None
        self.table_keys: dict = {}
        self.image_keys: dict[str, bytes] = {}
        if registry is not None:
            from workbench.beacons.canary_index import CanaryIndex

            self.canaries = CanaryIndex.from_registry(registry)
            self.image_keys = watermark_keys(registry)
            self.table_keys = table_mark_keys(registry)

    def parse_records(self, vpath: str, payload, sink, *, part=None) -> list[Finding]:
        """Records of the item into the sink; returns the findings of what the parser lost or did not read.

        When the parser fails, the findings gathered before the fault ride on the exception (``findings``): the
        walker records both (a dump's malformed rows, then its truncation). ``part``: one range of a split file
        (``text_split.RangePart``): its rows only, numbered as in the whole file; only the first range votes on
        table watermarks (it holds the vote's sample, see text_split), or for a SQL dump, only the range where a
        table begins votes for it (sql_split)."""
        from workbench.engine.records import parse, parse_range

        blob, kind_info = payload
        canary_hits: list[dict] = []
        collectors: dict[str, tuple[object, list[int]]] = {}  # table -> (UnitCollector, [rows fed])
        notes: list = []

        def findings() -> list[Finding]:
            return [Finding(vpath, DETECTOR_RECORDS, note.rule, severity=note.severity,
                            meta={"locator": note.locator, "detail": note.detail, **note.meta}) for note in notes]

        try:
            if part is None:
                frames = parse(kind_info.kind, blob, kind_info, vpath, batch_rows=RECORD_BATCH_ROWS, notes=notes)
            else:
                frames = parse_range(part.kind, part.blob, part.layout, vpath, first_row=part.first_row,
                                     header=part.header, batch_rows=RECORD_BATCH_ROWS, notes=notes)
            begun = part.layout.tables_begun() if part is not None and part.kind == "sql-dump" else frozenset()
            self._parse_into(vpath, frames, sink, canary_hits, collectors,
                             marks=part is None or part.kind == "sql-dump" or part.first_row == 1, begun=begun)
        except Exception as exc:
            with contextlib.suppress(AttributeError):  # an exception type without a __dict__ keeps only its line
                exc.findings = findings()  # type: ignore[attr-defined]
            raise
        return findings()

    def _parse_into(self, vpath: str, frames, sink, canary_hits: list[dict], collectors: dict,
                    marks: bool = True, begun: frozenset[str] = frozenset()) -> None:
        for frame in frames:
            if frame is None or len(frame) == 0:
                continue
            if self.canaries is not None:
                canary_hits.extend(self._match_frame(vpath, frame))
            if self.table_keys and marks:
                self._collect_marks(frame, collectors, begun)
            sink.records(vpath, frame)
        if canary_hits:
            sink.beacons(vpath, canary_hits)
        # Without a collected table, nothing to test and nothing to import: the accusation pulls scipy in, 1.8 s
        # of every worker's start in a scan without a registry (py-spy, 100 MB dense dump).
        marks = self._test_marks(collectors) if collectors else []
        if marks:
            sink.watermarks(vpath, marks)

    def _collect_marks(self, frame, collectors: dict, begun: frozenset[str] = frozenset()) -> None:
        """Feed a batch to its table's watermark vote collector (votes of every batch are tested together).
        ``begun``: tables whose first rows, the vote's sample, are in a range before this one (a split dump)."""
        from workbench.beacons.tabular_mark import UnitCollector

        src = [c for c in frame.columns if str(c).startswith("src.")]
        if "table" in frame.columns:
            groups = frame.groupby(frame["table"].fillna(""), sort=False)
        else:
            groups = [("", frame)]
        for table, part in groups:
            table = str(table)
            if table in begun:
                continue
            collector, fed = collectors.setdefault(table, (UnitCollector(), [0]))
            if fed[0] >= WATERMARK_SAMPLE_ROWS:
                continue  # enough votes: a watermark needs hundreds of rows, not millions
            part = part.iloc[: WATERMARK_SAMPLE_ROWS - fed[0]]
            collector.add_table(part[src] if src else part)
            fed[0] += len(part)

    def _test_marks(self, collectors: dict) -> list[dict]:
        """Per table: each establishment whose mark is present, then the recipients its Tardos code accuses,
        one hit per accused recipient (or one for the establishment when nobody is accused)."""
        from workbench.beacons.mark_accusation import verdicts

        out = []
        for table, (collector, fed) in collectors.items():
            for verdict in verdicts(collector, self.table_keys):
                if not verdict.detected:
                    continue
                best = min(verdict.results, key=lambda r: r.combined_log10_p)
                base = {"kind": "table-watermark", "locator": f"table:{table}" if table else "file",
                        "container": table, "establishment": verdict.establishment, "rows": int(fed[0]),
                        # estimated from the invisible carriers' votes; a table marked only in its
                        # measurements has none, and "0.00" printed beside a proof read as "not marked"
                        "fraction": float(best.marked_fraction_estimate) if best.votes else None}
                detail = {"presence_log10_p": verdict.presence_log10_p, "votes": best.votes,
                          "matches": best.matches, "numeric_votes": best.num_votes,
                          "numeric_matches": best.num_matches, "row_groups": best.row_groups,
                          "row_matches": best.row_matches}
                acc = verdict.accusation
                code = {"scheme": acc.scheme, "cells": acc.cells,
                        "recipients_tested": acc.recipients, "threshold": acc.threshold,
                        "error_bound": acc.epsilon} if acc is not None else None
                accused = acc.accused if acc is not None else []
                for r in accused:
                    out.append({**base, "recipient": r.label.partition("|")[2] or None,
                                "p_value": float(10.0**r.log10_bound),
                                "detail": {**detail, "log10_p": r.log10_bound,
                                           "accusation": {**code, "accused": True, "score": r.score}}})
                if not accused:
                    out.append({**base, "recipient": None, "p_value": float(10.0**verdict.presence_log10_p),
                                "detail": {**detail, "log10_p": verdict.presence_log10_p,
                                           "accusation": {**code, "accused": False} if code else None}})
        return out

    def _match_frame(self, vpath: str, frame) -> list[dict]:
        hits = []
        locators = frame["locator"].tolist()
        tables = frame["table"].tolist() if "table" in frame.columns else [None] * len(frame)
        for pos, m in self.canaries.match_frame(frame):
            hits.append({"beacon_id": m.beacon_id, "kind": "canary-patient", "establishment": m.establishment,
                         "recipient": m.recipient, "locator": locators[pos], "container": tables[pos] or "",
                         "status": m.status, "fields": sorted(m.fields_matched)})
        return hits

    def scan_item(self, result, blob, sink) -> None:
        """Per item: canaries among identifiers found outside records, image watermarks."""
        info = result.info
        if self.canaries is not None and not traits(info.kind).has_records:
            hits = []
            for id_type, values in result.identifiers.counts.items():
                for value in values:
                    for m in self.canaries.match_identifier(id_type, value):
                        hits.append({"beacon_id": m.beacon_id, "kind": "canary-patient",
                                     "establishment": m.establishment, "recipient": m.recipient, "locator": "file",
                                     "container": "", "status": m.status, "fields": sorted(m.fields_matched)})
            if hits:
                sink.beacons(info.vpath, hits)
        if self.registry is not None and (info.kind == "dicom" or (info.kind == "image"
                                                                  and info.format in ("png", "jpeg"))):
            self._scan_image(info, blob, sink)

    def _scan_image(self, info, blob, sink) -> None:
        """The robust pixel mark (every key of the registry) and the fragile signed DICOM block."""
        from workbench.beacons.image_mark import NoPixelData, detect_image_file

        try:
            detection = detect_image_file(bytes(blob.view()), self.image_keys, public_key=self.registry.public_key,
                                          kind="dicom" if info.kind == "dicom" else None)
        except NoPixelData:  # a DICOM data set without an image (minimal, structured report): nothing to check
            return
        marks = []
        for res in detection.results:
            if res.detected:
                finess, _, recipient = res.label.partition("|")
                marks.append({"kind": "image-watermark", "locator": "file", "container": "",
                              "establishment": finess, "recipient": recipient or None, "rows": None,
                              "p_value": float(res.p_value), "fraction": None,
                              "detail": {"z": res.z, "shift": list(res.shift), "pixels": res.pixels}})
        if marks:
            sink.watermarks(info.vpath, marks)
        fragile = detection.fragile
        if fragile is not None and fragile.signature_valid:
            beacon = self.registry.beacons.get(fragile.beacon_id)
            if beacon is not None:
                sink.beacons(info.vpath, [{"beacon_id": beacon.beacon_id, "kind": "image-watermark",
                                           "establishment": beacon.establishment, "recipient": beacon.recipient,
                                           "locator": "file", "container": "", "status": "fragile-signed",
                                           "fields": ["dicom-private-block"]}])


def watermark_keys(registry) -> dict[str, bytes]:
    """Every (establishment, recipient) key of the registry, labelled ``FINESS|recipient``."""
    keys: dict[str, bytes] = {}
    for est in registry.establishments.values():
        keys[f"{est.finess}|"] = registry.watermark_key(est.finess, None)
        for r in est.recipients:
            keys[f"{est.finess}|{r}"] = registry.watermark_key(est.finess, r)
    return keys


def table_mark_keys(registry) -> dict:
    """Every (establishment, recipient) table key of the registry (code key + recipient key), labelled like
    :func:`watermark_keys`."""
    keys = {}
    for est in registry.establishments.values():
        keys[f"{est.finess}|"] = registry.table_mark_key(est.finess, None)
        for r in est.recipients:
            keys[f"{est.finess}|{r}"] = registry.table_mark_key(est.finess, r)
    return keys


# -- main-process side ---------------------------------------------------------------------------
def post_scan(store: CaseStore, registry) -> None:
    """After every task: attribute records with the registry the scan verified (when there is one)."""
    from workbench.engine.attribution import attribute_case

    attribute_case(store, registry)
