"""kind_traits: one table of what the scan does with each kind, and every stage agreeing with it.

The regression behind it (issue 10): an ODS sheet of patients gave 0 records in a scan although its records
parser works, because the walker kept its own set of record kinds, without ``ods``.
"""

from __future__ import annotations

import ast
import inspect
import io
import zipfile
from pathlib import Path

import pytest

from tests.engine.records.test_records_sheets_agree import PEOPLE, ods_bytes
from tests.engine.test_kinds import SAMPLES
from workbench.engine import kind_traits, kinds, model
from workbench.engine import layers as layers_pkg
from workbench.engine import records as records_pkg
from workbench.engine.kind_traits import KIND_TRAITS, RECORD_KINDS, KindTraits, traits


def _extra_samples() -> dict[str, bytes]:
    """Content the kinds tests do not cover, for the kinds only sniff's fallbacks return."""
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    office_zip = io.BytesIO()
    with zipfile.ZipFile(office_zip, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("ppt/presentation.xml", "<p:presentation/>")
    return {
        "vide.txt": b"",
        "zeros.bin": bytes(4096),
        "random.bin": bytes((i * 7919 + 13) % 256 for i in range(8192)),
        "legacy.xls": ole2,
        "notes.txt": b"Compte rendu de consultation.\nPatient revu ce jour, pas de plainte.\n",
        "page.html": b"<!DOCTYPE html><html><body><p>Bonjour</p></body></html>",
        "config.xml": b'<?xml version="1.0"?><config><a>1</a></config>',
        "fhir.xml": b'<?xml version="1.0"?><Patient xmlns="http://hl7.org/fhir"><id value="1"/></Patient>',
        "base.sqlite": b"SQLite format 3\x00" + bytes(4080),
        "slides.pptx": office_zip.getvalue(),
    }


def _sniffed_kinds() -> set[str]:
    found = {kinds.sniff(data[:65536], name).kind for name, (data, _, _) in SAMPLES.items()}
    found |= {kinds.sniff(data, name).kind for name, data in _extra_samples().items()}
    return found


def _literal_kinds_of_kinds_py() -> set[str]:
    """Every kind written as a literal where ``kinds.py`` decides a kind: the first element of the tuples its
    sniffers return, the ``kind`` of the ``KindInfo`` it builds, and the office kinds of its zip tables."""
    tree = ast.parse(inspect.getsource(kinds))
    deciders = {"sniff", "_binary_signature", "_sniff_text", "_sniff_json", "_sniff_xml", "_kind_from_magic"}
    found: set[str] = set()
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in deciders):
        for node in ast.walk(fn):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and node.value.elts:
                first = node.value.elts[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "KindInfo":
                args = [kw.value for kw in node.keywords if kw.arg == "kind"] or node.args[:1]
                found |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    found |= set(kinds._OFFICE_MIME) | set(kinds._ODF_MIMETYPES.values()) | set(kinds._OOXML_PARTS.values())
    return found


def test_the_table_covers_every_kind_sniff_returns():
    sniffed = _sniffed_kinds()
    assert {"csv", "ods", "xlsx", "pptx", "empty", "binary", "text", "xml", "sqlite", "cda"} <= sniffed
    assert sniffed - set(KIND_TRAITS) == set()


def test_the_table_covers_every_kind_kinds_py_can_decide():
    literal = _literal_kinds_of_kinds_py()
    assert {"archive", "dicom", "pdf", "image", "hl7v2", "mbox", "email", "fhir-ndjson", "sql-dump"} <= literal
    assert literal - set(KIND_TRAITS) == set()


def test_the_table_covers_the_kinds_the_walker_gives_to_entries():
    entry_types = {v for k, v in vars(model).items() if k.startswith("ENTRY_")} - {model.ENTRY_FILE, model.ENTRY_DIR}
    assert {"directory", "encrypted", "unknown", *entry_types} - set(KIND_TRAITS) == set()
    assert not any(traits(k).has_records or traits(k).has_text_layers for k in ("directory", "encrypted"))


def test_every_row_is_keyed_by_its_own_kind():
    assert all(isinstance(t, KindTraits) and t.kind == k for k, t in KIND_TRAITS.items())


def test_the_records_registry_has_a_parser_for_exactly_the_kinds_with_records():
    assert set(records_pkg.KINDS) == RECORD_KINDS
    assert {"csv", "xlsx", "ods", "xls", "sql-dump", "sqlite", "pg-archive", "hl7v2", "fhir-json", "fhir-ndjson",
            "dicom"} == RECORD_KINDS


def test_the_layer_extractors_serve_exactly_the_kinds_with_text_layers():
    assert layers_pkg.LAYER_KINDS == kind_traits.LAYER_KINDS
    for kind, t in KIND_TRAITS.items():
        assert (layers_pkg._extractor(kind) is not None) == t.has_text_layers, kind
    from workbench.engine.layers.office import OFFICE_EXTRACTORS

    assert set(OFFICE_EXTRACTORS) == kind_traits.OFFICE_KINDS


def test_spreadsheets_hold_records_and_their_identifiers_come_from_decoded_text():
    for kind in ("xlsx", "ods"):
        t = traits(kind)
        assert t.has_records and t.has_text_layers and t.decoded and t.office and t.table
        assert not t.binary and not t.text


def test_binary_and_text_kinds():
    assert {"binary", "image", "empty", "xls", "pg-archive"} == kind_traits.BINARY_KINDS
    assert {"csv", "sql-dump", "hl7v2", "json", "xml", "cda", "text", "email", "mbox"} <= kind_traits.TEXT_KINDS
    assert not kind_traits.TEXT_KINDS & (kind_traits.BINARY_KINDS | kind_traits.OFFICE_KINDS | {"pdf", "dicom"})


@pytest.mark.parametrize("kind", [None, "no-such-kind", ""])
def test_an_unknown_kind_gets_conservative_defaults(kind):
    t = traits(kind)
    # Scanned raw with every rule and identifier detector; nothing parsed, nothing extracted, shown as hex.
    assert (t.has_records, t.has_text_layers, t.decoded, t.binary, t.text, t.table, t.office) == (False,) * 7
    if kind:
        assert t.kind == kind


def test_the_table_is_frozen():
    with pytest.raises(AttributeError):
        traits("ods").has_records = False  # type: ignore[misc]


# ------------------------------------------------------------------------------ the ODS regression


class _ListSink:
    def __init__(self) -> None:
        self.items: list = []
        self.frames: list = []

    def item(self, info, findings, identifiers, errors) -> None:
        self.items.append((info, errors))

    def records(self, vpath, frame) -> None:
        self.frames.append((vpath, frame))

    def progress(self, nbytes, current) -> None:
        pass

    def identifiers(self, counts) -> None:
        pass


def test_the_walker_hands_an_ods_to_the_records_stage(tmp_path):
    from workbench.engine.blob import Blob
    from workbench.engine.bounds import Bounds, Budget
    from workbench.engine.detectors import ContentScanner
    from workbench.engine.walker import Walker

    handed: list[tuple[str, str]] = []
    data = ods_bytes()
    bounds = Bounds()
    walker = Walker(ContentScanner(), bounds=bounds, budget=Budget(bounds, len(data)), tmp_dir=tmp_path,
                    sink=_ListSink(), record_hook=lambda vpath, payload: handed.append((vpath, payload[1].kind)))
    walker.walk(Blob.from_bytes(data), model.ItemInfo(vpath="leak/patients.ods", name="patients.ods", depth=0))
    assert handed == [("leak/patients.ods", "ods")]


def test_a_scan_counts_the_records_of_an_ods_sheet(tmp_path):
    from workbench.engine.pipeline import run_scan

    evidence = tmp_path / "leak"
    evidence.mkdir()
    (evidence / "patients.ods").write_bytes(ods_bytes())
    summary = run_scan(tmp_path / "case", [evidence], jobs=1)
    assert summary.completed and summary.errors == 0
    assert summary.items_by_kind.get("ods") == 1
    assert summary.records == len(PEOPLE) > 0  # the only item holding records is the ODS


def test_the_engine_has_no_other_kind_sets():
    """The sets that drifted apart are gone from the modules that now read the table."""
    root = Path(kinds.__file__).parent
    for rel, names in {"walker.py": ("RECORD_KINDS", "LAYERED_KINDS", "DECODED_KINDS", "BINARY_KINDS"),
                       "detectors.py": ("BINARY_KINDS",)}.items():
        source = (root / rel).read_text(encoding="utf-8")
        assert not [n for n in names if f"{n} =" in source], rel
