"""Walks one item and everything inside it: typing, archives, content layers, detectors, records.

Runs inside a worker process. Nothing from inside the evidence ever becomes a host path: member names are
labels joined into virtual paths; member bytes are spooled into anonymous blobs in the case's tmp folder.
A failure at any stage of an item is recorded and the walk goes on with the next stage or item.
"""

from __future__ import annotations

import os
import traceback
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from workbench.engine import kinds
from workbench.engine.archives import (
    ArchiveError,
    ArchiveNotSupported,
    Member,
    detect_compressed_tar,
    iter_members,
)
from workbench.engine.archives._common import unique_label
from workbench.engine.blob import Blob
from workbench.engine.bounds import BoundExceeded, Bounds, Budget
from workbench.engine.detectors import ContentScanner, merge_layer_counts
from workbench.engine.dicomcheck import dicom_anomalies
from workbench.engine.hashsets import HashSetIndex, check_item
from workbench.engine.kind_traits import traits
from workbench.engine.layers import Attachment, LayerTruncated, TextLayer, extract
from workbench.engine.memory import release_memory
from workbench.engine.model import (
    DETECTOR_BOUNDS,
    DETECTOR_TYPING,
    ENTRY_DIR,
    ENTRY_FILE,
    STATUS_DONE,
    STATUS_ENCRYPTED,
    STATUS_ERROR,
    STATUS_PARTIAL,
    STATUS_SKIPPED,
    VPATH_SEP,
    Finding,
    IdentifierCounts,
    ItemError,
    ItemInfo,
)
from workbench.engine.tasks import Cancelled

HEAD_BYTES = 65536
RELEASE_AFTER_BYTES = 8 * 2**20  # after a leaf this big, freed parser memory goes back to the system
# Leaves this big send their identifiers to the store in slices (a 400 MB SQL dump holds millions of distinct
# values); only kinds without text layers, whose per-value counts are not merged with a layer's. Kinds with
# records (CSV, SQL dumps, HL7, FHIR...) always do, whatever their size: their values go to the store as Arrow
# columns, never as dict entries (the canary lookup of identifiers outside records does not read them).
SPILL_IDENTIFIERS_BYTES = 16 * 2**20
# What each kind gets (records, text layers, identifiers counted in decoded layers only, the binary rule set)
# is read from ``kind_traits``: one table for every stage, so that they cannot disagree.


class Sink(Protocol):
    """Where the walker sends what it found (a queue to the main process, or a list in tests)."""

    def item(self, info: ItemInfo, findings: list[Finding], identifiers: IdentifierCounts | None,
             errors: list[ItemError]) -> None: ...

    def records(self, vpath: str, frame) -> None: ...

    def progress(self, nbytes: int, current: str) -> None: ...

    def identifiers(self, counts: IdentifierCounts) -> None: ...


@dataclass
class ItemResult:
    """What one item accumulates while it is walked, sent to the sink once complete."""

    info: ItemInfo
    findings: list[Finding]
    identifiers: IdentifierCounts
    errors: list[ItemError]

    def error(self, stage: str, exc: BaseException | str) -> None:
        text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        self.errors.append(ItemError(self.info.vpath, stage, text))
        if self.info.error_stage is None:
            self.info.error_stage, self.info.error = stage, text


class Walker:
    def __init__(self, scanner: ContentScanner, *, bounds: Bounds, budget: Budget, tmp_dir: os.PathLike,
                 sink: Sink, passwords: tuple[bytes, ...] = (), spool_memory_limit: int = 32 * 2**20,
                 cancelled: Callable[[], bool] = lambda: False,
                 record_hook: Callable[[str, object], list[Finding] | None] | None = None,
                 item_hook: Callable[[ItemResult, Blob], None] | None = None,
                 hashsets: HashSetIndex | None = None) -> None:
        self.scanner = scanner
        self.hashsets = hashsets  # known-good items skipped, known-bad flagged (workbench.engine.hashsets)
        self.bounds = bounds
        self.budget = budget
        self.tmp_dir = tmp_dir
        self.sink = sink
        self.passwords = passwords
        self.spool_memory_limit = spool_memory_limit
        self.cancelled = cancelled
        self.record_hook = record_hook
        self.item_hook = item_hook

    # -- entry points ---------------------------------------------------------------------------
    def walk(self, blob: Blob, info: ItemInfo, notes: list[Finding] | None = None, *, descend: bool = True) -> None:
        """Type ``blob``, then recurse into it or scan it. ``info`` carries name, vpath, depth, parent;
        ``notes`` are findings its container already made about it (a member's anomalies). A blob whose
        stream was cut (``blob.cut``) is scanned for what it holds and the cut recorded as a read error.
        ``descend=False``: an archive is recorded and its own bytes scanned, its members not walked (other tasks
        walk them: a split nested zip)."""
        if self.cancelled():
            raise Cancelled()
        result = ItemResult(info, list(notes or ()), IdentifierCounts(info.vpath), [])
        if blob.cut is not None:
            result.error("read", blob.cut)
        info.size = blob.size
        if info.sha256 is None:
            info.sha256 = blob.sha256
        try:
            k = kinds.sniff(blob.head(HEAD_BYTES), info.name)
            info.kind, info.format, info.mime, info.magic = k.kind, k.format, k.mime, k.magic
            info.encoding, info.delimiter, info.extension, info.ext_mismatch = (k.encoding, k.delimiter,
                                                                                 k.extension, k.ext_mismatch)
            if k.ext_mismatch:
                result.findings.append(Finding(info.vpath, DETECTOR_TYPING, "extension-mismatch",
                                               meta={"extension": k.extension, "kind": k.kind, "format": k.format}))
        except Exception as exc:  # typing must never stop the walk
            result.error("typing", exc)
            k = None
        if k is not None and k.kind == "archive" and k.format == "zip":
            office = _office_kind(blob)
            if office is not None:
                k.kind = info.kind = office
                k.ext_mismatch = info.ext_mismatch = False
                result.findings = [f for f in result.findings if f.rule != "extension-mismatch"]
        if k is not None and k.kind == "binary" and k.format == "ole2" and _ole2_kind(blob) == "xls":
            k.kind, k.format, k.mime = info.kind, info.format, info.mime = "xls", "biff8", "application/vnd.ms-excel"
            k.ext_mismatch = info.ext_mismatch = False  # a workbook whose directory lies after the head
            result.findings = [f for f in result.findings if f.rule != "extension-mismatch"]
        if self.hashsets is not None:
            skip, finding = check_item(self.hashsets, info, blob.view() if blob.size else memoryview(b""))
            if finding is not None:
                result.findings.append(finding)
            if skip:  # known good: recorded as such, neither scanned nor opened
                self._emit(result)
                return
        if k is not None and k.kind == "archive":
            self._walk_archive(blob, result, k.format or "", descend=descend)
        else:
            self.sink.item(info, [], None, [])  # stored first: its records, beacons and children refer to it
            self._scan_leaf(blob, result, k)
            if blob.size >= RELEASE_AFTER_BYTES:
                release_memory()
        self._emit(result)

    # -- archives -------------------------------------------------------------------------------
    def _walk_archive(self, blob: Blob, result: ItemResult, fmt: str, *, descend: bool = True) -> None:
        info = result.info
        if info.depth >= self.bounds.max_depth:
            info.status = STATUS_SKIPPED
            result.findings.append(Finding(info.vpath, DETECTOR_BOUNDS, "too-deep", severity="warning",
                                           meta={"depth": info.depth, "max_depth": self.bounds.max_depth}))
            return
        try:
            if fmt in ("gzip", "bzip2", "xz", "zstd") and detect_compressed_tar(fmt, blob):
                info.format = fmt = "tar"
        except Exception as exc:
            result.error("archive", exc)
        # The archive itself is stored first so that its members find their parent.
        self.sink.item(info, [], None, [])
        self._scan_own_bytes(blob, result)
        if not descend:
            return
        seen: dict[str, int] = {}
        try:
            for member in iter_members(fmt, blob, name=info.name, bounds=self.bounds, budget=self.budget,
                                       passwords=self.passwords):
                if self.cancelled():
                    raise Cancelled()
                label = unique_label(member.name, seen)
                self._walk_member(member, label, result)
                if info.depth == 0 and member.compressed_size:  # the evidence's bytes read so far (a single
                    self.sink.progress(member.compressed_size, info.vpath)  # zip sat at 0% until its end)
        except BoundExceeded as exc:
            info.status = STATUS_PARTIAL
            result.findings.append(Finding(info.vpath, DETECTOR_BOUNDS, exc.rule, severity="high",
                                           meta={"detail": exc.detail}))
            if exc.rule == "evidence-too-large" or (exc.rule == "archive-bomb" and _is_evidence_level(exc)):
                self._emit(result)
                raise
        except ArchiveNotSupported as exc:  # recognised, listed, not extracted (RAR): one finding, not an error
            info.status = STATUS_SKIPPED
            result.findings.append(Finding(info.vpath, DETECTOR_TYPING, "archive-not-supported", severity="warning",
                                           meta=exc.meta))
        except ArchiveError as exc:
            info.status = STATUS_PARTIAL
            result.error("archive", exc)
        except (Cancelled, KeyboardInterrupt):
            raise
        except Exception as exc:
            info.status = STATUS_PARTIAL
            result.error("archive", exc)

    def walk_members(self, parent: ItemInfo, members: Iterable[tuple[str, Member]]) -> None:
        """Members of an archive whose own item another task records (a 7z split by solid blocks, see
        sevenzip_split), each under ``parent`` with the label the whole walk gives it, walked as
        ``_walk_archive`` walks them (bounds, encryption, read errors, recursion)."""
        result = ItemResult(parent, [], IdentifierCounts(parent.vpath), [])
        for label, member in members:
            if self.cancelled():
                raise Cancelled()
            self._walk_member(member, label, result)

    def _walk_member(self, member: Member, label: str, parent: ItemResult) -> None:
        pinfo = parent.info
        child = ItemInfo(vpath=f"{pinfo.vpath}{VPATH_SEP}{label}", name=label, depth=pinfo.depth + 1,
                         parent_vpath=pinfo.vpath, entry_type=member.entry_type, size_claimed=member.size_claimed,
                         link_target=member.link_target, mtime=member.mtime)
        notes = [Finding(child.vpath, DETECTOR_BOUNDS, rule, severity="warning", meta={"detail": detail})
                 for rule, detail in member.anomalies]
        if member.entry_type != ENTRY_FILE:
            child.kind = "directory" if member.entry_type == ENTRY_DIR else member.entry_type
            child.status = STATUS_DONE if member.entry_type == ENTRY_DIR else STATUS_SKIPPED
            self._emit(ItemResult(child, notes, IdentifierCounts(child.vpath), []))
            return
        if member.encrypted:
            child.status, child.kind = STATUS_ENCRYPTED, "encrypted"
            self._emit(ItemResult(child, [*notes, Finding(child.vpath, DETECTOR_BOUNDS, "encrypted", severity="warning",
                                                          meta={"detail": "no password of the list opened this member"})],
                                  IdentifierCounts(child.vpath), []))
            return
        try:
            with member.open() as stream:
                spooled = Blob.spool(stream, self.tmp_dir, memory_limit=self.spool_memory_limit,
                                     keep_on=(ArchiveError,))
        except BoundExceeded as exc:
            if exc.rule == "evidence-too-large" or _is_evidence_level(exc):
                child.status = STATUS_PARTIAL
                self._emit(ItemResult(child, [*notes, Finding(child.vpath, DETECTOR_BOUNDS, exc.rule, severity="high",
                                                              meta={"detail": exc.detail})],
                                      IdentifierCounts(child.vpath), []))
                raise
            child.status = STATUS_PARTIAL
            self._emit(ItemResult(child, [*notes, Finding(child.vpath, DETECTOR_BOUNDS, exc.rule, severity="high",
                                                          meta={"detail": exc.detail})],
                                  IdentifierCounts(child.vpath), []))
            return
        except (Cancelled, KeyboardInterrupt):
            raise
        except Exception as exc:
            child.status = STATUS_ERROR
            res = ItemResult(child, notes, IdentifierCounts(child.vpath), [])
            res.error("read", exc)
            self._emit(res)
            return
        with spooled:
            self.walk(spooled, child, notes)

    # -- leaves ---------------------------------------------------------------------------------
    def _scan_leaf(self, blob: Blob, result: ItemResult, k: kinds.KindInfo | None) -> None:
        info = result.info
        if blob.size == 0:  # nothing to parse; rules on empty files (``filesize == 0``) still apply
            self._scan_own_bytes(blob, result)
            return
        t = traits(k.kind if k is not None else None)
        try:
            columnar = k is not None and not t.has_text_layers and (t.has_records
                                                                    or blob.size >= SPILL_IDENTIFIERS_BYTES)
            findings, counts, first, errors = self.scanner.scan(blob.view(), vpath=info.vpath, layer="raw",
                                                                identifiers=not t.decoded, binary=t.binary,
                                                                spill=self.sink.identifiers if columnar else None,
                                                                item=info)
            result.findings.extend(findings)
            merge_layer_counts(result.identifiers, counts, first)
            for err in errors:
                result.error("scan", err)
        except (Cancelled, KeyboardInterrupt):
            raise
        except Exception as exc:
            result.error("scan", exc)
        if k is None:
            return
        seen: dict[str, int] = {}
        try:
            for layer in extract(k.kind, blob):
                if isinstance(layer, TextLayer):
                    self._scan_text_layer(layer, result)
                elif isinstance(layer, Attachment):
                    self._walk_attachment(layer, result, seen)
        except (Cancelled, KeyboardInterrupt, BoundExceeded):
            raise
        except LayerTruncated as exc:
            info.status = STATUS_PARTIAL
            result.findings.append(Finding(info.vpath, DETECTOR_BOUNDS, exc.rule, severity="warning",
                                           meta={"detail": exc.detail, "stage": "layer"}))
        except Exception as exc:
            result.error("layer", exc)
        if k.kind == "dicom":  # pydicom reads only what it is asked for: the structure is checked here
            try:
                result.findings.extend(Finding(info.vpath, DETECTOR_TYPING, rule, severity="warning",
                                               meta={"detail": detail})
                                       for rule, detail in dicom_anomalies(blob.view(), k.format))
            except Exception as exc:
                result.error("structure", exc)
        if t.has_records and self.record_hook is not None:
            try:
                for finding in self.record_hook(info.vpath, (blob, k)) or ():  # rows lost, formats not read
                    result.findings.append(finding)
            except (Cancelled, KeyboardInterrupt):
                raise
            except Exception as exc:
                result.findings.extend(getattr(exc, "findings", ()))
                result.error("records", exc)
        if self.item_hook is not None:
            try:
                self.item_hook(result, blob)
            except (Cancelled, KeyboardInterrupt):
                raise
            except Exception as exc:
                result.error("beacons", exc)

    def _walk_attachment(self, att: Attachment, parent: ItemResult, seen: dict[str, int]) -> None:
        """An e-mail attachment (or a file embedded in a PDF) becomes a child item, walked as it comes."""
        info = parent.info
        label = unique_label(att.name or "attachment", seen)
        child = ItemInfo(vpath=f"{info.vpath}{VPATH_SEP}{label}", name=label, depth=info.depth + 1,
                         parent_vpath=info.vpath)
        if child.depth > self.bounds.max_depth:
            parent.findings.append(Finding(info.vpath, DETECTOR_BOUNDS, "too-deep", severity="warning",
                                           meta={"depth": child.depth, "max_depth": self.bounds.max_depth}))
            return
        with Blob.from_bytes(att.data) as ablob:
            self.walk(ablob, child)

    def _scan_text_layer(self, layer: TextLayer, result: ItemResult) -> None:
        data = layer.text.encode("utf-8", errors="replace")
        findings, counts, first, errors = self.scanner.scan(data, vpath=result.info.vpath, layer=layer.name,
                                                            item=result.info)
        result.findings.extend(findings)
        merge_layer_counts(result.identifiers, counts, first)
        for err in errors:
            result.error("scan", err)

    def _scan_own_bytes(self, blob: Blob, result: ItemResult) -> None:
        """YARA on an archive's or compressed file's own bytes (a rule on a zip comment or on a member name in
        the central directory), or on an empty file: as the yara CLI sees the file. No identifier count here:
        compressed bytes hold none, and a stored member's are counted once, in the member."""
        try:
            findings, errors = self.scanner.scan_rules(blob.view(), item=result.info)
        except (Cancelled, KeyboardInterrupt):
            raise
        except Exception as exc:
            result.error("scan", exc)
            return
        result.findings.extend(findings)
        for err in errors:
            result.error("scan", err)

    def _emit(self, result: ItemResult) -> None:
        if result.errors and result.info.status == STATUS_DONE:
            result.info.status = STATUS_ERROR if result.info.kind in ("unknown", None) else STATUS_PARTIAL
        self.sink.item(result.info, result.findings, result.identifiers, result.errors)


def _office_kind(blob: Blob) -> str | None:
    """An office document typed as a plain zip from its head: look at its central directory."""
    try:
        with zipfile.ZipFile(blob.open()) as zf:
            names = zf.namelist()
            return kinds.office_kind_of_zip_names(names, lambda: zf.read("mimetype")[:128])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError, RuntimeError):
        return None


def _ole2_kind(blob: Blob) -> str | None:
    """``xls`` for an OLE2 file whose directory sector lies past the head (one sector read)."""
    view = blob.view()
    return kinds.ole2_kind(bytes(view[:HEAD_BYTES]), lambda offset, size: bytes(view[offset:offset + size]))


def _is_evidence_level(exc: BoundExceeded) -> bool:
    return bool(getattr(exc, "evidence_level", False))


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()
