"""The previous identifier scanner (hyperscan for every form, a regex per context check).

Kept unchanged as the oracle of the differential tests of the fast scanner
(tests/engine/test_identifiers_differential.py); scans do not use it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

import hyperscan
import numpy as np

from workbench.engine.identifiers import patterns as P
from workbench.engine.identifiers.validators import is_valid_iban, normalise
from workbench.engine.model import IdentifierCounts

DEFAULT_WINDOW = 8 * 2**20  # small windows keep the per-window match arrays small; a window costs microseconds
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
    fixed: P.FixedForm | None
    variable: P.VariableForm | None
    variant: int
    id_type: str


class IdentifierScanner:
    """Compiled once per process (or per worker); ``scan`` may be called from several threads."""

    def __init__(self, *, window: int = DEFAULT_WINDOW, overlap: int = DEFAULT_OVERLAP,
                 context_types: Iterable[str] = ("finess", "rpps"), context_bytes: int = 64) -> None:
        if not 0 < overlap < window <= MAX_WINDOW:
            raise ValueError("need 0 < overlap < window <= 2 GiB")
        self.window = window
        self.overlap = overlap
        self.context_types = frozenset(context_types)
        self.context_bytes = context_bytes
        self._patterns: list[_Pattern] = []
        expressions, flags = [], []
        for form in P.fixed_forms():
            for v in P.VARIANTS:
                self._patterns.append(_Pattern(form, None, v, form.id_type))
                expressions.append(P.with_boundaries(form.regex, v, form.id_type))
                flags.append(0)
        for vform in P.variable_forms():
            for v in P.VARIANTS if vform.som else (0, 2):
                self._patterns.append(_Pattern(None, vform, v, vform.id_type))
                rx = P.with_boundaries(vform.regex, v, vform.id_type)
                expressions.append(rx if vform.som else rx[rx.index(b"]") + 1 :])  # end-only: no leading class
                flags.append(hyperscan.HS_FLAG_SOM_LEFTMOST if vform.som else 0)
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions),
                         flags=flags)
        # numpy lookup tables by pattern id
        self._is_fixed = np.array([p.fixed is not None for p in self._patterns])
        self._post = np.array([0 if p.variant & 2 else 1 for p in self._patterns], dtype=np.int64)
        self._length = np.array([p.fixed.length if p.fixed else 0 for p in self._patterns], dtype=np.int64)
        # e-mail ends reported without a window-edge anchor (the vectorised path); v2 (\z) goes one by one
        self._is_email_end = np.array([p.variable is not None and not p.variable.som and p.variant == 0
                                       for p in self._patterns])
        self._variant = np.array([p.variant for p in self._patterns], dtype=np.int64)
        self._form_of = np.array([id(p.fixed) if p.fixed else 0 for p in self._patterns], dtype=np.int64)
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
        """Occurrences and first offset of every validated value (the fast path for the pipeline)."""
        counts = into if into is not None else IdentifierCounts(vpath)
        for batch in self.scan_batches(buf, base_offset, encoding=encoding):
            for hit in batch:
                per = counts.counts.setdefault(hit.type, {})
                per[hit.value] = per.get(hit.value, 0) + 1
                counts.first_offset.setdefault(hit.type, {}).setdefault(hit.value, hit.offset)
        return counts

    def scan_batches(self, buf: bytes | bytearray | memoryview, base_offset: int = 0, *,
                     encoding: str | None = "auto") -> Iterator[list[IdHit]]:
        """Hits window by window (each list sorted by offset, lists in buffer order)."""
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

    # -- windows ------------------------------------------------------------------------------------
    def _scan_utf16(self, mv: memoryview, base_offset: int, encoding: str) -> Iterator[list[IdHit]]:
        skip = 2 if bytes(mv[:2]) in (b"\xff\xfe", b"\xfe\xff") else 0
        total = (len(mv) - skip) // 2  # code units
        start = 0
        while start < total:
            lo = max(0, start - self.overlap)
            hi = min(total, start + self.window)
            ahead = min(total, hi + self.overlap)  # look-ahead for boundaries and extraction only
            narrow = memoryview(narrow_utf16(mv[skip + 2 * lo : skip + 2 * ahead], encoding))
            for batch in self._scan_bytes(narrow, 0, start - lo, hi - lo):
                yield [IdHit(h.type, h.value, base_offset + skip + 2 * (lo + h.offset), 2 * h.length)
                       for h in batch]
            start = hi

    def _scan_bytes(self, mv: memoryview, base_offset: int, own_from: int, own_to: int) -> Iterator[list[IdHit]]:
        scratch = self._scratch()
        matches: list[tuple[int, int, int]] = []
        append = matches.append

        def on_match(pid: int, frm: int, to: int, _flags: int, _ctx: object) -> None:
            append((pid, frm, to))

        own_start = own_from
        while own_start < own_to:
            own_end = min(own_to, own_start + self.window)
            lo = max(0, own_start - self.overlap)
            self._db.scan(mv[lo:own_end], match_event_handler=on_match, scratch=scratch)
            if matches:
                hits = self._window_hits(mv, matches, lo, own_start, own_end)
                matches.clear()
                if hits:
                    if base_offset:
                        hits = [IdHit(h.type, h.value, h.offset + base_offset, h.length) for h in hits]
                    yield hits
            own_start = own_end

    # -- validation ---------------------------------------------------------------------------------
    def _window_hits(self, mv: memoryview, matches: list[tuple[int, int, int]], lo: int, own_start: int,
                     own_end: int) -> list[IdHit]:
        arr = np.array(matches, dtype=np.int64).reshape(-1, 3)
        pid, frm, to = arr[:, 0], arr[:, 1] + lo, arr[:, 2] + lo
        fixed = self._is_fixed[pid]
        tok_end = to - self._post[pid]
        keep = (tok_end > own_start) & (tok_end <= own_end)
        hits: list[IdHit] = []
        window = np.frombuffer(mv[lo:own_end], dtype=np.uint8)
        f_sel = np.nonzero(keep & fixed)[0]
        if f_sel.size:
            self._fixed_hits(mv, window, lo, pid[f_sel], tok_end[f_sel], own_end, hits)
        email = keep & self._is_email_end[pid]
        if email.any():
            rest = _email_hits(mv, window, lo, tok_end[email], hits)
            if rest.size:  # too close to the window start for the vectorised path: one by one
                for end in rest.tolist():
                    hit = _email_hit(mv, end)
                    if hit is not None:
                        hits.append(hit)
        v_sel = np.nonzero(keep & ~fixed & ~email)[0]
        if v_sel.size:
            self._variable_hits(mv, pid[v_sel], frm[v_sel], to[v_sel], hits)
        hits.sort(key=_OFFSET)
        return hits

    def _edges_ok(self, mv: memoryview, id_type: str, start: int, end: int) -> bool:
        """Boundary check against the whole buffer (for matches anchored at a window edge)."""
        if start > 0 and mv[start - 1] in _NOT_BEFORE.get(id_type, _ALNUM):
            return False
        return not (end < len(mv) and mv[end] in _NOT_AFTER.get(id_type, _ALNUM))

    def _fixed_hits(self, mv: memoryview, window: np.ndarray, lo: int, pid: np.ndarray, tok_end: np.ndarray,
                    own_end: int, hits: list[IdHit]) -> None:
        start = tok_end - self._length[pid]
        # a match anchored at a window edge that is not the buffer's edge: check its real neighbours
        keep = np.ones(pid.size, dtype=bool)
        for i in np.nonzero(self._variant[pid] != 0)[0].tolist():
            p = self._patterns[int(pid[i])]
            keep[i] = self._edges_ok(mv, p.id_type, int(start[i]), int(tok_end[i]))
        # the four boundary variants of a form are mutually exclusive: one row per token already
        form_ids = self._form_of[pid]
        rows = np.nonzero(keep)[0]
        for fid in np.unique(form_ids[rows]).tolist():
            sel = rows[form_ids[rows] == fid]
            form = self._patterns[int(pid[sel[0]])].fixed
            self._form_hits(mv, window, lo, form, start[sel], hits)

    def _form_hits(self, mv: memoryview, window: np.ndarray, lo: int, form: P.FixedForm, starts: np.ndarray,
                   hits: list[IdHit]) -> None:
        sig = np.asarray(form.sig, dtype=np.int64)
        chars = window[(starts - lo)[:, None] + sig[None, :]]  # one row of significant characters per match
        id_type = form.id_type
        ok = np.ones(len(starts), dtype=bool)
        slow = np.zeros(len(starts), dtype=bool)
        if id_type == "nir":
            digits = chars.astype(np.int64) - 0x30
            # Corsica: 2A -> 19, 2B -> 18 in the key computation (the pattern allows only 2A/2B/2a/2b letters)
            dept_letter = chars[:, 6] | 0x20  # lower-cased; digits are unchanged by the bit
            corsica = chars[:, 6] > 0x39
            digits[corsica, 5] = 1
            digits[corsica, 6] = np.where(dept_letter[corsica] == ord("a"), 9, 8)
            ok = (97 - (digits[:, :13] * _NIR_WEIGHTS).sum(axis=1) % 97) == digits[:, 13] * 10 + digits[:, 14]
        elif id_type in ("finess", "rpps"):
            slow = chars[:, 1] > 0x39 if id_type == "finess" else slow
            ok = _luhn_ok(np.where(slow[:, None], 0x30, chars))
        rows = np.nonzero(ok | slow)[0]
        width, length = chars.shape[1], form.length
        blob = chars[rows].tobytes()
        if id_type == "nir":
            blob = blob.upper()  # 2a -> 2A
        values = [form.prefix + blob[k : k + width].decode("ascii") for k in range(0, len(blob), width)]
        offsets = starts[rows].tolist()
        if not slow.any() and id_type not in self.context_types:
            hits.extend(map(_new_hit, zip(repeat(id_type), values, offsets, repeat(length))))
            return
        for value, s, is_slow in zip(values, offsets, slow[rows].tolist(), strict=True):
            if is_slow:  # a Corsican FINESS
                try:
                    value = normalise(id_type, value)
                except ValueError:
                    continue
            if id_type in self.context_types and not self._has_context(mv, s, s + length):
                continue
            hits.append(IdHit(id_type, value, s, length))

    def _has_context(self, mv: memoryview, start: int, end: int) -> bool:
        lo = max(0, start - self.context_bytes)
        hi = min(len(mv), end + self.context_bytes)
        return CONTEXT_KEYWORDS.search(bytes(mv[lo:hi])) is not None

    def _variable_hits(self, mv: memoryview, pid: np.ndarray, frm: np.ndarray, to: np.ndarray,
                       hits: list[IdHit]) -> None:
        best: dict[tuple[str, int], IdHit] = {}
        for p, f, t in zip(pid.tolist(), frm.tolist(), to.tolist(), strict=True):
            pat = self._patterns[p]
            end = t if pat.variant & 2 else t - 1
            if not pat.variable.som:
                hit = _email_hit(mv, end)
                if hit is not None and (pat.variant == 0 or self._edges_ok(mv, "email", hit.offset, end)):
                    best[("email", hit.offset)] = hit
                continue
            start = f if pat.variant & 1 else f + 1
            if pat.variant and not self._edges_ok(mv, pat.id_type, start, end):
                continue
            key = (pat.id_type, start)
            if key in best and best[key].length >= end - start:
                continue
            raw = bytes(mv[start:end]).decode("ascii")
            value = raw.replace(" ", "").upper() if is_valid_iban(raw) else None
            if value is not None:
                best[key] = IdHit(pat.id_type, value, start, end - start)
        hits.extend(best.values())


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


def _email_hit(mv: memoryview, end: int) -> IdHit | None:
    """The e-mail address ending at ``end`` (hyperscan gives only the end): its start is found backwards."""
    region = bytes(mv[end - 320 if end > 320 else 0 : end])
    at = region.rfind(b"@")
    if at <= 0:
        return None
    head = region[at - 65 if at > 65 else 0 : at]
    cut = head.translate(_LOCAL_MAP).rfind(b" ")
    local = head[cut + 1 :]
    if not local or len(local) > 64 or local[0] == 0x2E or local[-1] == 0x2E or b".." in local:
        return None  # 65 local characters: part of a longer token
    domain = region[at + 1 :]
    if len(local) + len(domain) >= 254 or (len(domain) > 63 and max(map(len, domain.split(b"."))) > 63):
        return None
    start = end - len(region) + at - len(local)
    return IdHit("email", (local + b"@" + domain).decode("ascii").lower(), start, end - start)


_LOCAL_OK = np.frombuffer(_LOCAL_MAP, dtype=np.uint8) == 0x61
_AT_SPAN = 64  # the @ is looked for in the 64 bytes before the end (longer domains go one by one)


def _email_hits(mv: memoryview, window: np.ndarray, lo: int, ends: np.ndarray, hits: list[IdHit]) -> np.ndarray:
    """E-mail addresses ending at ``ends``, found together with numpy; returns the ends left for ``_email_hit``."""
    near = ends - lo >= _AT_SPAN + 65
    rel = ends[near] - lo
    tail = window[rel[:, None] - _AT_SPAN + np.arange(_AT_SPAN)]
    is_at = tail == 0x40
    found = is_at.any(axis=1)
    at = rel - _AT_SPAN + (_AT_SPAN - 1 - np.argmax(is_at[:, ::-1], axis=1))
    rel, at = rel[found], at[found]
    head_ok = _LOCAL_OK[window[at[:, None] - 65 + np.arange(65)]]
    bounded = ~head_ok.all(axis=1)  # 65 local characters in a row: part of a longer token
    local_len = np.argmax(~head_ok[:, ::-1], axis=1)
    good = bounded & (local_len > 0)
    starts, rel = at[good] - local_len[good], rel[good]
    # one address may be reported at several ends (x@chu.rennes and x@chu.rennes.fr): keep the longest
    last = starts.size - 1 - np.unique(starts[::-1], return_index=True)[1]
    starts, rel, at = starts[last], rel[last], (at[good])[last]
    dot = window == 0x2E
    dots = np.concatenate(([0], np.cumsum(dot[1:] & dot[:-1])))  # dots[i]: ".." pairs ending at or before i
    ok = ~dot[starts] & ~dot[at - 1] & (dots[at - 1] == dots[starts]) & (rel - starts <= 254)
    raw = window.tobytes()
    tokens = [raw[s:e] for s, e in zip(starts[ok].tolist(), rel[ok].tolist(), strict=True)]
    values = b"\n".join(tokens).decode("ascii").lower().split("\n") if tokens else []
    for token, value, s in zip(tokens, values, (starts[ok] + lo).tolist(), strict=True):
        if len(token) > 70 and max(map(len, token.partition(b"@")[2].split(b"."))) > 63:
            continue
        hits.append(_new_hit(("email", value, s, len(token))))
    leftover = ends[~near]
    return np.concatenate([leftover, ends[near][~found]])


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
