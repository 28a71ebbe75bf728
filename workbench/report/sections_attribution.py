"""Attribution per establishment (with proof and charts) and the GDPR art. 33 breach-notification figures."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether

from workbench.beacons.tabular_mark import LEGACY_SCHEME
from workbench.report import charts
from workbench.report.context import Context
from workbench.report.i18n import CATEGORIES
from workbench.report.layout import ACCENT, NOTE_BG
from workbench.report.model import Establishment

PROOF_KEYS_HIDDEN = ("basis", "note")  # the basis has its own column; notes are not translated
PROOFS_SHOWN = 5  # distinct proofs shown per establishment and basis (identifier, pattern)
WATERMARKS_SHOWN = 200


def attribution(ctx: Context) -> list[Flowable]:
    tr, lay, m = ctx.tr, ctx.lay, ctx.model
    story: list[Flowable] = [lay.p(tr("s_attribution"), "h1"), lay.p(tr("a_intro"))]
    if not m.establishments:
        story.append(lay.p(tr("a_none")))
    else:
        story.append(lay.p(tr("a_overview_h"), "h2"))
        rows = []
        for e in m.establishments:
            bases = "\n".join(tr.label(tr.basis(b.basis), tr.num(b.records)) for b in e.bases)
            rows.append([e.label, tr.num(e.records), tr.num(e.patients), bases, ctx.strength(e)])
        for o in m.others:  # a report for one establishment: the others as counts only
            rows.append([o.label, tr.num(o.records), tr.num(o.patients), tr("scope_counts_only"), "-"])
        if m.unattributed.records:
            rows.append([tr("a_unattributed_row"), tr.num(m.unattributed.records),
                         tr.num(m.unattributed.patients), tr.basis("none"), tr("strength_none")])
        story.append(lay.table([tr("col_establishment"), tr("col_records"), tr("col_patients"), tr("col_bases"),
                                tr("col_strength")], rows, [0.25, 0.15, 0.1, 0.22, 0.28], num=(1, 2)))
    story += _charts(ctx)
    for e in m.establishments:
        story += _establishment(ctx, e)
    if m.conflicts:
        story += [lay.p(tr("a_conflicts_h"), "h2"), lay.p(tr("a_conflicts_note"))]
        story.append(lay.table(
            [tr("col_container"), tr("col_establishments")],
            [[ctx.red.path(c.container or c.item or ""),
              "\n".join(ctx.est_label(f) for f in c.establishments)] for c in m.conflicts],
            [0.55, 0.45], mono=(0,)))
    if m.unattributed.records:
        story.append(lay.p(tr("a_unattributed", records=tr.num(m.unattributed.records),
                              patients=tr.n(m.unattributed.patients, "n_patients"))))
    return story


def _charts(ctx: Context) -> list[Flowable]:
    tr, lay, m = ctx.tr, ctx.lay, ctx.model
    out: list[Flowable] = []
    shown = sorted([(f"{e.name or e.finess} ({e.finess})", e.records) for e in m.establishments]
                   + [(f"{o.name or o.finess} ({o.finess})", o.records) for o in m.others], key=lambda x: -x[1])
    labels = [label for label, _ in shown]
    values = [n for _, n in shown]
    if m.unattributed.records:
        labels.append(tr("a_unattributed_row"))
        values.append(m.unattributed.records)
    images = []
    png = charts.horizontal_bars(labels, values, title=tr("chart_per_establishment"), xlabel=tr("chart_records"),
                                 highlight_last=bool(m.unattributed.records), lang=tr.lang)
    if png:
        images.append(png)
    cat_rows = [(tr.category(c), m.categories[c].records) for c in CATEGORIES if m.categories[c].records]
    png = charts.horizontal_bars([c for c, _ in cat_rows], [n for _, n in cat_rows], title=tr("chart_per_category"),
                                 xlabel=tr("chart_records"), lang=tr.lang)
    if png:
        images.append(png)
    png = charts.date_histogram(dict(m.date_histogram), title_month=tr("chart_dates", unit=tr("unit_month")),
                                title_year=tr("chart_dates", unit=tr("unit_year")), ylabel=tr("chart_records"),
                                lang=tr.lang)
    if png:
        images.append(png)
    if not images:
        return out
    # the heading stays with its first chart (a heading alone at the foot of a page, the chart overleaf)
    out.append(KeepTogether([lay.p(tr("a_charts_h"), "h2"), lay.image(images[0]), lay.spacer(3)]))
    for png in images[1:]:
        out += [lay.image(png), lay.spacer(3)]
    if m.summary.records and not m.date_span.last:
        out.append(lay.p(tr("chart_no_dates"), "small"))
    return out


def span_text(tr, span) -> str:
    """A date span as the PDF shows it (``dd/mm/yyyy - dd/mm/yyyy``), or unknown."""
    return f"{tr.date(span.first)} - {tr.date(span.last)}" if span.last else tr("unknown")


def recipient_line(tr, r) -> str:
    """One recipient of an establishment as the PDF shows it: name, records and the span of its records."""
    line = tr.label(r.recipient or tr("a_no_recipient"), tr.num(r.records))
    return f"{line} ({span_text(tr, r.span)})" if r.span.last else line


def _establishment(ctx: Context, e: Establishment) -> list[Flowable]:
    tr, lay, red = ctx.tr, ctx.lay, ctx.red
    finess = e.finess
    story: list[Flowable] = [CondPageBreak(90), lay.p(tr("a_est_h", name=e.name or finess, finess=finess), "h2")]
    recipients = [recipient_line(tr, r) for r in e.recipients]
    bases = [tr("a_basis_line", basis=tr.basis(b.basis), records=tr.n(b.records, "n_records"),
                conf=tr.range(b.confidence_min, b.confidence_max)) for b in e.bases]
    story.append(lay.kv([(tr("a_records"), tr.num(e.records)), (tr("a_patients"), tr.num(e.patients)),
                         (tr("a_recipients"), "\n".join(recipients)), (tr("a_span"), span_text(tr, e.span)),
                         (tr("a_bases"), "\n".join(bases)), (tr("col_strength"), ctx.strength(e))]))
    hits, total = e.canary_groups, e.canary_groups_total
    if hits:
        story += [CondPageBreak(70), lay.p(tr("a_canaries_h"), "h3"), lay.p(tr("a_canary_note"), "small")]
        rows = []
        for h in hits:
            person = " ".join(x for x in (red.name(h.family_name), red.name(h.given_name)) if x)
            if h.nir:
                person = f"{person}\nNIR {red.identifier('nir', h.nir)}".strip()
            more = f" (+{tr.num(h.hits - len(h.locators))})" if h.hits > len(h.locators) else ""
            where = f"{red.path(h.item) or '-'}\n{tr.locators(h.locators)}{more}"
            status = tr.word("status", h.status)
            beacon = lay.markup(f"<font name='{lay.fonts.mono}' size='7'>{escape(h.beacon_id)}</font><br/>"
                                f"{escape(status)}", "cell")
            rows.append([beacon, tr.fields(h.fields), h.recipient or tr("a_no_recipient"), where, person])
        story.append(lay.table([f"{tr('col_beacon')} / {tr('col_status')}", tr("col_fields"), tr("col_recipient"),
                                tr("col_where"), tr("col_person")], rows, [0.17, 0.16, 0.14, 0.31, 0.22],
                               mono=(3,)))
        if total > len(hits):
            story.append(lay.p(tr.plural("a_more_canaries", total - len(hits)), "small"))
    marks = e.watermarks[:WATERMARKS_SHOWN]
    if marks:
        story += [CondPageBreak(70), lay.p(tr("a_watermarks_h"), "h3"), lay.p(tr("a_watermark_note"), "small")]
        rows = [[tr("wm_image") if w.kind == "image-watermark" else tr("wm_table"),
                 f"{red.path(w.item)}\n{tr.locator(w.locator)}", w.recipient or "-",
                 tr.num(w.rows) if w.rows is not None else "-", tr.pvalue(w.p_value, w.log10_p),
                 tr.dec(w.fraction) if w.fraction is not None else "-"] for w in marks]
        story.append(lay.table([tr("col_wm_kind"), tr("col_where"), tr("col_recipient"), tr("col_rows"),
                                tr("col_pvalue"), tr("col_fraction")], rows, [0.14, 0.38, 0.13, 0.11, 0.11, 0.13],
                               mono=(1,), num=(3, 4, 5)))
        story += accusation_lines(ctx, marks)
    samples = [(b, p.detail) for b in ("identifier", "pattern")
               for p in [p for p in e.proofs if p.basis == b][:PROOFS_SHOWN]]
    if samples:
        story += [CondPageBreak(60), lay.p(tr("a_identifiers_h"), "h3")]
        rows = [[tr.basis(b), "\n".join(tr.label(tr.field_label(k), tr.field(str(v)) if k == "field" else str(v))
                                        for k, v in p.items() if k not in PROOF_KEYS_HIDDEN)]
                for b, p in samples]
        story.append(lay.table([tr("col_bases"), tr("col_proof")], rows, [0.25, 0.75]))
    return story


def gdpr(ctx: Context) -> list[Flowable]:
    tr, lay, m = ctx.tr, ctx.lay, ctx.model
    s = m.summary
    story: list[Flowable] = [lay.p(tr("s_gdpr"), "h1"), lay.p(tr("g_intro"))]
    own = m.scoped  # a report for one establishment: its own figures, never the case's
    records, patients = (own.records, own.patients) if own else (s.records, s.patients)
    story.append(lay.p(tr("g_categories_h"), "h2"))
    rows = [[tr.category(c), tr.num(m.categories[c].records), tr.num(m.categories[c].patients)]
            for c in CATEGORIES]
    rows.append([tr("g_total"), tr.num(records), tr.num(patients)])
    table = lay.table([tr("col_category"), tr("col_records"), tr("col_people")], rows, [0.56, 0.22, 0.22],
                      num=(1, 2))
    table.setStyle([("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT)])
    story.append(table)
    nir = 0 if own else m.identifiers.get("nir", {}).get("unique", 0)
    if nir:
        story.append(lay.p(tr("g_nir_note", n=tr.num(nir)), "small"))

    if m.establishments:
        story.append(lay.p(tr("g_per_establishment_h"), "h2"))
        rows = []
        for e in m.establishments:
            rows.append([e.label, tr.num(e.records), tr.num(e.patients),
                         ", ".join(tr.category(c) for c in CATEGORIES if e.categories[c].records)])
        story.append(lay.table([tr("col_establishment"), tr("col_records"), tr("col_people"), tr("col_categories")],
                               rows, [0.3, 0.16, 0.14, 0.40], num=(1, 2)))

    present = [tr.category(c) for c in CATEGORIES if m.categories[c].records]
    people = max(patients, nir)
    evidence_names = [e.path.replace("\\", "/").rsplit("/", 1)[-1] for e in m.evidence[:5]]
    lines = [tr("g_nature", evidence=", ".join(evidence_names) or tr("unknown")),
             tr("g_categories", cats=tr.join(present) or tr("unknown")),
             tr("g_people", people=tr.num(people)),
             tr("g_records", records=tr.num(records)),
             tr("g_period", first=tr.date(m.date_span.first), last=tr.date(m.date_span.last))
             if m.date_span.last else tr("g_period_unknown")]
    if m.establishments:
        lines.append(tr("g_establishments", names=tr.join([e.label for e in m.establishments])))
    lines.append(tr("g_risk"))
    story.append(KeepTogether([lay.p(tr("g_wording_h"), "h2"), lay.box(lines, NOTE_BG)]))
    return story


def accusation_lines(ctx, marks) -> list:
    """The recipients the Tardos code accuses, each with its score, threshold and error bound."""
    tr, lay = ctx.tr, ctx.lay
    accused = [w for w in marks if w.accused]
    if not accused:
        return []
    bound = max(float(w.accusation.get("error_bound") or 1e-6) for w in accused)
    story = [CondPageBreak(50), lay.p(tr("a_accusation_h"), "h3")]
    schemes = {w.accusation.get("scheme") for w in accused}
    if schemes - {LEGACY_SCHEME}:
        story.append(lay.p(tr("a_accusation_note", bound=tr.bound(bound)), "small"))
    if LEGACY_SCHEME in schemes:  # a table marked before the Tardos code: its own method, said as such
        story.append(lay.p(tr("a_accusation_legacy_note", scheme=LEGACY_SCHEME, bound=tr.bound(bound)), "small"))
    for w in accused:
        a = w.accusation
        story.append(lay.p(tr("a_accused", recipient=w.recipient or tr("a_no_recipient"),
                              score=tr.num(round(float(a.get("score", 0.0)))),
                              threshold=tr.num(round(float(a.get("threshold", 0.0)))),
                              cells=tr.n(int(a.get("cells", 0)), "n_cells"),
                              tested=tr.n(int(a.get("recipients_tested", 0)), "n_recipients_tested"),
                              p=tr.pvalue(w.p_value, w.log10_p)), "bullet"))
    return story
