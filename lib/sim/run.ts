// Run a scenario and log what happened as JSON lines: { t (seconds), event, node?, … }.
// One option chooses the clock: 'simulated' (SimMesh: same seed, same log, byte for byte)
// or 'real' (lib/mesh's rootless Mesh, netem for link properties, wall-clock time).
import { setTimeout as sleep } from 'node:timers/promises';
import { Mesh, converged, nodeMac, observe, type NodeView } from '../mesh/index.ts';
import { meshReport } from '../mesh/report.ts';
import { guestCommand } from '../runner/index.ts';
import type { Reporter, StoreLike } from '../derivations/index.ts';
import { schedule, type Action, type Scenario } from './scenario.ts';
import { SimError } from './errors.ts';
import { NS_PER_MS, SimMesh, type Capture } from './sim-mesh.ts';
import { serveWeb, type WebServer } from '../mesh/web/server.ts';
import { timelineSnapshot, timelineSource, type TimelineState } from './web.ts';

export interface LogEntry {
  t: number;
  event: string;
  [field: string]: unknown;
}

export interface RunOptions {
  /** The store the helpers are built into or found in (default: openStore()). */
  store?: StoreLike;
  kernel: string;
  image: string;
  clock?: 'simulated' | 'real';
  seed?: number;
  log: (entry: LogEntry) => void;
  report?: Reporter;
  /** Links captured into pcap files from time 0 (simulated clock only). */
  captures?: Capture[];
  /** Guest memory per node (default 64M; a debug kernel needs more). */
  mem?: string;
  /** Serve mesh web's page of the run there: its clock, and what the timeline did and saw. */
  web?: { host: string; port: number };
  onWeb?(url: string): void;
}

/** What the timeline needs of a running mesh, in either clock. */
interface Driver {
  /** Seconds since the start. */
  now(): number;
  advanceTo(seconds: number): Promise<void>;
  /** Run the mesh while `work` waits on it (simulated time does not pass by itself). */
  during<T>(work: Promise<T>): Promise<T>;
  cut(a: string, b: string): Promise<void>;
  restore(a: string, b: string): Promise<void>;
  kill(name: string): Promise<void>;
  start(name: string): Promise<void>;
  mesh: Parameters<typeof observe>[0];
  stats(): Record<string, unknown>;
  stop(): Promise<void>;
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

async function simulated(s: Scenario, o: RunOptions, ready: (name: string, t: number) => void): Promise<Driver> {
  const seconds = (ns: bigint) => Number(ns / NS_PER_MS) / 1000;
  const sim = await SimMesh.start(s.topology, {
    store: o.store,
    kernel: o.kernel,
    image: o.image,
    seed: o.seed ?? 1,
    report: o.report,
    captures: o.captures,
    mem: o.mem,
    onReady: (ns, node) => ready(node, seconds(ns)),
  });
  const toNs = (t: number) => BigInt(Math.round(t * 1000)) * NS_PER_MS;
  return {
    now: () => seconds(sim.now),
    advanceTo: (t) => sim.advance(toNs(t)),
    during: (work) => sim.during(work),
    cut: async (a, b) => sim.cut(a, b),
    restore: async (a, b) => sim.restore(a, b),
    kill: (n) => sim.kill(n),
    start: async (n) => void (await sim.startNode(n)),
    mesh: sim,
    stats: () => ({
      messages: Number(sim.calendar.stats.messages),
      frames: Number(sim.calendar.stats.frames),
      turns: Number(sim.calendar.stats.turns),
    }),
    stop: () => sim.stop(),
  };
}

async function realTime(s: Scenario, o: RunOptions, ready: (name: string, t: number) => void): Promise<Driver> {
  if (o.captures?.length)
    throw new SimError('captures need the simulated clock (socketpair links have no host device to capture on)');
  const mesh = await Mesh.start(s.topology, {
    store: o.store,
    kernel: o.kernel,
    image: o.image,
    backend: 'socketpair',
    report: o.report,
    mem: o.mem,
  });
  const start = performance.now();
  const now = () => (performance.now() - start) / 1000;
  for (const name of mesh.nodes.keys()) ready(name, 0);
  return {
    now,
    advanceTo: async (t) => void (t > now() && (await sleep((t - now()) * 1000))),
    during: (work) => work,
    cut: async (a, b) => void (await mesh.cut(a, b)),
    restore: async (a, b) => void (await mesh.restore(a, b)),
    kill: (n) => mesh.kill(n),
    start: async (n) => {
      await mesh.startNode(n);
      ready(n, now());
    },
    mesh,
    stats: () => ({}),
    stop: () => mesh.stop(),
  };
}

/** batctl ping's summary: sent, received and each reply's round trip. */
export function parsePing(out: string): { sent: number; received: number; rttMs: number[] } {
  const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
  const rttMs = [...out.matchAll(/time=([\d.]+) ms/g)].map((r) => Number(r[1]));
  return { sent: m ? Number(m[1]) : 0, received: m ? Number(m[2]) : 0, rttMs };
}

/** Run `s`; returns the log entries (also given to options.log as they happen). */
export async function runScenario(s: Scenario, options: RunOptions): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  let driver: Driver | undefined;
  const log = (entry: LogEntry) => {
    entries.push(entry);
    options.log(entry);
  };
  // Ready lines of the boot arrive before the driver exists: held, then logged in node order.
  const boot: LogEntry[] = [];
  const ready = (node: string, t: number) =>
    (driver ? log : (e: LogEntry) => boot.push(e))({ t: round(t), event: 'ready', node });
  const clock = options.clock ?? 'simulated';
  const cut: CutLinks = new Set();
  const seen: TimelineState = { views: [], cut, down: new Set() };
  let web: WebServer | undefined;
  try {
    driver = await (clock === 'simulated' ? simulated : realTime)(s, options, ready);
    if (options.web) {
      const d = driver;
      web = await serveWeb(
        timelineSource(() => timelineSnapshot('sim', s.topology, seen, d.now())),
        options.web,
      );
      options.onWeb?.(web.url);
    }
    log({
      t: 0,
      event: 'start',
      clock,
      seed: options.seed ?? 1,
      nodes: s.topology.nodes.length,
      links: s.topology.links.length,
    });
    for (const e of boot.sort((a, b) => a.t - b.t || String(a.node).localeCompare(String(b.node)))) log(e);
    for (const step of schedule(s)) {
      await driver.advanceTo(step.at);
      await act(driver, s, step.action, log, cut, seen);
    }
    await driver.advanceTo(s.duration);
    // What the kernels' checkers found (KASAN, lockdep, kmemleak on a debug kernel; WARN/BUG
    // on any): one entry each. None on a clean run, so its log is as it always was.
    const report = await meshReport(driver.mesh.nodes, driver.during);
    for (const r of report.nodes)
      for (const f of r.findings)
        log({
          t: round(driver.now()),
          event: 'finding',
          node: r.node,
          kind: f.kind,
          title: f.title,
          where: f.where,
          lines: f.lines,
        });
    log({ t: round(driver.now()), event: 'end', ...driver.stats() });
    return entries;
  } finally {
    await web?.close();
    await driver?.stop();
  }
}

/** Links cut and not restored, as "a b" both ways round. */
type CutLinks = Set<string>;

async function act(
  d: Driver,
  s: Scenario,
  a: Action,
  log: (e: LogEntry) => void,
  cut: CutLinks,
  seen: TimelineState,
): Promise<void> {
  const t = round(d.now());
  if ('cut' in a) {
    await d.cut(...a.cut);
    cut.add(a.cut.join(' ')).add([...a.cut].reverse().join(' '));
    log({ t, event: 'cut', link: a.cut });
  } else if ('restore' in a) {
    await d.restore(...a.restore);
    cut.delete(a.restore.join(' '));
    cut.delete([...a.restore].reverse().join(' '));
    log({ t, event: 'restore', link: a.restore });
  } else if ('kill' in a) {
    await d.kill(a.kill);
    seen.down.add(a.kill);
    log({ t, event: 'kill', node: a.kill });
  } else if ('start' in a) {
    log({ t, event: 'start', node: a.start });
    await d.start(a.start);
    seen.down.delete(a.start);
  } else if ('ping' in a) {
    const [from, to] = a.ping;
    const k = s.topology.nodes.findIndex((n) => n.name === to) + 1;
    const out = await d.during(
      guestCommand(d.mesh.node(from), 'batctl', ['ping', '-c', String(a.count), nodeMac(k, 2, 0)]),
    );
    log({ t, event: 'ping', from, to, ...parsePing(out) });
  } else if ('record' in a) {
    const views = await d.during(observe(d.mesh));
    seen.views = views;
    for (const v of views) log({ t, event: 'originators', node: v.name, originators: v.originators });
    log({ t, event: 'routes', converged: converged(views), missing: missingRoutes(views) });
  } else if ('converge' in a) {
    const deadline = d.now() + a.within;
    for (;;) {
      const views = await d.during(observe(d.mesh));
      seen.views = views;
      const overCut = views.some((v) => Object.values(v.originators).some((r) => cut.has(`${v.name} ${r.via}`)));
      if (converged(views) && !overCut) {
        log({ t: round(d.now()), event: 'converged', after: round(d.now() - t) });
        return;
      }
      if (d.now() + a.step > deadline) {
        log({ t: round(d.now()), event: 'not converged', within: a.within, missing: missingRoutes(views) });
        return;
      }
      await d.advanceTo(d.now() + a.step);
    }
  }
}

/** Routes missing between running nodes. */
function missingRoutes(views: NodeView[]): number {
  return views.reduce((sum, v) => sum + views.filter((o) => o.name !== v.name && !v.originators[o.name]).length, 0);
}
