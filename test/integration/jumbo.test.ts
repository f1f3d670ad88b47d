// batman-adv as a module: the kernel's own source, patched to lift bat0's 1500-byte cap,
// built against the kernel without batman-adv, loaded by the real init from the image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realiseAll } from '../../lib/derivations/index.ts';
import { Mesh, converged, line, observe } from '../../lib/mesh/index.ts';
import { eventually } from '../fixtures/guest-helpers.ts';
import { jumboImage, jumboKernel } from '../../recipes/batman-adv-jumbo.ts';

test('the jumbo batman-adv module loads from the image and two nodes mesh with bat0 at 15900 bytes', async (t) => {
  const {
    paths: [kernel, image],
  } = await realiseAll([await jumboKernel(), await jumboImage()]);
  const paths = { kernel, image };
  const mesh = await Mesh.start(
    {
      ...line(2),
      origInterval: 200,
      linkMtu: 16000,
      bat0Driver: 'vector',
      bat0Mtu: 15900,
      meshSettings: { fragmentation: 0 },
    },
    paths,
  );
  t.after(() => mesh.stop());
  for (const node of mesh.nodes.values()) {
    assert.match(node.consoleText, /batu-init: loaded module batman-adv\.ko/);
    assert.doesNotMatch(node.consoleText, /batu-init: error/);
    assert.ok(node.ready.bat0.mtu > 1500, `bat0 MTU ${node.ready.bat0.mtu}`);
  }
  await eventually('the pair converges', async () => converged(await observe(mesh)), 30_000);
  const a = await mesh.client('n1', '10.99.0.1/24');
  await mesh.client('n2', '10.99.0.2/24');
  await eventually(
    'a jumbo ping crosses unfragmented',
    async () =>
      (await a.exec('ping', ['-c', '1', '-W', '1', '-M', 'do', '-s', '15000', '10.99.0.2'], { reject: false }))
        .exitCode === 0,
    30_000,
  );
});
