"""Find check-digit-validated identifiers in raw bytes, fast: numpy finds and validates the fixed forms.

``IdentifierScanner().scan(buf)`` takes bytes, a memoryview or an mmap of any size. The buffer is read in windows
of ``window`` bytes, each with ``margin`` bytes of context on both sides (hyperscan reads a 32-bit length; numpy
passes stay in the caches); a token belongs to the window where it *ends*, so one straddling a window edge is
reported once, and boundaries are judged on the real neighbouring bytes.

Per window: the fixed-length forms (NIR, FINESS, RPPS, phones) are found by :mod:`.digits` (digit runs, byte
tables, no callback per match) and validated together (NIR key, Luhn); hyperscan finds e-mail ends, IBANs and
the context keywords in one pass. Values are Arrow string arrays built from the window's bytes with numpy (no
Python string per hit); ``count_columns`` folds them into distinct values per type with Arrow's hash table and
numpy (``dictionary_encode``, ``bincount``, ``minimum.at``): no Python object per hit or per value.
The previous design (hyperscan for every form) is kept in :mod:`.reference` as the differential tests' oracle.

Context: FINESS (9 characters) and RPPS (11 digits) are Luhn numbers: one random 9- or 11-digit number in ten
passes. They are reported only when an identifying keyword (``FINESS``, ``RPPS``, ``IDNPS``, ``ADELI``, their
OIDs, ``N° EJ``/``EG``...) is within ``context_bytes`` before or after them (as Microsoft Purview does for its
French rules, with a shorter window). ``context_types=()`` reports every check-digit-valid number.

UTF-16: text items in UTF-16 (NUL-interleaved) are detected from a BOM or from the share of NUL bytes in the
first 4 KiB (``encoding="auto"``, the default), narrowed to one byte per code unit (ASCII kept, anything else
becomes NUL) with numpy, piece by piece, scanned, and their offsets and lengths mapped back to the raw bytes.
A binary that merely *embeds* UTF-16 strings (a .doc, a registry hive) is scanned as bytes: identifiers in it
are found in its text layer, decoded by the layer extractors.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

import hyperscan
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.engine.identifiers import patterns as P
from workbench.engine.identifiers.digits import ShapeMatcher, _Compiled
from workbench.engine.identifiers.validators import is_valid_iban, normalise
from workbench.engine.model import IdentifierCounts

DEFAULT_WINDOW = 2**18  # numpy passes over a window stay in the CPU caches
DEFAULT_OVERLAP = 256
MAX_WINDOW = 2**31  # far below hyperscan's 32-bit length limit

_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_NOT_BEFORE = {"phone": _ALNUM | frozenset(b"+"), "email": _ALNUM | frozenset(b"._%+-")}
_NOT_AFTER = {"email": _ALNUM | frozenset(b"-")}

CONTEXT_KEYWORDS = re.compile(
    rb"finess|rpps|idnps|adeli|1\.2\.250\.1\.71\.4\.2\.[12]|\bn\S{0,2}\s?e[jg]\b", re.IGNORECASE)

_NIR_WEIGHTS = np.array([10**k for k in range(12, -1, -1)], dtype=np.int64)
_OFFSET = itemgetter(2)
_LUHN_DOUBLE = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)


class IdHit(NamedTuple):
    """One validated identifier: canonical ``value``; ``offset``/``length`` of its raw bytes in the item."""

    type: str
    value: str
    offset: int
    length: int


_new_hit = partial(tuple.__new__, IdHit)  # an IdHit from a 4-tuple at C speed (no Python-level __new__ call)


def detect_utf16(head: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ``head`` looks like UTF-16 text, else None."""
    if head[:2] == b"\xff\xfe":
        return "utf-16-le"
    if head[:2] == b"\xfe\xff":
        return "utf-16-be"
    sample = head[:4096]
    n = len(sample) // 2
    if n < 16:
        return None
    even, odd = sample[0 : 2 * n : 2], sample[1 : 2 * n : 2]
    zeros_even, zeros_odd = even.count(0), odd.count(0)
    if zeros_odd >= 0.4 * n and zeros_even <= 0.05 * n:
        return "utf-16-le"
    if zeros_even >= 0.4 * n and zeros_odd <= 0.05 * n:
        return "utf-16-be"
    return None


def narrow_utf16(data: bytes | memoryview, encoding: str) -> bytes:
    """One byte per UTF-16 code unit: ASCII kept, no-break space -> 0xA0, anything else -> NUL."""
    usable = len(data) - len(data) % 2
    units = np.frombuffer(data[:usable], dtype="<u2" if encoding == "utf-16-le" else ">u2")
    return np.where((units < 0x80) | (units == 0xA0), units, 0).astype(np.uint8).tobytes()


class _Pattern(NamedTuple):
    variable: P.VariableForm | None  # None: a context keyword
    variant: int
    id_type: str


# Context keywords for hyperscan: the literal alternatives of CONTEXT_KEYWORDS (their lengths in
# _KEYWORD_LENGTHS), then a superset of its ``\bn\S{0,2}\s?e[jg]\b`` without the \b, whose matches are
# enumerated from the ends hyperscan reports (see _KeywordSpans).
_KEYWORD_PATTERNS = (rb"finess", rb"rpps", rb"idnps", rb"adeli", rb"1\.2\.250\.1\.71\.4\.2\.[12]", rb"n.{0,3}e[jg]")
_KEYWORD_LENGTHS = np.array([6, 4, 5, 5, 18], dtype=np.int64)
_KEYWORD_MIN_LEN = 3  # "nej"


def _byte_table(chars: bytes) -> np.ndarray:
    t = np.zeros(256, dtype=bool)
    t[np.frombuffer(chars, dtype=np.uint8)] = True
    return t


_WORD = _byte_table(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")  # \b of a bytes regex
_SPACE = _byte_table(b" \t\n\r\f\v")  # \s of a bytes regex
_N = _byte_table(b"nN")
_E = _byte_table(b"eE")
_JG = _byte_table(b"jJgG")


class _KeywordSpans(NamedTuple):
    """Every match of CONTEXT_KEYWORDS in a window, sorted by end: ``[starts, ends)`` absolute, and whether the
    regex's ``\b`` holds on each side from the bytes around (else only at a slice's edge)."""

    starts: np.ndarray
    ends: np.ndarray
    left_ok: np.ndarray
    right_ok: np.ndarray


_NO_KEYWORDS = _KeywordSpans(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=bool),
                             np.empty(0, dtype=bool))
MARGIN = 384  # bytes read on each side of a window's own range: the longest token, e-mail look-back, context


class _Group(NamedTuple):
    """Hits of one type found together: values (Arrow strings), offsets and lengths (numpy; one int for all)."""

    id_type: str
    values: pa.Array
    offsets: np.ndarray
    lengths: np.ndarray | int


FOLD_HITS = 1_000_000  # hits held before they are folded into distinct values (count: bounded memory)
SLICE_BYTES = 16 * 2**20  # count_columns emits the distinct values of a buffer this big in slices
_NO_OFFSET = np.iinfo(np.int64).max


class _Tally:
    """Hits folded into distinct values per type, as Arrow/numpy columns: (values, counts, first offsets).

    Types keep the order they were first seen in, values the order of their first hit (as dict insertion
    did). A value's count adds up and its first offset is the smallest.
    """

    def __init__(self) -> None:
        self.parts: dict[str, list[tuple[pa.Array, np.ndarray, np.ndarray | None]]] = {}
        self.raw = 0  # hits not folded yet
        self.held = 0  # distinct values held after the last fold

    def add(self, groups: list[_Group]) -> None:
        for g in groups:
            self.parts.setdefault(g.id_type, []).append((g.values, g.offsets, None))
            self.raw += len(g.values)

    def fold(self) -> None:
        held = 0
        for id_type, parts in self.parts.items():
            if len(parts) > 1 or parts[0][2] is None:
                parts = self.parts[id_type] = [_fold(parts)]
            held += len(parts[0][0])
        self.raw, self.held = 0, held

    def take(self) -> dict[str, tuple[pa.Array, np.ndarray, np.ndarray]]:
        """Every type's distinct values, counts and first offsets; the tally is empty afterwards."""
        self.fold()
        out = {t: (p[0][0], p[0][2], p[0][1]) for t, p in self.parts.items() if len(p[0][0])}
        self.parts, self.held = {}, 0
        return out


def _fold(parts: list[tuple[pa.Array, np.ndarray, np.ndarray | None]]) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Distinct values of hit lists (counts None: one hit each) as (values, first offsets, counts)."""
    values = parts[0][0] if len(parts) == 1 else pa.concat_arrays([p[0] for p in parts])
    offsets = parts[0][1] if len(parts) == 1 else np.concatenate([p[1] for p in parts])
    encoded = pc.dictionary_encode(values)  # the dictionary lists values in the order of their first hit
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    k = len(encoded.dictionary)
    if all(p[2] is None for p in parts):
        counts = np.bincount(codes, minlength=k).astype(np.int64)
    else:
        weights = np.concatenate([p[2] if p[2] is not None else np.ones(len(p[0]), dtype=np.int64) for p in parts])
        counts = np.zeros(k, dtype=np.int64)
        np.add.at(counts, codes, weights)
    first = np.full(k, _NO_OFFSET, dtype=np.int64)
    np.minimum.at(first, codes, offsets)
    return encoded.dictionary, first, counts


def _counts_table(folded: dict[str, tuple[pa.Array, np.ndarray, np.ndarray]]) -> pa.Table:
    """Columns type, value, count, first_offset of folded tallies (types one after the other)."""
    return pa.table({
        "type": pa.concat_arrays([pa.repeat(pa.scalar(t, pa.string()), len(v)) for t, (v, _, _) in folded.items()]),
        "value": pa.concat_arrays([v for v, _, _ in folded.values()]),
        "count": pa.array(np.concatenate([c for _, c, _ in folded.values()])),
        "first_offset": pa.array(np.concatenate([f for _, _, f in folded.values()])),
    })


def _into_dicts(folded: dict[str, tuple[pa.Array, np.ndarray, np.ndarray]], counts: IdentifierCounts) -> None:
    """Add folded tallies to an :class:`IdentifierCounts` (counts add up; a first offset already there stays)."""
    for id_type, (values, n, first) in folded.items():
        keys = values.to_pylist()
        per = counts.counts.setdefault(id_type, {})
        if per:
            for value, k in zip(keys, n.tolist(), strict=True):
                per[value] = per.get(value, 0) + k
        else:
            per.update(zip(keys, n.tolist(), strict=True))
        firsts = counts.first_offset.setdefault(id_type, {})
        if firsts:
            for value, o in zip(keys, first.tolist(), strict=True):
                firsts.setdefault(value, o)
        else:
            firsts.update(zip(keys, first.tolist(), strict=True))


class IdentifierScanner:
    """Compiled once per process (or per worker); ``scan`` may be called from several threads."""

    def __init__(self, *, window: int = DEFAULT_WINDOW, overlap: int = DEFAULT_OVERLAP,
                 context_types: Iterable[str] = ("finess", "rpps"), context_bytes: int = 64) -> None:
        if not 0 < overlap < window <= MAX_WINDOW:
            raise ValueError("need 0 < overlap < window <= 2 GiB")
        if not 0 <= context_bytes <= MARGIN - 64:
            raise ValueError(f"context_bytes must be within 0..{MARGIN - 64}")
        self.window = window
        self.overlap = overlap
        self.margin = max(overlap, MARGIN)
        self.context_types = frozenset(context_types)
        self.context_bytes = context_bytes
        self._shapes = ShapeMatcher()
        self._patterns: list[_Pattern] = []
        expressions, flags = [], []
        for vform in P.variable_forms():
            for v in P.VARIANTS if vform.som else (0, 2):
                self._patterns.append(_Pattern(vform, v, vform.id_type))
                rx = P.with_boundaries(vform.regex, v, vform.id_type)
                expressions.append(rx if vform.som else rx[rx.index(b"]") + 1 :])  # end-only: no leading class
                flags.append(hyperscan.HS_FLAG_SOM_LEFTMOST if vform.som else 0)
        for rx in _KEYWORD_PATTERNS:
            self._patterns.append(_Pattern(None, 0, "keyword"))
            expressions.append(rx)
            flags.append(hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_DOTALL)
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions),
                         flags=flags)
        self._kind = np.array([0 if p.variable is None else 1 if not p.variable.som else 2 for p in self._patterns],
                              dtype=np.int64)  # 0 keyword, 1 e-mail end, 2 IBAN
        self._first_keyword = next(i for i, p in enumerate(self._patterns) if p.variable is None)
        self._post = np.array([0 if p.variant & 2 else 1 for p in self._patterns], dtype=np.int64)
        self._at_end = np.array([p.variant & 2 != 0 for p in self._patterns])
        self._local = threading.local()

    def __getstate__(self) -> dict:
        return {"window": self.window, "overlap": self.overlap, "context_types": tuple(self.context_types),
                "context_bytes": self.context_bytes}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def _scratch(self) -> hyperscan.Scratch:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._db)
        return scratch

    # -- public -------------------------------------------------------------------------------------
    def scan(self, buf: bytes | bytearray | memoryview, base_offset: int = 0, *,
             encoding: str | None = "auto") -> Iterator[IdHit]:
        """Validated identifiers of ``buf``, in increasing offset order; offsets are ``base_offset`` + position.

        ``encoding``: ``"auto"`` (UTF-16 detection, see the module doc), ``None`` (bytes as they are),
        ``"utf-16-le"`` or ``"utf-16-be"``.
        """
        for batch in self.scan_batches(buf, base_offset, encoding=encoding):
            yield from batch

    def count(self, buf: bytes | bytearray | memoryview, vpath: str = "", base_offset: int = 0, *,
              encoding: str | None = "auto", into: IdentifierCounts | None = None) -> IdentifierCounts:
        """Occurrences and first (smallest) offset of every validated value, as dicts (text layers, tests).

        Counted column-wise (see :class:`_Tally`); only the distinct values become dict entries.
        """
        counts = into if into is not None else IdentifierCounts(vpath)
        tally = _Tally()
        for groups in self._groups(buf, base_offset, encoding):
            tally.add(groups)
            if tally.raw >= FOLD_HITS:
                tally.fold()
        _into_dicts(tally.take(), counts)
        return counts

    def count_columns(self, buf: bytes | bytearray | memoryview, vpath: str,
                      emit: Callable[[IdentifierCounts], None], *, max_values: int = 200_000,
                      slice_bytes: int = SLICE_BYTES, encoding: str | None = "auto") -> None:
        """The pipeline's counting: distinct values with their occurrences and first offset handed to ``emit``
        as Arrow tables (``IdentifierCounts.table``: type, value, count, first_offset), never as dicts.

        Memory is bounded for items of any size: hits are folded into distinct values once ``max_values`` (or,
        under ``slice_bytes``, FOLD_HITS) of them are held. A buffer of ``slice_bytes`` or more is emitted in
        slices: once at least half of ``max_values`` distinct values are held they are emitted (the case store
        adds up the counts of a value emitted twice and keeps its earliest offset) and forgotten. A smaller one
        is emitted once, one row per distinct value (at most about a million: 30 MB of Arrow columns)."""
        tally = _Tally()
        slices = len(memoryview(buf).cast("B")) >= slice_bytes
        fold_at = max_values if slices else FOLD_HITS
        for groups in self._groups(buf, 0, encoding):
            tally.add(groups)
            if tally.raw >= fold_at:
                tally.fold()
                if slices and tally.held >= max_values // 2:
                    emit(IdentifierCounts(vpath, table=_counts_table(tally.take())))
        rest = tally.take()
        if rest:
            emit(IdentifierCounts(vpath, table=_counts_table(rest)))

    def count_spilling(self, buf: bytes | bytearray | memoryview, vpath: str,
                       spill: Callable[[IdentifierCounts], None], *, max_values: int = 200_000,
                       encoding: str | None = "auto") -> IdentifierCounts:
        """:meth:`count_columns` with each slice handed to ``spill`` as dicts, whatever the buffer's size (tests,
        small callers); returns an empty remainder."""

        def as_dicts(part: IdentifierCounts) -> None:
            table = part.table
            out = IdentifierCounts(vpath)
            for id_type in dict.fromkeys(table.column("type").to_pylist()):
                rows = table.filter(pc.equal(table.column("type"), id_type))
                _into_dicts({id_type: (rows.column("value").combine_chunks(), rows.column("count").to_numpy(),
                                       rows.column("first_offset").to_numpy())}, out)
            spill(out)

        self.count_columns(buf, vpath, as_dicts, max_values=max_values, slice_bytes=0, encoding=encoding)
        return IdentifierCounts(vpath)

    def count_range(self, buf: bytes | bytearray | memoryview, vpath: str, own_from: int, own_to: int, *,
                    base_offset: int = 0, spill: Callable[[IdentifierCounts], None] | None = None,
                    max_values: int = 200_000) -> IdentifierCounts:
        """The counts of the tokens that END in ``(own_from, own_to]`` of ``buf``, judged on the bytes around them
        (a range of a split file, ``text_split``: the ranges of a file count each token once, as one pass over the
        whole file would). Bytes as they are (a split file is never UTF-16); offsets are ``base_offset`` +
        position in ``buf``. Counted column-wise like :meth:`count_columns`: once ``max_values`` distinct values
        are held they go to ``spill`` as an Arrow table; the rest is returned as dicts."""
        mv = memoryview(buf)
        if mv.format != "B" or mv.ndim != 1:
            mv = mv.cast("B")
        tally = _Tally()
        for groups in self._scan_bytes(mv, base_offset, own_from, own_to):
            tally.add(groups)
            if tally.raw >= FOLD_HITS or (spill is not None and tally.raw >= max_values):
                tally.fold()
                if spill is not None and tally.held >= max_values:
                    spill(IdentifierCounts(vpath, table=_counts_table(tally.take())))
        out = IdentifierCounts(vpath)
        _into_dicts(tally.take(), out)
        return out

    def scan_batches(self, buf: bytes | bytearray | memoryview, base_offset: int = 0, *,
                     encoding: str | None = "auto") -> Iterator[list[IdHit]]:
        """Hits window by window (each list sorted by offset, lists in buffer order)."""
        for groups in self._groups(buf, base_offset, encoding):
            hits: list[IdHit] = []
            for g in groups:
                lengths = repeat(g.lengths) if isinstance(g.lengths, int) else g.lengths.tolist()
                hits.extend(map(_new_hit, zip(repeat(g.id_type), g.values.to_pylist(), g.offsets.tolist(), lengths)))
            if hits:
                hits.sort(key=_OFFSET)
                yield hits

    # -- windows ------------------------------------------------------------------------------------
    def _groups(self, buf: bytes | bytearray | memoryview, base_offset: int,
                encoding: str | None) -> Iterator[list[_Group]]:
        mv = memoryview(buf)
        if mv.format != "B" or mv.ndim != 1:
            mv = mv.cast("B")
        if encoding == "auto":
            encoding = detect_utf16(bytes(mv[:4096]))
        if encoding in ("utf-16-le", "utf-16-be"):
            yield from self._scan_utf16(mv, base_offset, encoding)
        elif encoding in (None, "bytes"):
            yield from self._scan_bytes(mv, base_offset, 0, len(mv))
        else:
            raise ValueError(f"unsupported encoding {encoding!r}")

    def _scan_utf16(self, mv: memoryview, base_offset: int, encoding: str) -> Iterator[list[_Group]]:
        skip = 2 if bytes(mv[:2]) in (b"\xff\xfe", b"\xfe\xff") else 0
        total = (len(mv) - skip) // 2  # code units
        start = 0
        while start < total:
            lo = max(0, start - self.margin)
            hi = min(total, start + self.window)
            ahead = min(total, hi + self.margin)  # look-ahead for boundaries and extraction only
            narrow = memoryview(narrow_utf16(mv[skip + 2 * lo : skip + 2 * ahead], encoding))
            base = base_offset + skip + 2 * lo
            for groups in self._scan_bytes(narrow, 0, start - lo, hi - lo):
                yield [_Group(g.id_type, g.values, base + 2 * g.offsets, 2 * g.lengths) for g in groups]
            start = hi

    def _scan_bytes(self, mv: memoryview, base_offset: int, own_from: int,
                    own_to: int) -> Iterator[list[_Group]]:
        own_start = own_from
        while own_start < own_to:
            own_end = min(own_to, own_start + self.window)
            groups = self._window_groups(mv, own_start, own_end)
            if groups:
                if base_offset:
                    groups = [g._replace(offsets=g.offsets + base_offset) for g in groups]
                yield groups
            own_start = own_end

    def _window_groups(self, mv: memoryview, own_start: int, own_end: int) -> list[_Group]:
        """Hits whose token ends in ``(own_start, own_end]``, read from ``margin`` bytes around that range."""
        lo = max(0, own_start - self.margin)
        hi = min(len(mv), own_end + self.margin)
        matches: list[tuple[int, int, int]] = []
        append = matches.append

        def on_match(pid: int, frm: int, to: int, _flags: int, _ctx: object) -> None:
            append((pid, frm, to))

        self._db.scan(mv[lo:hi], match_event_handler=on_match, scratch=self._scratch())
        window = np.frombuffer(mv[lo:hi], dtype=np.uint8)
        groups: list[_Group] = []
        keywords = _NO_KEYWORDS
        if matches:
            arr = np.array(matches, dtype=np.int64).reshape(-1, 3)
            kind = self._kind[arr[:, 0]]
            if (kind == 0).any():
                keywords = self._keyword_spans(window, lo, arr[kind == 0, 0], arr[kind == 0, 2])
        for c, starts, sig in self._shapes.find(ShapeMatcher.pad(window), window.size):
            starts = starts + lo
            ends = starts + c.length
            own = (ends > own_start) & (ends <= own_end)
            if own.any():
                self._shape_group(mv, c, starts[own], sig[own], keywords, groups)
        if matches:
            pid, frm, to = arr[:, 0], arr[:, 1] + lo, arr[:, 2] + lo
            at_end = self._at_end[pid]
            valid = ~at_end | (hi == len(mv))  # \z at a window cut is no end of the data
            tok_end = to - self._post[pid]
            sel = valid & (kind == 1)
            if sel.any():
                self._email_group(mv, window, lo, tok_end[sel], own_start, own_end, groups)
            sel = np.nonzero(valid & (kind == 2) & (tok_end > own_start) & (tok_end <= own_end))[0]
            if sel.size:
                self._iban_group(mv, pid[sel], frm[sel], to[sel], groups)
        return groups

    # -- validation ---------------------------------------------------------------------------------
    def _shape_group(self, mv: memoryview, c: _Compiled, starts: np.ndarray, chars: np.ndarray,
                     keywords: _KeywordSpans, groups: list[_Group]) -> None:
        """Check digits of one form's matches, vectorised; context for FINESS/RPPS; one group of values."""
        id_type = c.shape.id_type
        ok = np.ones(len(starts), dtype=bool)
        slow = np.zeros(len(starts), dtype=bool)
        if id_type == "nir":
            digits = chars.astype(np.int64) - 0x30
            # Corsica: 2A -> 19, 2B -> 18 in the key computation (the shape allows only 2A/2B/2a/2b letters)
            dept_letter = chars[:, 6] | 0x20  # lower-cased; digits are unchanged by the bit
            corsica = chars[:, 6] > 0x39
            digits[corsica, 5] = 1
            digits[corsica, 6] = np.where(dept_letter[corsica] == ord("a"), 9, 8)
            ok = (97 - (digits[:, :13] * _NIR_WEIGHTS).sum(axis=1) % 97) == digits[:, 13] * 10 + digits[:, 14]
        elif id_type in ("finess", "rpps"):
            slow = chars[:, 1] > 0x39 if id_type == "finess" else slow
            ok = _luhn_ok(np.where(slow[:, None], 0x30, chars))
        rows = np.nonzero(ok | slow)[0]
        length = c.length
        if id_type in self.context_types and rows.size:
            rows = rows[self._near_keyword(mv, starts[rows], length, keywords)]
        if not rows.size:
            return
        chars = chars[rows]
        if id_type == "nir":
            chars = np.where((chars >= 0x61) & (chars <= 0x7A), chars - 0x20, chars).astype(np.uint8)  # 2a -> 2A
        offsets = starts[rows]
        if slow[rows].any():  # Corsican FINESS: the validator knows the 2A/2B rule
            kept_v, kept_o = [], []
            values_py = _split_fixed(chars.tobytes(), chars.shape[1], c.shape.prefix)
            for value, s, is_slow in zip(values_py, offsets.tolist(), slow[rows].tolist(), strict=True):
                if is_slow:
                    try:
                        value = normalise(id_type, value)
                    except ValueError:
                        continue
                kept_v.append(value)
                kept_o.append(s)
            if kept_v:
                groups.append(_Group(id_type, pa.array(kept_v, pa.string()), np.array(kept_o, dtype=np.int64),
                                     length))
            return
        groups.append(_Group(id_type, _fixed_strings(chars, c.shape.prefix), offsets, length))

    def _keyword_spans(self, window: np.ndarray, lo: int, pid: np.ndarray, to: np.ndarray) -> _KeywordSpans:
        """The matches of :data:`CONTEXT_KEYWORDS` in a window, from hyperscan's keyword ends (``to``, relative).

        Literal keywords are exact: their start is their end less their length. ``n.{0,3}e[jg]`` is a superset
        of ``n\\S{0,2}\\s?e[jg]``: each of its ends is tried with the four body lengths the regex allows, and a
        body is kept when its bytes fit (``n``, up to two non-space bytes then an optional space, ``e``, ``j``
        or ``g``, any case)."""
        idx = pid - self._first_keyword
        literal = idx < len(_KEYWORD_LENGTHS)
        lit_end = to[literal]
        lit_start = lit_end - _KEYWORD_LENGTHS[idx[literal]]
        ends = np.repeat(np.unique(to[~literal]), 4)
        body = np.tile(np.arange(3, 7, dtype=np.int64), len(ends) // 4)  # n, 0-3 middle bytes, e, j/g
        starts = ends - body
        inside = starts >= 0
        starts, ends, body = starts[inside], ends[inside], body[inside]
        ok = _N[window[starts]] & _E[window[ends - 2]] & _JG[window[ends - 1]]
        middle = body - 3
        for k in range(3):  # middle byte k+1: \S if it is not the last; the last may be \s, and must be when 3
            has = middle > k
            b = window[np.minimum(starts + 1 + k, window.size - 1)]
            last = middle == k + 1
            space = _SPACE[b]
            ok &= ~has | ~space | last
            ok &= ~(has & last & (middle == 3)) | space
        starts, ends = starts[ok], ends[ok]
        all_starts = np.concatenate([lit_start, starts]) + lo
        all_ends = np.concatenate([lit_end, ends]) + lo
        # at the window's ends the data's ends (a cut window's ends lie far from its tokens' slices)
        left = np.concatenate([np.ones(lit_start.size, dtype=bool),
                               (starts == 0) | ~_WORD[window[np.maximum(starts - 1, 0)]]])
        right = np.concatenate([np.ones(lit_end.size, dtype=bool),
                                (ends == window.size) | ~_WORD[window[np.minimum(ends, window.size - 1)]]])
        order = np.argsort(all_ends, kind="stable")
        return _KeywordSpans(all_starts[order], all_ends[order], left[order], right[order])

    def _near_keyword(self, mv: memoryview, starts: np.ndarray, length: int, keywords: _KeywordSpans) -> np.ndarray:
        """Mask of the tokens with a context keyword within ``context_bytes``: exactly where
        ``CONTEXT_KEYWORDS.search(bytes(mv[lo:hi]))`` finds one (its ``\\b`` holds at the slice's edges too),
        computed from the window's keyword matches for all tokens at once."""
        lo = np.maximum(starts - self.context_bytes, 0)
        hi = np.minimum(starts + length + self.context_bytes, len(mv))
        first = np.searchsorted(keywords.ends, lo + _KEYWORD_MIN_LEN, "left")
        count = np.maximum(np.searchsorted(keywords.ends, hi, "right") - first, 0)
        out = np.zeros(len(starts), dtype=bool)
        total = int(count.sum())
        if not total:
            return out
        token = np.repeat(np.arange(len(starts)), count)
        span = np.arange(total) - np.repeat(np.cumsum(count) - count, count) + np.repeat(first, count)
        s, e = keywords.starts[span], keywords.ends[span]
        t_lo, t_hi = lo[token], hi[token]
        ok = (s >= t_lo) & (keywords.left_ok[span] | (s == t_lo)) & (keywords.right_ok[span] | (e == t_hi))
        out[token[ok]] = True
        return out

    def _edges_ok(self, mv: memoryview, id_type: str, start: int, end: int) -> bool:
        """Boundary check against the whole buffer (for matches anchored at a window edge)."""
        if start > 0 and mv[start - 1] in _NOT_BEFORE.get(id_type, _ALNUM):
            return False
        return not (end < len(mv) and mv[end] in _NOT_AFTER.get(id_type, _ALNUM))

    def _email_group(self, mv: memoryview, window: np.ndarray, lo: int, ends: np.ndarray, own_start: int,
                     own_end: int, groups: list[_Group]) -> None:
        """E-mail addresses ending at ``ends`` (one per start: the longest), kept when they end in the own range."""
        starts, stops, values = _email_hits(window, lo, np.unique(ends), own_start, own_end)
        if starts.size:
            groups.append(_Group("email", values, starts, stops - starts))

    def _iban_group(self, mv: memoryview, pid: np.ndarray, frm: np.ndarray, to: np.ndarray,
                    groups: list[_Group]) -> None:
        best: dict[int, tuple[str, int]] = {}
        for p, f, t in zip(pid.tolist(), frm.tolist(), to.tolist(), strict=True):
            pat = self._patterns[p]
            end = t if pat.variant & 2 else t - 1
            start = f if pat.variant & 1 else f + 1
            if pat.variant and not self._edges_ok(mv, pat.id_type, start, end):
                continue
            if start in best and best[start][1] >= end - start:
                continue
            raw = bytes(mv[start:end]).decode("ascii")
            if is_valid_iban(raw):
                best[start] = (raw.replace(" ", "").upper(), end - start)
        if best:
            groups.append(_Group("iban", pa.array([v for v, _ in best.values()], pa.string()),
                                 np.array(list(best), dtype=np.int64),
                                 np.array([n for _, n in best.values()], dtype=np.int64)))


def _fixed_strings(chars: np.ndarray, prefix: str) -> pa.Array:
    """Rows of an ASCII byte matrix as an Arrow string array, each with ``prefix``, built from the bytes."""
    n = chars.shape[0]
    if prefix:
        head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
        full = np.empty((n, head.size + chars.shape[1]), dtype=np.uint8)
        full[:, : head.size] = head
        full[:, head.size :] = chars
        chars = full
    width = chars.shape[1]
    offsets = np.arange(0, n * width + 1, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars)))


def _gathered_strings(window: np.ndarray, starts: np.ndarray, stops: np.ndarray, table: np.ndarray) -> pa.Array:
    """``window[s:e]`` of each token mapped through a byte ``table``, as an Arrow string array (ASCII bytes)."""
    lengths = stops - starts
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    index = np.arange(offsets[-1], dtype=np.int64) + np.repeat(starts - offsets[:-1], lengths)
    data = table[window[index]]
    return pa.StringArray.from_buffers(len(lengths), pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data))


def _split_fixed(blob: bytes, width: int, prefix: str) -> list[str]:
    """Fixed-width ASCII records of ``blob`` as strings, each with ``prefix``."""
    text = blob.decode("ascii")
    return [prefix + text[k : k + width] for k in range(0, len(text), width)]


def _luhn_ok(chars: np.ndarray) -> np.ndarray:
    digits = chars.astype(np.int64) - 0x30
    width = digits.shape[1]
    doubled = np.zeros(width, dtype=bool)
    doubled[width - 2 :: -2] = True  # every second digit from the right, check digit excluded
    total = np.where(doubled[None, :], _LUHN_DOUBLE[digits], digits).sum(axis=1)
    return total % 10 == 0


# The scanner finds addresses whose local part uses the characters people actually use: RFC 5322 also allows
# ^ | ~ & ' { } ..., which are the field separators of HL7 and the quotes of SQL dumps.
_EMAIL_LOCAL_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-"
# bytes.translate table: a local-part character -> "a", anything else -> " " (then rfind(" ") finds the start)
_LOCAL_MAP = bytes(0x61 if c in _EMAIL_LOCAL_CHARS else 0x20 for c in range(256))
_LOCAL_OK = np.frombuffer(_LOCAL_MAP, dtype=np.uint8) == 0x61
_ASCII_LOWER = np.frombuffer(bytes(range(256)).lower(), dtype=np.uint8)  # bytes.lower(): A-Z only
_AT_SPAN = 64  # the @ is looked for in the 64 bytes before the end (longer domains go one by one)
_LOOK_BACK = 320  # an address is at most 254 bytes; its @ is looked for this far back


def _email_start(data: bytes, end: int) -> tuple[int, int] | None:
    """(start, @ position) of the address ending at ``end`` (hyperscan gives only the end), found backwards."""
    base = end - _LOOK_BACK if end > _LOOK_BACK else 0
    at = data.rfind(b"@", base, end) - base
    if at <= 0:
        return None
    head = data[base + at - 65 if at > 65 else base : base + at]
    cut = head.translate(_LOCAL_MAP).rfind(b" ")
    local_len = len(head) - cut - 1
    if not local_len or local_len > 64:
        return None  # 65 local characters: part of a longer token
    return base + at - local_len, base + at


def _email_hits(window: np.ndarray, lo: int, ends: np.ndarray, own_start: int,
                own_end: int) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Addresses ending at ``ends`` (sorted, absolute; ``window`` starts at ``lo``) and in ``(own_start, own_end]``:
    ``(starts, ends, values)``.

    An address reported at several ends (``x@chu.rennes`` and ``x@chu.rennes.fr``) is kept once, the longest,
    before it is checked (dots, lengths) and before the own range is applied (a longer end in the margin hides
    a shorter one in the own range). The values are gathered for the own addresses only: taking them out of
    the window's values afterwards (``Array.take``) was 35 of 356 samples of ``count_columns`` on a dense CSV.
    """
    rel_all = ends - lo
    near = rel_all >= _AT_SPAN + 65
    rel = rel_all[near]
    tail = window[rel[:, None] - _AT_SPAN + np.arange(_AT_SPAN)]
    is_at = tail == 0x40
    found = is_at.any(axis=1)
    at = rel - _AT_SPAN + (_AT_SPAN - 1 - np.argmax(is_at[:, ::-1], axis=1))
    rel, at = rel[found], at[found]
    head_ok = _LOCAL_OK[window[at[:, None] - 65 + np.arange(65)]]
    bounded = ~head_ok.all(axis=1)  # 65 local characters in a row: part of a longer token
    local_len = np.argmax(~head_ok[:, ::-1], axis=1)
    good = bounded & (local_len > 0)
    starts, stops, ats = at[good] - local_len[good], rel[good], at[good]
    rest = np.concatenate([rel_all[~near], rel_all[near][~found]])
    if rest.size:  # near the window start or a long domain: one by one
        raw = window.tobytes()
        more = [(r, *found_) for r in rest.tolist() if (found_ := _email_start(raw, r)) is not None]
        if more:
            extra = np.array(more, dtype=np.int64).reshape(-1, 3)
            starts = np.concatenate([starts, extra[:, 1]])
            stops = np.concatenate([stops, extra[:, 0]])
            ats = np.concatenate([ats, extra[:, 2]])
    if not starts.size:
        return starts, stops, pa.array([], pa.string())
    # one address per start: the longest
    order = np.lexsort((-stops, starts))
    first = np.ones(order.size, dtype=bool)
    first[1:] = starts[order][1:] != starts[order][:-1]
    keep = np.sort(order[first])
    starts, stops, ats = starts[keep], stops[keep], ats[keep]
    # local part: no leading, trailing or double dot (gathered from the 64 bytes before the @)
    local = window[np.maximum(ats[:, None] - 64 + np.arange(64), 0)]  # bytes before the start are masked
    inside = np.arange(64)[None, :] >= (64 - (ats - starts))[:, None]
    dot = (local == 0x2E) & inside
    ok = ~dot[:, -1] & ~(dot[:, 1:] & dot[:, :-1]).any(axis=1) & (window[starts] != 0x2E)
    ok &= stops - starts <= 254
    starts, stops = starts[ok], stops[ok]
    long = np.flatnonzero(stops - starts > 68)  # only those can hold a domain label over 63 characters
    if long.size:
        raw = window.tobytes()
        bad = [max(map(len, raw[s:e].partition(b"@")[2].split(b"."))) > 63
               for s, e in zip(starts[long].tolist(), stops[long].tolist(), strict=True)]
        if any(bad):
            ok = np.ones(starts.size, dtype=bool)
            ok[long[np.array(bad)]] = False
            starts, stops = starts[ok], stops[ok]
    own = (stops > own_start - lo) & (stops <= own_end - lo)
    starts, stops = starts[own], stops[own]
    values = _gathered_strings(window, starts, stops, _ASCII_LOWER)
    return starts + lo, stops + lo, values

def count_unique(hits: Iterable[IdHit]) -> dict[str, tuple[int, int]]:
    """``{type: (hits, unique values)}`` -- the shape of report.json's ``identifiers``."""
    per_type: dict[str, dict[str, int]] = {}
    for hit in hits:
        values = per_type.setdefault(hit.type, {})
        values[hit.value] = values.get(hit.value, 0) + 1
    return {t: (sum(v.values()), len(v)) for t, v in per_type.items()}


def to_identifier_counts(vpath: str, hits: Iterable[IdHit], into: IdentifierCounts | None = None) -> IdentifierCounts:
    """Fold hits into a :class:`model.IdentifierCounts` (occurrences and first offset per value)."""
    counts = into if into is not None else IdentifierCounts(vpath)
    for hit in hits:
        counts.add(hit.type, hit.value, hit.offset)
    return counts
