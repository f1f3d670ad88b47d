// The kernel recipe, booted: batman-adv is registered and the guest powers off cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { realise } from '../../lib/derivations/index.ts';
import { baseEntries, packInitramfs } from '../../lib/rootfs/index.ts';
import { bootToPowerOff } from '../../lib/runner/index.ts';
import { linuxV15 } from '../../recipes/linux-v15.ts';
import { testInit } from '../fixtures/test-init.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

test('linux-v15 (6.12) boots, registers batman-adv built in, and powers off', { timeout: 40 * 60_000 }, async (t) => {
  const kernel = (await realise(linuxV15)).path;
  const init = (await realise(testInit)).path;
  const dir = await tempDir(t);
  const initrd = join(dir, 'initramfs.cpio');
  await packInitramfs([...baseEntries, { path: 'init', type: 'file', mode: 0o755, data: await readFile(join(init, 'bin/init')) }], initrd);

  const boot = await bootToPowerOff(join(kernel, 'bin/linux'), initrd);
  assert.equal(boot.timedOut, false, `the guest did not power off:\n${boot.console}`);
  assert.match(boot.console, /batman_adv: B\.A\.T\.M\.A\.N\. advanced \d{4}\.\d+ \(compatibility version 15\) loaded/);
  assert.match(boot.console, /batu-test-init: batman_adv \d{4}\.\d+/);
  assert.match(boot.console, /batu-test-init: powering off/);
  assert.equal(boot.exitCode, 0, boot.console);

  const config = await readFile(join(kernel, 'config'), 'utf8');
  for (const option of ['BATMAN_ADV', 'BATMAN_ADV_BATMAN_V', 'UML_NET_VECTOR', 'UML_NET_TUNTAP', '9P_FS', 'MODULES', 'CC_OPTIMIZE_FOR_PERFORMANCE']) {
    assert.match(config, new RegExp(`^CONFIG_${option}=y$`, 'm'));
  }
  assert.doesNotMatch(config, /^CONFIG_SLUB_DEBUG=y$/m);
});
