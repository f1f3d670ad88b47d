#!/bin/bash
# npm run fuzz [-- RUNS]: libFuzzer over the init's command-line parser (ASan + UBSan).
set -euo pipefail
bash "$(dirname "$0")/setup.sh" clang libclang-rt-14-dev   # libFuzzer's runtime is only a Recommends of clang
runs=${1:-1000000}
dir=$(mktemp -d /tmp/batu-fuzz-XXXXXX)
trap 'rm -rf "$dir"' EXIT
src="$(cd "$(dirname "$0")/../guest/init" && pwd)"
clang -g -O1 -fsanitize=fuzzer,address,undefined -o "$dir/fuzz" "$src/host/fuzz_cmdline.c" "$src/cmdline.c"
mkdir "$dir/corpus"
echo 'eth0=tuntap,m eth1=tuntap,b,ca:fe:00:00:00:01 vec2:transport=tap,ifname=h mtu_eth2=1408 bat0_hwaddr=ca:fe:00:00:00:02 service_ip=10.0.0.2/24 run_alfred=master run_u9fs run_batctl_wrapper routing_algo=BATMAN_V /sys/class/net/bat0/mesh/gw_mode=server "/a/b=c d"' > "$dir/corpus/seed"
"$dir/fuzz" -runs="$runs" -max_len=2048 "$dir/corpus" 2>&1 | grep -E '^(Done|==|SUMMARY)|ERROR' || true
