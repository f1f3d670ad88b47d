// bench/xstate: what writing a guest process's FP registers back only when they changed
// (recipes/linux/patches/host/uml-xstate-write-changed.patch) saves. The default kernel
// against `--before`, the same kernel built without that patch, alternated for `--rounds`:
// a mesh of N nodes in a line (alfred on, OGM every second) — the start until every node is
// ready, then, converged, a window of idle — with the host's PTRACE_SETREGSET calls counted
// (perf, the syscall tracepoint filtered to that request) beside the CPU of the nodes. The
// nodes' CPU moves by tens of percent between runs on a shared machine; what one trap and one
// SETREGSET cost this host (bench/ptrace-cost.c) is steady, and times the calls saved give
// the CPU saved.
//
//   npx tsx bench/xstate.ts --before STOREPATH [--nodes 10] [--seconds 20] [--rounds 2]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { execa, type ResultPromise } from 'execa';
import { Mesh, converged, line, waitForRoutes } from '../lib/mesh/index.ts';
import { usageOver } from '../lib/process/index.ts';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { image } from '../recipes/image.ts';
import { printResults } from './report.ts';

const PTRACE_SETREGSET = 0x4205;

/** Counts the machine's PTRACE_SETREGSET calls from when it resolves until the function it returns is called. */
async function countSetRegset(): Promise<() => Promise<number>> {
  const perf: ResultPromise = execa(
    'perf',
    ['stat', '-x,', '-a', '-e', 'syscalls:sys_enter_ptrace', '--filter', `request == ${PTRACE_SETREGSET}`],
    { reject: false },
  );
  await sleep(500); // perf counts before anything measured starts
  return async () => {
    perf.kill('SIGINT');
    const { stderr } = await perf;
    const count = Number(/^(\d+),/m.exec(String(stderr))?.[1]);
    if (!Number.isFinite(count)) throw new Error(`perf stat printed no count:\n${String(stderr)}`);
    return count;
  };
}

/** µs per trap of a traced process on this host: bare, + GETREGSET, + SETREGSET (bench/ptrace-cost.c). */
async function ptraceCost(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-ptrace-cost-'));
  try {
    const binary = join(dir, 'ptrace-cost');
    await execa('gcc', ['-O2', '-o', binary, new URL('./ptrace-cost.c', import.meta.url).pathname]);
    return JSON.parse((await execa(binary, ['20000'])).stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Round {
  kernel: 'before' | 'after';
  start_s: number;
  setregset_per_node_start: number;
  cpu_percent_per_node: number;
  setregset_per_node_s: number;
}

async function measure(kernel: string, guest: string, nodes: number, seconds: number) {
  const startCount = await countSetRegset();
  const t0 = performance.now();
  const mesh = await Mesh.start({ ...line(nodes), origInterval: 1000 }, { kernel, image: guest, parallel: nodes });
  try {
    const start_s = (performance.now() - t0) / 1000;
    const setregset_per_node_start = (await startCount()) / nodes;
    if (!converged(await waitForRoutes(mesh, 60_000 + nodes * 2000)))
      throw new Error(`${nodes} nodes did not converge`);
    await sleep(5_000);
    const pids = [...mesh.nodes.values()].map((n) => n.pid);
    const idleCount = await countSetRegset();
    const cpu = (await usageOver(pids, seconds)).reduce((a, r) => a + r.cpuPercent, 0) / nodes;
    const idleCalls = await idleCount();
    return {
      start_s,
      setregset_per_node_start,
      cpu_percent_per_node: cpu,
      setregset_per_node_s: idleCalls / nodes / seconds,
    };
  } finally {
    await mesh.stop();
  }
}

export async function benchXstate({ before = '', nodes = 10, seconds = 20, rounds = 2 }) {
  const {
    paths: [after, guest],
  } = await realiseAll([await linuxV15(), await image()], { report: silentReporter });
  const results: Round[] = [];
  for (let r = 0; r < rounds; r++)
    for (const [name, kernel] of [
      ['before', before],
      ['after', after],
    ] as const) {
      const round = { kernel: name, ...(await measure(kernel, guest, nodes, seconds)) };
      results.push(round);
      console.log(
        `  ${name.padEnd(6)} start ${round.start_s.toFixed(2)} s, ${round.setregset_per_node_start.toFixed(0)} SETREGSET per node; ` +
          `idle ${round.cpu_percent_per_node.toFixed(3)} % of a core, ${round.setregset_per_node_s.toFixed(1)} SETREGSET/s per node`,
      );
    }
  const mean = (kernel: Round['kernel'], key: Exclude<keyof Round, 'kernel'>) => {
    const of = results.filter((r) => r.kernel === kernel);
    return of.reduce((a, r) => a + r[key], 0) / of.length;
  };
  const keys = ['start_s', 'setregset_per_node_start', 'cpu_percent_per_node', 'setregset_per_node_s'] as const;
  const cost = await ptraceCost();
  const setUs = cost.stop_get_set_cpu_us - cost.stop_get_cpu_us;
  return {
    summary: {
      nodes,
      window_s: seconds,
      rounds,
      ...Object.fromEntries(
        keys.flatMap((k) => [
          [`before_${k}`, mean('before', k)],
          [k, mean('after', k)],
        ]),
      ),
      ...cost,
      // What the calls no longer made cost this host (tracer CPU of a SETREGSET, times the calls saved).
      saved_cpu_ms_per_node_start:
        ((mean('before', 'setregset_per_node_start') - mean('after', 'setregset_per_node_start')) * setUs) / 1000,
      saved_cpu_percent_per_node_idle:
        ((mean('before', 'setregset_per_node_s') - mean('after', 'setregset_per_node_s')) * setUs) / 1e4,
    },
    rounds: results,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      before: { type: 'string' },
      nodes: { type: 'string' },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
    },
  });
  if (!values.before)
    throw new Error('--before STOREPATH: the default kernel built without uml-xstate-write-changed.patch');
  const { summary, rounds } = await benchXstate({
    before: values.before,
    nodes: Number(values.nodes ?? 10),
    seconds: Number(values.seconds ?? 20),
    rounds: Number(values.rounds ?? 2),
  });
  printResults('xstate', summary);
  console.log(JSON.stringify({ bench: 'xstate-rounds', rounds }));
}
