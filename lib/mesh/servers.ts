// The servers a running mesh answers on: JSON lines on a unix socket (every request), and
// GET /status over HTTP (a partition's, for the other hosts). Requests run one at a time;
// the socket's (the operator's own) go ahead of HTTP's, each lane holds a bounded number
// waiting, and HTTP reads a status snapshot that many readers share.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';

type Lane = 'control' | 'http';

/** One thing at a time: the control lane's first, then HTTP's; each lane at most `limit` waiting. */
export class Turns {
  private readonly lanes: Record<Lane, (() => Promise<void>)[]> = { control: [], http: [] };
  private running = false;
  constructor(readonly limit = 64) {}

  /** Queue `work` in `lane`; false (nothing queued) when that lane is full. */
  offer(lane: Lane, work: () => Promise<void>): boolean {
    if (this.lanes[lane].length >= this.limit) return false;
    this.lanes[lane].push(work);
    void this.pump();
    return true;
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let work = this.next(); work; work = this.next()) await work().catch(() => {});
    } finally {
      this.running = false;
    }
  }

  private next() {
    return this.lanes.control.shift() ?? this.lanes.http.shift();
  }
}

export const busyMessage = (limit: number) => `busy: ${limit} requests are waiting already; try again`;

/** A JSON-lines server: each connection sends one line and gets one answer line. */
export async function lineServer(
  path: string,
  turns: Turns,
  answer: (line: string, socket: Socket) => Promise<object>,
): Promise<Server> {
  const server = createServer((socket) => {
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk;
      if (buffer.length > 1 << 20) return socket.destroy();
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      socket.removeAllListeners('data'); // one request per connection
      const line = buffer.slice(0, end);
      const queued = turns.offer('control', async () => {
        if (!socket.destroyed) socket.end(`${JSON.stringify(await answer(line, socket))}\n`);
      });
      if (!queued) socket.end(`${JSON.stringify({ ok: false, error: busyMessage(turns.limit) })}\n`);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  return server;
}

/**
 * Read-only HTTP: GET /status answers `status()` as JSON; anything else is 404. A status at
 * most `freshMs` old is answered as it is; otherwise one refresh (one turn) serves every
 * request waiting for it, so a crowd of readers costs one status, not one each.
 */
export async function statusServer(
  { address, port }: { address: string; port: number },
  turns: Turns,
  status: () => Promise<unknown>,
  freshMs = 1000,
): Promise<HttpServer> {
  let snapshot: { at: number; body: string } | undefined;
  let refresh: Promise<string> | undefined;
  const current = (): Promise<string> | undefined => {
    if (snapshot && Date.now() - snapshot.at <= freshMs) return Promise.resolve(snapshot.body);
    if (refresh) return refresh;
    let settle!: { resolve: (body: string) => void; reject: (e: Error) => void };
    const next = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
    const queued = turns.offer('http', async () => {
      try {
        const body = JSON.stringify(await status());
        snapshot = { at: Date.now(), body };
        settle.resolve(body);
      } catch (error) {
        settle.reject(error as Error);
      } finally {
        refresh = undefined;
      }
    });
    if (!queued) return undefined;
    return (refresh = next);
  };
  const http = createHttpServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/status')
      return void response.writeHead(404).end('batu mesh: only GET /status here\n');
    const body = current();
    if (!body) return void response.writeHead(503, { 'retry-after': '1' }).end(`${busyMessage(turns.limit)}\n`);
    body.then(
      (text) => response.writeHead(200, { 'content-type': 'application/json' }).end(text),
      (error: Error) => response.writeHead(500).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => http.once('error', reject).listen(port, address, resolve));
  return http;
}
