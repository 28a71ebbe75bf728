"""Findings and annexes (item list, custody log) of the PDF; the item list of a large case goes to a CSV annex."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.platypus import CondPageBreak, Flowable

from workbench.engine.model import IDENTIFIER_TYPES
from workbench.engine.store import report_queries
from workbench.engine.store.casekey import format_fingerprint
from workbench.report.context import Context
from workbench.report.custody_fields import custody_fields
from workbench.report.layout import WARN_BG

ITEMS_INLINE_MAX = 5_000  # above this the item list is a CSV annex beside the PDF
ITEMS_PER_TABLE = 200  # the inline list is cut in tables of this many rows (fast layout, header repeated)
CUSTODY_INLINE_MAX = 1_000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ITEMS_CSV_HEADER = ["n", "vpath", "depth", "entry_type", "kind", "format", "size", "status", "error_stage",
                    "extension", "ext_mismatch", "sha256"]


def findings(ctx: Context, *, rule_limit: int = 60) -> list[Flowable]:
    tr, lay, red, m = ctx.tr, ctx.lay, ctx.red, ctx.model
    story: list[Flowable] = [lay.p(tr("s_findings"), "h1"), lay.p(tr("f_identifiers_h"), "h2")]
    rows = [[tr(f"id_{t}"), tr.num(m.identifiers.get(t, {}).get("hits", 0)),
             tr.num(m.identifiers.get(t, {}).get("unique", 0))] for t in IDENTIFIER_TYPES]
    story.append(lay.table([tr("col_type"), tr("col_hits"), tr("col_unique")], rows, [0.5, 0.25, 0.25], num=(1, 2)))
    top = m.top_identifiers
    if top:
        story.append(lay.p(tr("f_top_h"), "h3"))
        story.append(lay.table([tr("col_type"), tr("col_value"), tr("col_hits"), tr("col_items")],
                               [[tr(f"id_{t['type']}"), red.identifier(t["type"], t["value"]), tr.num(t["hits"]),
                                 tr.num(t["items"])] for t in top], [0.2, 0.46, 0.17, 0.17], mono=(1,), num=(2, 3)))

    story.append(lay.p(tr("f_rules_h"), "h2"))
    rules = m.rule_stats[:rule_limit]
    if not rules:
        return story + [lay.p(tr("f_rules_none"))]
    story.append(lay.table(
        [tr("col_detector"), tr("col_rule"), tr("col_items"), tr("col_matches"), tr("col_severity")],
        [[tr.word("det", r.detector), r.rule, tr.num(r.items), tr.num(r.matches), tr.word("sev", r.severity)]
         for r in rules],
        [0.14, 0.42, 0.12, 0.19, 0.13], mono=(1,), num=(2, 3)))
    more = m.rule_count - len(rules)
    if more > 0:
        story.append(lay.p(tr.plural("f_rules_more", more), "small"))
    story += [CondPageBreak(80), lay.p(tr("f_top_items_h"), "h3")]
    rows = []
    for r in rules:
        items = "\n".join(f"{red.path(item)} ({tr.num(n)})" for item, n in r.top_items)
        rows.append([r.rule, items, _printable(red.text(_clip(r.excerpt, 240)))])
    story.append(lay.table([tr("col_rule"), tr("col_top_items"), tr("col_excerpt")], rows, [0.22, 0.46, 0.32],
                           mono=(0, 1, 2)))
    return story


def annexes(ctx: Context) -> list[Flowable]:
    tr, lay = ctx.tr, ctx.lay
    story: list[Flowable] = [lay.p(tr("s_annexes"), "h1"), lay.p(tr("x_items_h"), "h2")]
    n_items = ctx.model.summary.items
    if n_items > ITEMS_INLINE_MAX:
        path, sha = write_items_csv(ctx, items_csv_path(ctx.pdf_path))
        ctx.extra_files["items-csv"] = path
        story.append(lay.p(tr("x_items_csv", n=tr.n(n_items, "n_items"), file=path.name, sha=sha)))
    else:
        story.append(lay.p(tr("x_items_intro", n=_cap(tr.n(n_items, "n_items")))))
        story += _item_tables(ctx)
    story += [CondPageBreak(100), lay.p(tr("x_custody_h"), "h2")]
    chain = ctx.model.custody
    if chain.chain_ok:
        story.append(lay.p(tr.plural("x_custody_ok", chain.entries, head=chain.head or "-")))
    else:
        story.append(lay.box([tr("x_custody_broken", problems="; ".join(chain.problems[:10]))], WARN_BG))
    if chain.case_key_id:  # never masked: a fingerprint is what a reader compares
        story.append(lay.p(tr("x_custody_key", fpr=format_fingerprint(chain.case_key_id),
                              pub=chain.case_public_key or "-")))
    entries = ctx.model.custody_tail[-CUSTODY_INLINE_MAX:]
    skip = ctx.model.custody_total - len(entries)
    if skip:
        story.append(lay.p(tr.plural("x_custody_more", skip), "small"))
    rows = []
    for e in entries:
        rows.append([str(e.seq), tr.timestamp(e.ts_utc).replace(" UTC", ""), f"{e.actor}\n{tr.action(e.action)}",
                     custody_cell(ctx, e.detail, e.hash)])
    story.append(lay.table([tr("col_seq"), tr("col_time"), tr("col_action"), tr("col_detail")], rows,
                           [0.06, 0.13, 0.17, 0.64], num=(0,)))
    story.append(lay.p(tr("x_custody_pdf"), "small"))
    return story


def _item_tables(ctx: Context) -> list[Flowable]:
    tr, lay, red = ctx.tr, ctx.lay, ctx.red
    out: list[Flowable] = []
    header = [tr("col_item") + " / SHA-256", tr("col_kind"), tr("col_size"), tr("col_status")]
    for batch in _items(ctx, ITEMS_PER_TABLE):
        rows = [[f"{red.path(r['vpath'])}\n{r['sha256'] or '-'}", tr.kind(r["kind"]),
                 tr.num(r["size"]) if r["size"] is not None else "-", tr.status(r["status"])] for r in batch]
        out.append(lay.table(header, rows, [0.64, 0.13, 0.13, 0.10], mono=(0,), num=(2,)))
    return out


def _items(ctx: Context, batch: int):
    """The case's items in id order, in batches (read through the reader: the model does not hold them)."""
    if ctx.reader is None:
        return iter(())
    return report_queries.iter_items(ctx.reader, batch)


def items_csv_path(pdf_path: Path) -> Path:
    return pdf_path.with_name(f"{pdf_path.stem}-items.csv")


def write_items_csv(ctx: Context, path: Path) -> tuple[Path, str]:
    """Stream the item list to CSV (paths masked like the PDF); returns its path and SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()

    class _Hashing:
        def __init__(self, fh) -> None:
            self.fh = fh

        def write(self, text: str) -> None:
            digest.update(text.encode("utf-8"))
            self.fh.write(text)

    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(_Hashing(fh))
        writer.writerow(ITEMS_CSV_HEADER)
        n = 0
        for batch in _items(ctx, 5_000):
            for r in batch:
                n += 1
                writer.writerow([n, ctx.red.path(r["vpath"]),
                                 *["" if r[c] is None else r[c] for c in report_queries.ITEM_COLUMNS[1:]]])
    return path, digest.hexdigest()


def custody_cell(ctx: Context, detail: str | None, entry_hash: str | None) -> Flowable:
    """One custody entry's detail as labelled lines (``label : value``), then the entry's own chained hash.
    Hashes, sizes, bounds and fingerprints are shown whole and in clear; paths and free text are masked like the
    rest of the report (:mod:`workbench.report.custody_fields`)."""
    tr, lay, red = ctx.tr, ctx.lay, ctx.red
    mono = lay.fonts.mono
    lines = []
    for f in custody_fields(detail):
        label = escape(tr.field_label(f.key))
        if f.kind == "hash":
            value = f"<font name='{mono}' size='7'>{escape(str(f.value))}</font>"
        elif f.kind == "number":
            value = escape(tr.num(f.value) if f.value is not None else "-")
        elif f.kind == "bool":
            value = escape(tr("yes") if f.value else tr("no"))
        elif f.kind == "clear":
            value = escape(str(f.value))
        else:
            value = escape(red.text(str(f.value)))
        lines.append(f"<b>{label}</b>{tr.colon()}{value}")
    if entry_hash:
        lines.append(f"<b>{escape(tr('x_entry_hash'))}</b>{tr.colon()}"
                     f"<font name='{mono}' size='7'>{escape(entry_hash)}</font>")
    return lay.markup("<br/>".join(lines) or "-", "cell")


def _printable(text: str) -> str:
    """Control characters of raw excerpts shown as a middle dot (they would render as boxes)."""
    return _CONTROL.sub("·", text)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clip(text: str | None, n: int) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"
