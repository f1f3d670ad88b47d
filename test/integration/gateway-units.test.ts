// `batu gateway units`: systemd-analyze verify accepts the units with Debian's own fastd@,
// kea and radvd units and batu's drop-ins for them; and the units' own command lines, run as
// systemd would run them (their ExecStart, Environment and WorkingDirectory, %i and %t filled
// in), bring a gateway up in a namespace: the host side, fastd from its /etc configuration,
// kea, the node (with WireGuard + VXLAN in it), respondd and metrics; `gateway status` sees every part; the node killed -9
// ends its unit's process with a failure (what Restart=on-failure acts on); ExecStop leaves
// nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Netns } from '../../lib/runner/index.ts';
import { batuCli, batuIn } from '../fixtures/cli-helpers.ts';
import { until } from '../fixtures/gateway-helpers.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { killAllIn } from '../fixtures/host-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

/** A unit's last ExecStart (or another Exec key), its Environment and WorkingDirectory. */
async function execOf(file: string, key = 'ExecStart', fill: Record<string, string> = {}) {
  const text = (await readFile(file, 'utf8')).replace(/%[it]/g, (m) => fill[m] ?? m);
  const value = (k: string) =>
    [...text.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => m[1]).filter((v) => v !== '');
  const line = value(key).at(-1);
  assert.ok(line, `${file} has no ${key}`);
  const argv = [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[2] ?? m[1].replace(/\\(.)/g, '$1'));
  const env = Object.fromEntries(value('Environment').map((e) => e.split(/=(.*)/s).slice(0, 2)));
  return { argv, env, cwd: value('WorkingDirectory').at(-1) };
}

test(
  'gateway units: systemd-analyze verify accepts them; their command lines bring a gateway up and down',
  { timeout: 600_000 },
  async (t) => {
    await guestPaths(); // built first: the units name the kernel and image
    const dir = await tempDir(t);
    await chmod(dir, 0o755);
    const gw = await Netns.create('bt');
    const children: ResultPromise[] = [];
    t.after(async () => {
      for (const child of children) child.kill('SIGTERM');
      for (const child of children) await child.catch(() => {});
      await killAllIn(gw);
      await gw.delete();
    });
    await gw.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p'); // the uplink (no dummy module here)
    await gw.ip('link', 'set', 'eth0', 'up');
    const file = join(dir, 'gateway.yaml');
    await writeFile(
      file,
      `metrics: { address: 127.0.0.1, port: 9102 }
domains:
  - name: dom1
    gateway: { down: 50mbit, up: 10mbit }
    tunnels:
      - { kind: fastd, port: 10002, secretKeyFile: keys/fastd.key, peers: { directory: keys/peers } }
      - { kind: wireguard-vxlan, port: 10003, privateKeyFile: keys/wg.key, vni: 77, peers: { directory: keys/wg-peers } }
    clients:
      ipv4: { address: 10.111.0.1/20, dhcp: { from: 10.111.1.0, to: 10.111.1.200 } }
      ipv6: { address: fd01:111::1/64 }
    exit: { kind: nat, uplink: eth0 }
    respondd: { hostname: gwu-dom1, siteCode: ffxx, domainCode: dom1 }
`,
    );
    assert.equal((await batuCli('gateway', 'keys', file)).exitCode, 0);
    const [out, runDir, stateDir] = ['units', 'run', 'state'].map((d) => join(dir, d));
    const made = await batuCli('gateway', 'units', file, '--out', out, '--run-dir', runDir, '--state-dir', stateDir);
    assert.equal(made.exitCode, 0, String(made.stderr));
    const system = join(out, 'etc/systemd/system');
    const fastdConf = join(out, 'etc/fastd/fastd-dom1/fastd.conf');
    assert.equal((await stat(fastdConf)).mode & 0o777, 0o600, 'fastd.conf holds the secret');

    // systemd's own check, Debian's units and batu's drop-ins loaded together: not a word.
    const verify = await execa('systemd-analyze', ['verify', '--man=no', 'batu-gateway.target'], {
      cwd: system,
      env: { SYSTEMD_UNIT_PATH: `${system}:` },
      reject: false,
      all: true,
    });
    assert.equal(verify.exitCode, 0, verify.all);
    assert.equal(verify.all.trim(), '', 'systemd-analyze verify has nothing to say');
    const wants = /^Wants=(.*)$/m.exec(await readFile(join(system, 'batu-gateway.target'), 'utf8'))![1].split(' ');
    assert.deepEqual(wants.sort(), [
      'batu-gateway-net.service',
      'batu-gateway-node@dom1.service',
      'batu-gateway-serve.service',
      'fastd@fastd-dom1.service',
      'kea-dhcp4-server.service',
      'radvd.service',
    ]);

    // What systemd would run, in order, in the namespace (files under /etc are installed under out).
    const spawn = async (unit: string, key = 'ExecStart', fill: Record<string, string> = {}, extraEnv = {}) => {
      const { argv, env, cwd } = await execOf(join(system, unit), key, fill);
      const mapped = argv.map((a) => (a.startsWith('/etc/') ? join(out, a) : a));
      // In an object: an async function would wait for the process it returns.
      return {
        child: execa('ip', ['netns', 'exec', gw.name, ...mapped], {
          cwd,
          env: { ...env, ...extraEnv },
          reject: false,
          all: true,
        }),
      };
    };
    const run = async (unit: string, key = 'ExecStart') => await (await spawn(unit, key)).child;
    const up = await run('batu-gateway-net.service');
    assert.equal(up.exitCode, 0, up.all);
    assert.match((await gw.exec('ip', ['-br', 'link'])).stdout, /br-dom1.*\n(.*\n)*bm-dom1|bm-dom1.*\n(.*\n)*br-dom1/);
    assert.equal((await stat(join(runDir, 'fastd'))).uid, 65534, "fastd's corner is its user's");
    assert.match(
      (await gw.exec('nft', ['list', 'table', 'inet', 'batu-gateway'])).stdout,
      /udp dport 10003 dnat ip to 169\.254\.100\.2/,
      'WireGuard’s port forwarded to the node',
    );

    const fastd = execa('ip', ['netns', 'exec', gw.name, 'fastd', '-c', fastdConf], { reject: false, all: true });
    children.push(fastd);
    await until(
      'fastd’s tap in its bridge (its on-up)',
      () => gw.exec('ip', ['-br', 'link', 'show', 'master', 'bfastd-dom1']),
      (r) => /fastd-dom1/.test(r.stdout),
      20_000,
    );
    // kea as its drop-in runs it (Debian's unit adds the lock directory).
    const { child: keaDaemon } = await spawn(
      'kea-dhcp4-server.service.d/batu-gateway.conf',
      'ExecStart',
      {},
      {
        KEA_LOCKFILE_DIR: join(runDir, 'kea'),
      },
    );
    children.push(keaDaemon);

    const runtime = join(dir, 'runtime');
    await mkdir(join(runtime, 'batu-gateway-node-dom1'), { recursive: true }); // RuntimeDirectory=
    const { child: node } = await spawn('batu-gateway-node@.service', 'ExecStart', { '%i': 'dom1', '%t': runtime });
    children.push(node);
    let nodeLog = '';
    node.all!.on('data', (chunk: Buffer) => (nodeLog += chunk));
    await until(
      'the node unit’s node up',
      async () => nodeLog,
      (l) => /^node gwu-dom1 up$/m.test(l) || node.exitCode !== null,
    );
    assert.match(nodeLog, /^node gwu-dom1 up$/m, nodeLog);
    const { child: serve } = await spawn('batu-gateway-serve.service');
    children.push(serve);

    // Every part answers gateway status, as it would under systemd.
    const status = await until(
      'gateway status: every part answers',
      () => batuIn(gw.name, ['gateway', 'status', file, '--run-dir', runDir]),
      (r) => r.exitCode === 0,
      60_000,
    );
    assert.match(String(status.stdout), /^domain dom1: node gwu-dom1 up, bat0 [0-9a-f:]{17}, BATMAN_V, server/m);
    assert.match(String(status.stdout), /tunnel fastd-dom1 \(fastd\): 0 of 0 peers connected/);
    // The node unit made WireGuard + VXLAN in the node (status asks its wg).
    assert.match(String(status.stdout), /tunnel vx-dom1 \(wireguard-vxlan\): 0 of 0 peers connected/);
    assert.match(String(status.stdout), /DHCPv4 leases 0$/m);
    const metrics = parsePrometheusTextFormat((await gw.exec('curl', ['-s', 'http://127.0.0.1:9102/metrics'])).stdout);
    assert.equal(metrics.find((f) => f.name === 'batu_gateway_node_up')?.metrics[0]?.value, '1');
    assert.equal(
      metrics.find((f) => f.name === 'batu_gateway_node_restarts_total')?.metrics.length ?? 0,
      0,
      'restarts are systemd’s to count here',
    );

    // The node killed -9: its unit's process fails (what Restart=on-failure restarts).
    const uml = (await gw.exec('pgrep', ['-o', '-f', 'umid=gwu-dom1'])).stdout.trim();
    await gw.exec('kill', ['-9', uml]);
    const ended = await node;
    assert.equal(ended.exitCode, 1, ended.all);
    assert.match(String(ended.all), /node gwu-dom1 ended/);

    // ExecStop of the net unit, after the others stopped: nothing of the gateway is left.
    for (const child of [serve, keaDaemon, fastd]) child.kill('SIGTERM');
    assert.equal((await serve).exitCode, 0, 'serve stops cleanly on SIGTERM');
    await Promise.all([keaDaemon, fastd]);
    const down = await run('batu-gateway-net.service', 'ExecStop');
    assert.equal(down.exitCode, 0, down.all);
    const left = (await gw.exec('ip', ['-br', 'link'])).stdout;
    assert.doesNotMatch(left, /br-dom1|bm-dom1|bfastd|gm-dom1|bat-dom1|tf-dom1/, left);
    assert.doesNotMatch((await gw.exec('nft', ['list', 'tables'])).stdout, /batu-gateway/);
  },
);
