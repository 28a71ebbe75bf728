"""bulk_extractor-style feature files of a case: one folder, one feature file per identifier type, its histogram,
and the YARA matches, for the scripts and viewers that read bulk_extractor's output.

Each feature file starts with bulk_extractor's banner (``# BANNER FILE NOT PROVIDED``, ``# BULK_EXTRACTOR-Version``
-- here the workbench's --, ``# Feature-Recorder: nir``, ``# Filename: <evidence>``, ``# Feature-File-Version:
1.1``), then one line per distinct identifier per item, ``offset<TAB>feature<TAB>context``:

- ``offset`` is the forensic path of the first occurrence: the item's virtual path, ``@`` and the byte offset in
  the item (bulk_extractor writes ``33114112-GZIP-1296869`` for the same idea inside a disk image; a case has
  items, not one image);
- ``feature`` is the identifier, normalised and **masked** (``1 85 ** ** *** *** 91``) unless the export was
  asked unmasked with a reason (logged in the custody chain);
- ``context`` is ``n=COUNT`` (hits of that value in that item): the workbench does not keep the bytes around an
  identifier (they would be the patient's record), so there is no excerpt to give.

``<type>_histogram.txt`` lists each value over the whole case with its count (``n=12<TAB>feature``, most frequent
first), as bulk_extractor's histograms do; ``yara.txt`` the YARA matches (feature ``namespace:rule``, context the
finding's masked excerpt). Tabs, line breaks and control characters in a path or value are written ``\\xNN``.
Identifier columns are masked whole (pyarrow, :func:`mask_identifier_column`); files are streamed batch by batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from workbench.engine.masking import mask_identifier_column, mask_text
from workbench.engine.model import IDENTIFIER_TYPES
from workbench.engine.store import export_queries
from workbench.exports.source import ExportSource

_ESCAPE = re.compile(r"[\x00-\x1f\x7f\\]")


def _esc(text: object) -> str:
    return _ESCAPE.sub(lambda m: f"\\x{ord(m.group()):02X}", str(text))


def _banner(fh: IO[str], source: ExportSource, recorder: str, histogram: bool = False) -> None:
    filename = "; ".join(e.path for e in source.model.evidence) or source.case_name
    fh.write("# BANNER FILE NOT PROVIDED (-b option)\n")
    fh.write(f"# BULK_EXTRACTOR-Version: {source.model.tool['version']} ({source.model.tool['name']})\n")
    fh.write(f"# Feature-Recorder: {recorder}\n")
    fh.write(f"# Filename: {_esc(source.label(filename))}\n")
    fh.write("# Histogram-File-Version: 1.1\n" if histogram else "# Feature-File-Version: 1.1\n")


def _lines(fh: IO[str], rows: Iterable[tuple[str, ...]]) -> None:
    fh.writelines("\t".join(_esc(c) for c in row) + "\n" for row in rows)


def _write_file(path: Path, write_body) -> Path:
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "w", encoding="utf-8", newline="\n") as fh:
            write_body(fh)
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path


def write(source: ExportSource, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    unmasked = source.options.unmasked
    written = []
    for id_type in IDENTIFIER_TYPES:
        def features(fh: IO[str], id_type: str = id_type) -> None:
            _banner(fh, source, id_type)
            for batch in export_queries.identifier_features(source.reader, id_type):
                values = batch.column("value") if unmasked else mask_identifier_column(id_type, batch.column("value"))
                items = batch.column("item").to_pylist()
                offsets = batch.column("first_offset").to_pylist()
                counts = batch.column("count").to_pylist()
                _lines(fh, ((f"{source.label(i)}@{o if o is not None else 0}", v, f"n={n}")
                            for i, o, v, n in zip(items, offsets, values.to_pylist(), counts, strict=True)))

        def histogram(fh: IO[str], id_type: str = id_type) -> None:
            _banner(fh, source, id_type, histogram=True)
            for batch in export_queries.identifier_histogram(source.reader, id_type):
                values = batch.column("value") if unmasked else mask_identifier_column(id_type, batch.column("value"))
                _lines(fh, ((f"n={n}", v) for n, v in zip(batch.column("count").to_pylist(), values.to_pylist(),
                                                           strict=True)))

        written.append(_write_file(out / f"{id_type}.txt", features))
        written.append(_write_file(out / f"{id_type}_histogram.txt", histogram))

    def yara(fh: IO[str]) -> None:
        _banner(fh, source, "yara")
        for batch in export_queries.all_findings(source.reader):
            _lines(fh, ((f"{source.label(f['vpath'])}@{f['offset'] or 0}",
                         f"{f['namespace']}:{f['rule']}" if f["namespace"] else f["rule"] or "",
                         (f["excerpt"] or "") if unmasked else mask_text(f["excerpt"] or ""))
                        for f in batch if f["detector"] == "yara"))

    written.append(_write_file(out / "yara.txt", yara))
    return written
