// A link backend: how one kind of link reaches a node. The node builder (node-spec.ts) asks
// it for a node's hard interface on each of its links; a backend that needs host devices
// makes them itself. A new kind of link (a host tunnel, a capture point) is one new file
// implementing this.
import type { Interface } from '../../cmdline/index.ts';
import type { Descriptors } from '../../runner/index.ts';

/** One node's end of a link. */
export interface LinkEnd {
  node: string;
  /** The node's number (1-based, topology order): its MACs derive from it. */
  k: number;
  /** The link's index in the topology. */
  link: number;
  /** The link's place among the node's links: its hard interface is the j-th. */
  j: number;
  /** Which end of the link the node is (0: first named). */
  side: 0 | 1;
}

/** A host device a link's frames pass, and the namespace it is in. */
export type DevicePoint = { kind: 'device'; netns: string; device: string };

/**
 * Where `mesh capture` reads a link's frames: a host device they pass, or (a link no host
 * device sees) the interface of the node at one end, streamed as pcap by its batctl service.
 */
export type CapturePoint =
  DevicePoint | { kind: 'guest'; netns: string; node: string; address: string; port: number; interface: string };

/** What every hard interface has, whatever carries it. */
export type InterfaceBase = { mac: string; mtu?: number };

export interface LinkBackend {
  /** The node's interface on this link; descriptors it needs are taken from `fds`. */
  hardInterface(end: LinkEnd, fds: Descriptors, base: InterfaceBase): Interface;
  /** Host devices of this end to put into host bridges before the node starts: device → bridge. */
  attach?(end: LinkEnd): Record<string, string>;
  /** Make a link's host side (at start, and for a link added while the mesh runs). */
  addLink?(link: number): Promise<void>;
  /** Hot-plug: make this end's host device for a node that is running already. */
  plug?(end: LinkEnd, iface: Interface): Promise<void>;
  /** Where a link's frames pass a host device (`mesh capture`); absent: this backend has none. */
  capturePoint?(link: number): DevicePoint;
  /** Remove what the backend made. */
  stop?(): Promise<void>;
}
