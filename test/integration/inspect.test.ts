// Looking into a running mesh as a batman-adv developer does, through the CLI: its frames
// (mesh capture: dumpcap to a file, tshark decoded), its kernels' checkers (mesh report) and a
// node's kernel under gdb (mesh debug). The debug kernel's own report is in test/long/debug.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { batuCli, detachedLine } from '../fixtures/cli-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

test('mesh capture writes a tap link’s frames (batman-adv’s, read by tshark) or prints them decoded; a socketpair link’s come from the node at one end', async (t) => {
  const dir = await tempDir(t, 'bt-capture-');
  // Tap links: their bridge in the mesh's namespace sees every frame.
  const topology = `${dir}/taps.json`;
  await writeFile(
    topology,
    JSON.stringify({ nodes: [{ name: 'n1' }, { name: 'n2' }], links: [['n1', 'n2']], linkDriver: 'vector' }),
  );
  const up = await batuCli('mesh', 'up', topology, '--name', 'btcapture', '--detach');
  t.after(async () => void (await batuCli('mesh', 'down', '-n', 'btcapture')));
  assert.equal(up.exitCode, 0, String(up.stderr));
  const file = `${dir}/n1n2.pcapng`;
  const written = await batuCli('mesh', 'capture', '-n', 'btcapture', 'n1', 'n2', '-w', file, '-c', '20');
  assert.equal(written.exitCode, 0, String(written.stderr));
  const { stdout } = await execa('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.protocols']);
  const frames = stdout.split('\n').filter(Boolean);
  assert.equal(frames.length, 20);
  assert.ok(
    frames.some((p) => p.includes('batadv')),
    `batman-adv frames among: ${[...new Set(frames)].join(', ')}`,
  );

  const decoded = await batuCli('mesh', 'capture', '-n', 'btcapture', 'n1', 'n2', '-c', '5');
  assert.equal(decoded.exitCode, 0, String(decoded.stderr));
  assert.match(String(decoded.stdout), /BATADV|B\.A\.T\.M\.A\.N/i);

  const bad = await batuCli('mesh', 'capture', '-n', 'btcapture', 'n1', 'n9', '-c', '1');
  assert.notEqual(bad.exitCode, 0);
  assert.match(String(bad.stderr), /n9/);

  // The default links are socketpairs, which no host device sees: n1 streams its end.
  const pairs = await detachedLine(t, 'btcapsp');
  assert.equal(pairs.exitCode, 0, String(pairs.stderr));
  const spFile = `${dir}/socketpair.pcapng`;
  const sp = await batuCli('mesh', 'capture', '-n', 'btcapsp', 'n1', 'n2', '-w', spFile, '-c', '12');
  assert.equal(sp.exitCode, 0, String(sp.stderr));
  const ogms = await execa('tshark', ['-r', spFile, '-Y', 'batadv', '-T', 'fields', '-e', 'eth.src', '-e', 'eth.dst']);
  const pairsSeen = new Set(ogms.stdout.split('\n').filter(Boolean));
  // n1's and n2's first hard interfaces (nodeMac(k, 2, 0)): OGMs broadcast both ways.
  assert.ok(pairsSeen.has('02:ba:00:01:02:00\tff:ff:ff:ff:ff:ff'), `n1's OGMs among ${[...pairsSeen]}`);
  assert.ok(pairsSeen.has('02:ba:00:02:02:00\tff:ff:ff:ff:ff:ff'), `n2's OGMs among ${[...pairsSeen]}`);
  const refused = await batuCli('mesh', 'capture', '-n', 'btcapsp', 'n1', 'n3', '-c', '1');
  assert.notEqual(refused.exitCode, 0);
  assert.match(String(refused.stderr), /n3/);
  const status = await batuCli('mesh', 'status', '-n', 'btcapsp');
  assert.match(String(status.stdout), /every node has a route to every other/, 'the mesh runs on after its captures');
});

test('mesh report of a default mesh: console only, clean, exit 0; mesh debug’s gdb attaches to a node’s kernel and reads it', async (t) => {
  const up = await detachedLine(t, 'btdebug');
  assert.equal(up.exitCode, 0, String(up.stderr));
  const report = await batuCli('mesh', 'report', '-n', 'btdebug');
  assert.equal(report.exitCode, 0, String(report.stdout) + String(report.stderr));
  assert.match(String(report.stdout), /^n1 \(not a debug kernel: console only\): clean$/m);
  assert.match(String(report.stdout), /^0 finding\(s\) on 2 node\(s\) \(2 without a debug kernel: mesh up --debug\)$/m);

  const debug = await batuCli('mesh', 'debug', '-n', 'btdebug', 'n1', '--json');
  assert.equal(debug.exitCode, 0, String(debug.stderr));
  const target = JSON.parse(String(debug.stdout)) as { pid: number; gdb: string[]; kernel: string };
  assert.equal(target.gdb[0], 'gdb');
  assert.ok(target.gdb.includes(String(target.pid)) && target.gdb.at(-1) === target.kernel);
  // The command as printed, in batch mode: attach, read the node's jiffies, detach (the node runs on).
  const gdb = await execa(target.gdb[0], ['-batch', ...target.gdb.slice(1), '-ex', 'print (long) jiffies'], {
    reject: false,
    timeout: 60_000,
  });
  assert.match(gdb.stdout, /^\$1 = \d+$/m, gdb.stdout + gdb.stderr);
  const status = await batuCli('mesh', 'status', '-n', 'btdebug');
  assert.match(String(status.stdout), /every node has a route to every other/, 'the node runs on after gdb detached');
});
