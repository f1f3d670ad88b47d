// npm run demo: build what is missing, boot a 5-node mesh (a line with a shortcut, one
// gateway), wait until every node routes to every other, show batman-adv's view, draw it
// with batadv-vis, pass an alfred record end to end, and shut everything down.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { addRoot, realiseAll, openStore } from '../lib/derivations/index.ts';
import { Mesh, converged, formatTable, nameVisDot, nodeMac, observe } from '../lib/mesh/index.ts';
import { alfredBridge } from '../lib/runner/index.ts';
import { image } from '../recipes/image.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';

const say = (line: string) => console.log(line);
const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const outDir = resolve('demo-out');

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

say('batu demo: building what is missing (the first run builds the kernel, ~5 min on 2 cores)');
// One closure: every source either needs is fetched before the kernel build starts.
const {
  paths: [kernel, guest],
} = await realiseAll([await linuxV15(), await image()], { root: 'demo-kernel' });
await addRoot(openStore(), 'demo-image', guest);
say(`  kernel ${kernel}\n  image  ${guest}`);

const started = Date.now();
say('booting 5 nodes: n1 - n2 - n3 - n4 - n5, plus a shortcut n2 - n4; n1 is the gateway and alfred master');
say("  (bridge loop avoidance is off: it would drop the mesh's broadcasts for its first ~30 s)");
const mesh = await Mesh.start(
  {
    nodes: [
      { name: 'n1', gateway: 'server', alfred: 'master' },
      ...['n2', 'n3', 'n4', 'n5'].map((name) => ({ name, gateway: 'client' as const, alfred: 'slave' as const })),
    ],
    links: [
      ['n1', 'n2'],
      ['n2', 'n3'],
      ['n3', 'n4'],
      ['n4', 'n5'],
      ['n2', 'n4'],
    ],
    origInterval: 500,
  },
  { kernel, image: guest, report: (l) => say(`  ${l}`) },
);

const bridges: { close(): Promise<void> }[] = [];
try {
  say(`all nodes ready after ${since(started)}; waiting for batman-adv to converge…`);
  const views = await until('every node routes to every other', 60_000, async () => {
    const v = await observe(mesh);
    return converged(v) && v.every((n) => n.name === 'n1' || n.gateway === 'n1') ? v : undefined;
  });
  say(`converged after ${since(started)} (OGM interval 500 ms)\n`);
  say(formatTable(views));
  say('(TQ, 0-255, is still rising: batman-adv fills a sliding window of 64 OGMs per route)');

  await mkdir(outDir, { recursive: true });
  const sockets = { n1: join(outDir, 'n1-alfred.sock'), n5: join(outDir, 'n5-alfred.sock') };
  for (const [name, socket] of Object.entries(sockets)) bridges.push(await alfredBridge(mesh.node(name), socket));

  say('\nalfred: n5 publishes a record (type 158), n1 reads it, and back');
  await execa('alfred', ['-s', '158', '-u', sockets.n5], { input: 'hello from n5' });
  await execa('alfred', ['-s', '159', '-u', sockets.n1], { input: 'hello from n1' });
  const at1 = await until("n5's record at n1", 30_000, async () => {
    const { stdout } = await execa('alfred', ['-r', '158', '-u', sockets.n1]);
    return stdout.includes('hello from n5') ? stdout.trim() : undefined;
  });
  const at5 = await until("n1's record at n5", 30_000, async () => {
    const { stdout } = await execa('alfred', ['-r', '159', '-u', sockets.n5]);
    return stdout.includes('hello from n1') ? stdout.trim() : undefined;
  });
  say(`  at n1: ${at1}\n  at n5: ${at5}`);

  const raw = await until('batadv-vis data of all 5 nodes', 60_000, async () => {
    const { stdout } = await execa('batadv-vis', ['-u', sockets.n1, '-f', 'dot']);
    // One cluster (a node's interfaces) per node once every node's vis data has arrived.
    return [1, 2, 3, 4, 5].every((k) => stdout.includes(`cluster_${nodeMac(k, 2, 0)}`)) ? stdout : undefined;
  });
  // batadv-vis draws MACs; batu's MACs name their nodes.
  const dot = nameVisDot(
    raw,
    mesh.topology.nodes.map((n) => n.name),
  );
  await writeFile(join(outDir, 'mesh.dot'), dot);
  const { stdout: svg } = await execa('dot', ['-Tsvg'], { input: dot });
  await writeFile(join(outDir, 'mesh.svg'), svg);
  say(`\nbatadv-vis drew the mesh: ${join(outDir, 'mesh.svg')} (and mesh.dot)`);
} finally {
  for (const b of bridges) await b.close();
  await mesh.stop();
  await rm(join(outDir, 'n1-alfred.sock'), { force: true });
  say(`stopped all nodes and removed namespace ${mesh.id} (${since(started)} in all)`);
}
