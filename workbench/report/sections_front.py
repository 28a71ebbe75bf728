"""Cover, executive summary, evidence and method sections of the PDF."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether

from workbench import TOOL_NAME, __version__
from workbench.report.context import Context
from workbench.report.fonts import register_fonts
from workbench.report.i18n import CATEGORIES
from workbench.report.layout import NOTE_BG, OK_BG, WARN_BG
from workbench.report.model import Establishment

BOUND_KEYS = ("max_depth", "max_member_bytes", "max_evidence_bytes", "max_ratio", "ratio_grace_bytes", "max_members")
BYTE_BOUNDS = ("max_member_bytes", "max_evidence_bytes", "ratio_grace_bytes")


def cover(ctx: Context) -> list[Flowable]:
    tr, lay, meta, s = ctx.tr, ctx.lay, ctx.model.meta, ctx.model.summary
    custody = ctx.model.custody
    story: list[Flowable] = [lay.spacer(18), lay.p(tr("cover_title"), "title"), lay.p(tr("cover_subtitle"), "subtitle")]
    pairs = [
        (tr("cover_case_number"), meta.get("case_number") or tr("unknown")),
        (tr("cover_case_title"), meta.get("title") or tr("unknown")),
        (tr("cover_analyst"), meta.get("analyst") or tr("unknown")),
        (tr("cover_organisation"), meta.get("organisation") or tr("unknown")),
        (tr("cover_case_created"), tr.timestamp(meta.get("created_utc"))),
        (tr("cover_report_date"), tr.timestamp(ctx.model.generated_utc)),
        (tr("cover_tool"), f"{TOOL_NAME} {__version__}"),
        (tr("cover_evidence"), tr.n(s.evidence, "n_evidence") + f" - {tr.size(s.bytes)}"),
        (tr("cover_custody"), tr.plural("cover_custody_value", custody.entries, head="\n" + (custody.head or "-"))),
    ]
    own = ctx.model.scoped
    if own is not None:
        pairs.insert(0, (tr("scope_cover"), own.label))
    story += [lay.kv(pairs, mono_values=(tr("cover_custody"),), label_share=0.3), lay.spacer(10)]
    story.append(lay.box([tr("cover_classification")], WARN_BG))
    story.append(lay.spacer(4))
    story.append(lay.box([tr("cover_unmasked") if ctx.red.unmasked else tr("cover_masked")],
                         WARN_BG if ctx.red.unmasked else OK_BG))
    note = register_fonts().note
    if note:
        story += [lay.spacer(4), lay.p(note, "small")]
    return story


def summary(ctx: Context) -> list[Flowable]:
    tr, lay, m = ctx.tr, ctx.lay, ctx.model
    s = m.summary
    story: list[Flowable] = [lay.p(tr("s_summary"), "h1")]
    own = m.scoped
    if own is not None:
        story.append(lay.box([tr("scope_note", name=own.label)], NOTE_BG))
    common = {"evidence": tr.n(s.evidence, "n_evidence"), "size": tr.size_short(s.bytes),
              "items": tr.n(s.items, "n_items")}
    if s.records:
        story.append(lay.p(tr("sum_found", records=tr.n(s.records, "n_records"),
                              patients=tr.n(s.patients, "n_patients"), **common)))
    else:
        story.append(lay.p(tr("sum_no_records", **common)))
    nir = m.identifiers.get("nir", {}).get("unique", 0)
    if nir:
        story.append(lay.p(tr("sum_nir", nir=tr.num(nir))))
    if m.establishments:
        names = [e.label for e in m.establishments] + [o.label for o in m.others]
        story.append(lay.p(tr("sum_establishments", n=tr.n(len(names), "n_establishments"), names=tr.join(names))))
    elif s.records:
        story.append(lay.p(tr("sum_no_establishment")))
    if m.unattributed.records:
        story.append(lay.p(tr("sum_unattributed", records=tr.num(m.unattributed.records))))
    cats = [tr.category(c) for c in CATEGORIES if c in m.categories and m.categories[c].records]
    if cats:
        story.append(lay.p(tr("sum_categories", cats=tr.join(cats))))
    if m.date_span.last:
        story.append(lay.p(tr("sum_span", first=tr.date(m.date_span.first), last=tr.date(m.date_span.last))))
    if m.establishments:
        story.append(lay.p(tr("sum_strength_intro"), "h3"))
        story += lay.bullets([
            tr("sum_strength_item", name=e.name or e.finess, finess=e.finess,
               records=tr.n(e.records, "n_records"), patients=tr.n(e.patients, "n_patients_short"),
               strength=ctx.strength(e))
            for e in m.establishments])
        story.append(lay.spacer(2))
    for e in m.establishments:
        story += [lay.p(line) for line in leak_lines(ctx, e)]
    if any(e.recipients for e in m.establishments):  # said once, not after each establishment
        story.append(lay.p(tr("sum_copy_note")))
    if m.others:
        story.append(lay.p(tr.label(tr("scope_others_h"), tr.join(
            [f"{o.label} ({tr.n(o.records, 'n_records')}, {tr.n(o.patients, 'n_patients')})" for o in m.others]))))
    if m.conflicts:
        story.append(lay.p(tr("sum_conflicts", n=tr.num(len(m.conflicts)))))
    if m.failed_total:
        story.append(lay.p(tr("sum_errors", n=tr.num(m.failed_total))))
    verified_ok = bool(m.evidence) and all(e.unchanged for e in m.evidence)
    chain = m.custody
    checks = [tr("sum_verified_ok") if verified_ok else tr("sum_verified_changed"),
              tr.plural("sum_chain_ok", chain.entries) if chain.chain_ok else tr("sum_chain_broken")]
    if chain.results_ok is not None:
        checks.append(tr.plural("sum_results_ok", chain.results_files) if chain.results_ok
                      else tr("sum_results_broken", problems="; ".join(chain.results_problems[:5])))
    all_ok = verified_ok and chain.chain_ok and chain.results_ok is not False
    story += [lay.spacer(2), lay.box(checks, OK_BG if all_ok else WARN_BG)]
    story += actions(ctx)
    return story


def leak_lines(ctx: Context, e: Establishment) -> list[str]:
    """Which copy of ``e``'s data leaked (the recipient named by its canaries, or its own) and the watermark
    evidence, in a sentence each."""
    tr = ctx.tr
    lines = []
    name = e.name or f"FINESS {e.finess}"
    copies = [tr("copy_named", recipient=r.recipient, records=tr.n(r.records, "n_records")) if r.recipient
              else tr("copy_own", records=tr.n(r.records, "n_records")) for r in e.recipients]
    if copies:
        lines.append(tr("sum_copy", name=name, copies=tr.join(copies)))
    accepted = [w for w in e.watermarks if w.p_value is not None and w.p_value < 1e-6]
    if accepted:
        best = accepted[0]
        where = tr.n(len({w.item for w in accepted}), "n_items")
        who = f" ({best.recipient})" if best.recipient else ""
        lines.append(tr("sum_watermark", name=name + who, n=where, p=tr.p_expr(best.p_value, best.log10_p)))
    accused = [w for w in e.watermarks if w.accused]
    if accused:
        recipients = list(dict.fromkeys(w.recipient or tr("a_no_recipient") for w in accused))
        bound = max(float(w.accusation.get("error_bound") or 1e-6) for w in accused)  # type: ignore[union-attr]
        lines.append(tr("sum_accused", name=name, recipients=tr.join([tr("quoted", text=r) for r in recipients]),
                        bound=tr.bound(bound)))
    return lines


def actions(ctx: Context) -> list[Flowable]:
    """What to do now, in plain words, for the data controller and its DPO (GDPR art. 33 and 34)."""
    tr, lay, m = ctx.tr, ctx.lay, ctx.model
    if not m.summary.records:
        return []
    recipients = sorted({r.recipient for e in m.establishments for r in e.recipients if r.recipient})
    revoke = tr("act_revoke", recipients=tr.join(recipients)) if recipients else tr("act_revoke_none")
    steps = [tr("act_notify"), tr("act_inform"), revoke, tr("act_preserve"), tr("act_complaint")]
    return [KeepTogether([lay.p(tr("s_actions"), "h2"), lay.p(tr("act_intro")),
                          *[lay.markup(f"<b>{i}.</b> {escape(step)}", "bullet") for i, step in enumerate(steps, 1)]])]


def evidence(ctx: Context) -> list[Flowable]:
    tr, lay = ctx.tr, ctx.lay
    story: list[Flowable] = [lay.p(tr("s_evidence"), "h1"), lay.p(tr("ev_intro"))]
    rows = ctx.model.evidence
    if not rows:
        return story + [lay.p(tr("ev_none"))]
    if any(r.is_dir for r in rows):
        story.append(lay.p(tr("ev_folder_note"), "small"))
    for n, r in enumerate(rows, start=1):
        if r.unchanged is None:
            result, verified = tr("unknown"), None
        elif r.unchanged:
            result, verified = tr("ev_unchanged"), r.verified_utc
        else:
            result, verified = tr("ev_changed", changes="; ".join(r.changes[:10])), r.verified_utc
        kind = tr("ev_folder", n=tr.n(r.files, "n_files")) if r.is_dir else tr("ev_file")
        pairs = [(tr("ev_path"), r.path), (tr("ev_type"), kind), (tr("ev_size"), tr.size(r.size)),
                 ("MD5", r.md5), ("SHA-1", r.sha1), ("SHA-256", r.sha256),
                 (tr("ev_acquired"), tr.timestamp(r.acquired_utc)),
                 (tr("ev_reverified"), tr.timestamp(verified)), (tr("ev_result"), result)]
        table = lay.kv(pairs, mono_values=(tr("ev_path"), "MD5", "SHA-1", "SHA-256"), label_share=0.22)
        if r.unchanged is False:
            table.setStyle([("BACKGROUND", (1, len(pairs) - 1), (1, len(pairs) - 1), WARN_BG)])
        story.append(KeepTogether([lay.p(tr("ev_heading", n=n), "h3"), table]))
    return story


def method(ctx: Context, *, error_limit: int = 150) -> list[Flowable]:
    tr, lay, m = ctx.tr, ctx.lay, ctx.model
    story: list[Flowable] = [lay.p(tr("s_method"), "h1"), lay.p(tr("m_detectors_h"), "h2"),
                             lay.p(tr("m_detectors"))]
    seen = m.detectors
    if seen:
        story.append(lay.p(tr("m_detectors_seen", list=", ".join(tr.word("det", d) for d in seen))))
    story.append(lay.p(tr("m_attribution_order")))

    story.append(lay.p(tr("m_rules_h"), "h2"))
    rulesets = sorted(m.rulesets, key=lambda r: (r.get("origin") or "", r.get("name") or ""))
    if rulesets:
        story.append(lay.table([tr("col_name"), tr("col_origin"), tr("col_sha256")],
                               [[r["name"], tr.word("origin", r["origin"]), r["sha256"]] for r in rulesets],
                               [0.3, 0.12, 0.58],
                               mono=(2,)))
    else:
        story.append(lay.p(tr("m_rules_none")))
    if m.rules_skipped:  # a rule that did not compile was not applied: its absence of findings proves nothing
        story.append(lay.p(tr("m_rules_skipped", n=tr.num(len(m.rules_skipped)))))
        story.append(lay.table([tr("col_file"), tr("col_reason")],
                               [[f"{r['path']}:{r['line']}" if r.get("line") is not None else r["path"], r["reason"]]
                                for r in m.rules_skipped], [0.45, 0.55]))
    if m.hash_sets:
        story.append(lay.p(tr("m_hashsets_h"), "h2"))
        story.append(lay.table([tr("col_name"), tr("col_hashset_role"), tr("col_sha256")],
                               [[Path(h.get("path") or "").name, tr("hashset_" + str(h.get("role"))), h.get("sha256")]
                                for h in m.hash_sets], [0.3, 0.12, 0.58], mono=(2,)))
        story.append(lay.p(tr("m_hashsets")))

    story.append(lay.p(tr("m_registry_h"), "h2"))
    reg = m.registry
    if reg is None:
        story.append(lay.p(tr("m_registry_none")))
    else:
        sig = {"ok": tr("reg_sig_ok"), "failed": tr("reg_sig_failed")}.get(reg["signature"] or "", reg["signature"])
        table = lay.kv([(tr("reg_path"), reg["path"] or tr("unknown")),
                        (tr("reg_authority"), reg["authority"] or tr("unknown")),
                        (tr("reg_version"), reg["version"] or tr("unknown")),
                        (tr("reg_signature"), sig or tr("unknown")),
                        (tr("reg_key"), reg["key_id"] or tr("unknown"))],
                       mono_values=(tr("reg_path"), tr("reg_key")))
        if reg["signature"] != "ok":
            table.setStyle([("BACKGROUND", (1, 3), (1, 3), WARN_BG)])
        story.append(table)

    story.append(lay.p(tr("m_bounds_h"), "h2"))
    bounds = m.bounds
    if not bounds:
        story.append(lay.p(tr("m_bounds_none")))
    else:
        pairs = []
        for key in [*BOUND_KEYS, *(k for k in bounds if k not in BOUND_KEYS)]:
            if key not in bounds:
                continue
            value = bounds[key]
            shown = tr.size(value) if key in BYTE_BOUNDS and isinstance(value, int) else (
                tr.num(value) if isinstance(value, int | float) else str(value))
            label = tr(f"bound_{key}") if f"bound_{key}" in tr.cat else key
            pairs.append((label, shown))
        story.append(lay.kv(pairs, label_share=0.45))

    kinds = m.item_kinds
    if kinds:
        story.append(CondPageBreak(60))
        story.append(lay.p(tr("m_kinds_h"), "h2"))
        story.append(lay.table([tr("col_kind"), tr("col_count"), tr("col_size")],
                               [[tr.kind(k.kind), tr.num(k.items), tr.size(k.bytes)] for k in kinds], [0.4, 0.2, 0.4],
                               num=(1,)))

    story.append(lay.p(tr("m_failed_h"), "h2"))
    status = m.item_status
    if status:
        story.append(lay.p(tr("m_failed_status", list=", ".join(tr.label(tr.status(k), tr.num(v))
                                                                for k, v in status.items()))))
    if m.failed_causes:
        story.append(lay.p(tr("m_failed_causes", list=", ".join(tr.label(tr.word("cause", k), tr.num(v))
                                                                for k, v in m.failed_causes.items()))))
    failed = m.failed[:error_limit]
    if not failed:
        story.append(lay.p(tr("m_failed_none")))
    else:
        rows = [[ctx.red.path(f.item), tr.status(f.status),
                 tr.word("stage", f.stage) if f.stage else "-",
                 _reason(tr, ctx, f)] for f in failed]
        story.append(lay.table([tr("col_item"), tr("col_status"), tr("col_stage"), tr("col_reason")], rows,
                               [0.34, 0.1, 0.16, 0.4], mono=(0,)))
        more = m.failed_total - len(failed)
        if more > 0:
            story.append(lay.p(tr.plural("m_failed_more", more), "small"))
    return story


def _reason(tr, ctx, f) -> str:
    """Why an item failed: the cause in the report's language, then the engine's exact message (English)."""
    cause = tr.word("cause", f.cause)
    cause = cause[:1].upper() + cause[1:]
    if not f.error:  # a bound stopped it (its finding says which), or encrypted, or not read: the status says it
        return f"{cause} ({tr.word('why', f.status)})" if f.status == "partial" else tr.word("why", f.status)
    return f"{cause}. {ctx.red.text(_clip(f.error, 300))}"


def _clip(text: str | None, n: int) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"
