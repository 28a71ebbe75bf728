"""Find check-digit-validated identifiers in raw bytes, fast: numpy finds and validates the fixed forms.

``IdentifierScanner().scan(buf)`` takes bytes, a memoryview or an mmap of any size. The buffer is read in windows
of ``window`` bytes, each with ``margin`` bytes of context on both sides (hyperscan reads a 32-bit length; numpy
passes stay in the caches); a token belongs to the window where it *ends*, so one straddling a window edge is
reported once, and boundaries are judged on the real neighbouring bytes.

Per window: the fixed-length forms (NIR, FINESS, RPPS, phones) are found by :mod:`.digits` (digit runs, byte
tables, no callback per match) and validated together (NIR key, Luhn); hyperscan finds e-mail ends, IBANs and
the context keywords in one pass. ``count`` tallies values with ``Counter`` (no object per hit but its value).
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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

import hyperscan
import numpy as np

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


# Context keywords for hyperscan: a superset of CONTEXT_KEYWORDS without its \b (the regex confirms near a hit).
_KEYWORD_PATTERNS = (rb"finess", rb"rpps", rb"idnps", rb"adeli", rb"1\.2\.250\.1\.71\.4\.2\.[12]", rb"n.{0,3}e[jg]")
_KEYWORD_MIN_LEN = 3  # "nej"
MARGIN = 384  # bytes read on each side of a window's own range: the longest token, e-mail look-back, context


class _Group(NamedTuple):
    """Hits of one type found together: parallel lists (``lengths`` may be one int for all)."""

    id_type: str
    values: list[str]
    offsets: list[int]
    lengths: list[int] | int


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
        """Occurrences and first offset of every validated value (the fast path for the pipeline).

        Values are counted with C-level ``Counter.update`` and first offsets merged as dict key sets, per window:
        no Python object per hit beyond its value string.
        """
        counts = into if into is not None else IdentifierCounts(vpath)
        tallies: dict[str, Counter] = {}
        for groups in self._groups(buf, base_offset, encoding):
            for g in groups:
                tally = tallies.get(g.id_type)
                if tally is None:
                    tally = tallies[g.id_type] = Counter()
                tally.update(g.values)
                first = counts.first_offset.setdefault(g.id_type, {})
                seen = dict(zip(reversed(g.values), reversed(g.offsets), strict=True))  # earliest offset wins
                new = seen.keys() - first.keys()
                first.update(zip(new, map(seen.__getitem__, new), strict=True))
        for id_type, tally in tallies.items():
            per = counts.counts.setdefault(id_type, {})
            if per:
                for value, n in tally.items():
                    per[value] = per.get(value, 0) + n
            else:
                per.update(tally)
        return counts

    def count_spilling(self, buf: bytes | bytearray | memoryview, vpath: str,
                       spill: Callable[[IdentifierCounts], None], *, max_values: int = 200_000,
                       encoding: str | None = "auto") -> IdentifierCounts:
        """:meth:`count` for items of any size: whenever more than ``max_values`` distinct values are held, they
        are handed to ``spill`` (which adds them to the case store, where counts of a value add up and its first
        offset is the earliest) and forgotten. Returns what is left."""
        return self._tally(self._groups(buf, 0, encoding), vpath, spill, max_values)

    def count_range(self, buf: bytes | bytearray | memoryview, vpath: str, own_from: int, own_to: int, *,
                    base_offset: int = 0, spill: Callable[[IdentifierCounts], None] | None = None,
                    max_values: int = 200_000) -> IdentifierCounts:
        """:meth:`count_spilling` of the tokens that END in ``(own_from, own_to]`` of ``buf``, judged on the bytes
        around them (a range of a split file, ``text_split``: the ranges of a file count each token once, as one
        pass over the whole file would). Bytes as they are (a split file is never UTF-16); offsets are
        ``base_offset`` + position in ``buf``."""
        mv = memoryview(buf)
        if mv.format != "B" or mv.ndim != 1:
            mv = mv.cast("B")
        return self._tally(self._scan_bytes(mv, base_offset, own_from, own_to), vpath, spill, max_values)

    @staticmethod
    def _tally(windows: Iterator[list[_Group]], vpath: str, spill: Callable[[IdentifierCounts], None] | None,
               max_values: int) -> IdentifierCounts:
        counts = IdentifierCounts(vpath)
        held = 0
        for groups in windows:
            for g in groups:
                per = counts.counts.setdefault(g.id_type, {})
                first = counts.first_offset.setdefault(g.id_type, {})
                for value, offset in zip(g.values, g.offsets, strict=True):
                    n = per.get(value)
                    if n is None:
                        per[value] = 1
                        first[value] = offset
                        held += 1
                    else:
                        per[value] = n + 1
            if spill is not None and held > max_values:
                spill(counts)
                counts, held = IdentifierCounts(vpath), 0
        return counts

    def scan_batches(self, buf: bytes | bytearray | memoryview, base_offset: int = 0, *,
                     encoding: str | None = "auto") -> Iterator[list[IdHit]]:
        """Hits window by window (each list sorted by offset, lists in buffer order)."""
        for groups in self._groups(buf, base_offset, encoding):
            hits: list[IdHit] = []
            for g in groups:
                lengths = repeat(g.lengths) if isinstance(g.lengths, int) else g.lengths
                hits.extend(map(_new_hit, zip(repeat(g.id_type), g.values, g.offsets, lengths)))
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
                yield [_Group(g.id_type, g.values, [base + 2 * o for o in g.offsets],
                              2 * g.lengths if isinstance(g.lengths, int) else [2 * n for n in g.lengths])
                       for g in groups]
            start = hi

    def _scan_bytes(self, mv: memoryview, base_offset: int, own_from: int,
                    own_to: int) -> Iterator[list[_Group]]:
        own_start = own_from
        while own_start < own_to:
            own_end = min(own_to, own_start + self.window)
            groups = self._window_groups(mv, own_start, own_end)
            if groups:
                if base_offset:
                    groups = [g._replace(offsets=[o + base_offset for o in g.offsets]) for g in groups]
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
        keywords = np.empty(0, dtype=np.int64)
        if matches:
            arr = np.array(matches, dtype=np.int64).reshape(-1, 3)
            kind = self._kind[arr[:, 0]]
            keywords = np.sort(arr[kind == 0, 2]) + lo
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
                     keywords: np.ndarray, groups: list[_Group]) -> None:
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
        width = chars.shape[1]
        blob = chars[rows].tobytes()
        if id_type == "nir":
            blob = blob.upper()  # 2a -> 2A
        values = _split_fixed(blob, width, c.shape.prefix)
        offsets = starts[rows].tolist()
        if slow[rows].any():  # Corsican FINESS: the validator knows the 2A/2B rule
            kept_v, kept_o = [], []
            for value, s, is_slow in zip(values, offsets, slow[rows].tolist(), strict=True):
                if is_slow:
                    try:
                        value = normalise(id_type, value)
                    except ValueError:
                        continue
                kept_v.append(value)
                kept_o.append(s)
            values, offsets = kept_v, kept_o
        if values:
            groups.append(_Group(id_type, values, offsets, length))

    def _near_keyword(self, mv: memoryview, starts: np.ndarray, length: int, keywords: np.ndarray) -> np.ndarray:
        """Mask of the tokens with a context keyword within ``context_bytes``: hyperscan's keyword ends rule out
        most tokens at once; the others are confirmed with :data:`CONTEXT_KEYWORDS` on the same slice as before."""
        lo = np.maximum(starts - self.context_bytes, 0)
        hi = np.minimum(starts + length + self.context_bytes, len(mv))
        maybe = np.searchsorted(keywords, lo + _KEYWORD_MIN_LEN, "left") < np.searchsorted(keywords, hi, "right")
        out = np.zeros(len(starts), dtype=bool)
        for i in np.nonzero(maybe)[0].tolist():
            out[i] = CONTEXT_KEYWORDS.search(bytes(mv[int(lo[i]) : int(hi[i])])) is not None
        return out

    def _edges_ok(self, mv: memoryview, id_type: str, start: int, end: int) -> bool:
        """Boundary check against the whole buffer (for matches anchored at a window edge)."""
        if start > 0 and mv[start - 1] in _NOT_BEFORE.get(id_type, _ALNUM):
            return False
        return not (end < len(mv) and mv[end] in _NOT_AFTER.get(id_type, _ALNUM))

    def _email_group(self, mv: memoryview, window: np.ndarray, lo: int, ends: np.ndarray, own_start: int,
                     own_end: int, groups: list[_Group]) -> None:
        """E-mail addresses ending at ``ends`` (one per start: the longest), kept when they end in the own range."""
        starts, stops, values = _email_hits(window, lo, np.unique(ends))
        if starts.size > 1:  # x@chu.rennes and x@chu.rennes.fr: one address, the longest
            order = np.lexsort((-stops, starts))
            first = np.ones(order.size, dtype=bool)
            first[1:] = starts[order][1:] != starts[order][:-1]
            keep = np.sort(order[first])
        else:
            keep = np.arange(starts.size)
        own = keep[(stops[keep] > own_start) & (stops[keep] <= own_end)]
        if own.size:
            s, e = starts[own], stops[own]
            groups.append(_Group("email", [values[i] for i in own.tolist()], s.tolist(), (e - s).tolist()))

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
            groups.append(_Group("iban", [v for v, _ in best.values()], list(best), [n for _, n in best.values()]))


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


def _email_hits(window: np.ndarray, lo: int, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Addresses ending at ``ends`` (sorted, absolute; ``window`` starts at ``lo``): ``(starts, ends, values)``.

    An address reported at several ends (``x@chu.rennes`` and ``x@chu.rennes.fr``) is kept once, the longest,
    before it is checked (dots, lengths).
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
        return starts, stops, []
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
    raw = window.tobytes()
    tokens = [raw[s:e] for s, e in zip(starts.tolist(), stops.tolist(), strict=True)]
    long_label = [len(t) > 68 and max(map(len, t.partition(b"@")[2].split(b"."))) > 63 for t in tokens]
    if any(long_label):
        ok = ~np.array(long_label)
        starts, stops = starts[ok], stops[ok]
        tokens = [t for t, bad in zip(tokens, long_label, strict=True) if not bad]
    values = b"\n".join(tokens).decode("ascii").lower().split("\n") if tokens else []
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
