"""Structure of a DICOM file, checked element by element without reading any value but the pixel geometry.

pydicom reads what it is asked for and stops before the pixels, so a file cut in the middle, an element whose
length runs past the end (a 4 GiB length field in a 2 KB file), a fixed-size value of the wrong length (a US
of 3 bytes) or pixel data shorter than Rows x Columns x samples x bits x frames were all accepted as valid
(issue 14). Here the element headers are walked (tag, VR, length; sequences and items recursively, undefined
lengths included) and each kind of damage gives one ``(rule, detail)``, at most one per rule.
"""

from __future__ import annotations

import struct

PREAMBLE = 128
META_GROUP = 0x0002
PIXEL_DATA = (0x7FE0, 0x0010)
ITEM, ITEM_END, SEQ_END = (0xFFFE, 0xE000), (0xFFFE, 0xE00D), (0xFFFE, 0xE0DD)
UNDEFINED = 0xFFFFFFFF
LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT", b"SV", b"UV"})
SHORT_VRS = frozenset({b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT", b"PN",
                       b"SH", b"SL", b"SS", b"ST", b"TM", b"UI", b"UL", b"US"})
FIXED_SIZE = {b"US": 2, b"SS": 2, b"UL": 4, b"SL": 4, b"FL": 4, b"AT": 4, b"FD": 8, b"SV": 8, b"UV": 8}
GEOMETRY = {(0x0028, 0x0010): "rows", (0x0028, 0x0011): "columns", (0x0028, 0x0100): "bits",
            (0x0028, 0x0002): "samples", (0x0028, 0x0008): "frames"}
IMPLICIT_LE, EXPLICIT_BE, DEFLATED = "1.2.840.10008.1.2", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"
MAX_ELEMENTS = 2_000_000  # a header of millions of elements is itself a finding, and walking it costs seconds
MAX_DEPTH = 32
HUGE = 2**31  # a length no real element has (and above 4 x the file size: a lying field, not a cut file)

RULE_TRUNCATED = "dicom-truncated"
RULE_HUGE = "dicom-huge-length"
RULE_BAD_LENGTH = "dicom-bad-vr-length"
RULE_BAD_VR = "dicom-bad-vr"
RULE_PIXELS_SHORT = "dicom-pixel-data-short"
RULE_TOO_MANY = "dicom-too-many-elements"


class _Walk:
    def __init__(self, data: memoryview, little: bool) -> None:
        self.data = data
        self.u16 = struct.Struct("<H" if little else ">H")
        self.u32 = struct.Struct("<I" if little else ">I")
        self.found: dict[str, str] = {}
        self.geometry: dict[str, int] = {}
        self.pixels: tuple[int, int] | None = None  # (declared length, offset)
        self.count = 0

    def note(self, rule: str, detail: str) -> None:
        self.found.setdefault(rule, detail)

    def dataset(self, pos: int, end: int, explicit: bool, depth: int, top: bool = False) -> int:
        """Walk elements from ``pos`` to ``end`` (or an item delimiter); returns where it stopped."""
        data = self.data
        while pos < end:
            self.count += 1
            if self.count > MAX_ELEMENTS:
                self.note(RULE_TOO_MANY, f"more than {MAX_ELEMENTS} elements")
                return len(data)
            if pos + 8 > end:
                self.note(RULE_TRUNCATED, f"element header cut at byte {pos} ({end - pos} bytes left)")
                return len(data)
            group, elem = self.u16.unpack_from(data, pos)[0], self.u16.unpack_from(data, pos + 2)[0]
            if (group, elem) in (ITEM_END, SEQ_END):
                return pos + 8
            vr = bytes(data[pos + 4:pos + 6]) if explicit and group != 0xFFFE else None
            if vr is None:
                length, head = self.u32.unpack_from(data, pos + 4)[0], 8
            elif vr in LONG_VRS:
                if pos + 12 > end:
                    self.note(RULE_TRUNCATED, f"element ({group:04X},{elem:04X}) header cut at byte {pos}")
                    return len(data)
                length, head = self.u32.unpack_from(data, pos + 8)[0], 12
            elif vr in SHORT_VRS:
                length, head = self.u16.unpack_from(data, pos + 6)[0], 8
            else:
                self.note(RULE_BAD_VR, f"element ({group:04X},{elem:04X}) at byte {pos} has no valid VR ({vr!r})")
                return len(data)
            start = pos + head
            if length == UNDEFINED:
                if depth >= MAX_DEPTH:
                    self.note(RULE_TOO_MANY, f"sequences nested deeper than {MAX_DEPTH}")
                    return len(data)
                pos = self.items(start, end, explicit, depth + 1)
                continue
            if length > end - start:
                rule = RULE_HUGE if length >= HUGE or length > 4 * len(data) else RULE_TRUNCATED
                self.note(rule, f"element ({group:04X},{elem:04X}) at byte {pos} claims {length} bytes, "
                                f"{max(end - start, 0)} remain")
                if (group, elem) == PIXEL_DATA and top:
                    self.pixels = (max(end - start, 0), pos)
                return len(data)
            size = FIXED_SIZE.get(vr or b"")
            if size and length % size:
                self.note(RULE_BAD_LENGTH, f"element ({group:04X},{elem:04X}) is {vr.decode()} but {length} bytes "
                                           f"long (not a multiple of {size})")
            if top and (group, elem) in GEOMETRY:
                self._geometry(GEOMETRY[(group, elem)], data[start:start + length], vr)
            if top and (group, elem) == PIXEL_DATA:
                self.pixels = (length, pos)
            if vr == b"SQ" and depth < MAX_DEPTH:
                self.items(start, start + length, explicit, depth + 1)
            pos = start + length
        return pos

    def items(self, pos: int, end: int, explicit: bool, depth: int) -> int:
        """Items of a sequence (or fragments of encapsulated pixels) until a sequence delimiter or ``end``."""
        data = self.data
        while pos < end:
            if pos + 8 > end:
                self.note(RULE_TRUNCATED, f"item header cut at byte {pos}")
                return len(data)
            tag = (self.u16.unpack_from(data, pos)[0], self.u16.unpack_from(data, pos + 2)[0])
            length = self.u32.unpack_from(data, pos + 4)[0]
            if tag == SEQ_END:
                return pos + 8
            if tag != ITEM:
                self.note(RULE_TRUNCATED, f"expected an item at byte {pos}, found ({tag[0]:04X},{tag[1]:04X})")
                return len(data)
            if length == UNDEFINED:
                pos = self.dataset(pos + 8, end, explicit, depth)
                continue
            if length > end - pos - 8:
                rule = RULE_HUGE if length >= HUGE or length > 4 * len(data) else RULE_TRUNCATED
                self.note(rule, f"item at byte {pos} claims {length} bytes, {max(end - pos - 8, 0)} remain")
                return len(data)
            pos += 8 + length  # a defined-length item (a nested dataset or a pixel fragment): skipped whole
        return pos

    def _geometry(self, key: str, value: memoryview, vr: bytes | None) -> None:
        try:
            if key == "frames":  # IS: a decimal string
                self.geometry[key] = int(bytes(value).strip(b" \x00") or b"1")
            elif len(value) >= 2:
                self.geometry[key] = self.u16.unpack_from(value, 0)[0]
        except ValueError:
            pass


def _transfer_syntax(view: memoryview, start: int) -> tuple[str | None, int]:
    """The transfer syntax UID in the file meta group, and where the dataset begins."""
    pos = start
    uid = None
    while pos + 8 <= len(view) and struct.unpack_from("<H", view, pos)[0] == META_GROUP:
        elem = struct.unpack_from("<H", view, pos + 2)[0]
        vr = bytes(view[pos + 4:pos + 6])
        if vr in LONG_VRS:
            if pos + 12 > len(view):
                break
            length, head = struct.unpack_from("<I", view, pos + 8)[0], 12
        else:
            length, head = struct.unpack_from("<H", view, pos + 6)[0], 8
        if elem == 0x0010:
            uid = bytes(view[pos + head:pos + head + length]).strip(b" \x00").decode("ascii", "replace")
        pos += head + length
    return uid, pos


def dicom_anomalies(view: memoryview, fmt: str | None = None) -> list[tuple[str, str]]:
    """What is wrong with the structure of a DICOM file (Part 10 or a bare dataset): ``[(rule, detail)]``."""
    view = memoryview(view).cast("B")
    if len(view) >= PREAMBLE + 4 and bytes(view[PREAMBLE:PREAMBLE + 4]) == b"DICM":
        uid, start = _transfer_syntax(view, PREAMBLE + 4)
        if start > len(view):
            return [(RULE_TRUNCATED, f"the file meta group runs past the end ({len(view)} bytes)")]
        if uid == DEFLATED:
            return []  # a deflated dataset: its elements are compressed, pydicom inflates them
        explicit, little = uid != IMPLICIT_LE, uid != EXPLICIT_BE
    else:  # a bare dataset: explicit VR when bytes 4-5 spell a VR
        start = 0
        explicit, little = bytes(view[4:6]) in LONG_VRS | SHORT_VRS, True
    walk = _Walk(view, little)
    walk.dataset(start, len(view), explicit, 0, top=True)
    if walk.pixels is not None and RULE_PIXELS_SHORT not in walk.found:
        _check_pixels(walk)
    return sorted(walk.found.items())


def _check_pixels(walk: _Walk) -> None:
    length, pos = walk.pixels  # type: ignore[misc]
    g = walk.geometry
    if length == UNDEFINED or not {"rows", "columns", "bits"} <= g.keys():
        return  # encapsulated (compressed) pixels, or no geometry to compare with
    expected = g["rows"] * g["columns"] * g.get("samples", 1) * max(g.get("frames", 1), 1) * g["bits"] // 8
    if length < expected:
        walk.note(RULE_PIXELS_SHORT, f"pixel data at byte {pos} holds {length} bytes; {g['rows']} x "
                                     f"{g['columns']} x {g.get('samples', 1)} samples x {g['bits']} bits x "
                                     f"{max(g.get('frames', 1), 1)} frames need {expected}")
