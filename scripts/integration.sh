#!/bin/bash
# Integration tests need root (namespaces, taps) and /dev/net/tun; without them, one line and skip.
set -euo pipefail
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
  echo "integration tests skipped: they need root and /dev/net/tun (CI has both)"
  exit 0
fi
cd "$(dirname "$0")/.."

# The files whose tests build a kernel besides the default run last; meanwhile
# test/fixtures/prebuild.ts builds those kernels under SCHED_IDLE, on the CPU the early tests
# leave idle. From an empty store that saves the suite ~24 minutes of waiting for builds.
late=" compat14 guest jumbo kernel mesh offload "
early_files=() late_files=()
for file in test/integration/*.test.ts; do
  if [[ "$late" == *" $(basename "$file" .test.ts) "* ]]; then late_files+=("$file"); else early_files+=("$file"); fi
done

log=$(mktemp -t batu-prebuild.XXXXXX)
setsid chrt --idle 0 node --import tsx test/fixtures/prebuild.ts > "$log" 2>&1 &
prebuild=$!
stop_prebuild() { kill -- "-$prebuild" 2> /dev/null || true; }
trap 'stop_prebuild; rm -f "$log"' EXIT
trap 'exit 143' INT TERM

run() { node --import tsx --test --test-concurrency=1 "$@"; }
status=0
run "${early_files[@]}" || status=$?
run "${late_files[@]}" || status=$?
cat "$log"
exit "$status"
