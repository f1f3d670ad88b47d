// Where a partition's peer hosts are now. A host named by DNS (a pod's stable name) gets a
// new address when its pod is restarted, and the tunnels to it still point at the old one.
// Each peer's name is looked up again every `intervalMs`, and at once when asked (`mesh
// restore` of a link to it); when an address has changed, `moved` re-plugs the links.
// Why not only when a link falls silent: UML's L2TPv3 takes packets from any source, so the
// restarted side's packets still arrive here; only what this side sends goes astray, which
// nothing on this side can hear.
import { isIPv4 } from 'node:net';
import type { Reporter } from '../derivations/index.ts';
import { resolveHost } from './hosts.ts';
import type { Host } from './topology.ts';

export class PeerWatch {
  private timer?: NodeJS.Timeout;
  /** Checks run one at a time; this is the last one queued. */
  private last: Promise<void> = Promise.resolve();

  constructor(
    /** The hosts this partition has links to; those given as addresses never move. */
    private readonly peers: Host[],
    /** Every host's current address, by name: updated here, read by the tunnels. */
    private readonly addresses: Map<string, string>,
    /** Re-plug what points at an old address (after any check: a failed re-plug is retried). */
    private readonly moved: () => Promise<void>,
    private readonly report?: Reporter,
  ) {}

  /** Look again every `intervalMs` (0: only when asked). */
  start(intervalMs: number): void {
    if (!intervalMs || !this.peers.some((h) => !isIPv4(h.address))) return;
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  /** Stop looking; resolves once a check under way is done. */
  stop(): Promise<void> {
    clearInterval(this.timer);
    return this.last;
  }

  /** Look the peers (or one) up now and re-plug the links to any that moved. */
  check(host?: string): Promise<void> {
    return (this.last = this.last.then(() => this.checkNow(host)));
  }

  private async checkNow(only?: string): Promise<void> {
    for (const host of this.peers) {
      if ((only && host.name !== only) || isIPv4(host.address)) continue;
      // A name that does not resolve (the pod is not back yet) keeps the address it had.
      const now = await resolveHost(host.address).catch(() => undefined);
      const before = this.addresses.get(host.name);
      if (!now || now === before) continue;
      this.addresses.set(host.name, now);
      this.report?.(`host ${host.name} (${host.address}) moved from ${before} to ${now}: re-plugging the links to it`);
    }
    await this.moved().catch((error: Error) => this.report?.(`re-plugging links: ${error.message}`));
  }
}
