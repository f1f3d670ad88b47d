// batu sim run: a scenario (or a bare topology) in simulated time, its event log as JSON lines.
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { stderrReporter, openStore } from '../../lib/derivations/index.ts';
import { linkBetween, parseListen, topoUsage } from '../../lib/mesh/index.ts';
import { Scenario, runScenario, type LogEntry } from '../../lib/sim/index.ts';
import { debugMem, kernelAndImage, storeOption, type Register } from './common.ts';
import type { Capture } from '../../lib/sim/sim-mesh.ts';
import { resolve } from 'node:path';
import { formatIssues, shown } from '../../lib/issues.ts';

interface RunFlags {
  topo?: string;
  duration?: string;
  seed: string;
  log?: string;
  clock: 'simulated' | 'real';
  debug?: boolean;
  capture: string[];
  store?: string;
  web?: string;
}

export const register: Register = (program) =>
  program
    .command('sim')
    .description('meshes in simulated time: one calendar for every clock and frame, replayable by seed')
    .addCommand(
      new Command('run')
        .description('run a scenario (topology, duration, timeline) and log what happened as JSON lines')
        .argument('[scenario]', 'a scenario JSON file: {"topology", "duration", "timeline": ["at 30s cut n2 n3", …]}')
        .option('--topo <spec>', `a bare topology instead, recorded every 10 s: ${topoUsage}`)
        .option('--duration <time>', "how long (e.g. 120s, 1h); default: the scenario's, else 60s")
        .option('--seed <n>', "seed of the links' model and every node's entropy", '1')
        .option('--log <file>', 'write the JSON lines here (default: stdout)')
        .addOption(
          new Option('--clock <clock>', 'simulated (calendar) or real (wall clock, netem)')
            .choices(['simulated', 'real'])
            .default('simulated'),
        )
        .option(
          '--capture <A-B=FILE>',
          "a link's frames into a pcap file, time-stamped in simulated time (repeatable)",
          (v: string, all: string[]) => [...all, v],
          [] as string[],
        )
        .option('--debug', 'the debug kernel (KASAN, UBSAN, kmemleak, lockdep); any finding fails the run (exit 1)')
        .option(
          '--web <host:port>',
          "serve mesh web's page of the run there: its clock, and what the timeline did and saw",
        )
        .addOption(storeOption())
        .action(run),
    );

async function scenarioOf(file: string | undefined, flags: RunFlags): Promise<Scenario> {
  if (!file === !flags.topo) throw new Error('give a scenario file or --topo (one of them)');
  let input: unknown;
  if (file) {
    const text = await readFile(file, 'utf8').catch((e: Error) => {
      throw new Error(`cannot read scenario ${file}: ${e.message}`);
    });
    try {
      input = JSON.parse(text);
    } catch (e) {
      throw new Error(`scenario ${file} is not JSON: ${(e as Error).message}`);
    }
  } else {
    input = { topology: flags.topo, duration: '60s', timeline: ['every 10s record'] };
  }
  if (flags.duration) input = { ...(input as object), duration: flags.duration };
  const parsed = Scenario.safeParse(input);
  if (!parsed.success)
    throw new Error(`bad scenario ${file ?? flags.topo}: ${formatIssues(parsed.error, { top: '(scenario)' })}`);
  return parsed.data;
}

/** --capture A-B=FILE: a link of the scenario's topology, checked before anything starts. */
function capturesOf(scenario: Scenario, flags: RunFlags): Capture[] {
  return flags.capture.map((given) => {
    const m = /^([a-z][a-z0-9]*)-([a-z][a-z0-9]*)=(.+)$/.exec(given);
    if (!m) throw new Error(`bad --capture ${shown(given)}: expected A-B=FILE, e.g. n1-n2=n1n2.pcap`);
    try {
      linkBetween(scenario.topology, m[1], m[2]);
    } catch (e) {
      throw new Error(`bad --capture ${shown(given)}: ${(e as Error).message}`);
    }
    return { a: m[1], b: m[2], file: resolve(m[3]) };
  });
}

async function run(file: string | undefined, flags: RunFlags): Promise<void> {
  if (!/^\d+$/.test(flags.seed)) throw new Error(`bad --seed ${JSON.stringify(flags.seed)}: expected a whole number`);
  const scenario = await scenarioOf(file, flags);
  const captures = capturesOf(scenario, flags);
  const web = flags.web ? parseListen(flags.web) : undefined;
  if (captures.length && flags.clock === 'real') throw new Error('--capture needs the simulated clock');
  const store = openStore(flags.store);
  const { kernel, image } = await kernelAndImage(store, {}, 'batu', { debug: Boolean(flags.debug) });
  const out = flags.log ? createWriteStream(flags.log) : process.stdout;
  const started = performance.now();
  const log = (e: LogEntry) => {
    out.write(`${JSON.stringify(e)}\n`);
    if (flags.log && e.event !== 'originators')
      stderrReporter(`${e.t.toFixed(3)}s ${e.event}${e.node ? ` ${e.node}` : ''}`);
  };
  const entries = await runScenario(scenario, {
    store,
    kernel,
    image,
    clock: flags.clock,
    seed: Number(flags.seed),
    log,
    report: stderrReporter,
    captures,
    ...(flags.debug ? { mem: debugMem } : {}),
    ...(web ? { web, onWeb: (url: string) => stderrReporter(`the run's page: ${url}`) } : {}),
  });
  const wall = (performance.now() - started) / 1000;
  stderrReporter(`${scenario.duration} s of ${flags.clock} time in ${wall.toFixed(1)} s of wall time`);
  if (out !== process.stdout) await new Promise<void>((done) => out.end(() => done()));
  const findings = entries.filter((e) => e.event === 'finding');
  if (findings.length) {
    for (const f of findings) stderrReporter(`${f.node}: ${f.kind}: ${f.title}`);
    stderrReporter(`${findings.length} finding(s) of the kernels' checkers: failing the run`);
    process.exitCode = 1;
  }
}
