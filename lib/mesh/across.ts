// One status for a mesh spread over hosts: every partition serves its own (`GET /status` on
// its host's address and the topology's basePort); this asks them all and joins the answers.
import type { MeshStatus } from './status.ts';
import { converged, type NodeView } from './observe.ts';
import { resolveHost } from './hosts.ts';
import { Topology, type TopologyInput } from './topology.ts';
import { TopologyError } from './errors.ts';

export interface HostStatus {
  name: string;
  address: string;
  /** Why it gave no status: not reachable, not running, or an error of its own. */
  error?: string;
}

export interface AcrossStatus {
  /** Every running node has a route to every other running node, on whichever host. */
  converged: boolean;
  views: NodeView[];
  /** Nodes not running: those their partition reports, and every node of a host that did not answer. */
  down: string[];
  hosts: HostStatus[];
}

export async function statusAcross(input: TopologyInput, { timeoutMs = 60_000 } = {}): Promise<AcrossStatus> {
  const topology = Topology.parse(input);
  if (!topology.hosts) throw new TopologyError('this topology has no hosts: batu mesh status reads a mesh on one host');
  const answers = await Promise.all(
    topology.hosts.map(async (host): Promise<[HostStatus, MeshStatus | undefined]> => {
      try {
        const url = `http://${await resolveHost(host.address)}:${topology.basePort}/status`;
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) throw new Error(`${response.status} ${(await response.text()).trim()}`);
        const status = (await response.json()) as MeshStatus;
        if (status.partition !== host.name) throw new Error(`it runs partition ${status.partition ?? '(none)'}`);
        return [host, status];
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        return [{ ...host, error: cause ?? (error as Error).message }, undefined];
      }
    }),
  );
  const views = answers.flatMap(([, s]) => s?.views ?? []);
  const down = topology.nodes.filter((n) => !views.some((v) => v.name === n.name)).map((n) => n.name);
  return { converged: converged(views), views, down, hosts: answers.map(([h]) => h) };
}
