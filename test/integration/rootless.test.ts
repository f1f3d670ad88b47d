// The rootless backend: a mesh started by an unprivileged user, with no taps, no bridges,
// no namespace and no capabilities — batman-adv where a kernel module never could run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { closedAncestor, helperBinary, listNamespaces, viewPrefix } from '../../lib/runner/index.ts';
import { openStore } from '../../lib/derivations/index.ts';

const nobody = 65534;
const asNobody = ['setpriv', `--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', '--'];
const asUid = { uid: nobody, gid: nobody };
const repo = new URL('../..', import.meta.url).pathname;

test('an unprivileged user starts a 3-node line on socketpairs; it forms and passes traffic', async (t) => {
  const paths = await guestPaths();
  await helperBinary('fdwire', openStore()); // realised by root here, in the suite's store (the kernel's); the unprivileged user only reads it
  const home = await mkdtemp(join(tmpdir(), 'bt-nobody-'));
  await chown(home, nobody, nobody);
  t.after(() => rm(home, { recursive: true, force: true }));
  const namespacesBefore = await listNamespaces();
  // A checkout or store below a private directory (/root): nobody sees them, read-only, in a
  // view of their own, as a root runner gives an unprivileged node its store paths.
  const store = openStore().dir;
  const closed = [await closedAncestor(repo, asUid), await closedAncestor(store, asUid)].flatMap((c) => c?.dir ?? []);
  const view = closed.length ? viewPrefix(closed, [repo, store]) : [];

  const run = await execa(
    view[0] ?? asNobody[0],
    [
      ...view.slice(1),
      ...(view.length ? asNobody : asNobody.slice(1)),
      process.execPath,
      '--import',
      'tsx',
      'test/fixtures/rootless-mesh.ts',
      JSON.stringify({ ...paths, store }),
    ],
    {
      cwd: repo,
      env: { HOME: home, TMPDIR: home },
      reject: false,
      timeout: 180_000,
    },
  );
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    uid: number;
    convergedS: number;
    ping: string;
    views: { name: string; neighbours: string[]; originators: Record<string, { via: string }> }[];
    processes: { umid: string; uid: string; capEff: string }[];
    capture: unknown;
  };
  assert.equal(result.uid, nobody);
  for (const p of result.processes) {
    assert.match(p.uid, /^65534\s+65534\s+65534\s+65534$/, `${p.umid} runs as nobody`);
    assert.equal(p.capEff, '0000000000000000', `${p.umid} has no capabilities`);
  }
  const n1 = result.views.find((v) => v.name === 'n1')!;
  assert.deepEqual(n1.neighbours, ['n2']);
  assert.equal(n1.originators.n3.via, 'n2', 'n3 is reached over n2');
  assert.match(result.ping, /5 packets transmitted, 5 received, 0% packet loss/, result.ping);
  assert.match(String(result.capture), /^link n1-n2: .* node n1 has no network path to stream them/);
  assert.deepEqual(await listNamespaces(), namespacesBefore, 'no namespace was made');
  console.log(`rootless 3-node line: converged ${result.convergedS.toFixed(2)} s after start`);
});
