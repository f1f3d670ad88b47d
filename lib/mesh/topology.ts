// A mesh as data: nodes, and links between them with their properties (loss, delay,
// jitter, rate). A link joins two nodes, or several (a shared medium, like one radio
// channel). The zod schema is the single source of truth; generators build common shapes.
import { z } from 'zod';
import { MeshSettings } from '../cmdline/index.ts';
import { TopologyError } from './errors.ts';
import { shown, shownName } from '../issues.ts';

export const NodeName = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,5}$/, 'expected a short node name (1-6 lowercase letters/digits)');

/** What netem makes of a link, applied in each end's guest on its way out. */
export const LinkProperties = z.strictObject({
  lossPercent: z.number().min(0).max(100).optional(),
  delayMs: z.number().min(0).max(10_000).optional(),
  /** Needs delayMs. */
  jitterMs: z.number().min(0).max(10_000).optional(),
  rateMbit: z.number().positive().max(100_000).optional(),
});
export type LinkProperties = z.infer<typeof LinkProperties>;

/** A host running part of a mesh (a partition): a DNS label, as Kubernetes pod names are. */
export const HostName = z
  .string()
  .regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'expected a host name (a DNS label: lowercase letters, digits, -)');
/** An IPv4 address, or a DNS name resolved when a partition starts and looked up again while it runs (a pod's stable name). */
const HostAddress = z
  .string()
  .regex(
    /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i,
    'expected an IPv4 address or a DNS name',
  );
export const Host = z.strictObject({ name: HostName, address: HostAddress });
export type Host = z.infer<typeof Host>;

/**
 * A batman-adv other than the kernel's own, as an out-of-tree module (recipes/batman-adv.ts):
 * an open-mesh release ('2026.2'), a tarball by URL and sha256, or a tree on disk.
 */
const choiceOf = (strings: RegExp, expected: string) =>
  z.union([
    z.string().regex(strings, {
      error: (iss) => `expected ${expected}, { url, sha256 } or { src: DIR }, got ${shown(iss.input)}`,
    }),
    z.strictObject({
      url: z.url({ protocol: /^https?$/, error: (iss) => `expected an http(s) URL, got ${shown(iss.input)}` }),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: (iss) => `expected 64 hex digits, got ${shown(iss.input)}` }),
      version: z
        .string()
        .regex(/^[\w.+-]{1,64}$/)
        .optional(),
    }),
    z.strictObject({ src: z.string().min(1).max(4096) }),
  ]);
export const BatmanAdvSource = choiceOf(/^\d{4}\.\d+$/, "a release like '2026.2'");
/** The mesh's: batu's, 'stock', or a BatmanAdvSource. */
const MeshBatmanAdv = choiceOf(/^(batu|stock|\d{4}\.\d+)$/, "batu, stock, a release like '2026.2'");
export type BatmanAdvSource = z.infer<typeof BatmanAdvSource>;

/** [a, b], or { nodes: [a, b, …], …properties }; parsed, always the object. */
const Link = z
  .union([
    z.tuple([NodeName, NodeName]),
    z.strictObject({ nodes: z.array(NodeName).min(2).max(64), ...LinkProperties.shape }),
  ])
  .transform((l) => (Array.isArray(l) ? { nodes: l } : l));
export type Link = z.infer<typeof Link>;

export const Topology = z
  .strictObject({
    nodes: z
      .array(
        z.strictObject({
          name: NodeName,
          gateway: z.enum(['off', 'client', 'server']).default('off'),
          alfred: z.enum(['off', 'slave', 'master']).default('slave'),
          /** Which of `hosts` runs it (a partitioned mesh). */
          host: HostName.optional(),
          /** This node's batman-adv, if not the mesh's (side by side: two versions mesh). */
          batmanAdv: BatmanAdvSource.optional(),
          /** Where to draw it (mesh web; any unit), or where it is (exports: meshviewer's location). */
          x: z.number().finite().optional(),
          y: z.number().finite().optional(),
          lat: z.number().min(-90).max(90).optional(),
          lon: z.number().min(-180).max(180).optional(),
        }),
      )
      .min(1)
      .max(1000),
    links: z.array(Link).default([]),
    /**
     * Hosts sharing the mesh: each runs the nodes that name it (`batu mesh up --partition`).
     * A link between hosts is L2TPv3 over UDP, port basePort + 1 + its index at both ends.
     */
    hosts: z.array(Host).min(1).max(256).optional(),
    /** A partition's status over HTTP on its host's address (the links' ports follow). */
    basePort: z.number().int().min(1024).max(64_000).default(17_000),
    /** OGM interval in ms (batman-adv's default is 1000). */
    origInterval: z.number().int().min(50).max(60_000).default(1000),
    routingAlgo: z.enum(['BATMAN_IV', 'BATMAN_V']).default('BATMAN_IV'),
    /**
     * Hard interfaces (bridge backend): the vector driver on a tap, the legacy tuntap driver
     * (as the original), or the vector driver on a unix socketpair per link (no host tap or
     * bridge per frame, GSO packets whole with offload: the default with offload where every
     * link is point to point; else vector taps. Socketpairs allow no addNode).
     */
    linkDriver: z.enum(['vector', 'tuntap', 'socketpair']).optional(),
    /** MTU of the hard interfaces: 1560 lets bat0 keep 1500 without fragmenting (tuntap caps at 1500). */
    linkMtu: z.number().int().min(576).max(65534).optional(),
    /** Bridge loop avoidance drops the mesh's broadcasts for its first ~30 s; off by default here. */
    bridgeLoopAvoidance: z.boolean().default(false),
    /**
     * Each node's bat0-side tap (the clients' link; bridge backend): the vector driver (with
     * offload, the default: virtio-net headers, so clients' TCP arrives as GSO packets; jumbo
     * frames, bat0Mtu > 1500, need it too), or the legacy driver as the original (without offload).
     */
    bat0Driver: z.enum(['tuntap', 'vector']).optional(),
    bat0Mtu: z.number().int().min(576).max(65534).optional(),
    /**
     * TCP crosses the mesh unsegmented (GSO) while bat0 stays at 1500: bat0 takes TSO (a vector
     * tap with virtio-net headers), and batman-adv sends GSO packets whole over links that take
     * them (socketpair links, with virtio-net headers) and segments them below its header on the
     * others (tap links: a host bridge drops GSO frames of batman-adv's protocol; tunnels between
     * hosts). Absent, a mesh turns it on where every kernel it boots offers it (the default
     * kernel does: lib/mesh/offload.ts); a plain parse leaves it off.
     */
    offload: z.boolean().default(false),
    /**
     * Which batman-adv `batu mesh up` boots: batu's (the default kernel, with the patches in
     * recipes/batman-adv/idle), 'stock', upstream's exactly (linux-v15 --variant stock), or a
     * BatmanAdvSource (a release, tarball or tree, as a module; a node's own batmanAdv wins). A
     * library caller that passes its own kernels chooses by the kernels it passes.
     */
    batmanAdv: MeshBatmanAdv.default('batu'),
    /** Further batman-adv settings for every node (gateway, OGM interval and BLA have their own fields). */
    meshSettings: MeshSettings.omit({ gw_mode: true, orig_interval: true, bridge_loop_avoidance: true }).default({}),
  })
  .transform((t) => ({
    ...t,
    // With offload, socketpair links carry GSO packets whole: the default where every link is point to point.
    linkDriver:
      t.linkDriver ??
      (t.offload && t.links.every((l) => l.nodes.length === 2) ? ('socketpair' as const) : ('vector' as const)),
    bat0Driver: t.bat0Driver ?? (t.offload ? ('vector' as const) : ('tuntap' as const)),
    // Whole segments (bat0's 1500 plus batman-adv's headers) must fit a link (tuntap caps at 1500).
    linkMtu: t.linkMtu ?? (t.offload && t.linkDriver !== 'tuntap' ? 1560 : undefined),
  }))
  .superRefine((t, ctx) => {
    if (t.offload && t.batmanAdv === 'stock')
      ctx.addIssue({
        code: 'custom',
        path: ['batmanAdv'],
        message: "'stock' with offload: GSO through batman-adv is batu's patch (recipes/batman-adv/offload)",
      });
    if (t.bat0Driver === 'tuntap' && (t.bat0Mtu ?? 0) > 1500)
      ctx.addIssue({
        code: 'custom',
        path: ['bat0Mtu'],
        message: `bat0Mtu ${t.bat0Mtu}: the legacy tuntap driver caps the MTU at 1500 (bat0Driver: 'vector')`,
      });
    const names = new Set<string>();
    t.nodes.forEach((n, i) => {
      for (const [a, b] of [
        ['x', 'y'],
        ['lat', 'lon'],
      ] as const)
        if ((n[a] === undefined) !== (n[b] === undefined))
          ctx.addIssue({
            code: 'custom',
            path: ['nodes', i, n[a] === undefined ? a : b],
            message: `node ${n.name}: a position needs both ${a} and ${b}`,
          });
      if (names.has(n.name))
        ctx.addIssue({ code: 'custom', path: ['nodes', i, 'name'], message: `node name ${n.name} is used twice` });
      names.add(n.name);
    });
    const hosts = new Set<string>();
    t.hosts?.forEach((h, i) => {
      if (hosts.has(h.name))
        ctx.addIssue({ code: 'custom', path: ['hosts', i, 'name'], message: `host name ${h.name} is used twice` });
      hosts.add(h.name);
    });
    t.nodes.forEach((n, i) => {
      if (t.hosts && !n.host)
        ctx.addIssue({
          code: 'custom',
          path: ['nodes', i, 'host'],
          message: `node ${n.name} has no host: a mesh with hosts places every node (batu mesh partition does)`,
        });
      if (n.host && !hosts.has(n.host))
        ctx.addIssue({
          code: 'custom',
          path: ['nodes', i, 'host'],
          message: `node ${n.name}: there is no host ${n.host}`,
        });
    });
    const hostOf = new Map(t.nodes.map((n) => [n.name, n.host]));
    if (t.basePort + t.links.length > 65_535)
      ctx.addIssue({
        code: 'custom',
        path: ['basePort'],
        message: `basePort ${t.basePort}: its ${t.links.length} links' ports would pass 65535`,
      });
    const seen = new Set<string>();
    t.links.forEach((link, i) => {
      const label = link.nodes.join('-');
      const issue = (message: string) =>
        ctx.addIssue({ code: 'custom', path: ['links', i], message: `link ${label}: ${message}` });
      for (const end of link.nodes) if (!names.has(end)) issue(`there is no node ${shownName(end)}`);
      if (new Set(link.nodes).size < link.nodes.length) issue('names a node twice');
      const key = [...link.nodes].sort().join('-');
      if (seen.has(key)) issue('is given twice');
      seen.add(key);
      if (link.jitterMs !== undefined && link.delayMs === undefined) issue('jitterMs needs delayMs');
      if (link.nodes.length > 2 && new Set(link.nodes.map((n) => hostOf.get(n))).size > 1)
        issue('a shared medium cannot span hosts (links between hosts are point to point)');
      if (t.linkDriver === 'socketpair' && link.nodes.length > 2)
        issue("a shared medium needs tap links (linkDriver 'vector' or 'tuntap'): socketpairs are point to point");
    });
  });
export type Topology = z.infer<typeof Topology>;
export type TopologyInput = z.input<typeof Topology>;

/** A node's number k (1-based, in topology order): its MACs and service address derive from it. */
export function nodeNumber(topology: Topology, name: string): number {
  const k = topology.nodes.findIndex((n) => n.name === name) + 1;
  if (k === 0) throw new TopologyError(`no node ${shown(name)} in this mesh`);
  return k;
}

/** Which links a node is on, in its hard-interface order. */
export const linksOf = (topology: Topology, name: string): number[] =>
  topology.links.flatMap((l, i) => (l.nodes.includes(name) ? [i] : []));

/** The point-to-point link between a and b. */
export function linkBetween(topology: Topology, a: string, b: string): number {
  if (a === b) throw new TopologyError(`a link joins two nodes; ${a}-${b} names one node twice`);
  // Named by both ends: the link whose two ends are exactly a and b.
  const i = topology.links.findIndex(
    (l) => l.nodes.length === 2 && ((l.nodes[0] === a && l.nodes[1] === b) || (l.nodes[0] === b && l.nodes[1] === a)),
  );
  if (i < 0) throw new TopologyError(`no link ${a}-${b} in this mesh`);
  return i;
}

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
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      if (c + 1 < cols) links.push([name(r, c), name(r, c + 1)]);
      if (r + 1 < rows) links.push([name(r, c), name(r + 1, c)]);
    }
  return { nodes: names(rows * cols).map((n) => ({ name: n })), links };
}

/** A grid whose rows and columns wrap around (as mininet's torus): every node has four links. */
export function torus(rows: number, cols: number): TopologyInput {
  if (rows < 3 || cols < 3) throw new TopologyError(`a torus needs at least 3x3 nodes, not ${cols}x${rows}`);
  const name = (r: number, c: number) => `n${r * cols + c + 1}`;
  const links: [string, string][] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      links.push([name(r, c), name(r, (c + 1) % cols)], [name(r, c), name((r + 1) % rows, c)]);
  return { nodes: names(rows * cols).map((n) => ({ name: n })), links };
}

/**
 * n nodes at random places in the unit square (seeded, so the same seed gives the same
 * mesh), linked when closer than `radius`; the radius grows until the mesh is connected.
 */
export function randomGeometric(n: number, { seed = 1, radius = Math.sqrt(2.5 / n) } = {}): TopologyInput {
  let state = seed >>> 0 || 1;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const points = Array.from({ length: n }, () => [random(), random()]);
  const ns = names(n);
  for (let r = radius; ; r *= 1.1) {
    const links: [string, string][] = [];
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        if (Math.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]) < r) links.push([ns[i], ns[j]]);
      }
    if (connected(n, links)) return { nodes: ns.map((name) => ({ name })), links };
  }
}

function connected(n: number, links: [string, string][]): boolean {
  const reached = new Set(['n1']);
  for (let grew = true; grew;) {
    grew = false;
    for (const [a, b] of links)
      if (reached.has(a) !== reached.has(b)) {
        reached.add(a);
        reached.add(b);
        grew = true;
      }
  }
  return reached.size === n;
}
