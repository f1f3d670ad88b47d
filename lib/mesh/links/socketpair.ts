// Socketpair links (no privilege, no host device): each point-to-point link is a unix
// socketpair kept by the link server (fdwire), each node fetching its end as a descriptor
// when it starts; a restarted node gets the same ends back.
import type { Interface } from '../../cmdline/index.ts';
import type { Descriptors, WireServer } from '../../runner/index.ts';
import type { InterfaceBase, LinkBackend, LinkEnd } from './backend.ts';

export class SocketpairLinks implements LinkBackend {
  constructor(
    readonly server: WireServer,
    /** Virtio-net headers on the links (the offload option). */
    private readonly offload: boolean,
  ) {}

  hardInterface({ link, side }: LinkEnd, fds: Descriptors, base: InterfaceBase): Interface {
    const fd = fds.take({ wire: [link, side] });
    return { driver: 'vector', transport: 'fd', fd, fdKind: 'socket', offload: this.offload, ...base };
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}
