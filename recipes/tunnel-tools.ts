// ip, bridge and wg for the guest: a node that ends WireGuard + VXLAN tunnels itself (a
// gateway's, a router's) makes and feeds them with the usual tools, through its batctl
// service. Debian's binary packages with their library closure, like tc (recipes/tc.ts).
import { defineRecipe, lazy, recipeMain } from '../lib/derivations/index.ts';
import { debBinaries } from './userland/binaries.ts';
import { pins, upstream } from './pins.ts';
import { IPROUTE2_CLOSURE } from './tc.ts';

export const tunnelTools = lazy(() =>
  debBinaries({
    name: 'tunnel-tools',
    version: `${upstream(pins.deb('iproute2').version)}+wg${upstream(pins.deb('wireguard-tools').version)}`,
    packages: ['wireguard-tools', ...IPROUTE2_CLOSURE],
    files: ['bin/ip', 'sbin/bridge', 'usr/bin/wg'],
  }),
);

export const recipe = defineRecipe({
  name: 'tunnel-tools',
  description: "ip, bridge (iproute2) and wg (wireguard-tools) for the guest's own tunnels (Debian's)",
  make: tunnelTools,
});

await recipeMain(import.meta, recipe);
