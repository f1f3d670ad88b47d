// `batu gateway up`: a gateway from its file, in the namespace this process runs in, in
// order: the daemons' configurations, the nftables table, per domain its bridges, fastd per
// tunnel (its tap into the tunnel's bridge), the node (unprivileged; started again when it
// dies, its taps made and attached again), then kea, radvd, respondd and the metrics. Each
// part is checked as it comes up; the first that fails is named, and everything made so far
// goes, last first. SIGTERM (the caller's signal) takes it all down the same way.
import { createServer, type Server } from 'node:http';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import ipaddr from 'ipaddr.js';
import type { Reporter } from '../derivations/index.ts';
import { Netns, UmlNode } from '../runner/index.ts';
import { closedAncestor } from '../runner/reach.ts';
import { Responder } from '../respondd/index.ts';
import { daemonConfigs, daemonSockets } from './configs.ts';
import { NFT_TABLE } from './daemons/nftables.ts';
import { network, type GatewayFile } from './file.ts';
import { openDirs } from './open-dirs.ts';
import { metricsText, type DomainMetrics } from './metrics.ts';
import { domainNode } from './node.ts';
import { readNodeState } from './node-state.ts';
import { gatewayStatus } from './status.ts';
import { planOf, type GatewayPlan } from './plan.ts';
import { responddData } from './respondd-data.ts';

export class GatewayError extends Error {
  override name = 'GatewayError';
}

export interface GatewayOptions {
  kernel: string;
  image: string;
  /** Sockets, configurations and logs (default /run/batu-gateway). */
  runDir?: string;
  /** kea's leases (default /var/lib/batu-gateway). */
  stateDir?: string;
  report?: Reporter;
  /** Ends the gateway: everything goes, last first. */
  signal?: AbortSignal;
  /** Once every part is up. */
  onUp?(gateway: RunningGateway): void;
  /** The respondd port (tests use another; default 1001). */
  responddPort?: number;
  release?: string;
}

/** A domain's running node and how often it was started again. */
interface DomainRun {
  name: string;
  node?: UmlNode;
  restarts: number;
  started: number;
}

export interface RunningGateway {
  plan: GatewayPlan;
  domains: DomainRun[];
  metricsUrl?: string;
}

/** What was made, to be undone last first. */
type Undo = () => Promise<unknown>;

export async function runGateway(gateway: GatewayFile, options: GatewayOptions): Promise<void> {
  const unsupported = gateway.domains.flatMap((d) => d.tunnels.filter((t) => t.kind !== 'fastd').map(() => d.name));
  if (unsupported.length)
    throw new GatewayError(
      `domain ${unsupported[0]}: wireguard-vxlan tunnels are not run by gateway up yet (the node needs WireGuard in its kernel); use fastd`,
    );
  const report = options.report ?? (() => {});
  const runDir = options.runDir ?? '/run/batu-gateway';
  const stateDir = options.stateDir ?? '/var/lib/batu-gateway';
  const plan = planOf(gateway);
  const host = Netns.current();
  const undo: Undo[] = [];
  const running: RunningGateway = { plan, domains: [] };
  let stopping = false;
  const step = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    if (options.signal?.aborted) throw new GatewayError('stopped while starting');
    try {
      return await work();
    } catch (error) {
      throw new GatewayError(`${what}: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  try {
    await openDirs(runDir);
    await openDirs(stateDir);
    const configs = await daemonConfigs(gateway, plan, { runDir, stateDir });
    for (const config of configs) await writeFile(join(runDir, config.name), config.content, { mode: config.mode });

    // fastd makes its status socket as the gateway's user (it drops root once its tap is made).
    const ids = await userIds(gateway.user);
    await mkdir(join(runDir, 'fastd'), { recursive: true, mode: 0o750 });
    await chown(join(runDir, 'fastd'), ids.uid, ids.gid);
    await reachable(join(runDir, 'fastd'), ids, `fastd makes its status socket in ${runDir}/fastd as ${gateway.user}`);

    await step('nftables', () => execa('nft', ['-f', join(runDir, 'nftables.conf')]));
    undo.push(() => execa('nft', ['delete', 'table', 'inet', NFT_TABLE], { reject: false }));
    await step('IP forwarding', () =>
      execa('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']),
    );

    for (const [index, domain] of gateway.domains.entries()) {
      const made = domainNode(domain, plan.domains[index], { ...options, index });
      for (const [bridge, { address, mac }] of Object.entries(made.bridges)) {
        await host.deleteLink(bridge); // a killed gateway's
        await step(`domain ${domain.name}: bridge ${bridge}`, () => host.addBridge(bridge, address, mac));
        undo.push(() => host.deleteLink(bridge));
      }
      if (domain.clients.ipv6)
        await step(`domain ${domain.name}: ${domain.clients.ipv6.address}`, () =>
          host.ip('-6', 'addr', 'add', domain.clients.ipv6!.address, 'dev', plan.domains[index].bridge, 'nodad'),
        );
      for (const [t, tunnel] of domain.tunnels.entries()) {
        const { device } = plan.domains[index].tunnels[t];
        if ('directory' in tunnel.peers)
          await reachable(
            tunnel.peers.directory,
            ids,
            `fastd reads its peers from ${tunnel.peers.directory} as ${gateway.user}`,
          );
        // The pid file is how `gateway peer` finds it to reload its peers (SIGHUP).
        const pidFile = daemonSockets(runDir).fastdPid(device);
        const fastd = execa('fastd', ['-c', join(runDir, `${device}.conf`), '--pid-file', pidFile], {
          reject: false,
          all: true,
        });
        relay(fastd, device, report);
        undo.push(() => stopChild(fastd));
        await step(`domain ${domain.name}: fastd on UDP ${tunnel.port}`, () => deviceAppears(device, fastd));
        await step(`domain ${domain.name}: ${device} into its bridge`, async () => {
          await host.ip('link', 'set', device, 'up');
          await host.attach(device, `b${device}`.slice(0, 15));
        });
      }
      const run: DomainRun = { name: domain.name, restarts: 0, started: Date.now() };
      running.domains.push(run);
      const start = async () => {
        run.node = await UmlNode.start(made.spec, {
          netns: host,
          user: ids,
          tapFds: made.tapFds,
          attach: made.attach,
          signal: options.signal,
        });
        run.started = Date.now();
        // Started again when it dies: its taps are made and attached afresh; fastd's stays.
        void run.node.exited.then(async () => {
          if (stopping) return;
          report(`domain ${domain.name}: node ${made.spec.umid} died; starting it again`);
          run.restarts++;
          for (let attempt = 1; !stopping; attempt++)
            try {
              await start();
              report(`domain ${domain.name}: node ${made.spec.umid} is back`);
              return;
            } catch (error) {
              report(`domain ${domain.name}: restart ${attempt} failed: ${(error as Error).message.split('\n')[0]}`);
              await sleep(Math.min(30_000, 1000 * 2 ** attempt));
            }
        });
      };
      await step(`domain ${domain.name}: node ${made.spec.umid}`, start);
      undo.push(async () => run.node?.stop());
      report(`domain ${domain.name}: node ${made.spec.umid} up`);
    }

    if (configs.some((c) => c.daemon === 'kea-dhcp4')) {
      const env = { KEA_PIDFILE_DIR: runDir, KEA_LOCKFILE_DIR: runDir };
      const kea = execa('kea-dhcp4', ['-c', join(runDir, 'kea-dhcp4.conf')], { reject: false, all: true, env });
      relay(kea, 'kea-dhcp4', report);
      undo.push(() => stopChild(kea));
      await step('kea-dhcp4', () => logLine(kea, /DHCP4_STARTED|DHCPSRV_CFGMGR_ADD_IFACE|DHCP4_CONFIG_COMPLETE/));
    }
    if (configs.some((c) => c.daemon === 'radvd')) {
      const radvd = execa(
        'radvd',
        ['-n', '-m', 'stderr', '-C', join(runDir, 'radvd.conf'), '-p', join(runDir, 'radvd.pid')],
        {
          reject: false,
          all: true,
        },
      );
      relay(radvd, 'radvd', report);
      undo.push(() => stopChild(radvd));
      await step('radvd', () => stillRunning(radvd, 1000));
    }

    const responder = await step('respondd', () =>
      Responder.start({
        port: options.responddPort,
        sides: gateway.domains.map((domain, index) => ({
          interface: plan.domains[index].bridge,
          prefixes: [domain.clients.ipv4.address, domain.clients.ipv6?.address]
            .filter((a): a is string => !!a)
            .map((a) => network(ipaddr.parseCIDR(a))),
          data: async () => {
            const run = running.domains[index];
            if (!run.node || run.node.state !== 'running') throw new Error('node down');
            return responddData({
              domain,
              state: await readNodeState(run.node),
              addresses: [domain.clients.ipv6?.address, domain.clients.ipv4.address]
                .filter((a): a is string => !!a)
                .map((a) => a.split('/')[0]),
              uptimeSeconds: Math.round((Date.now() - run.started) / 1000),
              release: options.release ?? '0.1.0',
            });
          },
        })),
      }),
    );
    undo.push(() => responder.close());

    if (gateway.metrics) {
      const { address, port } = gateway.metrics;
      const server = await step('metrics', () =>
        metricsServer(address, port, () => domainMetrics(gateway, running, runDir)),
      );
      undo.push(() => new Promise((done) => server.close(done)));
      running.metricsUrl = plan.metrics;
    }

    options.onUp?.(running);
    await new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    stopping = true;
    for (const action of undo.reverse()) await action().catch(() => {});
  }
}

/** Each domain's metrics: its status as `gateway status` reads it, and how often its node was restarted. */
async function domainMetrics(gateway: GatewayFile, running: RunningGateway, runDir: string): Promise<DomainMetrics[]> {
  const status = await gatewayStatus(gateway, running.plan, { runDir });
  return status.map((s, index) => ({
    domain: s.domain,
    state: s.state,
    restarts: running.domains[index]?.restarts ?? 0,
    tunnels: s.tunnels.map((t) => ({
      device: t.device,
      kind: t.kind,
      peers: t.peers?.filter((p) => p.connected).length ?? 0,
    })),
    leases: s.leases,
  }));
}

function metricsServer(address: string, port: number, metrics: () => Promise<DomainMetrics[]>): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end('only GET /metrics\n');
      return;
    }
    metrics()
      .then(metricsText)
      .then(
        (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
        (error: Error) => response.writeHead(500).end(`${error.message}\n`),
      );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}

/** fastd works as the gateway's user once it has dropped root: `dir` must be open to it. */
async function reachable(dir: string, ids: { uid: number; gid: number }, what: string): Promise<void> {
  const closed = await closedAncestor(join(dir, 'entry'), ids);
  if (closed)
    throw new GatewayError(
      `${what}, but ${closed.dir} (mode ${closed.mode.toString(8)}, owner ${closed.uid}:${closed.gid}) stops it: chmod o+rx it`,
    );
}

/** A user's uid and gid (getent: the system's own lookup). */
async function userIds(user: string): Promise<{ uid: number; gid: number }> {
  const { stdout } = await execa('getent', ['passwd', user], { reject: false });
  const [, , uid, gid] = stdout.split(':');
  if (uid === undefined) throw new GatewayError(`no user ${user} on this host (the gateway file's user)`);
  return { uid: Number(uid), gid: Number(gid) };
}

async function deviceAppears(device: string, child: ResultPromise, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(100)) {
    if (child.exitCode !== null && child.exitCode !== undefined) break;
    const { exitCode } = await execa('ip', ['link', 'show', device], { reject: false });
    if (exitCode === 0) return;
  }
  throw new Error(`no device ${device}${await childLog(child)}`);
}

async function stillRunning(child: ResultPromise, ms: number): Promise<void> {
  await sleep(ms);
  if (child.exitCode !== null && child.exitCode !== undefined) throw new Error(`exited${await childLog(child)}`);
}

async function logLine(child: ResultPromise, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  let log = '';
  const seen = new Promise<void>((resolve) => {
    child.all?.on('data', (chunk: Buffer) => {
      log += chunk;
      if (pattern.test(log)) resolve();
    });
  });
  const ended = (child as Promise<unknown>).then(() => {
    throw new Error(`exited: ${log.trim().split('\n').slice(-3).join(' | ')}`);
  });
  const late = sleep(timeoutMs).then(() => {
    throw new Error(`no ${pattern} within ${timeoutMs / 1000} s: ${log.trim().split('\n').slice(-3).join(' | ')}`);
  });
  // The losers of the race settle later (the child's end at teardown): handled here.
  ended.catch(() => {});
  late.catch(() => {});
  await Promise.race([seen, ended, late]);
}

async function childLog(child: ResultPromise): Promise<string> {
  if (child.exitCode === null || child.exitCode === undefined) return '';
  const result = (await child) as { all?: string };
  return `: ${(result.all ?? '').trim().split('\n').slice(-3).join(' | ')}`;
}

/** A daemon's output, line by line, in the gateway's own (prefixed with its name). */
function relay(child: ResultPromise, name: string, report: Reporter): void {
  let rest = '';
  child.all?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line.trim()) report(`${name}: ${line}`);
  });
}

async function stopChild(child: ResultPromise): Promise<void> {
  if (child.exitCode !== null && child.exitCode !== undefined) return;
  child.kill('SIGTERM');
  const gone = await Promise.race([child.then(() => true), sleep(5000).then(() => false)]);
  if (!gone) child.kill('SIGKILL');
  await child.catch(() => {});
}
