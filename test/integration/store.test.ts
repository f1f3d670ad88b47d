// The store against the real Debian registry and host toolchain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { debPackage, debSource, realise, silentReporter, storePath, readManifestOf } from '../../lib/derivations/index.ts';
import { hello, uapiHeaders } from '../../recipes/hello.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

test('two cold realises of the example recipe into two stores give the same path and bytes', async (t) => {
  const [a, b] = [await tempDir(t), await tempDir(t)];
  const first = await realise(hello, { store: a, report: silentReporter });
  const second = await realise(hello, { store: b, report: silentReporter });
  assert.equal(first.built.length, 3, 'source, Debian package and hello were all realised cold');
  assert.equal(first.path.slice(a.length), second.path.slice(b.length));
  assert.deepEqual(await readManifestOf(first.path), await readManifestOf(second.path));
  const binary = 'bin/batu-hello';
  assert.ok((await readFile(join(first.path, binary))).equals(await readFile(join(second.path, binary))));
  const { stdout } = await execa(join(first.path, binary));
  assert.match(stdout, /^hello from batu, built against Linux uapi 6\.1\.\d+$/);
});

test('a Debian package whose pinned sha256 is wrong is refused with both hashes', async (t) => {
  const store = await tempDir(t);
  const wrong = debPackage({ package: uapiHeaders.package, version: uapiHeaders.version, sha256: '00'.repeat(32) });
  await assert.rejects(realise(wrong, { store, report: silentReporter }),
    new RegExp(`hash mismatch for Debian package linux-libc-dev:amd64=6\\.1\\.192-2:\\n  expected sha256 ${'00'.repeat(32)}\\n  got      sha256 ${uapiHeaders.sha256}`));
  assert.equal(existsSync(await storePath(wrong, store)), false);
});

test('a Debian package version the registry does not have gives apt\'s reason', async (t) => {
  const store = await tempDir(t);
  const absent = debPackage({ package: 'linux-libc-dev', version: '0.0.1-1', sha256: '00'.repeat(32) });
  await assert.rejects(realise(absent, { store, report: silentReporter }), /apt-get download linux-libc-dev:amd64=0\.0\.1-1 failed:[\s\S]*0\.0\.1-1/);
});

test('a Debian source package is fetched and every file its .dsc lists is checked', async (t) => {
  const store = await tempDir(t);
  const socat = debSource({ package: 'socat', version: '1.7.4.4-2', sha256: 'd69a6c1c1f3e36959b3f43b0383c537a924e5f0dcae6f803621aef9491a71e5a' });
  const { path } = await realise(socat, { store, report: silentReporter });
  const manifest = await readManifestOf(path);
  assert.deepEqual(manifest.entries.map((e) => e.path).sort(), ['socat_1.7.4.4-2.debian.tar.xz', 'socat_1.7.4.4-2.dsc', 'socat_1.7.4.4.orig.tar.gz']);
  const wrong = debSource({ package: 'socat', version: '1.7.4.4-2', sha256: '11'.repeat(32) });
  await assert.rejects(realise(wrong, { store: await tempDir(t), report: silentReporter }), /hash mismatch for Debian source package socat=1\.7\.4\.4-2 \(socat_1\.7\.4\.4-2\.dsc\)/);
});

test('a source package the registry does not fully serve gives a clear error', async (t) => {
  // batctl's orig tarball is missing from the registry.
  const batctl = debSource({ package: 'batctl', version: '2023.0-1', sha256: '22'.repeat(32) });
  await assert.rejects(realise(batctl, { store: await tempDir(t), report: silentReporter }),
    /the Debian source package batctl=2023\.0-1 could not be fetched: the registry serves sources for some packages only/);
});

