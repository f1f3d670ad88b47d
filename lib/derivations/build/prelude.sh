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

# applyPatches DIR: every DIR/*.patch, in order, with patch -p1 (one phase line each).
applyPatches() {
  local p
  for p in "$1"/*.patch; do phase "patch $(basename "$p")"; patch -p1 < "$p"; done
}

# unpackSource SRC DEST: a tree input copied, or its only tarball unpacked, writable at DEST.
unpackSource() {
  local tarballs=("$1"/*.tar* "$1"/*.tgz)
  if [ "${#tarballs[@]}" -eq 1 ]; then
    mkdir -p "$2" && tar -xf "${tarballs[0]}" -C "$2" --strip-components=1
  else
    cp -r "$1" "$2"
  fi
  chmod -R u+w "$2"
}

# kernelSourceTar DEB-INPUT: the linux-source-*.tar.xz inside a linux-source .deb, on stdout.
kernelSourceTar() {
  dpkg-deb --fsys-tarfile "$1"/*.deb | tar -xO --wildcards './usr/src/linux-source-*.tar.xz'
}

# kbuildReproducible DIR=NAME…: Kbuild without dates, users, hosts or build paths in what it
# makes; each DIR is recorded as NAME (the kernel, and every out-of-tree module, alike).
kbuildReproducible() {
  export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:01 UTC 1970' KBUILD_BUILD_USER=batu \
    KBUILD_BUILD_HOST=batu KBUILD_BUILD_VERSION=1
  local map maps=""
  for map in "$@"; do maps+=" -ffile-prefix-map=$map"; done
  export KCFLAGS="${KCFLAGS:-}$maps" KAFLAGS="${KAFLAGS:-}$maps"
}
