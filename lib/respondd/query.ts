// The asking side of respondd (what Gluon's gluon-neighbour-info does, and a map's collector):
// one request to a node's address or to a respondd group on an interface, then every answer
// that arrives within the wait, decoded.
import { createSocket } from 'node:dgram';
import {
  decodeReply,
  encodeRequest,
  MAX_DATAGRAM,
  RESPONDD_GROUPS,
  RESPONDD_PORT,
  SECTIONS,
  type Section,
} from './protocol.ts';

export interface ResponddAnswer {
  /** Who answered (with its scope for a link-local address). */
  from: string;
  data: Record<string, unknown>;
}

export interface QueryOptions {
  /** A node's address, or a respondd group's (multicast: then `interface`). */
  address?: string;
  /** Ask the link-local group on this interface (site-wide with `site`). */
  interface?: string;
  site?: boolean;
  sections?: Section[];
  port?: number;
  /** How long to wait for answers (default 3 s; a unicast query ends at its first answer). */
  waitMs?: number;
}

export async function queryRespondd(options: QueryOptions): Promise<ResponddAnswer[]> {
  const group = options.site ? RESPONDD_GROUPS.site : RESPONDD_GROUPS.link;
  const target = options.address ?? (options.interface ? `${group}%${options.interface}` : undefined);
  if (!target) throw new Error('respondd query: give an address, or an interface to ask its respondd group on');
  const multicast = !options.address;
  const socket = createSocket({ type: 'udp6', recvBufferSize: 1 << 20 });
  const answers: ResponddAnswer[] = [];
  try {
    await new Promise<void>((resolve) => socket.bind(0, resolve));
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.waitMs ?? 3000);
      socket.on('message', (message, from) => {
        if (message.length > MAX_DATAGRAM) return;
        try {
          answers.push({ from: from.address, data: decodeReply(message) });
        } catch {
          return; // not an answer
        }
        if (!multicast) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const request = encodeRequest(options.sections ?? SECTIONS);
    await new Promise<void>((resolve, reject) =>
      socket.send(request, options.port ?? RESPONDD_PORT, target, (error) => (error ? reject(error) : resolve())),
    );
    await done;
  } finally {
    socket.close();
  }
  return answers;
}
