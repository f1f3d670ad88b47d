// Offload, the default: bat0 keeps 1500 bytes but has TSO; TCP crosses socketpair links
// with virtio-net headers as whole GSO frames, also through a node that forwards them; tap
// links get batman-adv's own segments; either way it arrives intact at a host behind the far node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mesh, converged, line, observe, torus, type TopologyInput } from '../../lib/mesh/index.ts';
import { average, batmanCounters as counters, eventually, guestPaths, steadyPings } from '../fixtures/guest-helpers.ts';
import { realiseAll } from '../../lib/derivations/index.ts';
import { moduleKernel } from '../../recipes/linux/kernel.ts';
import { patchedBatmanAdv } from '../../recipes/linux/patched-batman-adv.ts';

/**
 * 24 MiB from a host behind n1 to one behind n3 (socat); asserts it arrives unchanged.
 * Returns the average packet bat0 took in on n1, n2 forwarded and n3's bat0 received.
 */
async function sendThroughLine(mesh: Mesh, dir: string) {
  const sender = await mesh.client('n1', '10.99.0.1/24');
  const receiver = await mesh.client('n3', '10.99.0.3/24');
  await eventually("n1's client reaches n3's, steadily", () => steadyPings(sender, '10.99.0.3'), 30_000);
  const data = randomBytes(24 << 20);
  await writeFile(join(dir, 'sent'), data);
  const nodes = ['n1', 'n2', 'n3'].map((n) => mesh.node(n));
  const before = await Promise.all(nodes.map(counters));
  const listening = receiver.spawn('socat', ['-u', 'TCP-LISTEN:5001,reuseaddr', `CREATE:${join(dir, 'received')}`]);
  await eventually(
    'the receiver listens',
    async () => (await receiver.exec('ss', ['-Htln', 'sport = :5001'])).stdout.includes('5001'),
    10_000,
  );
  await sender.exec('socat', ['-u', `FILE:${join(dir, 'sent')}`, 'TCP:10.99.0.3:5001'], { timeout: 120_000 });
  await listening;
  const arrived = await readFile(join(dir, 'received'));
  assert.equal(arrived.length, data.length, 'every byte arrived');
  assert.equal(
    createHash('sha256').update(arrived).digest('hex'),
    createHash('sha256').update(data).digest('hex'),
    'and unchanged',
  );
  const after = await Promise.all(nodes.map(counters));
  return {
    sent: average(before[0], after[0], 'tx'),
    forwarded: average(before[1], after[1], 'forward'),
    received: average(before[2], after[2], 'rx'),
  };
}

/** A 3-node line of the default kernel and image, stopped (and its scratch dir removed) after the test. */
async function defaultLine(t: { after(fn: () => Promise<void>): void }, topology: Partial<TopologyInput>) {
  const mesh = await Mesh.start({ ...line(3), origInterval: 200, ...topology }, await guestPaths());
  const dir = await mkdtemp(join(tmpdir(), 'batu-offload-'));
  t.after(async () => {
    await mesh.stop();
    await rm(dir, { recursive: true, force: true });
  });
  assert.equal(mesh.topology.offload, true, 'offload is on: the default kernel offers it');
  for (const node of mesh.nodes.values()) {
    assert.doesNotMatch(node.consoleText, /batu-init: error|WARNING/);
    assert.equal(node.ready.bat0.mtu, 1500);
  }
  await eventually('the line converges', async () => converged(await observe(mesh)), 30_000);
  return { mesh, dir };
}

test('by default TCP crosses a 3-node line of socketpair links as GSO frames, forwarded whole by the middle node, and arrives intact', async (t) => {
  const { mesh, dir } = await defaultLine(t, {});
  assert.equal(mesh.topology.linkDriver, 'socketpair', 'the default links with offload');
  for (const node of mesh.nodes.values()) assert.match(node.consoleText, /fd: using vnet headers/);
  const { forwarded, received } = await sendThroughLine(mesh, dir);
  // Far above bat0's 1500 bytes: whole GSO packets.
  assert.ok(
    forwarded > 8000 && received > 8000,
    `average packet forwarded by n2: ${Math.round(forwarded)} bytes, received by n3: ${Math.round(received)}`,
  );
  for (const node of mesh.nodes.values()) assert.doesNotMatch(node.consoleText, /WARNING/);
});

test('over tap links (a host bridge drops GSO frames of batman-adv): batman-adv segments below its header, and TCP arrives intact', async (t) => {
  const { mesh, dir } = await defaultLine(t, { linkDriver: 'vector' });
  const { sent, forwarded, received } = await sendThroughLine(mesh, dir);
  // Whole GSO packets into n1's bat0; whole segments (bat0's 1500 and batman-adv's header) on the links.
  assert.ok(
    sent > 8000 && forwarded <= 1600 && received <= 1514,
    `average packet into n1's bat0: ${Math.round(sent)} bytes, forwarded by n2: ${Math.round(forwarded)}, out of n3's: ${Math.round(received)}`,
  );
  for (const node of mesh.nodes.values()) assert.doesNotMatch(node.consoleText, /WARNING/);
});

test('offload over links too small for whole segments: batman-adv segments TCP itself (then fragments), and it arrives intact', async (t) => {
  const { mesh, dir } = await defaultLine(t, { linkDriver: 'socketpair', linkMtu: 1500 });
  const { sent, received } = await sendThroughLine(mesh, dir);
  // Whole GSO packets into n1's bat0, segments of at most bat0's MTU out of n3's.
  assert.ok(
    sent > 8000 && received <= 1514,
    `average packet into n1's bat0: ${Math.round(sent)} bytes, out of n3's: ${Math.round(received)}`,
  );
  for (const node of mesh.nodes.values()) assert.doesNotMatch(node.consoleText, /WARNING/);
});

test('a mesh of stock batman-adv (a kernel that does not offer offload) runs without it, and TCP arrives intact', async (t) => {
  const { image: stockImage } = await patchedBatmanAdv('stock');
  const {
    paths: [kernel, image],
  } = await realiseAll([await moduleKernel('6.12'), stockImage]);
  const mesh = await Mesh.start({ ...line(3), origInterval: 200 }, { kernel, image });
  const dir = await mkdtemp(join(tmpdir(), 'batu-offload-'));
  t.after(async () => {
    await mesh.stop();
    await rm(dir, { recursive: true, force: true });
  });
  assert.deepEqual([mesh.topology.offload, mesh.topology.bat0Driver], [false, 'tuntap']);
  for (const node of mesh.nodes.values()) assert.match(node.consoleText, /loaded module batman-adv\.ko/);
  await eventually('the line converges', async () => converged(await observe(mesh)), 30_000);
  const { sent, received } = await sendThroughLine(mesh, dir);
  assert.ok(sent <= 1514 && received <= 1514, `stock bat0 takes segments: ${Math.round(sent)} bytes in`);
});

test("a torus node's 4 offload links fit a 24M node: the rings are small, and the mesh converges", async (t) => {
  const mesh = await Mesh.start(
    { ...torus(3, 3), origInterval: 200 },
    { ...(await guestPaths()), rootfs: 'hostfs', mem: '24M' },
  );
  t.after(() => mesh.stop());
  assert.equal(mesh.topology.offload, true);
  const n1 = mesh.node('n1');
  // 4 × 64 slots of 64 KB would be 16 MiB of a 24 MiB node (it ran out of memory at boot).
  assert.equal(n1.consoleText.match(/fd: using vnet headers/g)?.length, 5, 'bat0 and 4 links with vnet headers');
  await eventually('the torus converges', async () => converged(await observe(mesh)), 60_000);
  const free = Number(/MemFree:\s+(\d+)/.exec(await n1.mconsole('proc meminfo'))?.[1]);
  assert.ok(free > 2048, `n1 has ${free} KiB free`);
});
