#!/bin/bash
# Integration tests need root (namespaces, taps) and /dev/net/tun; without them, one line and skip.
set -euo pipefail
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
  echo "integration tests skipped: they need root and /dev/net/tun (CI has both)"
  exit 0
fi
exec node --import tsx --test --test-concurrency=1 test/integration/*.test.ts
