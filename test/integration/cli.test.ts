// The command line as a user runs it: `batu run` of a spec file, the node reachable by
// `batu batctl` without any host set-up, and a node that panics makes `run` fail with why.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { Netns, listNodes, mconsole, mconsoleSocket } from '../../lib/runner/index.ts';
import { batuCli, runScript } from '../fixtures/cli-helpers.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

const cli = batuCli;

// Realised before the tests, with no time limit: from an empty store this builds the kernel.
let paths: { kernel: string; image: string };
before(async () => {
  paths = await guestPaths();
});

/** A node spec file reachable by `batu batctl` (its service on the management tap). */
async function specFile(t: { after(fn: () => Promise<void>): void }, umid: string): Promise<string> {
  const spec = join(await tempDir(t), 'node.json');
  const node = { ...paths, umid, serviceIp: '192.168.254.2/24', batctlWrapper: true };
  const taps = { management: { driver: 'tuntap', tap: `${umid}-m` }, bat0Tap: { driver: 'tuntap', tap: `${umid}-b` } };
  await writeFile(spec, JSON.stringify({ ...node, ...taps }));
  return spec;
}

test(
  'batu run: the node answers batu batctl at once, and a panic ends run non-zero with the reason',
  { timeout: 180_000 },
  async (t) => {
    const spec = await specFile(t, 'bt-cli');
    const run = runScript('bin/batu.ts', ['run', spec], { all: true });
    let netns = '';
    t.after(async () => {
      run.kill('SIGKILL');
      if (netns) await execa('ip', ['netns', 'delete', netns], { reject: false });
    });
    const ready = await new Promise<{ netns: string; hostAddress: string }>((done, fail) => {
      createInterface({ input: run.stdout! }).on('line', (line) => {
        if (line.startsWith('{')) done(JSON.parse(line));
      });
      void run.then((r) => fail(new Error(`batu run ended before the node was ready:\n${r.all}`)));
    });
    netns = ready.netns;
    assert.equal(ready.hostAddress, '192.168.254.1/24');
    const interfaces = await cli('batctl', 'bt-cli', 'meshif', 'bat0', 'interface');
    assert.equal(interfaces.exitCode, 0, `batctl through the management tap:\n${interfaces.stderr}`);

    const [node] = (await listNodes()).filter((n) => n.umid === 'bt-cli');
    await mconsole(mconsoleSocket(node.umlDir, node.umid), 'sysrq c').catch(() => {}); // the node dies mid-answer
    const result = await run;
    assert.notEqual(result.exitCode, 0, 'a panicked node is a failure');
    assert.match(result.all ?? '', /batu: error: node bt-cli panicked: .*sysrq/i);
    assert.equal((await execa('ip', ['netns', 'list'])).stdout.includes(netns), false, 'run removed its namespace');
  },
);

/** `batu run SPEC [--netns NS]` until its ready line; returns the process and what it printed. */
async function runUntilReady(spec: string, netns?: string) {
  const run = runScript('bin/batu.ts', ['run', spec, ...(netns ? ['--netns', netns] : [])], { all: true });
  const ready = await new Promise<{ netns: string }>((done, fail) => {
    createInterface({ input: run.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) done(JSON.parse(line));
    });
    void run.then((r) => fail(new Error(`batu run ended before the node was ready:\n${r.all}`)));
  });
  return { run, ready };
}

test(
  'kill -9 of batu run leaves nothing the next run trips on: ps reaps its taps and its namespace',
  { timeout: 180_000 },
  async (t) => {
    const spec = await specFile(t, 'bt-reap');
    const ns = await Netns.create('bt');
    t.after(() => ns.delete());
    const taps = async () => (await ns.exec('ip', ['-o', 'link', 'show'])).stdout.match(/bt-reap-[mb]/g) ?? [];

    const first = await runUntilReady(spec, ns.name);
    first.run.kill('SIGKILL');
    await first.run;
    assert.deepEqual((await taps()).sort(), ['bt-reap-b', 'bt-reap-m'], 'the killed run left its taps');
    const second = await runUntilReady(spec, ns.name); // reaps them, then makes its own
    second.run.kill('SIGINT');
    assert.equal((await second.run).exitCode, 0, 'ctrl-c stops a node cleanly');
    assert.deepEqual(await taps(), []);

    // Without --netns the run made a namespace of its own: ps removes it after a kill -9.
    const third = await runUntilReady(spec);
    third.run.kill('SIGKILL');
    await third.run;
    assert.ok(
      (await execa('ip', ['netns', 'list'])).stdout.includes(third.ready.netns),
      'the killed run left its namespace',
    );
    const ps = await cli('ps');
    assert.equal(ps.exitCode, 0, ps.stderr);
    assert.equal((await execa('ip', ['netns', 'list'])).stdout.includes(third.ready.netns), false, 'ps reaped it');
  },
);
