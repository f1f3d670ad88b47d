// The runner and the CLI over it: ps/stop, crash recovery, hot-plug, unprivileged nodes.
// Extra taps made here go away with the namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { Netns, UmlNode, batctl, runRoot } from '../../lib/runner/index.ts';
import { stuckReport } from '../../lib/runner/stuck.ts';
import type { NodeSpecInput } from '../../lib/cmdline/index.ts';
import { realise } from '../../lib/derivations/index.ts';
import { shellImage } from '../../recipes/image.ts';
import { batuCli, runScript } from '../fixtures/cli-helpers.ts';
import { eventually, nodeTestBed } from '../fixtures/guest-helpers.ts';

const batu = batuCli;
const bed = nodeTestBed();

const spec = (umid: string, n: number): NodeSpecInput => ({
  ...bed.paths,
  umid,
  serviceIp: `192.168.254.${n}/24`,
  batctlWrapper: true,
  mesh: { gw_mode: 'server', gw_bandwidth: '1024MBit/1024MBit' },
  management: { driver: 'tuntap', tap: `bt-${n}-m` },
  bat0Tap: { driver: 'tuntap', tap: `bt-${n}-b` },
  hard: [{ driver: 'tuntap', tap: `bt-${n}-h0`, mtu: 1408 }],
});

const linksIn = async (netns: Netns) => (await netns.exec('ip', ['-o', 'link'])).stdout;

test('batu run boots a spec, batu ps lists it, batu batctl reaches it, batu stop leaves nothing behind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bt-run-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'gw.json');
  await writeFile(file, JSON.stringify(spec('bt-cli-gw', 40)));
  const run = runScript('bin/batu.ts', ['run', file, '--netns', bed.ns.name], { buffer: true });
  let started: { umid: string; ready: { services: string[] } } | undefined;
  run.stdout!.on('data', (d: Buffer) => {
    const line = d
      .toString()
      .split('\n')
      .find((l) => l.startsWith('{'));
    if (line) started = JSON.parse(line);
  });
  await eventually('batu run reports the ready node', async () => started !== undefined, 60_000);
  await bed.ns.attach('bt-40-m', 'bt-mgmt');

  const ps = JSON.parse((await batu('ps', '--json')).stdout) as { umid: string; pid: number }[];
  const entry = ps.find((p) => p.umid === 'bt-cli-gw');
  assert.ok(entry, JSON.stringify(ps));
  assert.match(
    (await batu('batctl', 'bt-cli-gw', 'meshif', 'bat0', 'gw_mode')).stdout,
    /^server \(announced bw: 1024\.0\/1024\.0 MBit\)/,
  );
  assert.match(await linksIn(bed.ns), /bt-40-h0/);

  const stop = await batu('stop', 'bt-cli-gw');
  assert.equal(stop.exitCode, 0, stop.stderr);
  const ran = await run;
  assert.equal(ran.exitCode, 0, `batu stop is the documented end of batu run:\n${ran.stderr}`);
  assert.doesNotMatch(await linksIn(bed.ns), /bt-40-/, 'the taps were removed');
  assert.equal(existsSync(join(runRoot, 'bt-cli-gw', 'mconsole')), false, 'the mconsole socket was removed');
  assert.equal(
    (await execa('pgrep', ['-f', 'umid=bt-cli-gw'], { reject: false })).stdout,
    '',
    'no UML process is left',
  );
  assert.equal(
    JSON.parse((await batu('ps', '--json')).stdout).some((p: { umid: string }) => p.umid === 'bt-cli-gw'),
    false,
  );
});

test('batu start runs a node in the background; batu mount says clearly when the host has no 9p', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bt-start-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'n.json');
  await writeFile(file, JSON.stringify({ ...spec('bt-cli-bg', 44), u9fs: true }));
  const started = await batu('start', file, '--netns', bed.ns.name);
  t.after(async () => {
    await batu('stop', 'bt-cli-bg');
  });
  assert.equal(started.exitCode, 0, started.stderr);
  await bed.ns.attach('bt-44-m', 'bt-mgmt');
  assert.equal(JSON.parse(started.stdout).umid, 'bt-cli-bg');
  const mount = await batu('mount', 'bt-cli-bg', dir);
  if ((await readFile('/proc/filesystems', 'utf8')).includes('\t9p\n')) assert.equal(mount.exitCode, 0, mount.stderr);
  else assert.match(mount.stderr, /this host's kernel has no 9p file system .*batu fs ls bt-cli-bg \//);
  assert.match((await batu('fs', 'ls', 'bt-cli-bg', '/')).stdout, /^init$/m);

  // put/get over our own 9P client: binary, several messages long; diod's diodcat reads it back too.
  const payload = randomBytes(200_000);
  await writeFile(join(dir, 'payload.bin'), payload);
  const put = await batu('fs', 'put', 'bt-cli-bg', join(dir, 'payload.bin'), '/root/payload.bin');
  assert.equal(put.exitCode, 0, put.stderr);
  const got = await batu('fs', 'get', 'bt-cli-bg', '/root/payload.bin', join(dir, 'back.bin'));
  assert.equal(got.exitCode, 0, got.stderr);
  assert.ok(payload.equals(await readFile(join(dir, 'back.bin'))), 'get returns what put wrote');
  await writeFile(join(dir, 'motd'), 'hello from the host\n');
  await batu('fs', 'put', 'bt-cli-bg', join(dir, 'motd'), '/root/motd');
  assert.equal((await batu('fs', 'cat', 'bt-cli-bg', '/root/motd')).stdout, 'hello from the host'); // execa strips the final newline
  const missing = await batu('fs', 'get', 'bt-cli-bg', '/root/nope/file');
  assert.notEqual(missing.exitCode, 0);
  assert.match(missing.stderr, /walk \/root\/nope\/file: .*(ENOENT|does not exist)/);
  assert.equal((await batu('stop', 'bt-cli-bg')).exitCode, 0);
  await eventually(
    'the background node is gone',
    async () => !JSON.parse((await batu('ps', '--json')).stdout).some((p: { umid: string }) => p.umid === 'bt-cli-bg'),
  );
  await eventually('its taps are removed', async () => !/bt-44-/.test(await linksIn(bed.ns)));
});

test('kill -9 of a UML process: the runner notices and cleans up, and the same spec starts again', async () => {
  const first = await UmlNode.start(spec('bt-crash', 41), { netns: bed.ns });
  bed.nodes.push(first);
  process.kill(first.pid, 'SIGKILL');
  await first.exited;
  assert.equal(first.state, 'crashed');
  assert.doesNotMatch(await linksIn(bed.ns), /bt-41-/);
  const second = await UmlNode.start(spec('bt-crash', 41), { netns: bed.ns, attach: { 'bt-41-m': 'bt-mgmt' } });
  bed.nodes.push(second);
  assert.match(await batctl(second, ['meshif', 'bat0', 'interface']), /eth2/);
  await second.stop();
  assert.equal(second.state, 'stopped');
});

/** The pid of a node's UML kernel process (the oldest with its umid), once it is spawned. */
async function umlPid(umid: string): Promise<number> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const found = await execa('pgrep', ['-o', '-f', `umid=${umid}( |$)`], { reject: false });
    if (found.exitCode === 0) return Number(found.stdout.trim());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no UML process with umid=${umid} within 30 s`);
}

/** Waits until a starting node's console log (in its run directory) matches. */
async function consoleShows(umid: string, pattern: RegExp): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    if (pattern.test(await readFile(join(runRoot, 'nodes', umid, 'console.log'), 'utf8').catch(() => ''))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${umid}'s console did not show ${pattern} within 30 s`);
}

test('a start waits for a boot that is slow but still printing, and fails one that went silent (killed, naming the silence)', async () => {
  // Slow: the kernel process runs `run` ms in every 1000 + `run`, so the boot takes longer
  // than the 3 s allowed for silence but never stays silent that long. A boot that needed
  // so little CPU that it was done within 3 s proves nothing: once more, throttled harder.
  let longest = 0;
  for (const run of [50, 30]) {
    const slowStart = UmlNode.start(spec('bt-slow', 42), {
      netns: bed.ns,
      attach: { 'bt-42-m': 'bt-mgmt' },
      readyTimeoutMs: 3000,
    });
    const pid = await umlPid('bt-slow');
    // Past UML's own start (its guest memory is set up without a word, for longer than a
    // throttled window): from the kernel's banner on, a boot prints all along.
    await consoleShows('bt-slow', /^Linux version/m);
    const t0 = Date.now();
    let ready = false;
    const throttle = (async () => {
      while (!ready) {
        process.kill(pid, 'SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        process.kill(pid, 'SIGCONT');
        await new Promise((resolve) => setTimeout(resolve, run));
      }
    })();
    const slow = await slowStart.finally(() => (ready = true));
    await throttle;
    longest = Math.max(longest, Date.now() - t0);
    bed.nodes.push(slow);
    assert.match(await batctl(slow, ['meshif', 'bat0', 'interface']), /eth2/);
    // The report a silent boot's error carries, on a live kernel: host processes asleep, and
    // the guest shows its init's stack and its blocked tasks on its console.
    const report = await stuckReport(slow);
    assert.match(report, /^ {2}(\d+ × )?linux: S in \S+, \d+ % CPU$/m, report);
    assert.match(report, /^guest: its init's stack .*\n {2}Call Trace:\n(.*\n)* {2}sysrq: Show Blocked State/m, report);
    await slow.stop();
    if (longest > 3000) break;
  }
  assert.ok(longest > 3000, `the throttled boot took ${longest} ms, not longer than the silence allowed`);

  // Silent: the kernel process stopped for good.
  const stuckStart = UmlNode.start(spec('bt-stuck', 43), { netns: bed.ns, readyTimeoutMs: 3000 });
  process.kill(await umlPid('bt-stuck'), 'SIGSTOP');
  await assert.rejects(stuckStart, (error: Error) => {
    assert.match(error.message, /bt-stuck not ready: its console printed nothing for 3000 ms/);
    // The report names the stopped kernel process, and says the guest cannot answer.
    assert.match(error.message, /^ {2}linux: T in \S+, 0 % CPU$/m, error.message);
    assert.match(error.message, /^ {2}.*management console/m, error.message);
    return true;
  });
  assert.doesNotMatch(await linksIn(bed.ns), /bt-43-/, 'the stuck node was killed and its taps removed');
});

test('an interface hot-plugged into a running node joins bat0', async () => {
  const node = await UmlNode.start(spec('bt-hotplug', 42), { netns: bed.ns, attach: { 'bt-42-m': 'bt-mgmt' } });
  bed.nodes.push(node);
  await bed.ns.addTap('bt-42-hp');
  await node.mconsole('config eth3=tuntap,bt-42-hp,02:ba:00:42:03:00'); // throws with UML's answer when it refuses
  await node.waitForConsole(/batu-init: hot-plugged eth3 joined bat0/);
  await eventually('eth3 is a hard interface of bat0', async () =>
    /^eth3: active$/m.test(await batctl(node, ['meshif', 'bat0', 'interface'])),
  );
  await node.stop();
});

test('a node run as an unprivileged user comes up with the taps it was handed, and nothing else', async () => {
  // The runner opens the taps (as root) and hands them over as descriptors; UML runs as
  // nobody with no capabilities, so it cannot open any other device.
  const nobody = { uid: 65534, gid: 65534 };
  const fdInterface = (fd: number) => ({
    driver: 'vector' as const,
    transport: 'fd' as const,
    fd,
    fdKind: 'tap' as const,
  });
  const node = await UmlNode.start(
    {
      ...spec('bt-nobody', 43),
      management: fdInterface(3),
      bat0Tap: fdInterface(4),
      hard: [fdInterface(5)],
    },
    {
      netns: bed.ns,
      user: nobody,
      tapFds: { 3: 'bt-43-m', 4: 'bt-43-b', 5: 'bt-43-h0' },
      attach: { 'bt-43-m': 'bt-mgmt' },
    },
  );
  bed.nodes.push(node);
  assert.equal(node.ready.errors, 0, node.consoleText);
  const status = await readFile(`/proc/${node.pid}/status`, 'utf8');
  assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
  assert.match(status, /^CapEff:\s+0+$/m);
  assert.match(status, /^CapPrm:\s+0+$/m);
  await eventually('vec2 active in bat0', async () =>
    /^vec2: active$/m.test(await batctl(node, ['meshif', 'bat0', 'interface'])),
  );
  // A tap it was not handed stays out of reach, even hot-plugged by name.
  await bed.ns.addTap('bt-43-extra');
  await node.mconsole('config vec6:transport=tap,ifname=bt-43-extra').catch(() => {});
  await node.waitForConsole(/batu-init: error: bring up hot-plugged vec6/, 10_000);
  assert.doesNotMatch(node.consoleText, /hot-plugged vec6 joined bat0/);
  assert.doesNotMatch(await batctl(node, ['meshif', 'bat0', 'interface']), /vec6/);
  await node.stop();
});

test('a node run as nobody from a store below a private directory sees exactly its store paths there', async (t) => {
  // Root's checkout or ~/.cache: a store below a directory of mode 0700 that nobody cannot enter.
  const top = await mkdtemp(join(tmpdir(), 'bt-private-'));
  t.after(() => rm(top, { recursive: true, force: true }));
  const store = join(top, 'store');
  await mkdir(store, { mode: 0o755 });
  const kernel = join(store, basename(bed.paths.kernel));
  const image = join(store, basename(bed.paths.image));
  await execa('cp', ['-a', bed.paths.kernel, bed.paths.image, store]);
  assert.equal((await stat(top)).mode & 0o777, 0o700);

  const node = await bed.start(
    {
      ...spec('bt-private', 44),
      kernel,
      image,
      management: { driver: 'vector', transport: 'fd', fd: 3, fdKind: 'tap' },
      bat0Tap: undefined,
      hard: [],
    },
    { netns: bed.ns, user: { uid: 65534, gid: 65534 }, tapFds: { 3: 'bt-44-m' } },
  );
  assert.equal(node.ready.errors, 0, node.consoleText);
  // In its own mount namespace the private directory is a tmpfs holding the two store paths, read-only.
  const seen = join(`/proc/${node.pid}/root`, top);
  assert.deepEqual((await readdir(seen)).sort(), ['store']);
  assert.deepEqual((await readdir(join(seen, 'store'))).sort(), [basename(kernel), basename(image)].sort());
  const mounts = await readFile(`/proc/${node.pid}/mountinfo`, 'utf8');
  assert.match(mounts, new RegExp(`${kernel} ro,`));
  assert.notEqual(await readlink(`/proc/${node.pid}/ns/mnt`), await readlink('/proc/self/ns/mnt'));
  await node.stop();
});

test('guest processes and threads keep their own vector registers across syscalls, page faults and preemption', async (t) => {
  // Guards uml-xstate-write-changed.patch: the kernel writes a process's FP registers back
  // only when they differ from what its host process holds.
  const dir = await mkdtemp(join(tmpdir(), 'bt-fpcheck-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const source = new URL('../fixtures/fpcheck.c', import.meta.url).pathname;
  await execa('gcc', ['-O2', '-static', '-pthread', '-o', join(dir, 'fpcheck'), source]);
  const script = join(dir, 'fpcheck.sh');
  await writeFile(script, 'cd "$(dirname "$0")" && ./fpcheck 3 3 300\n');
  const shell = (await realise(await shellImage())).path;
  const node = await bed.start({ ...spec('bt-fpcheck', 47), image: shell, runScript: script }, { netns: bed.ns });
  const [, status] = await node.waitForConsole(/run_script \S+ exited with status (\d+)/, 120_000);
  assert.equal(status, '0', node.tail(10));
  assert.match(node.consoleText, /^fpcheck: ok, 3 processes of 3 threads, 300 iterations each, [xy]mm0-15$/m);
  await node.stop();
});

test('run_script: a host file runs with the shell once the node is ready; an image without a shell says so', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bt-script-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const script = join(dir, 'test-init.sh');
  await writeFile(
    script,
    [
      'echo "script: $(batctl meshif bat0 interface | wc -l) hard interface, $(cat /proc/version | cut -d" " -f3)"',
      'for f in /sys/class/bdi/hostfs-*; do echo "readahead: ${f##*/} $(cat $f/read_ahead_kb)"; done',
      'echo "lines:" $(cd /sys/class/tty && ls -d tty[0-9]* ttyS* 2>/dev/null)',
      'exit 7',
    ].join('\n'),
  );
  const shell = (await realise(await shellImage())).path;
  const node = await bed.start(
    { ...spec('bt-script', 45), image: shell, rootfs: 'hostfs', runScript: script },
    { netns: bed.ns },
  );
  await node.waitForConsole(/run_script \S+ exited with status (\d+)/, 30_000);
  assert.match(node.consoleText, /^script: 1 hard interface, 6\.12\.\d+$/m, node.consoleText);
  // The hostfs root is read as programs touch it (no readahead: a node's page cache is its own
  // memory); the script's directory, mounted later, keeps the kernel's readahead.
  assert.deepEqual(
    [...node.consoleText.matchAll(/^readahead: (hostfs-\d+) (\d+)$/gm)].map((m) => m.slice(1)),
    [
      ['hostfs-1', '0'],
      ['hostfs-2', '128'],
    ],
  );
  // UML's console and serial lines: only con0 is configured (each other one would be a device).
  assert.match(node.consoleText, /^lines: tty0$/m);
  assert.match(node.consoleText, new RegExp(`run_script ${script} exited with status 7`));
  assert.equal(node.ready.errors, 0);
  await node.stop();
  // The default image has no shell: one console line, and the node is up all the same.
  const plain = await bed.start({ ...spec('bt-noscript', 46), runScript: script }, { netns: bed.ns });
  await plain.waitForConsole(/run_script=\S+: this image has no shell/, 30_000);
  assert.equal(plain.ready.errors, 0);
  assert.deepEqual(
    plain.ready.interfaces.filter((i) => i.role === 'hard').map((i) => i.name),
    ['eth2'],
  );
  await plain.stop();
});
