// npm run repro -- <recipe> [--variant V]: realise a recipe cold into two fresh stores and
// compare paths and bytes. Exit 0 only if both are bit-identical.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { computeManifest } from '../lib/derivations/index.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { variant: { type: 'string' }, keep: { type: 'boolean' } },
});
const recipe = positionals[0];
if (!recipe) throw new Error('usage: npm run repro -- <recipe> [--variant V]');
const file = new URL(`../recipes/${recipe}.ts`, import.meta.url).pathname;

async function coldBuild(label: string): Promise<{ store: string; path: string; seconds: number }> {
  // Stores at paths of different lengths: a build path leaking into the output shows.
  const store = await mkdtemp(join(tmpdir(), `batu-repro-${label}-`));
  const start = performance.now();
  const { stdout } = await execa(
    process.execPath,
    ['--import', 'tsx', file, '--store', store, ...(values.variant ? ['--variant', values.variant] : [])],
    { stderr: 'inherit' },
  );
  return { store, path: stdout.trim().split('\n').pop()!, seconds: (performance.now() - start) / 1000 };
}

const a = await coldBuild('a');
const b = await coldBuild('second');
try {
  const [ma, mb] = [await computeManifest(a.path), await computeManifest(b.path)];
  const samePath = a.path.slice(a.store.length) === b.path.slice(b.store.length);
  const byPath = new Map(mb.entries.map((e) => [e.path, JSON.stringify(e)]));
  const differing = ma.entries.filter((e) => byPath.get(e.path) !== JSON.stringify(e)).map((e) => e.path);
  const result = {
    recipe,
    variant: values.variant,
    samePath,
    identical: ma.treeHash === mb.treeHash,
    files: ma.entries.length,
    differing: differing.slice(0, 20),
    seconds: [a.seconds, b.seconds],
  };
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = result.samePath && result.identical ? 0 : 1;
} finally {
  if (!values.keep) for (const s of [a.store, b.store]) await rm(s, { recursive: true, force: true });
}
