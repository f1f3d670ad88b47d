// Compat 14 for real: Freifunk's batman-adv-legacy with batu's patches on the 6.1 UML
// kernel. Its sources are not in the repository: the user supplies them (store add); without
// them in the store these tests skip with one line saying how to add them.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { add, isValid, realise, realiseAll, openStore, storePath, tree } from '../../lib/derivations/index.ts';
import { Mesh, converged, line, nodeMac, nodeOfMac, observe, type NodeView } from '../../lib/mesh/index.ts';
import { alfredBridge, guestCommand } from '../../lib/runner/index.ts';
import { batmanAdvModule } from '../../recipes/batman-adv.ts';
import { image } from '../../recipes/image.ts';
import { linuxV15 } from '../../recipes/linux-v15.ts';
import { legacyBatctlName, legacyBatctlSha256 } from '../../recipes/batctl-legacy.ts';
import { legacyName, legacyPatchFiles, legacySha256, v14Image, v14Kernel } from '../../recipes/linux-v14.ts';
import { eventually, steadyPings } from '../fixtures/guest-helpers.ts';
import { sharedFixture, sharedFixtures } from '../fixtures/shared-fixtures.ts';

const fixtureOf: Record<string, string> = {
  [legacyName]: 'compat14/batman-adv-legacy.tar.gz',
  [legacyBatctlName]: 'compat14/batctl-2013.4.0.tar.gz',
};

/**
 * The user-supplied sources into the store, as a user adds them (store add), from
 * ../shared/fixtures; where that folder is absent and the store lacks them, the test skips
 * saying how to add them.
 */
async function sourcesOrSkip(t: TestContext): Promise<boolean> {
  const missing: string[] = [];
  for (const [name, sha256] of [
    [legacyName, legacySha256],
    [legacyBatctlName, legacyBatctlSha256],
  ]) {
    if (isValid(await storePath(tree({ name, sha256 }), openStore()))) continue;
    const file = sharedFixture(fixtureOf[name]);
    if (!file) {
      missing.push(name);
      continue;
    }
    const added = await add(file, { name });
    assert.equal(added.sha256, sha256, `${file} unpacks to the tree the recipe pins`);
  }
  if (missing.length)
    t.skip(
      `compat 14: ${missing.join(' and ')} not in the store and no ${sharedFixtures} (npx batu store add <tarball> --name <name>; see recipes/linux-v14.ts)`,
    );
  return missing.length === 0;
}

test('a compat-14 line meshes: neighbours, originators, gateway, client ping, legacy batctl, alfred, vis, no WARN', async (t) => {
  if (!(await sourcesOrSkip(t))) return;
  const {
    paths: [kernel, image],
  } = await realiseAll([await v14Kernel(), await v14Image()]);
  const mesh = await Mesh.start(
    {
      nodes: [
        { name: 'n1', gateway: 'server', alfred: 'master' },
        { name: 'n2', alfred: 'slave' },
        { name: 'n3', gateway: 'client', alfred: 'slave' },
      ],
      links: [
        ['n1', 'n2'],
        ['n2', 'n3'],
      ],
      origInterval: 200,
    },
    { kernel, image },
  );
  t.after(() => mesh.stop());
  let views: NodeView[] = [];
  await eventually(
    'the compat-14 mesh converges and n3 chooses n1 as its gateway',
    async () => {
      views = await observe(mesh);
      return converged(views) && views.find((v) => v.name === 'n3')?.gateway === 'n1';
    },
    60_000,
  );
  const view = (name: string) => views.find((v) => v.name === name)!;
  assert.deepEqual(view('n1').neighbours, ['n2']);
  assert.deepEqual(view('n2').neighbours, ['n1', 'n3']);
  assert.equal(view('n1').originators.n3.via, 'n2');
  const n1 = mesh.node('n1');
  assert.match(await guestCommand(n1, 'batctl', ['if']), /^\S+: active$/m, "today's batctl reads the interface status");
  // The batctl of its era: originators from debugfs, ping over batman-adv's icmp socket.
  const legacyO = await guestCommand(n1, 'batctl-legacy', ['o']);
  assert.match(legacyO, /B\.A\.T\.M\.A\.N\. adv 2013\.4\.0/);
  for (const k of [2, 3]) assert.match(legacyO, new RegExp(nodeMac(k, 2)), legacyO);
  const legacyPing = await guestCommand(n1, 'batctl-legacy', ['ping', '-c', '3', nodeMac(3, 0)]);
  assert.match(legacyPing, / 0% packet loss/, legacyPing);
  // A client behind each end: 0 % loss across bat0.
  const a = await mesh.client('n1', '10.99.0.1/24');
  await mesh.client('n3', '10.99.0.3/24');
  await eventually("n1's client reaches n3's, steadily", () => steadyPings(a, '10.99.0.3'));
  const ping = await a.exec('ping', ['-c', '5', '-i', '0.2', '-W', '5', '10.99.0.3'], { reject: false });
  assert.match(ping.stdout, / 0% packet loss/, ping.stdout);
  // alfred and batadv-vis (Debian's, netlink) on compat 14.
  const dir = await mkdtemp(join(tmpdir(), 'bt-v14-'));
  const bridges = await Promise.all(['n1', 'n3'].map((n) => alfredBridge(mesh.node(n), join(dir, `${n}.sock`))));
  try {
    await execa('alfred', ['-s', '160', '-u', bridges[1].socket], { input: 'from compat 14' });
    await eventually(
      "n3's record at the master",
      async () => (await execa('alfred', ['-r', '160', '-u', bridges[0].socket])).stdout.includes('from compat 14'),
      120_000,
    );
    await eventually(
      'batadv-vis shows both links',
      async () => {
        const { stdout } = await execa('batadv-vis', ['-u', bridges[0].socket, '-f', 'json']);
        const edges = new Set(
          stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { router?: string; neighbor?: string; label?: string })
            .filter((e) => e.router && e.neighbor && e.label !== 'TT')
            .map((e) => [nodeOfMac(e.router!), nodeOfMac(e.neighbor!)].sort().join('-')),
        );
        return edges.has('1-2') && edges.has('2-3');
      },
      60_000,
    );
  } finally {
    await Promise.all(bridges.map((b) => b.close()));
    await rm(dir, { recursive: true, force: true });
  }
  for (const [name, node] of mesh.nodes) assert.doesNotMatch(node.consoleText, /WARNING|Oops|BUG:/, name);
});

test('a mixed lab: compat-14 and compat-15 nodes run side by side in one topology, each meshing only with its own', async (t) => {
  if (!(await sourcesOrSkip(t))) return;
  const {
    paths: [v14k, v14i, v15k, v15i],
  } = await realiseAll([await v14Kernel(), await v14Image(), await linuxV15(), await image()]);
  // A community migrating: o1-o2 still compat 14, n1-n2 already compat 15, a link between o2 and n1.
  const mesh = await Mesh.start(
    {
      ...line(4),
      nodes: ['o1', 'o2', 'n1', 'n2'].map((name) => ({ name })),
      links: [
        ['o1', 'o2'],
        ['o2', 'n1'],
        ['n1', 'n2'],
      ],
      origInterval: 200,
    },
    { kernel: v15k, image: v15i, kernels: { o1: v14k, o2: v14k }, images: { o1: v14i, o2: v14i } },
  );
  t.after(() => mesh.stop());
  assert.match(mesh.node('o1').consoleText, /Linux version 6\.1\./);
  let views: NodeView[] = [];
  const neighbours = () => Object.fromEntries(views.map((v) => [v.name, v.neighbours]));
  const expected = { o1: ['o2'], o2: ['o1'], n1: ['n2'], n2: ['n1'] };
  await eventually(
    'each protocol meshes with its own',
    async () => {
      views = await observe(mesh);
      return JSON.stringify(neighbours()) === JSON.stringify(expected);
    },
    60_000,
  );
  // Over 20 OGM intervals more, the link between the two never carries a neighbour.
  await new Promise((done) => setTimeout(done, 4_000));
  views = await observe(mesh);
  assert.deepEqual(neighbours(), expected);
  assert.deepEqual(Object.keys(views.find((v) => v.name === 'o1')!.originators), ['o2']);
  assert.deepEqual(Object.keys(views.find((v) => v.name === 'n2')!.originators), ['n1']);
  assert.match(await guestCommand(mesh.node('o1'), 'batctl', ['o']), /B\.A\.T\.M\.A\.N\. adv 2013\.4\.0/);
  assert.doesNotMatch(await guestCommand(mesh.node('n1'), 'batctl', ['o']), /2013\.4\.0/);
});

test('the compat-14 module with batu patches also builds against the 6.12 kernel', async (t) => {
  if (!(await sourcesOrSkip(t))) return;
  const { path } = await realise(
    await batmanAdvModule({
      src: tree({ name: legacyName, sha256: legacySha256 }),
      version: '2013.4.0',
      series: '6.12',
      patches: await legacyPatchFiles(),
    }),
  );
  assert.match(path, /batman-adv-module-2013\.4\.0$/);
  assert.ok(isValid(path));
});
