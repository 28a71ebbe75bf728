"""The details pane: the proof behind the selected beacon, watermark, finding, record or establishment."""

from __future__ import annotations

import html
import json
import math
from typing import Any

from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import QTextBrowser

from workbench.engine.masking import mask_text
from workbench.engine.store import browse
from workbench.engine.store.reader import CaseReader
from workbench.gui.display import confidence_label, mask_cell, mask_value, number
from workbench.gui.labels import field_label, locator_label, value_label
from workbench.gui.models.paged import power_of_ten

_CLEAR_KEYS = {"beacon_id", "beacons"}


class DetailsPane(QTextBrowser):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        # Lines break between words only: in a narrow pane Qt's default (anywhere) broke "Establishment" into
        # "Establishme / nt" and a FINESS into "35000 / 5179"; a word too long for the pane scrolls instead.
        self.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        self.masked = True
        self.names: frozenset[str] = frozenset()  # the case's people's names, folded (item paths)
        self._last: tuple | None = None
        self.show_nothing()

    def set_masked(self, masked: bool) -> None:
        self.masked = masked
        self._redraw()

    def set_names(self, names: frozenset[str]) -> None:
        self.names = names
        self._redraw()

    def _redraw(self) -> None:
        if self._last is not None:
            fn, args = self._last
            fn(*args)

    def show_nothing(self) -> None:
        self._last = None
        hint = self.tr("Select a finding, a beacon, a record or an establishment to see its proof.")
        self.setHtml(f"<p><i>{html.escape(hint)}</i></p>")

    # -- helpers ----------------------------------------------------------------------------------
    def _m(self, text: Any, column: str | None = None) -> str:
        if text is None:
            return ""
        s = str(text)
        if self.masked:
            s = mask_value(column, s, self.names) if column else mask_text(s)
        return html.escape(s or "")

    def _cell(self, header: str, value: Any) -> str:
        if value is None:
            return ""
        return html.escape((mask_cell(header, str(value)) if self.masked else str(value)) or "")

    def _proof(self, proof: Any) -> str:
        """One proof (a dict from the attribution) as readable lines."""
        if not isinstance(proof, dict):
            return self._m(json.dumps(proof, ensure_ascii=False))
        parts = []
        for k, v in proof.items():
            if k in _CLEAR_KEYS:  # beacon ids are no one's data: shown whole, as in the Beacons table and the PDF
                v = ", ".join(map(str, v)) if isinstance(v, list) else v
                parts.append(f"<i>{html.escape(field_label(str(k)))}</i>: {html.escape(str(v))}")
                continue
            if isinstance(v, list):
                if k == "found_at":  # locators, read as the tables read them ("message 15", not "msg:15")
                    v = [locator_label(x) for x in v]
                v = ", ".join(map(str, v[:12])) + (f" … (+{len(v) - 12})" if len(v) > 12 else "")
            elif isinstance(v, float):
                v = f"{v:.3g}"
            elif isinstance(v, int) and not isinstance(v, bool):
                v = number(v)
            elif k in ("basis", "kind", "status", "confidence"):
                v = value_label(v)
            elif k == "locator":
                v = locator_label(v)
            parts.append(f"<i>{html.escape(field_label(str(k)))}</i>: {self._m(v)}")
        return "<br>".join(parts)

    def _detail(self, value: Any) -> str:
        """A statistic of a test as read: numbers in the locale (a log10 p of -2864.44 was shown "-2864.44**",
        masked as if an identifier), a nested result as labelled pairs (not a Python dict's repr)."""
        if isinstance(value, bool):
            return html.escape(self.tr("yes") if value else self.tr("no"))
        if isinstance(value, int):
            return number(value)
        if isinstance(value, float):  # an error bound of 1e-06 is not "0,00"
            return html.escape(power_of_ten(math.log10(value))) if 0 < value < 0.001 else number(value, 2)
        if isinstance(value, dict):
            pair = self.tr("%1: %2")
            return "; ".join(pair.replace("%1", html.escape(field_label(str(k)))).replace("%2", self._detail(v))
                             for k, v in value.items())
        if isinstance(value, list):
            return ", ".join(self._detail(v) for v in value)
        return self._m(value)

    def _table(self, rows: list[tuple[str, str]]) -> str:
        body = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{v}</td></tr>" for k, v in rows)
        return f"<table cellspacing='4'>{body}</table>"

    def _establishment_name(self, reader: CaseReader, finess: str | None) -> str:
        if not finess:
            return ""
        name = browse.establishment_name(reader, finess)
        return f"{html.escape(finess)} — {html.escape(name)}" if name else html.escape(finess)

    # -- what can be shown ------------------------------------------------------------------------
    def show_finding(self, reader: CaseReader, finding_id: int) -> None:
        self._last = (self.show_finding, (reader, finding_id))
        r = browse.finding_detail(reader, finding_id)
        if r is None:
            return self.show_nothing()
        rows = [(self.tr("Detector"), html.escape(value_label(r["detector"] or ""))),
                (self.tr("Rule"), html.escape(f"{r['namespace'] or ''}:{r['rule']}")),
                (self.tr("Severity"), html.escape(value_label(r["severity"] or ""))), (self.tr("Item"), self._m(r["item"], "item")),
                (self.tr("Layer"), html.escape(value_label(r["layer"] or ""))),
                (self.tr("Offset"), f"{number(r['offset'])} (+{number(r['length'] or 0)})"),
                (self.tr("Tags"), html.escape(", ".join(r["tags"])))]
        rows += [(html.escape(field_label(str(k))), self._m(value_label(v) if k == "severity" else v))
                 for k, v in r["meta"].items()]
        excerpt = f"<pre>{self._m(r['excerpt'], 'excerpt')}</pre>" if r["excerpt"] else ""
        title = self.tr("Finding")
        self.setHtml(f"<h3>{html.escape(title)}</h3>{self._table(rows)}{excerpt}")

    def show_beacon(self, reader: CaseReader, hit_id: int) -> None:
        self._last = (self.show_beacon, (reader, hit_id))
        r = browse.beacon_detail(reader, hit_id)
        if r is None:
            return self.show_nothing()
        fields = ", ".join(field_label(str(f)) for f in r["fields"])
        rows = [(self.tr("Beacon"), html.escape(r["beacon_id"] or "")),
                (self.tr("Kind"), html.escape(value_label(r["kind"] or ""))),
                (self.tr("Status"), html.escape(value_label(r["status"] or ""))),
                (self.tr("Establishment"), self._establishment_name(reader, r["establishment"])),
                (self.tr("Recipient"), html.escape(r["recipient"] or "—")), (self.tr("Item"), self._m(r["item"], "item")),
                (self.tr("Item SHA-256"), html.escape(r["item_sha256"] or "")),
                (self.tr("Locator"), html.escape(locator_label(r["locator"] or ""))),
                (self.tr("Container"), self._m(r["container"] or "")),
                (self.tr("Fields matched"), html.escape(fields)),
                (self.tr("Sightings of this beacon"), number(r["sightings"]))]
        text = self.tr("A canary is a fictitious patient planted by the establishment in its own systems: finding it "
                       "in the dump proves that this container came from that establishment (or the recipient of "
                       "that copy).")
        title = self.tr("Beacon")
        self.setHtml(f"<h3>{html.escape(title)}</h3>{self._table(rows)}<p>{html.escape(text)}</p>")

    def show_watermark(self, reader: CaseReader, hit_id: int) -> None:
        self._last = (self.show_watermark, (reader, hit_id))
        r = browse.watermark_detail(reader, hit_id)
        if r is None:
            return self.show_nothing()
        p_value, fraction = r["p_value"], r["fraction"]
        rows = [(self.tr("Kind"), html.escape(value_label(r["kind"] or ""))),
                (self.tr("Establishment"), self._establishment_name(reader, r["establishment"])),
                (self.tr("Recipient"), html.escape(r["recipient"] or "—")), (self.tr("Rows tested"), number(r["rows"])),
                (self.tr("p-value"), html.escape(_p_text(p_value, r["detail"].get("log10_p")))),
                (self.tr("Fraction of marks found"), number(fraction, 2) if fraction is not None else ""),
                (self.tr("Item"), self._m(r["item"], "item")), (self.tr("Locator"), html.escape(locator_label(r["locator"] or "")))]
        rows += [(html.escape(field_label(str(k))), self._detail(v)) for k, v in r["detail"].items()]
        accepted = p_value is not None and p_value < 1e-6
        verdict = self.tr("Accepted: p-value below 1e-6.") if accepted else self.tr("Not accepted as proof (p-value not below 1e-6).")
        title = self.tr("Watermark")
        self.setHtml(f"<h3>{html.escape(title)}</h3>{self._table(rows)}<p>{html.escape(verdict)}</p>")

    def show_record(self, reader: CaseReader, rid: int) -> None:
        self._last = (self.show_record, (reader, rid))
        d = browse.record_detail(reader, rid)
        if d is None:
            return self.show_nothing()
        rows = [(self.tr("Item"), self._m(d.get("item"), "item")),
                (self.tr("Establishment"), self._establishment_name(reader, d.get("establishment"))),
                (self.tr("Basis"), html.escape(value_label(d.get("basis") or "none"))),
                (self.tr("Confidence"), html.escape(confidence_label(d.get("confidence"))))]
        proof = d.get("proof")
        if proof:
            rows.append((self.tr("Proof"), self._proof(proof)))
        skip = {"rid", "item", "establishment", "basis", "confidence", "proof", "source", "source_layout", "patient_key"}
        rows += [(html.escape(field_label(k)), html.escape(locator_label(v)) if k == "locator" else
                  html.escape(value_label(v)) if k == "sex" else self._m(v, k)) for k, v in d.items() if k not in skip and v]
        source = d.get("source") or {}
        src = "".join(f"<tr><td>{html.escape(k)}</td><td>{self._cell(k, v)}</td></tr>" for k, v in list(source.items())[:80])
        title = self.tr("Record")
        sub = self.tr("Source fields")
        self.setHtml(f"<h3>{html.escape(title)}</h3>{self._table(rows)}"
                     f"<h4>{html.escape(sub)}</h4><table>{src}</table>")

    def show_establishment(self, est: dict) -> None:
        self._last = (self.show_establishment, (est,))
        bases = ", ".join(html.escape(self.tr("%1: %2").replace("%1", value_label(k or "none")).replace("%2", number(v)))
                          for k, v in sorted(est.get("bases", {}).items()))
        rows = [(self.tr("FINESS"), html.escape(est.get("finess") or "")),
                (self.tr("Name"), html.escape(est.get("name") or "")),
                (self.tr("Records"), number(est.get("records", 0))), (self.tr("Patients"), number(est.get("patients", 0))),
                (self.tr("Bases"), bases)]
        proofs = "".join(f"<li>{self._proof(p)}</li>" for p in est.get("evidence", [])[:50])
        title = self.tr("Establishment")
        sub = self.tr("Proof")
        self.setHtml(f"<h3>{html.escape(title)}</h3>{self._table(rows)}"
                     f"<h4>{html.escape(sub)}</h4><ul>{proofs}</ul>")


def _p_text(p_value: float | None, log10_p: Any) -> str:
    """A p-value as the Beacons table and the PDF write it: ``< 10^-2864`` once it underflowed (this pane said
    "10^-2864"), ``1,2 × 10^-12`` in French."""
    if p_value is None:
        return ""
    if isinstance(log10_p, (int, float)) and not isinstance(log10_p, bool):
        return power_of_ten(float(log10_p))
    return power_of_ten(math.log10(p_value)) if p_value > 0 else "< 10^-300"  # the report's bound
