#!/usr/bin/env bash
# Install Balise Workbench from this offline wheelhouse folder (Linux x86_64, macOS arm64/x86_64). No network.
#
#   ./install.sh [--venv DIR] [--python PYTHON]
#
# 1. verifies every file against SHA256SUMS (refuses on any mismatch, missing or unlisted wheel);
# 2. checks libmagic (Linux: the system package libmagic1; macOS: the bundled pylibmagic wheel);
# 3. creates a new virtual environment and installs with pip --no-index --find-links (never the network);
# 4. runs `balise doctor`, whose exit status is this script's.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VENV="${BALISE_VENV:-$HOME/balise-workbench}"
PYTHON="${PYTHON:-python3}"

while [ $# -gt 0 ]; do
  case "$1" in
    --venv) VENV="$2"; shift 2 ;;
    --python) PYTHON="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

die() { echo "install.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------- 1. hashes
cd "$HERE"
[ -f SHA256SUMS ] || die "SHA256SUMS is missing: this folder is not a complete wheelhouse"
if command -v sha256sum >/dev/null 2>&1; then SUM="sha256sum"; else SUM="shasum -a 256"; fi
if ! $SUM -c --quiet SHA256SUMS; then
  die "REFUSED: some files do not match SHA256SUMS (altered or damaged copy). Copy the wheelhouse again."
fi
for whl in *.whl; do
  grep -q "  $whl\$" SHA256SUMS || die "REFUSED: $whl is not listed in SHA256SUMS"
done
echo "hashes: $(grep -c . SHA256SUMS) files verified"

# ---------------------------------------------------------------------------------------------- 2. Python, libmagic
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: install Python 3.11 or 3.12 first"
PYVER=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$PYVER" in
  3.11|3.12) ;;
  *) die "$PYTHON is Python $PYVER; this wheelhouse holds wheels for Python 3.11 and 3.12 only" ;;
esac

EXTRA=""
case "$(uname -s)" in
  Linux)
    if ! "$PYTHON" -c 'import ctypes, ctypes.util, sys; n = ctypes.util.find_library("magic") or "libmagic.so.1"; ctypes.CDLL(n)' 2>/dev/null; then
      die "libmagic is missing. Install the system package first, from the distribution's media:
  Debian/Ubuntu: apt install libmagic1   (offline: dpkg -i libmagic1_*.deb libmagic-mgc_*.deb)
  RHEL/Fedora:   dnf install file-libs"
    fi
    echo "libmagic: system library found"
    ;;
  Darwin)
    ls pylibmagic-*.whl >/dev/null 2>&1 || die "pylibmagic wheel missing: this is not a macOS wheelhouse"
    EXTRA="pylibmagic"
    echo "libmagic: bundled (pylibmagic)"
    ;;
  *) die "unsupported system $(uname -s): use install.ps1 on Windows" ;;
esac

# ---------------------------------------------------------------------------------------------- 3. install
[ -e "$VENV" ] && die "$VENV already exists: choose another --venv or remove it"
echo "creating $VENV with $PYTHON ($PYVER)"
"$PYTHON" -m venv "$VENV"
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --no-index --find-links "$HERE" --no-cache-dir balise-workbench $EXTRA

# ---------------------------------------------------------------------------------------------- 4. check
echo
echo "installed: $VENV/bin/balise and $VENV/bin/balise-workbench"
"$VENV/bin/balise" doctor
