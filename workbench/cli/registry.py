"""``balise registry``: create, extend, verify, show and merge the signed beacon registry."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench.beacons.registry import (
    BEACON_KINDS,
    Registry,
    RegistryError,
    RegistrySignatureError,
    format_fingerprint,
)
from workbench.cli._common import fatal


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("registry", help="the signed beacon registry: init, add-establishment, verify, show, merge")
    p.set_defaults(run=run)
    cmds = p.add_subparsers(dest="registry_command", metavar="ACTION")

    init = cmds.add_parser("init", help="create a registry and its signing key (FILE.key)")
    init.add_argument("file", type=Path, metavar="FILE", help="registry file to create")
    init.add_argument("--authority", required=True, help="who keeps the registry (e.g. 'GCS e-santé Bretagne')")

    add = cmds.add_parser("add-establishment", help="register an establishment and re-sign")
    add.add_argument("file", type=Path, metavar="FILE", help="registry file")
    add.add_argument("--finess", required=True, help="FINESS number (9 characters)")
    add.add_argument("--name", required=True, help="establishment name")
    add.add_argument("--group", help="group or GHT")
    add.add_argument("--city", help="city (default: none)")
    add.add_argument("--dicom-uid-root", action="append", default=[], metavar="ROOT", dest="dicom_uid_roots",
                     help="DICOM UID root of the establishment (repeatable)")
    add.add_argument("--hl7-facility", action="append", default=[], metavar="CODE", dest="hl7_facilities",
                     help="facility code as in MSH-4 / PV1-3")
    add.add_argument("--ipp-pattern", action="append", default=[], metavar="RE", dest="ipp_patterns",
                     help="full-match regex of the local patient number")
    add.add_argument("--nda-pattern", action="append", default=[], metavar="RE", dest="nda_patterns",
                     help="full-match regex of the local stay number")
    add.add_argument("--name-variant", action="append", default=[], metavar="V", dest="name_variants",
                     help="name as it appears in data (DICOM Institution Name, exports...)")
    add.add_argument("--key", type=Path, help="signing key (default FILE.key)")

    verify = cmds.add_parser("verify", help="check the signature; exit 1 if it fails")
    verify.add_argument("file", type=Path, metavar="FILE", help="registry file")
    verify.add_argument("--trusted-key", action="append", metavar="FPR", dest="trusted_keys",
                        help="accept only this signing key fingerprint (repeatable)")
    verify.add_argument("--json", action="store_true", help="print the result as one JSON object on stdout")

    show = cmds.add_parser("show", help="list establishments and beacon counts (never a canary value)")
    show.add_argument("file", type=Path, metavar="FILE", help="registry file")
    show.add_argument("--trusted-key", action="append", metavar="FPR", dest="trusted_keys",
                      help="accept only this signing key fingerprint (repeatable)")
    show.add_argument("--json", action="store_true", help="print the registry's content as JSON on stdout")

    merge = cmds.add_parser("merge", help="fold OTHER (same authority) into FILE and re-sign FILE")
    merge.add_argument("file", type=Path, metavar="FILE", help="registry to extend (re-signed)")
    merge.add_argument("other", type=Path, metavar="OTHER", help="registry to fold in")
    merge.add_argument("--key", type=Path, help="FILE's signing key (default FILE.key)")
    merge.add_argument("--trusted-key", action="append", metavar="FPR", dest="trusted_keys", default=[],
                       help="accept OTHER signed by this key when it is not FILE's key")


def _key_path(args: argparse.Namespace) -> Path:
    return args.key if args.key else Path(str(args.file) + ".key")


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "registry_command", None)
    if action is None:
        print("balise registry: choose an action: init, add-establishment, verify, show, merge", file=sys.stderr)
        return 2
    try:
        return {"init": _init, "add-establishment": _add, "verify": _verify, "show": _show, "merge": _merge}[
            action](args)
    except RegistryError as exc:  # RegistrySignatureError included: one line, exit 1
        if getattr(args, "json", False):
            print(json.dumps({"ok": False, "file": str(args.file), "error": str(exc)}, ensure_ascii=False))
        return fatal(str(exc))


def _init(args: argparse.Namespace) -> int:
    reg = Registry.init(args.file, args.authority)
    print(f"registry   {args.file}")
    print(f"signing key {args.file}.key  (keep it private; back it up)")
    print(f"authority  {reg.authority}")
    print(f"key        {format_fingerprint(reg.key_id or '')}")
    print("Publish this fingerprint so analysts can check it (balise registry verify FILE --trusted-key FPR).")
    return 0


def _add(args: argparse.Namespace) -> int:
    reg = Registry.load(args.file)
    key = _key_path(args)
    reg.check_signing_key(key)
    est = reg.add_establishment(args.finess, args.name, group=args.group, city=args.city,
                                dicom_uid_roots=args.dicom_uid_roots, hl7_facility_codes=args.hl7_facilities,
                                ipp_patterns=args.ipp_patterns, nda_patterns=args.nda_patterns,
                                name_variants=args.name_variants)
    reg.save(key)
    print(f"added {est.finess} {est.name}; registry version {reg.version}, re-signed")
    return 0


def _verify(args: argparse.Namespace) -> int:
    reg = Registry.load(args.file, trusted_keys=args.trusted_keys)
    counts = {kind: 0 for kind in BEACON_KINDS}
    for beacon in reg.beacons.values():
        counts[beacon.kind] = counts.get(beacon.kind, 0) + 1
    if args.json:
        print(json.dumps({"ok": True, "file": str(args.file), "trusted_key": bool(args.trusted_keys),
                          "authority": reg.authority, "version": reg.version, "created": reg.created,
                          "updated": reg.updated, "key": format_fingerprint(reg.key_id or ""),
                          "establishments": len(reg.establishments), "beacons": counts},
                         ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"signature  OK{' (trusted key)' if args.trusted_keys else ''}")
    print(f"authority  {reg.authority}")
    print(f"version    {reg.version}  (created {reg.created}, updated {reg.updated})")
    print(f"key        {format_fingerprint(reg.key_id or '')}")
    print(f"establishments {len(reg.establishments)}")
    print("beacons    " + ", ".join(f"{kind} {n}" for kind, n in counts.items()))
    if not args.trusted_keys:
        print("Compare the key fingerprint with the one the authority published.")
    return 0


def _show(args: argparse.Namespace) -> int:
    reg = Registry.load(args.file, trusted_keys=args.trusted_keys)
    if args.json:
        print(json.dumps(_show_json(reg), ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"{reg.authority}  version {reg.version}  key {format_fingerprint(reg.key_id or '')}")
    counts = reg.beacon_counts()
    for finess in sorted(reg.establishments):
        est = reg.establishments[finess]
        print(f"\n{est.finess}  {est.name}")
        for label, value in (("group", est.group), ("city", est.city),
                             ("HL7 facility", ", ".join(est.hl7_facility_codes)),
                             ("DICOM UID roots", ", ".join(est.dicom_uid_roots)),
                             ("IPP patterns", ", ".join(est.ipp_patterns)),
                             ("NDA patterns", ", ".join(est.nda_patterns)),
                             ("name variants", "; ".join(est.name_variants)),
                             ("recipients", "; ".join(est.recipients))):
            if value:
                print(f"  {label:16} {value}")
        beacons = counts.get(finess, {})
        print(f"  {'beacons':16} " + (", ".join(f"{k} {n}" for k, n in sorted(beacons.items())) or "none"))
    orphans = sorted(set(counts) - set(reg.establishments))
    for finess in orphans:
        print(f"\n{finess}  (not registered)  beacons: {counts[finess]}")
    return 0


def _show_json(reg: Registry) -> dict:
    """What ``show`` prints, for a script: establishments and beacon counts (never a canary value)."""
    counts = reg.beacon_counts()
    return {"authority": reg.authority, "version": reg.version, "key": format_fingerprint(reg.key_id or ""),
            "establishments": [{"finess": e.finess, "name": e.name, "group": e.group, "city": e.city,
                                "hl7_facility_codes": list(e.hl7_facility_codes),
                                "dicom_uid_roots": list(e.dicom_uid_roots), "ipp_patterns": list(e.ipp_patterns),
                                "nda_patterns": list(e.nda_patterns), "name_variants": list(e.name_variants),
                                "recipients": list(e.recipients), "beacons": dict(counts.get(f, {}))}
                               for f, e in sorted(reg.establishments.items())],
            "unregistered_beacons": {f: dict(counts[f]) for f in sorted(set(counts) - set(reg.establishments))}}


def _merge(args: argparse.Namespace) -> int:
    reg = Registry.load(args.file)
    key = _key_path(args)
    reg.check_signing_key(key)
    other = Registry.load(args.other)
    if other.key_id != reg.key_id:
        try:
            other = Registry.load(args.other, trusted_keys=args.trusted_keys)
        except RegistrySignatureError:
            return fatal(f"{args.other} is signed by key {format_fingerprint(other.key_id or '')}, not by "
                         f"{args.file}'s; check it and pass --trusted-key to accept it")
    report = reg.merge(other)
    reg.save(key)
    print(f"merged {args.other} (version {other.version}, key {format_fingerprint(other.key_id or '')})")
    print(f"  establishments added: {len(report.establishments_added)}  beacons added: {len(report.beacons_added)}")
    for conflict in report.conflicts:
        print(f"  conflict: {conflict}")
    print(f"{args.file} is now version {reg.version}, re-signed")
    return 0
