// A Freifunk gateway end to end, every part real and in namespaces this test makes: an
// "internet" with an HTTP server; a gateway (`batu gateway up`: fastd, its node as nobody,
// kea, radvd, NAT, respondd, metrics); a router (a batu node in gw_mode client behind
// Debian's fastd as a client, as a Gluon router is) with a laptop behind its bat0 tap. The
// laptop gets a DHCPv4 lease (busybox udhcpc) and a SLAAC address with a default route, and
// fetches a page from the internet; respondd, the metrics and `gateway status` describe the
// gateway; a third router joins by `gateway peer add` and leaves by `peer remove` while it
// runs; the gateway's node killed with -9 comes back by itself and the laptop fetches again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Netns, batctl, type NodeRef } from '../../lib/runner/index.ts';
import type { ResponddAnswer } from '../../lib/respondd/index.ts';
import { domainNodeRef, planOf, readGateway, type DomainStatus } from '../../lib/gateway/index.ts';
import { batuCli, batuIn } from '../fixtures/cli-helpers.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';
import { fastdKeys, fastdPublicOf, until } from '../fixtures/gateway-helpers.ts';
import { gatewayUp, labBed, startRouter, wire } from '../fixtures/gateway-lab.ts';

const HTTP = '198.51.100.1';

test(
  'a gateway: a laptop behind a fastd router gets DHCP and SLAAC through the mesh and reaches the internet; respondd, metrics; its node comes back from kill -9',
  { timeout: 900_000 },
  async (t) => {
    const { kernel, image } = await guestPaths();
    const dir = await tempDir(t);
    await chmod(dir, 0o755); // fastd and the nodes run as nobody
    const bed = await labBed(t, 4);
    const [net, gw, r1, laptop] = bed.namespaces;
    const { children, nodes } = bed;

    // The internet and the gateway's uplink; the router's own uplink to the gateway.
    await wire(net, 'inet0', `${HTTP}/24`, gw, 'eth0', '198.51.100.2/24');
    await gw.ip('route', 'add', 'default', 'via', HTTP);
    await wire(gw, 'wan0', '192.0.2.1/24', r1, 'wan0', '192.0.2.2/24');
    const http = net.spawn(process.execPath, [
      '-e',
      `require('http').createServer((q, s) => s.end('hello from the internet\\n')).listen(8080, '${HTTP}')`,
    ]);
    children.push(http);

    // The gateway file; keys by batu gateway keys; the router's key as the one peer.
    const routerKeys = await fastdKeys();
    const file = join(dir, 'gateway.yaml');
    await writeFile(
      file,
      `user: nobody
metrics: { address: 127.0.0.1, port: 9101 }
domains:
  - name: dom1
    routingAlgo: BATMAN_IV
    originatorIntervalMs: 1000
    gateway: { down: 100mbit, up: 100mbit }
    tunnels:
      - { kind: fastd, port: 10001, secretKeyFile: keys/fastd.key, methods: [null], mtu: 1406, peers: { directory: keys/peers } }
    clients:
      ipv4: { address: 10.101.0.1/20, dhcp: { from: 10.101.1.0, to: 10.101.1.200 } }
      ipv6: { address: fd01:101::1/64 }
    exit: { kind: nat, uplink: eth0 }
    respondd: { hostname: gw1-dom1, siteCode: ffxx, domainCode: dom1 }
`,
    );
    assert.equal((await batuCli('gateway', 'keys', file)).exitCode, 0);
    const runDir = join(dir, 'run');
    const peer = (...args: string[]) => batuCli('gateway', 'peer', ...args, '--run-dir', runDir);
    const first = await peer('add', file, 'dom1', 'r1', '--key', routerKeys.public);
    assert.match(String(first.stdout), /^added .*keys\/peers\/r1; fastd not told \(no pid in /, String(first.stderr));
    const refused = await peer('add', file, 'dom1', '../r2', '--key', routerKeys.public);
    assert.match(String(refused.stderr), /bad peer name "\.\.\/r2"/);
    const gwPublic = await fastdPublicOf(join(dir, 'keys/fastd.key'));

    const gateway = await gatewayUp(gw, file, { runDir, stateDir: join(dir, 'state') });
    children.push(gateway.child);
    const up = gateway.child;
    const log = () => gateway.log();
    assert.ok(gateway.up, log());

    // The router: fastd as a client with a tap, bridged to the node's hard interface.
    const r = await startRouter(r1, {
      n: 9,
      dir,
      kernel,
      image,
      secret: routerKeys.secret,
      gateway: { publicKey: gwPublic, remote: '192.0.2.1:10001' },
    });
    const router = r.node;
    children.push(r.fastd);
    nodes.push(router);
    await wire(r1, 'r1lap', undefined, laptop, 'lap0', undefined);
    await r1.attach('r1lap', r.lan);

    // The router finds the gateway through the tunnel.
    await until(
      'the router chooses the gateway',
      () => batctl(router, ['meshif', 'bat0', 'gwl']),
      (o) => /^\s*\*/m.test(o),
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nthe router's fastd:\n${r.fastdLog()}\nthe gateway:\n${log()}`);
    });

    // The laptop: a lease from kea through the mesh, SLAAC from radvd; then the internet.
    const script = join(dir, 'udhcpc.sh');
    await writeFile(
      script,
      '#!/bin/sh\n[ "$1" = bound ] || exit 0\nip addr add "$ip/$mask" dev "$interface"\nip route replace default via "$router"\n',
      { mode: 0o755 },
    );
    const lease = await laptop.exec('udhcpc', ['-i', 'lap0', '-n', '-q', '-f', '-t', '20', '-T', '2', '-s', script], {
      reject: false,
    });
    assert.equal(lease.exitCode, 0, `udhcpc:\n${lease.stdout}${lease.stderr}`);
    const v4 = (await laptop.exec('ip', ['-4', 'addr', 'show', 'lap0'])).stdout;
    assert.match(v4, /inet 10\.101\.1\.\d+\/20/, v4);
    const v6 = await until(
      'SLAAC and a default route from the RA',
      () => laptop.exec('ip', ['-6', 'route', 'show']),
      (r) => /^default via fe80::/m.test(r.stdout),
    );
    assert.match(
      (await laptop.exec('ip', ['-6', 'addr', 'show', 'lap0'])).stdout,
      /inet6 fd01:101::[0-9a-f:]+\/64 scope global/,
      v6.stdout,
    );
    const page = await laptop.exec('curl', ['-s', '--max-time', '10', `http://${HTTP}:8080/`], { reject: false });
    assert.equal(page.stdout, 'hello from the internet\n', `fetch: ${page.stderr}`);

    // The gateway's node, through its batctl service on the management bridge, as status reaches it.
    const { gateway: parsed } = await readGateway(file);
    const gwNode: NodeRef = { ...domainNodeRef(planOf(parsed), 0), netns: gw };

    // respondd, asked from the laptop: the gateway, by bat0's MAC, with the router as neighbour.
    const asked = await batuIn(laptop.name, ['respondd', 'query', 'fd01:101::1', '--json']);
    assert.equal(asked.exitCode, 0, String(asked.stderr));
    const [answer] = JSON.parse(String(asked.stdout)) as ResponddAnswer[];
    const nodeinfo = answer.data.nodeinfo as {
      node_id: string;
      vpn: boolean;
      network: { mesh: { bat0: { interfaces: { tunnel: string[] } } } };
    };
    assert.match(nodeinfo.node_id, /^[0-9a-f]{12}$/);
    const bat0 = /\(bat0\/([0-9a-f:]{17}) /.exec(await batctl(gwNode, ['meshif', 'bat0', 'o']))?.[1];
    assert.equal(nodeinfo.node_id, bat0?.replaceAll(':', ''), 'bat0’s MAC, as the node reports it');
    assert.equal(nodeinfo.vpn, true);
    const neighbours = answer.data.neighbours as {
      batadv: Record<string, { neighbours: Record<string, { tq: number }> }>;
    };
    const [tunnelMac] = nodeinfo.network.mesh.bat0.interfaces.tunnel;
    assert.ok((neighbours.batadv[tunnelMac]?.neighbours['02:ba:00:09:02:00']?.tq ?? 0) > 0, JSON.stringify(neighbours));
    // Nothing answers from the uplink's side.
    const outside = await batuIn(net.name, ['respondd', 'query', '--multicast', 'inet0', '--wait', '1']);
    assert.notEqual(outside.exitCode, 0, 'no answer on the uplink');

    // Metrics: the originators batctl o shows on the gateway's node.
    const metrics = async () =>
      parsePrometheusTextFormat((await gw.exec('curl', ['-s', 'http://127.0.0.1:9101/metrics'])).stdout);
    const value = (families: Awaited<ReturnType<typeof metrics>>, name: string) =>
      families.find((f) => f.name === name)?.metrics[0]?.value;
    const families = await metrics();
    assert.equal(value(families, 'batu_gateway_originators'), '1', 'the router');
    assert.equal(value(families, 'batu_gateway_node_up'), '1');
    assert.equal(value(families, 'batu_gateway_tunnel_peers'), '1', 'r1, through fastd');
    assert.equal(value(families, 'batu_gateway_dhcp_leases'), '1', 'the laptop’s');

    // gateway status: the node, fastd's peers and kea's leases, each from its own socket.
    const statusText = await batuIn(gw.name, ['gateway', 'status', file, '--run-dir', runDir]);
    assert.equal(statusText.exitCode, 0, String(statusText.stderr));
    assert.match(String(statusText.stdout), /^domain dom1: node gw1-dom1 up, bat0 [0-9a-f:]{17}, BATMAN_IV, server/m);
    assert.match(
      String(statusText.stdout),
      /tunnel fastd-dom1 \(fastd\): 1 of 1 peers connected\n {4}r1 192\.0\.2\.2:\d+/,
    );
    assert.match(String(statusText.stdout), /DHCPv4 leases 1$/m);
    const status = async () =>
      (
        JSON.parse(
          String((await batuIn(gw.name, ['gateway', 'status', file, '--run-dir', runDir, '--json'])).stdout),
        ) as { domains: DomainStatus[] }
      ).domains[0].tunnels[0].peers ?? [];

    // A third router joins while everything runs: refused while unknown, in once `peer add`
    // names it (fastd reloads; the node is not restarted), out again after `peer remove`.
    const r3 = await Netns.create('bt');
    bed.namespaces.push(r3);
    await wire(gw, 'wan3', '192.0.4.1/24', r3, 'wan0', '192.0.4.2/24');
    const r3Keys = await fastdKeys();
    const third = await startRouter(r3, {
      n: 10,
      dir,
      kernel,
      image,
      secret: r3Keys.secret,
      gateway: { publicKey: gwPublic, remote: '192.0.4.1:10001' },
    });
    children.push(third.fastd);
    nodes.push(third.node);
    await sleep(5000); // r3's fastd tries meanwhile (it repeats its handshake every few seconds)
    assert.equal(value(await metrics(), 'batu_gateway_originators'), '1', 'r3 is not in while unknown');
    const added = await peer('add', file, 'dom1', 'r3', '--key', r3Keys.public);
    assert.match(String(added.stdout), /fastd \(pid \d+\) reloads its peers/, String(added.stderr));
    await until('r3 connected', status, (peers) => peers.some((p) => p.name === 'r3' && p.connected), 90_000);
    await until('r3 an originator of the gateway’s node', metrics, (f) => value(f, 'batu_gateway_originators') === '2');
    const removed = await peer('remove', file, 'dom1', 'r3');
    assert.match(String(removed.stdout), /^removed .*; fastd \(pid \d+\) reloads its peers/, String(removed.stderr));
    await until('r3 gone from fastd', status, (peers) => !peers.some((p) => p.name === 'r3'), 30_000);
    assert.ok(
      (await status()).some((p) => p.name === 'r1' && p.connected),
      'r1 stays connected',
    );
    assert.equal(value(await metrics(), 'batu_gateway_node_restarts_total'), '0', 'the node was not restarted');

    // kill -9 of the gateway's node: it comes back by itself, and the laptop fetches again.
    const gwPid = (await gw.exec('pgrep', ['-o', '-f', 'umid=gw1-dom1'])).stdout.trim();
    assert.match(gwPid, /^\d+$/);
    await gw.exec('kill', ['-9', gwPid]);
    await until(
      'the gateway’s node restarted',
      metrics,
      (f) => value(f, 'batu_gateway_node_restarts_total') === '1' && value(f, 'batu_gateway_node_up') === '1',
    );
    await until(
      'the router chooses the gateway again',
      () => batctl(router, ['meshif', 'bat0', 'gwl']),
      (o) => /^\s*\*/m.test(o),
    );
    const again = await until(
      'a fetch after the restart',
      () => laptop.exec('curl', ['-s', '--max-time', '5', `http://${HTTP}:8080/`], { reject: false }),
      (r) => r.stdout === 'hello from the internet\n',
    ).catch(async (error: Error) => {
      const show = async (ns: Netns, cmd: string, args: string[]) =>
        `${cmd} ${args.join(' ')}:\n${(await ns.exec(cmd, args, { reject: false })).stdout}`;
      throw new Error(
        [
          error.message,
          await show(gw, 'bridge', ['link']),
          await show(gw, 'ip', ['-br', 'addr']),
          await show(laptop, 'ping', ['-c', '2', '-W', '1', '10.101.0.1']),
          await show(gw, 'ip', ['neigh']),
          ...(await Promise.all(
            ['o', 'tl', 'tg', 'gwl'].flatMap((q) => [
              batctl(router, ['meshif', 'bat0', q]).then((o) => `router batctl ${q}:\n${o}`, String),
              batctl(gwNode, ['meshif', 'bat0', q]).then((o) => `gw batctl ${q}:\n${o}`, String),
            ]),
          )),
          log()
            .split('\n')
            .filter((l) => !/kea-dhcp4|Reading 32/.test(l))
            .join('\n'),
        ].join('\n'),
      );
    });
    assert.equal(again.stdout, 'hello from the internet\n');
    assert.match(log(), /node gw1-dom1 died; starting it again/);

    // SIGTERM: everything the gateway made goes.
    up.kill('SIGTERM');
    await up;
    const left = (await gw.exec('ip', ['-br', 'link'])).stdout;
    assert.doesNotMatch(left, /br-dom1|bfastd|fastd-dom1|gm-dom1|bat-dom1/, left);
    assert.doesNotMatch((await gw.exec('nft', ['list', 'tables'])).stdout, /batu-gateway/);
  },
);
