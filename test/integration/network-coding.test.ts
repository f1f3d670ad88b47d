// Idle nodes sleep (recipes/batman-adv/idle): batman-adv's network-coding worker runs only
// while network coding is on, and until what it built has drained after it is switched off.
// Seen from the host: the worker wakes the node every 10 ms, so the node's context switches
// per second (its process group's) rise by ~100 while it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Mesh, converged, line, observe } from '../../lib/mesh/index.ts';
import { batctl } from '../../lib/runner/index.ts';
import { usageOver } from '../../lib/process/index.ts';
import { eventually, guestPaths } from '../fixtures/guest-helpers.ts';

const WINDOW_S = 5;
/** The worker at HZ=100 adds up to 100 wake-ups a second (~75 seen on a busy host); a third of it is the margin. */
const WORKER_WAKEUPS = 35;
const NC_NODE_TIMEOUT_MS = 10_000; // batman-adv's BATADV_NC_NODE_TIMEOUT: the drain after switching off

test('network coding: the worker sleeps while it is off, runs when set to 1 at run time, sleeps again at 0', async (t) => {
  const mesh = await Mesh.start({ ...line(2), origInterval: 1000 }, await guestPaths());
  t.after(() => mesh.stop());
  await eventually('the pair converges', async () => converged(await observe(mesh)), 30_000);
  const n1 = mesh.node('n1');
  const wakeups = async () => (await usageOver([n1.pid], WINDOW_S))[0].wakeupsPerSecond;
  const nc = async () => (await batctl(n1, ['nc'])).trim();

  assert.equal(await nc(), 'disabled');
  const off = await wakeups();
  await batctl(n1, ['nc', '1']);
  assert.equal(await nc(), 'enabled', 'the knob still works');
  const on = await wakeups();
  await batctl(n1, ['nc', '0']);
  await sleep(NC_NODE_TIMEOUT_MS + 1000);
  const offAgain = await wakeups();
  t.diagnostic(`wake-ups per second: off ${off.toFixed(0)}, on ${on.toFixed(0)}, off again ${offAgain.toFixed(0)}`);

  assert.ok(on > off + WORKER_WAKEUPS, `setting 1 wakes the worker: ${on.toFixed(0)}/s vs ${off.toFixed(0)}/s off`);
  assert.ok(
    offAgain < on - WORKER_WAKEUPS,
    `setting 0 lets it sleep: ${offAgain.toFixed(0)}/s vs ${on.toFixed(0)}/s on`,
  );
  assert.ok(converged(await observe(mesh)), 'the mesh stayed converged throughout');
});
