"""YARA external variables: the LOKI/THOR set given per item, and the analyst's ``--rules-define NAME=VALUE``.

Public collections written for LOKI and THOR (Neo23x0/signature-base: ``generic_anomalies.yar``,
``gen_webshells_ext_vars.yar``, ``thor_inverse_matches.yar``...) test the scanned file's name and place, e.g.
``extension == ".jpg"`` or ``filename == "explorer.exe" and not filepath contains "teamviewer"``. Without these
variables declared, YARA refuses every such file ("undefined identifier"). Values, as those scanners give them:

- ``filename``: the item's name (an archive member's own name);
- ``filepath``: the folder holding it: the host folder for a file of the evidence, ``/ev/dump.zip!/dir`` inside
  an archive (the virtual path below the evidence file on the host);
- ``extension``: the name's last suffix, lower case, with its dot (``.jpg``); empty when none;
- ``filetype``: the sniffed content type in capitals as LOKI names it (``ZIP``, ``PDF``, ``EXE``, ``CSV``...);
- ``owner``: the owner (user name) of the evidence file on the host, for it and every member inside it;
- ``md5``: declared empty (LOKI gives the file's MD5; items here are named by SHA-256), so rules using it compile.

``--rules-define`` values are read as the yara CLI's ``-d``: ``true``/``false`` booleans, integers, floats, else
text (surrounding quotes removed). A defined name overrides the per-item value of the same name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

ExternalValue = bool | int | float | str

ITEM_EXTERNALS: dict[str, ExternalValue] = {"filename": "", "filepath": "", "extension": "", "filetype": "",
                                            "owner": "", "md5": ""}
# The sniffer's formats under the names of signature-base's misc/file-type-signatures.txt (what LOKI gives);
# any other format or kind in capitals (CSV, SQL-DUMP, HL7V2...).
_LOKI_TYPES = {"dosexec": "EXE", "pe": "EXE", "elf": "ELF", "jpeg": "JPEG", "gzip": "GZIP", "bzip2": "BZip2",
               "7z": "7Zip", "ole2": "OLE", "rar": "RAR", "tar": "TAR", "gif": "GIF", "rtf": "RTF", "lnk": "LNK",
               "cab": "CAB"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class DefineError(ValueError):
    """A ``--rules-define`` that is not ``NAME=VALUE`` with NAME an identifier."""


def parse_value(text: str) -> ExternalValue:
    """``true``/``false``, an integer (decimal or 0x hex), a float, or text (quotes removed)."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(text, 0)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def parse_defines(items: Iterable[str]) -> dict[str, ExternalValue]:
    """``["owner=root", "score=60"]`` -> ``{"owner": "root", "score": 60}``; :class:`DefineError` if malformed."""
    out: dict[str, ExternalValue] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name):
            raise DefineError(f"--rules-define {item!r}: expected NAME=VALUE with NAME a YARA identifier")
        out[name] = parse_value(value)
    return out


def declared(defines: Mapping[str, ExternalValue]) -> dict[str, ExternalValue]:
    """What the compiler is told: the per-item variables (empty) and the analyst's defines."""
    return {**ITEM_EXTERNALS, **defines}


def item_externals(name: str, vpath: str, *, task_vpath: str | None = None, host_path: str | None = None,
                   kind: str | None = None, fmt: str | None = None, owner: str = "") -> dict[str, ExternalValue]:
    """The LOKI/THOR variables of one item (see the module docstring for their values)."""
    place = vpath
    if host_path and task_vpath is not None and (vpath == task_vpath or vpath.startswith(task_vpath)):
        place = host_path + vpath[len(task_vpath):]
    folder = place[: len(place) - len(name)].rstrip("/") if name and place.endswith(name) else str(
        PurePosixPath(place).parent)
    if folder.endswith("!"):
        folder += "/"
    suffix = PurePosixPath(name).suffix.lower() if name else ""
    ftype = (fmt or kind or "").lower()
    return {"filename": name, "filepath": folder, "extension": suffix,
            "filetype": _LOKI_TYPES.get(ftype, ftype.upper()), "owner": owner, "md5": ""}


def owner_of(path: str) -> str:
    """User name owning ``path`` on the host ('' when unknown: no such user, or not a POSIX host)."""
    import os

    try:
        uid = os.stat(path).st_uid
    except OSError:
        return ""
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)
