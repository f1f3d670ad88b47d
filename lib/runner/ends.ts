// The descriptors a node inherits, numbered here in the order they are asked for (3 up;
// 0-2 are stdio), so no caller counts them: a wire end is fetched from a socketpair server
// (fdwire, or lib/sim's calendar), a tap is opened by the tapfd helper.
import type { StartOptions } from './node.ts';

export type End = { wire: [pair: number, end: 0 | 1] } | { tap: string };

export class Descriptors {
  private next = 3;
  private readonly wires: Record<number, [number, 0 | 1]> = {};
  private readonly taps: Record<number, string> = {};

  /** `server`: the socket wire ends are fetched from. */
  constructor(private readonly server?: string) {}

  /** A descriptor for `end`: its number in the node. */
  take(end: End): number {
    const fd = this.next++;
    if ('tap' in end) this.taps[fd] = end.tap;
    else if (!this.server) throw new Error(`a wire end (pair ${end.wire[0]}) needs a socketpair server`);
    else this.wires[fd] = end.wire;
    return fd;
  }

  /** What UmlNode.start needs to open them. */
  startOptions(): Pick<StartOptions, 'wire' | 'tapFds'> {
    return {
      ...(this.server ? { wire: { server: this.server, fds: this.wires } } : {}),
      ...(Object.keys(this.taps).length ? { tapFds: this.taps } : {}),
    };
  }
}
