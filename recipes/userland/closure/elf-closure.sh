#!/bin/bash
# elf-closure.sh SYSROOT DEST FILE…: copy each FILE (a path inside SYSROOT, the unpacked
# Debian packages) to the same path in DEST, with every shared library it needs,
# transitively (DT_NEEDED, found with readelf), and its dynamic loader. Fails naming
# any library that none of the packages ship.
set -euo pipefail
sysroot=$1 dest=$2; shift 2
libdirs=(lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib usr/lib)

# Follow symlinks inside the sysroot (Debian's are often absolute).
resolve() {
  local p=$1 t
  while [ -L "$sysroot/$p" ]; do
    t=$(readlink "$sysroot/$p")
    if [[ $t == /* ]]; then p=${t#/}; else p=$(dirname "$p")/$t; fi
  done
  [ -e "$sysroot/$p" ] && echo "$p"
}

find_lib() {
  local d
  for d in "${libdirs[@]}"; do [ -e "$sysroot/$d/$1" ] && { echo "$d/$1"; return; }; done
  return 1
}

declare -A seen
queue=("$@")
while [ "${#queue[@]}" -gt 0 ]; do
  f=${queue[0]}; queue=("${queue[@]:1}")
  [ -n "${seen[$f]:-}" ] && continue
  seen[$f]=1
  real=$(resolve "$f") || { echo "elf-closure: $f is not in the packages" >&2; exit 1; }
  install -D -m "$( [ -x "$sysroot/$real" ] && echo 755 || echo 644)" "$sysroot/$real" "$dest/$f"
  interp=$(readelf -l "$sysroot/$real" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
  [ -z "$interp" ] || queue+=("${interp#/}")
  for lib in $(readelf -d "$sysroot/$real" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]$/\1/p'); do
    path=$(find_lib "$lib") || { echo "elf-closure: $f needs $lib, which none of the packages ship" >&2; exit 1; }
    queue+=("$path")
  done
done
echo "elf-closure: ${#seen[@]} files"
