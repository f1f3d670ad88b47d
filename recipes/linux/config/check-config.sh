#!/bin/bash
# check-config.sh CONFIG FRAGMENT...: olddefconfig may silently drop what a fragment
# asks for (a missing dependency); fail naming every option that did not end up as asked.
set -euo pipefail
config=$1; shift
wrong=()
for fragment in "$@"; do
  while read -r line; do
    if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.+)$ ]]; then
      grep -qx "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}" "$config" || wrong+=("${BASH_REMATCH[1]} (wanted ${BASH_REMATCH[2]}, got $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$config" || echo 'absent'))")
    elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
      ! grep -qE "^${BASH_REMATCH[1]}=[ym]" "$config" || wrong+=("${BASH_REMATCH[1]} (wanted off, got on)")
    fi
  done < "$fragment"
done
if [ "${#wrong[@]}" -gt 0 ]; then
  echo "not all options you asked for ended up set:" >&2
  printf '  %s\n' "${wrong[@]}" >&2
  exit 1
fi
echo "config: every requested option is set as asked"
