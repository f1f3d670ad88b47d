#!/bin/bash
# Installs what batu needs on Debian 12 (as root): the host toolchain its recipes hash,
# the host-side mesh tools, and the node modules. Quick when all is there already.
# Arguments name extra packages a command needs beyond these (npm run fuzz: clang).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential musl-tools flex bison bc rsync cpio xz-utils dpkg-dev   # recipes' toolchain
  iproute2 iputils-ping util-linux uml-utilities bubblewrap               # taps, netns, ping, setpriv, flock, mconsole, the builders' sandbox
  batctl alfred socat diod iperf3 graphviz                                # host-side clients
  user-mode-linux kmod                                                    # a stock batman-adv peer: Debian's UML, its modules, modprobe
  zstd nginx curl                                                         # binary caches: archives, the test server; downloads of pinned URLs
  fastd wireguard-tools kea-dhcp4-server radvd nftables                  # a gateway: tunnels (and keys), DHCP, RAs, NAT
  udhcpc                                                                  #   and the laptops' DHCP client (busybox)
  tshark gdb                                                              # mesh capture (dumpcap, tshark), mesh debug
  chromium                                                                # the browser mesh web's test drives (headless, playwright-core)
  skopeo docker-registry podman runc catatonit                           # the container image: read, push (to a test registry), run a part
                                                                          #   (runc: crun refuses hybrid cgroups; catatonit: podman's pause image)
  "$@"
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "batu setup: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  echo "batu setup: installing ${missing[*]}" >&2
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "batu setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
