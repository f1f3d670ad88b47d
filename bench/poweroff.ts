// bench/poweroff: boot/power-off cycles of the 6.12 kernel under load, counting how each
// ended. Not in `npm run bench` (200 cycles take minutes). A clean power-off ends with exit
// code 0; an interrupt handled after the kernel halted ended it by SIGABRT (uml_abort after
// a panic) or SIGSEGV — the host patch uml-halt-pending-signals.patch is what this checks.
//   npx tsx bench/poweroff.ts [--cycles 200] [--parallel 2] [--load 2] [--kernel STOREPATH]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { realise, silentReporter } from '../lib/derivations/index.ts';
import { baseEntries, packInitramfs } from '../lib/rootfs/index.ts';
import { bootToPowerOff, type BootResult } from '../lib/runner/index.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { testInit } from '../test/fixtures/test-init.ts';
import { printResults } from './report.ts';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '200' },
    parallel: { type: 'string', default: '2' },
    load: { type: 'string', default: '2' },
    kernel: { type: 'string' },
  },
});
const cycles = Number(values.cycles);
const parallel = Number(values.parallel);
const kernel = values.kernel ?? (await realise(await linuxV15(), { report: silentReporter })).path;

const dir = await mkdtemp(join(tmpdir(), 'bt-poweroff-'));
const init = (await realise(testInit, { report: silentReporter })).path;
const initrd = join(dir, 'initramfs.cpio');
await packInitramfs(
  [...baseEntries, { path: 'init', type: 'file', mode: 0o755, data: await readFile(join(init, 'bin/init')) }],
  initrd,
);
// The load: busy loops beside the boots, so that ticks land while the kernel halts.
const hogs = Array.from({ length: Number(values.load) }, () =>
  spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }),
);

const ends = new Map<string, number>();
const failures: { cycle: number; end: string; tail: string }[] = [];
const started = performance.now();
const cpuBefore = process.cpuUsage();
let next = 0;
let done = 0;
const endOf = (r: BootResult) =>
  r.timedOut ? 'timeout' : r.signal ? r.signal : r.exitCode === 0 ? 'exit 0' : `exit ${r.exitCode}`;
try {
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < cycles) {
        const cycle = next++;
        const result = await bootToPowerOff(join(kernel, 'bin/linux'), initrd, [], { timeoutMs: 120_000 });
        const end = endOf(result);
        ends.set(end, (ends.get(end) ?? 0) + 1);
        if (end !== 'exit 0') failures.push({ cycle, end, tail: result.console.split('\n').slice(-25).join('\n') });
        if (++done % 20 === 0)
          console.error(`poweroff: ${done}/${cycles} cycles, ${JSON.stringify(Object.fromEntries(ends))}`);
      }
    }),
  );
} finally {
  for (const hog of hogs) hog.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
}

const wallS = (performance.now() - started) / 1000;
const result = {
  date: new Date().toISOString(),
  kernel,
  cycles,
  parallel,
  load: Number(values.load),
  ends: Object.fromEntries(ends),
  by_signal: failures.filter((f) => /^SIG/.test(f.end)).length,
  wall_s_per_cycle: Number(((wallS * parallel) / cycles).toFixed(2)),
  runner_cpu_ms_per_cycle: Number((process.cpuUsage(cpuBefore).user / 1000 / cycles).toFixed(1)),
  failures,
};
await writeFile(new URL('poweroff.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
printResults(
  'poweroff',
  {
    kernel: basename(kernel),
    cycles,
    parallel,
    load: result.load,
    ends: JSON.stringify(result.ends),
    by_signal: result.by_signal,
    wall_s_per_cycle: result.wall_s_per_cycle,
    runner_cpu_ms_per_cycle: result.runner_cpu_ms_per_cycle,
  },
  { by_signal: 0 },
);
