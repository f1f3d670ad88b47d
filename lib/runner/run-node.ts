// One node for as long as its caller wants it: started (in a namespace of its own unless
// given one), its management tap given a host address, stopped when `signal` aborts. A node
// that ends on its own (a panic, a power-off from inside) is an error.
import type { NodeSpec, NodeSpecInput } from '../cmdline/index.ts';
import type { Store } from '../derivations/index.ts';
import type { ReadySummary } from './contract.ts';
import { hostAddressFor } from './host-address.ts';
import { Netns } from './netns.ts';
import { NodeError, UmlNode } from './node.ts';

export interface RunNodeOptions {
  /** An existing namespace to run in (default: a new one, removed after). */
  netns?: string;
  store?: Store;
  /** Stops the node (and removes the namespace made for it). */
  signal?: AbortSignal;
  /** Once the node is ready: its namespace, the host's address on its management link. */
  onReady?(info: { umid: string; netns: string; hostAddress?: string; ready: ReadySummary }): void;
}

export async function runNode(spec: NodeSpecInput, options: RunNodeOptions = {}): Promise<void> {
  const own = !options.netns;
  const ns = options.netns ? Netns.existing(options.netns) : await Netns.create('batu');
  const node = await UmlNode.start(spec, { netns: ns, ownsNetns: own, store: options.store }).catch(async (e) => {
    if (own) await ns.delete();
    throw e;
  });
  // Listening first: whoever reads the ready line may stop the node at once.
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await node.stop();
      if (own) await ns.delete();
    })());
  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  if (options.signal?.aborted) void stop();
  const hostAddress = await addressManagementTap(node.spec, ns);
  options.onReady?.({ umid: node.spec.umid, netns: ns.name, hostAddress, ready: node.ready });
  await node.exited;
  if (stopping) return stopping;
  if (own) await ns.delete();
  if (node.state === 'stopped') return; // batu stop, the documented way to end it
  // Nobody asked it to stop: a panic, or the guest powered itself off. Either is a failure.
  const panic = /Kernel panic - not syncing: (.*)/.exec(node.consoleText)?.[1];
  throw new NodeError(
    `node ${node.spec.umid} ${panic ? `panicked: ${panic}` : 'exited without being stopped'} (console log: ${node.consoleLog}):\n  ${node.tail(5).split('\n').join('\n  ')}`,
  );
}

/**
 * Give the management tap a host address in the service address's subnet, unless that
 * subnet is already served in the namespace (a bridge of the user's). Returns the address.
 */
async function addressManagementTap(spec: NodeSpec, ns: Netns): Promise<string | undefined> {
  const m = spec.management;
  const tap = m?.driver === 'tuntap' ? m.tap : m?.driver === 'vector' && m.transport === 'tap' ? m.ifname : undefined;
  if (!tap || !spec.serviceIp) return undefined;
  const served = [
    ...(await ns.exec('ip', ['-o', '-4', 'addr', 'show'])).stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g),
  ];
  const address = hostAddressFor(
    spec.serviceIp,
    served.map((m) => m[1]),
  );
  if (!address) return undefined;
  await ns.ip('addr', 'add', address, 'dev', tap);
  await ns.ip('link', 'set', tap, 'up');
  return address;
}
