import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Volume } from 'memfs';
import { computeManifest, type Manifest } from '../../lib/derivations/index.ts';
import type { Fs } from '../../lib/derivations/store/manifest.ts';

function volume(files: Record<string, string>, order: 'forward' | 'reverse'): Fs {
  const entries = Object.entries(files);
  const vol = new Volume();
  for (const [path, content] of order === 'forward' ? entries : entries.reverse()) {
    vol.mkdirSync(path.slice(0, path.lastIndexOf('/')) || '/', { recursive: true });
    vol.writeFileSync(path, content, { mode: path.endsWith('.sh') ? 0o755 : 0o644 });
  }
  vol.symlinkSync('bin/run.sh', '/t/link');
  return vol.promises as unknown as Fs;
}

const files = {
  '/t/bin/run.sh': '#!/bin/sh\necho hi\n',
  '/t/data/a.txt': 'a',
  '/t/data/b.txt': 'refers to 0123456789abcdfghijklmnpqrsvwxy-dep-1',
};

test('a manifest lists every entry sorted, with content hashes and the executable bit', async () => {
  const m = await computeManifest('/t', { fs: volume(files, 'forward') });
  assert.deepEqual(
    m.entries.map((e) => `${e.type}:${e.path}`),
    ['dir:bin', 'file:bin/run.sh', 'dir:data', 'file:data/a.txt', 'file:data/b.txt', 'symlink:link'],
  );
  const run = m.entries.find((e) => e.path === 'bin/run.sh') as Extract<Manifest['entries'][number], { type: 'file' }>;
  assert.equal(run.executable, true);
  assert.equal(run.sha256, createHash('sha256').update(files['/t/bin/run.sh']).digest('hex'));
  assert.equal(run.size, files['/t/bin/run.sh'].length);
});

test('the tree hash depends on content, not on creation order', async () => {
  const a = await computeManifest('/t', { fs: volume(files, 'forward') });
  const b = await computeManifest('/t', { fs: volume(files, 'reverse') });
  assert.equal(a.treeHash, b.treeHash);
  const c = await computeManifest('/t', { fs: volume({ ...files, '/t/data/a.txt': 'A' }, 'forward') });
  assert.notEqual(a.treeHash, c.treeHash);
});

test('references are the scanned hashes that occur in file contents or link targets', async () => {
  const scan = new Map([
    ['0123456789abcdfghijklmnpqrsvwxy', '0123456789abcdfghijklmnpqrsvwxy-dep-1'],
    ['zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', 'zzzz-absent'],
  ]);
  const m = await computeManifest('/t', { fs: volume(files, 'forward'), scan });
  assert.deepEqual(m.references, ['0123456789abcdfghijklmnpqrsvwxy-dep-1']);
});
