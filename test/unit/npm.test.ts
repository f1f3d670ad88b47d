// npm packages as sources, filtered repository trees and the prebuilt closure: what the
// container image is made from, checked without the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  lockedPackages,
  npmPackage,
  prebuilt,
  realise,
  repoFiles,
  silentReporter,
} from '../../lib/derivations/index.ts';
import { checkFixedOutput } from '../../lib/derivations/sources/fetch.ts';
import { helperBinary } from '../../lib/runner/index.ts';
import { seedrandomLibrary } from '../../lib/sim/helpers.ts';
import { openStore } from '../../lib/derivations/index.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

const integrity = (data: string) => `sha512-${createHash('sha512').update(data).digest('base64')}`;
const entry = (version: string, more: object = {}) => ({ version, integrity: integrity(version), ...more });

test('lockedPackages: production by default; devDependencies all or by name; optional packages of other platforms left out', async (t) => {
  const dir = await tempDir(t);
  const lockfile = join(dir, 'package-lock.json');
  await writeFile(
    lockfile,
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', version: '1.0.0' },
        'node_modules/zod': entry('4.0.0'),
        'node_modules/a/node_modules/b': entry('2.0.0'),
        'node_modules/@scope/tool': entry('1.2.3', { dev: true }),
        'node_modules/typescript': entry('5.9.3', { dev: true }),
        'node_modules/@esbuild/linux-x64': entry('0.1.0', { optional: true, os: ['linux'], cpu: ['x64'] }),
        'node_modules/@esbuild/darwin-arm64': entry('0.1.0', { optional: true, os: ['darwin'], cpu: ['arm64'] }),
        'node_modules/not-windows': entry('1.0.0', { os: ['!win32'] }),
        'node_modules/only-windows': entry('1.0.0', { os: ['!linux'] }),
        'node_modules/local': { link: true, resolved: '../local' },
      },
    }),
  );
  const production = lockedPackages(lockfile);
  assert.deepEqual(Object.keys(production), [
    'node_modules/@esbuild/linux-x64',
    'node_modules/a/node_modules/b',
    'node_modules/not-windows',
    'node_modules/zod',
  ]);
  assert.deepEqual(production['node_modules/a/node_modules/b'], {
    type: 'npm',
    package: 'b',
    version: '2.0.0',
    integrity: integrity('2.0.0'),
  });
  assert.ok('node_modules/@scope/tool' in lockedPackages(lockfile, { dev: true }));
  const typescriptOnly = Object.keys(lockedPackages(lockfile, { dev: ['typescript'] }));
  assert.ok(typescriptOnly.includes('node_modules/typescript') && !typescriptOnly.includes('node_modules/@scope/tool'));
  assert.deepEqual(
    Object.keys(lockedPackages(lockfile, { os: 'darwin', cpu: 'arm64' }))[0],
    'node_modules/@esbuild/darwin-arm64',
  );

  await writeFile(
    lockfile,
    JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/x': { version: '1.0.0' } } }),
  );
  assert.throws(() => lockedPackages(lockfile), /node_modules\/x has no version or integrity/);
  await writeFile(lockfile, JSON.stringify({ lockfileVersion: 1, dependencies: {} }));
  assert.throws(() => lockedPackages(lockfile), /lockfileVersion/);
});

test('an npm source is refused with both integrities when the tarball is not the pinned one, and names a bad pin', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'zod-4.0.0.tgz'), 'the tarball');
  const pinned = npmPackage({ package: 'zod', version: '4.0.0', integrity: integrity('the tarball') });
  await checkFixedOutput(pinned, dir);
  const other = npmPackage({ package: 'zod', version: '4.0.0', integrity: integrity('another tarball') });
  await assert.rejects(
    checkFixedOutput(other, dir),
    (e: Error) =>
      e.message.includes('integrity mismatch for npm package zod@4.0.0') &&
      e.message.includes(integrity('another tarball')) &&
      e.message.includes(integrity('the tarball')),
  );
  await writeFile(join(dir, 'extra.tgz'), '');
  await assert.rejects(checkFixedOutput(pinned, dir), /expected one \.tgz, found extra\.tgz, zod-4\.0\.0\.tgz/);
  assert.throws(
    () => npmPackage({ package: 'Zod!', version: '1', integrity: 'sha1-x' }),
    /package.*npm package name[\s\S]*version[\s\S]*integrity/,
  );
});

test('repoFiles with exclude: build outputs beside the sources change nothing, and a tree holding its own store is copied without it', async (t) => {
  const dir = await tempDir(t);
  const clean = join(dir, 'clean');
  const built = join(dir, 'built');
  for (const root of [clean, built]) {
    await mkdir(join(root, 'lib'), { recursive: true });
    await writeFile(join(root, 'lib/a.ts'), 'export const a = 1;\n');
  }
  await writeFile(join(built, 'lib/a.js'), 'export const a = 1;\n');
  await mkdir(join(built, 'dist'));
  await writeFile(join(built, 'dist/a.js'), '');
  const exclude = /\.js$|^store(\/|$)/;
  const [a, b] = [await repoFiles('src', clean, { exclude }), await repoFiles('src', built, { exclude })];
  assert.equal(
    a.sha256,
    b.sha256,
    'the same tree hash with and without outputs (an emptied directory is left out too)',
  );
  assert.notEqual((await repoFiles('src', built)).sha256, a.sha256, 'without exclude they count');

  const store = join(built, 'store'); // inside the tree, as a checkout's default store is
  const { path } = await realise(b, { store, report: silentReporter });
  assert.deepEqual(await readdir(path, { recursive: true }), ['lib', 'lib/a.ts']);
});

test('BATU_PREBUILT: paths are checked and named; helpers come from it, and one it lacks is named', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'prebuilt.json');
  const saved = process.env.BATU_PREBUILT;
  t.after(() => (saved === undefined ? delete process.env.BATU_PREBUILT : (process.env.BATU_PREBUILT = saved)));
  process.env.BATU_PREBUILT = file;

  await writeFile(file, JSON.stringify({ kernel: join(dir, 'nowhere'), image: 'relative', helpers: {} }));
  assert.throws(
    () => prebuilt(),
    (e: Error) => {
      assert.match(e.message, new RegExp(`^BATU_PREBUILT=${file}: `));
      assert.match(e.message, new RegExp(`kernel: ${join(dir, 'nowhere')} does not exist`));
      assert.match(e.message, /image: expected an absolute store path, not "relative"/);
      return true;
    },
  );

  const helpers = join(dir, 'helpers');
  await mkdir(join(helpers, 'bin'), { recursive: true });
  const good = join(dir, 'good.json');
  await writeFile(good, JSON.stringify({ kernel: dir, image: dir, helpers: { 'batu-host-helpers': helpers } }));
  process.env.BATU_PREBUILT = good;
  assert.deepEqual(prebuilt(), { kernel: dir, image: dir, helpers: { 'batu-host-helpers': helpers } });
  assert.equal(await helperBinary('fdwire', openStore('/no/store/needed')), join(helpers, 'bin/fdwire'));
  await assert.rejects(
    seedrandomLibrary(openStore(dir)),
    /seedrandom\.so is not in the prebuilt closure \(BATU_PREBUILT has no batu-sim-preload\)/,
  );
});
