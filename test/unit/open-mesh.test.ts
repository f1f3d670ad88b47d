// Which batman-adv a node runs: the sources a release, tarball or tree resolve to, and the
// topology's per-node choice, checked before anything is built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashInput } from '../../lib/derivations/index.ts';
import { formatIssues } from '../../lib/issues.ts';
import { Topology, line } from '../../lib/mesh/index.ts';
import { openMeshSource, releasedVersions, releaseUrl } from '../../recipes/open-mesh/sources.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

test('a release resolves to its pinned tarball at open-mesh; an unknown one names the ones pinned', async () => {
  assert.ok(releasedVersions.includes('2026.2') && releasedVersions.includes('2023.0'));
  assert.equal(releasedVersions[0], '2026.2', 'newest first');
  const { src, version } = await openMeshSource('batctl', '2024.3');
  assert.equal(version, '2024.3');
  assert.deepEqual(src, {
    type: 'url',
    url: 'https://downloads.open-mesh.org/batman/releases/batman-adv-2024.3/batctl-2024.3.tar.gz',
    name: 'batctl-2024.3.tar.gz',
    sha256: '665e655eda381415218a4d5f5fd77ff33c4fa9b5edbb7e88e839096961e3600b',
  });
  assert.equal(
    releaseUrl('alfred', '2026.2'),
    'https://downloads.open-mesh.org/batman/releases/batman-adv-2026.2/alfred-2026.2.tar.gz',
  );
  await assert.rejects(
    openMeshSource('batman-adv', '2019.1'),
    /batman-adv 2019\.1 is not a release pinned here \(2026\.2, .*2023\.0\)/,
  );
});

test('a tarball takes its version from its name; a tree is hashed by its source, not its build outputs', async (t) => {
  const sha256 = 'ab'.repeat(32);
  const byUrl = await openMeshSource('batman-adv', { url: 'http://127.0.0.1:9/x/batman-adv-2026.2.tar.gz', sha256 });
  assert.equal(byUrl.version, '2026.2');
  const named = await openMeshSource('batman-adv', { url: 'http://127.0.0.1:9/snapshot.tgz', sha256, version: 'next' });
  assert.equal(named.version, 'next');
  const dir = await tempDir(t);
  await mkdir(join(dir, 'net/batman-adv'), { recursive: true });
  await writeFile(join(dir, 'net/batman-adv/main.c'), 'int x;\n');
  const before = await hashInput((await openMeshSource('batman-adv', { src: dir })).src);
  await writeFile(join(dir, 'net/batman-adv/main.o'), 'object');
  await writeFile(join(dir, 'net/batman-adv/batman-adv.ko'), 'module');
  await writeFile(join(dir, 'net/batman-adv/.main.o.cmd'), 'cmd');
  await mkdir(join(dir, '.git'));
  await writeFile(join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
  assert.equal(
    await hashInput((await openMeshSource('batman-adv', { src: dir })).src),
    before,
    'a build in the tree changes nothing',
  );
  await writeFile(join(dir, 'net/batman-adv/main.c'), 'int y;\n');
  assert.notEqual(await hashInput((await openMeshSource('batman-adv', { src: dir })).src), before, 'an edit does');
  await assert.rejects(
    openMeshSource('batman-adv', { src: join(dir, 'nope') }),
    /batman-adv source .*nope: not a directory/,
  );
});

test('a topology chooses batman-adv per node and for the mesh; a bad choice names the node and value', () => {
  const parsed = Topology.parse({
    ...line(3),
    nodes: [{ name: 'n1', batmanAdv: '2025.1' }, { name: 'n2', batmanAdv: { src: '/src/batman-adv' } }, { name: 'n3' }],
    batmanAdv: '2026.2',
  });
  assert.deepEqual(
    parsed.nodes.map((n) => n.batmanAdv),
    ['2025.1', { src: '/src/batman-adv' }, undefined],
  );
  assert.equal(parsed.batmanAdv, '2026.2');
  assert.equal(Topology.parse(line(2)).batmanAdv, 'batu');
  for (const [bad, said] of [
    ['latest', /^nodes\.0\.batmanAdv: expected a release like '2026\.2'.*, got "latest"$/],
    [
      { url: 'ftp://example.invalid/a.tar.gz', sha256: 'ab'.repeat(32) },
      /^nodes\.0\.batmanAdv\.url: expected an http\(s\) URL, got "ftp:/,
    ],
    [
      { url: 'https://example.invalid/a.tar.gz', sha256: 'xyz' },
      /^nodes\.0\.batmanAdv\.sha256: expected 64 hex digits, got "xyz"$/,
    ],
    [{ src: '/a', url: 'https://example.invalid/a.tar.gz' }, /^nodes\.0\.batmanAdv: Unrecognized key: "url"$/],
  ] as const) {
    const r = Topology.safeParse({ ...line(2), nodes: [{ name: 'n1', batmanAdv: bad }, { name: 'n2' }] });
    assert.equal(r.success, false, JSON.stringify(bad));
    assert.match(formatIssues(r.error!, { top: '' }), said);
  }
});
