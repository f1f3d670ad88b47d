// A running mesh. Two ways to run one topology:
//  - 'bridge' (root): a private namespace with a management network for the nodes' services
//    (management.ts), each link a host bridge with a tap of each end (links/bridge.ts: several
//    ends make a shared medium), or with linkDriver 'socketpair' a unix socketpair;
//  - 'socketpair' (no privilege at all): each link a unix socketpair (links/socketpair.ts),
//    the nodes' batctl service on their console instead of a management network.
// A partitioned topology (hosts) runs one host's nodes per Mesh (options.partition, socketpair
// backend): links to other hosts' nodes are L2TPv3 over UDP (links/tunnel.ts).
// Link properties are netem in the guests, so both backends have them. Links can be cut,
// restored and changed, nodes killed, restarted and added while the mesh runs.
import { randomBytes } from 'node:crypto';
import { renderInterface } from '../cmdline/index.ts';
import {
  Descriptors,
  Netns,
  NodeStartAborted,
  UmlNode,
  WireServer,
  guestCommand,
  hostTaps,
  servicePorts,
} from '../runner/index.ts';
import { openStore, type Reporter, type Store, type StoreLike } from '../derivations/index.ts';
import { MeshError, NodeStateError, TopologyError } from './errors.ts';
import { partitionAddresses } from './hosts.ts';
import type { CapturePoint, LinkBackend, LinkEnd } from './links/backend.ts';
import { BridgeLinks } from './links/bridge.ts';
import { SocketpairLinks } from './links/socketpair.ts';
import { TunnelLinks } from './links/tunnel.ts';
import { ManagementSide } from './management.ts';
import { withOffload } from './offload.ts';
import { netemCommand, propertiesOf } from './netem.ts';
import { PeerWatch } from './peers.ts';
import { consoleSide, hardInterface, nodeSpec } from './node-spec.ts';
import { Topology, linkBetween, linksOf, nodeNumber, type LinkProperties, type TopologyInput } from './topology.ts';
import { shown } from '../issues.ts';

export { nodeMac, nodeOfMac, meshSettingsOf } from './node-spec.ts';
export { resolveHost, partitionHost } from './hosts.ts';
export { managementAddress } from './management.ts';

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
  /** The bridge backend's namespace name, chosen (and recorded) by the caller before it is made. */
  netnsName?: string;
  /** Aborts the start at once: nodes booting are killed, nothing more starts, all made goes. */
  signal?: AbortSignal;
  /** How often a partition looks its peers' host names up again (peers.ts; default 10 s; 0: only on restore). */
  peerCheckMs?: number;
}

type NodeInput = Topology['nodes'][number];

/** A running node of a mesh by name, or an error that names it. */
export function runningNode(nodes: Map<string, UmlNode>, name: string): UmlNode {
  const node = nodes.get(name);
  if (!node) throw new NodeStateError(name, `no node ${shown(name)} running in this mesh`);
  return node;
}

/** How a mesh's links and nodes reach the host, chosen once at start. */
interface Backends {
  /** Links between this host's nodes. */
  local: LinkBackend;
  /** Links to another host's nodes (a partition). */
  remote?: TunnelLinks;
  /** The management network and bat0 taps (bridge backend). */
  management?: ManagementSide;
  /** The socket wire ends are fetched from. */
  wireServer?: string;
}

export class Mesh {
  readonly nodes = new Map<string, UmlNode>();
  private readonly clients: Netns[] = [];
  /** Links cut by cut(): netem drops everything until restore(). */
  private readonly cutLinks = new Set<number>();
  /** A partition's watch on its peer hosts' addresses. */
  private peers?: PeerWatch;
  /** When each node first and last started, and how often it started again (exports, metrics). */
  readonly starts = new Map<string, { first: Date; last: Date; restarts: number }>();

  private constructor(
    readonly topology: Topology,
    private readonly options: MeshOptions & { store: Store },
    /** The bridge backend's namespace. */
    readonly netns: Netns | undefined,
    private readonly backends: Backends,
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
    const kernels = [options.kernel, ...Object.values(options.kernels ?? {})];
    const topology = Topology.parse(await withOffload(input, kernels));
    const backend = options.backend ?? 'bridge';
    // linkDriver 'socketpair' with a shared medium the schema already refused.
    const shared = topology.links.find((l) => l.nodes.length > 2);
    if (backend === 'socketpair' && shared)
      throw new TopologyError(
        `link ${shared.nodes.join('-')}: a shared medium needs tap links on the bridge backend (socketpairs are point to point)`,
      );
    const addresses = await partitionAddresses(topology, options);
    const store = openStore(options.store);
    const netns = backend === 'bridge' ? await Netns.create('bt', options.netnsName) : undefined;
    let mesh: Mesh | undefined;
    try {
      const backends = await Mesh.backends(topology, netns, store, options.partition, addresses);
      const id = netns?.name ?? `bt-${randomBytes(3).toString('hex')}`;
      mesh = new Mesh(topology, { ...options, store }, netns, backends, id, addresses);
      await backends.management?.start();
      for (const [i] of topology.links.entries()) if (!mesh.remoteEnd(i)) await backends.local.addLink?.(i);
      await mesh.startNodes(mesh.localNodes);
      mesh.watchPeers();
      return mesh;
    } catch (error) {
      if (mesh) await mesh.stop();
      else await netns?.delete();
      throw error;
    }
  }

  private static async backends(
    topology: Topology,
    netns: Netns | undefined,
    store: Store,
    partition: string | undefined,
    addresses: Map<string, string>,
  ): Promise<Backends> {
    const socketpairs = !netns || topology.linkDriver === 'socketpair';
    const wire = socketpairs ? await WireServer.start(store) : undefined;
    const local = wire
      ? new SocketpairLinks(wire, topology.offload)
      : new BridgeLinks(netns!, topology.linkDriver === 'tuntap' ? 'tuntap' : 'vector');
    const hostOf = (name: string) => topology.nodes.find((n) => n.name === name)!.host!;
    const remote = partition
      ? new TunnelLinks(
          addresses.get(partition)!,
          (link) => addresses.get(topology.links[link].nodes.map(hostOf).find((h) => h !== partition)!)!,
          topology.basePort,
        )
      : undefined;
    const management = netns ? new ManagementSide(netns, topology) : undefined;
    return { local, remote, management, wireServer: wire?.socket };
  }

  /** A partition looks its peers up again now and then: a restarted one may have moved. */
  private watchPeers(): void {
    if (!this.backends.remote) return;
    const peers = new Set(this.topology.links.map((_, i) => this.remoteEnd(i)));
    const hosts = this.topology.hosts!.filter((h) => peers.has(h.name));
    this.peers = new PeerWatch(hosts, this.addresses, () => this.replugMoved(), this.options.report);
    this.peers.start(this.options.peerCheckMs ?? 10_000);
  }

  /** Plug again every running node's tunnel whose peer host has moved since it was plugged. */
  private async replugMoved(): Promise<void> {
    for (const end of this.backends.remote?.moved() ?? []) {
      if (this.nodes.get(end.node)?.state !== 'running') continue; // plugged afresh when it starts again
      await this.replug(end).catch((error: Error) =>
        this.options.report?.(
          `${end.node}: re-plugging link ${this.topology.links[end.link].nodes.join('-')}: ${error.message}`,
        ),
      );
    }
  }

  /**
   * One end of a tunnel plugged again with its peer's current address: the guest takes the
   * interface down (mconsole remove refuses an open device), UML removes it and plugs the
   * new one under the same name, and the init puts it back into bat0 with its settings.
   */
  private async replug(end: LinkEnd): Promise<void> {
    const node = this.node(end.node);
    const ifname = this.hardInterfaceName(end.node, end.link);
    const since = node.consoleText.length;
    const refused = (await guestCommand(node, 'unplug', [ifname])).trim();
    if (refused) throw new NodeStateError(end.node, refused);
    await node.mconsole(`remove ${ifname}`);
    const iface = hardInterface(this.topology, end, this.backends.remote!, new Descriptors());
    await node.mconsole(`config ${renderInterface(2 + end.j, iface)}`);
    await node.waitForConsole(new RegExp(`re-plugged ${ifname} joined bat0`), 15_000, since);
    await this.shape(end.node, end.link);
    this.options.report?.(`${end.node}: ${ifname} re-plugged to ${this.addresses.get(this.remoteEnd(end.link)!)}`);
  }

  private backendOf(link: number): LinkBackend {
    return (this.remoteEnd(link) && this.backends.remote) || this.backends.local;
  }

  private async startNodes(names: string[]): Promise<void> {
    const queue = [...names];
    const { signal } = this.options;
    // A failure (or the signal) stops every worker taking more; all settle before the caller cleans up.
    let failed = false;
    const worker = async () => {
      for (let name = queue.shift(); name && !failed && !signal?.aborted; name = queue.shift())
        await this.startNode(name).catch((error) => {
          failed = true;
          throw error;
        });
    };
    const results = await Promise.allSettled(Array.from({ length: this.options.parallel ?? 4 }, worker));
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
    if (signal?.aborted) throw new NodeStartAborted(`mesh start aborted`);
  }

  /** Start a node of the topology (again, after kill()): same spec, same links. */
  async startNode(name: string): Promise<UmlNode> {
    if (this.nodes.get(name)?.state === 'running') throw new NodeStateError(name, `node ${name} is already running`);
    const host = this.topology.nodes[this.numberOf(name) - 1].host;
    if (this.partition && host !== this.partition)
      throw new NodeStateError(name, `node ${name} runs on host ${host}, not here`);
    const fds = new Descriptors(this.backends.wireServer);
    const { spec, attach } = nodeSpec(this.topology, name, {
      umid: `${this.id}-${name}`,
      kernel: this.options.kernels?.[name] ?? this.options.kernel,
      image: this.options.images?.[name] ?? this.options.image,
      rootfs: this.options.rootfs ?? 'initramfs',
      mem: this.options.mem,
      backendOf: (link) => this.backendOf(link),
      host: this.backends.management ?? consoleSide,
      fds,
    });
    // Taps hot-plugged into an earlier run of this node outlive it: make them afresh.
    for (const tap of hostTaps(spec)) await this.netns?.deleteLink(tap.name);
    const node = await UmlNode.start(spec, {
      store: this.options.store,
      ...(this.netns ? { netns: this.netns, attach } : {}),
      ...fds.startOptions(),
      signal: this.options.signal,
    });
    this.nodes.set(name, node);
    const now = new Date();
    const before = this.starts.get(name);
    this.starts.set(name, { first: before?.first ?? now, last: now, restarts: before ? before.restarts + 1 : 0 });
    for (const link of this.linksOf(name)) await this.shape(name, link);
    this.options.report?.(`${name} ready (${this.linksOf(name).length} links)`);
    return node;
  }

  /** Which links a node is on, in its hard-interface order. */
  linksOf(name: string): number[] {
    return linksOf(this.topology, name);
  }

  /** A node's number k (1-based, in topology order): its MACs and service address derive from it. */
  numberOf(name: string): number {
    return nodeNumber(this.topology, name);
  }

  node(name: string): UmlNode {
    return runningNode(this.nodes, name);
  }

  /**
   * Where link a-b's frames can be captured on this host: the host device they pass, else an
   * end running here, whose batctl service streams them; or a MeshError saying why not.
   */
  capturePoint(a: string, b: string): CapturePoint {
    const i = this.linkIndex(a, b);
    const device = !this.remoteEnd(i) && this.backends.local.capturePoint?.(i);
    if (device) return device;
    // The first end here that runs (one that was killed cannot stream).
    const ends = this.topology.links[i].nodes.filter((n) => this.localNodes.includes(n));
    const end = ends.find((n) => this.nodes.get(n)?.state === 'running') ?? ends[0];
    const node = this.node(end);
    if (!this.netns || !node.serviceIp || !node.spec.batctlWrapper)
      throw new MeshError(
        `link ${a}-${b}: no host device sees its frames, and node ${end} has no network path to stream them ` +
          `(a rootless mesh reaches its nodes through their consoles): start the mesh as root, or capture in simulated time (sim run --capture)`,
      );
    const iface = this.hardInterfaceName(end, i);
    return {
      kind: 'guest',
      netns: this.netns.name,
      node: end,
      address: node.serviceIp,
      port: servicePorts.batctl,
      interface: iface,
    };
  }

  private linkIndex(a: string, b: string): number {
    return linkBetween(this.topology, a, b);
  }

  /** A running node's hard interface on a link. */
  private hardInterfaceName(name: string, link: number): string {
    const node = this.node(name);
    const ifname = node.ready.interfaces.filter((i) => i.role === 'hard')[this.linksOf(name).indexOf(link)]?.name;
    if (!ifname)
      throw new NodeStateError(
        name,
        `node ${name} has no interface for link ${this.topology.links[link].nodes.join('-')}`,
      );
    return ifname;
  }

  /** Apply a link's properties (or a cut) to one end: netem on that node's interface. */
  private async shape(name: string, link: number): Promise<void> {
    const node = this.nodes.get(name);
    if (!node || node.state !== 'running') return;
    const ifname = this.hardInterfaceName(name, link);
    const props = this.cutLinks.has(link) ? { lossPercent: 100 } : propertiesOf(this.topology.links[link]);
    const args = netemCommand(ifname, props);
    const out = await guestCommand(node, 'tc', args);
    // Removing a qdisc that is not there is fine; anything else tc says is an error.
    if (out.trim() && !(args[1] === 'del' && /No such file|Cannot delete qdisc with handle of zero/.test(out))) {
      throw new NodeStateError(name, `node ${name}: tc ${args.join(' ')}: ${out.trim()}`);
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

  /** Whether cut() pulled this link's cable (by index in the topology). */
  isCut(link: number): boolean {
    return this.cutLinks.has(link);
  }

  /** Pull the cable: everything sent into the link is dropped until restore(). */
  async cut(a: string, b: string): Promise<string | undefined> {
    const i = this.linkIndex(a, b);
    this.cutLinks.add(i);
    return this.shapeLink(i);
  }

  /** Put the cable back; a link to another host first looks that host up again (it may have moved). */
  async restore(a: string, b: string): Promise<string | undefined> {
    const i = this.linkIndex(a, b);
    this.cutLinks.delete(i);
    const host = this.remoteEnd(i);
    if (host) await this.peers?.check(host);
    return this.shapeLink(i);
  }

  /**
   * Boot nodes again on another kernel and image (a rebuilt batman-adv module): each is killed
   * and started with the new build, `parallel` at a time; its spec and links stay.
   */
  async rebootWith(names: string[], build: { kernel: string; image: string }): Promise<void> {
    for (const name of names) this.numberOf(name); // unknown names fail before any node stops
    this.options.kernels = { ...this.options.kernels, ...Object.fromEntries(names.map((n) => [n, build.kernel])) };
    this.options.images = { ...this.options.images, ...Object.fromEntries(names.map((n) => [n, build.image])) };
    const queue = [...names];
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        if (this.nodes.get(name)?.state === 'running') await this.kill(name);
        await this.startNode(name);
      }
    };
    await Promise.all(Array.from({ length: this.options.parallel ?? 4 }, worker));
  }

  /** SIGKILL a node, as a crash or power loss; startNode() brings it back. */
  async kill(name: string): Promise<void> {
    await this.node(name).kill();
    this.nodes.delete(name);
  }

  /**
   * Add a node and its links to the running mesh (tap links): its neighbours get the new
   * links hot-plugged (mconsole config), the new node boots with them.
   */
  async addNode(node: Partial<NodeInput> & { name: string }, links: string[]): Promise<UmlNode> {
    const { local } = this.backends;
    if (!local.plug)
      throw new MeshError(
        "adding nodes to a running mesh needs tap links on the bridge backend (linkDriver: 'vector'; a running node cannot be handed new socketpairs)",
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
      await local.addLink?.(i);
      const peer = link.nodes[1];
      const running = this.node(peer);
      const k = this.numberOf(peer);
      const j = this.linksOf(peer).length - 1;
      const end = { node: peer, k, link: i, j, side: 1 as const };
      const iface = hardInterface(this.topology, end, local, new Descriptors());
      await local.plug(end, iface);
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
   * node's bat0 side, as a client of a mesh router would be (bridge backend).
   */
  async client(name: string, address: string): Promise<Netns> {
    this.node(name);
    const { management } = this.backends;
    if (!management) throw new MeshError("clients sit on a node's bat0 tap: that needs the bridge backend");
    return management.client(name, address, this.clients);
  }

  private stopped?: Promise<void>;

  /** Stop every node and remove what the mesh made; once (a second call waits for the first). */
  stop(): Promise<void> {
    return (this.stopped ??= this.stopNow());
  }

  private async stopNow(): Promise<void> {
    await this.peers?.stop();
    await Promise.all([...this.nodes.values()].map((n) => n.stop().catch(() => {})));
    for (const client of this.clients) await client.delete();
    await this.backends.local.stop?.();
    await this.netns?.delete();
  }
}
