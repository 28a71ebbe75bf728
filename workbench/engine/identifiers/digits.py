"""Find the fixed-length forms (NIR, FINESS, RPPS, phones) in a window of bytes with numpy, no callback per match.

Every form starts with a digit run of known length (its *anchor*: ``185057800608491``, the ``1`` of
``1 85 05 ...``, the ``33`` of ``+33 6 ...``). The window's digit runs are found in a few vector passes; the
runs of an anchor's length whose neighbouring bytes fit the form are the candidates; one gather of the
candidates' bytes checked against a per-position byte table keeps the exact matches. A form is found only when
the bytes around it are not alphanumeric (nor ``+`` before a phone), exactly as the hyperscan patterns did.
"""

from __future__ import annotations

import numpy as np

from workbench.engine.identifiers import patterns as P
from workbench.engine.identifiers.rules import DEPARTMENT_NUMBERS, NIR_MONTHS

PAD = 64  # NUL bytes after the window (and one before): gathers never leave the array; NUL is no boundary


def _table(chars: bytes) -> np.ndarray:
    t = np.zeros(256, dtype=bool)
    t[np.frombuffer(chars, dtype=np.uint8)] = True
    return t


_ALNUM = _table(P.DIGITS + bytes(range(65, 91)) + bytes(range(97, 123)))
NOT_BEFORE = {"phone": _ALNUM | _table(b"+")}
_MONTH_OK = np.zeros(100, dtype=bool)
_MONTH_OK[sorted(NIR_MONTHS)] = True
_DEPT_OK = np.zeros(100, dtype=bool)  # numeric departments; 2A/2B are checked on their letter
_DEPT_OK[sorted(DEPARTMENT_NUMBERS)] = True


class _Compiled:
    def __init__(self, index: int, shape: P.Shape) -> None:
        self.index = index
        self.shape = shape
        self.length = shape.length
        self.table = np.stack([_table(c) for c in shape.classes])  # (length, 256)
        self.positions = np.arange(self.length)
        self.not_before = NOT_BEFORE.get(shape.id_type, _ALNUM)
        digit = _table(P.DIGITS)
        a = next(i for i, row in enumerate(self.table) if (row & digit).any())
        if (self.table[a] & ~digit).any():
            raise ValueError("the first digit of a form must begin a digit run")
        self.anchor = a
        lens = set()
        for n, row in enumerate(self.table[a:]):
            if (row & ~digit).any():
                lens.add(n)  # the digit run may stop here
            if not (row & digit).any():
                break
        else:
            lens.add(self.length - a)
        self.anchor_lens = tuple(sorted(k for k in lens if k > 0))
        self.sig = np.asarray(shape.sig, dtype=np.int64)


class ShapeMatcher:
    """Compiled once; :meth:`find` is pure numpy and thread-safe."""

    def __init__(self, shapes: list[P.Shape] | None = None) -> None:
        self.shapes = [_Compiled(i, s) for i, s in enumerate(shapes if shapes is not None else P.shapes())]
        self.by_len: dict[int, list[_Compiled]] = {}
        for c in self.shapes:
            for k in c.anchor_lens:
                self.by_len.setdefault(k, []).append(c)
        self.max_length = max(c.length for c in self.shapes)
        # per anchor length, the bytes any of its forms accepts before, at the start of and after the run
        self.union: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for k, compiled in self.by_len.items():
            before = np.any([c.table[c.anchor - 1] if c.anchor else ~c.not_before for c in compiled], axis=0)
            first = np.any([c.table[c.anchor] for c in compiled], axis=0)
            after = np.any([c.table[c.anchor + k] if c.anchor + k < c.length else ~_ALNUM for c in compiled], axis=0)
            self.union[k] = (before, first, after)

    @staticmethod
    def pad(window: np.ndarray) -> np.ndarray:
        """The window with one NUL before and :data:`PAD` NULs after (what :meth:`find` takes)."""
        buf = np.zeros(window.size + 1 + PAD, dtype=np.uint8)
        buf[1 : window.size + 1] = window
        return buf

    def find(self, buf: np.ndarray, size: int) -> list[tuple[_Compiled, np.ndarray, np.ndarray]]:
        """``(shape, starts, sig_chars)`` of every match in ``buf`` (from :meth:`pad`; starts in window coordinates).

        The window's ends count as ends of the data: a caller whose window is cut out of a larger buffer keeps only
        the matches far enough from a cut (see the scanner's margins).
        """
        isd = (buf[: size + 2] - 48) < 10
        edges = np.flatnonzero(isd[1:] != isd[:-1]) + 1
        starts, ends = edges[0::2], edges[1::2]
        lens = ends - starts
        out = []
        for k, compiled in self.by_len.items():
            runs = np.flatnonzero(lens == k)
            if not runs.size:
                continue
            r_start, r_end = starts[runs], ends[runs]
            before, after, first = buf[r_start - 1], buf[r_end], buf[r_start]
            u_before, u_first, u_after = self.union[k]
            maybe = u_first[first] & u_before[before] & u_after[after]
            if not maybe.all():
                r_start, r_end = r_start[maybe], r_end[maybe]
                before, after, first = before[maybe], after[maybe], first[maybe]
            for c in compiled:
                a = c.anchor
                ok = c.table[a][first]
                ok &= c.table[a - 1][before] if a else ~c.not_before[before]
                ok &= c.table[a + k][after] if a + k < c.length else ~_ALNUM[after]
                cand = r_start[ok] - a
                if a:
                    cand = cand[cand >= 1]
                if not cand.size:
                    continue
                cand = cand[cand + c.length <= size + 1]
                chars = buf[cand[:, None] + c.positions]
                ok = c.table[c.positions, chars].all(axis=1)
                ok &= ~c.not_before[buf[cand - 1]] & ~_ALNUM[buf[cand + c.length]]
                if not ok.any():
                    continue
                cand, chars = cand[ok], chars[ok]
                sig = chars[:, c.sig]
                if c.shape.check:
                    keep = _check(c.shape.check, sig)
                    cand, sig = cand[keep], sig[keep]
                if cand.size:
                    out.append((c, cand - 1, sig))
        return out


def _department_ok(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The rules' department check on two byte columns (the shapes allow only A/B/a/b as a letter)."""
    letter = second > 0x39
    number = (first.astype(np.int64) - 48) * 10 + np.where(letter, 48, second) - 48
    return np.where(letter, first == 0x32, _DEPT_OK[number])


def _check(kind: str, sig: np.ndarray) -> np.ndarray:
    if kind == "nir":
        month = (sig[:, 3].astype(np.int64) - 48) * 10 + sig[:, 4] - 48
        return _MONTH_OK[month] & _department_ok(sig[:, 5], sig[:, 6])
    return _department_ok(sig[:, 0], sig[:, 1])  # FINESS
