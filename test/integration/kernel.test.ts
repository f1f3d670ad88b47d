// The kernel recipes, booted: batman-adv is registered, an out-of-tree module built
// through the module recipe code loads, and the guest powers off cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { realise, repoFiles } from '../../lib/derivations/index.ts';
import { linuxV15 } from '../../recipes/linux-v15.ts';
import { uapiHeaders } from '../../recipes/linux/kernel.ts';
import { kernelModule } from '../../lib/stdenv/index.ts';
import { bootTestInit } from '../fixtures/boot-helpers.ts';
import { runScript } from '../fixtures/cli-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

const kernelBuild = { timeout: 40 * 60_000 }; // a cold CI run builds the kernel here

test('linux-v15 (6.12) boots, registers batman-adv built in, and powers off', kernelBuild, async (t) => {
  const kernel = (await realise(await linuxV15())).path;
  const boot = await bootTestInit(kernel, await tempDir(t));
  assert.equal(boot.timedOut, false, `the guest did not power off:\n${boot.console}`);
  assert.match(boot.console, /batman_adv: B\.A\.T\.M\.A\.N\. advanced \d{4}\.\d+ \(compatibility version 15\) loaded/);
  assert.match(boot.console, /batu-test-init: batman_adv \d{4}\.\d+/);
  assert.match(boot.console, /batu-test-init: powering off/);
  assert.equal(boot.exitCode, 0, `exit code ${boot.exitCode}, signal ${boot.signal}:\n${boot.console}`);

  const config = await readFile(join(kernel, 'config'), 'utf8');
  for (const option of [
    'BATMAN_ADV',
    'BATMAN_ADV_BATMAN_V',
    'UML_NET_VECTOR',
    'UML_NET_TUNTAP',
    '9P_FS',
    'MODULES',
    'CC_OPTIMIZE_FOR_PERFORMANCE',
  ]) {
    assert.match(config, new RegExp(`^CONFIG_${option}=y$`, 'm'));
  }
  assert.doesNotMatch(config, /^CONFIG_SLUB_DEBUG=y$/m);
});

test('the uapi headers of the kernel source are a derivation of their own', kernelBuild, async () => {
  const headers = (await realise(uapiHeaders())).path;
  assert.match(await readFile(join(headers, 'include/linux/batman_adv.h'), 'utf8'), /BATADV_CMD_GET_MESH/);
  assert.match(await readFile(join(headers, 'include/asm/unistd_64.h'), 'utf8'), /__NR_finit_module/);
});

test('an out-of-tree module built by the module recipe loads into the booted kernel', kernelBuild, async (t) => {
  const module = kernelModule({
    name: 'batu-test-module',
    version: '1',
    kernel: await linuxV15(),
    src: await repoFiles('batu-test-module-src', new URL('../fixtures/batu-test-module', import.meta.url).pathname),
  });
  const built = (await realise(module)).path;
  const ko = await readFile(join(built, 'lib/modules/batu_test.ko'));
  const boot = await bootTestInit((await realise(await linuxV15())).path, await tempDir(t), [
    { path: 'lib/modules/batu_test.ko', type: 'file', data: ko },
  ]);
  assert.match(boot.console, /batu_test: loaded: hello from an out-of-tree module/);
  assert.match(boot.console, /batu-test-init: finit_module batu_test\.ko: ok/);
  assert.match(boot.console, /batu-test-init: batu_test hello from an out-of-tree module/);
  assert.equal(boot.exitCode, 0, `exit code ${boot.exitCode}, signal ${boot.signal}:\n${boot.console}`);
});

test('linux-v14 without its sources fails at once with what to supply, building nothing', async (t) => {
  const store = await tempDir(t);
  const run = await runScript('recipes/linux-v14.ts', ['--store', store]);
  assert.equal(run.exitCode, 1);
  assert.match(run.stderr, /the source tree (batman-adv-legacy|batctl)-2013\.4\.0 cannot be fetched on this machine/);
  assert.match(run.stderr, /npx batu store add <file-or-directory> --name (batman-adv-legacy|batctl)-2013\.4\.0/);
  assert.doesNotMatch(run.stderr, /building linux/, 'no kernel build before the missing source is reported');
  const other = await runScript('recipes/linux-v14.ts', [
    '--store',
    store,
    '--variant',
    'module',
    '--source-sha256',
    'cd'.repeat(32),
  ]);
  assert.equal(other.exitCode, 1);
  assert.match(other.stderr, /the source tree batman-adv-legacy-2013\.4\.0 cannot be fetched[\s\S]*cdcdcd/);
  const help = await runScript('recipes/linux-v14.ts', ['--help']);
  assert.match(help.stdout, /--source-sha256 SHA256[\s\S]*--patches-dir DIR/, 'the recipe lists its own flags');
});
