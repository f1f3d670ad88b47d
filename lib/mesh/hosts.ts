// The hosts of a partitioned topology: which one this process runs, and their addresses.
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Reporter } from '../derivations/index.ts';
import { MeshError } from './errors.ts';
import type { Host, Topology } from './topology.ts';

/**
 * A host's address as an IPv4 address: itself, or its DNS name resolved (a pod's stable name,
 * which exists only once the pod does: tried again every second for up to `waitMs`).
 */
export async function resolveHost(
  address: string,
  { waitMs = 0, report }: { waitMs?: number; report?: Reporter } = {},
) {
  if (isIPv4(address)) return address;
  for (let attempt = 0, end = Date.now() + waitMs; ; attempt++, await sleep(1000)) {
    try {
      return (await lookup(address, { family: 4 })).address;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      if (Date.now() >= end) throw new MeshError(`cannot resolve host address ${address}: ${code}`);
      if (attempt % 15 === 0) report?.(`waiting for host ${address} to resolve (${code})`);
    }
  }
}

/** A partition's host in a topology, or an error naming the partition and the hosts there are. */
export function partitionHost(topology: Topology, partition: string): Host {
  const { hosts } = topology;
  if (!hosts)
    throw new MeshError(
      `partition ${JSON.stringify(partition)}: the topology has no hosts (batu mesh partition places its nodes)`,
    );
  const host = hosts.find((h) => h.name === partition);
  if (!host)
    throw new MeshError(
      `partition ${JSON.stringify(partition)}: the topology's hosts are ${hosts.map((h) => h.name).join(', ')}`,
    );
  return host;
}

/** A partition's hosts resolved to IPv4 (checked before anything starts). */
export async function partitionAddresses(
  topology: Topology,
  { partition, backend, report }: { partition?: string; backend?: string; report?: Reporter },
): Promise<Map<string, string>> {
  if (!partition) return new Map();
  partitionHost(topology, partition); // throws unless the topology has hosts, this one among them
  if ((backend ?? 'bridge') !== 'socketpair')
    throw new MeshError(
      `partition ${partition}: a partition runs on the socketpair backend (links to other hosts are UDP)`,
    );
  const resolve = (address: string) => resolveHost(address, { waitMs: 300_000, report });
  return new Map(await Promise.all(topology.hosts!.map(async (h) => [h.name, await resolve(h.address)] as const)));
}
