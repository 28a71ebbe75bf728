"""``balise beacons mint``: canary patients for an establishment's system, recorded in the signed registry."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from workbench.beacons.canaries import TARGET_FORMATS, mint, write_canaries
from workbench.beacons.registry import Registry, RegistryError
from workbench.cli._common import fatal


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("beacons", help="mint canary patients")
    p.set_defaults(run=run)
    cmds = p.add_subparsers(dest="beacons_command", metavar="ACTION")
    m = cmds.add_parser("mint", help="mint canary patients, write them for the target system, re-sign the registry")
    m.add_argument("--registry", required=True, type=Path, metavar="FILE", help="signed beacon registry (re-signed)")
    m.add_argument("--establishment", required=True, metavar="FINESS", help="FINESS of the establishment")
    m.add_argument("--recipient", metavar="NAME", help="who the export is for (a partner, a lab, a research team)")
    m.add_argument("--count", required=True, type=int, metavar="N", help="canary patients to draw")
    m.add_argument("--format", required=True, choices=TARGET_FORMATS, dest="target_format",
                   help="file format the canaries are written in")
    m.add_argument("--out", required=True, type=Path, metavar="PATH", help="file to write (a new folder for dicom)")
    m.add_argument("--key", type=Path, metavar="KEYFILE", help="registry signing key (default FILE.key)")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "beacons_command", None) != "mint":
        print("balise beacons: choose an action: mint", file=sys.stderr)
        return 2
    key = args.key or Path(str(args.registry) + ".key")
    try:
        registry = Registry.load(args.registry)
        registry.check_signing_key(key)  # before any work: the result must be signable
        canaries = mint(registry, args.establishment, recipient=args.recipient, count=args.count,
                        target_format=args.target_format)
        files = write_canaries(canaries, args.target_format, args.out)
    except (RegistryError, OSError) as exc:
        return fatal(str(exc))
    try:
        registry.save(key)
    except (RegistryError, OSError) as exc:
        # canaries that the registry does not know would be beacons nobody can detect: remove them
        if args.out.is_dir():
            shutil.rmtree(args.out, ignore_errors=True)
        else:
            args.out.unlink(missing_ok=True)
        return fatal(f"registry not saved, output removed: {exc}")
    est = registry.establishment(args.establishment)
    print(f"{len(canaries)} canary patients for {est.finess} {est.name}"
          f"{f' / {canaries[0].recipient}' if canaries[0].recipient else ''}, format {args.target_format}")
    for canary in canaries:
        print(f"  {canary.masked()}")
    print(f"written: {args.out}" + (f" ({len(files)} files)" if len(files) > 1 else ""))
    print(f"registry {args.registry} version {registry.version}, re-signed")
    return 0
