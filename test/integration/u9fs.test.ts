// An integration test (it builds u9fs through the store and uses diod's clients): the guest's
// 9P server (recipes/u9fs.ts, the very static binary the image carries), run on
// the host over loopback against a temporary directory: batu's own client and diod's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { realise, silentReporter } from '../../lib/derivations/index.ts';
import { NinePClient } from '../../lib/runner/ninep.ts';
import { u9fs } from '../../recipes/u9fs.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function startServer(t: { after(fn: () => unknown): void }, flags: string[] = []): Promise<string> {
  const binary = join((await realise(await u9fs(), { report: silentReporter })).path, 'usr/sbin/u9fs');
  const address = `127.0.0.1:${await freePort()}`;
  const server = execa(binary, [...flags, '-l', address], { reject: false });
  t.after(() => {
    server.kill();
    return server;
  });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((done) => {
      const probe = connect(Number(address.split(':')[1]), '127.0.0.1');
      probe
        .once('connect', () => {
          probe.destroy();
          done(true);
        })
        .once('error', () => done(false));
    });
    if (up) return address;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`u9fs did not listen on ${address}: ${(await server).stderr}`);
}

async function session<T>(
  address: string,
  aname: string,
  use: (c: NinePClient, root: number) => Promise<T>,
): Promise<T> {
  const [host, port] = address.split(':');
  const socket = connect(Number(port), host);
  try {
    const client = new NinePClient(socket, socket);
    return await use(client, await client.attach(aname));
  } finally {
    socket.destroy();
  }
}

test('u9fs: files put and got back are the same bytes; a missing path fails with ENOENT', async (t) => {
  const dir = await tempDir(t);
  const address = await startServer(t);
  const data = randomBytes(300_000); // several messages at msize 64 KiB
  await session(address, dir, async (c, root) => {
    await c.writeFile(root, 'blob', data);
    assert.deepEqual(await c.readFile(root, 'blob'), data);
    await c.writeFile(root, 'blob', Buffer.from('shorter')); // truncated, not overwritten in place
    assert.equal((await c.readFile(root, 'blob')).toString(), 'shorter');
    await assert.rejects(c.readFile(root, 'nope/file'), /walk nope\/file: .*ENOENT|nope does not exist/);
  });
  assert.equal(await readFile(join(dir, 'blob'), 'utf8'), 'shorter');
});

test("u9fs: diod's clients list (readdir, getattr) and read through it, also via symlinks", async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'a.txt'), 'alpha\n');
  await symlink('a.txt', join(dir, 'sub', 'link'));
  // Enough entries (~110 KB of names) that a listing takes several readdir messages.
  for (let i = 0; i < 800; i++) await writeFile(join(dir, `file-${String(i).padStart(3, '0')}-${'x'.repeat(100)}`), '');
  const address = await startServer(t);
  const ls = await execa('diodls', ['-s', address, '-a', dir, 'sub']);
  assert.deepEqual(ls.stdout.split('\n').sort(), ['a.txt', 'link']);
  const long = await execa('diodls', ['-l', '-s', address, '-a', dir, 'sub']);
  assert.match(long.stdout, /^-rw-r--r--.*\s6 .* a\.txt$/m);
  const all = await execa('diodls', ['-s', address, '-a', dir, '.']);
  assert.equal(all.stdout.split('\n').filter((n) => n.startsWith('file-')).length, 800);
  assert.equal((await execa('diodcat', ['-s', address, '-a', dir, 'sub/link'])).stdout, 'alpha');
  const missing = await execa('diodcat', ['-s', address, '-a', dir, 'sub/none'], { reject: false });
  assert.notEqual(missing.exitCode, 0);
  assert.match(missing.stderr, /No such file or directory/);
});

test('u9fs confines a connection to its export: neither .. nor a symlink leads out; -r refuses every write', async (t) => {
  const dir = await tempDir(t);
  const exported = join(dir, 'export');
  await mkdir(exported);
  await writeFile(join(dir, 'secret'), 'outside\n');
  await writeFile(join(exported, 'inside'), 'inside\n');
  await symlink(dir, join(exported, 'absolute')); // points out of the export, as the host sees it
  await symlink('..', join(exported, 'up'));
  const address = await startServer(t);
  await session(address, exported, async (c, root) => {
    assert.equal((await c.readFile(root, 'inside')).toString(), 'inside\n');
    for (const path of ['../secret', '../../secret', 'up/secret', 'absolute/secret', 'up/up/secret']) {
      await assert.rejects(c.readFile(root, path), /ENOENT|does not exist/, `${path} must stay inside the export`);
    }
    assert.equal((await c.readFile(root, 'up/inside')).toString(), 'inside\n', '.. of the root is the root');
  });
  const escape = await execa('diodcat', ['-s', address, '-a', exported, '../secret'], { reject: false });
  assert.notEqual(escape.exitCode, 0);

  const readOnly = await startServer(t, ['-r']);
  await session(readOnly, exported, async (c, root) => {
    assert.equal((await c.readFile(root, 'inside')).toString(), 'inside\n');
    await assert.rejects(c.writeFile(root, 'inside', Buffer.from('changed')), /EROFS|Read-only/);
    await assert.rejects(c.writeFile(root, 'new', Buffer.from('x')), /EROFS|Read-only/);
  });
  assert.equal(await readFile(join(exported, 'inside'), 'utf8'), 'inside\n');
});
