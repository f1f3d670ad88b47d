// batu as its users get it: `npm pack`, installed into a project outside this checkout, used
// with plain node (no tsx, no TypeScript): every export imports, recipes realise into a
// temporary store, the kernel's store path equals the checkout's, and `npx batu mesh …`
// runs whole meshes (generated, and from a meshnet-lab file) and leaves nothing behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { openStore, storePath } from '../../lib/derivations/index.ts';
import { line, meshDir } from '../../lib/mesh/index.ts';
import { linuxV15 } from '../../recipes/linux-v15.ts';
import { eventually, guestPaths } from '../fixtures/guest-helpers.ts';

const checkout = new URL('../..', import.meta.url).pathname;
const fixture = (name: string) => new URL(`../fixtures/topologies/${name}`, import.meta.url).pathname;
const store = openStore().dir; // the suite's store: the installed batu boots the kernel built there
let project: string;

/** `npx batu ARGS…` in the project, as a user types it. */
const batu = (...args: string[]) =>
  execa('npx', ['--no-install', 'batu', ...args], { cwd: project, reject: false, env: { BATU_STORE: store } });
const namespaces = async () =>
  (await execa('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean)
    .sort();
const leftovers = async () => ({
  namespaces: await namespaces(),
  meshes: existsSync(meshDir) ? (await readdir(meshDir)).sort() : [],
});

before(async () => {
  project = await mkdtemp(join(tmpdir(), 'batu-user-'));
  await guestPaths(); // the kernel and image in the suite's store (a kernel build when it is empty)
  const packed = await execa('npm', ['pack', '--silent', '--pack-destination', project], { cwd: checkout });
  const tarball = join(project, packed.stdout.trim().split('\n').pop()!);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'batu-user', private: true, type: 'module' }));
  await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: project });
});
after(() => rm(project, { recursive: true, force: true }));

test(
  'the installed package works with plain node: every export, hello into a temporary store, the same kernel path',
  { timeout: 600_000 },
  async (t) => {
    const temporary = await mkdtemp(join(tmpdir(), 'batu-user-store-'));
    t.after(() => rm(temporary, { recursive: true, force: true }));
    await writeFile(
      join(project, 'use.mjs'),
      `
    const layers = ['derivations', 'rootfs', 'cmdline', 'runner', 'mesh', 'sim', 'recipes'];
    const exported = Object.fromEntries(await Promise.all(layers.map(async (l) => [l, Object.keys(await import('batu/' + l)).sort()])));
    const { realise, storePath } = await import('batu/derivations');
    const { hello, linuxV15 } = await import('batu/recipes');
    const built = await realise(await hello(), { store: process.argv[2], report: () => {} });
    console.log(JSON.stringify({ exported, hello: built.path, kernel: await storePath(await linuxV15(), process.argv[3]) }));
  `,
    );
    const run = await execa('node', ['use.mjs', temporary, store], { cwd: project, reject: false });
    assert.equal(run.exitCode, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { exported: Record<string, string[]>; hello: string; kernel: string };
    assert.ok(
      result.exported.mesh.includes('Mesh') &&
        result.exported.sim.includes('SimMesh') &&
        result.exported.recipes.includes('image') &&
        result.exported.derivations.includes('realise'),
      JSON.stringify(result.exported),
    );
    assert.ok(result.hello.startsWith(`${temporary}/`), result.hello);
    assert.match(
      (await execa(join(result.hello, 'bin/batu-hello'))).stdout,
      /^hello from batu, built against Linux uapi 6\.12\./,
    );
    assert.equal(
      result.kernel,
      await storePath(await linuxV15(), store),
      'where batu is installed does not change what it builds',
    );

    const dry = await batu('build', 'linux-v15', '--dry-run');
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.equal(dry.stdout.trim(), await storePath(await linuxV15(), store));
    const help = await batu('--help');
    assert.equal(help.exitCode, 0, help.stderr);
    for (const command of ['build', 'store', 'pins', 'run', 'mesh', 'sim'])
      assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));

    // Partitions and Kubernetes objects from the installed package (no Kubernetes types needed).
    const placed = await batu('mesh', 'partition', '--topo', 'grid,5x2', '--parts', '2');
    assert.equal(placed.exitCode, 0, placed.stderr);
    assert.match(placed.stderr, /2 parts \(5 \+ 5 nodes\), 3 cut links/);
    const objects = await batu('mesh', 'manifests', '--topo', 'grid,5x2', '--parts', '2', '--image', 'x', '--json');
    assert.equal(objects.exitCode, 0, objects.stderr);
    assert.deepEqual(
      (JSON.parse(objects.stdout) as { kind: string }[]).map((o) => o.kind),
      ['ConfigMap', 'Service', 'StatefulSet'],
    );

    // Simulated time from the installed package: its calendar and entropy helpers build
    // from the package's own C sources, and the same seed gives the same log.
    const sim = async () => {
      const r = await batu('sim', 'run', '--topo', 'line,2', '--duration', '12s', '--seed', '3');
      assert.equal(r.exitCode, 0, r.stderr);
      return r.stdout;
    };
    const log = await sim();
    assert.match(log, /"event":"routes","converged":true/);
    assert.equal(await sim(), log);
  },
);

test(
  'npx batu mesh: up --detach, status from another process, cut, restore, down, and nothing left behind',
  { timeout: 600_000 },
  async (t) => {
    const before = await leftovers();
    t.after(() => batu('mesh', 'down', '-n', 'bt-line'));
    const up = await batu('mesh', 'up', '--topo', 'line,3', '--detach', '--name', 'bt-line');
    assert.equal(up.exitCode, 0, up.stderr);
    assert.match(up.stdout, /mesh bt-line is up: 3 nodes/);
    type Status = {
      converged: boolean;
      views: { name: string; neighbours: string[]; originators: Record<string, { metric: number }> }[];
    };
    const status = async () => {
      const r = await batu('mesh', 'status', '--json', '-n', 'bt-line');
      assert.equal(r.exitCode, 0, r.stderr);
      return JSON.parse(r.stdout) as Status;
    };
    const first = await status();
    assert.ok(first.converged);
    for (const view of first.views)
      assert.deepEqual(
        Object.keys(view.originators).sort(),
        ['n1', 'n2', 'n3'].filter((n) => n !== view.name),
        view.name,
      );

    assert.equal((await batu('mesh', 'cut', 'n1', 'n2', '-n', 'bt-line')).exitCode, 0);
    await eventually(
      'n1 loses n2 once the link is cut',
      async () => {
        const n1 = (await status()).views.find((v) => v.name === 'n1')!;
        return n1.neighbours.length === 0 && Object.keys(n1.originators).length === 0;
      },
      30_000,
    );
    assert.equal((await batu('mesh', 'restore', 'n1', 'n2', '-n', 'bt-line')).exitCode, 0);
    await eventually('every node routes to every other again', async () => (await status()).converged, 30_000);
    assert.match((await batu('mesh', 'exec', 'n2', 'batctl', 'n', '-H', '-n', 'bt-line')).stdout, /02:ba:00:01:02:00/);

    // alfred gathers vis data every 10 s: one cluster per originator once every node has reported.
    let svg = '';
    await eventually(
      'batadv-vis (through the alfred master) draws all three nodes as SVG',
      async () => {
        const drawn = await batu('mesh', 'vis', '--format', 'svg', '-n', 'bt-line');
        assert.equal(drawn.exitCode, 0, drawn.stderr);
        svg = String(drawn.stdout);
        return svg.startsWith('<?xml') && svg.match(/class="cluster"/g)?.length === 3;
      },
      40_000,
    );
    // …by name: each node's cluster is labelled with it, each interface with it over its MAC.
    for (const name of ['n1', 'n2', 'n3'])
      assert.ok((svg.match(new RegExp(`>${name}</text>`, 'g'))?.length ?? 0) >= 2, `${name} drawn by name:\n${svg}`);

    // The export and the live page from the installed package (its page script ships bundled).
    const exported = join(project, 'mesh.json');
    const written = await batu('mesh', 'export', '--format', 'meshviewer', '-o', exported, '-n', 'bt-line');
    assert.equal(written.exitCode, 0, written.stderr);
    const mv = JSON.parse(await readFile(exported, 'utf8')) as { nodes: { hostname: string }[] };
    assert.deepEqual(
      mv.nodes.map((n) => n.hostname),
      ['n1', 'n2', 'n3'],
    );
    // The installed bin itself (npx would not pass the ctrl-c on).
    const bin = join(project, 'node_modules', '.bin', 'batu');
    const web = execa(bin, ['mesh', 'web', '--listen', '127.0.0.1:0', '-n', 'bt-line'], {
      cwd: project,
      reject: false,
      env: { BATU_STORE: store },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        web.stdout!.on('data', (chunk: Buffer) => {
          const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(String(chunk));
          if (m) resolve(m[1]);
        });
        void web.then((r) => reject(new Error(`mesh web ended: ${r.stderr}`)));
      });
      assert.match(await (await fetch(url)).text(), /<script src="\/page.js">/);
      const script = await fetch(new URL('/page.js', url));
      assert.equal(script.status, 200);
      assert.ok((await script.text()).length > 10_000, 'the bundled script, d3-force in it');
      const graph = (await (await fetch(new URL('/netjson.json', url))).json()) as { nodes: unknown[] };
      assert.equal(graph.nodes.length, 3);
    } finally {
      web.kill('SIGINT');
      await web;
    }

    const down = await batu('mesh', 'down', '-n', 'bt-line');
    assert.equal(down.exitCode, 0, down.stderr);
    assert.deepEqual(await leftovers(), before, 'no namespace, socket, record or log is left');
    assert.equal(
      (await execa('pgrep', ['-f', 'umid=bt-line-'], { reject: false })).stdout,
      '',
      'no UML process is left',
    );
  },
);

test(
  'a meshnet-lab topology file boots as it is; its ids name the nodes; bad input is one line and leaves nothing',
  { timeout: 600_000 },
  async (t) => {
    const before = await leftovers();
    t.after(() => batu('mesh', 'down', '-n', 'bt-lab'));
    const up = await batu('mesh', 'up', fixture('meshnet-lab-grid.json'), '--detach', '--name', 'bt-lab');
    assert.equal(up.exitCode, 0, up.stderr);
    assert.match(up.stdout, /every node has a route to every other \(4 running\)/);
    const ls = JSON.parse((await batu('mesh', 'ls', '--json')).stdout) as {
      name: string;
      aliases: Record<string, string>;
    }[];
    assert.deepEqual(ls.find((m) => m.name === 'bt-lab')?.aliases, { 0: 'n1', 1: 'n2', 2: 'n3', 3: 'n4' });
    assert.equal(
      (await batu('mesh', 'cut', '0', '1', '-n', 'bt-lab')).exitCode,
      0,
      'meshnet-lab ids work as node names',
    );

    const bad = async (args: string[], message: RegExp) => {
      const r = await batu(...args);
      assert.notEqual(r.exitCode, 0, args.join(' '));
      assert.match(r.stderr, message);
      assert.equal(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('batu: error')).length,
        1,
        r.stderr,
      );
    };
    await bad(['mesh', 'up', '--topo', 'hexagon,4'], /bad topology "hexagon,4": expected line,N/);
    await bad(['mesh', 'cut', 'n1', 'n9', '-n', 'bt-lab'], /no node "n9" in this mesh/);
    await bad(['mesh', 'status', '-n', 'bt-nope'], /no mesh named bt-nope is running \(running: .*bt-lab/);
    const dangling = join(project, 'dangling.json');
    await writeFile(
      dangling,
      JSON.stringify({
        nodes: [{ name: 'a' }, { name: 'b' }],
        links: [
          ['a', 'b'],
          ['b', 'c'],
        ],
      }),
    );
    await bad(['mesh', 'up', dangling, '--name', 'bt-dangling'], /links\.1: link b-c: there is no node c/);
    const offload = join(project, 'offload.json');
    await writeFile(offload, JSON.stringify({ ...line(2), offload: true }));
    await bad(
      ['mesh', 'up', offload, '--batman-adv', 'stock', '--name', 'bt-offload'],
      /--batman-adv stock: batmanAdv: 'stock' with offload/,
    );

    assert.equal((await batu('mesh', 'down', '-n', 'bt-lab')).exitCode, 0);
    assert.deepEqual(await leftovers(), before);
  },
);
