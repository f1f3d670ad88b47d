// What the gateway's daemons say of themselves over their own sockets: fastd's status socket
// (a JSON dump on connect: its peers, and which of them have a connection) and kea's control
// socket (the built-in statistic-get-all: assigned addresses per subnet). Read by
// `gateway status` and the metrics; no hook library and no log parsing.
import { createConnection } from 'node:net';

export interface FastdPeer {
  name: string;
  /** The public key, as fastd keys its peers. */
  key: string;
  address: string;
  connected: boolean;
  /** The MACs fastd has seen behind the peer (its router's interfaces). */
  macs: string[];
}

/** Send `request` (if any) to a unix socket and read until the daemon closes it. */
function ask(socket: string, request?: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socket);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      connection.destroy();
      reject(new Error(`${socket}: no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    connection.on('connect', () => (request ? connection.write(request) : undefined));
    connection.on('data', (chunk: Buffer) => chunks.push(chunk));
    connection.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${socket}: ${error.message}`));
    });
    connection.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString());
    });
  });
}

interface FastdDump {
  interface?: string;
  peers?: Record<string, { name?: string; address?: string; connection?: { mac_addresses?: string[] } | null }>;
}

/** fastd's peers, from its status socket. */
export async function fastdPeers(socket: string): Promise<FastdPeer[]> {
  const text = await ask(socket);
  let dump: FastdDump;
  try {
    dump = JSON.parse(text) as FastdDump;
  } catch {
    throw new Error(`${socket}: fastd's status is not JSON: ${text.slice(0, 80)}`);
  }
  return Object.entries(dump.peers ?? {}).map(([key, peer]) => ({
    name: peer.name ?? key.slice(0, 16),
    key,
    address: peer.address ?? 'any',
    connected: !!peer.connection,
    macs: peer.connection?.mac_addresses ?? [],
  }));
}

/** kea-dhcp4's assigned addresses per subnet id, from its control socket. */
export async function keaAssigned(socket: string): Promise<Map<number, number>> {
  const text = await ask(socket, JSON.stringify({ command: 'statistic-get-all' }));
  const answer = JSON.parse(text) as { result: number; text?: string; arguments?: Record<string, [number, string][]> };
  if (answer.result !== 0) throw new Error(`kea: statistic-get-all: ${answer.text ?? `result ${answer.result}`}`);
  const assigned = new Map<number, number>();
  for (const [name, samples] of Object.entries(answer.arguments ?? {})) {
    const m = /^subnet\[(\d+)\]\.assigned-addresses$/.exec(name);
    if (m) assigned.set(Number(m[1]), samples[0]?.[0] ?? 0);
  }
  return assigned;
}
