// The servers a running mesh answers on: JSON lines on a unix socket (every request), and
// GET /status over HTTP (a partition's, for the other hosts). Requests run one at a time,
// in the order they came, whichever server took them.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';

/** One thing at a time, in order. */
export class Turns {
  private last = Promise.resolve();
  run(work: () => Promise<void>): void {
    this.last = this.last.then(work);
  }
}

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
      const line = buffer.slice(0, end);
      turns.run(async () => void socket.end(`${JSON.stringify(await answer(line, socket))}\n`));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  return server;
}

/** Read-only HTTP: GET /status answers `status()` as JSON; anything else is 404. */
export async function statusServer(
  { address, port }: { address: string; port: number },
  turns: Turns,
  status: () => Promise<unknown>,
): Promise<HttpServer> {
  const http = createHttpServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/status')
      return void response.writeHead(404).end('batu mesh: only GET /status here\n');
    turns.run(async () => {
      try {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await status()));
      } catch (error) {
        response.writeHead(500).end(`${(error as Error).message}\n`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => http.once('error', reject).listen(port, address, resolve));
  return http;
}
