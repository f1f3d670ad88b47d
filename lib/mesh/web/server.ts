// mesh web: a running mesh as a live page, and as the files other tools read. One poll of the
// mesh per interval, while any page listens, goes to every page as one server-sent event; the
// page's clicks are the CLI's requests (cut, restore, kill, start). Also served:
// /meshviewer.json, /netjson.json, /mesh.dot, /metrics and /snapshot.json, each from a
// snapshot at most one interval old. Nothing but the page and its script comes from here:
// no CDN (labs are often offline).
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { formatIssues } from '../../issues.ts';
import { MeshError } from '../errors.ts';
import { exportSnapshot } from '../export.ts';
import { meshMetricsText } from '../metrics.ts';
import type { MeshSnapshot } from '../snapshot.ts';
import { pageScript } from './bundle.ts';

/** What the page may ask of the mesh: the CLI's requests for these operations, checked here too. */
export const PageRequest = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('cut'), a: z.string().max(64), b: z.string().max(64) }),
  z.strictObject({ op: z.literal('restore'), a: z.string().max(64), b: z.string().max(64) }),
  z.strictObject({ op: z.literal('kill'), node: z.string().max(64) }),
  z.strictObject({ op: z.literal('start'), node: z.string().max(64) }),
]);
export type PageRequest = z.infer<typeof PageRequest>;

/** Where the server gets the mesh from: the mesh's own process, or its control socket. */
export interface WebSource {
  /** routes: only what routing needs, quicker (the poll); else with traffic counters (/metrics). */
  snapshot(options: { routes: boolean }): Promise<MeshSnapshot>;
  request(request: PageRequest): Promise<unknown>;
}

export interface WebServer {
  url: string;
  /** Pages listening now. */
  readonly listeners: number;
  close(): Promise<void>;
}

/** What a page draws: the snapshot without each node's raw batman-adv state (its client count instead). */
export function pageView(snapshot: MeshSnapshot) {
  return {
    ...snapshot,
    nodes: snapshot.nodes.map(({ state, ...n }) => ({ ...n, clients: state?.localClients.length ?? 0 })),
  };
}
export type PageView = ReturnType<typeof pageView>;

/** `host:port` (IPv4 or a name; [v6]:port) as --listen takes it. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-f:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535)
    throw new MeshError(`--listen ${JSON.stringify(text)}: expected HOST:PORT, like 127.0.0.1:8080`);
  return { host: m[1] ?? m[2], port };
}

const MAX_BODY = 4096;

export async function serveWeb(
  source: WebSource,
  { host = '127.0.0.1', port = 8080, intervalMs = 1000 }: { host?: string; port?: number; intervalMs?: number } = {},
): Promise<WebServer> {
  const [html, script] = await Promise.all([readFile(new URL('./index.html', import.meta.url), 'utf8'), pageScript()]);
  const streams = new Set<ServerResponse>();
  let latest: { at: number; snapshot: MeshSnapshot } | undefined;
  let inFlight: Promise<MeshSnapshot> | undefined;
  let lastError: string | undefined;

  /** A snapshot at most one interval old; concurrent askers share one read. */
  const current = (maxAgeMs = intervalMs): Promise<MeshSnapshot> => {
    if (latest && Date.now() - latest.at < maxAgeMs) return Promise.resolve(latest.snapshot);
    inFlight ??= source
      .snapshot({ routes: true })
      .then((snapshot) => {
        latest = { at: Date.now(), snapshot };
        lastError = undefined;
        return snapshot;
      })
      .finally(() => (inFlight = undefined));
    return inFlight;
  };

  const send = (stream: ServerResponse, event: string, data: string) =>
    stream.write(`event: ${event}\ndata: ${data}\n\n`);
  const broadcast = (event: string, data: string) => {
    for (const stream of streams) send(stream, event, data);
  };

  // The poll: only while a page listens. Each round's view is serialized once for every page.
  // One round at a time: a change asked for meanwhile (pollSoon) gets the round after it.
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let again = false;
  let closed = false;
  const poll = async () => {
    timer = undefined;
    if (closed || streams.size === 0) return;
    polling = true;
    const started = Date.now();
    try {
      broadcast('snapshot', JSON.stringify(pageView(await current(0))));
    } catch (error) {
      const message = (error as Error).message;
      if (message !== lastError) broadcast('problem', JSON.stringify({ error: message }));
      lastError = message;
    }
    polling = false;
    if (closed || streams.size === 0) return;
    // A read that takes long (many nodes, each batctl call a host process) leaves the mesh's
    // control socket free half the time at least: the page's clicks and the CLI wait less.
    const took = Date.now() - started;
    timer = setTimeout(poll, again ? 0 : Math.max(intervalMs - took, took));
    again = false;
  };
  const pollSoon = () => {
    if (polling) return void (again = true);
    if (timer) clearTimeout(timer);
    timer = setTimeout(poll, 0);
  };

  const files: Record<string, () => Promise<[string, string]>> = {
    '/meshviewer.json': async () => ['application/json', exportSnapshot(await current(), 'meshviewer')],
    '/netjson.json': async () => ['application/json', exportSnapshot(await current(), 'netjson')],
    '/mesh.dot': async () => ['text/vnd.graphviz', exportSnapshot(await current(), 'dot')],
    '/snapshot.json': async () => ['application/json', JSON.stringify(await current())],
    // Traffic counters too: a read of its own (Prometheus scrapes seldom).
    '/metrics': async () => [
      'text/plain; version=0.0.4',
      await meshMetricsText(await source.snapshot({ routes: false })),
    ],
  };

  const answer = (response: ServerResponse, status: number, type: string, body: string, headers = {}) =>
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers }).end(body);
  // The read-only files may be fetched by a page elsewhere (a community's meshviewer).
  const shared = { 'access-control-allow-origin': '*' };

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'POST' && path === '/api') return void handleRequest(request, response);
    if (request.method !== 'GET') return answer(response, 405, 'text/plain', 'batu mesh web: GET, or POST /api\n');
    if (path === '/') return answer(response, 200, 'text/html; charset=utf-8', html);
    if (path === '/page.js') return answer(response, 200, 'text/javascript', script);
    if (path === '/events') {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      streams.add(response);
      if (latest) send(response, 'snapshot', JSON.stringify(pageView(latest.snapshot)));
      // A page that goes away frees its stream at once (the response closes with its connection).
      response.once('close', () => streams.delete(response));
      if (!timer && !polling) pollSoon();
      return;
    }
    const file = files[path];
    if (!file) return answer(response, 404, 'text/plain', `batu mesh web: nothing at ${path}\n`);
    file().then(
      ([type, body]) => answer(response, 200, type, body, shared),
      (error: Error) => answer(response, 503, 'text/plain', `${error.message}\n`),
    );
  });

  /** POST /api: a page's click, checked, sent to the mesh as the CLI would; JSON in and out. */
  async function handleRequest(request: IncomingMessage, response: ServerResponse) {
    const reply = (status: number, body: object) => answer(response, status, 'application/json', JSON.stringify(body));
    // Only this page's own script may change the mesh: another site's page in the same browser
    // may not, nor one whose name was made to point here (DNS rebinding: a Host not ours).
    const origin = request.headers.origin;
    if (origin && origin !== `http://${request.headers.host}`)
      return reply(403, { ok: false, error: `requests from ${origin} are not this page's` });
    if (ownHosts && !ownHosts.has(request.headers.host ?? ''))
      return reply(403, { ok: false, error: `requests for host ${request.headers.host} are not this page's` });
    let body = '';
    for await (const chunk of request) {
      body += chunk;
      if (body.length > MAX_BODY) return reply(413, { ok: false, error: `a request is at most ${MAX_BODY} bytes` });
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      return reply(400, { ok: false, error: `bad request: ${(error as Error).message}` });
    }
    const parsed = PageRequest.safeParse(json);
    if (!parsed.success)
      return reply(400, { ok: false, error: `bad request: ${formatIssues(parsed.error, { top: 'request' })}` });
    try {
      const result = await source.request(parsed.data);
      latest = undefined; // the next view shows the change
      pollSoon();
      reply(200, { ok: true, result: result ?? null });
    } catch (error) {
      reply(409, { ok: false, error: (error as Error).message });
    }
  }

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  // The names this server is reached by on loopback; listening on every address, any (the
  // machine's names cannot all be known).
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(host) || host.startsWith('127.');
  const ownHosts = loopback
    ? new Set(
        [host, '127.0.0.1', 'localhost', '[::1]'].map(
          (h) => `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${address.port}`,
        ),
      )
    : undefined;
  // Comments keep idle streams open through proxies; a client that left is noticed on write too.
  const keepalive = setInterval(() => {
    for (const stream of streams) stream.write(': keepalive\n\n');
  }, 15_000);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    get listeners() {
      return streams.size;
    },
    async close() {
      closed = true;
      clearInterval(keepalive);
      if (timer) clearTimeout(timer);
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
