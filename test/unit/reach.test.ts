// Whether a node's user reaches its store paths: the closed directory is found, named with its
// mode and owner, and a root runner gets a view instead of an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReachError, closedAncestor, reachFor, viewPrefix, type Need } from '../../lib/runner/reach.ts';

const nobody = { uid: 65534, gid: 65534 };

async function privateStore(t: { after(fn: () => Promise<void>): void }) {
  const top = await mkdtemp(join(tmpdir(), 'bt-reach-'));
  await chmod(top, 0o755);
  t.after(() => rm(top, { recursive: true, force: true }));
  const kernel = join(top, 'private', 'store', 'aaaa-linux');
  await mkdir(join(kernel, 'bin'), { recursive: true });
  await writeFile(join(kernel, 'bin/linux'), '#!/bin/true\n', { mode: 0o555 });
  await chmod(join(top, 'private'), 0o700);
  const needs: Need[] = [{ path: join(kernel, 'bin/linux'), access: 'rx', what: 'the kernel' }];
  return { top, kernel, needs };
}

test('a directory closed to the node user is found; open ones and root pass', async (t) => {
  const { top, kernel } = await privateStore(t);
  const closed = await closedAncestor(join(kernel, 'bin/linux'), nobody);
  assert.deepEqual(closed, { dir: join(top, 'private'), mode: 0o700, uid: process.getuid!(), gid: process.getgid!() });
  assert.equal(await closedAncestor(join(kernel, 'bin/linux'), { uid: 0, gid: 0 }), undefined);
  await chmod(join(top, 'private'), 0o711);
  assert.equal(await closedAncestor(join(kernel, 'bin/linux'), nobody), undefined);
});

test('without the right to mount, one error names the directory, its mode and owner, and the ways out', async (t) => {
  const { top, kernel, needs } = await privateStore(t);
  await assert.rejects(reachFor(nobody, needs, [kernel], { canMount: false }), (e: Error) => {
    assert.ok(e instanceof ReachError);
    assert.match(e.message, new RegExp(`${join(top, 'private')} \\(mode 0700, owner \\d+:\\d+\\) is closed to it`));
    assert.match(e.message, /Ways out: .*as root.*--store or BATU_STORE.*chmod o\+x/);
    return true;
  });
});

test('a root runner gets a view of exactly the store paths, opened before the tmpfs hides them', async (t) => {
  const { top, kernel, needs } = await privateStore(t);
  const prefix = await reachFor(nobody, needs, [kernel], { canMount: true });
  assert.deepEqual(prefix.slice(0, 5), ['unshare', '--mount', '--propagation', 'private', '--']);
  const script = prefix[7];
  const open = script.indexOf(`exec 10<'${kernel}'`);
  const hide = script.indexOf(`batu-store-view '${join(top, 'private')}'`);
  assert.ok(open >= 0 && hide > open, script);
  assert.match(script, /mount -o remount,bind,ro/);
  assert.deepEqual(await reachFor({ uid: 0, gid: 0 }, needs, [kernel]), [], 'root needs no view');
});

test('a store file the user may not execute is named, and no view is offered for it', async (t) => {
  const { kernel, needs } = await privateStore(t);
  await chmod(join(kernel, 'bin/linux'), 0o500);
  await assert.rejects(reachFor(nobody, needs, [kernel], { canMount: true }), /may not execute the kernel .*mode 0500/);
});

test('nested closed directories get one tmpfs, over the outer one; a path inside another comes with it', () => {
  const prefix = viewPrefix(['/a', '/a/b/c'], ['/a/b/c/store', '/a/b/c/store/x', '/elsewhere/y']);
  const script = prefix[7];
  assert.equal(script.match(/mount -t tmpfs/g)?.length, 1);
  assert.match(script, /batu-store-view '\/a'/);
  assert.equal(script.match(/--bind/g)?.length, 1);
  assert.doesNotMatch(script, /elsewhere/);
});
