// Meshes in simulated time (lib/sim): real UML nodes with real batman-adv, every clock and
// every frame owned by the calendar. The same scenario and seed replay byte for byte, so
// timings are asserted exactly where real time needs generous timeouts.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { batctlJson, runRoot, visualize } from '../../lib/runner/index.ts';
import { debugTarget } from '../../lib/mesh/debug.ts';
import {
  NS_PER_MS,
  NS_PER_S,
  Scenario,
  SimMesh,
  runScenario,
  type LogEntry,
  type ScenarioInput,
} from '../../lib/sim/index.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';
import type { Capture } from '../../lib/sim/sim-mesh.ts';

async function run(input: ScenarioInput, seed: number, captures: Capture[] = []): Promise<LogEntry[]> {
  return runScenario(Scenario.parse(input), { ...(await guestPaths()), seed, log: () => {}, captures });
}
const sha256 = async (file: string) => (await execa('sha256sum', [file])).stdout.split(' ')[0];
/** tshark's reading of a capture: each frame's time stamp and protocols. */
async function tsharkFrames(file: string) {
  const { stdout } = await execa('tshark', [
    '-r',
    file,
    '-T',
    'fields',
    '-e',
    'frame.time_epoch',
    '-e',
    'frame.protocols',
  ]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ t: Number(l.split('\t')[0]), protocols: l.split('\t')[1] }));
}
const text = (log: LogEntry[]) => log.map((e) => JSON.stringify(e)).join('\n');
const events = (log: LogEntry[], event: string) => log.filter((e) => e.event === event);

/** What simulations leave: UML and calendar processes, run records, temporary directories. */
async function leftovers() {
  const { stdout } = await execa('ps', ['-eo', 'args'], { reject: false });
  return {
    processes: stdout.split('\n').filter((l) => /bin\/simcal|time-travel=ext/.test(l)),
    records: (await readdir(`${runRoot}/nodes`).catch(() => [] as string[])).filter((n) => n.startsWith('bts-')),
    directories: (await readdir(tmpdir())).filter((n) => n.startsWith('batu-sim-')),
  };
}
/** Nothing of a simulation outlives it (compared with what was there before the test). */
let before: Awaited<ReturnType<typeof leftovers>>;
beforeEach(async () => {
  before = await leftovers();
});
const assertNothingLeft = async () => assert.deepEqual(await leftovers(), before);

const line3 = {
  nodes: [{ name: 'n1' }, { name: 'n2' }, { name: 'n3' }],
  links: [
    ['n1', 'n2'],
    ['n2', 'n3'],
  ] as [string, string][],
};

// A 4x5 grid: n7-n8 is an inner link, so the mesh converges again around the cut.
const grid: ScenarioInput = {
  topology: 'grid,4x5',
  duration: '70s',
  timeline: [
    'every 10s record',
    'at 30s cut n7 n8',
    'at 30s converge',
    'at 50s restore n7 n8',
    'at 50s converge',
    'at 60s ping n1 n20',
  ],
};

test('a 20-node grid with a cut and a restore replays byte for byte with its seed (its captures too), and differently with another', async (t) => {
  const dir = await tempDir(t, 'bt-sim-capture-');
  const capture = (name: string) => [{ a: 'n7', b: 'n8', file: `${dir}/${name}.pcap` }];
  // The replay runs beside the first (each simulation pins itself to one CPU): another
  // process's load changes no simulated instant.
  const [first, again] = await Promise.all([run(grid, 7, capture('first')), run(grid, 7, capture('again'))]);
  const other = await run(grid, 8, capture('other'));
  assert.equal(text(again), text(first));
  assert.notEqual(text(other), text(first));
  assert.equal(await sha256(`${dir}/again.pcap`), await sha256(`${dir}/first.pcap`), 'one seed, one capture');
  assert.notEqual(await sha256(`${dir}/other.pcap`), await sha256(`${dir}/first.pcap`));
  // tshark reads batman-adv's frames in it, stamped with simulated time (from 2026-01-01),
  // none while the link was cut.
  const epoch = 1767225600;
  const at = (event: string) => (events(first, event)[0].t as number) + epoch;
  const frames = await tsharkFrames(`${dir}/first.pcap`);
  assert.ok(frames.filter((f) => f.protocols.includes('batadv')).length > 50, `${frames.length} frames`);
  const outside = frames.filter((f) => f.t < epoch || f.t > at('end') + 0.001);
  assert.deepEqual(outside, [], `simulated time stamps, up to the end at ${at('end')}`);
  const whileCut = frames.filter((f) => f.t > at('cut') + 0.001 && f.t < at('restore') - 0.001);
  assert.deepEqual(whileCut, [], 'nothing sent into a cut link');

  // What the log says is the mesh working, not only the same twice.
  assert.equal(events(first, 'ready').length, 20);
  const routes = events(first, 'routes');
  assert.equal(routes.length, 7);
  // A 4x5 grid at 1 s OGMs has every route within 30 s, and keeps them, around the cut too.
  assert.ok(
    routes.filter((r) => (r.t as number) >= 30).every((r) => r.converged === true),
    JSON.stringify(routes),
  );
  assert.deepEqual(
    events(first, 'cut').map((e) => e.t),
    [30],
  );
  const convergence = events(first, 'converged');
  assert.equal(convergence.length, 2, text(first));
  // Around the cut: batman-adv IV moves its routes off n7-n8 once the stale path's TQ has
  // decayed over a few OGM intervals (1 s each): not at once, and well within 20 s.
  const around = convergence[0].after as number;
  assert.ok(around > 2 && around < 20, `converged around the cut after ${around} s`);
  const ping = events(first, 'ping')[0];
  assert.equal(ping.received, 3, JSON.stringify(ping));
  // n1 to n20 is 7 hops either way round the grid: a route, and every node's table lists 19 originators.
  const tables = events(first, 'originators').filter((e) => e.t === 70);
  assert.equal(tables.length, 20);
  for (const e of tables) assert.equal(Object.keys(e.originators as object).length, 19, JSON.stringify(e));
  const end = events(first, 'end')[0];
  assert.ok((end.messages as number) > 0 && (end.frames as number) > 0);
  await assertNothingLeft();
});

test("a link's delay is simulated time: a ping's round trip over two 50 ms hops is 200 ms, each frame waking its receiver, and idle nodes sleep", async (t) => {
  const log = await run(
    {
      topology: {
        nodes: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
        links: [
          { nodes: ['a', 'b'], delayMs: 50 },
          { nodes: ['b', 'c'], delayMs: 50 },
        ],
      },
      duration: '30s',
      timeline: ['at 20s ping a c'],
    },
    1,
  );
  const ping = events(log, 'ping')[0] as unknown as { received: number; rttMs: number[] };
  assert.equal(ping.received, 3, JSON.stringify(ping));
  // The default kernel is woken for each frame at its arrival (kernel feature sim-wake): no
  // crossing waits for the receiver's next timer (with a steady tick, up to 10 ms each).
  for (const rtt of ping.rttMs) assert.ok(rtt >= 200 && rtt < 201, `round trip ${rtt} ms`);
  // Without a tick a node takes a turn only for its timers and what arrives: a steady tick
  // alone is 100 turns per node and simulated second.
  const { turns } = events(log, 'end')[0] as unknown as { turns: number };
  const perNodeSecond = turns / 3 / 30;
  t.diagnostic(
    `round trips ${ping.rttMs.join(', ')} ms; ${perNodeSecond.toFixed(1)} turns per node and simulated second`,
  );
  assert.ok(perNodeSecond < 50, `${perNodeSecond.toFixed(1)} turns per node and simulated second`);
  await assertNothingLeft();
});

test("a link's loss and jitter come from the seeded model: the same seed loses the same pings", async () => {
  const lossy = (seed: number) =>
    run(
      {
        topology: {
          nodes: [{ name: 'a' }, { name: 'b' }],
          links: [{ nodes: ['a', 'b'], lossPercent: 30, delayMs: 20, jitterMs: 10 }],
        },
        duration: '80s',
        timeline: [{ at: '20s', ping: ['a', 'b'], count: 40 }],
      },
      seed,
    ).then((log) => events(log, 'ping')[0] as unknown as { sent: number; received: number; rttMs: number[] });
  const [first, again, other] = [await lossy(5), await lossy(5), await lossy(6)];
  assert.deepEqual(again, first);
  assert.notDeepEqual(other, first);
  // A request and its reply each cross with 30 % loss: about half come back, never all or none.
  assert.ok(first.received > 5 && first.received < 35, JSON.stringify(first));
  // 20 ms ± 10 ms each way, plus at most a 10 ms tick per crossing.
  for (const rtt of first.rttMs) assert.ok(rtt >= 20 && rtt <= 80, `round trip ${rtt} ms`);
  assert.ok(new Set(first.rttMs).size > 3, `jitter varies the round trips: ${first.rttMs.join(' ')}`);
});

test("a restarted node's seqno window, timed exactly: its neighbour takes it back when batman-adv's 30 s reset protection runs out", async () => {
  // n3 comes back with a new random sequence number, which n2 takes for an old one: it drops
  // n3's OGMs until 30 s (BATADV_RESET_PROTECTION_MS) after its last reset of n3's window,
  // first counted from when it met n3 (at boot), then from when it took n3 back. In real
  // time this made a restart test wait anywhere from seconds to half a minute.
  const log = await run(
    {
      topology: { ...line3, origInterval: 200 },
      duration: '65s',
      timeline: [
        'at 10s kill n3',
        'at 15s start n3',
        { at: '15s', converge: true, step: '200ms' },
        'at 40s kill n3',
        'at 45s start n3',
        { at: '45s', converge: true, step: '200ms' },
      ],
    },
    1,
  );
  const back = events(log, 'converged').map((e) => e.t as number);
  assert.equal(back.length, 2, text(log));
  assert.ok(back[0] >= 30 && back[0] <= 32.5, `first rejoin at ${back[0]} s, expected just after 30 s`);
  assert.ok(
    back[1] >= back[0] + 28.5 && back[1] <= back[0] + 31,
    `second rejoin at ${back[1]} s, 30 s after the first`,
  );
});

test('alfred carries every node to a far one in simulated time: the far node draws the whole mesh, at the same instant in every run', async () => {
  // n1 is alfred's master; every node's batadv-vis server hands it the node's neighbours,
  // and n5, four hops away, fetches them from the master. In real time this waited on
  // alfred's cycles with a generous timeout (and once in four runs never showed within 30 s).
  const whenComplete = async (seed: number) => {
    const sim = await SimMesh.start(
      {
        nodes: [{ name: 'n1', alfred: 'master' }, { name: 'n2' }, { name: 'n3' }, { name: 'n4' }, { name: 'n5' }],
        links: [
          ['n1', 'n2'],
          ['n2', 'n3'],
          ['n3', 'n4'],
          ['n4', 'n5'],
        ],
      },
      { ...(await guestPaths()), seed },
    );
    try {
      for (;;) {
        await sim.advance(sim.now + NS_PER_S);
        const vis = await sim.during(visualize(sim.node('n5'), 'json'));
        const drawn = new Set(vis.split('\n').flatMap((l) => /"primary" : "([0-9a-f:]+)"/.exec(l)?.[1] ?? []));
        if (drawn.size === 5) return Number(sim.now / NS_PER_MS) / 1000;
        assert.ok(sim.now < 120n * NS_PER_S, `n5 draws ${drawn.size} of 5 nodes after 120 s:\n${vis}`);
      }
    } finally {
      await sim.stop();
    }
  };
  const first = await whenComplete(4);
  assert.equal(await whenComplete(4), first);
  console.log(`alfred: the far node n5 draws all 5 nodes at ${first} s of simulated time, in both runs`);
  // batadv-vis servers report every 10 s and alfred slaves sync every 10 s: a few cycles.
  assert.ok(first > 1 && first <= 60, `complete at ${first} s`);
  await assertNothingLeft();
});

test('gdb holding a node stops the simulated clock: its neighbours miss none of its OGMs, and the run goes on', async (t) => {
  const sim = await SimMesh.start({ ...line3, origInterval: 200 }, { ...(await guestPaths()), seed: 3 });
  t.after(() => sim.stop());
  await sim.untilReady(['n1', 'n2', 'n3']);
  await sim.advance(sim.now + 20n * NS_PER_S);
  type Originator = { orig_address: string; tq: number; best: boolean };
  const n2Seen = async () =>
    (await sim.during(batctlJson<Originator[]>(sim.node('n1'), 'originators_json'))).filter(
      (o) => o.orig_address === '02:ba:00:02:02:00' && o.best,
    );
  const before = await n2Seen();
  assert.equal(before.length, 1, 'n1 has n2 as an originator');

  // mesh debug's command as printed; once attached it marks a file and holds n2 for 8 s (the
  // 3 s looked at below, with room for a slow machine).
  const target = await debugTarget('n2', sim.node('n2'));
  const mark = `${await tempDir(t, 'bt-simgdb-')}/attached`;
  const hold = ['-ex', 'print (long) jiffies', '-ex', `shell touch ${mark}`, '-ex', 'shell sleep 8'];
  const gdb = execa(target.gdb[0], ['-batch', ...target.gdb.slice(1), ...hold], { reject: false, timeout: 60_000 });
  let exited = false;
  void gdb.finally(() => (exited = true));
  while (!existsSync(mark) && !exited) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(mark)) assert.fail(`gdb did not attach: ${(await gdb).stderr}`);
  const attached = sim.now;
  const running = sim.advance(attached + 5n * NS_PER_S);
  await new Promise((r) => setTimeout(r, 3000));
  // Idle, three nodes run ~30× real time: 3 s of wall time would be ~90 s. Held, the clock
  // moves at most to n2's next turn.
  const heldFor = sim.now - attached;
  assert.ok(heldFor <= 500n * NS_PER_MS, `the clock moved ${heldFor / NS_PER_MS} ms while gdb held n2`);
  const { exitCode, stdout, stderr } = await gdb;
  assert.equal(exitCode, 0, stdout + stderr);
  assert.match(stdout, /^\$1 = \d+$/m);
  await running;
  const after = await n2Seen();
  t.diagnostic(
    `n1's TQ towards n2: ${before[0].tq} before, ${after[0].tq} after; the clock moved ${heldFor / NS_PER_MS} ms in 3 s held`,
  );
  // In real time, 8 s held at a 200 ms OGM interval is 40 OGMs missed: a TQ well below.
  assert.ok(after.length === 1 && after[0].tq >= before[0].tq - 5, `TQ ${before[0].tq} then ${after[0].tq}`);
});

test('the same scenario runs in real time by changing one option (clock: real, the rootless Mesh, netem)', async () => {
  const scenario = Scenario.parse({
    topology: { ...line3, origInterval: 200 },
    duration: '12s',
    timeline: ['every 6s record', 'at 8s ping n1 n3'],
  });
  const log = await runScenario(scenario, { ...(await guestPaths()), clock: 'real', log: () => {} });
  assert.equal(events(log, 'start')[0].clock, 'real');
  assert.equal(events(log, 'ready').length, 3);
  assert.deepEqual(
    events(log, 'routes').map((e) => e.converged),
    [true, true],
  );
  assert.equal(events(log, 'ping')[0].received, 3, text(log));
  assert.ok((events(log, 'end')[0].t as number) >= 12);
  await assertNothingLeft();
});
