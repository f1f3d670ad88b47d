// The socketpair link server (fdwire) ends with the process that started it, however that
// process ends: its standard input is that process's pipe. A mesh process killed with -9
// used to leave fdwire running and its /tmp/batu-wire-* directory behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { eventually } from '../fixtures/guest-helpers.ts';

const starter = `
import { WireServer } from './lib/runner/index.ts';
import { openStore } from './lib/derivations/index.ts';
const wire = await WireServer.start(openStore());
console.log(wire.socket);
setInterval(() => {}, 60_000);
`;

test('a link server whose parent is killed -9 ends and removes its socket and directory', async () => {
  const parent = execa('node', ['--import', 'tsx', '--input-type=module', '-e', starter], { reject: false });
  const socket = await new Promise<string>((resolve, reject) => {
    parent.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    void parent.then((r) => reject(new Error(`the parent ended first: ${r.stderr}`)));
  });
  assert.ok(existsSync(socket), `${socket} is there while its parent runs`);
  const servers = async () =>
    (await execa('pgrep', ['-f', `fdwire serve ${socket}`], { reject: false })).stdout.split('\n').filter(Boolean);
  assert.equal((await servers()).length, 1, 'one link server serves it');
  parent.kill('SIGKILL');
  await parent;
  await eventually('the link server ends', async () => (await servers()).length === 0, 5000);
  assert.ok(!existsSync(dirname(socket)), `${dirname(socket)} is removed`);
});
