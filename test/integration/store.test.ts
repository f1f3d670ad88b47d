// The store against the real Debian registry and host toolchain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { debPackage, realise, silentReporter, storePath, readManifestOf } from '../../lib/derivations/index.ts';
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
