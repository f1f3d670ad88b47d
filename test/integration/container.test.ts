// batu's container image (recipes/oci-image.ts), checked with the tools a user has: skopeo
// reads the layout and follows its digests, pushes it to a registry and pulls it back (built
// again in another store it is the same bytes: test/long/reproducible.test.ts); and podman (rootful, its default seccomp
// profile) runs one part of `mesh manifests --pod` from it with `kube play`, as a pod: user
// 1000, a read-only root, no capabilities, batu as PID 1. Two namespaces play two hosts: one
// part runs from the image, the other from this checkout, and they mesh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import * as tar from 'tar-stream';
import { SOURCE_DATE_EPOCH, realise } from '../../lib/derivations/index.ts';
import { Netns } from '../../lib/runner/index.ts';
import { Topology, type KubernetesObject } from '../../lib/mesh/index.ts';
import { ociImage } from '../../recipes/oci-image.ts';
import { batuCli, batuIn } from '../fixtures/cli-helpers.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { pidsIn, killAllIn, statusUntil, twoHosts } from '../fixtures/host-helpers.ts';
import { privatePodman } from '../fixtures/podman.ts';
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
  'podman kube play runs one part from the image (mesh manifests --pod: user 1000, read-only root, no capabilities, default seccomp), it meshes with a part run from this checkout, and stops on SIGTERM',
  { timeout: 1_800_000 },
  async (t) => {
    const dir = await image();
    const { hosts, address } = await twoHosts('10.99.2', 'btc');
    const nameB = `btcb-${process.pid}`;
    // No cluster DNS under podman: each host is given the pods' names (podman's base hosts
    // file for the pod, the names file `ip netns exec` puts in place of /etc/hosts for the other).
    const names = [0, 1]
      .map((i) => `${[address.a, address.b][i]} btpod-${i}.btpod.default.svc.cluster.local\n`)
      .join('');
    const hostsFile = `127.0.0.1 localhost\n${names}`;
    const podman = await privatePodman({ hosts: hostsFile });
    // First registered, first run: the pod goes before anything it uses.
    t.after(async () => {
      await batuIn(hosts.b.name, ['mesh', 'down', '-n', nameB]);
      await podman.remove();
      for (const host of ['a', 'b'] as const) {
        await killAllIn(hosts[host]);
        await hosts[host].delete();
      }
      await rm(join('/etc/netns', hosts.b.name), { recursive: true, force: true });
    });
    const work = await tempDir(t);
    await mkdir(join('/etc/netns', hosts.b.name), { recursive: true });
    await writeFile(join('/etc/netns', hosts.b.name, 'hosts'), hostsFile);
    // The image from its layout (oci: transport, no registry), under the name the Pod asks for.
    const pulled = await podman.run(['pull', '--quiet', `oci:${dir}:0.1.0`]);
    assert.equal(pulled.exitCode, 0, pulled.all);
    const tagged = await podman.run(['tag', pulled.stdout.trim(), 'localhost/batu:0.1.0']);
    assert.equal(tagged.exitCode, 0, tagged.all);

    const made = await batuCli(
      ...['mesh', 'manifests', '--topo', 'grid,3x2', '--parts', '2', '--name', 'btpod'],
      ...['--image', 'localhost/batu:0.1.0', '--pod', '0', '--json'],
    );
    assert.equal(made.exitCode, 0, made.stderr);
    const [configMap, pod] = JSON.parse(made.stdout) as KubernetesObject[];
    const topologyJson = (configMap.data as Record<string, string>)['topology.json'];
    const topology = Topology.parse(JSON.parse(topologyJson));
    assert.deepEqual(
      topology.hosts!.map((h) => h.address),
      [0, 1].map((i) => `btpod-${i}.btpod.default.svc.cluster.local`),
    );
    const podFile = join(work, 'pod.json'); // JSON is YAML
    await writeFile(podFile, [configMap, pod].map((o) => JSON.stringify(o)).join('\n---\n'));
    const file = join(work, 'topology.json');
    await writeFile(file, topologyJson);

    // In host a (the pod shares the namespace podman runs in: podman 4.3's pods cannot join a named one).
    const played = await podman.run(['kube', 'play', '--network', 'host', podFile], hosts.a.name);
    assert.equal(played.exitCode, 0, played.all);
    const log = async () => (await podman.run(['logs', 'btpod-0-batu'])).all ?? '';
    const upB = await batuIn(hosts.b.name, ['mesh', 'up', file, '--partition', 'btpod-1', '--name', nameB, '--detach']);
    assert.equal(upB.exitCode, 0, `mesh up --partition btpod-1:\n${upB.stderr}${upB.stdout}`);

    // Asked from host b with this checkout's batu: btpod-0's status server is the image's.
    const status = await statusUntil(hosts.b, file, (s) => s.converged && s.down.length === 0, 300_000);
    assert.deepEqual(
      status.hosts.filter((h) => h.error),
      [],
      `every host answers (pod's log:\n${await log()})`,
    );
    assert.ok(status.converged, `every node has a route to every other (pod's log:\n${await log()})`);
    for (const v of status.views)
      assert.equal(Object.keys(v.originators).length, topology.nodes.length - 1, `${v.name}'s routes`);
    // The runtime's default seccomp profile refuses setarch -R: the nodes run randomised, and say so.
    assert.match(await log(), /address randomisation cannot be turned off here/);
    assert.match(await log(), /mesh topology-btpod-0 is up: 3 nodes/);

    // Inside: batu is PID 1 of its container, without capabilities, under seccomp; user 1000 on this host.
    const inspected = await podman.run(['inspect', '--format', '{{.State.Pid}}', 'btpod-0-batu']);
    const batuPid = inspected.stdout.trim();
    const procStatus = readFileSync(`/proc/${batuPid}/status`, 'utf8');
    assert.match(procStatus, /^NSpid:\s+\d+\s+1$/m, 'PID 1 in its namespace');
    assert.match(procStatus, /^CapEff:\s+0+$/m, 'no capabilities');
    assert.match(procStatus, /^Seccomp:\s+2$/m, 'a seccomp filter');
    assert.match(procStatus, /^Uid:\s+1000\s/m, 'user 1000 on this host');
    assert.match(readFileSync(`/proc/${batuPid}/mounts`, 'utf8'), /^\S+ \/ overlay ro[,\s]/m, 'a read-only root');

    // The pod is stopped: SIGTERM to PID 1 stops its nodes and ends it with 0; nothing is left in host a.
    const stopped = await podman.run(['pod', 'stop', '--time', '60', 'btpod-0']);
    assert.equal(stopped.exitCode, 0, stopped.all);
    const exit = await podman.run(['inspect', '--format', '{{.State.ExitCode}}', 'btpod-0-batu']);
    assert.equal(exit.stdout.trim(), '0', `exit after SIGTERM:\n${await log()}`);
    assert.deepEqual(await pidsIn(hosts.a), [], 'no process left in host a');
  },
);
