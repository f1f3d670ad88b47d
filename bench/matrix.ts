// bench/matrix: matrix cells an hour, built here and pulled from a binary cache, as a CI
// pipeline runs `batu matrix`: one kernel series × a batman-adv tree (2026.2 from
// ../shared/fixtures, stamped with a fresh version so no cell is in the store yet) × the
// options given (all on, each off alone, all off), builds only. The cells are then pushed to a
// signed file:// cache, deleted here, and the same matrix pulls them. The module kernel is
// in the store both times (a pipeline pulls it once). Not in `npm run bench`.
//   npx tsx bench/matrix.ts [--config BLA,DAT] [--kernels 6.12]
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { sharedFixture } from '../test/fixtures/shared-fixtures.ts';
import type { Cell } from '../bin/commands/matrix.ts';
import { printResults } from './report.ts';

const { values } = parseArgs({
  options: { config: { type: 'string', default: 'BLA,DAT' }, kernels: { type: 'string', default: '6.12' } },
});
const batu = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, ['--import', 'tsx', 'bin/batu.ts', ...args], {
    cwd: new URL('..', import.meta.url).pathname,
    env,
    reject: false,
  });

const dir = await mkdtemp(join(tmpdir(), 'bt-matrix-bench-'));
try {
  const tarball = sharedFixture('upstream/batman-adv-2026.2.tar.gz');
  if (!tarball) throw new Error('bench/matrix needs ../shared/fixtures (batman-adv 2026.2)');
  const tree = join(dir, 'batman-adv');
  await execa('mkdir', [tree]);
  await execa('tar', ['-xzf', tarball, '-C', tree, '--strip-components=1']);
  const version = join(tree, 'net/batman-adv/version.c');
  const stamp = `bench-${Date.now().toString(36)}`;
  await writeFile(
    version,
    (await readFile(version, 'utf8')).replace(/(#define BATADV_SOURCE_VERSION )"[^"]*"/, `$1"${stamp}"`),
  );
  const matrix = ['matrix', '--kernels', values.kernels!, '--batman-adv', tree, '--config', values.config!];
  const timed = async (env: Record<string, string> = {}) => {
    const start = Date.now();
    const run = await batu([...matrix, '--no-converge', '--json'], env);
    if (run.exitCode !== 0) throw new Error(`batu matrix failed:\n${run.stdout}\n${run.stderr}`);
    return { seconds: (Date.now() - start) / 1000, cells: JSON.parse(run.stdout) as Cell[] };
  };

  const built = await timed();
  console.log(`built: ${built.cells.length} cells in ${built.seconds.toFixed(0)} s`);
  const paths = built.cells.map((c) => c.path!);
  const key = join(dir, 'bench-matrix-1');
  const cache = `file://${join(dir, 'cache')}`;
  for (const step of [
    ['store', 'keygen', 'bench-matrix-1', '--out', key],
    ['store', 'push', cache, ...paths, '--key', `${key}.sec`],
    ['store', 'delete', ...paths],
  ]) {
    const r = await batu(step);
    if (r.exitCode !== 0) throw new Error(`batu ${step.slice(0, 2).join(' ')} failed:\n${r.stderr}`);
  }
  const pulled = await timed({ BATU_SUBSTITUTERS: cache, BATU_TRUSTED_KEYS: `${key}.pub` });
  // From a cache there is no build log: warnings are unknown.
  if (pulled.cells.some((c) => c.warnings !== undefined)) throw new Error('a cell was built, not pulled');
  console.log(`pulled: ${pulled.cells.length} cells in ${pulled.seconds.toFixed(0)} s`);
  printResults('matrix', {
    cells: built.cells.length,
    built_s: built.seconds,
    pulled_s: pulled.seconds,
    cells_per_hour_built: (built.cells.length * 3600) / built.seconds,
    cells_per_hour_cached: (pulled.cells.length * 3600) / pulled.seconds,
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
