#!/usr/bin/env python3
"""Write ``constraints.txt``: the exact version of every distribution the project installs, from this venv.

pyproject.toml declares version *ranges* (what the code works with, what a wheel's metadata publishes); the
constraints file pins the *exact* versions the tests ran against, for the whole dependency closure (runtime,
``dev`` and ``bench`` extras, and their own dependencies: about 90 distributions). ``make setup`` and the
offline wheelhouse install with ``-c constraints.txt``, so two machines set up a month apart run the same code.

    .venv/bin/python installers/lock.py            # rewrite constraints.txt from the current venv
    .venv/bin/python installers/lock.py --check    # exit 1 if constraints.txt differs from the venv

The closure is walked from the project's own metadata (``importlib.metadata``), so tools installed by hand in the
venv (a profiler, say) never leak into the lock.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "balise-workbench"
EXTRAS = ("dev", "bench", "dask")
HEADER = ("# Exact versions of the whole dependency closure (runtime, dev and bench extras), written by\n"
          "# installers/lock.py from the venv the tests passed in. pyproject.toml holds the ranges.\n")


def _applies(req: Requirement, extras: tuple[str, ...]) -> bool:
    if req.marker is None:
        return True
    env = default_environment()
    return any(req.marker.evaluate({**env, "extra": e}) for e in ("", *extras))


def closure(project: str = PROJECT, extras: tuple[str, ...] = EXTRAS) -> dict[str, str]:
    """Installed name -> version for the project's requirements and theirs, transitively."""
    pins: dict[str, str] = {}
    todo: list[tuple[str, tuple[str, ...]]] = [(project, extras)]
    seen: set[str] = set()
    while todo:
        name, want = todo.pop()
        key = canonicalize_name(name)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"lock: {name} is required but not installed in this venv") from None
        if key != canonicalize_name(project):
            pins[dist.metadata["Name"]] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            if _applies(req, want):
                todo.append((req.name, tuple(req.extras)))
    return pins


def render(pins: dict[str, str]) -> str:
    lines = sorted(f"{canonicalize_name(n)}=={v}" for n, v in pins.items())
    return HEADER + "\n".join(lines) + "\n"


def parse(text: str) -> dict[str, str]:
    """``constraints.txt`` -> canonical name -> version (comments and blank lines skipped)."""
    out = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
            if not m:
                raise ValueError(f"constraints.txt: not an exact pin: {line!r}")
            out[canonicalize_name(m.group(1))] = m.group(2)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = ap.parse_args(argv)
    path = ROOT / "constraints.txt"
    text = render(closure())
    if args.check:
        old = parse(path.read_text("utf-8")) if path.exists() else {}
        new = parse(text)
        diff = sorted(set(old.items()) ^ set(new.items()))
        for name, version in diff:
            print(f"{'venv' if new.get(name) == version else 'lock'}: {name}=={version}")
        return 1 if diff else 0
    path.write_text(text, "utf-8")
    print(f"wrote {path} ({text.count(chr(10)) - 2} pins)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
