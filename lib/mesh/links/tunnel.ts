// Links to another host's nodes (a partitioned topology): L2TPv3 over UDP between the two
// hosts' addresses, unprivileged like the socketpair links. Both ends use the link's own
// port (basePort + 1 + link) and session (link + 1): nothing to agree on but the topology.
import type { Interface } from '../../cmdline/index.ts';
import type { InterfaceBase, LinkBackend, LinkEnd } from './backend.ts';

export class TunnelLinks implements LinkBackend {
  constructor(
    /** This host's address and the other end's, by link. */
    private readonly local: string,
    private readonly remoteOf: (link: number) => string,
    private readonly basePort: number,
  ) {}

  hardInterface({ link }: LinkEnd, _fds: unknown, base: InterfaceBase): Interface {
    const port = this.basePort + 1 + link;
    return {
      driver: 'vector',
      transport: 'l2tpv3',
      src: this.local,
      dst: this.remoteOf(link),
      srcPort: port,
      dstPort: port,
      key: link + 1,
      ...base,
    };
  }
}
