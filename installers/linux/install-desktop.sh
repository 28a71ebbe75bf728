#!/bin/sh
# Install the standalone Balise Workbench folder for this user (or system-wide as root) and its menu entry.
#   ./install-desktop.sh [DEST]      run from inside the dist/balise folder copied from the USB stick
# Default DEST: ~/.local/opt/balise (root: /opt/balise). Entry: ~/.local/share/applications (root: /usr/share/applications).
set -eu
SRC=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -eq 0 ]; then DEST=${1:-/opt/balise}; APPS=/usr/share/applications; BIN=/usr/local/bin
else DEST=${1:-$HOME/.local/opt/balise}; APPS=$HOME/.local/share/applications; BIN=$HOME/.local/bin; fi
[ -x "$SRC/balise" ] && [ -x "$SRC/balise-workbench" ] || { echo "run me from the dist/balise folder" >&2; exit 1; }
if [ "$SRC" != "$DEST" ]; then
  mkdir -p "$(dirname "$DEST")"
  rm -rf "$DEST.new" && cp -a "$SRC" "$DEST.new" && rm -rf "$DEST" && mv "$DEST.new" "$DEST"
fi
mkdir -p "$APPS" "$BIN"
sed "s|@BALISE_DIR@|$DEST|g" "$DEST/balise-workbench.desktop" > "$APPS/balise-workbench.desktop"
ln -sf "$DEST/balise" "$BIN/balise"
ln -sf "$DEST/balise-workbench" "$BIN/balise-workbench"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$APPS" >/dev/null 2>&1 || true
echo "installed in $DEST; menu entry $APPS/balise-workbench.desktop; commands in $BIN"
"$DEST/balise" doctor
