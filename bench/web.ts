// bench/web: mesh web under load. A 25-node grid served by name; `batu mesh web` in a process
// of its own (so its CPU and memory are its own); first 1 page client, then 50, each reading the
// server-sent events as a browser's EventSource does. Reported: the page server's CPU (% of a
// core) and resident memory in each phase, events each client got per second, whether the mesh
// still converges under it, and the streams left open after half and then all of the clients
// (curl processes) were killed (from the kernel's socket table: a client that leaves must free
// its stream).
//   npx tsx bench/web.ts   (BATU_BENCH_SECONDS: seconds of the 50-client phase, default 60)
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { grid, meshDown, meshRequest, runMesh } from '../lib/mesh/index.ts';
import { groupProcesses, groupUsage } from '../lib/process/index.ts';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { image } from '../recipes/image.ts';
import { printResults } from './report.ts';

const seconds = Number(process.env.BATU_BENCH_SECONDS ?? 60);
const NAME = 'btwebload';

/** A page client: curl reading /events (a process of its own, as a browser tab is), counting the snapshots it is sent. */
function client(url: string) {
  const curl = execa('curl', ['-sN', new URL('/events', url).href], { reject: false, buffer: false });
  let events = 0;
  curl.stdout!.on('data', (chunk: Buffer) => (events += (String(chunk).match(/^event: snapshot$/gm) ?? []).length));
  return {
    abort: () => curl.kill('SIGKILL'),
    done: curl,
    get events() {
      return events;
    },
  };
}

/** Resident memory of a process group, MiB. */
async function groupRss(pgid: number): Promise<number> {
  let kib = 0;
  for (const { pid } of await groupProcesses(pgid)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kib += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return kib / 1024;
}

/** Established connections to the server's port (its open streams, and any request in flight). */
async function openStreams(port: number): Promise<number> {
  const { stdout } = await execa('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
  return stdout.split('\n').filter(Boolean).length;
}

/** The server's CPU (% of a core) and memory while `clients` page clients listen for `secs`. */
async function phase(pgid: number, url: string, clients: number, secs: number) {
  const pages = Array.from({ length: clients }, () => client(url));
  await sleep(2000);
  const before = await groupUsage(pgid);
  const eventsBefore = pages.map((p) => p.events);
  const t0 = performance.now();
  await sleep(secs * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  const after = await groupUsage(pgid);
  const perClient = pages.map((p, i) => (p.events - eventsBefore[i]) / elapsed);
  return {
    pages,
    cpu: (100 * (after.cpuSeconds - before.cpuSeconds)) / elapsed,
    rss: await groupRss(pgid),
    eventsPerSecond: perClient.reduce((a, b) => a + b, 0) / clients,
    slowest: Math.min(...perClient),
  };
}

export async function benchWeb(): Promise<Record<string, number | string>> {
  const {
    paths: [kernel, guest],
  } = await realiseAll([await linuxV15(), await image()], { report: silentReporter });
  let upResolve!: () => void;
  const up = new Promise<void>((resolve) => (upResolve = resolve));
  const running = runMesh(grid(5, 5), { kernel, image: guest, name: NAME, onUp: () => upResolve() });
  await Promise.race([up, running]);
  // node itself (npx and tsx's launcher would not pass the ctrl-c on), in a process group of its own.
  const server = execa(
    process.execPath,
    ['--import', 'tsx', 'bin/batu.ts', 'mesh', 'web', '-n', NAME, '--listen', '127.0.0.1:0'],
    { cwd: new URL('..', import.meta.url).pathname, detached: true, reject: false },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => {
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(String(chunk));
        if (m) resolve(m[1]);
      });
      void server.then((r) => reject(new Error(`mesh web ended: ${r.stderr}`)));
    });
    const port = Number(new URL(url).port);
    const pgid = server.pid!;
    const idle = { cpu: (await groupUsage(pgid)).cpuSeconds, rss: await groupRss(pgid) };
    const one = await phase(pgid, url, 1, 20);
    for (const p of one.pages) p.abort();
    const many = await phase(pgid, url, 50, seconds);
    const status = await meshRequest(NAME, { op: 'status' });
    // Half of the clients leave; then the rest.
    for (const p of many.pages.slice(0, 25)) p.abort();
    await sleep(3000);
    const afterHalf = await openStreams(port);
    for (const p of many.pages.slice(25)) p.abort();
    await sleep(3000);
    const afterAll = await openStreams(port);
    return {
      nodes: 25,
      seconds_with_50_clients: seconds,
      server_rss_mib_start: idle.rss,
      server_cpu_percent_1_client: one.cpu,
      server_rss_mib_1_client: one.rss,
      events_per_s_1_client: one.eventsPerSecond,
      server_cpu_percent_50_clients: many.cpu,
      server_rss_mib_50_clients: many.rss,
      events_per_s_per_client_50: many.eventsPerSecond,
      slowest_client_events_per_s: many.slowest,
      mesh_converged_under_load: status.converged ? 'yes' : 'NO',
      streams_open_after_25_left: afterHalf,
      streams_open_after_all_left: afterAll,
    };
  } finally {
    server.kill('SIGINT');
    await server;
    await meshDown(NAME).catch(() => {});
    await running;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printResults('web', await benchWeb());
