#!/bin/bash
# Integration tests need root (namespaces, taps) and /dev/net/tun; without them, one line and skip.
set -euo pipefail
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
  echo "integration tests skipped: they need root and /dev/net/tun (CI has both)"
  exit 0
fi
cd "$(dirname "$0")/.."

# The long suite (`npm run test:long`: test/long, builds the default suite has no time for): the
# same checks, its files in order, no prebuild.
if [ "${1:-}" = long ]; then
  exec node --import tsx --test --test-concurrency=1 test/long/*.test.ts
fi

# The files whose tests build a kernel besides the default run last; meanwhile
# test/fixtures/prebuild.ts builds those kernels on the CPU the early tests leave idle. From an
# empty store that saves the suite most of ~30 minutes of waiting for builds one after another.
late=" compat14 guest jumbo offload upstream "
early_files=() late_files=()
for file in test/integration/*.test.ts; do
  if [[ "$late" == *" $(basename "$file" .test.ts) "* ]]; then late_files+=("$file"); else early_files+=("$file"); fi
done

# Idle priority takes a cpu cgroup marked idle: every build runs in a session of its own
# (bwrap --new-session), hence in an autogroup of its own, which gets an equal share of the
# CPU whatever nice or SCHED_IDLE its processes have. Without such a cgroup: no prebuild.
idle_cgroup() {
  local root dir
  for root in /sys/fs/cgroup/cpu /sys/fs/cgroup; do
    dir="$root/batu-prebuild-$$"
    mkdir "$dir" 2> /dev/null || continue
    if [ -f "$dir/cpu.idle" ] && echo 1 > "$dir/cpu.idle" 2> /dev/null; then
      echo "$dir"
      return
    fi
    rmdir "$dir"
  done
}
cgroup=$(idle_cgroup || true)
log=$(mktemp -t batu-prebuild.XXXXXX)
if [ -n "$cgroup" ]; then
  # shellcheck disable=SC2016 # $$ and $1 are the child shell's
  bash -c 'echo $$ > "$1/cgroup.procs" && exec node --import tsx test/fixtures/prebuild.ts' _ "$cgroup" > "$log" 2>&1 &
else
  echo "prebuild: no cpu cgroup to run it idle in; the late tests build their kernels themselves" > "$log"
fi
stop_prebuild() {
  [ -n "$cgroup" ] || return 0
  for signal in TERM KILL; do
    xargs -r kill "-$signal" < "$cgroup/cgroup.procs" 2> /dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      [ -n "$(cat "$cgroup/cgroup.procs")" ] || break 2
      sleep 0.2
    done
  done
  rmdir "$cgroup" 2> /dev/null || true
}
trap 'stop_prebuild; rm -f "$log"' EXIT
trap 'exit 143' INT TERM

run() { node --import tsx --test --test-concurrency=1 "$@"; }
status=0
run "${early_files[@]}" || status=$?
run "${late_files[@]}" || status=$?
cat "$log"
exit "$status"
