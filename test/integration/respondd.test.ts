// respondd on the clients' side only: a gateway namespace with a client side (a veth to a
// "mesh" namespace, a ULA prefix) and an uplink (a veth to an "internet" namespace). Asked
// from the mesh side (link-local multicast, site-wide multicast, unicast) it answers in
// Gluon's format; asked from the uplink it stays silent; a flood is held to its rate limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync, inflateSync } from 'node:zlib';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { Netns } from '../../lib/runner/index.ts';
import type { ResponddAnswer } from '../../lib/respondd/index.ts';
import { batuIn } from '../fixtures/cli-helpers.ts';

const data = {
  nodeinfo: { node_id: '02ba00010000', hostname: 'gw-test', vpn: true },
  statistics: { node_id: '02ba00010000', clients: { total: 2 } },
  neighbours: {
    node_id: '02ba00010000',
    batadv: { '02ba00010200': { neighbours: { '02ba00020200': { tq: 240, lastseen: 0.5 } } } },
  },
};
const PORT = 1001;

/** Run a short node script in a namespace; returns its stdout. */
async function nodeIn(ns: Netns, script: string): Promise<string> {
  const { stdout } = await execa('ip', [
    'netns',
    'exec',
    ns.name,
    process.execPath,
    '--input-type=module',
    '-e',
    script,
  ]);
  return stdout;
}

test(
  'respondd answers the mesh side in Gluon’s format, never the uplink, and holds a flood to its rate limit',
  { timeout: 120_000 },
  async (t) => {
    const gw = await Netns.create('bt');
    const mesh = await Netns.create('bt');
    const up = await Netns.create('bt');
    t.after(async () => {
      for (const ns of [gw, mesh, up]) await ns.delete();
    });
    // No duplicate address detection: link-local addresses are usable at once.
    for (const ns of [gw, mesh, up])
      for (const scope of ['all', 'default'])
        await execa('ip', ['netns', 'exec', ns.name, 'sysctl', '-qw', `net.ipv6.conf.${scope}.accept_dad=0`]);
    for (const [peer, name, address] of [
      [mesh, 'btrm', 'fd00:101::'],
      [up, 'btru', 'fd00:999::'],
    ] as const) {
      await gw.ip('link', 'add', `${name}0`, 'type', 'veth', 'peer', 'name', `${name}1`, 'netns', peer.name);
      for (const [ns, end, host] of [
        [gw, `${name}0`, 1],
        [peer, `${name}1`, 2],
      ] as const) {
        await ns.ip('-6', 'addr', 'add', `${address}${host}/64`, 'dev', end, 'nodad');
        await ns.ip('link', 'set', end, 'up');
      }
    }
    await mesh.ip('-6', 'route', 'add', 'ff05::/16', 'dev', 'btrm1'); // site-wide multicast goes out to the gateway
    await up.ip('-6', 'route', 'add', 'fd00:101::/64', 'via', 'fd00:999::1'); // the uplink can reach the client side's address
    const server = execa(
      'ip',
      [
        'netns',
        'exec',
        gw.name,
        process.execPath,
        '--import',
        'tsx',
        new URL('../fixtures/respondd-server.ts', import.meta.url).pathname,
        String(PORT),
        'btrm0',
        'fd00:101::/64',
      ],
      { env: { RESPONDD_DATA: JSON.stringify(data) }, stdin: 'pipe', stdout: 'pipe', reject: false },
    );
    t.after(async () => {
      server.kill();
      await server;
    });
    const lines = createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
    assert.equal((await lines.next()).value, 'ready');
    const counters = async () => {
      server.stdin!.write('\n');
      return JSON.parse((await lines.next()).value as string) as Record<string, number>;
    };
    const query = async (ns: Netns, ...args: string[]) => {
      const r = await batuIn(ns.name, ['respondd', 'query', ...args, '--port', String(PORT), '--wait', '1', '--json']);
      return r.exitCode === 0 ? (JSON.parse(String(r.stdout)) as ResponddAnswer[]) : [];
    };

    // The mesh side: link-local multicast (the answer comes from the gateway's link-local
    // address on that link), site-wide multicast and unicast to its address in the prefix.
    const linkLocal = await query(mesh, '--multicast', 'btrm1');
    assert.equal(linkLocal.length, 1, 'one answer to the link-local group');
    assert.match(linkLocal[0].from, /^(fd00:101::1|fe80::[0-9a-f:]+%btrm1)$/, 'from the gateway on that link');
    assert.deepEqual(linkLocal[0].data, data);
    // Asked from a link-local address only: the answer comes back over that link.
    const shown = await execa('ip', ['-n', mesh.name, '-6', 'addr', 'show', 'dev', 'btrm1']);
    const ownLinkLocal = /inet6 (fe80::[0-9a-f:]+)\//.exec(shown.stdout)![1];
    const fromLinkLocal = await nodeIn(
      mesh,
      `import { createSocket } from 'node:dgram';
       const s = createSocket('udp6');
       await new Promise((done) => s.bind(0, '${ownLinkLocal}%btrm1', done));
       const timer = setTimeout(() => s.close(), 2000);
       s.once('message', (m, from) => { console.log(from.address); clearTimeout(timer); s.close(); });
       s.send('GET nodeinfo', ${PORT}, 'ff02::2:1001%btrm1');`,
    );
    assert.match(fromLinkLocal, /^fe80::[0-9a-f:]+%btrm1$/);
    assert.deepEqual(
      (await query(mesh, '--multicast', 'btrm1', '--site')).map((a) => a.data),
      [data],
    );
    assert.deepEqual(
      (await query(mesh, 'fd00:101::1')).map((a) => a.data),
      [data],
    );

    // The answer is one raw DEFLATE stream (no zlib header); a bare section name gets plain JSON.
    const raw = await nodeIn(
      mesh,
      `import { createSocket } from 'node:dgram';
     const s = createSocket('udp6');
     const ask = (text) => new Promise((done) => { s.once('message', (m) => done(m.toString('base64'))); s.send(text, ${PORT}, 'fd00:101::1'); });
     console.log(await ask('GET nodeinfo statistics neighbours'));
     console.log(await ask('nodeinfo'));
     s.close();`,
    );
    const [compressed, plain] = raw.split('\n').map((b) => Buffer.from(b, 'base64'));
    assert.deepEqual(JSON.parse(inflateRawSync(compressed).toString()), data);
    assert.throws(() => inflateSync(compressed), 'not a zlib stream');
    assert.deepEqual(JSON.parse(plain.toString()), data.nodeinfo);

    // The uplink: neither its multicast nor unicast to the gateway's address there is answered.
    const before = await counters();
    assert.deepEqual(await query(up, '--multicast', 'btru1'), []);
    assert.deepEqual(await query(up, 'fd00:999::1'), []);
    assert.deepEqual(await query(up, 'fd00:101::1'), [], 'nor the client side’s address asked from the uplink');
    const after = await counters();
    // (The groups are joined on the client side only: the uplink's multicast never reaches the socket.)
    assert.equal(after.foreign - before.foreign, 2, 'both unicast requests from the uplink dropped');
    assert.equal(after.answered, before.answered);

    // A flood from one mesh address: 200 requests at once; the bucket lets its burst through (10).
    const answered = Number(
      await nodeIn(
        mesh,
        `import { createSocket } from 'node:dgram';
       const s = createSocket('udp6'); let n = 0;
       s.on('message', () => n++);
       await new Promise((done) => s.bind(0, done));
       for (let i = 0; i < 200; i++) s.send('GET nodeinfo', ${PORT}, 'fd00:101::1');
       await new Promise((done) => setTimeout(done, 1500));
       console.log(n); s.close();`,
      ),
    );
    const flooded = await counters();
    assert.ok(answered >= 10 && answered <= 20, `answers to a flood of 200: ${answered}`);
    assert.ok(flooded.limited - after.limited >= 180, `limited: ${flooded.limited - after.limited}`);
  },
);
