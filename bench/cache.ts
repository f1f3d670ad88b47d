// bench/cache: the 6.12 kernel's closure pulled from a local nginx cache vs built cold, in
// one run (both into empty stores, both through the CLI as a CI job runs them), and the
// archive's size and speed under the compressors at hand. `npx tsx bench/cache.ts`.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { readManifest, storePath } from '../lib/derivations/index.ts';
import { packPaths } from '../lib/derivations/store/transfer.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { startCacheServer } from '../test/fixtures/cache-server.ts';
import { batuIn, runScript } from '../test/fixtures/cli-helpers.ts';
import { testKeys } from '../test/fixtures/store-helpers.ts';
import { printResults } from './report.ts';

const compressors: [string, string[], string[]][] = [
  ['zstd-1', ['zstd', '-q', '-1', '-T0'], ['zstd', '-q', '-d']],
  ['zstd-3', ['zstd', '-q', '-3', '-T0'], ['zstd', '-q', '-d']], // what push uses
  ['zstd-9', ['zstd', '-q', '-9', '-T0'], ['zstd', '-q', '-d']],
  ['gzip-6', ['gzip', '-6'], ['gzip', '-d']],
  ['xz-3', ['xz', '-3', '-T0'], ['xz', '-d']],
];

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

export async function benchCache(): Promise<Record<string, number>> {
  const cleanups: (() => Promise<void>)[] = [];
  const t = { after: (fn: () => Promise<void>) => void cleanups.push(fn) };
  try {
    const server = await startCacheServer(t);
    const keys = await testKeys(t, 'bench-1');
    const [storeA, storeB] = [
      await mkdtemp(join(tmpdir(), 'batu-bench-a-')),
      await mkdtemp(join(tmpdir(), 'batu-bench-b-')),
    ];
    cleanups.push(
      () => rm(storeA, { recursive: true, force: true }),
      () => rm(storeB, { recursive: true, force: true }),
    );
    // The build where the Debian archive is reachable; push and pull in the namespace that reaches the cache.
    const cli = async (...args: string[]) => {
      const run = await (args[0] === 'build' && args.includes('--no-substitute')
        ? runScript('bin/batu.ts', args)
        : batuIn(server.client.name, args));
      if (run.exitCode !== 0) throw new Error(`batu ${args.slice(0, 2).join(' ')} failed:\n${run.stderr}`);
    };
    console.error('cache bench: building the kernel cold (minutes)…');
    const build_s = await seconds(() => cli('build', 'linux-v15', '--store', storeA, '--no-substitute'));
    const push_s = await seconds(() =>
      cli('store', 'push', server.url, 'linux-v15', '--key', `${keys.prefix}.sec`, '--store', storeA),
    );
    const pull_s = await seconds(() =>
      cli('build', 'linux-v15', '--store', storeB, '--substituters', server.url, '--trusted-keys', keys.pub),
    );
    const kernel = await storePath(await linuxV15(), storeA);
    const files = (await readManifest(kernel)).entries.length;
    // The archive's tar, once, then each compressor on it (CLI tools, so each runs the same way).
    const tarball = join(storeA, '.tmp-bench.tar');
    cleanups.push(() => rm(tarball, { force: true }));
    await packPaths([kernel], createWriteStream(tarball));
    const tarBytes = (await stat(tarball)).size;
    const results: Record<string, number> = {
      kernel_files: files,
      kernel_tar_mib: tarBytes / 2 ** 20,
      cold_build_s: build_s,
      push_s,
      pull_s,
      pull_speedup: build_s / pull_s,
    };
    for (const [name, compress, decompress] of compressors) {
      const packed = `${tarball}.${name}`;
      cleanups.push(() => rm(packed, { force: true }));
      const c = await seconds(() =>
        execa(compress[0], [...compress.slice(1), '-c', tarball], { stdout: { file: packed } }),
      );
      const d = await seconds(() => execa(decompress[0], [...decompress.slice(1), '-c', packed], { stdout: 'ignore' }));
      const size = (await stat(packed)).size;
      results[`${name}_ratio`] = tarBytes / size;
      results[`${name}_compress_mib_s`] = tarBytes / 2 ** 20 / c;
      results[`${name}_decompress_mib_s`] = tarBytes / 2 ** 20 / d;
    }
    return results;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printResults('cache', await benchCache());
