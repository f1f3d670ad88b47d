// A mesh for as long as its caller wants it, served under a name (`batu mesh up`): the name
// is claimed before anything starts, the mesh is served to other processes once its nodes
// are up, and everything it made goes when `down` is requested, `signal` aborts (also while
// nodes boot: those booting are killed, no more start) or anything fails.
import { claimMeshName, releaseMeshName, serveMesh, type MeshServer } from './control.ts';
import { Mesh, type MeshOptions } from './mesh.ts';
import { Netns } from '../runner/index.ts';
import { converged, observe, type NodeView } from './observe.ts';
import type { MeshStatus } from './status.ts';
import type { TopologyInput } from './topology.ts';
import { controlSource } from './web/source.ts';
import { serveWeb, type WebServer } from './web/server.ts';

export interface RunMeshOptions extends MeshOptions {
  /** The name other processes find it by (claimed first: a running mesh of that name is refused). */
  name: string;
  /** Other names of nodes, as requests may use them (a meshnet-lab file's ids). */
  aliases?: Record<string, string>;
  signal?: AbortSignal;
  /** A --detach log the mesh's output goes to, removed by a clean stop. */
  log?: string;
  /** How long to wait for every node to have a route to every other before onUp (default 30 s + 0.5 s a node). */
  convergeTimeoutMs?: number;
  /** Once the mesh serves and has converged (or the wait ran out): its status and the seconds it took. */
  onUp?(status: MeshStatus, seconds: number): void;
  /** Work alongside the running mesh (e.g. watchTree), from onUp until it stops; its signal aborts then. */
  whileUp?(mesh: Mesh, signal: AbortSignal): Promise<void>;
  /** Also serve the live page (mesh web) there, from when the mesh serves until it stops. */
  web?: { host: string; port: number };
  /** Once the page is served: its address. */
  onWeb?(url: string): void;
}

export async function runMesh(topology: TopologyInput, options: RunMeshOptions): Promise<void> {
  const { name, signal } = options;
  // The namespace's name is recorded before it is made: a killed mesh's is found and removed.
  const netnsName = (options.backend ?? 'bridge') === 'bridge' ? Netns.newName('bt') : undefined;
  await claimMeshName(name, netnsName);
  let mesh: Mesh | undefined;
  let server: MeshServer | undefined;
  let web: WebServer | undefined;
  // After a failure the --detach log stays: the starting process reads the error there.
  const stopAll = async (clean = true) => {
    await web?.close();
    await mesh?.stop();
    await (server ? server.close(clean) : releaseMeshName(name));
  };
  const started = Date.now();
  try {
    mesh = await Mesh.start(topology, { ...options, netnsName });
    if (signal?.aborted) return await stopAll();
    server = await serveMesh(name, mesh, options.aliases ?? {}, { log: options.log, status: mesh.statusAddress });
    if (options.web) {
      // The page's requests go through the control socket, as the CLI's and mesh web's do.
      web = await serveWeb(controlSource(name), {
        ...options.web,
        intervalMs: Math.max(1000, mesh.topology.origInterval),
      });
      options.onWeb?.(web.url);
    }
    const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
    const timeout = options.convergeTimeoutMs ?? 30_000 + 500 * mesh.topology.nodes.length;
    const views = await Promise.race([waitForRoutes(mesh, timeout), aborted]);
    if (views) {
      const status: MeshStatus = {
        name,
        ...(options.partition ? { partition: options.partition } : {}),
        converged: converged(views),
        views,
        down: [],
      };
      options.onUp?.(status, (Date.now() - started) / 1000);
      const alongside = new AbortController();
      const work = options.whileUp?.(mesh, alongside.signal).catch((e: Error) => options.report?.(e.message));
      await Promise.race([server.down, aborted]);
      alongside.abort();
      await work;
    }
  } catch (error) {
    await stopAll(false);
    if (signal?.aborted) return; // asked to stop: everything it made is gone
    throw error;
  }
  await stopAll();
}

/** Views once every node has a route to every other, or the last ones when time runs out. */
export async function waitForRoutes(
  mesh: Pick<Mesh, 'topology' | 'nodes' | 'node'>,
  timeoutMs: number,
): Promise<NodeView[]> {
  for (const end = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 500))) {
    const views = await observe(mesh);
    if (converged(views) || Date.now() > end) return views;
  }
}
