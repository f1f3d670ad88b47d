// Links to another host's nodes (a partitioned topology): L2TPv3 over UDP between the two
// hosts' addresses, unprivileged like the socketpair links. Both ends use the link's own
// port (basePort + 1 + link) and session (link + 1): nothing to agree on but the topology.
// A UML tunnel's peer address is fixed when it is plugged; each end's is remembered, so the
// ends whose peer has since moved (peers.ts) can be found and plugged again.
import type { Interface } from '../../cmdline/index.ts';
import type { InterfaceBase, LinkBackend, LinkEnd } from './backend.ts';

export class TunnelLinks implements LinkBackend {
  /** The peer address each end was plugged with, by node and link. */
  private readonly plugged = new Map<string, { end: LinkEnd; dst: string }>();

  constructor(
    /** This host's address and the other end's, by link (its current address). */
    private readonly local: string,
    private readonly remoteOf: (link: number) => string,
    private readonly basePort: number,
  ) {}

  hardInterface(end: LinkEnd, _fds: unknown, base: InterfaceBase): Interface {
    const port = this.basePort + 1 + end.link;
    const dst = this.remoteOf(end.link);
    this.plugged.set(`${end.node}/${end.link}`, { end, dst });
    return {
      driver: 'vector',
      transport: 'l2tpv3',
      src: this.local,
      dst,
      srcPort: port,
      dstPort: port,
      key: end.link + 1,
      ...base,
    };
  }

  /** The ends plugged with a peer address their peer no longer has. */
  moved(): LinkEnd[] {
    return [...this.plugged.values()].filter((p) => p.dst !== this.remoteOf(p.end.link)).map((p) => p.end);
  }
}
