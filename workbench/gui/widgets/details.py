"""The details pane: the proof behind the selected beacon, watermark, finding, record or establishment."""

from __future__ import annotations

import html
import json
import sqlite3
from typing import Any

from PySide6.QtWidgets import QTextBrowser

from workbench.engine.masking import mask_text
from workbench.gui.display import mask_cell, mask_value


class DetailsPane(QTextBrowser):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.masked = True
        self._last: tuple | None = None
        self.show_nothing()

    def set_masked(self, masked: bool) -> None:
        self.masked = masked
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
            s = mask_value(column, s) if column else mask_text(s)
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
            if isinstance(v, list):
                v = ", ".join(map(str, v[:12])) + (f" … (+{len(v) - 12})" if len(v) > 12 else "")
            elif isinstance(v, float):
                v = f"{v:.3g}"
            parts.append(f"<i>{html.escape(str(k))}</i>: {self._m(v)}")
        return "<br>".join(parts)

    def _table(self, rows: list[tuple[str, str]]) -> str:
        body = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{v}</td></tr>" for k, v in rows)
        return f"<table cellspacing='4'>{body}</table>"

    def _establishment_name(self, conn: sqlite3.Connection, finess: str | None) -> str:
        if not finess:
            return ""
        row = conn.execute("SELECT value FROM case_meta WHERE key=?", (f"establishment:{finess}",)).fetchone()
        return f"{html.escape(finess)} — {html.escape(row[0])}" if row else html.escape(finess)

    # -- what can be shown ------------------------------------------------------------------------
    def show_finding(self, conn: sqlite3.Connection, finding_id: int) -> None:
        self._last = (self.show_finding, (conn, finding_id))
        r = conn.execute("SELECT f.detector, f.rule, f.namespace, f.tags, f.meta, f.offset, f.length, f.layer, "
                         "f.excerpt, f.severity, i.vpath FROM findings f LEFT JOIN items i ON i.id=f.item_id "
                         "WHERE f.id=?", (finding_id,)).fetchone()
        if r is None:
            return self.show_nothing()
        meta = json.loads(r[4] or "{}")
        rows = [(self.tr("Detector"), html.escape(r[0] or "")), (self.tr("Rule"), html.escape(f"{r[2] or ''}:{r[1]}")),
                (self.tr("Severity"), html.escape(r[9] or "")), (self.tr("Item"), self._m(r[10])),
                (self.tr("Layer"), html.escape(r[7] or "")), (self.tr("Offset"), f"{r[5]} (+{r[6] or 0})"),
                (self.tr("Tags"), html.escape(", ".join(json.loads(r[3] or "[]"))))]
        rows += [(html.escape(str(k)), self._m(v)) for k, v in meta.items()]
        excerpt = f"<pre>{self._m(r[8])}</pre>" if r[8] else ""
        title = self.tr("Finding")
        self.setHtml(f"<h3>{html.escape(title)}</h3>{self._table(rows)}{excerpt}")

    def show_beacon(self, conn: sqlite3.Connection, hit_id: int) -> None:
        self._last = (self.show_beacon, (conn, hit_id))
        r = conn.execute("SELECT b.beacon_id, b.kind, b.establishment, b.recipient, b.locator, b.container, b.status, "
                         "b.fields, i.vpath, i.sha256 FROM beacon_hits b LEFT JOIN items i ON i.id=b.item_id WHERE b.id=?",
                         (hit_id,)).fetchone()
        if r is None:
            return self.show_nothing()
        same = conn.execute("SELECT COUNT(*) FROM beacon_hits WHERE beacon_id=?", (r[0],)).fetchone()[0]
        fields = ", ".join(json.loads(r[7] or "[]"))
        rows = [(self.tr("Beacon"), html.escape(r[0])), (self.tr("Kind"), html.escape(r[1] or "")),
                (self.tr("Status"), html.escape(r[6] or "")),
                (self.tr("Establishment"), self._establishment_name(conn, r[2])),
                (self.tr("Recipient"), html.escape(r[3] or "—")), (self.tr("Item"), self._m(r[8])),
                (self.tr("Item SHA-256"), html.escape(r[9] or "")),
                (self.tr("Locator"), html.escape(r[4] or "")), (self.tr("Container"), html.escape(r[5] or "")),
                (self.tr("Fields matched"), html.escape(fields)),
                (self.tr("Sightings of this beacon"), str(same))]
        text = self.tr("A canary is a fictitious patient planted by the establishment in its own systems: finding it "
                       "in the dump proves that this container came from that establishment (or the recipient of "
                       "that copy).")
        title = self.tr("Beacon")
        self.setHtml(f"<h3>{html.escape(title)}</h3>{self._table(rows)}<p>{html.escape(text)}</p>")

    def show_watermark(self, conn: sqlite3.Connection, hit_id: int) -> None:
        self._last = (self.show_watermark, (conn, hit_id))
        r = conn.execute("SELECT w.kind, w.establishment, w.recipient, w.rows, w.p_value, w.fraction, w.locator, "
                         "w.container, w.detail, i.vpath FROM watermark_hits w LEFT JOIN items i ON i.id=w.item_id "
                         "WHERE w.id=?", (hit_id,)).fetchone()
        if r is None:
            return self.show_nothing()
        rows = [(self.tr("Kind"), html.escape(r[0] or "")),
                (self.tr("Establishment"), self._establishment_name(conn, r[1])),
                (self.tr("Recipient"), html.escape(r[2] or "—")), (self.tr("Rows tested"), str(r[3])),
                (self.tr("p-value"), f"{r[4]:.3g}" if r[4] is not None else ""),
                (self.tr("Fraction of marks found"), f"{r[5]:.3f}" if r[5] is not None else ""),
                (self.tr("Item"), self._m(r[9])), (self.tr("Locator"), html.escape(r[6] or ""))]
        detail = json.loads(r[8] or "{}")
        rows += [(html.escape(str(k)), self._m(v)) for k, v in detail.items()]
        accepted = r[4] is not None and r[4] < 1e-6
        verdict = self.tr("Accepted: p-value below 1e-6.") if accepted else self.tr("Not accepted as proof (p-value not below 1e-6).")
        title = self.tr("Watermark")
        self.setHtml(f"<h3>{html.escape(title)}</h3>{self._table(rows)}<p>{html.escape(verdict)}</p>")

    def show_record(self, conn: sqlite3.Connection, record_id: int) -> None:
        self._last = (self.show_record, (conn, record_id))
        cur = conn.execute("SELECT r.*, i.vpath AS _vpath FROM records r LEFT JOIN items i ON i.id=r.item_id WHERE r.id=?",
                           (record_id,))
        r = cur.fetchone()
        if r is None:
            return self.show_nothing()
        d = dict(zip([c[0] for c in cur.description], r, strict=True))
        rows = [(self.tr("Item"), self._m(d.pop("_vpath"))),
                (self.tr("Establishment"), self._establishment_name(conn, d.get("establishment"))),
                (self.tr("Basis"), html.escape(d.get("basis") or self.tr("none"))),
                (self.tr("Confidence"), html.escape(str(d.get("confidence") or "")))]
        proof = json.loads(d.get("proof") or "null")
        if proof:
            rows.append((self.tr("Proof"), self._proof(proof)))
        skip = {"id", "item_id", "establishment", "basis", "confidence", "proof", "source", "patient_key"}
        rows += [(html.escape(k), self._m(v, k)) for k, v in d.items() if k not in skip and v]
        source = json.loads(d.get("source") or "{}")
        src = "".join(f"<tr><td>{html.escape(k)}</td><td>{self._cell(k, v)}</td></tr>" for k, v in list(source.items())[:80])
        title = self.tr("Record")
        sub = self.tr("Source fields")
        self.setHtml(f"<h3>{html.escape(title)}</h3>{self._table(rows)}"
                     f"<h4>{html.escape(sub)}</h4><table>{src}</table>")

    def show_establishment(self, est: dict) -> None:
        self._last = (self.show_establishment, (est,))
        bases = ", ".join(f"{html.escape(k or 'none')}: {v}" for k, v in sorted(est.get("bases", {}).items()))
        rows = [(self.tr("FINESS"), html.escape(est.get("finess") or "")),
                (self.tr("Name"), html.escape(est.get("name") or "")),
                (self.tr("Records"), str(est.get("records", 0))), (self.tr("Patients"), str(est.get("patients", 0))),
                (self.tr("Bases"), bases)]
        proofs = "".join(f"<li>{self._proof(p)}</li>" for p in est.get("evidence", [])[:50])
        title = self.tr("Establishment")
        sub = self.tr("Proof")
        self.setHtml(f"<h3>{html.escape(title)}</h3>{self._table(rows)}"
                     f"<h4>{html.escape(sub)}</h4><ul>{proofs}</ul>")
