# Sourced before every builder (part of every derivation's hash): shell settings and
# the build steps recipes share.
set -euo pipefail
shopt -s nullglob

# phase NAME: announce a phase; the realiser prints one progress line for it.
phase() { echo "@@batu phase $*"; }

# unpackDeb DIR-WITH-A-DEB DEST: the file tree of the (only) .deb in a deb input.
unpackDeb() {
  local debs=("$1"/*.deb)
  [ "${#debs[@]}" -eq 1 ] || { echo "unpackDeb: expected one .deb in $1" >&2; return 1; }
  mkdir -p "$2" && dpkg-deb -x "${debs[0]}" "$2"
}
