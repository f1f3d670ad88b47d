// A running mesh. Two link backends for one topology spec:
//  - 'bridge' (root): a private namespace, a management bridge for the nodes' services, one
//    host bridge per link with a vector tap of each end (several ends: a shared medium), or,
//    with linkDriver 'socketpair', a unix socketpair per link (faster: no host bridge);
//  - 'socketpair' (no privilege at all): each link a unix socketpair handed to both nodes,
//    the nodes' batctl service on their console instead of a management network.
// A partitioned topology (hosts) runs one host's nodes per Mesh (options.partition, socketpair
// backend): links to other hosts' nodes are L2TPv3 over UDP, unprivileged like the rest.
// Link properties are netem in the guests, so both backends have them. Links can be cut,
// restored and changed, nodes killed, restarted and added while the mesh runs.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSpec, renderInterface, type Interface, type NodeSpec } from '../cmdline/index.ts';
import { Netns, UmlNode, WireServer, guestCommand, hostTaps, type StartOptions } from '../runner/index.ts';
import { openStore, type Reporter, type StoreLike } from '../derivations/index.ts';
import { netemCommand, propertiesOf } from './netem.ts';
import {
  Topology,
  linkBetween,
  linksOf,
  nodeNumber,
  type Host,
  type LinkProperties,
  type TopologyInput,
} from './topology.ts';

const hex = (n: number) => n.toString(16).padStart(2, '0');
/** Locally administered MACs that name their node: 02:ba:<node>:<role>:<index>. */
export const nodeMac = (k: number, role: number, index = 0) =>
  `02:ba:${hex(k >> 8)}:${hex(k & 255)}:${hex(role)}:${hex(index)}`;
export const nodeOfMac = (mac: string) => parseInt(mac.slice(6, 8) + mac.slice(9, 11), 16);
/** Node k's service address: 192.168.254.k as the original's, then on down 192.168.253.x … (a /16). */
export const managementAddress = (k: number) => `192.168.${254 - Math.floor((k - 1) / 253)}.${((k - 1) % 253) + 1}`;

export interface MeshOptions {
  /** The store the runner's helpers are built into or found in (default: openStore()). */
  store?: StoreLike;
  kernel: string;
  /** Per-node kernels (store paths), e.g. to mix 6.1 and 6.12 nodes. */
  kernels?: Record<string, string>;
  image: string;
  /** Per-node images (store paths), e.g. compat-14 nodes beside compat-15 ones (with their kernels). */
  images?: Record<string, string>;
  rootfs?: 'initramfs' | 'hostfs';
  mem?: string;
  report?: Reporter;
  /** Nodes started at once (each boot is mostly waiting on its own CPU work). */
  parallel?: number;
  /** 'bridge' (default, needs root) or 'socketpair' (rootless, point-to-point links only). */
  backend?: 'bridge' | 'socketpair';
  /** Run only the nodes of this host of the topology's hosts (socketpair backend). */
  partition?: string;
}

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
      if (Date.now() >= end) throw new Error(`cannot resolve host address ${address}: ${code}`);
      if (attempt % 15 === 0) report?.(`waiting for host ${address} to resolve (${code})`);
    }
  }
}

type NodeInput = Topology['nodes'][number];

/** A partition's host in a topology, or an error naming the partition and the hosts there are. */
export function partitionHost(topology: Topology, partition: string): Host {
  const { hosts } = topology;
  if (!hosts)
    throw new Error(
      `partition ${JSON.stringify(partition)}: the topology has no hosts (batu mesh partition places its nodes)`,
    );
  const host = hosts.find((h) => h.name === partition);
  if (!host)
    throw new Error(
      `partition ${JSON.stringify(partition)}: the topology's hosts are ${hosts.map((h) => h.name).join(', ')}`,
    );
  return host;
}

/** A partition's hosts resolved to IPv4 (checked before anything starts). */
async function partitionAddresses(topology: Topology, options: MeshOptions): Promise<Map<string, string>> {
  const { partition } = options;
  if (!partition) return new Map();
  partitionHost(topology, partition); // throws unless the topology has hosts, this one among them
  if ((options.backend ?? 'bridge') !== 'socketpair')
    throw new Error(
      `partition ${partition}: a partition runs on the socketpair backend (links to other hosts are UDP)`,
    );
  const resolve = (address: string) => resolveHost(address, { waitMs: 300_000, report: options.report });
  return new Map(await Promise.all(topology.hosts!.map(async (h) => [h.name, await resolve(h.address)] as const)));
}

/** A running node of a mesh by name, or an error that names it. */
export function runningNode(nodes: Map<string, UmlNode>, name: string): UmlNode {
  const node = nodes.get(name);
  if (!node) throw new Error(`no node ${JSON.stringify(name)} running in this mesh`);
  return node;
}

/** A node's batman-adv settings: the topology's, its OGM interval and BLA, the node's gateway mode. */
export function meshSettingsOf(topology: Topology, name: string) {
  const node = topology.nodes.find((n) => n.name === name);
  return {
    ...topology.meshSettings,
    orig_interval: topology.origInterval,
    bridge_loop_avoidance: topology.bridgeLoopAvoidance ? (1 as const) : (0 as const),
    ...(node && node.gateway !== 'off' ? { gw_mode: node.gateway } : {}),
  };
}

export class Mesh {
  readonly nodes = new Map<string, UmlNode>();
  private readonly clients: Netns[] = [];
  /** Links cut by cut(): netem drops everything until restore(). */
  private readonly cutLinks = new Set<number>();

  private constructor(
    readonly topology: Topology,
    private readonly options: MeshOptions,
    /** The bridge backend's namespace. */
    readonly netns: Netns | undefined,
    /** The socketpair backend's link server. */
    private readonly wire: WireServer | undefined,
    /** Prefix of the nodes' umids: the namespace's name, or bt-<random>. */
    readonly id: string,
    /** A partition's hosts' IPv4 addresses, by host name. */
    private readonly addresses: Map<string, string> = new Map(),
  ) {}

  /** The host whose nodes this Mesh runs, in a partitioned topology. */
  get partition(): string | undefined {
    return this.options.partition;
  }

  /** Where a partition serves its status: its host's address (resolved at start) and basePort. */
  get statusAddress(): { address: string; port: number } | undefined {
    const { partition } = this.options;
    return partition ? { address: this.addresses.get(partition)!, port: this.topology.basePort } : undefined;
  }

  /** The nodes this Mesh runs: the partition's, or all. */
  get localNodes(): string[] {
    const { partition } = this.options;
    return this.topology.nodes.filter((n) => !partition || n.host === partition).map((n) => n.name);
  }

  /** Whether a link leaves this partition: it is a tunnel to another host. */
  private remoteEnd(link: number): string | undefined {
    const { partition } = this.options;
    if (!partition) return undefined;
    const hostOf = (name: string) => this.topology.nodes.find((n) => n.name === name)!.host!;
    return this.topology.links[link].nodes.map(hostOf).find((h) => h !== partition);
  }

  get backend(): 'bridge' | 'socketpair' {
    return this.netns ? 'bridge' : 'socketpair';
  }

  static async start(input: TopologyInput, options: MeshOptions): Promise<Mesh> {
    const topology = Topology.parse(input);
    const backend = options.backend ?? 'bridge';
    // linkDriver 'socketpair' with a shared medium the schema already refused.
    const shared = topology.links.find((l) => l.nodes.length > 2);
    if (backend === 'socketpair' && shared)
      throw new Error(
        `link ${shared.nodes.join('-')}: a shared medium needs tap links on the bridge backend (socketpairs are point to point)`,
      );
    const addresses = await partitionAddresses(topology, options);
    const socketpairs = backend === 'socketpair' || topology.linkDriver === 'socketpair';
    const netns = backend === 'bridge' ? await Netns.create('bt') : undefined;
    let mesh: Mesh | undefined;
    try {
      const wire = socketpairs ? await WireServer.start(openStore(options.store)) : undefined;
      const id = netns?.name ?? `bt-${randomBytes(3).toString('hex')}`;
      mesh = new Mesh(topology, { ...options, store: openStore(options.store) }, netns, wire, id, addresses);
      if (netns) {
        await netns.addBridge('btmgmt', '192.168.254.254/16');
        if (!socketpairs) for (const [i] of topology.links.entries()) await netns.addBridge(`btl${i}`);
      }
      await mesh.startNodes(mesh.localNodes);
      return mesh;
    } catch (error) {
      if (mesh) await mesh.stop();
      else await netns?.delete();
      throw error;
    }
  }

  private async startNodes(names: string[]): Promise<void> {
    const queue = [...names];
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) await this.startNode(name);
    };
    await Promise.all(Array.from({ length: this.options.parallel ?? 4 }, worker));
  }

  /** Start a node of the topology (again, after kill()): same spec, same links. */
  async startNode(name: string): Promise<UmlNode> {
    if (this.nodes.get(name)?.state === 'running') throw new Error(`node ${name} is already running`);
    const host = this.topology.nodes[this.numberOf(name) - 1].host;
    if (this.partition && host !== this.partition) throw new Error(`node ${name} runs on host ${host}, not here`);
    const { spec, start } = this.nodeSpec(name);
    // Taps hot-plugged into an earlier run of this node outlive it: make them afresh.
    for (const tap of hostTaps(spec)) await this.netns?.deleteLink(tap.name);
    const node = await UmlNode.start(spec, start);
    this.nodes.set(name, node);
    for (const link of this.linksOf(name)) await this.shape(name, link);
    this.options.report?.(`${name} ready (${this.linksOf(name).length} links)`);
    return node;
  }

  /** Which links a node is on, in its hard-interface order. */
  linksOf(name: string): number[] {
    return linksOf(this.topology, name);
  }

  private nodeSpec(name: string): { spec: NodeSpec; start: StartOptions } {
    const k = this.numberOf(name);
    const node = this.topology.nodes[k - 1];
    const links = this.linksOf(name);
    const hard = links.map((link, j) => this.hardInterface(name, k, link, j));
    const common = {
      umid: `${this.id}-${name}`,
      kernel: this.options.kernels?.[name] ?? this.options.kernel,
      image: this.options.images?.[name] ?? this.options.image,
      rootfs: this.options.rootfs ?? 'initramfs',
      mem: this.options.mem,
      hard,
      bat0Mac: nodeMac(k, 0),
      alfred: node.alfred,
      routingAlgo: this.topology.routingAlgo,
      mesh: meshSettingsOf(this.topology, name),
    };
    // Socketpair links are fds 3, 4, …; a vector bat0 tap (bridge backend) comes after them.
    const wire = this.wire?.fds(
      Object.fromEntries(
        links.flatMap((link, j): [number, [number, 0 | 1]][] =>
          this.remoteEnd(link) ? [] : [[3 + j, [link, this.topology.links[link].nodes.indexOf(name) as 0 | 1]]],
        ),
      ),
    );
    const store = openStore(this.options.store);
    if (!this.netns) return { spec: parseSpec({ ...common, batctlConsole: true }), start: { store, wire } };
    const attach: Record<string, string> = { [`bt${name}m`]: 'btmgmt' };
    if (!wire) for (const link of links) attach[`bt${name}l${link}`] = `btl${link}`;
    const bat0Fd = 3 + (wire ? links.length : 0);
    return {
      spec: parseSpec({
        ...common,
        management: { driver: 'tuntap', tap: `bt${name}m` },
        bat0Tap:
          this.topology.bat0Driver === 'tuntap'
            ? { driver: 'tuntap', tap: `bt${name}b`, mac: nodeMac(k, 1), mtu: this.topology.bat0Mtu }
            : // Opened by the runner and handed over as a descriptor: a client() moves the tap into
              // its own namespace, which a tap UML opened by name does not survive reliably.
              {
                driver: 'vector',
                transport: 'fd',
                fd: bat0Fd,
                fdKind: 'tap',
                offload: this.topology.offload,
                mac: nodeMac(k, 1),
                mtu: this.topology.bat0Mtu,
              },
        serviceIp: `${managementAddress(k)}/16`,
        batctlWrapper: true,
      }),
      start: {
        store,
        netns: this.netns,
        attach,
        wire,
        ...(this.topology.bat0Driver === 'vector' ? { tapFds: { [bat0Fd]: `bt${name}b` } } : {}),
      },
    };
  }

  private hardInterface(name: string, k: number, link: number, j: number): Interface {
    const common = { mac: nodeMac(k, 2, j), ...(this.topology.linkMtu ? { mtu: this.topology.linkMtu } : {}) };
    const remote = this.remoteEnd(link);
    if (remote) {
      // Both ends use the link's own port and session: nothing to agree on but the topology.
      const port = this.topology.basePort + 1 + link;
      return {
        driver: 'vector',
        transport: 'l2tpv3',
        src: this.addresses.get(this.options.partition!)!,
        dst: this.addresses.get(remote)!,
        srcPort: port,
        dstPort: port,
        key: link + 1,
        ...common,
      };
    }
    if (this.wire)
      return {
        driver: 'vector',
        transport: 'fd',
        fd: 3 + j,
        fdKind: 'socket',
        offload: this.topology.offload,
        ...common,
      };
    const tap = `bt${name}l${link}`;
    return this.topology.linkDriver === 'tuntap'
      ? { driver: 'tuntap', tap, ...common }
      : { driver: 'vector', transport: 'tap', ifname: tap, ...common };
  }

  /** A node's number k (1-based, in topology order): its MACs and service address derive from it. */
  numberOf(name: string): number {
    return nodeNumber(this.topology, name);
  }

  node(name: string): UmlNode {
    return runningNode(this.nodes, name);
  }

  private linkIndex(a: string, b: string): number {
    return linkBetween(this.topology, a, b);
  }

  /** Apply a link's properties (or a cut) to one end: netem on that node's interface. */
  private async shape(name: string, link: number): Promise<void> {
    const node = this.nodes.get(name);
    if (!node || node.state !== 'running') return;
    const ifname = node.ready.interfaces.filter((i) => i.role === 'hard')[this.linksOf(name).indexOf(link)]?.name;
    if (!ifname) throw new Error(`node ${name} has no interface for link ${this.topology.links[link].nodes.join('-')}`);
    const props = this.cutLinks.has(link) ? { lossPercent: 100 } : propertiesOf(this.topology.links[link]);
    const args = netemCommand(ifname, props);
    const out = await guestCommand(node, 'tc', args);
    // Removing a qdisc that is not there is fine; anything else tc says is an error.
    if (out.trim() && !(args[1] === 'del' && /No such file|Cannot delete qdisc with handle of zero/.test(out))) {
      throw new Error(`node ${name}: tc ${args.join(' ')}: ${out.trim()}`);
    }
  }

  /** Shape both ends of a link, or this host's end of a link to another host: that host is returned. */
  private async shapeLink(link: number): Promise<string | undefined> {
    await Promise.all(this.topology.links[link].nodes.map((end) => this.shape(end, link)));
    return this.remoteEnd(link);
  }

  /**
   * Change a link's loss, delay, jitter and rate (replacing the ones it had). This and cut()
   * and restore() return the other host of a link between hosts: only this end changed.
   */
  async setLink(a: string, b: string, props: LinkProperties): Promise<string | undefined> {
    const i = this.linkIndex(a, b);
    const parsed = Topology.parse({ ...this.topology, links: [{ nodes: [a, b], ...props }] }).links[0];
    this.topology.links[i] = { nodes: this.topology.links[i].nodes, ...propertiesOf(parsed) };
    return this.shapeLink(i);
  }

  /** Pull the cable: everything sent into the link is dropped until restore(). */
  async cut(a: string, b: string): Promise<string | undefined> {
    const i = this.linkIndex(a, b);
    this.cutLinks.add(i);
    return this.shapeLink(i);
  }

  async restore(a: string, b: string): Promise<string | undefined> {
    const i = this.linkIndex(a, b);
    this.cutLinks.delete(i);
    return this.shapeLink(i);
  }

  /** SIGKILL a node, as a crash or power loss; startNode() brings it back. */
  async kill(name: string): Promise<void> {
    await this.node(name).kill();
    this.nodes.delete(name);
  }

  /**
   * Add a node and its links to the running mesh (bridge backend): its neighbours get the
   * new links hot-plugged (mconsole config), the new node boots with them.
   */
  async addNode(node: Partial<NodeInput> & { name: string }, links: string[]): Promise<UmlNode> {
    if (!this.netns || this.wire)
      throw new Error(
        'adding nodes to a running mesh needs tap links on the bridge backend (a running node cannot be handed new socketpairs)',
      );
    const next = Topology.parse({
      ...this.topology,
      nodes: [...this.topology.nodes, node],
      links: [...this.topology.links, ...links.map((peer) => [node.name, peer])],
    });
    const added = next.links.slice(this.topology.links.length);
    this.topology.nodes.push(next.nodes.at(-1)!);
    for (const link of added) {
      const i = this.topology.links.push(link) - 1;
      await this.netns.addBridge(`btl${i}`);
      const peer = link.nodes[1];
      const running = this.node(peer);
      const k = this.numberOf(peer);
      const j = this.linksOf(peer).length - 1;
      const iface = this.hardInterface(peer, k, i, j);
      const tap = `bt${peer}l${i}`;
      await this.netns.addTap(tap, { mtu: iface.mtu });
      await this.netns.attach(tap, `btl${i}`);
      await running.mconsole(`config ${renderInterface(2 + j, iface)}`);
      await running.waitForConsole(new RegExp(`hot-plugged \\w+${2 + j} joined bat0`), 15_000);
      running.ready.interfaces.push({
        name: `${iface.driver === 'tuntap' ? 'eth' : 'vec'}${2 + j}`,
        role: 'hard',
        mac: iface.mac!,
        mtu: iface.mtu ?? 0,
      });
    }
    return this.startNode(node.name);
  }

  /**
   * A host behind a node: a namespace of its own with `address` (e.g. 10.99.0.1/24) on the
   * node's bat0 side, as a client of a mesh router would be (bridge backend). The legacy
   * tap moves into it. A vector tap stays put (the vector driver stops reading a tap that
   * went down, as a move does): a veth pair and a bridge join it to the client instead.
   */
  async client(name: string, address: string): Promise<Netns> {
    this.node(name);
    if (!this.netns) throw new Error("clients sit on a node's bat0 tap: that needs the bridge backend");
    const client = await Netns.create('bt');
    this.clients.push(client);
    let device = `bt${name}b`;
    if (this.topology.bat0Driver === 'vector') {
      const mtu = String(this.topology.bat0Mtu ?? 1500);
      device = `bt${name}p`;
      await this.netns.ip(
        'link',
        'add',
        `bt${name}v`,
        'mtu',
        mtu,
        'type',
        'veth',
        'peer',
        'name',
        device,
        'mtu',
        mtu,
        'netns',
        client.name,
      );
      await this.netns.addBridge(`bt${name}c`);
      for (const port of [`bt${name}b`, `bt${name}v`]) await this.netns.attach(port, `bt${name}c`);
      await this.netns.ip('link', 'set', `bt${name}v`, 'up');
    } else {
      await this.netns.ip('link', 'set', device, 'netns', client.name);
    }
    await client.ip('addr', 'add', address, 'dev', device);
    await client.ip('link', 'set', device, 'up');
    return client;
  }

  private stopped?: Promise<void>;

  /** Stop every node and remove what the mesh made; once (a second call waits for the first). */
  stop(): Promise<void> {
    return (this.stopped ??= this.stopNow());
  }

  private async stopNow(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop().catch(() => {})));
    for (const client of this.clients) await client.delete();
    await this.wire?.stop();
    await this.netns?.delete();
  }
}
