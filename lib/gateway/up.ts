// `batu gateway up`: a gateway from its file, in the namespace this process runs in, in
// order: the host side (directories, the nftables table, forwarding, the bridges), fastd per
// tunnel (its tap into the tunnel's bridge), the node (unprivileged; started again when it
// dies, its taps made and attached again, its WireGuard + VXLAN tunnels made in it), then
// kea, radvd, respondd and the metrics. Each part is checked as it comes up; the first that
// fails is named, and everything made so far goes, last first. SIGTERM (the caller's signal)
// first withdraws the gateway announcement, so the mesh's clients move to another gateway,
// then takes it all down the same way.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import type { Reporter } from '../derivations/index.ts';
import type { UmlNode } from '../runner/index.ts';
import { DEFAULT_RUN_DIR, DEFAULT_STATE_DIR, daemonConfigs, daemonDirs, daemonSockets } from './configs.ts';
import type { GatewayFile } from './file.ts';
import { GatewayError, hostNetworkUp, step, type Undo } from './host-net.ts';
import { announceGateway, defaultDrainMs, defaultHoldMs, startDomainNode, withdrawGateway } from './node-run.ts';
import { planOf, type GatewayPlan } from './plan.ts';
import { serveGateway } from './serve.ts';

export { GatewayError };

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
  /** On stop, how long the withdrawn gateway waits before it goes (default: 3 OGM intervals). */
  drainMs?: number;
  /** How long a node that died and came back stays unannounced (default: defaultHoldMs). */
  holdMs?: number;
}

/** A domain's running node and how often it was started again. */
interface DomainRun {
  name: string;
  node?: UmlNode;
  restarts: number;
}

export interface RunningGateway {
  plan: GatewayPlan;
  domains: DomainRun[];
  metricsUrl?: string;
}

export async function runGateway(gateway: GatewayFile, options: GatewayOptions): Promise<void> {
  const report = options.report ?? (() => {});
  const runDir = options.runDir ?? DEFAULT_RUN_DIR;
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const plan = planOf(gateway);
  const holdMs = options.holdMs ?? defaultHoldMs(gateway);
  const undo: Undo[] = [];
  const running: RunningGateway = { plan, domains: [] };
  let stopping = false;
  const started = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    if (options.signal?.aborted) throw new GatewayError('stopped while starting');
    return step(what, work);
  };
  try {
    undo.push(...(await hostNetworkUp(gateway, plan, { runDir, stateDir })));
    const configs = await daemonConfigs(gateway, plan, { runDir, stateDir });
    for (const config of configs) await writeFile(join(runDir, config.name), config.content, { mode: config.mode });

    for (const [index, domain] of gateway.domains.entries()) {
      const umid = plan.domains[index].node;
      for (const [t, tunnel] of domain.tunnels.entries()) {
        if (tunnel.kind !== 'fastd') continue; // WireGuard + VXLAN: in the node, made as it starts
        const { device } = plan.domains[index].tunnels[t];
        // The pid file is how `gateway peer` finds it to reload its peers (SIGHUP); its
        // configuration's on-up puts its tap into the bridge.
        const pidFile = daemonSockets(runDir).fastdPid(device);
        const fastd = execa('fastd', ['-c', join(runDir, `${device}.conf`), '--pid-file', pidFile], {
          reject: false,
          all: true,
        });
        relay(fastd, device, report);
        undo.push(() => stopChild(fastd));
        await started(`domain ${domain.name}: fastd on UDP ${tunnel.port}`, () => deviceAppears(device, fastd));
      }
      const run: DomainRun = { name: domain.name, restarts: 0 };
      running.domains.push(run);
      const start = async (announce = true) => {
        run.node = await startDomainNode(gateway, plan, index, { ...options, announce });
        // Started again when it dies: its taps are made and attached afresh; fastd's stays.
        void run.node.exited.then(async () => {
          if (stopping) return;
          report(`domain ${domain.name}: node ${umid} died; starting it again`);
          run.restarts++;
          for (let attempt = 1; !stopping; attempt++)
            try {
              await start(false);
              report(`domain ${domain.name}: node ${umid} is back; it announces itself in ${holdMs / 1000} s`);
              // Back without the gateway flag first: the mesh's routers, which kept choosing the
              // dead node (batman-adv forgets it only after 200 s), hear it is no gateway now and
              // choose another; a gateway that just died should not take them back at once.
              const node = run.node!;
              setTimeout(() => {
                if (stopping || run.node !== node || node.state !== 'running') return;
                announceGateway(node, domain).then(
                  () => report(`domain ${domain.name}: node ${umid} announces itself again`),
                  (error: Error) => report(`domain ${domain.name}: gw_mode server failed: ${error.message}`),
                );
              }, holdMs).unref(); // (a gateway stopping meanwhile does not wait for it)
              return;
            } catch (error) {
              report(`domain ${domain.name}: restart ${attempt} failed: ${(error as Error).message.split('\n')[0]}`);
              await sleep(Math.min(30_000, 1000 * 2 ** attempt));
            }
        });
      };
      await started(`domain ${domain.name}: node ${umid}`, () => start());
      undo.push(async () => run.node?.stop());
      report(`domain ${domain.name}: node ${umid} up`);
    }

    if (configs.some((c) => c.daemon === 'kea-dhcp4')) {
      const keaDir = daemonDirs({ runDir, stateDir }).keaRun;
      const env = { KEA_PIDFILE_DIR: keaDir, KEA_LOCKFILE_DIR: keaDir };
      const kea = execa('kea-dhcp4', ['-c', join(runDir, 'kea-dhcp4.conf')], { reject: false, all: true, env });
      relay(kea, 'kea-dhcp4', report);
      undo.push(() => stopChild(kea));
      await started('kea-dhcp4', () => logLine(kea, /DHCP4_STARTED|DHCPSRV_CFGMGR_ADD_IFACE|DHCP4_CONFIG_COMPLETE/));
    }
    if (configs.some((c) => c.daemon === 'radvd')) {
      const radvd = execa(
        'radvd',
        ['-n', '-m', 'stderr', '-C', join(runDir, 'radvd.conf'), '-p', join(runDir, 'radvd.pid')],
        { reject: false, all: true },
      );
      relay(radvd, 'radvd', report);
      undo.push(() => stopChild(radvd));
      await started('radvd', () => stillRunning(radvd, 1000));
    }

    const serving = await serveGateway(gateway, plan, {
      runDir,
      responddPort: options.responddPort,
      release: options.release,
      restarts: (index) => running.domains[index]?.restarts ?? 0,
    });
    undo.push(...serving.undo);
    running.metricsUrl = serving.metricsUrl;

    options.onUp?.(running);
    await new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    stopping = true; // a node that dies now is not started again
    await withdrawGateway(
      running.domains.map((d, index) => ({ umid: plan.domains[index].node, node: d.node })),
      options.drainMs ?? defaultDrainMs(gateway),
      report,
    );
  } finally {
    stopping = true;
    for (const action of undo.reverse()) await action().catch(() => {});
  }
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
