import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import {
  openStore,
  add,
  addRoot,
  deletePath,
  derivation,
  releaseHeldPaths,
  repair,
  exportClosure,
  gc,
  importClosure,
  isValid,
  listPaths,
  realise,
  repoFiles,
  silentReporter,
  storePath,
  tree,
  url,
  verify,
} from '../../lib/derivations/index.ts';
import { gatedDerivation, sharedDir, tempDir, testKeys, textDerivation } from '../fixtures/store-helpers.ts';
import { readTar, shuffled, writeTar, type TarEntry } from '../fixtures/tar-helpers.ts';

const quiet = { report: silentReporter };
const child = new URL('../fixtures/realise-child.ts', import.meta.url).pathname;
// node itself (not npx/tsx wrappers), so that kill -9 hits the realiser.
const realiser = (...args: string[]) => execa(process.execPath, ['--import', 'tsx', child, ...args], { reject: false });

test('realise builds once, then reuses; outputs are read-only with fixed mtimes and sidecars', async (t) => {
  const store = await tempDir(t);
  const drv = textDerivation('text', 'hello');
  const first = await realise(drv, { store, ...quiet });
  assert.deepEqual(first.built, [first.path]);
  assert.equal(await readFile(join(first.path, 'text'), 'utf8'), 'hello');
  const st = statSync(join(first.path, 'text'));
  assert.equal(st.mode & 0o777, 0o444);
  assert.equal(st.mtimeMs, 1000);
  for (const side of ['.manifest', '.drv', '.log']) assert.ok(existsSync(first.path + side), side);
  const second = await realise(drv, { store, ...quiet });
  assert.deepEqual(second, { path: first.path, built: [], reused: [first.path], substituted: [] });
});

test('a realiser with umask 077 builds the same path: the build user still gets into its scratch directory', async (t) => {
  const [strict, usual] = [await tempDir(t), await tempDir(t)];
  const drv = textDerivation('umask', 'strict', { dep: textDerivation('umask-dep', 'dep') });
  const umask = process.umask(0o077);
  const built = await realise(drv, { store: strict, ...quiet }).finally(() => process.umask(umask));
  const again = await realise(drv, { store: usual, ...quiet });
  assert.equal(basename(built.path), basename(again.path));
  assert.equal(statSync(join(built.path, 'text')).mode & 0o777, 0o444, 'normalized like any other output');
});

test('a failed build leaves no store path and reports the log tail and its path', async (t) => {
  const store = await tempDir(t);
  const drv = derivation({ name: 'fails', version: '1', builder: 'mkdir -p $out; echo "the reason it broke"; exit 3' });
  await assert.rejects(realise(drv, { store, ...quiet }), (e: Error) => {
    assert.match(e.message, /building fails-1 failed \(exit code 3\)/);
    assert.match(e.message, /the reason it broke/);
    assert.match(e.message, /fails-1\.log/);
    return true;
  });
  const path = await storePath(drv, store);
  assert.equal(existsSync(path), false);
  assert.equal(isValid(path), false);
  assert.deepEqual(readdirSync(join(store, '.tmp')), [], 'no scratch dir left');
});

test('the builder sees a cleared environment, its inputs and only declared tools', async (t) => {
  const store = await tempDir(t);
  process.env.BATU_LEAK_CHECK = 'leaked';
  t.after(() => {
    delete process.env.BATU_LEAK_CHECK;
  });
  const dep = textDerivation('dep', 'from dep');
  const drv = derivation({
    name: 'env',
    version: '1',
    inputs: { dep },
    builder: `mkdir -p "$out"; env | sort > "$out/env"; cat "$dep/text" > "$out/dep"; command -v gcc > "$out/gcc" || echo none > "$out/gcc"`,
  });
  const { path } = await realise(drv, { store, ...quiet });
  const env = await readFile(join(path, 'env'), 'utf8');
  assert.doesNotMatch(env, /BATU_LEAK_CHECK/);
  assert.match(env, /^LC_ALL=C$/m);
  assert.match(env, /^TZ=UTC$/m);
  assert.match(env, /^SOURCE_DATE_EPOCH=1$/m);
  assert.equal(await readFile(join(path, 'dep'), 'utf8'), 'from dep');
  assert.equal((await readFile(join(path, 'gcc'), 'utf8')).trim(), 'none');
});

test('builders run sandboxed: an unprivileged user, no network, only their inputs visible, nothing written outside', async (t) => {
  const store = await tempDir(t);
  const outside = await sharedDir(t); // world-writable, and still out of reach
  const server = createServer((socket) => socket.end('reached\n'));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const { path: other } = await realise(textDerivation('not-an-input', 'hidden'), { store, ...quiet });
  const probe = derivation({
    name: 'probe',
    version: '1',
    inputs: { dep: textDerivation('an-input', 'seen') },
    env: { other, port: String(port) },
    builder: `mkdir -p "$out"; id -u > "$out/uid"; cat "$dep/text" > "$out/dep"
      if [ -e "$other" ]; then echo yes; else echo no; fi > "$out/sees-other"
      if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo yes; else echo no; fi > "$out/network"`,
  });
  const { path } = await realise(probe, { store, ...quiet });
  const read = (f: string) => readFile(join(path, f), 'utf8').then((s) => s.trim());
  assert.equal(await read('uid'), String(process.getuid!() === 0 ? 65534 : process.getuid!()));
  assert.equal(await read('dep'), 'seen');
  assert.equal(await read('sees-other'), 'no', 'a store path that is not an input is invisible');
  assert.equal(await read('network'), 'no', "no network, not even the host's loopback");
  assert.equal(statSync(join(path, 'uid')).uid, process.getuid!(), "outputs belong to the store's owner");
  const writer = derivation({
    name: 'writer',
    version: '1',
    env: { outside },
    builder: 'echo pwned > "$outside/pwned"; mkdir -p "$out"',
  });
  await assert.rejects(realise(writer, { store, ...quiet }), /building writer-1 failed/);
  assert.equal(existsSync(join(outside, 'pwned')), false, 'the host file was not written');
});

test('a fixed-output source with the wrong hash is refused, naming both hashes', async (t) => {
  const store = await tempDir(t);
  const dir = await tempDir(t);
  await writeFile(join(dir, 'f'), 'content');
  const good = await repoFiles('src', dir);
  const bad = tree({ name: 'src', from: dir, sha256: 'ab'.repeat(32) });
  await assert.rejects(realise(bad, { store, ...quiet }), (e: Error) => {
    assert.match(e.message, /hash mismatch/);
    assert.match(e.message, new RegExp(`expected sha256 ${'ab'.repeat(32)}`));
    assert.match(e.message, new RegExp(`got +sha256 ${good.sha256}`));
    return true;
  });
  assert.equal(existsSync(await storePath(bad, store)), false);
  assert.equal(isValid((await realise(good, { store, ...quiet })).path), true);
});

test('a URL that cannot be fetched: the error names it, why, and how to add it; store add makes it resolve', async (t) => {
  const store = await tempDir(t);
  const dir = await tempDir(t);
  const file = join(dir, 'batman-adv-2013.4.0.tar.gz');
  await writeFile(file, 'pretend tarball');
  const { sha256 } = await add(file, { store, unpack: false });
  const src = url({ url: 'http://127.0.0.1:9/batman-adv-2013.4.0.tar.gz', sha256 });
  // Loopback's discard port: nothing listens, the connection is refused.
  const missing = url({ url: 'http://127.0.0.1:9/other-1.tar.gz', sha256: 'cd'.repeat(32) });
  await assert.rejects(
    realise(missing, { store, ...quiet }),
    /other-1\.tar\.gz cannot be fetched on this machine \(.*127\.0\.0\.1.*\)[\s\S]*cdcdcd[\s\S]*store add <file-or-directory> --name other-1\.tar\.gz --no-unpack/,
  );
  const ftp = url({ url: 'ftp://127.0.0.1/other-1.tar.gz', sha256: 'cd'.repeat(32) });
  await assert.rejects(
    realise(ftp, { store, ...quiet }),
    /ftp:\/\/127\.0\.0\.1\/other-1\.tar\.gz cannot be fetched on this machine \(not an http\(s\) URL\)/,
  );
  assert.deepEqual(await listPaths(store), [await storePath(src, store)], 'a failed fetch leaves nothing');
  const { path } = await realise(src, { store, ...quiet });
  assert.equal(await readFile(join(path, 'batman-adv-2013.4.0.tar.gz'), 'utf8'), 'pretend tarball');
});

test('a URL is downloaded over http and checked: the right bytes enter, wrong bytes and a 404 leave nothing', async (t) => {
  const store = await tempDir(t);
  const body = Buffer.from('a release tarball, or so');
  const server = createHttpServer((req, res) => {
    if (req.url === '/moved') res.writeHead(302, { location: '/r-1.tar.gz' }).end();
    else if (req.url === '/r-1.tar.gz') res.end(body);
    else res.writeHead(404).end('not here');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sha256 = createHash('sha256').update(body).digest('hex');
  const good = url({ url: `${base}/moved`, name: 'r-1.tar.gz', sha256 });
  const { path } = await realise(good, { store, ...quiet });
  assert.deepEqual(await readFile(join(path, 'r-1.tar.gz')), body, 'followed the redirect');
  const wrong = url({ url: `${base}/r-1.tar.gz`, name: 'r-2.tar.gz', sha256: 'ef'.repeat(32) });
  await assert.rejects(
    realise(wrong, { store, ...quiet }),
    /hash mismatch for http:\/\/127\.0\.0\.1:\d+\/r-1\.tar\.gz[\s\S]*got +sha256 /,
  );
  const gone = url({ url: `${base}/gone.tar.gz`, sha256: 'ef'.repeat(32) });
  await assert.rejects(realise(gone, { store, ...quiet }), /gone\.tar\.gz cannot be fetched on this machine \(.*404/);
  assert.deepEqual(await listPaths(store), [path]);
});

/** A realiser process building the gated derivation, returned once its builder runs. */
async function gatedBuildRunning(t: TestContext) {
  const store = await tempDir(t);
  const work = await sharedDir(t);
  const [gate, counter] = [join(work, 'gate'), join(work, 'counter')];
  const proc = realiser(store, gate, counter);
  while (!existsSync(counter)) await sleep(50);
  return { store, work, gate, counter, proc };
}

test('kill -9 of a realise mid-build leaves no store path, kills the builder, and a rerun succeeds', async (t) => {
  const { store, work, gate, counter, proc } = await gatedBuildRunning(t);
  const builderPid = Number((await readFile(counter, 'utf8')).match(/run (\d+)/)![1]);
  proc.kill('SIGKILL');
  await proc;
  const path = await storePath(gatedDerivation(gate, counter), store);
  assert.equal(existsSync(path), false);
  await sleep(300);
  const { stdout: stillRunning } = await execa('pgrep', ['-f', `while \\[ ! -e "\\$gate"`], { reject: false });
  assert.equal(stillRunning.trim(), '', `builder process (pid ${builderPid} in its namespace) outlived its realiser`);
  await writeFile(gate, '');
  const rerun = await realise(gatedDerivation(gate, counter), { store, ...quiet, sandboxPaths: [work] });
  assert.equal(rerun.path, path);
  assert.equal(await readFile(join(path, 'result'), 'utf8'), 'built\n');
});

test('two concurrent realises of one derivation build it once', async (t) => {
  const store = await tempDir(t);
  const work = await sharedDir(t);
  const [gate, counter] = [join(work, 'gate'), join(work, 'counter')];
  const runs = [1, 2].map(() => realiser(store, gate, counter));
  while (!existsSync(counter)) await sleep(50);
  await sleep(1500); // both realisers are up: one builds, one waits on the lock
  await writeFile(gate, '');
  const [a, b] = await Promise.all(runs);
  assert.equal(a.stdout.trim(), b.stdout.trim());
  assert.equal((await readFile(counter, 'utf8')).trim().split('\n').length, 1, 'the builder ran once');
});

test('gc while a build runs keeps its inputs, its scratch directory and what it returns', async (t) => {
  const { store, gate, proc } = await gatedBuildRunning(t);
  const input = await storePath(textDerivation('gated-input', 'input'), store);
  assert.ok(isValid(input), 'the input was realised before the build started');
  const { removed } = await gc({ store, ...quiet });
  assert.deepEqual(removed, [], 'nothing a live realise holds is collected');
  assert.ok(isValid(input));
  assert.equal(
    readdirSync(join(store, '.tmp')).filter((n) => n.includes(`.${proc.pid}.`)).length,
    1,
    'the live builder keeps its scratch',
  );
  await writeFile(gate, '');
  const done = await proc;
  assert.equal(done.exitCode, 0, done.stderr);
  const path = done.stdout.trim();
  assert.equal(await readFile(join(path, 'input'), 'utf8'), 'input');
  // The realiser has exited: its temporary roots are gone, and gc may now collect.
  assert.deepEqual((await gc({ store, ...quiet })).removed.sort(), [input, path].sort());
});

test('a lock left by an earlier crash (a directory without a pid) does not block, and a wait says what it waits for', async (t) => {
  const store = await tempDir(t);
  const drv = textDerivation('locked', 'x');
  const key = basename(await storePath(drv, store)).slice(0, 32);
  await mkdir(join(store, '.locks', key), { recursive: true }); // batu's old mkdir lock, its pid file never written
  const first = await Promise.race([realise(drv, { store, ...quiet }), sleep(10_000).then(() => 'hung')]);
  assert.notEqual(first, 'hung', 'realise must not hang on a stale lock');
  const other = textDerivation('held', 'y');
  const held = await openStore(store).lock(basename(await storePath(other, store)).slice(0, 32), {
    purpose: 'a test holding it',
  });
  const lines: string[] = [];
  const waiting = realise(other, { store, report: (l) => lines.push(l) });
  await sleep(1800);
  assert.ok(
    lines.some((l) => l.includes(`waiting for its lock, held by process ${process.pid} (a test holding it)`)),
    lines.join('\n'),
  );
  await held.release();
  assert.ok(isValid((await waiting).path));
});

test('verify finds a flipped byte and names the file', async (t) => {
  const store = await tempDir(t);
  const { path } = await realise(textDerivation('v', 'abc'), { store, ...quiet });
  assert.deepEqual(await verify({ store }), []);
  await chmod(join(path, 'text'), 0o644);
  await writeFile(join(path, 'text'), 'abd');
  assert.deepEqual(await verify({ store }), [{ path, problems: ['text: changed'] }]);
});

test('damage is reported path by path and mended: verify goes on, realise rebuilds, repair restores, delete refuses what is needed', async (t) => {
  const store = await tempDir(t);
  const dep = textDerivation('dep', 'intact');
  const top = derivation({
    name: 'top',
    version: '1',
    inputs: { dep },
    builder: 'mkdir -p $out; echo "$dep" > $out/ref',
  });
  const truncated = textDerivation('truncated', 'x');
  const { path: topPath } = await realise(top, { store, root: 'top', ...quiet });
  const depPath = await storePath(dep, store);
  const { path: cut } = await realise(truncated, { store, ...quiet });
  const manifest = await readFile(cut + '.manifest', 'utf8');
  await writeFile(cut + '.manifest', manifest.slice(0, manifest.length / 2));
  await chmod(join(depPath, 'text'), 0o644);
  await writeFile(join(depPath, 'text'), 'changed');
  const problems = await verify({ store });
  assert.deepEqual(problems.map((p) => p.path).sort(), [cut, depPath].sort(), 'both damaged paths, named');
  assert.match(problems.find((p) => p.path === cut)!.problems[0], /manifest is not JSON/);
  await releaseHeldPaths(store);
  const collected = await gc({ store, ...quiet });
  assert.ok(
    collected.kept.includes(depPath) && collected.kept.includes(topPath),
    'gc goes on, and keeps what the root needs',
  );
  const again = await realise(truncated, { store, ...quiet });
  assert.deepEqual(again.built, [cut], 'a path with an unreadable manifest is rebuilt, not reused');
  assert.deepEqual(await repair(depPath, quiet), { path: depPath, was: ['text: changed'] });
  assert.equal(await readFile(join(depPath, 'text'), 'utf8'), 'intact');
  assert.deepEqual(await verify({ store }), []);
  await assert.rejects(deletePath(depPath), /referenced by .*-top-1/);
  await releaseHeldPaths(store);
  await assert.rejects(deletePath(topPath), /is a gc root \(top/);
  await rm(join(store, '.roots', 'top'));
  await deletePath(topPath);
  await deletePath(depPath);
  assert.deepEqual(await listPaths(store), [cut]);
});

test('gc keeps roots and what they reference, and drops the rest', async (t) => {
  const store = await tempDir(t);
  const dep = textDerivation('dep', 'x');
  const depPath = await storePath(dep, store);
  // The rooted path stores its dependency's path in a file: a run-time reference.
  const rooted = derivation({
    name: 'rooted',
    version: '1',
    inputs: { dep },
    builder: 'mkdir -p $out; echo "$dep" > $out/ref',
  });
  const onlyBuildDep = textDerivation('build-only', 'y');
  const kept = derivation({
    name: 'kept',
    version: '1',
    inputs: { onlyBuildDep },
    builder: 'mkdir -p $out; echo no-ref > $out/x',
  });
  const loose = textDerivation('loose', 'z');
  const r1 = await realise(rooted, { store, root: 'one', ...quiet });
  const r2 = await realise(kept, { store, ...quiet });
  await addRoot(store, 'two', r2.path);
  const r3 = await realise(loose, { store, ...quiet });
  const failed = derivation({ name: 'failed', version: '1', builder: 'exit 1' });
  await assert.rejects(realise(failed, { store, ...quiet }));
  const failedLog = (await storePath(failed, store)) + '.log';
  assert.ok(existsSync(failedLog));
  const held = await gc({ store, ...quiet });
  assert.deepEqual(held.removed, [], 'what this process realised is held while it runs');
  await releaseHeldPaths(store);
  const { removed } = await gc({ store, ...quiet });
  assert.equal(existsSync(failedLog), false, 'the log of a failed build is collected too');
  const left = await listPaths(store);
  assert.deepEqual(left, [r1.path, depPath, r2.path].sort());
  assert.deepEqual(removed.sort(), [await storePath(onlyBuildDep, store), r3.path].sort());
  const locks = readdirSync(join(store, '.locks'))
    .filter((k) => k.length === 32)
    .sort();
  assert.deepEqual(
    locks,
    left.map((p) => basename(p).slice(0, 32)).sort(),
    'the lock files of removed paths went with them',
  );
  assert.equal(existsSync(r3.path + '.manifest'), false);
});

/** A two-path closure (top references dep) exported from a fresh store, as a tar stream signed by a trusted key. */
async function exportedClosure(t: TestContext) {
  const { secret, trusted } = await testKeys(t);
  const from = await tempDir(t);
  const dep = textDerivation('dep', 'payload');
  const top = derivation({
    name: 'top',
    version: '1',
    inputs: { dep },
    builder: 'mkdir -p $out/sub; ln -s "$dep/text" $out/sub/link; echo "$dep" > $out/ref; chmod +x $out/ref',
  });
  const { path } = await realise(top, { store: from, ...quiet });
  const sink = new PassThrough();
  const tarball = buffer(sink);
  const exported = await exportClosure([path], sink, { key: secret });
  return { from, exported, tarball: await tarball, trusted };
}

/** What an import must leave behind when it refuses: no path, no sidecar, no scratch. */
async function assertUntouched(store: string) {
  assert.deepEqual(await listPaths(store), []);
  assert.deepEqual(
    readdirSync(store).filter((n) => !n.startsWith('.')),
    [],
    'no path or sidecar',
  );
  assert.deepEqual(existsSync(join(store, '.tmp')) ? readdirSync(join(store, '.tmp')) : [], [], 'no scratch left');
}

// The entry orders an import is tried with: as exported, reversed, and seeded shuffles.
const orders: [string, (e: TarEntry[]) => TarEntry[]][] = [
  ['as exported', (e) => e],
  ['reversed', (e) => [...e].reverse()],
  ...[1, 2, 3, 4, 5, 6].map((seed): [string, (e: TarEntry[]) => TarEntry[]] => [
    `shuffled (seed ${seed})`,
    (e) => shuffled(e, seed),
  ]),
];

test('export and import move a closure between stores whatever the order of the entries', async (t) => {
  const { from, exported, tarball, trusted } = await exportedClosure(t);
  assert.equal(exported.length, 2);
  const entries = await readTar(tarball);
  for (const [order, arrange] of orders) {
    const to = await tempDir(t);
    const imported = await importClosure(PassThrough.from([await writeTar(arrange(entries))]), {
      store: to,
      trustedKeys: trusted,
    });
    assert.deepEqual(
      imported.map((p) => p.slice(to.length)),
      exported.map((p) => p.slice(from.length)),
      order,
    );
    assert.deepEqual(await verify({ store: to }), [], order);
  }
});

test('a tampered stream is refused whole, whatever the order of its entries', async (t) => {
  const { tarball, trusted } = await exportedClosure(t);
  // Flip the payload of dep (the file, and its mention in dep's .drv): top is intact but needs dep.
  const tampered = await readTar(Buffer.from(tarball.toString('latin1').replaceAll('payload', 'paYload'), 'latin1'));
  for (const [order, arrange] of orders) {
    const to = await tempDir(t);
    await assert.rejects(
      importClosure(PassThrough.from([await writeTar(arrange(tampered))]), { store: to, trustedKeys: trusted }),
      /dep-1 does not match its manifest[\s\S]*nothing was imported/,
      order,
    );
    await assertUntouched(to);
  }
});

/** An exported closure taken apart, the name of its top path, and a directory outside any store. */
async function hostileBench(t: TestContext) {
  const { tarball, trusted } = await exportedClosure(t);
  const entries = await readTar(tarball);
  const top = entries.find((e) => /^[0-9a-z]{32}-top-1\/$/.test(e.header.name))!.header.name.slice(0, -1);
  const outside = await sharedDir(t); // writable by anyone: only the import's own checks keep it empty
  const file = (name: string, data = 'x'): TarEntry => ({
    header: { name, type: 'file', mode: 0o644 },
    data: Buffer.from(data),
  });
  return { tarball, entries, top, outside, file, trusted };
}

test('hostile tar streams are refused by name and write nothing anywhere', async (t) => {
  const { tarball, entries, top, outside, file, trusted } = await hostileBench(t);
  const cases: [string, TarEntry[], RegExp][] = [
    [
      'a symlink, then a file below it',
      [
        { header: { name: `${top}/l`, type: 'symlink', linkname: outside }, data: Buffer.alloc(0) },
        file(`${top}/l/pwned`),
      ],
      /lies below a symlink|comes twice/,
    ],
    ['a .. entry', [file(`${top}/../../escaped`)], /empty, \. or \.\. component/],
    ['an absolute name', [file(`${outside}/abs`)], /absolute name/],
    [
      'a hard link',
      [{ header: { name: `${top}/hard`, type: 'link', linkname: `${top}/ref` }, data: Buffer.alloc(0) }],
      /is a link/,
    ],
    [
      'a device',
      [{ header: { name: `${top}/dev`, type: 'character-device', devmajor: 1, devminor: 3 }, data: Buffer.alloc(0) }],
      /is a character-device/,
    ],
    ['a name outside any store path', [file('etc-passwd')], /not inside a store path/],
    ['a duplicate entry', [file(`${top}/ref`, 'one'), file(`${top}/ref`, 'two')], /comes twice/],
  ];
  for (const [what, extra, reason] of cases) {
    for (const [order, arrange] of orders.slice(0, 3)) {
      const to = await tempDir(t);
      await assert.rejects(
        importClosure(PassThrough.from([await writeTar(arrange([...entries, ...extra]))]), {
          store: to,
          trustedKeys: trusted,
        }),
        reason,
        `${what}, ${order}`,
      );
      await assertUntouched(to);
    }
  }
  // Cut anywhere: inside an entry tar-stream notices; at an entry's end the closure is short.
  for (const cut of [0.3, 0.5, 0.7, 0.95]) {
    const to = await tempDir(t);
    await assert.rejects(
      importClosure(PassThrough.from([tarball.subarray(0, Math.floor(tarball.length * cut))]), {
        store: to,
        trustedKeys: trusted,
      }),
      /not a complete tar stream|neither in the stream nor in the store|without its manifest|without the path/,
      `cut at ${cut}`,
    );
    await assertUntouched(to);
  }
  assert.deepEqual(readdirSync(outside), [], 'nothing was written outside the store');
});

test('property: any mutation of an exported stream, in any order, imports whole and verified or is refused leaving nothing', async (t) => {
  const { entries, top, outside, file, trusted } = await hostileBench(t);
  const mutations: ((e: TarEntry[], r: () => number) => TarEntry[])[] = [
    (e) => [
      ...e,
      { header: { name: `${top}/l${e.length}`, type: 'symlink', linkname: outside }, data: Buffer.alloc(0) },
      file(`${top}/l${e.length}/pwned`),
    ],
    (e, r) => [...e, file(`${top}/${'../'.repeat(1 + Math.floor(r() * 3))}escaped`)],
    (e) => [...e, file(`${outside}/absolute`)],
    (e) => [...e, { header: { name: `${top}/hard`, type: 'link', linkname: '/etc/passwd' }, data: Buffer.alloc(0) }],
    (e, r) => {
      const d = e[Math.floor(r() * e.length)];
      return [...e, { ...d, data: Buffer.from('other') }];
    },
    (e, r) => e.filter((_, i) => i !== Math.floor(r() * e.length)), // an entry lost
    (e, r) =>
      e.map((x, i) =>
        i === Math.floor(r() * e.length) && x.data.length
          ? { ...x, data: Buffer.from(x.data.toString('latin1').replace(/.$/s, '#'), 'latin1') }
          : x,
      ),
    (e) => e, // untouched: must import
  ];
  let imported = 0,
    refused = 0;
  for (let seed = 1; seed <= 40; seed++) {
    let state = seed * 7919;
    const r = () => (state = (state * 48271) % 2147483647) / 2147483647;
    let stream = entries;
    for (let k = 0; k < 1 + Math.floor(r() * 3); k++) stream = mutations[Math.floor(r() * mutations.length)](stream, r);
    const to = await tempDir(t);
    const data = await writeTar(shuffled(stream, seed));
    const cut = r() < 0.2 ? data.subarray(0, Math.floor(data.length * r())) : data;
    try {
      await importClosure(PassThrough.from([cut]), { store: to, trustedKeys: trusted });
      assert.deepEqual(await verify({ store: to }), [], `seed ${seed}: what was imported is whole`);
      assert.equal((await listPaths(to)).length, 2, `seed ${seed}`);
      imported++;
    } catch (e) {
      assert.match((e as Error).message, /refusing the import/, `seed ${seed}`);
      await assertUntouched(to);
      refused++;
    }
  }
  assert.deepEqual(readdirSync(outside), [], 'nothing was ever written outside a store');
  assert.ok(imported > 0 && refused > 0, `both outcomes were exercised (${imported} imported, ${refused} refused)`);
});

test('the store is the argument, else BATU_STORE, else the default; an empty BATU_STORE is unset, never the working directory', async (t) => {
  const { defaultStore } = await import('../../lib/derivations/store/store.ts');
  const saved = process.env.BATU_STORE;
  t.after(() => (saved === undefined ? delete process.env.BATU_STORE : (process.env.BATU_STORE = saved)));
  process.env.BATU_STORE = '/srv/from-env';
  assert.equal(openStore('/srv/given').dir, '/srv/given');
  assert.equal(openStore().dir, '/srv/from-env');
  process.env.BATU_STORE = '';
  assert.equal(openStore().dir, defaultStore());
  assert.notEqual(openStore().dir, process.cwd());
});
