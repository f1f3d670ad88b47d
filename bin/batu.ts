#!/usr/bin/env -S npx tsx
// batu: a thin command line over lib/. Errors are one line and a non-zero exit.
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { buffer as text } from 'node:stream/consumers';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { add, checkPins, deletePath, repair, exportClosure, gc, importClosure, listPaths, listRoots, processAlive, storeDir, updatePins, verify } from '../lib/derivations/index.ts';
import { parseSpec, type NodeSpec, type NodeSpecInput } from '../lib/cmdline/index.ts';
import {
  Netns, UmlNode, alfredBridge, batctl, getGuestFile, listGuestDir, listNodes, mconsole, mconsoleSocket, putGuestFile, readGuestFile, runRoot, type RunningNode,
} from '../lib/runner/index.ts';

const usage = `usage: batu <command> …
  build <recipe> [--variant V] [--dry-run] [--json] [--store DIR]   realise recipes/<recipe>.ts, print its path
  store ls [--json]                    valid paths in the store
  store roots [--json]                 gc roots (<store>/.roots)
  store verify [--json]                re-hash every path against its manifest
  store gc [--json]                    remove paths no root (nor running process) references
  store repair PATH…                   rebuild or re-fetch damaged paths (verify names them)
  store delete PATH…                   remove paths nothing references
  store add FILE|DIR [--name N] [--unpack]   put a file (or a tree) into the store, print its sha256;
                                       a .deb lands where its pin looks and satisfies it
  store export PATH… > closure.tar     write the closure of PATHs as a tar stream
  store import < closure.tar           read such a stream into the store (all of it, checked, or nothing)
  pins check [--json]                  does the archive still serve every Debian pin exactly? (exit 1 if not)
  pins update [PKG…]                   move pins (all, or PKG…) to what the archive serves now, same release
  pins add [--source] PKG…             pin packages not pinned yet (their newest version)
                                       (pins live in recipes/debian-pins.json; --pins FILE for another)
  run SPEC.json [--netns NAME]         start a node in the foreground (ctrl-c stops it cleanly);
                                       kernel/image default to the linux-v15 and image recipes
  start SPEC.json [--netns NAME]       the same, in the background; prints the ready JSON
  ps [--json]                          running nodes
  stop UMID                            power a node off (ctrl-alt-del, then halt, then kill)
  batctl UMID ARGS…                    batctl inside the node (its run_batctl_wrapper service)
  alfred UMID ARGS…                    the host's alfred client against the node's alfred
  vis UMID [--format json|dot|svg]     the mesh as batadv-vis sees it from that node
  fs UMID ls|cat PATH [--aname A]      the node's files over 9P (diod's userspace client)
  fs UMID get PATH [LOCAL]             copy a guest file out (to stdout without LOCAL)
  fs UMID put LOCAL|- PATH             copy a file (or stdin) into the guest over 9P
  mount UMID DIR [--aname A]           mount the node's files with the host kernel's 9p
The store is ./store unless BATU_STORE or --store says otherwise.`;

const recipesDir = new URL('../recipes/', import.meta.url).pathname;

async function main(argv: string[]): Promise<unknown> {
  // batctl/alfred arguments after the umid pass through as they are.
  if (argv[0] === 'batctl' || argv[0] === 'alfred') return nodeCommand(argv[0], argv[1], argv.slice(2), {});
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      json: { type: 'boolean' }, store: { type: 'string' }, name: { type: 'string' },
      unpack: { type: 'boolean' }, variant: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      netns: { type: 'string' }, format: { type: 'string' }, aname: { type: 'string' },
      source: { type: 'boolean' }, pins: { type: 'string' },
    },
  });
  const [command, sub, ...rest] = positionals;
  const store = storeDir(values.store);
  const print = (data: unknown, text: () => string) => console.log(values.json ? JSON.stringify(data) : text());
  if (values.help || !command) return console.log(usage);

  if (command === 'build') {
    if (!sub) throw new Error('build needs a recipe name, e.g. batu build linux-v15');
    const file = existsSync(sub) ? resolve(sub) : `${recipesDir}${sub}.ts`;
    if (!existsSync(file)) throw new Error(`no recipe ${JSON.stringify(sub)} (looked for ${file})`);
    const args = ['--store', store, ...(values.variant ? ['--variant', values.variant] : []),
      ...(values.json ? ['--json'] : []), ...(values['dry-run'] ? ['--dry-run'] : [])];
    const run = await execa(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit', reject: false });
    process.exitCode = run.exitCode ?? 1;
    return;
  }
  if (command === 'run') return runForeground(sub, values.netns);
  if (command === 'start') return startBackground(sub, values.netns);
  if (command === 'ps') {
    const nodes = await listNodes();
    return print(nodes.map(({ umid, pid, netns, serviceIp }) => ({ umid, pid, netns: netns?.name, serviceIp })),
      () => nodes.map((n) => `${n.umid.padEnd(24)} pid ${String(n.pid).padEnd(8)} netns ${n.netns?.name ?? '-'}  ${n.serviceIp ?? ''}`).join('\n') || 'no nodes running');
  }
  if (['stop', 'batctl', 'alfred', 'vis', 'fs', 'mount'].includes(command)) return nodeCommand(command, sub, argv.slice(2), values);
  if (command === 'pins') return pinsCommand(sub, rest, { store, json: values.json, file: values.pins, source: values.source });
  if (command !== 'store') throw new Error(`unknown command ${JSON.stringify(command)} (batu --help lists them)`);
  switch (sub) {
    case 'ls': { const paths = await listPaths(store); return print(paths, () => paths.join('\n')); }
    case 'roots': {
      const roots = Object.fromEntries(await listRoots(store));
      return print(roots, () => Object.entries(roots).map(([n, p]) => `${n} -> ${p}`).join('\n'));
    }
    case 'verify': {
      const bad = await verify({ store });
      print({ ok: bad.length === 0, problems: bad }, () => bad.length === 0 ? 'all paths match their manifests'
        : bad.map((b) => `${b.path}:\n  ${b.problems.join('\n  ')}`).join('\n'));
      if (bad.length) process.exitCode = 1;
      return;
    }
    case 'gc': {
      const { removed, kept } = await gc({ store });
      return print({ removed, kept }, () => `kept ${kept.length} paths, removed ${removed.length}${removed.map((p) => `\n  ${p}`).join('')}`);
    }
    case 'repair': case 'delete': {
      if (rest.length === 0) throw new Error(`store ${sub} needs store paths`);
      for (const path of rest.map((p) => resolve(p))) {
        if (sub === 'delete') { await deletePath(path); console.log(`deleted ${path}`); }
        else { const { was } = await repair(path); console.log(`repaired ${path} (was: ${was.slice(0, 5).join('; ') || 'intact'})`); }
      }
      return;
    }
    case 'add': {
      if (!rest[0]) throw new Error('store add needs a file or directory');
      const added = await add(rest[0], { store, name: values.name, unpack: values.unpack });
      const { source } = added;
      const use = source.type === 'deb' ? `it satisfies the pin ${source.package} ${source.version} (${source.arch}) by its hash`
        : source.type === 'tree' ? `pin it in a recipe as: tree({ name: '${added.name}', sha256: '${added.sha256}' })`
          : `pin it in a recipe as: url({ url: '<where it came from>', name: '${added.name}', sha256: '${added.sha256}' })`;
      return print(added, () => `${added.path}\nsha256 ${added.sha256}\n${use}`);
    }
    case 'export': {
      if (rest.length === 0) throw new Error('store export needs store paths');
      if (process.stdout.isTTY) throw new Error('store export writes a tar stream: redirect stdout to a file');
      const packed = await exportClosure(rest.map((p) => resolve(p)), process.stdout);
      process.stderr.write(`exported ${packed.length} paths\n`);
      return;
    }
    case 'import': {
      const imported = await importClosure(process.stdin, { store });
      return print(imported, () => imported.join('\n'));
    }
    default: throw new Error(`unknown store command ${JSON.stringify(sub)} (batu --help lists them)`);
  }
}

async function pinsCommand(sub: string | undefined, names: string[], options: { store: string; json?: boolean; file?: string; source?: boolean }): Promise<void> {
  const file = options.file ? resolve(options.file) : (await import('../recipes/pins.ts')).pinFile;
  const print = (data: unknown, text: string) => console.log(options.json ? JSON.stringify(data) : text);
  if (sub === 'check') {
    const statuses = await checkPins(file, { store: options.store });
    const bad = statuses.filter((s) => !s.ok);
    print({ ok: bad.length === 0, pins: statuses }, [
      ...statuses.map((s) => `${s.ok ? 'ok  ' : 'FAIL'} ${s.kind === 'source' ? 'source ' : ''}${s.name} ${s.version}${s.problem ? `: ${s.problem}` : ''}`),
      bad.length === 0 ? `all ${statuses.length} pins in ${file} are served` :
        `${bad.length} of ${statuses.length} pins are not served as pinned: ${bad.map((s) => s.name).join(', ')}\n` +
        `renew them with: npx tsx bin/batu.ts pins update ${bad.map((s) => s.name).join(' ')}`,
    ].join('\n'));
    if (bad.length) process.exitCode = 1;
    return;
  }
  if (sub === 'update' || sub === 'add') {
    if (sub === 'add' && names.length === 0) throw new Error('pins add needs package names');
    const changes = await updatePins(file, {
      store: options.store,
      ...(sub === 'add' ? { add: names.map((name) => ({ kind: options.source ? 'source' as const : 'binary' as const, name })) } : { names }),
    });
    return print(changes, changes.length === 0 ? 'no pin changed: each is at the newest version served'
      : `${changes.map((c) => `${c.kind === 'source' ? 'source ' : ''}${c.name}: ${c.from ?? '(new)'} -> ${c.to} (sha256 ${c.sha256})`).join('\n')}\nwrote ${file}; what uses these pins rebuilds`);
  }
  throw new Error(`pins needs check, update or add (got ${JSON.stringify(sub)})`);
}

async function findNode(umid: string | undefined): Promise<RunningNode> {
  const nodes = await listNodes();
  const node = nodes.find((n) => n.umid === umid);
  if (!node) throw new Error(`no running node ${JSON.stringify(umid)} (running: ${nodes.map((n) => n.umid).join(', ') || 'none'})`);
  return node;
}

async function nodeCommand(command: string, umid: string | undefined, rest: string[], values: { format?: string; aname?: string }): Promise<unknown> {
  const node = await findNode(umid);
  const args = command === 'fs' ? rest.filter((a, i) => !a.startsWith('--') && !rest[i - 1]?.startsWith('--')) : rest;
  switch (command) {
    case 'stop': {
      await mconsole(mconsoleSocket(node.umlDir, node.umid), 'cad', { netnsPrefix: node.netns?.prefix }).catch(() => {});
      for (let i = 0; i < 50 && processAlive(node.pid); i++) await sleep(100);
      if (processAlive(node.pid)) process.kill(-node.pid, 'SIGKILL');
      return console.log(`stopped ${node.umid}`);
    }
    case 'batctl': return process.stdout.write(await batctl(node, args));
    case 'vis': case 'alfred': {
      const dir = await mkdtemp(join(tmpdir(), 'batu-alfred-'));
      const bridge = await alfredBridge(node, join(dir, 'alfred.sock'));
      try {
        if (command === 'alfred') {
          const r = await execa('alfred', [...args, '-u', bridge.socket], { stdin: 'inherit', reject: false });
          process.stdout.write(r.stdout); process.exitCode = r.exitCode;
          return;
        }
        const format = values.format ?? 'dot';
        const { stdout } = await execa('batadv-vis', ['-u', bridge.socket, '-f', format === 'svg' ? 'dot' : format]);
        return console.log(format === 'svg' ? (await execa('dot', ['-Tsvg'], { input: stdout })).stdout : stdout);
      } finally {
        await bridge.close();
        await rm(dir, { recursive: true, force: true });
      }
    }
    case 'mount': {
      const [dir] = args.filter((a) => !a.startsWith('--') && a !== values.aname);
      if (!dir) throw new Error('mount needs a directory');
      if (!(await readFile('/proc/filesystems', 'utf8')).includes('\t9p\n')) {
        throw new Error(`this host's kernel has no 9p file system (mount -t 9p would fail); read the node's files with: batu fs ${node.umid} ls /`);
      }
      const ip = node.serviceIp;
      if (!ip || !node.spec.u9fs) throw new Error(`node ${node.umid} runs no 9P server (u9fs and serviceIp)`);
      // nsenter --net: the mount lands in the host's mount namespace, its socket in the node's network.
      const netns = node.netns ? ['nsenter', `--net=/run/netns/${node.netns.name}`] : [];
      await execa(netns[0] ?? 'mount', [...netns.slice(1), ...(netns.length ? ['mount'] : []), '-t', '9p', '-o', `trans=tcp,port=564,version=9p2000.L,aname=${values.aname ?? '/'}`, ip, dir]);
      return console.log(`mounted ${node.umid}:${values.aname ?? '/'} on ${dir}`);
    }
    case 'fs': {
      const [op, path = '/'] = args;
      if (op === 'ls') return console.log((await listGuestDir(node, path, values.aname)).join('\n'));
      if (op === 'cat') return process.stdout.write(await readGuestFile(node, path, values.aname));
      if (op === 'get') {
        const [, guest, local] = args; // get GUEST [LOCAL]: to stdout without LOCAL
        const data = await getGuestFile(node, guest ?? '/', values.aname);
        return local && local !== '-' ? writeFile(local, data) : process.stdout.write(data);
      }
      if (op === 'put') {
        const [, local, guest] = args; // put LOCAL|- GUEST
        if (!local || !guest) throw new Error('fs put needs a local file (or -) and a guest path, e.g. batu fs gw1 put ./site.conf /etc/site.conf');
        await putGuestFile(node, guest, local === '-' ? await text(process.stdin) : await readFile(local), values.aname);
        return console.log(`wrote ${node.umid}:${guest}`);
      }
      throw new Error(`fs needs ls, cat, get or put (got ${JSON.stringify(op)}), e.g. batu fs gw1 cat devices/virtual/net/bat0/address --aname /sys`);
    }
  }
}

async function runForeground(file: string | undefined, netnsName: string | undefined): Promise<void> {
  if (!file) throw new Error('run needs a spec file (JSON)');
  const input = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  parseSpec(input); // validate before anything is built or made
  const { realiseAll } = await import('../lib/derivations/index.ts');
  // One closure: every source is fetched before the first build starts.
  const wanted = [...(input.kernel ? [] : [(await import('../recipes/linux-v15.ts')).linuxV15]), ...(input.image ? [] : [(await import('../recipes/image.ts')).image])];
  const { paths } = await realiseAll(wanted);
  const kernel = (input.kernel as string | undefined) ?? paths.shift()!;
  const image = (input.image as string | undefined) ?? paths.shift()!;
  const ns = netnsName ? Netns.existing(netnsName) : await Netns.create('batu');
  const node = await UmlNode.start({ ...input, kernel, image } as NodeSpecInput, { netns: ns, ownsNetns: !netnsName }).catch(async (e) => {
    if (!netnsName) await ns.delete();
    throw e;
  });
  // Handlers first: whoever reads the ready line may stop the node at once.
  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    await node.stop();
    if (!netnsName) await ns.delete();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const hostAddress = await addressManagementTap(node.spec, ns);
  console.log(JSON.stringify({ umid: node.spec.umid, netns: ns.name, hostAddress, ready: node.ready }));
  await node.exited;
  if (stopping) return;
  if (!netnsName) await ns.delete();
  // Nobody asked it to stop: a panic, or the guest powered itself off. Either is a failure.
  const panic = /Kernel panic - not syncing: (.*)/.exec(node.consoleText)?.[1];
  const tail = node.consoleText.trimEnd().split('\n').slice(-5).join('\n  ');
  throw new Error(`node ${node.spec.umid} ${panic ? `panicked: ${panic}` : 'exited without being stopped'} (console log: ${node.consoleLog}):\n  ${tail}`);
}

/**
 * Give the management tap a host address in the service address's subnet (the first one
 * that is not the node's), so batctl, alfred and fs reach the node; unless that subnet is
 * already served in the namespace (a bridge of the user's). Returns the address given.
 */
async function addressManagementTap(spec: NodeSpec, ns: Netns): Promise<string | undefined> {
  const m = spec.management;
  const tap = m?.driver === 'tuntap' ? m.tap : m?.driver === 'vector' && m.transport === 'tap' ? m.ifname : undefined;
  if (!tap || !spec.serviceIp) return undefined;
  const [ip, len = '24'] = spec.serviceIp.split('/');
  const prefix = Number(len);
  if (prefix > 30) return undefined;
  const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const network = (toInt(ip) & mask) >>> 0;
  const served = (await ns.exec('ip', ['-o', '-4', 'addr', 'show'])).stdout.split('\n')
    .map((l) => /inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(l)).filter(Boolean)
    .some((a) => ((toInt(a![1]) & mask) >>> 0) === network);
  if (served) return undefined;
  const host = toIp(network + 1) === ip ? toIp(network + 2) : toIp(network + 1);
  await ns.ip('addr', 'add', `${host}/${prefix}`, 'dev', tap);
  await ns.ip('link', 'set', tap, 'up');
  return `${host}/${prefix}`;
}

/** `run` in a detached process whose output goes to a log; returns once the node is ready. */
async function startBackground(file: string | undefined, netnsName: string | undefined): Promise<void> {
  if (!file) throw new Error('start needs a spec file (JSON)');
  parseSpec(JSON.parse(await readFile(file, 'utf8')));
  await mkdir(join(runRoot, 'start'), { recursive: true });
  const log = join(runRoot, 'start', `${process.pid}.log`);
  const out = openSync(log, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'run', resolve(file), ...(netnsName ? ['--netns', netnsName] : [])],
    { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  for (let i = 0; i < 600; i++) {
    const text = await readFile(log, 'utf8');
    const ready = text.split('\n').find((l) => l.startsWith('{'));
    if (ready) return console.log(ready);
    if (/^batu: error:/m.test(text) || child.exitCode !== null) throw new Error(`the node did not start:\n${text.trim()}`);
    await sleep(100);
  }
  throw new Error(`the node was not ready within 60 s (log: ${log})`);
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`batu: error: ${error.message}\n`);
  process.exitCode = 1;
});
