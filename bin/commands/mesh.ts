// batu mesh …: whole meshes from the command line. `up` starts one (in the foreground, or
// --detach) and serves it under a name; the other subcommands reach it by that name, from
// any shell, through lib/mesh/control.ts.
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { stderrReporter, openStore } from '../../lib/derivations/index.ts';
import {
  Mesh,
  MeshName,
  Topology,
  claimMeshName,
  meshDir,
  meshDown,
  converged,
  formatTable,
  generateTopology,
  listMeshes,
  loadTopology,
  manifests,
  ManifestOptions,
  meshRequest,
  observe,
  partition,
  placeOnHosts,
  partitionHost,
  statusAcross,
  Host,
  serveMesh,
  topoUsage,
  releaseMeshName,
  type LoadedTopology,
  type MeshServer,
  type MeshStatus,
  type NodeView,
  type AcrossStatus,
} from '../../lib/mesh/index.ts';
import { jsonOption, kernelAndImage, output, startDetached, storeOption, type Register } from './common.ts';
import { formatOption } from './vis.ts';
import { formatIssues } from '../../lib/issues.ts';

interface UpOptions {
  topo?: string;
  name?: string;
  detach?: boolean;
  backend?: 'bridge' | 'socketpair';
  partition?: string;
  store?: string;
  json?: boolean;
}

/** A command on a topology split into parts: a file or --topo, and --parts. */
const splitCommand = (name: string, description: string, parts: string) =>
  new Command(name)
    .description(description)
    .argument('[topology]', "a topology JSON file (batu's or meshnet-lab's)")
    .option('--topo <spec>', `a generated topology instead: ${topoUsage}`)
    .requiredOption('--parts <k>', parts, Number);

const nameOption = () => new Option('-n, --name <mesh>', 'which mesh (default: the only one running)');
const sub = (name: string, description: string) => new Command(name).description(description).addOption(nameOption());

export const register: Register = (program) =>
  program
    .command('mesh')
    .description('start, watch and change whole meshes')
    .addCommand(
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
        .addOption(storeOption())
        .addOption(jsonOption())
        .action(up),
    )
    .addCommand(
      splitCommand(
        'partition',
        'place a topology on hosts: balanced node counts, few links between hosts; prints the topology with its hosts',
        'how many hosts',
      )
        .option(
          '--hosts <list>',
          'the hosts as name=address,… (an IPv4 address or a DNS name); default p1=127.0.0.1, p2=127.0.0.2, … (one machine)',
        )
        .option('--base-port <port>', 'status on this port, links on the ports after it (default 17000)', Number)
        .action(partitionCommand),
    )
    .addCommand(
      splitCommand(
        'manifests',
        'the Kubernetes objects that run a mesh on a cluster, one pod per partition (YAML, or --json); apply with kubectl apply -f -',
        'how many pods',
      )
        .requiredOption('--image <ref>', "batu's container image as the cluster pulls it")
        .option('-n, --name <name>', 'the StatefulSet and Service (default: batu-mesh)', 'batu-mesh')
        .option('--namespace <ns>', 'the Kubernetes namespace', 'default')
        .addOption(jsonOption())
        .action(manifestsCommand),
    )
    .addCommand(
      new Command('ls')
        .description('meshes running on this host')
        .addOption(jsonOption())
        .action(async (options: { json?: boolean }) => {
          const meshes = await listMeshes();
          output(
            options,
            meshes,
            () =>
              meshes
                .map(
                  (m) =>
                    `${m.name.padEnd(16)} pid ${String(m.pid).padEnd(8)} ${m.backend.padEnd(10)} ${m.nodes.length} nodes`,
                )
                .join('\n') || 'no meshes running',
          );
        }),
    )
    .addCommand(
      sub('status', 'what every node knows: neighbours, originators, gateway and its TQ')
        .option('--across <topology>', "a partitioned mesh's status from all its hosts (asks each over HTTP)")
        .addOption(jsonOption())
        .action(async (options: { name?: string; across?: string; json?: boolean }) => {
          if (options.across) {
            const status = await statusAcross((await loadTopology(options.across)).topology);
            return output(options, status, () => describeAcross(status));
          }
          const status = (await request(options, { op: 'status' })) as MeshStatus;
          output(options, status, () => describePart(status));
        }),
    )
    .addCommand(
      sub('cut', 'pull the cable between two nodes (everything sent is dropped)')
        .argument('<a>')
        .argument('<b>')
        .action(async (a: string, b: string, options: { name?: string }) => {
          console.log(`cut ${a}-${b}${otherEnd(await request(options, { op: 'cut', a, b }))}`);
        }),
    )
    .addCommand(
      sub('restore', 'put a cut link back')
        .argument('<a>')
        .argument('<b>')
        .action(async (a: string, b: string, options: { name?: string }) => {
          console.log(`restored ${a}-${b}${otherEnd(await request(options, { op: 'restore', a, b }))}`);
        }),
    )
    .addCommand(
      sub('link', "set a link's loss, delay, jitter and rate (those not given are cleared)")
        .argument('<a>')
        .argument('<b>')
        .option('--loss <percent>', 'packet loss', Number)
        .option('--delay <ms>', 'one-way delay', Number)
        .option('--jitter <ms>', 'delay jitter (needs --delay)', Number)
        .option('--rate <mbit>', 'rate limit', Number)
        .action(
          async (
            a: string,
            b: string,
            options: { name?: string; loss?: number; delay?: number; jitter?: number; rate?: number },
          ) => {
            const properties = Object.fromEntries(
              Object.entries({
                lossPercent: options.loss,
                delayMs: options.delay,
                jitterMs: options.jitter,
                rateMbit: options.rate,
              }).filter(([, v]) => v !== undefined),
            );
            const other = await request(options, { op: 'link', a, b, properties });
            console.log(
              `link ${a}-${b}: ${
                Object.entries(properties)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', ') || 'no shaping'
              }${otherEnd(other)}`,
            );
          },
        ),
    )
    .addCommand(
      sub('kill', 'SIGKILL a node (a crash or power loss)')
        .argument('<node>')
        .action(async (node: string, options: { name?: string }) => {
          await request(options, { op: 'kill', node });
          console.log(`killed ${node}`);
        }),
    )
    .addCommand(
      sub('start', 'start a killed node again, with its links')
        .argument('<node>')
        .action(async (node: string, options: { name?: string }) => {
          await request(options, { op: 'start', node });
          console.log(`started ${node}`);
        }),
    )
    .addCommand(
      sub('exec', 'run batctl or tc in a node, e.g. mesh exec n1 batctl o')
        .argument('<node>')
        .argument('<program>')
        .argument('[args...]')
        .passThroughOptions()
        .allowUnknownOption()
        .action(async (node: string, program: string, args: string[], options: { name?: string }) => {
          if (program !== 'batctl' && program !== 'tc')
            throw new Error(`mesh exec runs batctl or tc (the guest's batctl service), not ${JSON.stringify(program)}`);
          process.stdout.write((await request(options, { op: 'exec', node, program, args })) as string);
        }),
    )
    .addCommand(
      sub('vis', 'the mesh as batadv-vis sees it (from an alfred master)')
        .addOption(formatOption())
        .action(async (options: { name?: string; format: 'json' | 'dot' | 'svg' }) => {
          console.log(await request(options, { op: 'vis', format: options.format }));
        }),
    )
    .addCommand(
      sub('down', 'stop every node and remove everything the mesh made').action(async (options: { name?: string }) => {
        const name = await meshName(options);
        await meshDown(name);
        console.log(`mesh ${name} is down`);
      }),
    );

/** What a change of a link between hosts says: only this host's end changed. */
const otherEnd = (host: unknown) =>
  typeof host === 'string' ? ` (this host's end; the link's other end is on host ${host}: change it there too)` : '';

/** The mesh a command means: --name, or the only one running. */
async function meshName(options: { name?: string }): Promise<string> {
  if (options.name) return options.name;
  const running = await listMeshes();
  if (running.length === 1) return running[0].name;
  throw new Error(
    running.length === 0
      ? 'no mesh is running (batu mesh up starts one)'
      : `${running.length} meshes are running (${running.map((m) => m.name).join(', ')}): say which with --name`,
  );
}

async function request(options: { name?: string }, body: Parameters<typeof meshRequest>[1]): Promise<unknown> {
  return meshRequest(await meshName(options), body);
}

/** A status as text: the table, what `notes` add, the nodes not running, and whether it converged. */
function describe(status: MeshStatus | AcrossStatus, notes: string[] = []): string {
  return [
    formatTable(status.views),
    ...notes,
    ...(status.down.length ? [`not running: ${status.down.join(', ')}`] : []),
    status.converged
      ? `every node has a route to every other (${status.views.length} running)`
      : 'not converged: some nodes have no route to some others yet',
  ].join('\n');
}

const describePart = (status: MeshStatus) =>
  describe(
    status,
    status.partition ? [`partition ${status.partition}: this host's nodes only (mesh status --across: all)`] : [],
  );

const describeAcross = (status: AcrossStatus) =>
  describe(
    status,
    status.hosts.map((h) => `host ${h.name} (${h.address}): ${h.error ? `no status: ${h.error}` : 'answered'}`),
  );

/** A topology from a file or a --topo spec, checked. */
async function readTopology(file: string | undefined, topo: string | undefined, command: string) {
  if (Boolean(file) === Boolean(topo))
    throw new Error(`mesh ${command} needs a topology: a file, or --topo SPEC (one of them)`);
  const loaded = file ? await loadTopology(file) : generateTopology(topo!);
  const parsed = Topology.safeParse(loaded.topology);
  if (!parsed.success) {
    throw new Error(`bad topology ${file ?? topo}: ${formatIssues(parsed.error, { top: '' })}`);
  }
  return { loaded, parsed: parsed.data };
}

async function partitionCommand(
  file: string | undefined,
  options: { topo?: string; parts: number; hosts?: string; basePort?: number },
): Promise<void> {
  const { loaded } = await readTopology(file, options.topo, 'partition');
  const hosts = options.hosts
    ? options.hosts.split(',').map((entry) => {
        const [name, address] = entry.split('=');
        const host = Host.safeParse({ name, address });
        if (!host.success)
          throw new Error(
            `bad host ${JSON.stringify(entry)}: expected name=address (${formatIssues(host.error, { top: '', first: true })})`,
          );
        return host.data;
      })
    : Array.from({ length: options.parts }, (_, i) => ({ name: `p${i + 1}`, address: `127.0.0.${i + 1}` }));
  const split = partition(loaded.topology, options.parts);
  const placed = placeOnHosts(
    { ...loaded.topology, ...(options.basePort ? { basePort: options.basePort } : {}) },
    split,
    hosts,
  );
  const checked = Topology.safeParse(placed);
  if (!checked.success) throw new Error(`cannot place it: ${formatIssues(checked.error, { top: '' })}`);
  stderrReporter(
    `${split.parts.length} parts (${split.parts.map((p) => p.length).join(' + ')} nodes), ${split.cutLinks} cut links`,
  );
  console.log(JSON.stringify(placed, null, 2));
}

async function manifestsCommand(
  file: string | undefined,
  options: { topo?: string; parts: number; image: string; name: string; namespace: string; json?: boolean },
): Promise<void> {
  const { loaded } = await readTopology(file, options.topo, 'manifests');
  const { parts, image, name, namespace } = options;
  const checked = ManifestOptions.safeParse({ parts, image, name, namespace });
  if (!checked.success) throw new Error(formatIssues(checked.error, { prefix: 'bad --' }));
  const made = manifests(loaded.topology, checked.data);
  stderrReporter(`${options.parts} pods, ${made.cutLinks} links between them (L2TPv3/UDP)`);
  process.stdout.write(
    options.json
      ? `${JSON.stringify(made.objects, null, 2)}\n`
      : made.objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join('---\n'),
  );
}

/** The topology and the mesh's name, checked before anything starts. */
async function topologyOf(file: string | undefined, options: UpOptions): Promise<LoadedTopology & { name: string }> {
  const { loaded, parsed } = await readTopology(file, options.topo, 'up');
  if (options.partition) partitionHost(parsed, options.partition); // before the kernel is built
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
    throw new Error(`bad mesh name ${JSON.stringify(name)}: ${formatIssues(checked.error, { top: '', first: true })}`);
  return { ...loaded, name };
}

async function up(file: string | undefined, options: UpOptions): Promise<void> {
  const { topology, aliases, notes, name } = await topologyOf(file, options);
  const backend = options.backend ?? (options.partition ? 'socketpair' : 'bridge');
  for (const note of notes) stderrReporter(note);
  if ((await listMeshes()).some((m) => m.name === name))
    throw new Error(`a mesh named ${name} is already running; batu mesh down -n ${name}, or --name another`);
  const { kernel, image } = await kernelAndImage(openStore(options.store));
  if (options.detach) {
    await mkdir(meshDir, { recursive: true });
    const args = [
      'mesh',
      'up',
      ...(file ? [file] : ['--topo', options.topo!]),
      '--name',
      name,
      '--backend',
      backend,
      ...(options.partition ? ['--partition', options.partition] : []),
      '--store',
      openStore(options.store).dir,
      ...(options.json ? ['--json'] : []),
    ];
    // A log of this start's own: two starts of one name must not read each other's lines.
    const log = join(meshDir, `${name}.${process.pid}.log`);
    const ready = new RegExp(`^(mesh ${name} is up|\\{"name")`, 'm');
    const text = await startDetached(args, log, ready, 120_000 + 2000 * topology.nodes.length, { BATU_MESH_LOG: log });
    return void process.stdout.write(
      text
        .split('\n')
        .filter((l) => !l.startsWith('batu: '))
        .join('\n'),
    );
  }
  await claimMeshName(name);
  let mesh: Mesh | undefined;
  let server: MeshServer | undefined;
  let signalled = false;
  // Everything the mesh made, and its name: on ctrl-c, on `down`, or when anything fails.
  const stopAll = async () => {
    await mesh?.stop();
    await (server ? server.close() : releaseMeshName(name));
  };
  const shutdown = async () => {
    await stopAll();
    process.exit(0);
  };
  // A signal while nodes boot waits for the boot to finish, then stops them all.
  const onSignal = () => {
    if (server) void shutdown();
    else signalled = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  try {
    mesh = await Mesh.start(topology, {
      kernel,
      image,
      backend,
      partition: options.partition,
      report: stderrReporter,
    });
    if (signalled) return shutdown();
    server = await serveMesh(name, mesh, aliases, {
      log: process.env.BATU_MESH_LOG,
      status: mesh.statusAddress,
    });
    const status = await waitForRoutes(mesh, 30_000 + 500 * topology.nodes.length);
    const record: MeshStatus = {
      name,
      ...(options.partition ? { partition: options.partition } : {}),
      converged: converged(status),
      views: status,
      down: [],
    };
    const seconds = (Date.now() - started) / 1000;
    output(
      options,
      { ...record, seconds },
      () =>
        `${describePart(record)}\nmesh ${name} is up: ${status.length} nodes in ${seconds.toFixed(1)} s; ` +
        `batu mesh status|cut|restore|link|kill|start|exec|vis|down -n ${name}`,
    );
    await server.down;
  } catch (error) {
    await stopAll();
    throw error;
  }
  await shutdown();
}

/** Views once every node has a route to every other, or the last ones when time runs out. */
async function waitForRoutes(mesh: Mesh, timeoutMs: number): Promise<NodeView[]> {
  for (const end = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 500))) {
    const views = await observe(mesh);
    if (converged(views) || Date.now() > end) return views;
  }
}
