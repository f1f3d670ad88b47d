// Splitting a mesh over hosts: balanced node counts, few links between hosts (each is an
// L2TPv3/UDP tunnel, slower than a link inside a host). Like meshnet-lab's partitioner, parts
// grow along neighbours from far-apart seeds (by two rules; the better result is kept); then
// swaps across each border that cut fewer links are taken while any is left. Written here:
// no maintained JavaScript package does a balanced k-way graph partition (METIS has no kept
// binding), and this one is ~100 lines.
import { Topology, type Host, type TopologyInput } from './topology.ts';
import { TopologyError } from './errors.ts';

export interface Partition {
  /** Node names per part, in topology order. */
  parts: string[][];
  /** Links whose ends are in different parts. */
  cutLinks: number;
}

/** Neighbours by node index; a shared medium joins each of its nodes to every other. */
function neighboursOf(topology: Topology): number[][] {
  const index = new Map(topology.nodes.map((n, i) => [n.name, i]));
  const adjacent = topology.nodes.map(() => new Set<number>());
  for (const link of topology.links)
    for (const a of link.nodes) for (const b of link.nodes) if (a !== b) adjacent[index.get(a)!].add(index.get(b)!);
  return adjacent.map((s) => [...s].sort((a, b) => a - b));
}

/** Hops from `from` to every node (Infinity where unreachable). */
function distances(adjacent: number[][], from: number[]): number[] {
  const d = adjacent.map(() => Infinity);
  const queue = [...from];
  for (const f of from) d[f] = 0;
  for (let i = 0; i < queue.length; i++)
    for (const m of adjacent[queue[i]])
      if (d[m] === Infinity) {
        d[m] = d[queue[i]] + 1;
        queue.push(m);
      }
  return d;
}

export function cutLinkCount(topology: Topology, partOf: (name: string) => unknown): number {
  return topology.links.filter((l) => new Set(l.nodes.map(partOf)).size > 1).length;
}

/**
 * How a growing part picks its next bordering node (higher first, ties in topology order),
 * from its links into the part, its links to free nodes, its hops from the part's seed and n.
 */
type Rule = (inside: number, free: number, hops: number, n: number) => number;
const rules: Rule[] = [
  // the fewest new border links, then the nearest the seed: compact parts (grids)
  (inside, free, hops, n) => (inside - free) * n - hops,
  // the most links into the part (meshnet-lab's way): better on dense random meshes
  (inside) => inside,
];

/** Split a topology's nodes into `count` parts of sizes differing by at most one. */
export function partition(input: TopologyInput | Topology, count: number): Partition {
  const topology = Topology.parse(input);
  const n = topology.nodes.length;
  if (!Number.isInteger(count) || count < 1 || count > n)
    throw new TopologyError(`bad part count ${count}: expected 1 to ${n} (one node at least per part)`);
  const adjacent = neighboursOf(topology);
  const cut = (part: number[]) => cutLinkCount(topology, (name) => part[nodeIndex.get(name)!]);
  const nodeIndex = new Map(topology.nodes.map((node, i) => [node.name, i]));
  // Each rule, refined; the one that cuts fewer links wins (the first on a tie).
  const part = rules
    .map((rule) => refine(adjacent, grow(adjacent, count, rule)))
    .reduce((best, next) => (cut(next) < cut(best) ? next : best));
  const parts = Array.from({ length: count }, (_, p) =>
    topology.nodes.flatMap((node, i) => (part[i] === p ? [node.name] : [])),
  );
  return { parts, cutLinks: cut(part) };
}

/** Parts grown one after another, each from the free node farthest from everything placed. */
function grow(adjacent: number[][], count: number, rule: Rule): number[] {
  const n = adjacent.length;
  const part = new Array<number>(n).fill(-1);
  const size = (p: number) => Math.floor(n / count) + (p < n % count ? 1 : 0);
  for (let p = 0; p < count; p++) {
    // Seed: the free node farthest from everything placed (the first: farthest from node 1).
    const placed = part.flatMap((q, i) => (q >= 0 ? [i] : []));
    const d = distances(adjacent, placed.length ? placed : [0]);
    let seed = -1;
    for (let i = 0; i < n; i++) if (part[i] < 0 && (seed < 0 || d[i] > d[seed])) seed = i;
    part[seed] = p;
    const fromSeed = distances(adjacent, [seed]);
    for (let have = 1; have < size(p); have++) {
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i < n; i++) {
        if (part[i] >= 0) continue;
        const inside = adjacent[i].filter((m) => part[m] === p).length;
        if (!inside) continue;
        const free = adjacent[i].filter((m) => part[m] < 0).length;
        const score = rule(inside, free, fromSeed[i], n);
        if (score > bestScore) [best, bestScore] = [i, score];
      }
      if (best < 0) best = part.indexOf(-1); // nothing borders the part: start an island
      part[best] = p;
    }
  }
  return part;
}

/** Swap pairs of nodes across a border while a swap cuts fewer links (sizes stay). */
function refine(adjacent: number[][], part: number[]): number[] {
  const external = (i: number, p: number) => adjacent[i].filter((m) => part[m] === p).length;
  for (let improved = true; improved;) {
    improved = false;
    for (let u = 0; u < part.length; u++)
      for (let v = u + 1; v < part.length; v++) {
        const [pu, pv] = [part[u], part[v]];
        if (pu === pv) continue;
        const joined = adjacent[u].includes(v) ? 1 : 0;
        const gain = external(u, pv) - external(u, pu) + external(v, pu) - external(v, pv) - 2 * joined;
        if (gain > 0) {
          [part[u], part[v]] = [pv, pu];
          improved = true;
        }
      }
  }
  return part;
}

/** The topology with `hosts` and every node placed on one of them (part i on hosts[i]). */
export function placeOnHosts(input: TopologyInput, { parts }: Partition, hosts: Host[]): TopologyInput {
  if (hosts.length !== parts.length)
    throw new TopologyError(`${parts.length} parts need ${parts.length} hosts, not ${hosts.length}`);
  const hostOf = new Map(parts.flatMap((names, p) => names.map((name) => [name, hosts[p].name])));
  return { ...input, hosts, nodes: input.nodes.map((node) => ({ ...node, host: hostOf.get(node.name) })) };
}
