// Host-side clients of a node's services, reached over its management link (inside the
// node's namespace): batctl (and tc) over TCP 12000 or the batctl console, alfred over
// TCP 16962, files over 9P (diod's tools to list and read, our client to get and put).
import { execa, type ResultPromise } from 'execa';
import type { ExecOptions, ExecResult } from './netns.ts';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Netns } from './netns.ts';
import type { NodeSpec } from '../cmdline/index.ts';
import type { ConsoleChannel } from './console-channel.ts';
import { NinePClient } from './ninep.ts';
import { servicePorts } from './contract.ts';
import { withDeadline } from '../deadline.ts';

/** What the clients need of a node: a running UmlNode, or one found by listNodes(). */
export interface NodeRef {
  spec: NodeSpec;
  netns?: Netns;
  serviceIp?: string;
  batctlConsole?: ConsoleChannel;
}

async function inNodeNetns(
  node: NodeRef,
  command: string,
  args: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  if (node.netns) return node.netns.exec(command, args, options);
  const r = await execa(command, args, { ...options, stripFinalNewline: false });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
}

/** A long-running process in the node's namespace (or here, for a node without one). */
function spawnInNodeNetns(
  node: NodeRef,
  command: string,
  args: string[],
  options: { buffer?: boolean } = {},
): ResultPromise {
  return node.netns ? node.netns.spawn(command, args, options) : execa(command, args, { reject: false, ...options });
}

function serviceIp(node: NodeRef, what: string): string {
  if (!node.serviceIp) throw new Error(`node ${node.spec.umid} has no serviceIp: ${what} is reached through it`);
  return node.serviceIp;
}

/**
 * Run batctl (or tc, ip, bridge, wg) inside the guest through its batctl service: the console
 * channel of a node this process started with batctlConsole, else TCP service_ip:12000.
 * Returns the output (stdout and stderr together; the service passes no exit status).
 */
export async function guestCommand(node: NodeRef, program: GuestProgram, args: string[]): Promise<string> {
  // The service frames arguments with NULs: one inside an argument would make two.
  const nul = args.findIndex((a) => a.includes('\0'));
  if (nul >= 0) throw new Error(`${program} argument ${nul + 1} contains a NUL byte, which no guest argument can hold`);
  if (node.batctlConsole) return node.batctlConsole.run([program, ...args]);
  if (!node.spec.batctlWrapper) {
    throw new Error(
      `node ${node.spec.umid} has no batctl service here (batctlWrapper: true, or batctlConsole for a node this process started)`,
    );
  }
  const request = Buffer.from([program, ...args].map((a) => `${a}\0`).join('') + '\0');
  const { stdout } = await inNodeNetns(
    node,
    'socat',
    ['-t', '10', '-', `TCP:${serviceIp(node, 'batctl')}:${servicePorts.batctl}`],
    { input: request },
  );
  return String(stdout);
}

/**
 * sh: images with the shell extra only (recipes/busybox.ts; refused by a read-only service).
 * kmemleak: a scan now and what it holds (debug kernels).
 */
export type GuestProgram =
  'batctl' | 'tc' | 'ip' | 'bridge' | 'wg' | 'batctl-legacy' | 'sh' | 'batadv-vis' | 'unplug' | 'kmemleak';

export const batctl = (node: NodeRef, args: string[]) => guestCommand(node, 'batctl', args);

/** A guest command that prints nothing when it works (ip, bridge and wg that change things): any output is its error. */
export async function guestQuiet(node: NodeRef, program: GuestProgram, args: string[]): Promise<void> {
  const out = (await guestCommand(node, program, args)).trim();
  if (out) throw new Error(`${program} ${args.join(' ')} on ${node.spec.umid}: ${out}`);
}

/** batctl's JSON queries (originators_json, neighbors_json, gateways_json, mesh_json …). */
export async function batctlJson<T = unknown>(node: NodeRef, query: string): Promise<T> {
  const out = await batctl(node, ['meshif', 'bat0', query]);
  try {
    return JSON.parse(out) as T;
  } catch {
    throw new Error(`batctl ${query} on ${node.spec.umid} did not return JSON: ${out.slice(0, 200)}`);
  }
}

export interface AlfredBridge {
  socket: string;
  close(): Promise<void>;
}

/** A host unix socket for alfred/batadv-vis clients, forwarded to the guest's alfred. */
export async function alfredBridge(node: NodeRef, socket: string): Promise<AlfredBridge> {
  if (node.spec.alfred === 'off') throw new Error(`node ${node.spec.umid} does not run alfred`);
  const args = [`UNIX-LISTEN:${socket},fork,unlink-early`, `TCP:${serviceIp(node, 'alfred')}:${servicePorts.alfred}`];
  const proc = spawnInNodeNetns(node, 'socat', args);
  for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(20);
  return {
    socket,
    close: async () => {
      proc.kill('SIGTERM');
      await proc;
      await execa('rm', ['-f', socket]);
    },
  };
}

/** diod's userspace clients (diodcat, diodls) against the node's 9P server: no kernel 9p needed. */
async function diodClient(node: NodeRef, tool: 'diodcat' | 'diodls', path: string, aname: string): Promise<string> {
  if (!node.spec.u9fs) throw new Error(`node ${node.spec.umid} does not run the 9P server (u9fs: true)`);
  const server = `${serviceIp(node, '9P')}:${servicePorts.ninep}`;
  return String((await inNodeNetns(node, tool, ['-t', '10', '-s', server, '-a', aname, path])).stdout);
}

/** Read a guest file over 9P. */
export const readGuestFile = (node: NodeRef, path: string, aname = '/') => diodClient(node, 'diodcat', path, aname);

export async function listGuestDir(node: NodeRef, path: string, aname = '/'): Promise<string[]> {
  return (await diodClient(node, 'diodls', path, aname)).split('\n').filter(Boolean).sort();
}

/** A 9P session with the guest's u9fs over socat in the node's namespace; closed after `use`. */
async function withNineP<T>(
  node: NodeRef,
  aname: string,
  use: (client: NinePClient, root: number) => Promise<T>,
): Promise<T> {
  if (!node.spec.u9fs) throw new Error(`node ${node.spec.umid} does not run the 9P server (u9fs: true)`);
  const proc = spawnInNodeNetns(node, 'socat', ['-', `TCP:${serviceIp(node, '9P')}:${servicePorts.ninep}`], {
    buffer: false,
  });
  try {
    const client = new NinePClient(proc.stdout!, proc.stdin!);
    return await withDeadline(
      client.attach(aname).then((root) => use(client, root)),
      30_000,
      `9P to ${node.spec.umid}: no answer within 30 s`,
    );
  } finally {
    proc.kill('SIGTERM');
    await proc;
  }
}

/** A guest file's bytes over 9P (any size, binary). */
export function getGuestFile(node: NodeRef, path: string, aname = '/'): Promise<Buffer> {
  return withNineP(node, aname, (client, root) => client.readFile(root, path));
}

/** Write a guest file over 9P (created, or truncated and rewritten). */
export function putGuestFile(node: NodeRef, path: string, data: Buffer, aname = '/', mode = 0o644): Promise<void> {
  return withNineP(node, aname, (client, root) => client.writeFile(root, path, data, mode));
}
