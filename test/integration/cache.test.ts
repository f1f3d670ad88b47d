// A signed binary cache on a real HTTP server: a CI job pushes the image closure to nginx,
// jobs with empty stores pull it (nothing built), and a cache that lies is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { basename, join } from 'node:path';
import {
  derivation,
  exportClosure,
  importClosure,
  listPaths,
  realise,
  silentReporter,
  openStore,
  storePath,
} from '../../lib/derivations/index.ts';
import { image } from '../../recipes/image.ts';
import { batuIn } from '../fixtures/cli-helpers.ts';
import { startCacheServer } from '../fixtures/cache-server.ts';
import { tempDir, testKeys } from '../fixtures/store-helpers.ts';

const json = <T>(stdout: unknown): T => JSON.parse(String(stdout).trim().split('\n').pop()!) as T;
type Built = { path: string; built: string[]; substituted: string[] };

test('the image closure pushed to nginx is pulled into empty stores, signed and whole; a lying cache is refused and the image built', async (t) => {
  const { url, root, client } = await startCacheServer(t);
  const keys = await testKeys(t, 'ci-1');
  const other = await testKeys(t, 'other-1');
  const storeA = openStore().dir;
  // The build job: realise the image (reused when the suite's store has it; built where the
  // Debian archive is reachable, not in the namespace) and push its closure.
  await realise(await image(), { store: storeA, report: silentReporter });
  const pushed = await batuIn(client.name, [
    'store',
    'push',
    url,
    'image',
    '--key',
    `${keys.prefix}.sec`,
    '--json',
    '--store',
    storeA,
  ]);
  assert.equal(pushed.exitCode, 0, String(pushed.stderr));
  const imagePath = await storePath(await image(), storeA);
  assert.ok(readdirSync(root).includes(`${basename(imagePath).slice(0, 32)}.info`), 'the image is in the cache');

  // A later job with an empty store, the cache and the key configured for it, pulls it:
  // the same path, nothing built, every path verified.
  const storeB = await tempDir(t);
  const configured = await batuIn(client.name, [
    'store',
    'config',
    '--store',
    storeB,
    '--substituters',
    url,
    '--trusted-keys',
    `${keys.prefix}.pub`,
  ]);
  assert.equal(configured.exitCode, 0, String(configured.stderr));
  const pull = await batuIn(client.name, ['build', 'image', '--json', '--store', storeB]);
  assert.equal(pull.exitCode, 0, String(pull.stderr));
  const pulled = json<Built>(pull.stdout);
  assert.equal(basename(pulled.path), basename(imagePath));
  assert.deepEqual(pulled.built, []);
  assert.ok(pulled.substituted.length >= 1);
  const verified = await batuIn(client.name, ['store', 'verify', '--store', storeB]);
  assert.equal(verified.exitCode, 0, String(verified.stdout));

  // Stores that have the image's inputs (its tree) but not the image: a refusal there costs one quick build.
  const tree = await realise((await image()).inputs.tree, { store: storeA, report: silentReporter });
  const seed = await tempDir(t);
  const sink = new PassThrough();
  const exported = exportClosure([tree.path], sink, { key: keys.secret });
  await importClosure(sink, { store: seed, trustedKeys: keys.trusted });
  await exported;
  const infoFile = join(root, `${basename(imagePath).slice(0, 32)}.info`);
  const info = JSON.parse(await readFile(infoFile, 'utf8'));
  const archive = join(root, info.archive.file);
  const pristine = await readFile(archive);
  const cases: [string, () => Promise<void>, string, RegExp][] = [
    ['an untrusted key', async () => {}, other.pub, /it is signed only by keys not trusted here \(ci-1\)/],
    [
      'an archive byte flipped on the server',
      async () => {
        const flipped = Buffer.from(pristine);
        flipped[flipped.length >> 1] ^= 0x40;
        await writeFile(archive, flipped);
      },
      keys.pub,
      /its archive does not match its metadata \(hash mismatch/,
    ],
    [
      'a metadata file edited',
      async () => {
        await writeFile(archive, pristine);
        await writeFile(infoFile, JSON.stringify({ ...info, treeHash: '0'.repeat(64) }));
      },
      keys.pub,
      /its signature by the trusted key ci-1 does not match its content/,
    ],
  ];
  for (const [what, spoil, trusted, reason] of cases) {
    await spoil();
    const store = await tempDir(t);
    await cp(seed, store, { recursive: true });
    const run = await batuIn(client.name, [
      'build',
      'image',
      '--json',
      '--store',
      store,
      '--substituters',
      url,
      '--trusted-keys',
      trusted,
    ]);
    assert.equal(run.exitCode, 0, `${what}: ${run.stderr}`);
    const stderr = String(run.stderr);
    assert.match(
      stderr,
      new RegExp(`${basename(imagePath)} from ${url.replace(/\./g, '\\.')}`),
      `${what}: names the path and the cache`,
    );
    assert.match(stderr, reason, what);
    const result = json<Built>(run.stdout);
    assert.deepEqual(
      result.built.map((p) => basename(p)),
      [basename(imagePath)],
      `${what}: the image was built instead`,
    );
    assert.deepEqual(result.substituted, [], what);
    assert.deepEqual(readdirSync(join(store, '.tmp')), [], `${what}: nothing partial left`);
    const check = await batuIn(client.name, ['store', 'verify', '--store', store]);
    assert.equal(check.exitCode, 0, `${what}: ${check.stdout}`);
    // What was built here matches what the build job pushed: challenge says so.
    await writeFile(infoFile, JSON.stringify(info));
    await writeFile(archive, pristine);
    const challenged = await batuIn(client.name, [
      'store',
      'challenge',
      url,
      result.path,
      '--json',
      '--store',
      store,
      '--trusted-keys',
      keys.pub,
    ]);
    assert.equal(challenged.exitCode, 0, `${challenged.stdout}${challenged.stderr}`);
    const verdicts = json<{ path: string; verdict: string }[]>(challenged.stdout);
    assert.deepEqual(
      verdicts.find((v) => basename(v.path) === basename(imagePath)),
      { path: result.path, verdict: 'identical', signature: 'signed by ci-1', differences: [] },
      what,
    );
  }
});

test('challenge over HTTP names the file in which two builds of one derivation differ', async (t) => {
  const { url, client } = await startCacheServer(t);
  const keys = await testKeys(t, 'ci-1');
  // Not reproducible on purpose: a build records when it ran.
  const wobbly = derivation({
    name: 'wobbly',
    version: '1',
    builder: 'mkdir -p $out; echo same > $out/same; date +%s%N > $out/when',
  });
  const [here, there] = [await tempDir(t), await tempDir(t)];
  const a = await realise(wobbly, { store: there, report: silentReporter });
  const b = await realise(wobbly, { store: here, report: silentReporter });
  const pushed = await batuIn(client.name, ['store', 'push', url, a.path, '--key', `${keys.prefix}.sec`]);
  assert.equal(pushed.exitCode, 0, String(pushed.stderr));
  const run = await batuIn(client.name, [
    'store',
    'challenge',
    url,
    b.path,
    '--store',
    here,
    '--trusted-keys',
    keys.pub,
  ]);
  assert.equal(run.exitCode, 1, 'a difference is a failure');
  assert.match(
    String(run.stdout),
    new RegExp(`${basename(b.path)}: differs \\(signed by ci-1\\)\\n  when: here sha256 `),
  );
  assert.doesNotMatch(String(run.stdout), /same:/);
  assert.deepEqual(
    (await listPaths(here)).map((p) => basename(p)),
    [basename(b.path)],
  );
});
