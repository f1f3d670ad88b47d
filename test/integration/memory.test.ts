// Guest memory goes back to the host (recipes/linux/patches/offload/uml-free-page-reporting.patch):
// a node that filled 24 MiB of its tmpfs and deleted it again holds that memory only until
// free page reporting has punched it out of the memory file, and the memory works when taken again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guestMemoryHeld } from '../../lib/runner/index.ts';
import { realise } from '../../lib/derivations/index.ts';
import { shellImage } from '../../recipes/image.ts';
import { eventually, nodeTestBed } from '../fixtures/guest-helpers.ts';

const bed = nodeTestBed();
const FILL_MIB = 24;
const MiB = 1024 * 1024;

test('guest memory: what a node frees goes back to the host within seconds, and works when taken again', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bt-memory-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const script = join(dir, 'fill.sh');
  // Fill, hold 4 s (the test reads the peak), delete, wait 12 s (free page reporting runs
  // 2 s after a free), then fill again with a pattern and read it back.
  await writeFile(
    script,
    [
      `dd if=/dev/zero of=/tmp/fill bs=1M count=${FILL_MIB} 2>/dev/null && echo "fill: filled"`,
      'sleep 4; rm /tmp/fill; echo "fill: emptied"; sleep 12',
      `dd if=/dev/zero bs=1M count=${FILL_MIB} 2>/dev/null | tr '\\000' b > /tmp/fill`,
      'echo "fill: again $(md5sum < /tmp/fill | cut -c1-32)"',
      '',
    ].join('\n'),
  );
  const node = await bed.start(
    {
      ...bed.paths,
      image: (await realise(await shellImage())).path,
      umid: 'bt-memory',
      mem: '64M',
      runScript: script,
      management: { driver: 'tuntap', tap: 'bt-mem-m' },
      hard: [{ driver: 'tuntap', tap: 'bt-mem-h0' }],
    },
    { netns: bed.ns },
  );
  await node.waitForConsole(/fill: filled/, 60_000);
  const full = await guestMemoryHeld(node.pid);
  await node.waitForConsole(/fill: emptied/, 30_000);
  let held = full;
  await eventually(
    `the ${FILL_MIB} MiB freed go back (held ${(full / MiB).toFixed(1)} MiB full)`,
    // Half of it at least: what the guest frees as single pages, or keeps on its per-CPU
    // lists, stays (~19 of the 24 MiB came back in runs here; with physmem.give_back=0, none).
    async () => (held = await guestMemoryHeld(node.pid)) < full - (FILL_MIB / 2) * MiB,
    10_000,
  );
  t.diagnostic(`memory file: ${(full / MiB).toFixed(1)} MiB filled, ${(held / MiB).toFixed(1)} MiB after the delete`);
  assert.ok(full > FILL_MIB * MiB, `the fill was held: ${(full / MiB).toFixed(1)} MiB`);

  const again = await node.waitForConsole(/fill: again (\w+)/, 60_000);
  const pattern = createHash('md5')
    .update(Buffer.alloc(FILL_MIB * MiB, 'b'))
    .digest('hex');
  assert.equal(again[1], pattern, 'the memory given back reads back what was written into it');
  await node.waitForConsole(/run_script \S+ exited with status 0/, 10_000);
  assert.equal(node.ready.errors, 0);
});
