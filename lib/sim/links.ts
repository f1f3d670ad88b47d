// Simulated-time links: every frame goes through the calendar (simcal), which delays, drops
// and rate-limits it by the link's model in simulated time. A node's k-th calendar slots
// (k * SLOTS + slot) are its console, its batctl console and its links, each a socketpair end
// the calendar hands out.
import type { Interface } from '../cmdline/index.ts';
import type { Descriptors } from '../runner/index.ts';
import type { InterfaceBase, LinkBackend, LinkEnd } from '../mesh/links/backend.ts';
import { BATCTL_SLOT, CONSOLE_SLOT, FIRST_LINK_SLOT, SLOTS } from './calendar.ts';

/** The calendar's slot of a node's link: its j-th. */
export const linkSlot = (j: number) => FIRST_LINK_SLOT + j;

export const calendarLinks: LinkBackend = {
  hardInterface({ k, j }: LinkEnd, fds: Descriptors, base: InterfaceBase): Interface {
    const fd = fds.take({ wire: [k * SLOTS + linkSlot(j), 0] });
    return { driver: 'vector', transport: 'fd', fd, fdKind: 'socket', offload: false, ...base };
  },
};

/** Node k's two consoles on calendar slots, taken before its links. */
export function calendarConsoles(k: number, fds: Descriptors): { con0: number; batctl: number } {
  return {
    con0: fds.take({ wire: [k * SLOTS + CONSOLE_SLOT, 0] }),
    batctl: fds.take({ wire: [k * SLOTS + BATCTL_SLOT, 0] }),
  };
}
