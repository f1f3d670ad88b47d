// A mesh as data: nodes, and links between them (each a host bridge with one tap of
// each end). The zod schema is the single source of truth; generators build common shapes.
import { z } from 'zod';

const NodeName = z.string().regex(/^[a-z][a-z0-9]{0,5}$/, 'expected a short node name (1-6 lowercase letters/digits)');

export const Topology = z.strictObject({
  nodes: z.array(z.strictObject({
    name: NodeName,
    gateway: z.enum(['off', 'client', 'server']).default('off'),
    alfred: z.enum(['off', 'slave', 'master']).default('slave'),
  })).min(1).max(200),
  links: z.array(z.tuple([NodeName, NodeName])).default([]),
  /** OGM interval in ms (batman-adv's default is 1000). */
  origInterval: z.number().int().min(50).max(60_000).default(1000),
  routingAlgo: z.enum(['BATMAN_IV', 'BATMAN_V']).default('BATMAN_IV'),
  /** Hard interfaces: the vector driver on a tap (default) or the legacy tuntap driver (as the original). */
  linkDriver: z.enum(['vector', 'tuntap']).default('vector'),
  /** MTU of the hard interfaces: 1560 lets bat0 keep 1500 without fragmenting (tuntap caps at 1500). */
  linkMtu: z.number().int().min(576).max(65534).optional(),
  /** Bridge loop avoidance drops the mesh's broadcasts for its first ~30 s; off by default here. */
  bridgeLoopAvoidance: z.boolean().default(false),
}).superRefine((t, ctx) => {
  const names = new Set<string>();
  t.nodes.forEach((n, i) => {
    if (names.has(n.name)) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'name'], message: `node name ${n.name} is used twice` });
    names.add(n.name);
  });
  const seen = new Set<string>();
  t.links.forEach(([a, b], i) => {
    for (const end of [a, b]) if (!names.has(end)) ctx.addIssue({ code: 'custom', path: ['links', i], message: `link ${a}-${b}: there is no node ${end}` });
    if (a === b) ctx.addIssue({ code: 'custom', path: ['links', i], message: `link ${a}-${b} connects a node to itself` });
    const key = [a, b].sort().join('-');
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['links', i], message: `link ${a}-${b} is given twice` });
    seen.add(key);
  });
});
export type Topology = z.infer<typeof Topology>;
export type TopologyInput = z.input<typeof Topology>;

const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);

/** n1 - n2 - … - nN */
export function line(n: number): TopologyInput {
  const ns = names(n);
  return { nodes: ns.map((name) => ({ name })), links: ns.slice(1).map((b, i) => [ns[i], b] as [string, string]) };
}

/** A line closed into a ring. */
export function ring(n: number): TopologyInput {
  const t = line(n);
  return { ...t, links: [...t.links!, [`n${n}`, 'n1']] };
}

/** rows × cols, each node linked to its right and lower neighbour. */
export function grid(rows: number, cols: number): TopologyInput {
  const name = (r: number, c: number) => `n${r * cols + c + 1}`;
  const links: [string, string][] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    if (c + 1 < cols) links.push([name(r, c), name(r, c + 1)]);
    if (r + 1 < rows) links.push([name(r, c), name(r + 1, c)]);
  }
  return { nodes: names(rows * cols).map((n) => ({ name: n })), links };
}
