// Socketpair links (no privilege, no host device): each point-to-point link is a unix
// socketpair kept by the link server (fdwire), each node fetching its end as a descriptor
// when it starts; a restarted node gets the same ends back.
import type { Interface } from '../../cmdline/index.ts';
import type { Descriptors, WireServer } from '../../runner/index.ts';
import type { InterfaceBase, LinkBackend, LinkEnd } from './backend.ts';

/**
 * Receive ring slots per offload link. With virtio-net headers every slot is a 64 KB buffer: the
 * driver's 64 made a ring 4 MiB, and a node of 3 links could not boot in 24M. 8 slots (512 KiB)
 * carry TCP as fast (measured side by side: 6.4–7.2 Gbit/s for 64, 8 and 16 slots).
 */
export const OFFLOAD_RING_SLOTS = 8;

export class SocketpairLinks implements LinkBackend {
  constructor(
    readonly server: WireServer,
    /** Virtio-net headers on the links (the offload option). */
    private readonly offload: boolean,
  ) {}

  hardInterface({ link, side }: LinkEnd, fds: Descriptors, base: InterfaceBase): Interface {
    const fd = fds.take({ wire: [link, side] });
    const ring = this.offload ? { depth: OFFLOAD_RING_SLOTS } : {};
    return { driver: 'vector', transport: 'fd', fd, fdKind: 'socket', offload: this.offload, ...ring, ...base };
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}
