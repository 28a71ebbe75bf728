"""The bytes of one item of a case, found again from its virtual path (for the item viewer). Qt-free.

The evidence is re-opened read-only and the chain of archives (and e-mail/PDF attachments) leading to the item is
walked again with the engine's own archive handlers and bounds; nothing is extracted to disk except spooled
members in the case's ``tmp`` folder (the engine's ``Blob.spool``), removed when the blob is closed.
"""

from __future__ import annotations

from pathlib import Path

from workbench.engine.archives import detect_compressed_tar, iter_members
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget
from workbench.engine.layers import Attachment, extract
from workbench.engine.model import VPATH_SEP
from workbench.engine.store.browse import evidence_location, item_chain
from workbench.engine.store.reader import CaseReader

PREVIEW_LIMIT = 64 * 2**20  # an item bigger than this is cut for viewing


class ItemSourceError(Exception):
    """The item cannot be read again (evidence moved or changed, member vanished, bound tripped)."""


def _chain(reader: CaseReader, vpath: str) -> list[dict]:
    """The item and its ancestors, outermost first."""
    chain = item_chain(reader, vpath)
    if chain is None:
        raise ItemSourceError(f"unknown item {vpath!r}")
    return chain


def _host_file(reader: CaseReader, top: dict) -> Path:
    """The file on the host holding the outermost item (depth 0)."""
    location = evidence_location(reader, top["evidence_id"])
    if location is None:
        raise ItemSourceError("the item's evidence is not in the case")
    root, is_dir = location
    if not is_dir:
        return root
    label, _, rel = top["vpath"].partition("/")
    path = (root / rel).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ItemSourceError(f"item path leaves its evidence: {top['vpath']!r}")
    return path


def open_item(reader: CaseReader, vpath: str, tmp_dir: Path, *, bounds: Bounds | None = None,
              passwords: tuple[bytes, ...] = ()) -> Blob:
    """A :class:`Blob` of the item's bytes; the caller closes it. Raises :class:`ItemSourceError`."""
    bounds = bounds or Bounds()
    chain = _chain(reader, vpath)
    top_index = max(i for i, c in enumerate(chain) if VPATH_SEP not in c["vpath"])
    host = _host_file(reader, chain[top_index])
    if not host.is_file():
        raise ItemSourceError(f"evidence file not found: {host}")
    blob = Blob.from_path(host)
    budget = Budget(bounds, host.stat().st_size)
    try:
        for parent, child in zip(chain[top_index:], chain[top_index + 1:], strict=False):
            label = child["vpath"][len(parent["vpath"]) + len(VPATH_SEP):]
            nxt = _descend(blob, parent, label, tmp_dir, bounds, budget, passwords)
            blob.close()
            blob = nxt
    except ItemSourceError:
        blob.close()
        raise
    except Exception as exc:
        blob.close()
        raise ItemSourceError(f"{type(exc).__name__}: {exc}") from exc
    return blob


def _unique(name: str, seen: dict[str, int]) -> str:
    label = (name or "unnamed").replace("\x00", "\ufffd")
    n = seen.get(label, 0) + 1
    seen[label] = n
    return label if n == 1 else f"{label}#{n}"


def _descend(blob: Blob, parent: dict, label: str, tmp_dir: Path, bounds: Bounds, budget: Budget,
             passwords: tuple[bytes, ...]) -> Blob:
    if parent["kind"] == "archive":
        fmt = parent["format"] or ""
        if fmt in ("gzip", "bzip2", "xz", "zstd") and detect_compressed_tar(fmt, blob):
            fmt = "tar"
        seen: dict[str, int] = {}
        for member in iter_members(fmt, blob, name=parent["name"], bounds=bounds, budget=budget, passwords=passwords):
            if _unique(member.name, seen) != label:
                continue
            if member.encrypted:
                raise ItemSourceError(f"{label}: encrypted, no password opened it")
            with member.open() as stream:
                return Blob.spool(stream, tmp_dir, memory_limit=8 * 2**20)
        raise ItemSourceError(f"{label}: not found in {parent['vpath']}")
    seen = {}
    for layer in extract(parent["kind"], blob):
        if isinstance(layer, Attachment) and _unique(layer.name or "attachment", seen) == label:
            return Blob.from_bytes(layer.data)
    raise ItemSourceError(f"{label}: not found in {parent['vpath']}")


def read_item(reader: CaseReader, vpath: str, tmp_dir: Path, limit: int = PREVIEW_LIMIT) -> tuple[bytes, int]:
    """Up to ``limit`` bytes of the item, and its full size."""
    with open_item(reader, vpath, tmp_dir) as blob:
        size = blob.size
        return bytes(blob.view()[:limit]) if size else b"", size


def export_item(reader: CaseReader, case_dir: Path, vpath: str, target: Path) -> Path:
    """Write the item's bytes (read again through its archives) to ``target`` and log it in the custody chain.

    The copy holds whatever the item holds, identifiers in clear: the custody entry ``item-exported`` names the
    item, its SHA-256 as written and where it went. Raises :class:`ItemSourceError` or ``OSError``.
    """
    import hashlib

    from workbench.engine.store.metadata import CaseStore

    target = Path(target).resolve()
    if target.is_relative_to(Path(case_dir).resolve()):
        raise ItemSourceError("an item is not exported into the case folder: choose another place")
    digest = hashlib.sha256()
    tmp = target.with_name(target.name + ".part")
    with open_item(reader, vpath, Path(case_dir) / "tmp") as blob, open(tmp, "wb") as out:
        view = blob.view()
        for start in range(0, blob.size, 8 * 2**20):
            chunk = view[start:start + 8 * 2**20]
            digest.update(chunk)
            out.write(chunk)
    tmp.replace(target)
    with CaseStore(Path(case_dir), create=False) as store:
        store.log("analyst", "item-exported", {"item": vpath, "sha256": digest.hexdigest(), "bytes": target.stat().st_size,
                                               "to": str(target)})
    return target
