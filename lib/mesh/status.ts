// What a mesh's (or a partition's) running nodes know, and how that reads as text.
import type { AcrossStatus } from './across.ts';
import { withDeadline } from '../deadline.ts';
import type { Mesh } from './mesh.ts';
import { converged, formatTable, observeNode, runningNames, type NodeView } from './observe.ts';

export interface MeshStatus {
  name: string;
  /** The host whose part this is, in a partitioned mesh. */
  partition?: string;
  /** Every running node has a route to every other running node (of this part). */
  converged: boolean;
  views: NodeView[];
  /** Nodes (of this part) not running, or not answering. */
  down: string[];
  /** Of those, the ones batu started that did not answer, and why (one died outside batu). */
  unanswered?: { name: string; error: string }[];
}

/** How long a status waits for one node: a node killed outside batu never answers. */
export const nodeAnswerMs = 10_000;

export async function meshStatus(name: string, mesh: Mesh): Promise<MeshStatus> {
  const running = runningNames(mesh);
  const answers = await Promise.allSettled(
    running.map((n) => withDeadline(observeNode(mesh, n), nodeAnswerMs, `no answer in ${nodeAnswerMs / 1000} s`)),
  );
  const views = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  const unanswered = answers.flatMap((a, i) =>
    a.status === 'rejected' ? [{ name: running[i], error: firstLine(a.reason) }] : [],
  );
  const down = [...mesh.localNodes.filter((n) => !mesh.nodes.has(n)), ...unanswered.map((u) => u.name)];
  return {
    name,
    ...(mesh.partition ? { partition: mesh.partition } : {}),
    converged: converged(views),
    views,
    down,
    ...(unanswered.length ? { unanswered } : {}),
  };
}

const firstLine = (e: unknown) =>
  String((e as Error)?.message ?? e)
    .split('\n')[0]
    .slice(0, 200);

/** A status as text: the table, what `notes` add, the nodes not running, and whether it converged. */
function describe(status: MeshStatus | AcrossStatus, notes: string[] = []): string {
  return [
    formatTable(status.views),
    ...notes,
    ...(status.down.length ? [`not running: ${status.down.join(', ')}`] : []),
    ...('unanswered' in status && status.unanswered ? status.unanswered.map((u) => `  ${u.name}: ${u.error}`) : []),
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
