// bench/edit: a batman-adv developer's loop. A mesh runs the module of a batman-adv tree
// (`mesh up --batman-adv-src DIR --watch`); one line of the tree changes; how long until the
// mesh runs the new build and every node has a route to every other again — split into the
// rebuild (module + image; the kernel is reused), the reboot, and re-convergence. Not in
// `npm run bench`. Needs ../shared/fixtures (batman-adv 2026.2) or --src DIR.
//   npx tsx bench/edit.ts [--nodes 10] [--rounds 3] [--src DIR]
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { Mesh, converged, grid, observe, watchTree, type Build } from '../lib/mesh/index.ts';
import { guestCommand } from '../lib/runner/index.ts';
import { batmanAdvNode } from '../recipes/batman-adv.ts';
import { sharedFixture } from '../test/fixtures/shared-fixtures.ts';
import { printResults } from './report.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    src: { type: 'string' },
  },
});
const nodes = Number(values.nodes);
const dir = await mkdtemp(join(tmpdir(), 'bt-edit-'));
try {
  if (values.src) await cp(values.src, dir, { recursive: true });
  else {
    const tarball = sharedFixture('upstream/batman-adv-2026.2.tar.gz');
    if (!tarball) throw new Error('bench/edit needs ../shared/fixtures (batman-adv 2026.2) or --src DIR');
    await execa('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
  }
  const versionFile = join(dir, 'net/batman-adv/version.c');
  const stamp = async (version: string) =>
    writeFile(
      versionFile,
      (await readFile(versionFile, 'utf8')).replace(/(#define BATADV_SOURCE_VERSION )"[^"]*"/, `$1"${version}"`),
    );
  await stamp('bench-0');
  const build = async (): Promise<Build> => {
    const node = await batmanAdvNode({ src: dir });
    const { paths } = await realiseAll([node.kernel, node.image], { report: silentReporter });
    return { kernel: paths[0], image: paths[1] };
  };
  const first = await build();
  const names = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const mesh = await Mesh.start({ ...grid(2, Math.ceil(nodes / 2)), origInterval: 1000 }, { ...first, parallel: 4 });
  const abort = new AbortController();
  let rebuilt: (r: { seconds: number; error?: Error }) => void = () => {};
  const watching = watchTree(dir, {
    mesh,
    names: mesh.topology.nodes.map((n) => n.name),
    current: first,
    rebuild: build,
    signal: abort.signal,
    onRebuilt: (r) => rebuilt(r),
  });
  const rounds: { total: number; rebuildAndReboot: number; converge: number }[] = [];
  try {
    for (let round = 1; round <= Number(values.rounds); round++) {
      const version = `bench-${Date.now().toString(36)}`;
      const done = new Promise<{ seconds: number; error?: Error }>((resolve) => (rebuilt = resolve));
      const start = Date.now();
      await stamp(version);
      const r = await done;
      if (r.error) throw r.error;
      const rebooted = Date.now();
      for (;;) {
        if (converged(await observe(mesh))) break;
        await new Promise((d) => setTimeout(d, 200));
      }
      const end = Date.now();
      const reported = await guestCommand(mesh.node(names[nodes - 1]), 'batctl', ['-v']);
      if (!reported.includes(version)) throw new Error(`the node does not run ${version}: ${reported}`);
      rounds.push({
        total: (end - start) / 1000,
        rebuildAndReboot: (rebooted - start) / 1000,
        converge: (end - rebooted) / 1000,
      });
      console.log(`round ${round}: ${JSON.stringify(rounds.at(-1))}`);
    }
  } finally {
    abort.abort();
    await watching;
    await mesh.stop();
  }
  const median = (k: keyof (typeof rounds)[number]) =>
    rounds.map((r) => r[k]).sort((a, b) => a - b)[rounds.length >> 1];
  printResults(
    'edit',
    {
      nodes: mesh.topology.nodes.length,
      rounds: rounds.length,
      edit_to_converged_s: median('total'),
      rebuild_and_reboot_s: median('rebuildAndReboot'),
      reconverge_s: median('converge'),
    },
    { edit_to_converged_s: 60 },
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
