// Signing, signed imports and a file:// binary cache: push, substitute, refuse, challenge.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  add,
  cacheSettings,
  challenge,
  derivation,
  exportClosure,
  generateKeyPair,
  importClosure,
  listPaths,
  parsePublicKey,
  push,
  realise,
  treeHash,
  url,
  readStoreConfig,
  verify,
  writeStoreConfig,
  type Manifest,
} from '../../lib/derivations/index.ts';
import { batuCli, runScript } from '../fixtures/cli-helpers.ts';
import { checkSignatures, fingerprintOf, signFingerprint } from '../../lib/derivations/cache/signing.ts';
import { sha256 } from '../../lib/derivations/model/hash.ts';
import { commitPath } from '../../lib/derivations/store/store.ts';
import { tempDir, testKeys, textDerivation } from '../fixtures/store-helpers.ts';
import { readTar, writeTar } from '../fixtures/tar-helpers.ts';
import { hostileCache, serveFile, silentCache } from '../fixtures/hostile-cache.ts';

test('a signature holds for its fingerprint and trusted key only; bad keys are named', async (t) => {
  const { secret, trusted, prefix } = await testKeys(t, 'ci-1');
  const other = await testKeys(t, 'other-1');
  const manifest: Manifest = { treeHash: treeHash([]), references: [], entries: [] };
  const fp = fingerprintOf('0'.repeat(32) + '-x', manifest, 'drv');
  const sig = signFingerprint(fp, secret);
  assert.deepEqual(checkSignatures(fp, [sig], trusted), { ok: true, key: 'ci-1' });
  const changed = fingerprintOf('0'.repeat(32) + '-x', manifest, 'drv!');
  assert.deepEqual(checkSignatures(changed, [sig], trusted), {
    ok: false,
    reason: 'its signature by the trusted key ci-1 does not match its content',
  });
  const untrusted = checkSignatures(fp, [sig], other.trusted);
  assert.equal(untrusted.ok, false);
  assert.match(!untrusted.ok ? untrusted.reason : '', /not trusted here \(ci-1\)/);
  assert.deepEqual(checkSignatures(fp, [], trusted), { ok: false, reason: 'it is unsigned' });
  // A key name reused by another key does not pass for it.
  const impostor = await testKeys(t, 'ci-1');
  assert.equal(checkSignatures(fp, [signFingerprint(fp, impostor.secret)], trusted).ok, false);
  assert.throws(() => parsePublicKey('ci-1:AAAA'), /not 32 bytes/);
  assert.throws(() => parsePublicKey('no key at all'), /"no key at all" is not NAME:base64/);
  assert.equal(parsePublicKey(`${prefix}.pub`).name, 'ci-1', 'a .pub file is read');
  await assert.rejects(generateKeyPair('ci-1', prefix), /exists already/);
  await assert.rejects(generateKeyPair('bad name', join(await tempDir(t), 'k')), /bad key name "bad name"/);
});

/** A store with top (referencing dep, built with the build-only tool) realised in it. */
async function builtStore(t: TestContext) {
  const store = await tempDir(t);
  const dep = textDerivation('dep', 'payload');
  const tool = textDerivation('tool', 'used only while building');
  const top = derivation({
    name: 'top',
    version: '1',
    inputs: { dep, tool },
    builder: 'mkdir -p $out; echo "$dep" > $out/ref; cat "$tool/text" > $out/copy',
  });
  const { path } = await realise(top, { store, ...quiet });
  return { store, top, path, dep, tool };
}

const quiet = { report: () => {} };

test('import: a trusted signature, or --unsigned; a file changed with its manifest entry and tree hash is refused', async (t) => {
  const { path } = await builtStore(t);
  const { secret, trusted } = await testKeys(t);
  const other = await testKeys(t, 'other-1');
  const signed = await buffer(await exported(path, secret));
  const unsigned = await buffer(await exported(path));
  const entries = await readTar(signed);
  // The forgery import used to accept: dep's file and its manifest changed consistently.
  const depName = entries.find((e) => /-dep-1\.manifest$/.test(e.header.name))!.header.name.replace('.manifest', '');
  const forged = forgeFile(entries, depName, 'text', 'forgery');
  const cases: [string, Buffer, object, RegExp][] = [
    [
      'forged',
      await writeTar(forged),
      { trustedKeys: trusted },
      /dep-1 is not signed by a trusted key: its signature by the trusted key test-1 does not match/,
    ],
    [
      'unsigned',
      unsigned,
      { trustedKeys: trusted },
      /is not signed by a trusted key: it is unsigned \(store import --unsigned skips this check\)/,
    ],
    ['untrusted', signed, { trustedKeys: other.trusted }, /signed only by keys not trusted here \(test-1\)/],
  ];
  for (const [what, stream, options, reason] of cases) {
    const to = await tempDir(t);
    await assert.rejects(importClosure(PassThrough.from([stream]), { store: to, ...options }), reason, what);
    assert.deepEqual(
      readdirSync(to).filter((n) => !n.startsWith('.')),
      [],
      `${what}: nothing imported`,
    );
  }
  const to = await tempDir(t);
  assert.equal((await importClosure(PassThrough.from([signed]), { store: to, trustedKeys: trusted })).length, 2);
  assert.deepEqual(await verify({ store: to }), []);
  // --unsigned skips exactly the signature: the forgery is consistent, so it gets in (and verify cannot tell).
  const gullible = await tempDir(t);
  await importClosure(PassThrough.from([await writeTar(forged)]), { store: gullible, unsigned: true });
  assert.equal(await readFile(join(gullible, depName, 'text'), 'utf8'), 'forgery');
});

/**
 * An exported path's one file `file` replaced by `text`, with its manifest entry and tree
 * hash recomputed to match: consistent, so only a signature or a pinned hash can tell.
 */
function forgeFile(entries: Awaited<ReturnType<typeof readTar>>, name: string, file: string, text: string) {
  return entries.map((e) => {
    if (e.header.name === `${name}/${file}`) return { ...e, data: Buffer.from(text) };
    if (e.header.name !== `${name}.manifest`) return e;
    const manifest = JSON.parse(e.data.toString()) as Manifest;
    for (const entry of manifest.entries)
      if (entry.type === 'file' && entry.path === file)
        Object.assign(entry, { sha256: sha256(text), size: Buffer.byteLength(text) });
    manifest.treeHash = treeHash(manifest.entries);
    return { ...e, data: Buffer.from(JSON.stringify(manifest)) };
  });
}

async function exported(path: string, key?: Awaited<ReturnType<typeof testKeys>>['secret']) {
  const sink = new PassThrough();
  const done = buffer(sink);
  await exportClosure([path], sink, { key });
  return PassThrough.from([await done]);
}

test('a file:// cache: an empty store substitutes the run-time closure, builds nothing, fetches no build input', async (t) => {
  const { path, top } = await builtStore(t);
  const { secret, trusted } = await testKeys(t);
  const cache = pathToFileURL(await tempDir(t)).href;
  const pushed = await push(cache, [path], { key: secret });
  assert.equal(pushed.pushed.length, 2, 'top and dep (its reference); not tool');
  assert.equal((await push(cache, [path], { key: secret })).present.length, 2, 'a second push uploads nothing');
  const empty = await tempDir(t);
  const result = await realise(top, { store: empty, substituters: [cache], trustedKeys: trusted, ...quiet });
  assert.equal(basename(result.path), basename(path), 'the same store path');
  assert.deepEqual(result.built, []);
  assert.deepEqual(result.substituted.map((p) => basename(p)).sort(), pushed.pushed.map((p) => basename(p)).sort());
  assert.deepEqual(await verify({ store: empty }), []);
  assert.equal((await listPaths(empty)).length, 2, 'the build-only input was not needed');
  assert.deepEqual(readdirSync(join(empty, '.tmp')), [], 'no scratch left');
  // --no-substitute builds.
  const built = await realise(top, {
    store: await tempDir(t),
    substituters: [cache],
    trustedKeys: trusted,
    substitute: false,
    ...quiet,
  });
  assert.equal(built.built.length, 3);
});

test('a cache entry that is untrusted, damaged or edited is refused with its reason; nothing partial enters; realise builds it', async (t) => {
  const { path, top } = await builtStore(t);
  const { secret, trusted } = await testKeys(t);
  const other = await testKeys(t, 'other-1');
  const pristine = await tempDir(t);
  const cache = pathToFileURL(pristine).href;
  await push(cache, [path], { key: secret });
  const topInfo = join(pristine, `${basename(path).slice(0, 32)}.info`);
  const info = JSON.parse(await readFile(topInfo, 'utf8'));
  const damage: [string, (dir: string) => Promise<void>, RegExp, typeof trusted][] = [
    [
      'untrusted key',
      async () => {},
      /not substituting \S+-top-1 from file:\S+: it is signed only by keys not trusted here \(test-1\)/,
      other.trusted,
    ],
    [
      'an archive byte flipped',
      async (dir) => {
        const file = join(dir, info.archive.file);
        const bytes = await readFile(file);
        bytes[bytes.length >> 1] ^= 1;
        await writeFile(file, bytes);
      },
      /\S+-top-1 from file:\S+: its archive does not match its metadata \(hash mismatch/,
      trusted,
    ],
    [
      'metadata edited',
      (dir) => writeFile(join(dir, basename(topInfo)), JSON.stringify({ ...info, references: [] })),
      /not substituting \S+-top-1 from file:\S+: its signature by the trusted key test-1 does not match/,
      trusted,
    ],
    [
      'an archive larger than its metadata says',
      (dir) =>
        writeFile(join(dir, basename(topInfo)), JSON.stringify({ ...info, archive: { ...info.archive, size: 100 } })),
      /\S+-top-1 from file:\S+: file:\S+ is larger than the 100 bytes its metadata says/,
      trusted,
    ],
    [
      'archive missing',
      (dir) => rm(join(dir, info.archive.file)),
      /its archive archives\/\S+ is missing from the cache/,
      trusted,
    ],
    [
      'metadata malformed',
      (dir) =>
        writeFile(
          join(dir, basename(topInfo)),
          JSON.stringify({ ...info, archive: { ...info.archive, file: '../../etc/passwd' } }),
        ),
      /\.info is malformed: archive\.file: expected archives\/<sha256>\.tar\.zst/,
      trusted,
    ],
  ];
  for (const [what, spoil, reason, keys] of damage) {
    const dir = await tempDir(t);
    await cp(pristine, dir, { recursive: true });
    await spoil(dir);
    const store = await tempDir(t);
    const said: string[] = [];
    const result = await realise(top, {
      store,
      substituters: [pathToFileURL(dir).href],
      trustedKeys: keys,
      report: (line) => said.push(line),
    });
    assert.match(said.join('\n'), reason, what);
    assert.ok(
      result.built.some((p) => basename(p) === basename(path)),
      `${what}: top was built instead`,
    );
    assert.equal(basename(result.path), basename(path));
    assert.deepEqual(await verify({ store }), [], what);
    assert.deepEqual(readdirSync(join(store, '.tmp')), [], `${what}: no scratch left`);
  }
});

test('challenge: identical for a reproducible path, the differing file named for one that is not', async (t) => {
  const store = await tempDir(t);
  const { secret, trusted } = await testKeys(t);
  const cache = pathToFileURL(await tempDir(t)).href;
  const steady = textDerivation('steady', 'same everywhere');
  // Not reproducible on purpose: each build writes the time it ran.
  const wobbly = derivation({
    name: 'wobbly',
    version: '1',
    builder: 'mkdir -p $out; echo same > $out/same; date +%s%N > $out/when',
  });
  const [a, b] = [await realise(steady, { store, ...quiet }), await realise(wobbly, { store, ...quiet })];
  await push(cache, [a.path, b.path], { key: secret });
  const here = await tempDir(t);
  const [a2, b2] = [await realise(steady, { store: here, ...quiet }), await realise(wobbly, { store: here, ...quiet })];
  const missing = await realise(textDerivation('never-pushed', 'x'), { store: here, ...quiet });
  const results = await challenge(cache, [a2.path, b2.path, missing.path], { trustedKeys: trusted });
  assert.deepEqual(
    results.map((r) => [basename(r.path), r.verdict]),
    [
      [basename(a.path), 'identical'],
      [basename(b.path), 'differs'],
      [basename(missing.path), 'not in cache'],
    ],
  );
  assert.equal(results[0].signature, 'signed by test-1');
  assert.equal(results[1].differences.length, 1);
  assert.match(
    results[1].differences[0],
    /^when: here sha256 [0-9a-f]{16}… \d+ bytes, cache sha256 [0-9a-f]{16}… \d+ bytes$/,
  );
});

test('a fixed-output source (pushed with a build closure) comes from a cache by its pinned hash, unsigned; other bytes under its name are refused', async (t) => {
  const store = await tempDir(t);
  const { secret } = await testKeys(t);
  const file = join(await tempDir(t), 'release.bin');
  await writeFile(file, 'the release');
  const added = await add(file, { store });
  const source = url({ url: 'http://127.0.0.1:9/release.bin', name: 'release.bin', sha256: added.sha256 });
  // What a recipe built from it, pushed with its build closure: the source goes along.
  const consumer = derivation({
    name: 'consumer',
    version: '1',
    inputs: { source },
    builder: 'mkdir -p $out; wc -c < "$source/release.bin" > $out/size',
  });
  const built = await realise(consumer, { store, ...quiet });
  const cache = pathToFileURL(await tempDir(t)).href;
  const pushed = await push(cache, [built.path], { key: secret, buildClosure: true });
  assert.deepEqual(pushed.pushed.map((p) => basename(p)).sort(), [basename(added.path), basename(built.path)].sort());
  // No key trusted at all: the consumer is refused, the source (checked by its pinned hash) is taken, the consumer built.
  const fresh = await tempDir(t);
  const said: string[] = [];
  const result = await realise(consumer, {
    store: fresh,
    substituters: [cache],
    trustedKeys: [],
    report: (l) => said.push(l),
  });
  assert.match(
    said.join('\n'),
    /not substituting \S+-consumer-1 from file:\S+: it is signed only by keys not trusted here/,
  );
  assert.deepEqual(
    result.substituted.map((p) => basename(p)),
    [basename(added.path)],
  );
  assert.deepEqual(result.built, [result.path]);
  assert.equal(await readFile(join(result.path, 'size'), 'utf8'), '11\n');
  // A cache that serves other bytes under that name, with metadata and signature to match.
  const other = await tempDir(t);
  const forged = join(await tempDir(t), 'out');
  await mkdir(forged);
  await writeFile(join(forged, 'release.bin'), 'a trojan!!!');
  await commitPath(join(other, basename(added.path)), forged, '');
  const evilDir = await tempDir(t);
  await push(pathToFileURL(evilDir).href, [join(other, basename(added.path))], { key: secret });
  const victim = await tempDir(t);
  said.length = 0;
  await assert.rejects(
    realise(source, { store: victim, substituters: [pathToFileURL(evilDir).href], report: (l) => said.push(l) }),
    /cannot be fetched on this machine/,
  );
  assert.match(said.join('\n'), /hash mismatch for http:\/\/127\.0\.0\.1:9\/release\.bin/);
  assert.deepEqual(await listPaths(victim), [], 'nothing entered');
});

test('cache settings: flags beat BATU_SUBSTITUTERS / BATU_TRUSTED_KEYS, which beat the store config; bad values are named', async (t) => {
  const store = await tempDir(t);
  const [a, b] = [await testKeys(t, 'a-1'), await testKeys(t, 'b-1')];
  await writeStoreConfig(store, { substituters: ['file:///from/config'], trustedKeys: [`${a.prefix}.pub`] });
  assert.deepEqual(
    await readStoreConfig(store),
    { substituters: ['file:///from/config'], trustedKeys: [a.pub] },
    'a .pub file is stored as its key',
  );
  const saved = { ...process.env };
  t.after(() => {
    process.env.BATU_SUBSTITUTERS = saved.BATU_SUBSTITUTERS;
    process.env.BATU_TRUSTED_KEYS = saved.BATU_TRUSTED_KEYS;
    if (saved.BATU_SUBSTITUTERS === undefined) delete process.env.BATU_SUBSTITUTERS;
    if (saved.BATU_TRUSTED_KEYS === undefined) delete process.env.BATU_TRUSTED_KEYS;
  });
  delete process.env.BATU_SUBSTITUTERS;
  delete process.env.BATU_TRUSTED_KEYS;
  const names = (s: Awaited<ReturnType<typeof cacheSettings>>) => [s.substituters, s.trustedKeys.map((k) => k.name)];
  assert.deepEqual(names(await cacheSettings(store)), [['file:///from/config'], ['a-1']]);
  process.env.BATU_SUBSTITUTERS = 'http://env.example/ file:///env/two';
  process.env.BATU_TRUSTED_KEYS = b.pub;
  assert.deepEqual(names(await cacheSettings(store)), [['http://env.example', 'file:///env/two'], ['b-1']]);
  assert.deepEqual(names(await cacheSettings(store, { substituters: 'file:///flag', trustedKeys: [a.pub, b.pub] })), [
    ['file:///flag'],
    ['a-1', 'b-1'],
  ]);
  assert.deepEqual((await cacheSettings(store, { substitute: false })).substituters, []);
  await assert.rejects(cacheSettings(store, { substituters: 'ftp://nope' }), /bad binary cache "ftp:\/\/nope"/);
  await assert.rejects(writeStoreConfig(store, { trustedKeys: ['x:notakey!'] }), /"x:notakey!" is not NAME:base64/);
  assert.deepEqual((await readStoreConfig(store)).trustedKeys, [a.pub], 'a refused config is not written');
});

test('the command line: keygen, export --key, import signed or --unsigned, push and challenge', async (t) => {
  const { path } = await builtStore(t);
  const dir = await tempDir(t);
  const keygen = await batuCli('store', 'keygen', 'cli-1', '--out', join(dir, 'cli'));
  assert.equal(keygen.exitCode, 0, String(keygen.stderr));
  assert.match(String(keygen.stdout), /^cli-1:[A-Za-z0-9+/]{43}=$/);
  const pub = String(keygen.stdout).trim();
  const tarball = join(dir, 'closure.tar');
  const exported = await runScript('bin/batu.ts', ['store', 'export', path, '--key', join(dir, 'cli.sec')], {
    stdout: { file: tarball },
  });
  assert.match(String(exported.stderr), /exported 2 paths, signed by cli-1/);
  const to = await tempDir(t);
  const importing = (...args: string[]) =>
    runScript('bin/batu.ts', ['store', 'import', '--store', to, ...args], { stdin: { file: tarball } });
  const refused = await importing();
  assert.equal(refused.exitCode, 1);
  assert.match(
    String(refused.stderr),
    /^batu: error: refusing the import: \S+ is not signed by a trusted key: it is signed only by keys not trusted here \(cli-1\); no key is trusted/m,
  );
  assert.deepEqual(await listPaths(to), []);
  const accepted = await importing('--trusted-keys', join(dir, 'cli.pub'));
  assert.equal(accepted.exitCode, 0, String(accepted.stderr));
  assert.equal((await listPaths(to)).length, 2);
  const cache = pathToFileURL(join(dir, 'cache')).href;
  const pushed = await batuCli('store', 'push', cache, path, '--key', join(dir, 'cli.sec'), '--json');
  assert.deepEqual(JSON.parse(String(pushed.stdout)).pushed.length, 2, String(pushed.stderr));
  const challenged = await batuCli('store', 'challenge', cache, '--store', to, '--trusted-keys', pub);
  assert.equal(challenged.exitCode, 0, String(challenged.stderr));
  assert.equal(String(challenged.stdout).match(/: identical \(signed by cli-1\)$/gm)?.length, 2);
});

test('import --unsigned still checks a pinned source against its own .drv: other bytes, or another name, are refused', async (t) => {
  const store = await tempDir(t);
  const file = join(await tempDir(t), 'release.bin');
  await writeFile(file, 'the release');
  const added = await add(file, { store });
  const name = basename(added.path);
  const entries = await readTar(await buffer(await exported(added.path)));
  // A replaced file with a manifest recomputed to match: consistent, but not the pinned bytes.
  const replaced = forgeFile(entries, name, 'release.bin', 'a trojan!!!');
  // The same bytes under another path's name (a pin for other content).
  const elsewhere = '0'.repeat(32) + name.slice(32);
  const renamed = entries.map((e) => ({ ...e, header: { ...e.header, name: e.header.name.replace(name, elsewhere) } }));
  const cases: [string, Buffer, RegExp][] = [
    ['replaced', await writeTar(replaced), /release\.bin .*hash mismatch/s],
    ['renamed', await writeTar(renamed), /is not the path its own \.drv names \(\S+-release\.bin\)/],
  ];
  for (const [what, stream, reason] of cases) {
    const to = await tempDir(t);
    await assert.rejects(importClosure(PassThrough.from([stream]), { store: to, unsigned: true }), reason, what);
    assert.deepEqual(await listPaths(to), [], `${what}: nothing imported`);
  }
  // The real one still comes in unsigned.
  const to = await tempDir(t);
  assert.deepEqual(
    (await importClosure(PassThrough.from([await writeTar(entries)]), { store: to, unsigned: true })).map((p) =>
      basename(p),
    ),
    [name],
  );
});

test(
  'an HTTP cache that stalls, drips or floods is dropped with one line and realise builds instead',
  { timeout: 60_000 },
  async (t) => {
    const { path, top } = await builtStore(t);
    const { secret, trusted } = await testKeys(t);
    const files = await tempDir(t);
    await push(pathToFileURL(files).href, [path], { key: secret });
    const realiseVia = async (url: string) => {
      const said: string[] = [];
      const result = await realise(top, {
        store: await tempDir(t),
        substituters: [url],
        trustedKeys: trusted,
        cacheTimeoutMs: 500,
        report: (l) => said.push(l),
      });
      assert.equal(result.built.length, 3, `${url}: everything built`);
      return said.filter((l) => l.includes(url));
    };
    // Accepts and never answers: one line, after the deadline (it used to stall for 301 s).
    const silent = await silentCache(t);
    assert.deepEqual(await realiseVia(silent), [
      `not using the cache ${silent}: ${silent}/batu-cache-info: no answer in 0.5 s`,
    ]);
    // An endless batu-cache-info is read up to its size cap, not buffered whole.
    const flood = await hostileCache(t, files, (_request, response) => {
      response.writeHead(200);
      const more = (error?: Error | null) => {
        if (!error && !response.destroyed) response.write(Buffer.alloc(64 * 1024, 0x20), (e) => setImmediate(more, e));
      };
      more();
    });
    assert.match(
      (await realiseVia(flood)).join('\n'),
      /batu-cache-info is larger than the 65536 bytes a cache may send for it/,
    );
    // Answers what a cache is, then never the metadata: one line for the cache, not one per path.
    const mute = await hostileCache(t, files, (request, response, file) => {
      if (request.url === '/batu-cache-info') void serveFile(response, file);
    });
    const muteLines = await realiseVia(mute);
    assert.equal(muteLines.length, 1, muteLines.join('\n'));
    assert.match(muteLines[0], /^not using the cache \S+ for the rest of this run: \S+\.info: no answer in 0\.5 s$/);
    // Serves the metadata, then drips the archive a byte at a time.
    const drip = await hostileCache(t, files, async (request, response, file) => {
      if (!request.url!.startsWith('/archives/')) return serveFile(response, file);
      const bytes = (await file())!;
      response.writeHead(200, { 'content-length': bytes.length });
      let at = 0;
      const timer = setInterval(
        () => (at < bytes.length ? response.write(bytes.subarray(at, ++at)) : clearInterval(timer)),
        20,
      );
      response.on('close', () => clearInterval(timer));
    });
    const dripLines = (await realiseVia(drip)).join('\n');
    assert.match(
      dripLines,
      /\S+-dep-1 from \S+: \S+archives\/\S+: fewer than 16 KiB in 0\.5 s\n {2}building it instead/,
    );
    assert.match(dripLines, /not using the cache \S+ for the rest of this run$/m);
    assert.doesNotMatch(dripLines, /-top-1 from/, 'the second path was not asked of the dripping cache');
  },
);
