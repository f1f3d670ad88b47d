#!/bin/bash
# npm run fuzz [-- RUNS [SECONDS]]: libFuzzer (ASan + UBSan, leaks checked) over the parsers
# that take outside input: the init's kernel command line, the batctl service's requests
# (TCP) and u9fs's 9P messages (TCP). Each runs RUNS inputs (1000000) or SECONDS (600),
# whichever ends first, from a seed corpus of valid messages (scripts/fuzz-seeds.ts). u9fs
# acts on files, so its target runs in bwrap as nobody, everything read-only but /tmp/export.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/setup.sh" clang libclang-rt-14-dev bubblewrap   # libFuzzer's runtime is only a Recommends of clang
runs=${1:-1000000}
seconds=${2:-600}
dir=$(mktemp -d /var/tmp/batu-fuzz-XXXXXX)
[ -n "${BATU_FUZZ_KEEP:-}" ] && echo "fuzz: working in $dir"
[ -n "${BATU_FUZZ_KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT
guest="$here/../guest"
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
clang "${flags[@]}" -o "$dir/cmdline" "$guest/init/host/fuzz_cmdline.c" "$guest/init/cmdline.c"
clang "${flags[@]}" -o "$dir/batctl" "$guest/init/host/fuzz_batctl_service.c"
clang "${flags[@]}" -o "$dir/9p" "$guest/u9fs/host/fuzz_9p.c"
npx tsx "$here/fuzz-seeds.ts" "$dir/seeds"
mkdir -p "$dir/export"

status=0
run() { # NAME [sandbox prefix…]: one target; prints its last lines, fails on a crash, leak or timeout
  local name=$1
  shift
  local log="$dir/$name.log" started=$SECONDS
  if ! "$@" "$dir/$name" -runs="$runs" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$dir/$name-" -print_final_stats=1 "$dir/seeds/$name" < /dev/null > "$log" 2>&1; then
    status=1
    grep -E '^(==|SUMMARY)|ERROR|Test unit written|bwrap' "$log" | head -20 || true
    for crash in "$dir/$name"-*; do [ -e "$crash" ] && cp "$crash" "$here/../" && echo "kept $(basename "$crash") in the checkout"; done
  fi
  local inputs
  inputs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  echo "fuzz $name: $inputs inputs in $((SECONDS - started)) s, $(grep -cE '^==[0-9]+==ERROR' "$log" || true) errors, peak $(grep -oE '^stat::peak_rss_mb: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?') MB"
}
run cmdline
run batctl
chmod 777 "$dir" "$dir/export" "$dir/seeds/9p" "$dir/seeds"
run 9p bwrap --unshare-all --uid 65534 --gid 65534 --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp \
  --bind "$dir/export" /tmp/export --bind "$dir" "$dir" --die-with-parent --
exit $status
