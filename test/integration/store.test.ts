// The store against the real Debian registry and host toolchain, and the pins it builds from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  add,
  checkPins,
  debPackage,
  debSource,
  derivation,
  readPinFile,
  realise,
  silentReporter,
  storePath,
  readManifest,
} from '../../lib/derivations/index.ts';
import { hello } from '../../recipes/hello.ts';
import { pinFile, pins, upstream } from '../../recipes/pins.ts';
import { batuCli } from '../fixtures/cli-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

const quiet = { report: silentReporter };
const kernelSourceVersion = upstream(pins.deb('linux-source-6.12').version);

test(
  'two cold realises of the example recipe into two stores give the same path and bytes',
  { timeout: 15 * 60_000 },
  async (t) => {
    const [a, b] = [await tempDir(t), await tempDir(t)];
    const first = await realise(await hello(), { store: a, ...quiet });
    const second = await realise(await hello(), { store: b, ...quiet });
    assert.equal(first.built.length, 4, 'source, kernel source package, uapi headers and hello were all realised cold');
    assert.equal(first.path.slice(a.length), second.path.slice(b.length));
    assert.deepEqual(await readManifest(first.path), await readManifest(second.path));
    const binary = 'bin/batu-hello';
    assert.ok((await readFile(join(first.path, binary))).equals(await readFile(join(second.path, binary))));
    const { stdout } = await execa(join(first.path, binary));
    assert.equal(stdout, `hello from batu, built against Linux uapi ${kernelSourceVersion}`);
  },
);

test('a Debian package whose pinned sha256 is wrong is refused with both hashes', async (t) => {
  const store = await tempDir(t);
  const pin = pins.deb('libmd0');
  const wrong = debPackage({ package: pin.package, version: pin.version, sha256: '00'.repeat(32) });
  await assert.rejects(
    realise(wrong, { store, ...quiet }),
    new RegExp(
      `hash mismatch for Debian package libmd0:amd64=${pin.version.replace(/[.+]/g, '\\$&')}:\\n  expected sha256 ${'00'.repeat(32)}\\n  got      sha256 ${pin.sha256}`,
    ),
  );
  assert.equal(existsSync(await storePath(wrong, store)), false);
});

test('a pin the archive does not serve fails before any build starts, naming what is served and the ways out', async (t) => {
  const store = await tempDir(t);
  const marker = join(await tempDir(t), 'built');
  const absent = debPackage({ package: 'libmd0', version: '0.0.1-1', sha256: '00'.repeat(32) });
  // A build that would run first if sources were not all fetched before building.
  const early = derivation({
    name: 'early',
    version: '1',
    env: { marker },
    builder: 'touch "$marker"; mkdir -p "$out"',
  });
  const top = derivation({ name: 'top', version: '1', inputs: { early, absent }, builder: 'mkdir -p "$out"' });
  await assert.rejects(realise(top, { store, ...quiet }), (e: Error) => {
    assert.match(e.message, /the Debian package libmd0 0\.0\.1-1 \(amd64, sha256 0{64}\) is no longer served/);
    assert.match(
      e.message,
      new RegExp(`the archive has ${pins.deb('libmd0').version.replace(/[.+]/g, '\\$&')} \\(bookworm`),
    );
    assert.match(e.message, /npx batu pins update libmd0/);
    assert.match(e.message, /npx batu store add libmd0_0\.0\.1-1_amd64\.deb/);
    assert.match(e.message, /store import/);
    return true;
  });
  assert.equal(existsSync(marker), false, 'no build started');
});

test('store add of the exact .deb satisfies a pin the archive does not serve', async (t) => {
  const [store, work] = [await tempDir(t), await tempDir(t)];
  const pkg = join(work, 'pkg');
  await mkdir(join(pkg, 'DEBIAN'), { recursive: true });
  await mkdir(join(pkg, 'usr/share/batu'), { recursive: true });
  await writeFile(
    join(pkg, 'DEBIAN/control'),
    'Package: batu-test-pin\nVersion: 1:0.0.1-1\nArchitecture: all\nMaintainer: batu <batu@localhost>\nDescription: a package no archive serves\n',
  );
  await writeFile(join(pkg, 'usr/share/batu/pinned'), 'by its hash\n');
  const deb = join(work, 'batu-test-pin_0.0.1-1_all.deb');
  await execa('dpkg-deb', ['--root-owner-group', '--build', pkg, deb]);
  const added = await add(deb, { store });
  const pin = debPackage({ package: 'batu-test-pin', version: '1:0.0.1-1', arch: 'all', sha256: added.sha256 });
  assert.equal(added.path, await storePath(pin, store));
  const user = derivation({
    name: 'uses-pin',
    version: '1',
    inputs: { pin },
    builder: 'unpackDeb "$pin" root; mkdir -p "$out"; cp root/usr/share/batu/pinned "$out/"',
  });
  const { path, reused } = await realise(user, { store, ...quiet });
  assert.ok(reused.includes(added.path), 'the added file was used, not fetched');
  assert.equal(await readFile(join(path, 'pinned'), 'utf8'), 'by its hash\n');
});

test('a Debian source package is fetched and every file its .dsc lists is checked', async (t) => {
  const store = await tempDir(t);
  const socat = pins.src('socat');
  const { path } = await realise(socat, { store, ...quiet });
  const manifest = await readManifest(path);
  const upstreamVersion = upstream(socat.version);
  assert.deepEqual(manifest.entries.map((e) => e.path).sort(), [
    `socat_${socat.version}.debian.tar.xz`,
    `socat_${socat.version}.dsc`,
    `socat_${upstreamVersion}.orig.tar.gz`,
  ]);
  const wrong = debSource({ package: 'socat', version: socat.version, sha256: '11'.repeat(32) });
  await assert.rejects(
    realise(wrong, { store: await tempDir(t), ...quiet }),
    new RegExp(`hash mismatch for Debian source package socat=${socat.version.replace(/[.+]/g, '\\$&')} \\(socat_`),
  );
});

test('a source package the registry does not fully serve gives a clear error', async (t) => {
  // batctl's orig tarball is missing from the registry.
  const batctl = debSource({ package: 'batctl', version: pins.deb('batctl').version, sha256: '22'.repeat(32) });
  await assert.rejects(
    realise(batctl, { store: await tempDir(t), ...quiet }),
    /the Debian source package batctl=\S+ could not be fetched: the registry serves sources for some packages only/,
  );
});

test('pins check passes on the real pins and fails on one the archive does not serve, naming it', async (t) => {
  const store = await tempDir(t);
  const statuses = await checkPins(pinFile, { store });
  assert.deepEqual(
    statuses.filter((s) => !s.ok),
    [],
    'every real pin is served',
  );
  assert.ok(statuses.some((s) => s.kind === 'source' && s.name === 'socat'));
  const edited = readPinFile(pinFile);
  const served = edited.binary['linux-source-6.1'].version;
  edited.binary['linux-source-6.1'].version = '6.1.0-999';
  const file = join(await tempDir(t), 'pins.json');
  await writeFile(file, JSON.stringify(edited));
  const bad = (await checkPins(file, { store })).filter((s) => !s.ok);
  assert.equal(bad.length, 1);
  assert.equal(bad[0].name, 'linux-source-6.1');
  assert.match(bad[0].problem!, /6\.1\.0-999 is not served; the archive has .*\(bookworm/);
  assert.ok(bad[0].served.some((s) => s.version === served));
  const cli = await batuCli('pins', 'check', '--pins', file, '--store', store);
  assert.equal(cli.exitCode, 1);
  assert.match(cli.stdout, /^FAIL linux-source-6\.1 6\.1\.0-999: /m);
  assert.match(cli.stdout, /pins update linux-source-6\.1$/m);
});

test('a full disk during a build fails it with one line naming the disk, and its scratch is removed', async (t) => {
  const store = await mkdtemp(join(tmpdir(), 'batu-test-full-'));
  t.after(async () => {
    await execa('umount', ['-l', store], { reject: false });
    await rm(store, { recursive: true, force: true });
  });
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=20m,mode=0755', 'bt-full', store]);
  const filler = derivation({
    name: 'filler',
    version: '1',
    tools: ['head', 'seq'],
    // 30 MB into a 20 MB disk, then output that the build log can no longer hold.
    builder: 'mkdir -p $out; head -c 30000000 /dev/zero > $out/big || true; seq 1 20000; exit 1',
  });
  const error = await realise(filler, { store, ...quiet }).then(
    () => assert.fail('the build succeeded'),
    (e: Error) => e,
  );
  assert.match(
    error.message,
    new RegExp(`no space left on the disk holding ${store} \\(tmpfs, 20 MiB, mounted on ${store}; 20 MiB free now\\)`),
  );
  assert.equal(error.message.split('\n').length, 1, `one line: ${error.message}`);
  // The scratch is gone at once (not left for gc): the disk has its space back.
  const tmp = join(store, '.tmp');
  assert.deepEqual(existsSync(tmp) ? await readdir(tmp) : [], []);
  const { stdout } = await execa('df', ['--output=used', '-B1', store]);
  assert.ok(Number(stdout.split('\n')[1]) < 1_000_000, `the disk is free again: ${stdout}`);
});
