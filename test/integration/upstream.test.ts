// Any batman-adv: an open-mesh release fetched by URL (from a local nginx serving the
// fixtures, as downloads.open-mesh.org would) meshes with the kernel's own batman-adv, with
// batctl and alfred of its release built static; and a developer's tree, edited, rebuilds
// only the module, which the node then runs. Skips with one line where ../shared/fixtures is absent.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { isValid, openStore, realiseAll, silentReporter, storePath, url } from '../../lib/derivations/index.ts';
import { Mesh, converged, line, observe, type NodeView } from '../../lib/mesh/index.ts';
import { guestCommand } from '../../lib/runner/index.ts';
import { batmanAdvNode } from '../../recipes/batman-adv.ts';
import { libnl3 } from '../../recipes/libnl3.ts';
import { moduleKernel, uapiHeaders } from '../../recipes/linux/kernel.ts';
import { image } from '../../recipes/image.ts';
import { linuxV15 } from '../../recipes/linux-v15.ts';
import { startCacheServer } from '../fixtures/cache-server.ts';
import { batuCli, batuIn, detachedLine } from '../fixtures/cli-helpers.ts';
import { eventually, steadyPings } from '../fixtures/guest-helpers.ts';
import { sharedFixture, sharedFixtures } from '../fixtures/shared-fixtures.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

// The fixtures are git archives of the tags (../shared/fixtures/README.md lists their sha256).
const fixtures = {
  'batman-adv': { file: 'upstream/batman-adv-2026.2.tar.gz', version: '2026.2' },
  batctl: { file: 'upstream/batctl-2026.2.tar.gz', version: '2026.2' },
  alfred: { file: 'upstream/alfred-2026.0.tar.gz', version: '2026.0' },
};
type Package = keyof typeof fixtures;

async function fixturesOrSkip(t: TestContext) {
  const files = Object.values(fixtures).map((f) => sharedFixture(f.file));
  if (files.some((f) => !f)) {
    t.skip(`upstream batman-adv, batctl and alfred: no ${sharedFixtures}`);
    return undefined;
  }
  const sha256 = async (file: string) => (await execa('sha256sum', [file])).stdout.split(' ')[0];
  const entries = await Promise.all(
    (Object.keys(fixtures) as Package[]).map(async (p, i) => [p, { path: files[i]!, sha256: await sha256(files[i]!) }]),
  );
  return Object.fromEntries(entries) as Record<Package, { path: string; sha256: string }>;
}

async function defaultPaths() {
  const { paths } = await realiseAll([await linuxV15(), await image()], { report: silentReporter });
  return { kernel: paths[0], image: paths[1] };
}

test('a batman-adv release fetched by URL meshes with the kernel’s own, its batctl and alfred static beside it', async (t) => {
  const local = await fixturesOrSkip(t);
  if (!local) return;
  // Only the release tarballs come from the local server: what else the builds need (the
  // module kernel, libnl's Debian source, the uapi headers) is fetched here, outside the
  // server's namespace, which has no route to the Debian mirror.
  await realiseAll([await moduleKernel('6.12'), await libnl3(), uapiHeaders()], { report: silentReporter });
  const server = await startCacheServer(t);
  for (const p of Object.keys(fixtures) as Package[])
    await copyFile(local[p].path, join(server.root, fixtures[p].file.split('/')[1]));
  const at = (p: Package) => `${server.url}/${fixtures[p].file.split('/')[1]}`;

  // A tarball whose bytes are not the pinned ones is refused, and nothing of it enters.
  const wrong = 'ab'.repeat(32);
  const refused = await batuIn(server.client.name, [
    'build',
    'batman-adv',
    '--flag',
    `url=${at('batman-adv')}`,
    '--flag',
    `sha256=${wrong}`,
  ]);
  assert.notEqual(refused.exitCode, 0);
  assert.match(
    String(refused.stderr),
    new RegExp(
      `hash mismatch for ${at('batman-adv').replace(/[.]/g, '\\.')}[\\s\\S]*expected sha256 ${wrong}[\\s\\S]*got +sha256 ${local['batman-adv'].sha256}`,
    ),
  );
  assert.equal(isValid(await storePath(url({ url: at('batman-adv'), sha256: wrong }), openStore())), false);

  // Fetched over HTTP by the command line, as a user or CI runs it.
  const module = await batuIn(server.client.name, [
    'build',
    'batman-adv',
    '--flag',
    `url=${at('batman-adv')}`,
    '--flag',
    `sha256=${local['batman-adv'].sha256}`,
  ]);
  assert.equal(module.exitCode, 0, String(module.stderr));
  assert.match(String(module.stdout).trim(), /-batman-adv-module-2026\.2$/);
  const tools = await batuIn(server.client.name, [
    'build',
    'batman-adv-tools',
    '--flag',
    `batctl-url=${at('batctl')}`,
    '--flag',
    `batctl-sha256=${local.batctl.sha256}`,
    '--flag',
    `alfred-url=${at('alfred')}`,
    '--flag',
    `alfred-sha256=${local.alfred.sha256}`,
  ]);
  assert.equal(tools.exitCode, 0, String(tools.stderr));
  const toolsPath = String(tools.stdout).trim();
  for (const program of ['batctl', 'alfred', 'batadv-vis']) {
    const { stdout } = await execa('file', [join(toolsPath, 'usr/sbin', program)]);
    assert.match(stdout, /statically linked/, stdout);
  }

  // The same sources by identity (name and hash; the URL does not matter once they are in).
  const source = (p: Package) => ({ url: at(p), sha256: local[p].sha256 });
  const release = await batmanAdvNode(source('batman-adv'), { batctl: source('batctl'), alfred: source('alfred') });
  const { paths } = await realiseAll([release.kernel, release.image], { report: silentReporter });
  const defaults = await defaultPaths();
  const mesh = await Mesh.start(
    { ...line(3), origInterval: 200 },
    { ...defaults, kernels: { n1: paths[0] }, images: { n1: paths[1] } },
  );
  t.after(() => mesh.stop());
  let views: NodeView[] = [];
  await eventually(
    'the release and the kernel’s own batman-adv converge',
    async () => {
      views = await observe(mesh);
      return converged(views);
    },
    60_000,
  );
  assert.equal(views.find((v) => v.name === 'n3')!.originators.n1.via, 'n2');
  const n1 = await guestCommand(mesh.node('n1'), 'batctl', ['-v']);
  assert.match(n1, /^batctl 2026\.2 \[batman-adv: 2026\.2\]/, n1);
  const n2 = await guestCommand(mesh.node('n2'), 'batctl', ['-v']);
  assert.doesNotMatch(n2, /2026\.2/, n2);
  const a = await mesh.client('n1', '10.99.0.1/24');
  await mesh.client('n3', '10.99.0.3/24');
  await eventually("n1's client reaches n3's, steadily", () => steadyPings(a, '10.99.0.3'));
  const ping = await a.exec('ping', ['-c', '5', '-i', '0.2', '-W', '5', '10.99.0.3'], { reject: false });
  assert.match(ping.stdout, / 0% packet loss/, ping.stdout);
  for (const [name, node] of mesh.nodes) assert.doesNotMatch(node.consoleText, /WARNING|Oops|BUG:/, name);
});

test('a batman-adv tree: an edit rebuilds the module (and its image) only; mesh up --watch reboots the nodes on the next edit', async (t) => {
  const local = await fixturesOrSkip(t);
  if (!local) return;
  const dir = await tempDir(t, 'bt-batman-adv-src-');
  await execa('tar', ['-xzf', local['batman-adv'].path, '-C', dir, '--strip-components=1']);
  const versionFile = join(dir, 'net/batman-adv/version.c');
  const stamp = async (version: string) =>
    writeFile(versionFile, (await readFile(versionFile, 'utf8')).replace(/"2026\.2[^"]*"/, `"${version}"`));
  await stamp('2026.2-bt1');
  const first = await batmanAdvNode({ src: dir });
  await realiseAll([first.kernel, first.image], { report: silentReporter });
  const again = await realiseAll([(await batmanAdvNode({ src: dir })).image], { report: silentReporter });
  assert.deepEqual(again.built, [], 'an unchanged tree builds nothing');

  // A version no earlier run built (the store may keep this test's builds from before).
  const edit = `2026.2-bt${Date.now().toString(36)}`;
  await stamp(edit);
  const edited = await batmanAdvNode({ src: dir });
  const rebuilt = await realiseAll([edited.kernel, edited.image], { report: silentReporter });
  assert.equal(rebuilt.paths[0], (await realiseAll([first.kernel])).paths[0], 'the kernel is reused');
  const names = rebuilt.built.map((p) => p.replace(/^.*\/[a-z0-9]{32}-/, '')).sort();
  assert.deepEqual(names, [
    'batman-adv-module-src',
    'batman-adv-src',
    'batu-image-batman-adv-src-1',
    'batu-image-batman-adv-src-tree-1',
  ]);

  // As a developer runs it: the mesh follows the tree, and the next edit reaches the nodes.
  const name = 'btwatch';
  const up = await detachedLine(t, name, ['--batman-adv-src', dir, '--watch']);
  assert.equal(up.exitCode, 0, String(up.stderr));
  const reported = async (node: string) =>
    String((await batuCli('mesh', 'exec', '-n', name, node, 'batctl', '-v')).stdout);
  assert.match(await reported('n1'), new RegExp(`\\[batman-adv: ${edit.replace('.', '\\.')}\\]`));
  const next = `${edit}w`;
  await stamp(next);
  for (const node of ['n1', 'n2'])
    await eventually(
      `${node} runs the next edit`,
      async () => (await reported(node)).includes(`[batman-adv: ${next}]`),
      180_000,
    );
  await eventually(
    'the mesh converges again',
    async () =>
      /every node has a route to every other/.test(String((await batuCli('mesh', 'status', '-n', name)).stdout)),
    60_000,
  );
});
