// batu's container image (recipes/oci-image.ts), checked with the tools a user has: skopeo
// reads the layout and follows its digests, pushes it to a registry and pulls it back; built
// again in another store it is the same bytes; umoci unpacks it, and bubblewrap runs it the
// way a pod does (the image's user, entrypoint and environment; a read-only root; batu as
// PID 1; no capabilities; not root on this host either). Two namespaces play two hosts: one
// partition runs from the image, the other from this checkout, and they mesh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import * as tar from 'tar-stream';
import {
  SOURCE_DATE_EPOCH,
  computeManifest,
  exportClosure,
  importClosure,
  realise,
  silentReporter,
} from '../../lib/derivations/index.ts';
import { Netns, runnerHelpers } from '../../lib/runner/index.ts';
import { simHelpers } from '../../lib/sim/helpers.ts';
import { Topology } from '../../lib/mesh/index.ts';
import { ociImage } from '../../recipes/oci-image.ts';
import { batuCli, batuIn } from '../fixtures/cli-helpers.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { pidsIn, killAllIn, statusUntil, twoHosts } from '../fixtures/host-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

interface Descriptor {
  digest: string;
  size: number;
}
interface ImageConfig {
  config: { User: string; Env: string[]; Entrypoint: string[]; WorkingDir: string };
  rootfs: { diff_ids: string[] };
}

const sha256Of = async (stream: NodeJS.ReadableStream) => {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
};

let layout: Promise<string> | undefined;
/** The image, realised in the suite's store (its kernel and image are the suite's). */
const image = () =>
  (layout ??= guestPaths()
    .then(async () => realise(await ociImage()))
    .then((r) => r.path));

const blob = (dir: string, d: Descriptor) => join(dir, 'blobs/sha256', d.digest.replace(/^sha256:/, ''));

test(
  'the image layout: skopeo reads it, its digests chain from index.json to the layer, every entry is root-owned and dated SOURCE_DATE_EPOCH, nothing is setuid',
  { timeout: 1_800_000 },
  async () => {
    const dir = await image();
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    assert.equal(index.manifests.length, 1);
    const raw = await execa('skopeo', ['inspect', '--raw', `oci:${dir}`]);
    assert.equal(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`, index.manifests[0].digest);
    const manifest = JSON.parse(raw.stdout) as { config: Descriptor; layers: Descriptor[] };
    const config = JSON.parse((await execa('skopeo', ['inspect', '--config', `oci:${dir}`])).stdout) as ImageConfig;
    assert.equal(config.config.User, '1000:1000');
    assert.deepEqual(config.config.Entrypoint, ['/usr/bin/batu']);
    assert.ok(config.config.Env.includes('BATU_PREBUILT=/batu/prebuilt.json'), config.config.Env.join(' '));

    const [layer] = manifest.layers;
    assert.equal(await sha256Of(createReadStream(blob(dir, layer))), layer.digest, 'the layer blob is its digest');
    assert.equal(
      await sha256Of(createReadStream(blob(dir, layer)).pipe(createGunzip())),
      config.rootfs.diff_ids[0],
      'the unpacked layer is the config’s diff_id',
    );

    const odd: string[] = [];
    const names: string[] = [];
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      names.push(header.name);
      if (header.uid !== 0 || header.gid !== 0) odd.push(`${header.name}: owner ${header.uid}:${header.gid}`);
      if (header.mtime?.getTime() !== SOURCE_DATE_EPOCH * 1000)
        odd.push(`${header.name}: mtime ${header.mtime?.toISOString()}`);
      if ((header.mode ?? 0) & 0o6000) odd.push(`${header.name}: setuid/setgid`);
      if (header.name === 'tmp/' && header.mode !== 0o1777) odd.push(`tmp: mode ${header.mode?.toString(8)}`);
      stream.on('end', next).resume();
    });
    await pipeline(createReadStream(blob(dir, layer)), createGunzip(), extract);
    assert.deepEqual(odd, []);
    for (const wanted of [
      'usr/bin/batu',
      'usr/bin/node',
      'usr/bin/setpriv',
      'batu/prebuilt.json',
      'lib64/ld-linux-x86-64.so.2',
    ])
      assert.ok(names.includes(wanted), `${wanted} is in the layer`);
  },
);

test(
  'the same image from another store: built again there under another umask (only the kernel, guest image and helpers imported), same path, same bytes',
  { timeout: 1_800_000 },
  async (t) => {
    const dir = await image();
    const { kernel, image: guest } = await guestPaths();
    const helpers = await Promise.all(
      [await runnerHelpers(), ...(await simHelpers())].map(async (d) => (await realise(d)).path),
    );
    const other = await tempDir(t, 'batu-test-other-store-'); // another length: a store path leaking into a file shows
    const stream = new PassThrough();
    const [, imported] = await Promise.all([
      exportClosure([kernel, guest, ...helpers], stream),
      importClosure(stream, { store: other, unsigned: true }),
    ]);
    assert.equal(imported.length, 2 + helpers.length);
    const umask = process.umask(0o077); // a stricter user than the first build's: modes must not leak in
    const again = await realise(await ociImage(), { store: other, report: silentReporter })
      .then((r) => r.path)
      .finally(() => process.umask(umask));
    assert.equal(basename(again), basename(dir), 'the same store path');
    assert.deepEqual(
      await readFile(join(again, 'index.json'), 'utf8'),
      await readFile(join(dir, 'index.json'), 'utf8'),
      'the same manifest digest',
    );
    assert.deepEqual(
      (await computeManifest(again)).entries,
      (await computeManifest(dir)).entries,
      'the same bytes, blob by blob',
    );
  },
);

test(
  "pushed with skopeo to a registry (Debian's docker-registry, in a namespace) and pulled back: the same manifest digest and the same blobs",
  { timeout: 1_800_000 },
  async (t) => {
    const dir = await image();
    const work = await tempDir(t);
    const ns = await Netns.create('bt');
    const config = join(work, 'registry.yml');
    await writeFile(
      config,
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'data')}\nhttp:\n  addr: 127.0.0.1:5000\n`,
    );
    const registry = ns.spawn('docker-registry', ['serve', config], { buffer: false });
    t.after(async () => {
      registry.kill();
      await registry;
      await ns.delete();
    });
    const ref = 'docker://127.0.0.1:5000/batu:0.1.0';
    let pushed;
    for (let tries = 0; tries < 50; tries++, await sleep(200)) {
      pushed = await ns.exec('skopeo', ['copy', '--dest-tls-verify=false', `oci:${dir}:0.1.0`, ref], { reject: false });
      if (pushed.exitCode === 0 || !/connection refused/.test(pushed.stderr)) break; // the registry may still be starting
    }
    assert.equal(pushed?.exitCode, 0, pushed?.stderr);
    const remote = JSON.parse((await ns.exec('skopeo', ['inspect', '--tls-verify=false', ref])).stdout) as {
      Digest: string;
    };
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    assert.equal(remote.Digest, index.manifests[0].digest, 'the registry serves the manifest unchanged');
    const pulled = join(work, 'pulled');
    const pull = await ns.exec('skopeo', ['copy', '--src-tls-verify=false', ref, `oci:${pulled}:0.1.0`], {
      reject: false,
    });
    assert.equal(pull.exitCode, 0, pull.stderr);
    assert.deepEqual(
      (await readdir(join(pulled, 'blobs/sha256'))).sort(),
      (await readdir(join(dir, 'blobs/sha256'))).sort(),
    );
  },
);

test(
  'a partition runs from the image as a pod would (user 1000, read-only root, PID 1, no capabilities), meshes with one run from this checkout, and stops on SIGTERM',
  { timeout: 1_800_000 },
  async (t) => {
    const dir = await image();
    const work = await tempDir(t);
    await chmod(work, 0o755); // the container's user reads the unpacked root
    const bundle = join(work, 'bundle');
    const unpacked = await execa('umoci', ['unpack', '--rootless', '--image', `${dir}:0.1.0`, bundle], {
      reject: false,
      all: true,
    });
    assert.equal(unpacked.exitCode, 0, unpacked.all);
    await chmod(bundle, 0o755);
    const config = JSON.parse((await execa('skopeo', ['inspect', '--config', `oci:${dir}`])).stdout) as ImageConfig;

    const { hosts, address } = await twoHosts('10.99.2', 'btc');
    const nameB = `btcb-${process.pid}`;
    t.after(async () => {
      await batuIn(hosts.b.name, ['mesh', 'down', '-n', nameB]);
      for (const host of ['a', 'b'] as const) {
        await killAllIn(hosts[host]);
        await hosts[host].delete();
      }
    });
    const placed = await batuCli(
      'mesh',
      'partition',
      '--topo',
      'grid,3x2',
      '--parts',
      '2',
      '--hosts',
      `a=${address.a},b=${address.b}`,
    );
    assert.equal(placed.exitCode, 0, placed.stderr);
    const topology = Topology.parse(JSON.parse(placed.stdout));
    const file = join(work, 'topology.json');
    await writeFile(file, placed.stdout);
    const configMap = join(work, 'configmap'); // mounted at /etc/batu, as the manifests' ConfigMap is
    await mkdir(configMap, { mode: 0o755 });
    await writeFile(join(configMap, 'topology.json'), placed.stdout, { mode: 0o644 });

    // As a runtime runs it: the image's entrypoint, user, environment and working directory.
    const [uid, gid] = config.config.User.split(':');
    const pod = execa(
      'ip',
      [
        ...['netns', 'exec', hosts.a.name],
        ...['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'],
        ...['bwrap', '--ro-bind', join(bundle, 'rootfs'), '/', '--ro-bind', configMap, '/etc/batu'],
        ...['--proc', '/proc', '--dev', '/dev', '--tmpfs', '/dev/shm', '--tmpfs', '/tmp'],
        ...[
          '--unshare-user',
          '--uid',
          uid,
          '--gid',
          gid,
          '--unshare-pid',
          '--as-pid-1',
          '--unshare-ipc',
          '--unshare-uts',
        ],
        ...['--die-with-parent', '--clearenv', '--chdir', config.config.WorkingDir],
        ...config.config.Env.flatMap((e) => ['--setenv', e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
        '--',
        ...config.config.Entrypoint,
        ...['mesh', 'up', '/etc/batu/topology.json', '--partition', 'a'],
      ],
      { all: true, reject: false },
    );
    let log = '';
    pod.all!.on('data', (chunk: Buffer) => (log += chunk));
    const upB = await batuIn(hosts.b.name, ['mesh', 'up', file, '--partition', 'b', '--name', nameB, '--detach']);
    assert.equal(upB.exitCode, 0, `mesh up --partition b:\n${upB.stderr}${upB.stdout}`);

    // Asked from host b with this checkout's batu: a's status server is the image's.
    const status = await statusUntil(hosts.b, file, (s) => s.converged && s.down.length === 0, 300_000);
    assert.deepEqual(
      status.hosts.filter((h) => h.error),
      [],
      `every host answers (image's log:\n${log})`,
    );
    assert.ok(status.converged, `every node has a route to every other (image's log:\n${log})`);
    for (const v of status.views)
      assert.equal(Object.keys(v.originators).length, topology.nodes.length - 1, `${v.name}'s routes`);
    assert.match(log, /mesh topology-a is up: 3 nodes/);

    // Inside: batu is PID 1 and has no capabilities; on the host it is not root.
    const inside = (await pidsIn(hosts.a)).filter((p) => p !== String(pod.pid));
    const batuPid = inside.find((p) => /^node$/m.test(readFileSync(`/proc/${p}/comm`, 'utf8')));
    assert.ok(batuPid, 'the image’s node process runs in host a');
    const procStatus = readFileSync(`/proc/${batuPid}/status`, 'utf8');
    assert.match(procStatus, /^NSpid:\s+\d+\s+1$/m, 'PID 1 in its namespace');
    assert.match(procStatus, /^CapEff:\s+0+$/m, 'no capabilities');
    assert.match(procStatus, new RegExp(`^Uid:\\s+${uid}\\s`, 'm'), `user ${uid} on this host`);

    // The pod is deleted: SIGTERM to PID 1 stops its nodes and ends it; nothing is left in host a.
    process.kill(Number(batuPid), 'SIGTERM');
    const ended = await pod;
    assert.equal(ended.exitCode, 0, `exit after SIGTERM:\n${log}`);
    assert.deepEqual(await pidsIn(hosts.a), [], 'no process left in host a');
  },
);
