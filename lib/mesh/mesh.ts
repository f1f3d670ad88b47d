// A running mesh: one namespace, a management bridge for the nodes' services, one host
// bridge per link with a vector tap of each end. Links can be cut and restored.
import { parseSpec, type NodeSpecInput } from '../cmdline/index.ts';
import { Netns, UmlNode } from '../runner/index.ts';
import type { Reporter } from '../derivations/index.ts';
import { Topology, type TopologyInput } from './topology.ts';

const hex = (n: number) => n.toString(16).padStart(2, '0');
/** Locally administered MACs that name their node: 02:ba:<node>:<role>:<index>. */
export const nodeMac = (k: number, role: number, index = 0) => `02:ba:${hex(k >> 8)}:${hex(k & 255)}:${hex(role)}:${hex(index)}`;
export const nodeOfMac = (mac: string) => parseInt(mac.slice(6, 8) + mac.slice(9, 11), 16);
export const managementPrefix = '192.168.254';

export interface MeshOptions {
  kernel: string;
  /** Per-node kernels (store paths), e.g. to mix 6.1 and 6.12 nodes. */
  kernels?: Record<string, string>;
  image: string;
  rootfs?: 'initramfs' | 'hostfs';
  mem?: string;
  report?: Reporter;
  /** Nodes started at once (each boot is mostly waiting on its own CPU work). */
  parallel?: number;
}

export class Mesh {
  readonly nodes = new Map<string, UmlNode>();
  private readonly clients: Netns[] = [];
  private constructor(readonly topology: Topology, readonly netns: Netns) {}

  static async start(input: TopologyInput, options: MeshOptions): Promise<Mesh> {
    const topology = Topology.parse(input);
    const netns = await Netns.create('bt');
    const mesh = new Mesh(topology, netns);
    try {
      await netns.addBridge('btmgmt', `${managementPrefix}.254/24`);
      for (const [i] of topology.links.entries()) await netns.addBridge(`btl${i}`);
      const specs = topology.nodes.map((n, k) => mesh.nodeSpec(k + 1, options));
      const queue = [...specs.entries()];
      const worker = async () => {
        for (let item = queue.shift(); item; item = queue.shift()) {
          const [k, { spec, attach }] = item;
          const node = await UmlNode.start(spec, { netns, attach, mem: options.mem });
          mesh.nodes.set(topology.nodes[k].name, node);
          options.report?.(`${topology.nodes[k].name} ready (${node.ready.interfaces.length - 2} links)`);
        }
      };
      await Promise.all(Array.from({ length: options.parallel ?? 4 }, worker));
      return mesh;
    } catch (error) {
      await mesh.stop();
      throw error;
    }
  }

  /** Which link bridges a node sits on, in its hard-interface order. */
  linksOf(name: string): number[] {
    return this.topology.links.flatMap(([a, b], i) => (a === name || b === name ? [i] : []));
  }

  private nodeSpec(k: number, options: MeshOptions): { spec: NodeSpecInput; attach: Record<string, string> } {
    const node = this.topology.nodes[k - 1];
    const attach: Record<string, string> = { [`bt${node.name}m`]: 'btmgmt' };
    const hard = this.linksOf(node.name).map((link, j) => {
      attach[`bt${node.name}l${link}`] = `btl${link}`;
      const common = { mac: nodeMac(k, 2, j), ...(this.topology.linkMtu ? { mtu: this.topology.linkMtu } : {}) };
      return this.topology.linkDriver === 'tuntap'
        ? { driver: 'tuntap' as const, tap: `bt${node.name}l${link}`, ...common }
        : { driver: 'vector' as const, transport: 'tap' as const, ifname: `bt${node.name}l${link}`, ...common };
    });
    const spec = parseSpec({
      umid: `${this.netns.name}-${node.name}`,
      kernel: options.kernels?.[node.name] ?? options.kernel, image: options.image, rootfs: options.rootfs ?? 'initramfs', mem: options.mem,
      management: { driver: 'tuntap', tap: `bt${node.name}m` },
      bat0Tap: { driver: 'tuntap', tap: `bt${node.name}b`, mac: nodeMac(k, 1) },
      hard, bat0Mac: nodeMac(k, 0),
      serviceIp: `${managementPrefix}.${k}/24`, batctlWrapper: true, u9fs: false,
      alfred: node.alfred, routingAlgo: this.topology.routingAlgo,
      mesh: {
        orig_interval: this.topology.origInterval,
        bridge_loop_avoidance: this.topology.bridgeLoopAvoidance ? 1 : 0,
        ...(node.gateway !== 'off' ? { gw_mode: node.gateway } : {}),
      },
    });
    return { spec, attach };
  }

  node(name: string): UmlNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${JSON.stringify(name)} in this mesh`);
    return node;
  }

  private linkIndex(a: string, b: string): number {
    const i = this.topology.links.findIndex(([x, y]) => (x === a && y === b) || (x === b && y === a));
    if (i < 0) throw new Error(`no link ${a}-${b} in this mesh`);
    return i;
  }

  /** Take a link down (both ends' taps), as a cable pulled. */
  async cut(a: string, b: string): Promise<void> {
    const i = this.linkIndex(a, b);
    for (const end of [a, b]) await this.netns.ip('link', 'set', `bt${end}l${i}`, 'down');
  }

  async restore(a: string, b: string): Promise<void> {
    const i = this.linkIndex(a, b);
    for (const end of [a, b]) await this.netns.ip('link', 'set', `bt${end}l${i}`, 'up');
  }

  /**
   * A host behind a node: its bat0-side tap moved into a namespace of its own with
   * `address` (e.g. 10.99.0.1/24), as a client of a mesh router would be.
   */
  async client(name: string, address: string): Promise<Netns> {
    this.node(name);
    const client = await Netns.create('bt');
    this.clients.push(client);
    await this.netns.ip('link', 'set', `bt${name}b`, 'netns', client.name);
    await client.ip('addr', 'add', address, 'dev', `bt${name}b`);
    await client.ip('link', 'set', `bt${name}b`, 'up');
    return client;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop().catch(() => {})));
    for (const client of this.clients) await client.delete();
    await this.netns.delete();
  }
}
