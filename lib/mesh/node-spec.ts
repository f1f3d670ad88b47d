// One node's spec from the topology, for Mesh and SimMesh alike: what every node has (its
// MACs, batman-adv settings, one hard interface per link, each from its link's backend)
// plus what its host side adds (a management network and bat0 tap, or a console).
import { parseSpec, type Interface, type NodeSpec, type NodeSpecInput } from '../cmdline/index.ts';
import type { Descriptors } from '../runner/index.ts';
import type { LinkBackend, LinkEnd } from './links/backend.ts';
import { linksOf, nodeNumber, type Topology } from './topology.ts';

const hex = (n: number) => n.toString(16).padStart(2, '0');
/** Locally administered MACs that name their node: 02:ba:<node>:<role>:<index>. */
export const nodeMac = (k: number, role: number, index = 0) =>
  `02:ba:${hex(k >> 8)}:${hex(k & 255)}:${hex(role)}:${hex(index)}`;
export const nodeOfMac = (mac: string) => parseInt(mac.slice(6, 8) + mac.slice(9, 11), 16);

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

/** What the host side of a node adds to its spec, asked once its links have their descriptors. */
export interface HostSide {
  spec(name: string, k: number, fds: Descriptors): Partial<NodeSpecInput>;
  /** Host devices to put into host bridges: device → bridge. */
  attach?(name: string): Record<string, string>;
}

/** A node whose only way in is its second console (no management network). */
export const consoleSide: HostSide = { spec: () => ({ batctlConsole: true }) };

export interface NodeParts {
  umid: string;
  kernel: string;
  image: string;
  rootfs: 'initramfs' | 'hostfs';
  mem?: string;
  /** UML's directory for the node's sockets (relative: lib/sim keeps command lines alike). */
  umlDir?: string;
  /** The backend that carries each of the node's links. */
  backendOf: (link: number) => LinkBackend;
  host: HostSide;
  fds: Descriptors;
}

/** A node's interface on one of its links, as its backend makes it. */
export function hardInterface(topology: Topology, end: LinkEnd, backend: LinkBackend, fds: Descriptors): Interface {
  const base = { mac: nodeMac(end.k, 2, end.j), ...(topology.linkMtu ? { mtu: topology.linkMtu } : {}) };
  return backend.hardInterface(end, fds, base);
}

/** The node's spec and the host devices to bridge before it starts. */
export function nodeSpec(
  topology: Topology,
  name: string,
  parts: NodeParts,
): { spec: NodeSpec; attach: Record<string, string> } {
  const k = nodeNumber(topology, name);
  const attach: Record<string, string> = {};
  const hard = linksOf(topology, name).map((link, j) => {
    const end = { node: name, k, link, j, side: topology.links[link].nodes.indexOf(name) as 0 | 1 };
    const backend = parts.backendOf(link);
    Object.assign(attach, backend.attach?.(end));
    return hardInterface(topology, end, backend, parts.fds);
  });
  Object.assign(attach, parts.host.attach?.(name));
  const { umid, umlDir, kernel, image, rootfs, mem } = parts;
  const spec = parseSpec({
    umid,
    ...(umlDir ? { umlDir } : {}),
    kernel,
    image,
    rootfs,
    mem,
    hard,
    bat0Mac: nodeMac(k, 0),
    alfred: topology.nodes[k - 1].alfred,
    routingAlgo: topology.routingAlgo,
    mesh: meshSettingsOf(topology, name),
    ...parts.host.spec(name, k, parts.fds),
  });
  return { spec, attach };
}
