// The operations a running mesh serves to other processes (control.ts) and the CLI offers
// (`batu mesh cut|restore|…`), each written once: its request's fields, what it does to the
// mesh, and how its answer reads. The request union, the server's dispatch, the typed reply
// and the subcommands all follow from this table; a new operation is one entry.
import { z } from 'zod';
import { dotToSvg, guestCommand, visFormats, visualize } from '../runner/index.ts';
import { MeshError } from './errors.ts';
import type { Mesh } from './mesh.ts';
import { describeStatus, meshStatus } from './status.ts';
import { describeReport, meshReport } from './report.ts';
import { debugTarget, shellLine } from './debug.ts';
import { LinkProperties } from './topology.ts';
import { nameVisDot } from './vis.ts';
import { meshSnapshot } from './snapshot.ts';
import { exportFormats, exportSnapshot } from './export.ts';

/** What an operation runs against: the mesh, its name, and node names with aliases resolved. */
export interface OperationContext {
  name: string;
  mesh: Mesh;
  /** A node's name as the topology has it (an alias resolved); throws naming an unknown one. */
  node(name: string): string;
}

/** How an operation reads on the command line: `batu mesh <op> <args…> [options]`. */
export interface OperationCli<Fields> {
  /** Positional arguments: request fields by name, in order; a last one ending in … takes the rest. */
  args?: string[];
  options?: { flags: string; description: string; number?: boolean; choices?: readonly string[]; default?: string }[];
  /** The request's fields from the positionals and options (default: the positionals by name). */
  request?(given: Record<string, unknown>): Fields;
  /** Offers -o FILE: the answer's text goes there instead of standard output. */
  outputFile?: boolean;
}

interface Operation<Shape extends z.ZodRawShape, Reply> {
  description: string;
  fields: Shape;
  run(ctx: OperationContext, request: z.infer<z.ZodObject<Shape>>): Promise<Reply>;
  /** The answer as text (the CLI without --json). */
  print(reply: Reply, request: z.infer<z.ZodObject<Shape>>): string;
  /** The CLI's exit status for this answer (default 0): a report with findings fails. */
  exitCode?(reply: Reply): number;
  /** Offered as a subcommand of its own (status and down have hand-made ones: --across, waiting for exit). */
  cli?: OperationCli<z.input<z.ZodObject<Shape>>>;
}

const operation = <Shape extends z.ZodRawShape, Reply>(o: Operation<Shape, Reply>) => o;

const Pair = { a: z.string(), b: z.string() };

/** What a change of a link between hosts says: only this host's end changed. */
const otherEnd = (host: string | undefined) =>
  host ? ` (this host's end; the link's other end is on host ${host}: change it there too)` : '';

/** cut and restore: one cable, pulled or put back. */
const cable = (verb: 'cut' | 'restore', description: string, done: string) =>
  operation({
    description,
    fields: Pair,
    run: ({ mesh, node }, { a, b }) => mesh[verb](node(a), node(b)),
    print: (host, { a, b }) => `${done} ${a}-${b}${otherEnd(host)}`,
    cli: { args: ['a', 'b'] },
  });

export const operations = {
  status: operation({
    description: 'what every node knows: neighbours, originators, gateway and its TQ',
    fields: {},
    run: ({ name, mesh }) => meshStatus(name, mesh),
    print: (status) => describeStatus(status),
  }),
  cut: cable('cut', 'pull the cable between two nodes (everything sent is dropped)', 'cut'),
  restore: cable('restore', 'put a cut link back', 'restored'),
  link: operation({
    description: "set a link's loss, delay, jitter and rate (those not given are cleared)",
    fields: { ...Pair, properties: LinkProperties },
    run: ({ mesh, node }, { a, b, properties }) => mesh.setLink(node(a), node(b), properties),
    print: (host, { a, b, properties }) =>
      `link ${a}-${b}: ${
        Object.entries(properties)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'no shaping'
      }${otherEnd(host)}`,
    cli: {
      args: ['a', 'b'],
      options: [
        { flags: '--loss <percent>', description: 'packet loss', number: true },
        { flags: '--delay <ms>', description: 'one-way delay', number: true },
        { flags: '--jitter <ms>', description: 'delay jitter (needs --delay)', number: true },
        { flags: '--rate <mbit>', description: 'rate limit', number: true },
      ],
      request: ({ a, b, loss, delay, jitter, rate }) => ({
        a: String(a),
        b: String(b),
        properties: Object.fromEntries(
          Object.entries({ lossPercent: loss, delayMs: delay, jitterMs: jitter, rateMbit: rate }).filter(
            ([, v]) => v !== undefined,
          ),
        ),
      }),
    },
  }),
  kill: operation({
    description: 'SIGKILL a node (a crash or power loss)',
    fields: { node: z.string() },
    run: ({ mesh, node }, request) => mesh.kill(node(request.node)),
    print: (_, { node }) => `killed ${node}`,
    cli: { args: ['node'] },
  }),
  start: operation({
    description: 'start a killed node again, with its links',
    fields: { node: z.string() },
    run: async ({ mesh, node }, request) => void (await mesh.startNode(node(request.node))),
    print: (_, { node }) => `started ${node}`,
    cli: { args: ['node'] },
  }),
  exec: operation({
    description: 'run batctl or tc (or sh, in images with a shell) in a node, e.g. mesh exec n1 batctl o',
    fields: {
      node: z.string(),
      program: z.enum(['batctl', 'tc', 'sh'], "mesh exec runs batctl, tc or sh (the guest's batctl service)"),
      args: z.array(z.string()).max(64),
    },
    run: ({ mesh, node }, request) => guestCommand(mesh.node(node(request.node)), request.program, request.args),
    print: (out) => out.replace(/\n$/, ''),
    cli: { args: ['node', 'program', 'args…'] },
  }),
  vis: operation({
    description: 'the mesh as batadv-vis sees it (from an alfred master); dot and svg name each node',
    fields: { format: z.enum(visFormats) },
    run: async ({ name, mesh }, { format }) => {
      const running = (n: { name: string }) => mesh.nodes.has(n.name);
      const from =
        mesh.topology.nodes.find((n) => n.alfred === 'master' && running(n)) ??
        mesh.topology.nodes.find((n) => n.alfred !== 'off' && running(n));
      if (!from) throw new MeshError(`no running node of mesh ${name} runs alfred`);
      const node = mesh.node(from.name);
      if (format === 'json') return visualize(node, format);
      const dot = nameVisDot(
        await visualize(node, 'dot'),
        mesh.topology.nodes.map((n) => n.name),
      );
      return format === 'svg' ? dotToSvg(dot) : dot;
    },
    print: (text) => text,
    cli: {
      options: [{ flags: '--format <format>', description: 'output format', choices: visFormats, default: 'dot' }],
    },
  }),
  snapshot: operation({
    description: 'every node and link at this moment, with what each node knows (what mesh web draws)',
    fields: { routes: z.boolean().optional() },
    run: ({ name, mesh }, { routes }) => meshSnapshot(name, mesh, { routes }),
    print: (snapshot) => JSON.stringify(snapshot, null, 2),
  }),
  export: operation({
    description:
      "the mesh in other tools' formats: meshviewer.json (Freifunk's maps), NetJSON NetworkGraph, Graphviz dot",
    fields: { format: z.enum(exportFormats) },
    run: async ({ name, mesh }, { format }) => exportSnapshot(await meshSnapshot(name, mesh), format),
    print: (text) => text.replace(/\n$/, ''),
    cli: {
      options: [
        { flags: '--format <format>', description: 'output format', choices: exportFormats, default: 'meshviewer' },
      ],
      outputFile: true,
    },
  }),
  report: operation({
    description:
      "what the nodes' kernels found: KASAN, UBSAN, lockdep, kmemleak (a scan now), WARN/BUG; exit 1 when anything (mesh up --debug)",
    fields: {},
    run: ({ mesh }) => meshReport(mesh.nodes),
    print: (report) => describeReport(report),
    exitCode: (report) => (report.findings ? 1 : 0),
    cli: {},
  }),
  debug: operation({
    description:
      'the gdb command that attaches to a node\'s kernel, with its modules\' symbols at their load addresses: eval "$(batu mesh debug N)"',
    fields: { node: z.string() },
    run: ({ mesh, node }, request) => debugTarget(node(request.node), mesh.node(node(request.node))),
    print: (target) => shellLine(target.gdb),
    cli: { args: ['node'] },
  }),
  capturePoint: operation({
    description:
      "where mesh capture reads a link's frames: a host device they pass, or a node at one end that streams them",
    fields: Pair,
    run: async ({ mesh, node }, { a, b }) => mesh.capturePoint(node(a), node(b)),
    print: (point) =>
      point.kind === 'device'
        ? `${point.device} in namespace ${point.netns}`
        : `${point.interface} of node ${point.node} (${point.address}:${point.port} in namespace ${point.netns})`,
  }),
  down: operation({
    description: 'stop every node and remove everything the mesh made',
    fields: {},
    run: ({ mesh }) => mesh.stop(),
    print: () => '',
  }),
};

export type OperationName = keyof typeof operations;
type Ops = typeof operations;
type FieldsOf<K extends OperationName> =
  Ops[K] extends Operation<infer S, unknown> ? (keyof S extends never ? object : z.infer<z.ZodObject<S>>) : never;
/** A request for operation K, as sent. */
export type RequestOf<K extends OperationName> = { op: K } & FieldsOf<K>;
/** What operation K answers. */
export type ReplyOf<K extends OperationName> = Awaited<ReturnType<Ops[K]['run']>>;
export type MeshRequest = { [K in OperationName]: RequestOf<K> }[OperationName];

const schemas = Object.entries(operations).map(([op, o]) =>
  z.strictObject({ op: z.literal(op), ...(o.fields as z.ZodRawShape) }),
);
/** Every request a mesh serves, checked before it runs. */
export const MeshRequest = z.discriminatedUnion('op', schemas as [(typeof schemas)[number], ...typeof schemas]);

/** Run a checked request against the mesh (the server's dispatch). */
export function runOperation(ctx: OperationContext, request: MeshRequest): Promise<unknown> {
  const op = operations[request.op] as Operation<z.ZodRawShape, unknown>;
  return op.run(ctx, request);
}
