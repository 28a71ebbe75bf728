"""Run commands in a network namespace with no network (``unshare -n``), for the air-gap proofs."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache

# Inside the namespace: only a loopback that is down. Connecting anywhere must fail at once.
NO_NETWORK_PROBE = (
    "import socket, sys\n"
    "for host, port in (('1.1.1.1', 53), ('151.101.0.223', 443)):\n"
    "    s = socket.socket(); s.settimeout(3)\n"
    "    try:\n"
    "        s.connect((host, port))\n"
    "    except OSError:\n"
    "        continue\n"
    "    sys.exit('network reachable: %s' % host)\n"
    "try:\n"
    "    socket.getaddrinfo('pypi.org', 443)\n"
    "except OSError:\n"
    "    sys.exit(0)\n"
    "sys.exit('DNS answered')\n"
)


@cache
def unshare_prefix() -> tuple[tuple[str, ...] | None, str]:
    """(command prefix, reason): ``unshare -n`` as root, ``unshare -rn`` otherwise; None when not allowed."""
    exe = shutil.which("unshare")
    if exe is None:
        return None, "unshare (util-linux) is not installed"
    prefix = (exe, "-n") if os.geteuid() == 0 else (exe, "-r", "-n")
    try:
        proc = subprocess.run([*prefix, "true"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"unshare failed: {exc}"
    if proc.returncode != 0:
        return None, f"'{' '.join(prefix)}' is not allowed here: {proc.stderr.strip()}"
    return prefix, ""


def offline(cmd: Sequence[str], *, timeout: float, env: dict[str, str] | None = None,
            cwd: str | os.PathLike[str] | None = None, mount_ns: bool = False) -> subprocess.CompletedProcess:
    """Run ``cmd`` with no network (and with its own mount namespace when ``mount_ns``)."""
    prefix, reason = unshare_prefix()
    if prefix is None:
        raise RuntimeError(reason)
    full = [*prefix, *(("-m",) if mount_ns else ()), *cmd]
    return subprocess.run(full, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd,
                          stdin=subprocess.DEVNULL)
