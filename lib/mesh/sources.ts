// Where a topology comes from on the command line: a generator spec like mininet's
// `--topo` (line,5 ring,N grid,WxH torus,WxH random,N,SEED), a batu topology JSON file, or a
// meshnet-lab JSON file ({"links":[{"source","target",…}], "nodes":[{"id"}]}; also a
// meshviewer.json dump, as meshnet-lab's Freifunk data are, its nodes' locations kept), whose
// published data sets load as they are.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { NodeName, grid, line, randomGeometric, ring, torus, type TopologyInput } from './topology.ts';
import { formatIssues } from '../issues.ts';
import { TopologyError } from './errors.ts';

export interface LoadedTopology {
  topology: TopologyInput;
  /** A source's own node ids → batu node names, where they differ (meshnet-lab's 0, 1, …). */
  aliases: Record<string, string>;
  /** What loading noticed and dropped (duplicate links, self links). */
  notes: string[];
}

interface Generator {
  args: string;
  /** How many numbers the spec may give. */
  counts: number[];
  /** How many nodes it makes (checked before anything is generated). */
  size(n: number[]): number;
  make(n: number[]): TopologyInput;
}
const generators: Record<string, Generator> = {
  line: { args: 'N', counts: [1], size: ([n]) => n, make: ([n]) => line(n) },
  ring: { args: 'N', counts: [1], size: ([n]) => n, make: ([n]) => ring(n) },
  grid: { args: 'WxH', counts: [2], size: ([w, h]) => w * h, make: ([w, h]) => grid(h, w) },
  torus: { args: 'WxH', counts: [2], size: ([w, h]) => w * h, make: ([w, h]) => torus(h, w) },
  random: {
    args: 'N[,SEED]',
    counts: [1, 2],
    size: ([n]) => n,
    make: ([n, seed]) => randomGeometric(n, { seed: seed ?? 1 }),
  },
};
export const topoUsage = Object.entries(generators)
  .map(([k, g]) => `${k},${g.args}`)
  .join(' | ');

/** `line,5` → a topology; a bad spec gets one line naming it and the forms known. */
export function generateTopology(spec: string): LoadedTopology {
  const [kind, ...rest] = spec.split(',');
  const generator = Object.hasOwn(generators, kind) ? generators[kind] : undefined;
  const numbers = rest.join(',').split(/[,x]/).filter(Boolean).map(Number);
  if (!generator?.counts.includes(numbers.length) || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new TopologyError(`bad topology ${JSON.stringify(spec)}: expected ${topoUsage}`);
  }
  const nodes = generator.size(numbers);
  if (nodes > 1000) throw new TopologyError(`bad topology ${JSON.stringify(spec)}: ${nodes} nodes, at most 1000`);
  try {
    return { topology: generator.make(numbers), aliases: {}, notes: [] };
  } catch (error) {
    throw new TopologyError(`bad topology ${JSON.stringify(spec)}: ${(error as Error).message}`);
  }
}

// meshnet-lab's ids are short (up to 6 characters in its generators); 64 leaves room and bounds what an error echoes.
const Id = z.union([z.string().min(1).max(64), z.number().int().nonnegative()]).transform(String);
/** meshnet-lab's format: other fields are ignored, as meshnet-lab ignores them. */
const Coordinate = z.number().finite();
/** A node: meshnet-lab's id, or a meshviewer.json dump's node_id (meshnet-lab's Freifunk data), and where it is. */
const LabNode = z
  .object({
    id: Id.optional(),
    node_id: Id.optional(),
    x: Coordinate.optional(),
    y: Coordinate.optional(),
    location: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).optional(),
  })
  .refine((n) => n.id !== undefined || n.node_id !== undefined, 'a node needs an id (or a node_id)')
  .transform((n) => ({
    id: (n.id ?? n.node_id)!,
    ...(n.x !== undefined && n.y !== undefined ? { x: n.x, y: n.y } : {}),
    ...(n.location ? { lat: n.location.latitude, lon: n.location.longitude } : {}),
  }));
const MeshnetLab = z.object({
  nodes: z.array(LabNode).optional(),
  links: z.array(z.object({ source: Id, target: Id })),
});

const isMeshnetLab = (data: unknown) =>
  Array.isArray((data as { links?: unknown })?.links) &&
  (data as { links: unknown[] }).links.some((l) => typeof l === 'object' && l !== null && 'source' in l);

/** A topology file: batu's own JSON (the Topology schema) or meshnet-lab's. */
export async function loadTopology(file: string): Promise<LoadedTopology> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new TopologyError(`cannot read topology ${file}: ${(error as Error).message}`);
  }
  if (isMeshnetLab(data)) return fromMeshnetLab(data, file);
  if (!isBatu(data)) {
    throw new TopologyError(
      `unknown topology format in ${file}: expected batu's {"nodes":[{"name":…}],"links":[["a","b"],…]} or meshnet-lab's {"links":[{"source":…,"target":…}]}`,
    );
  }
  return { topology: data as TopologyInput, aliases: {}, notes: [] };
}

const isBatu = (data: unknown) =>
  Array.isArray((data as { nodes?: unknown })?.nodes) &&
  (data as { nodes: unknown[] }).nodes.every((n) => typeof n === 'object' && n !== null && 'name' in n);

/**
 * meshnet-lab names nodes freely (numbers, up to 6 characters); batu's names are short
 * lowercase words. Ids that are valid names stay; otherwise every node becomes n1…nN in
 * order of appearance and its id an alias, so `cut 0 1` still works.
 */
export function fromMeshnetLab(data: unknown, what = 'meshnet-lab topology'): LoadedTopology {
  const parsed = MeshnetLab.safeParse(data);
  if (!parsed.success) {
    throw new TopologyError(
      `bad meshnet-lab topology ${what}: ${formatIssues(parsed.error, { top: '', first: true })}`,
    );
  }
  const ids: string[] = [];
  const seen = new Set<string>();
  const add = (id: string) => {
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  };
  for (const n of parsed.data.nodes ?? []) {
    if (seen.has(n.id))
      throw new TopologyError(
        `bad meshnet-lab topology ${what}: node id ${JSON.stringify(n.id)} appears twice in nodes`,
      );
    add(n.id);
  }
  for (const l of parsed.data.links) {
    add(l.source);
    add(l.target);
  }
  const keep = ids.every((id) => NodeName.safeParse(id).success);
  const nameOf = new Map(ids.map((id, i) => [id, keep ? id : `n${i + 1}`]));
  const notes: string[] = [];
  const links: [string, string][] = [];
  const linked = new Set<string>();
  let selfLinks = 0;
  let duplicates = 0;
  for (const { source, target } of parsed.data.links) {
    const [a, b] = [nameOf.get(source)!, nameOf.get(target)!];
    const key = [a, b].sort().join(' ');
    if (a === b) selfLinks++;
    else if (linked.has(key)) duplicates++;
    else {
      linked.add(key);
      links.push([a, b]);
    }
  }
  if (duplicates) notes.push(`${duplicates} duplicate links (the same two nodes) taken once`);
  if (selfLinks) notes.push(`${selfLinks} links from a node to itself dropped`);
  const aliases = keep ? {} : Object.fromEntries(ids.map((id) => [id, nameOf.get(id)!]));
  if (!keep)
    notes.push(
      `node ids ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''} are nodes ${ids
        .slice(0, 3)
        .map((id) => nameOf.get(id))
        .join(', ')}${ids.length > 3 ? ', …' : ''} (either name works)`,
    );
  // Positions stay (x/y, or a meshviewer dump's location): mesh web draws them, exports carry them.
  const placed = new Map((parsed.data.nodes ?? []).map(({ id, ...where }) => [id, where]));
  const nodes = ids.map((id) => ({ name: nameOf.get(id)!, ...placed.get(id) }));
  return { topology: { nodes, links }, aliases, notes };
}
