// A `mesh up` as an operator ends it by accident: killed with SIGKILL (what it left is found
// by its record and removed by `mesh ls`, `mesh down` or the next `mesh up` of that name), or
// sent a TERM while its nodes boot (it stops at once, not after booting them all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { meshDir } from '../../lib/mesh/index.ts';
import { listNamespaces } from '../../lib/runner/index.ts';
import { batuCli, detachedLine, runScript } from '../fixtures/cli-helpers.ts';
import { eventually, guestPaths } from '../fixtures/guest-helpers.ts';

const recordOf = async (name: string) =>
  JSON.parse(await readFile(join(meshDir, `${name}.json`), 'utf8').catch(() => '{}')) as {
    pid?: number;
    netns?: string;
  };

/** UML processes of a mesh (their umids start with its namespace's name). */
const umlOf = async (netns: string) =>
  (await execa('pgrep', ['-f', `umid=${netns}-`], { reject: false })).stdout.split('\n').filter(Boolean);

/** A `mesh up` in this process's care: killed whatever happens, what it made checked gone. */
function meshUp(t: { after(fn: () => Promise<void>): void }, args: string[]) {
  const up = runScript('bin/batu.ts', ['mesh', 'up', ...args], { all: true });
  let said = '';
  up.all!.on('data', (chunk: Buffer) => (said += chunk));
  t.after(async () => {
    up.kill('SIGKILL');
    await up;
  });
  return Object.assign(up, { said: () => said });
}

async function killedMesh(t: { after(fn: () => Promise<void>): void }, name: string) {
  const up = meshUp(t, ['--topo', 'line,2', '--name', name]);
  let record: { pid?: number; netns?: string } = {};
  await eventually(
    `mesh ${name} is up`,
    async () => (record = await recordOf(name)).netns !== undefined && /is up/.test(up.said()),
    120_000,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}\n${up.said()}`);
  });
  up.kill('SIGKILL');
  await up;
  const netns = record.netns!;
  t.after(async () => {
    await execa('ip', ['netns', 'delete', netns], { reject: false });
  });
  // What the killed process left: its namespace, with its taps and bridges.
  assert.ok((await listNamespaces('bt-')).includes(netns), `${netns} is still there after SIGKILL`);
  return netns;
}

async function assertGone(netns: string) {
  assert.ok(!(await listNamespaces('bt-')).includes(netns), `${netns} was removed`);
  await eventually('its nodes are gone', async () => (await umlOf(netns)).length === 0, 10_000);
}

test(
  'what a mesh up killed with SIGKILL leaves is removed by mesh ls, mesh down and the next mesh up of that name',
  { timeout: 600_000 },
  async (t) => {
    await guestPaths(); // the kernel and image, realised before any timing matters
    const ls = await killedMesh(t, 'btkill-ls');
    const listed = await batuCli('mesh', 'ls');
    assert.equal(listed.exitCode, 0, String(listed.stderr));
    assert.match(
      String(listed.stderr),
      new RegExp(`mesh btkill-ls's process \\d+ is gone: removed its namespace ${ls}`),
    );
    assert.doesNotMatch(String(listed.stdout), /btkill-ls/);
    await assertGone(ls);

    const down = await killedMesh(t, 'btkill-down');
    const stopped = await batuCli('mesh', 'down', '-n', 'btkill-down');
    assert.equal(stopped.exitCode, 0, String(stopped.stderr));
    assert.equal(String(stopped.stdout).trim(), 'mesh btkill-down was killed; what it left is removed');
    await assertGone(down);

    const again = await killedMesh(t, 'btkill-up');
    const second = meshUp(t, ['--topo', 'line,2', '--name', 'btkill-up']);
    await eventually('the second mesh up is up', async () => /is up/.test(second.said()), 120_000);
    await assertGone(again);
    const next = (await recordOf('btkill-up')).netns!;
    assert.notEqual(next, again);
    const stop = await batuCli('mesh', 'down', '-n', 'btkill-up');
    assert.equal(String(stop.stdout).trim(), 'mesh btkill-up is down');
    await assertGone(next);
  },
);

test('a TERM while nodes boot stops the mesh at once: no more nodes boot, the detached parent says so', async (t) => {
  await guestPaths();
  const name = 'btterm';
  const nodes = 24;
  const up = runScript('bin/batu.ts', ['mesh', 'up', '--topo', `line,${nodes}`, '--name', name, '--detach'], {
    all: true,
  });
  t.after(async () => {
    up.kill('SIGKILL');
    await up;
    await batuCli('mesh', 'down', '-n', name);
  });
  const log = join(meshDir, `${name}.${up.pid}.log`);
  const readyLines = async () => (await readFile(log, 'utf8').catch(() => '')).match(/^batu: n\d+ ready/gm) ?? [];
  await eventually('the first node is ready', async () => (await readyLines()).length >= 1, 120_000);
  const { netns } = await recordOf(name);
  assert.ok(netns, 'the record names its namespace while the nodes boot');
  up.kill('SIGTERM');
  const result = await up;
  assert.notEqual(result.exitCode, 0);
  assert.match(
    String(result.all),
    /batu mesh up was stopped by SIGTERM while starting; it stopped what it had started/,
  );
  // Only the nodes already booting when the TERM came could finish (4 boot at once); the rest never started.
  await sleep(1000);
  const ready = (await readyLines()).length;
  assert.ok(ready < nodes / 2, `${ready} of ${nodes} nodes booted after the TERM`);
  await assertGone(netns);
  assert.deepEqual((await batuCli('mesh', 'ls')).stdout, 'no meshes running');
});

test('mesh up --shell: mesh exec runs sh in a node; the default image says it has no shell', async (t) => {
  await guestPaths();
  const run = async (name: string, node: string, script: string) =>
    String((await batuCli('mesh', 'exec', '-n', name, node, 'sh', '-c', script)).stdout);
  for (const [name, shell] of [
    ['btshell', true],
    ['btnoshell', false],
  ] as const) {
    const up = await detachedLine(t, name, shell ? ['--shell'] : []);
    assert.equal(up.exitCode, 0, String(up.stderr));
    const said = await run(name, 'n2', 'cat /proc/version; echo $((6 * 7)); ls /sys/class/net');
    if (shell) assert.match(said, /^Linux version 6\.12\.[\s\S]*\n42\n[\s\S]*^bat0$/m, said);
    else assert.match(said, /cannot run \/bin\/sh: this image has no shell .*mesh up --shell/, said);
  }
});
