"""``balise watermark embed|detect``: mark an export (table or DICOM) for an establishment and a recipient,
and test a file against every key of the registry."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.beacons import registry as reg_mod

if TYPE_CHECKING:
    from workbench.beacons import mark_accusation as ma
    from workbench.beacons import tabular_mark as tm

# mark_io.FORMATS, spelled here so that building the parser (every `balise` command, `--help` included) does
# not import the watermark modules: they pull scipy in, 1.0 s of the 2.4 s `balise --help` took (-X importtime).
TABLE_FORMATS = ("csv", "xlsx", "sql")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("watermark", help="embed or detect table and image watermarks")
    sub = parser.add_subparsers(dest="watermark_command", metavar="{embed,detect}")
    sub.required = True
    embed = sub.add_parser("embed", help="watermark a CSV, XLSX, SQL dump or DICOM file for one recipient")
    embed.add_argument("input", type=Path, help="table (CSV, XLSX, SQL dump) or DICOM file to mark")
    embed.add_argument("--registry", type=Path, required=True, help="signed beacon registry (re-signed)")
    embed.add_argument("--establishment", required=True, help="FINESS of the establishment that exports")
    embed.add_argument("--recipient", default=None, help="who the export is for (partner, lab, research team)")
    embed.add_argument("--out", type=Path, required=True, help="marked copy to write (the input is not changed)")
    embed.add_argument("--key", type=Path, default=None,
                       help="registry signing key (default: REGISTRY.key beside the registry)")
    embed.add_argument("--format", choices=(*TABLE_FORMATS, "dicom"), default=None,
                       help="input format (default: from the content)")
    embed.add_argument("--no-numeric", dest="numeric", action="store_false",
                       help="tables: mark only the invisible carriers (times, phones, addresses), never a "
                            "measurement (by default the last digit of measurements moves by at most one unit)")
    embed.add_argument("--thresholds", type=Path, default=None,
                       help="JSON list of clinical thresholds a measurement never crosses "
                            '([{"name", "hint", "lo", "hi", "values"}], replaces the default table)')
    embed.add_argument("--dates", type=Path, default=None, metavar="JSON",
                       help='tables: date policy file {"max_shift_days": 1, "allow": [COLUMN...], "deny": '
                            '[COLUMN...], "birth_years": 15} (by default every date column moves by one day at '
                            "most, except birth and death dates, by header or by content)")
    embed.add_argument("--date-allow", action="append", default=[], metavar="COLUMN",
                       help="tables: this date column carries the mark even if it looks like a birth date")
    embed.add_argument("--date-deny", action="append", default=[], metavar="COLUMN",
                       help="tables: this date column never carries the mark")
    embed.add_argument("--no-dates", dest="dates_on", action="store_false",
                       help="tables: never move a date")
    detect = sub.add_parser("detect", help="test a table or image file against every key of the registry")
    detect.add_argument("file", type=Path, help="table (CSV, XLSX, SQL dump) or image (DICOM, PNG, JPEG) to test")
    detect.add_argument("--registry", type=Path, required=True, help="signed beacon registry holding the keys")
    detect.add_argument("--json", action="store_true", help="print the results as one JSON object on stdout")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from workbench.beacons import image_mark, mark_io
    from workbench.beacons import tabular_mark as tm

    try:
        if args.watermark_command == "embed":
            return _embed(args)
        return _detect(args)
    except (reg_mod.RegistryError, mark_io.MarkIOError, image_mark.ImageMarkError, tm.NoCarrierError,
            OSError) as exc:
        print(f"balise watermark: {exc}", file=sys.stderr)
        return 1


def _is_dicom(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(132)
    return len(head) == 132 and head[128:] == b"DICM"


def _embed(args: argparse.Namespace) -> int:
    from workbench.beacons import image_mark, mark_io
    from workbench.beacons import numeric_mark as nm

    registry = reg_mod.Registry.load(args.registry)
    est = registry.establishment(args.establishment)
    key_path = args.key or Path(str(args.registry) + ".key")
    signer = reg_mod.load_signing_key(key_path)
    if args.out.exists() and args.out.resolve() == args.input.resolve():
        print("balise watermark: --out must differ from the input", file=sys.stderr)
        return 2
    key = registry.watermark_key(est.finess, args.recipient)  # images; tables use table_mark_key below
    who = f"{est.finess} ({est.name})" + (f", recipient {args.recipient!r}" if args.recipient else "")
    fmt = args.format or ("dicom" if _is_dicom(args.input) else mark_io.sniff_table_format(args.input))
    if fmt == "dicom":
        beacon_id = reg_mod.new_beacon_id()
        while beacon_id in registry.beacons:
            beacon_id = reg_mod.new_beacon_id()
        report = image_mark.embed_dicom(args.input, args.out, key, beacon_id, signer)
        beacon = registry.add_beacon(reg_mod.KIND_IMAGE_WATERMARK, est.finess, recipient=args.recipient,
                                     target="dicom", beacon_id=beacon_id,
                                     meta={"scheme": image_mark.SCHEME, "file": args.input.name,
                                           "psnr_db": round(report.psnr_db, 2), "frames": report.frames,
                                           "bits_stored": report.bits_stored})
        print(f"image watermarked for {who} -> {args.out}")
        print(f"  PSNR {report.psnr_db:.2f} dB on the native {report.bits_stored}-bit depth "
              f"({report.psnr_range_db:.2f} dB against the image's own range), {report.frames} frame(s)")
        print(f"  signed private block BALISE (0011,10xx) carries beacon {beacon.beacon_id}")
    else:
        thresholds = nm.DEFAULT_THRESHOLDS
        if args.thresholds is not None:
            try:
                thresholds = nm.load_thresholds(json.loads(args.thresholds.read_text(encoding="utf-8")))
            except ValueError as exc:  # JSONDecodeError is a ValueError
                print(f"balise watermark: {args.thresholds}: {exc}", file=sys.stderr)
                return 2
        dates = _date_policy(args)
        if isinstance(dates, str):
            print(f"balise watermark: {dates}", file=sys.stderr)
            return 2
        table_key = registry.table_mark_key(est.finess, args.recipient)
        dist = mark_io.embed_file(args.input, args.out, table_key, fmt=fmt, numeric=args.numeric,
                                  thresholds=thresholds, dates=dates)
        beacon = registry.add_beacon(reg_mod.KIND_TABLE_WATERMARK, est.finess, recipient=args.recipient,
                                     target=fmt, meta={"scheme": "balise-table/2 (Tardos)", "file": args.input.name,
                                                       "rows": dist.rows, "carrier_cells": dist.carrier_cells,
                                                       "cells_changed": dist.cells_changed})
        print(f"table watermarked for {who} -> {args.out}")
        for line in dist.lines():
            print(f"  {line}")
    registry.save(key_path)
    print(f"beacon {beacon.beacon_id} ({beacon.kind}) recorded; registry version {registry.version} re-signed")
    return 0


def _date_policy(args: argparse.Namespace):
    """The date policy of ``embed`` (file, then --date-allow/--date-deny), None for --no-dates, or the one
    line that says why the file is refused."""
    from workbench.beacons import date_mark as dm

    if not getattr(args, "dates_on", True):
        return None
    policy = dm.DEFAULT_POLICY
    if getattr(args, "dates", None) is not None:
        try:
            policy = dm.load_policy(json.loads(args.dates.read_text(encoding="utf-8")))
        except ValueError as exc:  # JSONDecodeError is a ValueError
            return f"{args.dates}: {exc}"
    return dm.with_columns(policy, allow=getattr(args, "date_allow", []), deny=getattr(args, "date_deny", []))


def _keys(registry: reg_mod.Registry) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for finess, est in sorted(registry.establishments.items()):
        keys[f"{finess}|"] = registry.watermark_key(finess, None)
        for recipient in est.recipients:
            keys[f"{finess}|{recipient}"] = registry.watermark_key(finess, recipient)
    return keys


def _table_keys(registry: reg_mod.Registry) -> dict[str, tm.MarkKey]:
    keys: dict[str, tm.MarkKey] = {}
    for finess, est in sorted(registry.establishments.items()):
        keys[f"{finess}|"] = registry.table_mark_key(finess, None)
        for recipient in est.recipients:
            keys[f"{finess}|{recipient}"] = registry.table_mark_key(finess, recipient)
    return keys


def _table_rows(path: Path, registry: reg_mod.Registry) -> tuple[list[ma.EstablishmentVerdict], dict]:
    """Verdicts per establishment and, per key label, (result, accusation score or None, accused)."""
    from workbench.beacons import mark_accusation as ma
    from workbench.beacons import mark_io

    found = ma.verdicts(mark_io.collect_file(path), _table_keys(registry))
    rows: dict = {}
    for v in found:
        scores = {r.label: r for r in v.accusation.results} if v.accusation else {}
        for res in v.results:
            rows[res.label] = (res, v, scores.get(res.label))
    return found, rows


def _fmt_p(p: float, log10_p: float | None = None) -> str:
    if p > 0 and p >= 1e-300:
        return f"{p:.2e}"
    if log10_p is not None and math.isfinite(log10_p):
        return f"1e{log10_p:.0f}"
    return "<1e-300"


def _detect(args: argparse.Namespace) -> int:
    from workbench.beacons import image_mark
    from workbench.beacons import mark_accusation as ma
    from workbench.beacons import tabular_mark as tm

    registry = reg_mod.Registry.load(args.registry)
    keys = _keys(registry)
    if not keys:
        print("balise watermark: the registry has no establishment to test", file=sys.stderr)
        return 1
    names = {f: e.name for f, e in registry.establishments.items()}
    with args.file.open("rb") as fh:
        head = fh.read(132)
    is_image = (len(head) == 132 and head[128:] == b"DICM") or head.startswith((b"\x89PNG", b"\xff\xd8\xff"))
    if getattr(args, "json", False):
        print(json.dumps(_detect_json(args.file, keys, names, registry, is_image), ensure_ascii=False, indent=2))
        return 0
    print(f"{args.file}: testing {len(keys)} keys (establishment x recipient); accepted below p = "
          f"{tm.DETECTION_THRESHOLD:g}")
    found = 0
    if is_image:
        det = image_mark.detect_image_file(args.file, keys, public_key=registry.public_key)
        print(f"  {det.kind} image, {det.results[0].pixels if det.results else 0} pixels")
        for r in sorted(det.results, key=lambda r: r.p_value):
            finess, recipient = r.label.split("|", 1)
            verdict = "DETECTED" if r.detected else "not detected"
            found += r.detected
            print(f"  {finess} {names[finess]!r} recipient={recipient or '-'}: z={r.z:.2f} "
                  f"p={_fmt_p(r.p_value)} {verdict}")
        if det.fragile is not None:
            known = registry.beacons.get(det.fragile.beacon_id)
            state = {True: "signature valid", False: "SIGNATURE DOES NOT MATCH this instance",
                     None: "signature not checked"}[det.fragile.signature_valid]
            owner = f"registered to {known.establishment}" if known else "not in this registry"
            print(f"  fragile block: beacon {det.fragile.beacon_id} ({owner}), {state}")
        else:
            print("  fragile block: absent (removed by anonymisation, or never marked)")
    else:
        verdicts, rows = _table_rows(args.file, registry)
        if rows:
            r0 = next(iter(rows.values()))[0]
            print(f"  table: {r0.rows_tested} rows with carriers, {r0.votes} votes {r0.votes_by_kind}, "
                  f"{r0.num_votes - r0.date_votes} numeric votes in {r0.row_groups} row groups, "
                  f"{r0.date_votes} date votes")
        for v in verdicts:
            if not v.detected or v.accusation is None:
                continue
            acc = v.accusation
            names_ = ", ".join(repr(ma.split_label(r.label)[1] or "-") for r in acc.accused) or "nobody"
            if acc.scheme == tm.LEGACY_SCHEME:
                print(f"  {v.establishment} {names[v.establishment]!r}: mark of the previous scheme "
                      f"{tm.LEGACY_SCHEME} (before the Tardos code) present "
                      f"(p={_fmt_p(10.0**v.presence_log10_p, v.presence_log10_p)}); each recipient's own key, "
                      f"P(any innocent accused) <= {acc.epsilon:g}: accused {names_}")
                continue
            print(f"  {v.establishment} {names[v.establishment]!r}: mark present "
                  f"(p={_fmt_p(10.0**v.presence_log10_p, v.presence_log10_p)}); Tardos accusation over "
                  f"{acc.cells} cells, threshold Z={acc.threshold:.0f}, P(any innocent accused) <= "
                  f"{acc.epsilon:g}: accused {names_}")
        for label, (r, v, score) in sorted(rows.items(), key=lambda kv: (-(kv[1][2].score if kv[1][2] else
                                                                          -math.inf), kv[1][0].combined_log10_p)):
            finess, recipient = ma.split_label(label)
            accused = bool(score and score.accused)
            verdict = "DETECTED" if accused else ("mark present, not accused" if v.detected else "not detected")
            found += accused
            legacy = v.accusation is not None and v.accusation.scheme == tm.LEGACY_SCHEME
            tardos = f" Tardos score {score.score:.0f}" if score is not None and not legacy else ""
            d = r.decisive
            numeric = (f" (measurements and dates: {d.num_matches}/{d.num_votes} votes, {d.row_matches}/"
                       f"{d.row_groups} rows all matching, {d.row_expected:.0f} expected)" if d.num_votes else "")
            numeric += f" [{d.scheme}]" if d is not r else ""
            print(f"  {finess} {names[finess]!r} recipient={recipient or '-'}: "
                  f"p={_fmt_p(r.combined_p_value, r.combined_log10_p)} "
                  f"marked fraction~{d.marked_fraction_estimate:.1%}{numeric}{tardos} {verdict}")
    print(f"{found} key(s) detected")
    return 0


def _detect_json(path: Path, keys: dict[str, bytes], names: dict[str, str], registry, is_image: bool) -> dict:
    """``watermark detect`` for a script: every key tested with its p-value (and log10 p for tables)."""
    from workbench.beacons import image_mark
    from workbench.beacons import mark_accusation as ma
    from workbench.beacons import tabular_mark as tm

    out: dict = {"file": str(path), "keys": len(keys), "threshold": tm.DETECTION_THRESHOLD, "results": []}
    if is_image:
        det = image_mark.detect_image_file(path, keys, public_key=registry.public_key)
        out["kind"] = det.kind
        for r in sorted(det.results, key=lambda r: r.p_value):
            finess, recipient = r.label.split("|", 1)
            out["results"].append({"establishment": finess, "name": names[finess], "recipient": recipient or None,
                                   "z": r.z, "p_value": r.p_value, "detected": bool(r.detected)})
        if det.fragile is not None:
            out["fragile"] = {"beacon_id": det.fragile.beacon_id, "signature_valid": det.fragile.signature_valid,
                              "registered": det.fragile.beacon_id in registry.beacons}
        else:
            out["fragile"] = None
    else:
        out["kind"] = "table"
        _, rows = _table_rows(path, registry)
        ordered = sorted(rows.items(), key=lambda kv: (not (kv[1][2] and kv[1][2].accused), kv[1][0].log10_p))
        for label, (r, v, score) in ordered:
            finess, recipient = ma.split_label(label)
            acc = v.accusation
            out["results"].append({
                "establishment": finess, "name": names[finess], "recipient": recipient or None,
                "p_value": r.p_value, "log10_p": (score.log10_bound if score and score.accused else r.log10_p),
                "rows": r.rows_tested, "votes": r.votes, "marked_fraction": r.marked_fraction_estimate,
                "mark_present": bool(v.detected), "presence_log10_p": v.presence_log10_p,
                "scheme": r.decisive.scheme, "date_votes": r.date_votes,
                "tardos": None if acc is None or score is None else {
                    "score": score.score, "threshold": acc.threshold, "cells": acc.cells,
                    "recipients_tested": acc.recipients, "error_bound": acc.epsilon, "scheme": acc.scheme,
                    "log10_bound": score.log10_bound},
                "detected": bool(score and score.accused)})
    out["detected"] = sum(r["detected"] for r in out["results"])
    return out
