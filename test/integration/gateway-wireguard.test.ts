// Two gateways with both tunnels communities run side by side: fastd on the host and WireGuard
// + VXLAN that ends inside each gateway's node (the host only forwards its UDP port). Router
// r1 reaches both by fastd, r2 by WireGuard + VXLAN in its own node (as a Gluon router); a
// laptop behind each gets a lease and SLAAC and fetches from the internet. r2 joins gw2 by
// `gateway peer add` while gw2 runs; respondd and `gateway status` show the WireGuard link.
// gw1's node killed with -9 comes back unannounced: both routers choose gw2, the laptops
// renew and fetch through it, and r2's tunnel to gw1 is back. `peer remove` drops r2 from gw2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { wireguardKeys, wireguardPublicKey, type DomainStatus } from '../../lib/gateway/index.ts';
import type { ResponddAnswer } from '../../lib/respondd/index.ts';
import { Netns, batctl, type UmlNode } from '../../lib/runner/index.ts';
import { batuCli, batuIn } from '../fixtures/cli-helpers.ts';
import { fastdKeys, fastdPublicOf, until } from '../fixtures/gateway-helpers.ts';
import {
  INTERNET,
  gatewayUp,
  internetFor,
  labBed,
  startRouter,
  startWireguardRouter,
  wire,
} from '../fixtures/gateway-lab.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

const HTTP = INTERNET;
const VNI = 4242;

test(
  'WireGuard + VXLAN in the node beside fastd: two gateways, a router of each kind, live peers, respondd, and kill -9 of a node',
  { timeout: 900_000 },
  async (t) => {
    const { kernel, image } = await guestPaths();
    const dir = await tempDir(t);
    await chmod(dir, 0o755); // fastd and the nodes run as nobody
    const bed = await labBed(t, 7);
    const [net, gw1, gw2, r1, r2, lap1, lap2] = bed.namespaces;
    const { children, nodes } = bed;

    // The internet with both gateways' uplinks; each gateway's wire to each router.
    await internetFor(bed, net, [gw1, gw2]);
    for (const [i, gw] of [gw1, gw2].entries()) {
      await wire(gw, 'wan1', `192.0.${i + 2}.1/24`, r1, `wan${i}`, `192.0.${i + 2}.2/24`);
      await wire(gw, 'wan2', `192.0.${i + 4}.1/24`, r2, `wan${i}`, `192.0.${i + 4}.2/24`);
    }

    const r1Keys = await fastdKeys();
    const r2Keys = wireguardKeys();
    const gateways = [] as { ns: Netns; log: () => string; child: ResultPromise; file: string; runDir: string }[];
    for (const [i, ns] of [gw1, gw2].entries()) {
      const n = i + 1;
      const gwDir = join(dir, `gw${n}`);
      await mkdir(gwDir, { mode: 0o755 });
      await chmod(gwDir, 0o755);
      const file = join(gwDir, 'gateway.yaml');
      await writeFile(
        file,
        `domains:
  - name: dom1
    routingAlgo: BATMAN_IV
    originatorIntervalMs: 1000
    gateway: { down: 100mbit, up: 100mbit }
    tunnels:
      - { kind: fastd, port: 10001, secretKeyFile: keys/fastd.key, methods: [null], peers: { directory: keys/peers } }
      - { kind: wireguard-vxlan, port: 10002, privateKeyFile: keys/wg.key, vni: ${VNI}, peers: { directory: keys/wg-peers } }
    clients:
      ipv4: { address: 10.101.0.${n}/20, dhcp: { from: 10.101.${n}.0, to: 10.101.${n}.200 } }
      ipv6: { address: fd01:101::${n}/64 }
    exit: { kind: nat, uplink: eth0 }
    respondd: { hostname: gw${n}-dom1, siteCode: ffxx, domainCode: dom1 }
`,
      );
      const keys = await batuCli('gateway', 'keys', file);
      assert.equal(keys.exitCode, 0, String(keys.stderr));
      const runDir = join(gwDir, 'run');
      const peer = (...args: string[]) => batuCli('gateway', 'peer', ...args, '--run-dir', runDir);
      assert.equal((await peer('add', file, 'dom1', 'r1', '--key', r1Keys.public)).exitCode, 0);
      if (n === 1) {
        // gw1 knows r2 before it starts (the key's kind picks the tunnel); gw2 is told while it runs (below).
        const added = await peer('add', file, 'dom1', 'r2', '--key', r2Keys.publicKey);
        assert.match(String(added.stdout), /not told \(it does not answer\)/, String(added.stderr));
        const bad = await peer('add', file, 'dom1', 'r9', '--tunnel', 'vx-dom1', '--key', r1Keys.public);
        assert.match(String(bad.stderr), /bad WireGuard key/);
      }
      const up = await gatewayUp(ns, file, { runDir, stateDir: join(gwDir, 'state') });
      children.push(up.child);
      assert.ok(up.up, up.log());
      gateways.push({ ns, ...up, file, runDir });
    }
    const status = async (g: (typeof gateways)[number]) => {
      const out = await batuIn(g.ns.name, ['gateway', 'status', g.file, '--run-dir', g.runDir, '--json']);
      return (JSON.parse(String(out.stdout)) as { domains: DomainStatus[] }).domains[0];
    };
    // Each gateway's originator address (its first hard interface, fastd's) and its VXLAN's MAC.
    const identity = async (g: (typeof gateways)[number]) => {
      const s = await status(g);
      return { orig: s.state!.hardIfs[0].mac, vxlan: s.state!.hardIfs.find((h) => h.name === 'vx-dom1')!.mac };
    };
    const ids = [await identity(gateways[0]), await identity(gateways[1])];

    // r1 by fastd to both; r2 by WireGuard to both (gw2 does not know it yet).
    const r1Router = await startRouter(r1, {
      n: 1,
      dir,
      kernel,
      image,
      secret: r1Keys.secret,
      gateway: await Promise.all(
        [1, 2].map(async (n) => ({
          publicKey: await fastdPublicOf(join(dir, `gw${n}`, 'keys/fastd.key')),
          remote: `192.0.${n + 1}.1:10001`,
        })),
      ),
    });
    children.push(r1Router.fastd);
    nodes.push(r1Router.node);
    const r2Router = await startWireguardRouter(r2, {
      n: 2,
      kernel,
      image,
      privateKey: r2Keys.privateKey,
      vni: VNI,
      gateways: await Promise.all(
        [1, 2].map(async (n) => ({
          publicKey: wireguardPublicKey(await readFile(join(dir, `gw${n}`, 'keys/wg.key'), 'utf8')),
          endpoint: `192.0.${n + 3}.1:10002`,
        })),
      ),
    });
    nodes.push(r2Router.node);
    const routers: [UmlNode, UmlNode] = [r1Router.node, r2Router.node];
    for (const [i, [router, lan, laptop]] of (
      [
        [r1, r1Router.lan, lap1],
        [r2, r2Router.lan, lap2],
      ] as const
    ).entries()) {
      await wire(router, `r${i + 1}lap`, undefined, laptop, 'lap0', undefined);
      await router.attach(`r${i + 1}lap`, lan);
    }

    // r2 joins gw2 while it runs: a WireGuard peer and a VXLAN entry in its node, no restart.
    const joined = await batuIn(gw2.name, [
      ...['gateway', 'peer', 'add', gateways[1].file, 'dom1', 'r2', '--tunnel', 'vx-dom1'],
      ...['--key', r2Keys.publicKey, '--run-dir', gateways[1].runDir],
    ]);
    assert.match(String(joined.stdout), /; node gw2-dom1 has it now$/m, String(joined.stderr));

    const gwl = (router: UmlNode) => batctl(router, ['meshif', 'bat0', 'gwl']);
    const tq = (o: string, mac: string) => Number(new RegExp(`${mac} \\((\\d+)\\)`).exec(o)?.[1] ?? 0);
    for (const [i, router] of routers.entries())
      await until(
        `r${i + 1} hears both gateways at a settled TQ and chooses one`,
        () => gwl(router),
        (o) => ids.every(({ orig }) => tq(o, orig) >= 240) && /^\s*\*/m.test(o),
      );
    // r2's neighbours are the gateways' VXLANs, heard over its own.
    const r2Neighbours = await batctl(routers[1], ['meshif', 'bat0', 'n']);
    for (const [k, { vxlan }] of ids.entries())
      assert.match(r2Neighbours, new RegExp(`vx-gw${k + 1}\\s+${vxlan}`), r2Neighbours);

    // Each laptop: a lease, SLAAC, the internet.
    const script = join(dir, 'udhcpc.sh');
    await writeFile(
      script,
      '#!/bin/sh\n[ "$1" = bound ] || exit 0\nip addr flush dev "$interface" scope global\nip addr add "$ip/$mask" dev "$interface"\nip route replace default via "$router"\n',
      { mode: 0o755 },
    );
    const laptops = [lap1, lap2];
    const lease = async (i: number) => {
      const got = await laptops[i].exec(
        'udhcpc',
        ['-i', 'lap0', '-n', '-q', '-f', '-t', '10', '-T', '2', '-s', script],
        { reject: false },
      );
      assert.equal(got.exitCode, 0, `laptop ${i + 1}'s udhcpc:\n${got.stdout}${got.stderr}\n${await gwl(routers[i])}`);
      return /default via 10\.101\.0\.([12]) /.exec(
        (await laptops[i].exec('ip', ['route', 'show', 'default'])).stdout,
      )?.[1];
    };
    const fetch = (i: number) =>
      laptops[i].exec('curl', ['-s', '--max-time', '5', `http://${HTTP}:8080/`], { reject: false });
    for (const i of [0, 1]) {
      const served = await lease(i);
      assert.ok(served, `laptop ${i + 1}: a default route to a gateway`);
      await until(
        `laptop ${i + 1}: SLAAC and a default route from the RA`,
        () => laptops[i].exec('ip', ['-6', 'route', 'show', 'default']),
        (r) => /^default via fe80::/m.test(r.stdout),
      );
      assert.equal((await fetch(i)).stdout, `via 198.51.100.${Number(served) + 1}\n`, `laptop ${i + 1}'s fetch`);
    }

    // respondd of gw1, asked from r2's laptop: its VXLAN is a tunnel interface, r2's VXLAN its neighbour.
    const asked = await batuIn(lap2.name, ['respondd', 'query', 'fd01:101::1', '--json']);
    assert.equal(asked.exitCode, 0, String(asked.stderr));
    const [answer] = JSON.parse(String(asked.stdout)) as ResponddAnswer[];
    const data = answer.data as {
      nodeinfo: { network: { mesh: { bat0: { interfaces: { tunnel: string[] } } } }; software: object };
      neighbours: { batadv: Record<string, { neighbours: Record<string, { tq: number }> }> };
    };
    assert.ok(data.nodeinfo.network.mesh.bat0.interfaces.tunnel.includes(ids[0].vxlan), JSON.stringify(data.nodeinfo));
    assert.deepEqual((data.nodeinfo.software as { wireguard: unknown }).wireguard, { enabled: true });
    const r2OnGw1 = '02:ba:00:02:02:01';
    assert.ok(data.neighbours.batadv[ids[0].vxlan]?.neighbours[r2OnGw1]?.tq > 0, JSON.stringify(data.neighbours));

    // gateway status: r2 connected through WireGuard, by the name its peer file has.
    const wgTunnel = (s: DomainStatus) => s.tunnels.find((x) => x.device === 'vx-dom1')!;
    const peers2 = wgTunnel(await status(gateways[1])).peers!;
    assert.deepEqual(
      peers2.map((p) => [p.name, p.connected]),
      [['r2', true]],
    );
    assert.match(peers2[0].address, /^192\.0\.5\.2:\d+$/, 'seen from r2’s namespace (masqueraded)');

    // Only WireGuard's port reaches gw1's node from outside; its batctl service answers root on
    // gw1 itself, not the uplink side, not a local user.
    const socat = ['socat', '-T', '3', '-', 'TCP:169.254.100.2:12000,connect-timeout=3'];
    const ask = (ns: Netns, command = socat) =>
      ns.exec(command[0], command.slice(1), { input: 'batctl\0meshif\0bat0\0gw_mode\0\0', reject: false });
    assert.match((await ask(gw1)).stdout, /^server/, 'root on the gateway');
    await r2.ip('route', 'add', '169.254.100.0/24', 'via', '192.0.4.1');
    assert.doesNotMatch((await ask(r2)).stdout, /server/, 'from beyond the uplink');
    const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...socat];
    assert.doesNotMatch((await ask(gw1, asNobody)).stdout, /server/, 'a local user');

    // kill -9 of gw1's node: it comes back unannounced; both routers choose gw2.
    const gwPid = (await gw1.exec('pgrep', ['-o', '-f', 'umid=gw1-dom1'])).stdout.trim();
    assert.match(gwPid, /^\d+$/);
    const killed = Date.now();
    await gw1.exec('kill', ['-9', gwPid]);
    for (const [i, router] of routers.entries()) {
      // It hears gw1's node back but unannounced: gw1 leaves its gateway list, it chooses gw2.
      await until(
        `r${i + 1} chooses gw2, gw1 not listed`,
        () => gwl(router),
        (o) => /^\s*\*\s*([0-9a-f:]{17})/m.exec(o)?.[1] === ids[1].orig && !o.includes(ids[0].orig),
        90_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${gateways[0].log()}`);
      });
      t.diagnostic(`r${i + 1} chose gw2 ${((Date.now() - killed) / 1000).toFixed(1)} s after the kill`);
    }
    assert.match(gateways[0].log(), /node gw1-dom1 died; starting it again/);
    for (const i of [0, 1]) {
      assert.equal(await lease(i), '2', `laptop ${i + 1} renews through gw2`);
      await until(
        `laptop ${i + 1} fetches through gw2`,
        () => fetch(i),
        (f) => f.stdout === 'via 198.51.100.3\n',
        60_000,
      );
    }
    // gw1's node is back with its tunnels: r2 hears it over WireGuard again, then it announces
    // itself again and both routers list it (and stay with gw2: batman-adv's gw_sel_class).
    await until(
      'r2 hears gw1’s node through its tunnel again',
      () => batctl(routers[1], ['meshif', 'bat0', 'n']),
      (o) => Number(new RegExp(`vx-gw1\\s+${ids[0].vxlan}\\s+(\\d+\\.\\d+)s`).exec(o)?.[1] ?? 99) < 3,
      90_000,
    );
    await until(
      'gw1 announces itself again',
      async () => gateways[0].log(),
      (l) => /announces itself again/.test(l),
      60_000,
    );
    for (const [i, router] of routers.entries())
      await until(
        `r${i + 1} lists gw1 again`,
        () => gwl(router),
        (o) => tq(o, ids[0].orig) > 0,
        30_000,
      );

    // peer remove: gw2's node drops r2 (its WireGuard peer and VXLAN entry).
    const left = await batuIn(gw2.name, [
      ...['gateway', 'peer', 'remove', gateways[1].file, 'dom1', 'r2'],
      ...['--run-dir', gateways[1].runDir],
    ]);
    assert.match(String(left.stdout), /; node gw2-dom1 dropped it$/m, String(left.stderr));
    assert.deepEqual(wgTunnel(await status(gateways[1])).peers, []);
  },
);
