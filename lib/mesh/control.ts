// A running mesh, reachable by name from other processes (`batu mesh status NAME` in another
// shell): its process serves JSON-lines requests on a unix socket <runRoot>/mesh/<name>.sock,
// beside a record <name>.json. Requests are checked (zod) and run one at a time.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { processAlive } from '../derivations/index.ts';
import { Netns, listNamespaces, runRoot } from '../runner/index.ts';
import type { Mesh } from './mesh.ts';
import {
  MeshRequest,
  runOperation,
  type OperationContext,
  type OperationName,
  type ReplyOf,
  type RequestOf,
} from './operations.ts';
import { meshStatus } from './status.ts';
import { Turns, lineServer, statusServer } from './servers.ts';
import { formatIssues } from '../issues.ts';
import { RecordError, readRecord as readRecordFile, writeRecord as writeRecordFile } from '../record.ts';
import { MeshError, MeshUnreachableError } from './errors.ts';

export const MeshName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,23}$/, 'expected a mesh name: a lowercase letter, then up to 23 letters, digits or -');
export const meshDir = join(runRoot, 'mesh');
const socketOf = (name: string) => join(meshDir, `${name}.sock`);
const recordOf = (name: string) => join(meshDir, `${name}.json`);

/** <runRoot>/mesh/<name>.json: which process runs a mesh, and what it runs. */
export const MeshRecord = z.strictObject({
  name: MeshName,
  pid: z.number().int().positive(),
  backend: z.string(),
  nodes: z.array(z.string()),
  aliases: z.record(z.string(), z.string()),
  started: z.string(),
  /** The namespace its taps and bridges live in: recorded before it is made, so a killed mesh's is found. */
  netns: z
    .string()
    .regex(/^bt-[0-9a-f]{6}$/, 'expected bt-<6 hex digits>')
    .optional(),
});
export type MeshRecord = z.infer<typeof MeshRecord>;

/**
 * Take a mesh name for this process before anything starts: a name whose process still
 * runs is refused; what a dead one left (socket, record) is cleared.
 */
export async function claimMeshName(name: string, netns?: string): Promise<void> {
  MeshName.parse(name);
  const taken = (pid: number | string) =>
    new MeshError(`a mesh named ${name} is already running (pid ${pid}); batu mesh down -n ${name}, or --name another`);
  const running = await readRecord(name); // a dead one's socket and record go on the way
  if (running) throw taken(running.pid);
  await mkdir(meshDir, { recursive: true });
  const record = {
    name,
    pid: process.pid,
    backend: '',
    nodes: [],
    aliases: {},
    started: new Date().toISOString(),
    ...(netns ? { netns } : {}),
  };
  // Created exclusively: of two processes claiming one name at once, one gets it.
  await writeRecord(record, { exclusive: true }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EEXIST' ? taken('another process, just now') : error;
  });
}

/**
 * A record is written whole (lib/record.ts): linked in (exclusive: fails if one is there) or
 * renamed over the old one, so a reader never takes half of one for a dead process's leftovers.
 */
const writeRecord = (record: MeshRecord, options: { exclusive?: boolean } = {}) =>
  writeRecordFile(recordOf(record.name), MeshRecord, record, options);

/** Give a claimed name back (a mesh that failed to start). */
export async function releaseMeshName(name: string): Promise<void> {
  await rm(socketOf(name), { force: true });
  await rm(recordOf(name), { force: true });
}

/**
 * A mesh's record while its process runs. What a dead one left goes on the way: its record,
 * its socket and its namespace with every tap and bridge in it (said in one line; `onReaped`
 * hears of it too).
 */
async function readRecord(name: string, onReaped?: (dead: MeshRecord) => void): Promise<MeshRecord | undefined> {
  const record = await readRecordFile(recordOf(name), MeshRecord).catch((e: unknown) => {
    if (e instanceof RecordError) process.stderr.write(`batu: clearing a mesh record: ${e.message}\n`);
    else throw e;
  });
  if (record && processAlive(record.pid)) return record;
  if (record?.netns && (await listNamespaces('bt-')).includes(record.netns)) {
    await Netns.existing(record.netns).delete();
    process.stderr.write(
      `batu: mesh ${name}'s process ${record.pid} is gone: removed its namespace ${record.netns} (its taps and bridges)\n`,
    );
  }
  await releaseMeshName(name);
  if (record) onReaped?.(record);
  return undefined;
}

/** Meshes running on this host (records of dead processes are cleared on the way). */
export async function listMeshes(): Promise<MeshRecord[]> {
  const files = existsSync(meshDir) ? await readdir(meshDir) : [];
  const records = await Promise.all(files.filter((f) => f.endsWith('.json')).map((f) => readRecord(f.slice(0, -5))));
  return records.filter((r): r is MeshRecord => r !== undefined && existsSync(socketOf(r.name)));
}

export interface MeshServer {
  /** Settles once a `down` request has stopped the mesh and its answer has gone out. */
  down: Promise<void>;
  /** Stop serving; the socket and record go, and the --detach log after a clean stop (a failure's stays to be read). */
  close(clean?: boolean): Promise<void>;
}

/** The node a name given to the control socket means: an alias's own entry, never the prototype's ("constructor"). */
export const aliasOf = (aliases: Record<string, string>, name: string): string =>
  Object.hasOwn(aliases, name) ? aliases[name] : name;

/** Serve `mesh` under `name` (claimed before). */
export async function serveMesh(
  name: string,
  mesh: Mesh,
  aliases: Record<string, string>,
  /**
   * log: the --detach log the mesh's output goes to, removed by a clean close. status: also
   * answer `GET /status` over HTTP there (a partition's address, for other hosts to read).
   */
  options: { log?: string; status?: { address: string; port: number } } = {},
): Promise<MeshServer> {
  let downDone!: () => void;
  const down = new Promise<void>((resolve) => {
    downDone = resolve;
  });
  const context: OperationContext = {
    name,
    mesh,
    node(n: string) {
      const resolved = aliasOf(aliases, n);
      mesh.numberOf(resolved); // throws naming it if the mesh has no such node
      return resolved;
    },
  };
  const turns = new Turns();
  const server = await lineServer(socketOf(name), turns, async (line, socket) => {
    try {
      const parsed = MeshRequest.safeParse(JSON.parse(line));
      if (!parsed.success) throw new MeshError(`bad request: ${formatIssues(parsed.error, { top: 'request' })}`);
      const result = (await runOperation(context, parsed.data as MeshRequest)) ?? null;
      if (parsed.data.op === 'down') socket.once('close', downDone);
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  });
  const { status } = options;
  const http = status
    ? await statusServer(status, turns, () => meshStatus(name, mesh)).catch((error: Error) => {
        server.close();
        throw new MeshError(
          `mesh ${name}: cannot serve its status on ${status.address}:${status.port}: ${error.message}`,
        );
      })
    : undefined;
  const record: MeshRecord = {
    name,
    pid: process.pid,
    backend: mesh.backend,
    nodes: mesh.topology.nodes.map((n) => n.name),
    aliases,
    started: new Date().toISOString(),
    ...(mesh.netns ? { netns: mesh.netns.name } : {}),
  };
  await writeRecord(record);
  return {
    down,
    async close(clean = true) {
      http?.closeAllConnections();
      await Promise.all([server, ...(http ? [http] : [])].map((s) => new Promise((resolve) => s.close(resolve))));
      await releaseMeshName(name);
      if (options.log && clean) await rm(options.log, { force: true });
    },
  };
}

/** Send one request to the mesh named `name`; its answer, or its error thrown as ours. */
export async function meshRequest<K extends OperationName>(name: string, request: RequestOf<K>): Promise<ReplyOf<K>> {
  MeshName.parse(name);
  if (!(await readRecord(name)) || !existsSync(socketOf(name))) {
    const running = (await listMeshes()).map((m) => m.name);
    throw new MeshUnreachableError(`no mesh named ${name} is running (running: ${running.join(', ') || 'none'})`);
  }
  const text = await new Promise<string>((resolve, reject) => {
    const socket = createConnection(socketOf(name));
    let reply = '';
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk) => {
      reply += chunk;
    });
    socket.on('end', () => resolve(reply));
    socket.on('error', (error) => reject(new MeshUnreachableError(`mesh ${name} did not answer: ${error.message}`)));
  });
  const reply = JSON.parse(text) as { ok: boolean; result?: ReplyOf<K>; error?: string };
  if (!reply.ok) throw new MeshError(reply.error ?? 'failed');
  return reply.result as ReplyOf<K>;
}

/**
 * Stop the mesh named `name` and wait until its process has cleaned up and exited (the
 * answer to `down` comes before its socket and record go). A mesh whose process was killed
 * is 'reaped': what it left is removed.
 */
export async function meshDown(name: string, timeoutMs = 30_000): Promise<'stopped' | 'reaped'> {
  let reaped = false;
  const record = await readRecord(name, () => (reaped = true));
  if (reaped) return 'reaped'; // its process was killed: what it left is gone now
  await meshRequest(name, { op: 'down' });
  for (const end = Date.now() + timeoutMs; record && processAlive(record.pid); await sleep(50)) {
    if (Date.now() > end)
      throw new MeshError(`mesh ${name} stopped its nodes but its process ${record.pid} is still there`);
  }
  return 'stopped';
}
