// The bridge backend's host side of a node (root, in the mesh's namespace): its management
// tap on the management bridge (its service address: batctl over TCP, alfred, 9P), its bat0
// tap, and clients behind that tap, each in a namespace of its own.
import type { NodeSpecInput } from '../cmdline/index.ts';
import { Netns, type Descriptors } from '../runner/index.ts';
import { hostDevice } from './devices.ts';
import { nodeMac, type HostSide } from './node-spec.ts';
import type { Topology } from './topology.ts';

/** Node k's service address: 192.168.254.k as the original's, then on down 192.168.253.x … (a /16). */
export const managementAddress = (k: number) => `192.168.${254 - Math.floor((k - 1) / 253)}.${((k - 1) % 253) + 1}`;

export class ManagementSide implements HostSide {
  constructor(
    readonly netns: Netns,
    private readonly topology: Topology,
  ) {}

  /** The management bridge the nodes' management taps join (the host's address on it: .254.254). */
  async start(): Promise<void> {
    await this.netns.addBridge(hostDevice('management-bridge'), '192.168.254.254/16');
  }

  spec(name: string, k: number, fds: Descriptors): Partial<NodeSpecInput> {
    const { bat0Driver, bat0Mtu, offload } = this.topology;
    const tap = hostDevice('bat0-tap', name);
    return {
      management: { driver: 'tuntap', tap: hostDevice('management-tap', name) },
      bat0Tap:
        bat0Driver === 'tuntap'
          ? { driver: 'tuntap', tap, mac: nodeMac(k, 1), mtu: bat0Mtu }
          : // Opened by the runner and handed over as a descriptor: a client() moves the tap into
            // its own namespace, which a tap UML opened by name does not survive reliably.
            {
              driver: 'vector',
              transport: 'fd',
              fd: fds.take({ tap }),
              fdKind: 'tap',
              offload,
              mac: nodeMac(k, 1),
              mtu: bat0Mtu,
            },
      serviceIp: `${managementAddress(k)}/16`,
      batctlWrapper: true,
    };
  }

  attach(name: string): Record<string, string> {
    return { [hostDevice('management-tap', name)]: hostDevice('management-bridge') };
  }

  /**
   * A host behind a node: a namespace of its own with `address` on the node's bat0 side.
   * The legacy tap moves into it. A vector tap stays put (the vector driver stops reading a
   * tap that went down, as a move does): a veth pair and a bridge join it to the client instead.
   */
  async client(name: string, address: string, clients: Netns[]): Promise<Netns> {
    const client = await Netns.create('bt');
    clients.push(client);
    const tap = hostDevice('bat0-tap', name);
    let device = tap;
    if (this.topology.bat0Driver === 'vector') {
      const mtu = String(this.topology.bat0Mtu ?? 1500);
      const [veth, bridge] = [hostDevice('client-veth', name), hostDevice('client-bridge', name)];
      device = hostDevice('client-peer', name);
      // the veth's peer goes straight into the client's namespace
      await this.netns.ip(
        'link',
        'add',
        veth,
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
      await this.netns.addBridge(bridge);
      for (const port of [tap, veth]) await this.netns.attach(port, bridge);
      await this.netns.ip('link', 'set', veth, 'up');
    } else {
      await this.netns.ip('link', 'set', device, 'netns', client.name);
    }
    await client.ip('addr', 'add', address, 'dev', device);
    await client.ip('link', 'set', device, 'up');
    return client;
  }
}
