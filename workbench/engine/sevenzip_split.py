"""A 7z archive split by solid blocks, so that ``--jobs`` cores share one archive.

A 7z is a list of "folders" (solid blocks): each is one compressed stream with its own place in the file and
holds whole members (7-Zip starts a new one every ``-ms`` bytes: 2 GiB at level 5, 4 MiB with ``-ms=4m``, one per
file with ``-ms=off``). A block decompresses without the others, so a task can read one block, or a run of
small ones, and nothing else. Before this, one 7z was one task on one core whatever ``--jobs`` said.

How a task reads its blocks (py7zr 1.1.4, pinned): ``SevenZipFile.extract(targets=...)`` registers a writer for
the targets only, and its ``Worker.extract`` skips every folder that holds no target (``skip_notarget``) and
seeks to the start of each other one (``packinfo.packpositions``); as every member of a task's blocks is a
target, nothing of them is decompressed only to be checked. Measured in the tests: a task reads the header and
its own blocks' packed bytes, nothing of the other blocks.

The tasks: one per run of consecutive blocks of at least GROUP_MIN_BYTES decompressed (a task costs a worker
round trip, a header parse and a shard: 4 MiB blocks alone would make tiny tasks), and one for the archive itself
(typed, hashed, its own bytes scanned with the YARA rules) with its folder entries and empty files, which lie
in no block. Each member gets the label the whole walk gives it: folders first, then empty files, then the
blocks in order (``unique_label`` over that order: ``name#2`` for the second of a name).

The split is refused (one task walks the archive whole, with every check of the 7z handler) when anything is
unusual: a password needed (encrypted blocks or headers), a header py7zr cannot read, a compression method it
does not know, one block only, more members than the bounds allow, a block with several packed streams (BCJ2),
a block without members, links, junctions or sockets (the handler reads link targets), a folder entry with
data. Bounds are counted as for the other split archives: each member against ``max_member_bytes`` and the
ratio to the packed bytes read, each task's decompressed bytes against the evidence budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from workbench.engine.archives._common import ArchiveError, Member, clean_name, describe, unique_label
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget
from workbench.engine.tasks import CONTAINER_TASK

SEVENZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
# Decompressed bytes a task gets at least (its blocks in a row): ~1 s of scanning CSV on one core, against
# ~50 ms of task overhead (worker round trip, header parse, shard files).
GROUP_MIN_BYTES = 16 * 2**20


@dataclass(frozen=True)
class BlockGroup:
    """Blocks ``first``..``last`` (inclusive) of the archive: one task."""

    first: int
    last: int
    packed: int  # bytes of the archive file the task reads (besides the header)
    unpacked: int  # as the header claims (for the grouping only; bounds count real bytes)
    members: int


@dataclass(frozen=True)
class Layout:
    """What the planner and each task read from the header: the block of each member, and the labels."""

    block_of: dict[int, int]  # member id -> block index, for members with data
    outside: frozenset[int]  # member ids in no block: folder entries and empty files
    packed: list[int]  # per block
    unpacked: list[int]  # per block
    labels: dict[int, str]  # member id -> label, as the whole walk makes them

    def ids(self, first: int, last: int) -> frozenset[int]:
        if first == CONTAINER_TASK:
            return self.outside
        return frozenset(fid for fid, b in self.block_of.items() if first <= b <= last)


def read_layout(szf, bounds: Bounds) -> Layout | None:
    """The archive's layout when it can be split; None when anything is unusual (module docstring)."""
    from workbench.engine.archives.sevenzip import SEVENZIP_ERRORS  # loaded already: szf is a py7zr archive
    try:
        if szf.needs_password() or szf.password_protected:
            return None
        streams = getattr(szf.header, "main_streams", None)
        if streams is None:
            return None
        folders = streams.unpackinfo.folders
        packsizes = streams.packinfo.packsizes
        files = list(szf.files)
        if len(folders) < 2 or len(packsizes) != len(folders) or len(files) > bounds.max_members:
            return None
        szf._get_method_names()  # noqa: SLF001 - raises on a method py7zr cannot decompress
        block_index = {}
        for b, folder in enumerate(folders):
            if folder.files is None or len(folder.files) == 0:
                return None
            for f in folder.files:
                block_index[f.id] = b
        dirs, empties, block_of = [], [], {}
        for f in files:
            if f.is_symlink or f.is_junction or f.is_socket:
                return None
            if f.is_directory:
                if not f.emptystream or f.id in block_index:
                    return None
                dirs.append(f.id)
            elif f.emptystream:
                empties.append(f.id)
            elif f.id in block_index:
                block_of[f.id] = block_index[f.id]
            else:
                return None
        if len(block_of) != len(block_index):
            return None
        names = {f.id: clean_name(f.filename) for f in files}
    except SEVENZIP_ERRORS:
        return None
    seen: dict[str, int] = {}
    labels = {}
    # the order in which the handler yields members of a multi-block archive (sevenzip.stream_entries, then
    # py7zr's Worker.extract: the empty files, then each block's members)
    for fid in [*dirs, *empties, *sorted(block_of, key=lambda i: (block_of[i], i))]:
        labels[fid] = unique_label(names[fid], seen)
    return Layout(block_of, frozenset(dirs + empties), list(packsizes),
                  [folder.unpacksizes[-1] if folder.unpacksizes else 0 for folder in folders], labels)


def group_blocks(layout: Layout, group_min: int | None = None) -> list[BlockGroup]:
    """Consecutive blocks gathered until each run holds ``group_min`` (GROUP_MIN_BYTES) decompressed bytes."""
    group_min = GROUP_MIN_BYTES if group_min is None else group_min
    members = [0] * len(layout.packed)
    for b in layout.block_of.values():
        members[b] += 1
    groups: list[BlockGroup] = []
    first, packed, unpacked, count = 0, 0, 0, 0
    for b in range(len(layout.packed)):
        packed += layout.packed[b]
        unpacked += layout.unpacked[b]
        count += members[b]
        if unpacked >= group_min or b == len(layout.packed) - 1:
            groups.append(BlockGroup(first, b, packed, unpacked, count))
            first, packed, unpacked, count = b + 1, 0, 0, 0
    return groups


def plan(host: Path, bounds: Bounds, depth: int = 0, group_min: int | None = None) -> list[BlockGroup] | None:
    """The tasks' block groups of the 7z ``host`` when it is worth splitting (two groups or more); None to
    walk it whole. ``depth`` is the archive's own depth."""
    if depth >= bounds.max_depth:
        return None  # the walker records it as too deep
    try:
        with open(host, "rb") as fh:
            if fh.read(len(SEVENZIP_MAGIC)) != SEVENZIP_MAGIC:
                return None
    except OSError:
        return None
    # Imported here, not at module level: py7zr + Cryptodome cost every scan's coordinator and every worker
    # ~0.2 s of CPU at start-up (-X importtime), and only a real 7z needs them.
    from workbench.engine.archives.sevenzip import SEVENZIP_ERRORS, open_plain
    try:
        with Blob.from_path(host) as blob:
            szf, fh = open_plain(blob)
            with szf, fh:
                layout = read_layout(szf, bounds)
    except SEVENZIP_ERRORS:
        return None
    if layout is None:
        return None
    groups = group_blocks(layout, group_min)
    return groups if len(groups) >= 2 else None


def iter_part(host: str, first: int, last: int, *, name: str, bounds: Bounds,
              budget: Budget) -> Iterator[tuple[str, Member]]:
    """(label, Member) of blocks ``first``..``last``, or of the members in no block (``first`` CONTAINER_TASK),
    decompressing those blocks only. The header is read again and checked (the plan is not trusted across
    runs); member bounds and the budget are counted as when the archive is walked whole."""
    # imported here: plan() says why
    from workbench.engine.archives.sevenzip import SEVENZIP_ERRORS, open_plain, stream_entries

    with Blob.from_path(host) as blob:
        try:
            szf, fh = open_plain(blob)
        except SEVENZIP_ERRORS as exc:
            raise ArchiveError(f"{name}: unreadable 7z: {describe(exc)}") from exc
        with szf, fh:
            layout = read_layout(szf, bounds)
            if layout is None or last >= len(layout.packed):
                raise ArchiveError(f"{name}: the 7z no longer splits as planned (the evidence changed?)")
            for fid, member in stream_entries(szf, fh, name=name, bounds=bounds, budget=budget,
                                              only=layout.ids(first, last)):
                yield layout.labels[fid], member
