// batu mesh up: start a mesh and serve it under a name, in the foreground (until ctrl-c or
// mesh down) or --detach (a background process; this one returns once the mesh is up).
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { openStore, realise, stderrReporter, type Store } from '../../../lib/derivations/index.ts';
import { shellImage } from '../../../recipes/image.ts';
import { formatIssues, shown } from '../../../lib/issues.ts';
import {
  MeshName,
  Topology,
  describeStatus,
  listMeshes,
  meshDir,
  partitionHost,
  parseListen,
  runMesh,
  topoUsage,
  watchTree,
  type LoadedTopology,
  type Mesh,
} from '../../../lib/mesh/index.ts';
import {
  batmanAdvNodes,
  jsonOption,
  debugMem,
  kernelAndImage,
  output,
  secondsArg,
  startDetached,
  storeOption,
} from '../common.ts';
import { readTopology } from './shared.ts';

interface UpOptions {
  topo?: string;
  name?: string;
  detach?: boolean;
  backend?: 'bridge' | 'socketpair';
  partition?: string;
  peerCheck?: number;
  batmanAdv?: string;
  batmanAdvSrc?: string;
  watch?: boolean;
  shell?: boolean;
  debug?: boolean;
  store?: string;
  json?: boolean;
  web?: string;
}

export const upCommand = () =>
  new Command('up')
    .description('start a mesh (foreground until ctrl-c or mesh down; --detach to return once it is up)')
    .argument('[topology]', 'a topology JSON file: batu\'s own, or meshnet-lab\'s {"links":[{"source","target"}]}')
    .option('--topo <spec>', `a generated topology instead: ${topoUsage}`)
    .option('-n, --name <mesh>', 'the name other commands find it by (default: from the file or spec)')
    .option('--detach', 'run in the background; return once every node sees every other')
    .addOption(
      new Option(
        '--backend <backend>',
        'bridge (taps and bridges, root; the default) or socketpair (rootless links; with --partition)',
      ).choices(['bridge', 'socketpair']),
    )
    .option('--partition <host>', "start only this host's nodes of a partitioned topology (see mesh partition)")
    .addOption(
      new Option(
        '--peer-check <seconds>',
        "with --partition: how often the other hosts' names are looked up again, to follow one that moved (0: only on mesh restore)",
      )
        .default(10)
        .argParser(secondsArg),
    )
    .option(
      '--batman-adv <which>',
      "batu's batman-adv (batu, the default), stock (upstream's in the kernel, unchanged), or an open-mesh release as a module, e.g. 2026.2 (overrides the topology's batmanAdv)",
    )
    .option('--batman-adv-src <dir>', 'every node runs the batman-adv module built from this tree (yours)')
    .option('--watch', 'with --batman-adv-src: when the tree changes, rebuild the module and reboot the nodes on it')
    .option('--shell', "nodes boot the image with a shell (static busybox): mesh exec N sh -c '…'")
    .option(
      '--debug',
      'nodes boot the debug kernel (KASAN, UBSAN, kmemleak, lockdep, batman-adv log; modules -O1): batu mesh report',
    )
    .option('--web <host:port>', 'also serve the live page there (as batu mesh web does)')
    .addOption(storeOption())
    .addOption(jsonOption())
    .action(up);

/** The topology and the mesh's name, checked before anything starts. */
async function topologyOf(
  file: string | undefined,
  options: UpOptions,
): Promise<LoadedTopology & { name: string; parsed: Topology }> {
  const { loaded, parsed } = await readTopology(file, options.topo, 'up');
  if (options.partition) partitionHost(parsed, options.partition); // before the kernel is built
  let topologyParsed = parsed;
  if (options.watch && !options.batmanAdvSrc) throw new Error('--watch follows a tree: give --batman-adv-src DIR');
  if (options.batmanAdv && options.batmanAdvSrc)
    throw new Error('--batman-adv and --batman-adv-src: one of them (a tree is a batman-adv of its own)');
  const batmanAdv = options.batmanAdvSrc ? { src: resolve(options.batmanAdvSrc) } : options.batmanAdv;
  if (batmanAdv) {
    loaded.topology = { ...loaded.topology, batmanAdv } as typeof loaded.topology;
    const again = Topology.safeParse(loaded.topology);
    const flag = options.batmanAdvSrc
      ? `--batman-adv-src ${options.batmanAdvSrc}`
      : `--batman-adv ${options.batmanAdv}`;
    if (!again.success) throw new Error(`${flag}: ${formatIssues(again.error, { top: '' })}`);
    topologyParsed = again.data;
  }
  // Someone must gather alfred's vis data: the first node, unless the topology chose.
  if (!parsed.nodes.some((n) => n.alfred === 'master'))
    loaded.topology.nodes[0] = { ...loaded.topology.nodes[0], alfred: 'master' };
  const fallback =
    `${file ? basename(file).replace(/\.json$/, '') : options.topo!}${options.partition ? `-${options.partition}` : ''}`
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^[^a-z]+|-+$/g, '')
      .slice(0, 24);
  const name = options.name ?? (fallback || 'mesh');
  const checked = MeshName.safeParse(name);
  if (!checked.success)
    throw new Error(`bad mesh name ${shown(name)}: ${formatIssues(checked.error, { top: '', first: true })}`);
  return { ...loaded, name, parsed: topologyParsed };
}

async function up(file: string | undefined, options: UpOptions): Promise<void> {
  const { topology, aliases, notes, name, parsed } = await topologyOf(file, options);
  const web = options.web ? parseListen(options.web) : undefined;
  const backend = options.backend ?? (options.partition ? 'socketpair' : 'bridge');
  for (const note of notes) stderrReporter(note);
  if ((await listMeshes()).some((m) => m.name === name))
    throw new Error(`a mesh named ${name} is already running; batu mesh down -n ${name}, or --name another`);
  const store = openStore(options.store);
  const withShell = options.shell ? { image: (await realise(await shellImage(), { store })).path } : {};
  const extras = { shell: Boolean(options.shell), debug: Boolean(options.debug) };
  const { kernels, images } = await batmanAdvNodes(store, extras, parsed);
  // Every node on a module: their kernel is the mesh's default too (no other kernel to build).
  const allModules = parsed.nodes.every((n) => kernels[n.name]);
  const { kernel, image } = allModules
    ? { kernel: kernels[parsed.nodes[0].name], image: images[parsed.nodes[0].name] }
    : await kernelAndImage(store, withShell, parsed.batmanAdv === 'stock' ? 'stock' : 'batu', extras);
  if (options.detach) return detach(file, options, { name, backend, store: store.dir, nodes: topology.nodes.length });
  // ctrl-c or a TERM stops the mesh (also while nodes boot: at once), then this process ends.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await runMesh(topology, {
    name,
    ...(options.debug ? { mem: debugMem } : {}),
    aliases,
    store,
    kernel,
    image,
    kernels,
    images,
    backend,
    partition: options.partition,
    peerCheckMs: options.peerCheck! * 1000,
    report: stderrReporter,
    signal: abort.signal,
    log: process.env.BATU_MESH_LOG,
    ...(options.watch ? { whileUp: (mesh, signal) => followTree(mesh, parsed, store, extras, signal) } : {}),
    ...(web ? { web, onWeb: (url: string) => stderrReporter(`mesh ${name}: live page at ${url}`) } : {}),
    onUp: (status, seconds) =>
      output(
        options,
        { ...status, seconds },
        () =>
          `${describeStatus(status)}\nmesh ${name} is up: ${status.views.length} nodes in ${seconds.toFixed(1)} s; ` +
          `batu mesh status|cut|restore|link|kill|start|exec|vis|down -n ${name}`,
      ),
  });
  process.exit(0);
}

/** The same mesh up in a process of its own; returns what it printed once it is up. */
async function detach(
  file: string | undefined,
  options: UpOptions,
  { name, backend, store, nodes }: { name: string; backend: string; store: string; nodes: number },
): Promise<void> {
  await mkdir(meshDir, { recursive: true });
  const args = [
    'mesh',
    'up',
    ...(file ? [file] : ['--topo', options.topo!]),
    '--name',
    name,
    '--backend',
    backend,
    ...(options.partition ? ['--partition', options.partition, '--peer-check', String(options.peerCheck)] : []),
    ...(options.batmanAdv ? ['--batman-adv', options.batmanAdv] : []),
    ...(options.batmanAdvSrc ? ['--batman-adv-src', resolve(options.batmanAdvSrc)] : []),
    ...(options.watch ? ['--watch'] : []),
    ...(options.shell ? ['--shell'] : []),
    ...(options.debug ? ['--debug'] : []),
    ...(options.web ? ['--web', options.web] : []),
    '--store',
    store,
    ...(options.json ? ['--json'] : []),
  ];
  // A log of this start's own: two starts of one name must not read each other's lines.
  const log = join(meshDir, `${name}.${process.pid}.log`);
  const ready = new RegExp(`^(mesh ${name} is up|\\{"name")`, 'm');
  const text = await startDetached(args, log, ready, 120_000 + 2000 * nodes, { BATU_MESH_LOG: log });
  process.stdout.write(
    text
      .split('\n')
      .filter((l) => !l.startsWith('batu: '))
      .join('\n'),
  );
}

/** --watch: the nodes that run the tree's module reboot on each new build of it. */
async function followTree(
  mesh: Mesh,
  topology: Topology,
  store: Store,
  extras: { shell: boolean; debug: boolean },
  signal: AbortSignal,
): Promise<void> {
  const tree = topology.batmanAdv as { src: string };
  const names = topology.nodes.filter((n) => n.batmanAdv === undefined).map((n) => n.name);
  const build = async () => {
    const { kernels, images } = await batmanAdvNodes(store, extras, { nodes: [{ name: names[0] }], batmanAdv: tree });
    return { kernel: kernels[names[0]], image: images[names[0]] };
  };
  stderrReporter(`watching ${tree.src} (nodes ${names.join(', ')})`);
  await watchTree(tree.src, { mesh, names, current: await build(), rebuild: build, report: stderrReporter, signal });
}
