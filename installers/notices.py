#!/usr/bin/env python3
"""THIRD_PARTY_NOTICES.txt: the licence of every third-party component a bundle ships, with its own texts.

The standalone application (``make app``) and the offline wheelhouse (``make wheelhouse``) redistribute about
60 third-party distributions (Qt for Python under the LGPL, numpy, pyarrow, YARA under BSD/Apache, ...). Most of
their licences require that the copyright notice and the licence text travel with every copy, so each bundle
carries one file that lists, per distribution, its name, version and declared licence, followed by the licence
files the distribution itself ships (``*.dist-info/licenses/*`` for metadata 2.4, ``LICENSE*``, ``COPYING*``,
``NOTICE*`` otherwise). Nothing is typed by hand: the texts come from the wheels or the installed metadata.

    python installers/notices.py --installed OUT.txt          # the runtime closure installed in this venv
    python installers/notices.py --wheels DIR OUT.txt         # every *.whl in DIR (a wheelhouse target)

A component whose only declared licence is a GPL (not the LGPL) is named on stderr: it would bind the whole
bundle, and the project is proprietary.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.parser import HeaderParser
from importlib import metadata
from pathlib import Path, PurePosixPath

_LICENCE_FILE = re.compile(r"^(licen[cs]e|copying|notice|authors|copyright)([._-].*)?$", re.IGNORECASE)
_STRONG_GPL = re.compile(r"(?<![L])(?<!Lesser )\bGPL|GNU General Public", re.IGNORECASE)
_PROJECT = "balise-workbench"


@dataclass
class Component:
    name: str
    version: str
    licence: str
    texts: dict[str, str] = field(default_factory=dict)  # file name inside the distribution -> text

    @property
    def strong_copyleft(self) -> bool:
        """True when the declared licence names the GPL and nothing more permissive beside it."""
        text = self.licence
        if not _STRONG_GPL.search(text):
            return False
        return not re.search(r"LGPL|Lesser|MIT|BSD|Apache|PSF|MPL|exception", text, re.IGNORECASE)


def _declared_licence(meta) -> str:
    """License-Expression (metadata 2.4), else License (short), else the licence classifiers."""
    expr = (meta.get("License-Expression") or "").strip()
    if expr:
        return expr
    short = (meta.get("License") or "").strip()
    if short and len(short) < 120 and "\n" not in short:
        return short
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    if classifiers:
        return "; ".join(classifiers)
    return short.splitlines()[0][:120] + " ..." if short else "not declared"


def _is_licence_path(path: str) -> bool:
    parts = PurePosixPath(path).parts
    if len(parts) >= 2 and parts[0].endswith(".dist-info"):
        return parts[1] == "licenses" or (len(parts) == 2 and bool(_LICENCE_FILE.match(parts[1])))
    return False


def from_wheels(folder: Path) -> Iterator[Component]:
    """Components of every wheel in ``folder`` (the project's own wheel excluded), read from inside the zips."""
    for wheel in sorted(folder.glob("*.whl")):
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            meta_name = next((n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)), None)
            if meta_name is None:
                continue
            meta = HeaderParser().parsestr(zf.read(meta_name).decode("utf-8", "replace"))
            if (meta.get("Name") or "").lower().replace("_", "-") == _PROJECT:
                continue
            texts = {n.split("/", 1)[1]: zf.read(n).decode("utf-8", "replace")
                     for n in names if _is_licence_path(n) and not n.endswith("/")}
        yield Component(meta["Name"], meta["Version"], _declared_licence(meta), texts)


def from_installed(names: Iterable[str]) -> Iterator[Component]:
    """Components of the installed distributions ``names``, licence files read through their RECORD."""
    for name in sorted(set(names), key=str.lower):
        dist = metadata.distribution(name)
        texts = {}
        for f in dist.files or []:
            rel = f.as_posix()
            if _is_licence_path(rel):
                try:
                    texts[rel.split("/", 1)[1]] = f.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
        yield Component(dist.metadata["Name"], dist.version, _declared_licence(dist.metadata), texts)


def runtime_closure() -> list[str]:
    """Installed names of the project's runtime dependencies, transitively (no dev or bench extras)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from lock import closure

    return list(closure(_PROJECT, extras=()))


def render(components: Iterable[Component], bundle: str) -> str:
    comps = sorted(components, key=lambda c: c.name.lower())
    width = max((len(c.name) for c in comps), default=4)
    lines = [f"Third-party notices for {bundle}", "",
             f"{len(comps)} third-party components are redistributed in this bundle. Each keeps its own licence;",
             "the licence files each component ships follow the summary, verbatim.", "",
             f"{'Component':<{width}}  {'Version':<12}  Licence", f"{'-' * width}  {'-' * 12}  {'-' * 7}"]
    lines += [f"{c.name:<{width}}  {c.version:<12}  {c.licence}" for c in comps]
    for c in comps:
        lines += ["", "=" * 100, f"{c.name} {c.version}  ({c.licence})", "=" * 100]
        if not c.texts:
            lines.append("(this distribution ships no licence file; its declared licence is above)")
        for fname, text in sorted(c.texts.items()):
            lines += ["", f"--- {fname} ---", text.rstrip()]
    return "\n".join(lines) + "\n"


def write(components: Iterable[Component], out: Path, bundle: str) -> list[Component]:
    """Write the notices file; returns the components whose licence is a strong copyleft (for a warning)."""
    comps = list(components)
    out.write_text(render(comps, bundle), "utf-8")
    return [c for c in comps if c.strong_copyleft]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--installed", action="store_true", help="the runtime closure installed in this Python")
    src.add_argument("--wheels", type=Path, metavar="DIR", help="a folder of wheels (a wheelhouse target)")
    ap.add_argument("out", type=Path, help="the notices file to write")
    args = ap.parse_args(argv)
    comps = from_wheels(args.wheels) if args.wheels else from_installed(runtime_closure())
    bundle = f"the Balise Workbench wheelhouse ({args.wheels.name})" if args.wheels else \
        "the Balise Workbench standalone application"
    strong = write(comps, args.out, bundle)
    for c in strong:
        print(f"notices: {c.name} {c.version} is under {c.licence}: check it may ship with a proprietary bundle",
              file=sys.stderr)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
