// The mesh's servers under a crowd: the operator's socket goes ahead of HTTP, each lane
// holds a bounded number waiting, and many GET /status readers share one status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Turns, busyMessage, lineServer, statusServer } from '../../lib/mesh/servers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

test('turns: control requests run before waiting HTTP ones; a full lane refuses at once', async () => {
  const turns = new Turns(3);
  const order: string[] = [];
  const job =
    (name: string, ms = 20) =>
    async () => {
      order.push(name);
      await sleep(ms);
    };
  assert.ok(turns.offer('http', job('h1')));
  for (const name of ['h2', 'h3', 'h4']) assert.ok(turns.offer('http', job(name)), name);
  assert.equal(turns.offer('http', job('h5')), false, 'a fourth waiting HTTP request is refused');
  assert.ok(turns.offer('control', job('c1')), 'the control lane has its own room');
  await sleep(200);
  assert.deepEqual(order, ['h1', 'c1', 'h2', 'h3', 'h4']);
});

const ask = (path: string, line: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = createConnection(path, () => socket.write(`${line}\n`));
    let reply = '';
    socket.on('data', (chunk) => (reply += chunk));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });

test('300 GET /status at once cost one status while the socket is answered too; a crowd past the bound is told busy', async (t) => {
  const dir = await tempDir(t);
  const turns = new Turns(16);
  let statuses = 0;
  // The first status takes until all 300 requests are in (however slowly a loaded machine
  // delivers them): they must share it. Later ones take 100 ms.
  let allIn = () => {};
  const firstGate = new Promise<void>((resolve) => (allIn = resolve));
  const status = async () => {
    statuses++;
    await (statuses === 1 ? firstGate : sleep(100));
    return { n: statuses };
  };
  // Fresh for 3 s (1 s in use): the next request comes within it on a loaded machine too.
  const FRESH_MS = 3000;
  const http = await statusServer({ address: '127.0.0.1', port: 0 }, turns, status, FRESH_MS);
  let requests = 0;
  http.on('request', () => ++requests === 300 && allIn());
  const firstFallback = setTimeout(allIn, 10_000); // if they never all arrive, the assertions say what came
  const socketPath = join(dir, 'mesh.sock');
  // The crowd's admitted requests wait here until every other one has been answered: which
  // are admitted must not depend on how fast a loaded machine delivers 40 connections.
  let openGate = () => {};
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const lines = await lineServer(socketPath, turns, async (line) => {
    await (line.startsWith('r') ? gate : sleep(20));
    return { ok: true, echo: line };
  });
  t.after(() => {
    http.closeAllConnections();
    http.close();
    lines.close();
  });
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/status`;
  const gets = Array.from({ length: 300 }, () => fetch(url).then(async (r) => [r.status, await r.text()] as const));
  const control = ask(socketPath, 'hello');
  const answers = await Promise.all(gets);
  clearTimeout(firstFallback);
  assert.deepEqual(new Set(answers.map(([code]) => code)), new Set([200]));
  assert.deepEqual(new Set(answers.map(([, body]) => body)), new Set(['{"n":1}']), 'all shared one status');
  assert.equal(statuses, 1);
  assert.deepEqual(JSON.parse(await control), { ok: true, echo: 'hello' });
  // A fresh snapshot is served as it is; a stale one is refreshed once.
  assert.equal(await (await fetch(url)).text(), '{"n":1}');
  await sleep(FRESH_MS + 100);
  assert.equal(await (await fetch(url)).text(), '{"n":2}');
  // 40 socket requests at once: one runs, 16 wait, the other 23 are told busy at once.
  let answered = 0;
  const crowd = Array.from({ length: 40 }, (_, i) =>
    ask(socketPath, `r${i}`).finally(() => ++answered === 40 - 17 && openGate()),
  );
  const fallback = setTimeout(openGate, 10_000); // if fewer are told busy, the assertion below says how many
  const busy = (await Promise.all(crowd)).filter((r) => JSON.parse(r).error === busyMessage(16)).length;
  clearTimeout(fallback);
  assert.equal(busy, 40 - 17, `${busy} of 40 told busy`);
});
