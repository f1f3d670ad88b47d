// The long suite (`npm run test:long`): the kernel series batu builds besides the default, one
// more kernel build each (8–12 minutes on 2 cores), which the 60-minute suite from an empty
// store has no room for. The default suite proves meshing with a 6.1 batman-adv through the
// stock peer (Debian's own UML 6.1 and module, nothing to build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realise } from '../../lib/derivations/index.ts';
import { Mesh, converged, line, observe, type NodeView } from '../../lib/mesh/index.ts';
import { linuxV15On61 } from '../../recipes/linux-v15.ts';
import { bootTestInit } from '../fixtures/boot-helpers.ts';
import { eventually, guestPaths } from '../fixtures/guest-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

const kernelBuild = { timeout: 40 * 60_000 };

test('the 6.1 variant (Debian linux-source-6.1) boots with batman-adv compat 15 too', kernelBuild, async (t) => {
  const boot = await bootTestInit((await realise(await linuxV15On61())).path, await tempDir(t));
  assert.match(boot.console, /Linux version 6\.1\.\d+/);
  assert.match(boot.console, /batman_adv: B\.A\.T\.M\.A\.N\. advanced \d{4}\.\d+ \(compatibility version 15\) loaded/);
  assert.equal(boot.exitCode, 0, `exit code ${boot.exitCode}, signal ${boot.signal}:\n${boot.console}`);
});

test('mixed kernels: a 6.1 node and a 6.12 node (both compat 15) mesh with each other', kernelBuild, async (t) => {
  const paths = await guestPaths();
  const old = (await realise(await linuxV15On61())).path;
  const mesh = await Mesh.start({ ...line(2), origInterval: 200 }, { ...paths, kernels: { n1: old } });
  t.after(() => mesh.stop());
  assert.match(mesh.node('n1').consoleText, /Linux version 6\.1\./);
  assert.match(mesh.node('n2').consoleText, /Linux version 6\.12\./);
  let views: NodeView[] = [];
  await eventually(
    'the mesh converges',
    async () => {
      views = await observe(mesh);
      return converged(views);
    },
    60_000,
  );
  assert.deepEqual(
    views.map((v) => v.neighbours),
    [['n2'], ['n1']],
  );
});
