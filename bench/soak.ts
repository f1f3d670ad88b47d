// bench/soak: realise, gc and import running together on one store while random workers
// are killed with SIGKILL (issue #14's soak). Afterwards every valid path must verify, hold
// its whole closure, and a rerun of everything must succeed. Prints a table and one JSON line.
//   npx tsx bench/soak.ts [--kills 200] [--workers 3]
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa, type ResultPromise } from 'execa';
import {
  exportClosure,
  importClosure,
  isValid,
  listPaths,
  readManifest,
  realiseAll,
  silentReporter,
  verify,
} from '../lib/derivations/index.ts';
import { soakGraph } from './soak-graph.ts';
import { printResults } from './report.ts';

const { values } = parseArgs({ options: { kills: { type: 'string' }, workers: { type: 'string' } } });
const wantedKills = Number(values.kills ?? 200);
const parallel = Number(values.workers ?? 3);
const hangAfterMs = 60_000;

const work = await mkdtemp(join(tmpdir(), 'batu-soak-'));
await chmod(work, 0o755); // the build user reaches the stores below it
const store = join(work, 'store');
try {
  // The import's stream: the same graph exported from a store of its own.
  const source = join(work, 'source');
  const { paths } = await realiseAll(soakGraph(), { store: source, report: silentReporter });
  const tarball = join(work, 'closure.tar');
  await exportClosure([paths[0]], createWriteStream(tarball));

  const worker = new URL('./soak-worker.ts', import.meta.url).pathname;
  let kills = 0,
    finished = 0,
    failed = 0,
    hangs = 0,
    started = 0;
  const failures: string[] = [];
  const running = new Set<ResultPromise>();
  const start = performance.now();
  const launch = () => {
    const n = started++;
    const op = ['realise', 'realise', 'gc', 'import'][n % 4];
    const child = execa(
      process.execPath,
      ['--import', 'tsx', worker, store, op, op === 'import' ? tarball : String(n)],
      { reject: false, timeout: hangAfterMs },
    );
    running.add(child);
    // Most workers are killed somewhere in their first second and a half; some run to the end.
    const killer =
      Math.random() < 0.8
        ? setTimeout(
            () => {
              if (child.exitCode === null && kills < wantedKills) {
                kills++;
                child.kill('SIGKILL');
              }
            },
            200 + Math.random() * 1300,
          )
        : undefined;
    void child.then((r) => {
      clearTimeout(killer);
      running.delete(child);
      if (r.timedOut) hangs++;
      else if (r.signal === 'SIGKILL') {
        /* counted when sent */
      } else if (r.exitCode === 0) finished++;
      else {
        failed++;
        failures.push(`${op}: ${String(r.stderr).split('\n').slice(-3).join(' ')}`);
      }
    });
  };
  while (kills < wantedKills) {
    while (running.size < parallel) launch();
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all(running);

  // Every valid path verifies and has its whole closure.
  const valid = await listPaths(store);
  const damaged = await verify({ store });
  let broken = 0;
  for (const path of valid)
    for (const ref of (await readManifest(path)).references) if (!isValid(join(store, ref))) broken++;
  // And a rerun of everything works.
  let rerunOk = 1;
  try {
    await realiseAll(soakGraph(), { store, report: silentReporter });
    await importClosure((await import('node:fs')).createReadStream(tarball), { store });
  } catch (e) {
    rerunOk = 0;
    failures.push(`rerun: ${(e as Error).message}`);
  }
  printResults(
    'soak',
    {
      kills,
      workers_finished: finished,
      workers_failed: failed,
      hangs,
      valid_paths: valid.length,
      invalid_paths: damaged.length,
      missing_references: broken,
      rerun_ok: rerunOk,
      seconds: (performance.now() - start) / 1000,
    },
    { invalid_paths: 0, missing_references: 0, hangs: 0, workers_failed: 0, rerun_ok: { atLeast: 1 } },
  );
  if (failures.length) console.log(failures.slice(0, 10).join('\n'));
} finally {
  await rm(work, { recursive: true, force: true });
}
