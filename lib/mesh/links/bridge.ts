// Tap links on host bridges (the bridge backend, root): one bridge per link in the mesh's
// namespace, a tap of each end in it, so several ends make a shared medium. The node opens
// its tap by name: UML's tuntap driver, or the vector driver's transport=tap.
import type { Interface } from '../../cmdline/index.ts';
import type { Netns } from '../../runner/index.ts';
import { hostDevice } from '../devices.ts';
import type { DevicePoint, InterfaceBase, LinkBackend, LinkEnd } from './backend.ts';

export class BridgeLinks implements LinkBackend {
  constructor(
    private readonly netns: Netns,
    private readonly driver: 'tuntap' | 'vector',
  ) {}

  hardInterface({ node, link }: LinkEnd, _fds: unknown, base: InterfaceBase): Interface {
    const tap = hostDevice('link-tap', node, link);
    return this.driver === 'tuntap'
      ? { driver: 'tuntap', tap, ...base }
      : { driver: 'vector', transport: 'tap', ifname: tap, ...base };
  }

  attach({ node, link }: LinkEnd): Record<string, string> {
    return { [hostDevice('link-tap', node, link)]: hostDevice('link-bridge', '', link) };
  }

  async addLink(link: number): Promise<void> {
    await this.netns.addBridge(hostDevice('link-bridge', '', link));
  }

  /** The link's bridge: every end's frames pass it. */
  capturePoint(link: number): DevicePoint {
    return { kind: 'device', netns: this.netns.name, device: hostDevice('link-bridge', '', link) };
  }

  async plug(end: LinkEnd, iface: Interface): Promise<void> {
    const [[tap, bridge]] = Object.entries(this.attach(end));
    await this.netns.addTap(tap, { mtu: iface.mtu });
    await this.netns.attach(tap, bridge);
  }
}
