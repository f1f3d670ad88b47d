// What a mesh's (or a partition's) running nodes know, and how that reads as text.
import type { AcrossStatus } from './across.ts';
import type { Mesh } from './mesh.ts';
import { converged, formatTable, observe, type NodeView } from './observe.ts';

export interface MeshStatus {
  name: string;
  /** The host whose part this is, in a partitioned mesh. */
  partition?: string;
  /** Every running node has a route to every other running node (of this part). */
  converged: boolean;
  views: NodeView[];
  /** Nodes (of this part) not running. */
  down: string[];
}

export async function meshStatus(name: string, mesh: Mesh): Promise<MeshStatus> {
  const views = await observe(mesh);
  const down = mesh.localNodes.filter((n) => !mesh.nodes.has(n));
  return { name, ...(mesh.partition ? { partition: mesh.partition } : {}), converged: converged(views), views, down };
}

/** A status as text: the table, what `notes` add, the nodes not running, and whether it converged. */
function describe(status: MeshStatus | AcrossStatus, notes: string[] = []): string {
  return [
    formatTable(status.views),
    ...notes,
    ...(status.down.length ? [`not running: ${status.down.join(', ')}`] : []),
    status.converged
      ? `every node has a route to every other (${status.views.length} running)`
      : 'not converged: some nodes have no route to some others yet',
  ].join('\n');
}

export const describeStatus = (status: MeshStatus) =>
  describe(
    status,
    status.partition ? [`partition ${status.partition}: this host's nodes only (mesh status --across: all)`] : [],
  );

export const describeAcross = (status: AcrossStatus) =>
  describe(
    status,
    status.hosts.map((h) => `host ${h.name} (${h.address}): ${h.error ? `no status: ${h.error}` : 'answered'}`),
  );
