// bench/gateway-peers: what a gateway costs with many idle fastd peers (a domain's usual peer
// limit: 150). `batu gateway up` with one fastd tunnel; first idle with no peer connected,
// then with N simulated routers — Debian's fastd as a client each, in one namespace of their
// own — connected, idle. Per phase: the gateway's fastd and its node (every UML process),
// CPU as % of one core and memory (fastd's RSS, the node's PSS). The simulated routers run no
// batman-adv: their tunnels carry fastd's keepalives only, not the OGMs a real router sends
// (which fastd's tap floods to every other peer). Every namespace is the bench's own.
//   npx tsx bench/gateway-peers.ts [--peers 150] [--seconds 30]
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { daemonSockets, fastdPeers, planOf, readGateway } from '../lib/gateway/index.ts';
import { Netns } from '../lib/runner/index.ts';
import { fastdKeys, fastdPublicOf, until } from '../test/fixtures/gateway-helpers.ts';
import { dismantle, gatewayUp, wire, type LabBed } from '../test/fixtures/gateway-lab.ts';
import { printResults } from './report.ts';

const TICK = 100; // USER_HZ

/** utime + stime of a process, in seconds; 0 once it is gone. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return stat ? (Number(fields[11]) + Number(fields[12])) / TICK : 0;
}

/** A /proc/PID file's "Key: N kB" line, in MiB. */
async function kib(pid: number, file: string, key: string): Promise<number> {
  const text = await readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => '');
  return Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) / 1024;
}

/** The processes whose command line holds `needle`. */
async function pidsWith(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** CPU (% of one core) and memory (MiB) of fastd and the node over `seconds` of idling. */
async function idle(fastdPid: number, umid: string, seconds: number) {
  const node = await pidsWith(`umid=${umid}`);
  const sum = async (pids: number[]) => (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
  const before = { fastd: await cpuSeconds(fastdPid), node: await sum(node) };
  await sleep(seconds * 1000);
  const after = { fastd: await cpuSeconds(fastdPid), node: await sum(node) };
  const pss = (await Promise.all(node.map((p) => kib(p, 'smaps_rollup', 'Pss')))).reduce((a, b) => a + b, 0);
  return {
    fastd_cpu_percent: (100 * (after.fastd - before.fastd)) / seconds,
    node_cpu_percent: (100 * (after.node - before.node)) / seconds,
    fastd_rss_mib: await kib(fastdPid, 'status', 'VmRSS'),
    node_pss_mib: pss,
  };
}

export async function benchGatewayPeers({ peers = 150, seconds = 30 } = {}): Promise<Record<string, number>> {
  const dir = join(tmpdir(), `batu-bench-peers-${process.pid}`);
  await mkdir(join(dir, 'keys/peers'), { recursive: true });
  await chmod(dir, 0o755); // fastd and the node run as nobody
  const bed: LabBed = { namespaces: [], children: [], nodes: [] };
  try {
    for (let i = 0; i < 2; i++) bed.namespaces.push(await Netns.create('bt'));
    const [gw, routers] = bed.namespaces;
    await wire(gw, 'wan0', '192.0.2.1/24', routers, 'wan0', '192.0.2.2/24');
    const file = join(dir, 'gateway.yaml');
    await writeFile(
      file,
      `domains:
  - name: peers
    gateway: { down: 1gbit, up: 1gbit }
    tunnels:
      - { kind: fastd, port: 10001, secretKeyFile: keys/fastd.key, methods: [null], peerLimit: ${peers}, peers: { directory: keys/peers } }
    clients:
      ipv4: { address: 10.101.0.1/20 }
    exit: { kind: routed }
    respondd: { hostname: bench-peers, siteCode: bench }
`,
    );
    const batu = join(import.meta.dirname, '../bin/batu.ts');
    await execa(process.execPath, ['--import', 'tsx', batu, 'gateway', 'keys', file]);
    const clients = await Promise.all(Array.from({ length: peers }, () => fastdKeys()));
    for (const [i, keys] of clients.entries())
      await writeFile(join(dir, 'keys/peers', `r${i}`), `key "${keys.public}";\n`, { mode: 0o644 });
    const runDir = join(dir, 'run');
    const gateway = await gatewayUp(gw, file, { runDir, stateDir: join(dir, 'state') });
    bed.children.push(gateway.child);
    if (!gateway.up) throw new Error(`gateway up failed:\n${gateway.log()}`);
    const { gateway: parsed } = await readGateway(file);
    const plan = planOf(parsed).domains[0];
    const device = plan.tunnels[0].device;
    const sockets = daemonSockets(runDir);
    const fastdPid = Number((await readFile(sockets.fastdPid(device), 'utf8')).trim());
    await sleep(5000); // the node settled after its boot

    const results: Record<string, number> = { peers };
    for (const [key, value] of Object.entries(await idle(fastdPid, plan.node, seconds))) results[`none_${key}`] = value;

    const gwPublic = await fastdPublicOf(join(dir, 'keys/fastd.key'));
    for (const [i, keys] of clients.entries()) {
      const conf = join(dir, `r${i}.conf`);
      await writeFile(
        conf,
        `interface "r${i}";\nmode tap;\nmethod "null";\nsecret "${keys.secret}";\nmtu 1406;\n` +
          `peer "gw" {\n  key "${gwPublic}";\n  remote 192.0.2.1:10001;\n}\nlog to stderr level warn;\n`,
      );
      bed.children.push(execa('ip', ['netns', 'exec', routers.name, 'fastd', '-c', conf], { reject: false }));
    }
    const connected = async () => (await fastdPeers(sockets.fastd(device))).filter((p) => p.connected).length;
    const started = Date.now();
    await until('every simulated router connected', connected, (n) => n === peers, 180_000);
    results.connect_all_seconds = (Date.now() - started) / 1000;
    await sleep(5000);
    for (const [key, value] of Object.entries(await idle(fastdPid, plan.node, seconds)))
      results[`${peers}_${key}`] = value;
    results.connected_after = await connected();
    return results;
  } finally {
    await dismantle(bed);
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { peers: { type: 'string' }, seconds: { type: 'string' } } });
  printResults(
    'gateway-peers',
    await benchGatewayPeers({ peers: Number(values.peers ?? 150), seconds: Number(values.seconds ?? 30) }),
  );
}
