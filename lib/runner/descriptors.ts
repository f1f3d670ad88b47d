// What a node's interfaces need from the host: taps to create, and descriptors handed to
// UML (taps opened by the tapfd helper, socketpair ends fetched by fdwire) before it starts.
import { interfacesOf, type Interface, type NodeSpec } from '../cmdline/index.ts';
import { openStore } from '../derivations/index.ts';
import { helperBinary } from './helpers.ts';
import type { StartOptions } from './node.ts';

/** Host devices a spec's interfaces use: taps to create (tuntap, vector tap/hybrid). */
export function hostTaps(spec: NodeSpec): { name: string; mtu?: number }[] {
  return interfacesOf(spec).flatMap((i) => {
    if (!i) return [];
    if (i.driver === 'tuntap') return [{ name: i.tap }];
    if (i.transport === 'tap' || i.transport === 'hybrid') return [{ name: i.ifname, mtu: i.mtu }];
    return [];
  });
}

/** The spec's interfaces on inherited descriptors (vector transport=fd). */
export const fdInterfaces = (spec: NodeSpec) =>
  interfacesOf(spec).filter(
    (i): i is Extract<Interface, { transport: 'fd' }> => i?.driver === 'vector' && i.transport === 'fd',
  );

/**
 * The helpers that open a node's descriptors before UML starts (taps by tapfd, socketpair
 * links by fdwire; each execs the next), and the descriptor for its batctl console: one
 * above every descriptor the links use.
 */
export async function descriptors(
  spec: NodeSpec,
  options: StartOptions,
): Promise<{ openers: string[]; consoleFd?: number }> {
  const taps = Object.entries(options.tapFds ?? {});
  const wires = Object.entries(options.wire?.fds ?? {});
  // A tap for an offload interface is opened with virtio-net headers (tapfd's ",vnet").
  const vnet = new Set(
    fdInterfaces(spec)
      .filter((i) => i.offload)
      .map((i) => String(i.fd)),
  );
  const openers = [
    ...(taps.length
      ? [
          await helperBinary('tapfd', openStore(options.store)),
          ...taps.map(([fd, tap]) => `${fd}=${tap}${vnet.has(fd) ? ',vnet' : ''}`),
          '--',
        ]
      : []),
    ...(wires.length
      ? [
          await helperBinary('fdwire', openStore(options.store)),
          'exec',
          options.wire!.server,
          ...wires.map(([fd, [pair, end]]) => `${fd}=${pair}:${end}`),
          '--',
        ]
      : []),
  ];
  const used = [2, ...fdInterfaces(spec).map((i) => i.fd), ...[...taps, ...wires].map(([fd]) => Number(fd))];
  return { openers, consoleFd: spec.batctlConsole ? Math.max(...used) + 1 : undefined };
}
