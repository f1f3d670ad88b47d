// The nodes running on this machine, whichever batu process started them: each has a record
// (<runRoot>/nodes/<umid>/node.json); dead ones are reaped (their taps, the namespace made
// for them, UML's directory) so the next start does not trip on them.
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../derivations/index.ts';
import type { NodeSpec } from '../cmdline/index.ts';
import { Netns } from './netns.ts';

/** Our run state; per user, so an unprivileged user's nodes never need root's directory. */
export const runRoot =
  process.env.BATU_RUN_DIR ?? (process.getuid?.() === 0 ? '/tmp/batu-run' : `/tmp/batu-run-${process.getuid?.()}`);

export interface RunningNode {
  umid: string;
  pid: number;
  netns?: Netns;
  spec: NodeSpec;
  serviceIp?: string;
  runDir: string;
  umlDir: string;
}

let reapedOnce: Promise<string[]> | undefined;
/** reapDeadNodes, once per process (a start needs it before its first tap, not before every one). */
export const reapDeadNodesOnce = () => (reapedOnce ??= reapDeadNodes());

interface NodeRecord {
  umid: string;
  pid: number;
  netns?: string;
  ownsNetns?: boolean;
  taps?: string[];
  spec: NodeSpec;
  umlDir: string;
}

/**
 * Remove what nodes whose process died (kill -9 of their runner) left behind: their taps,
 * the namespace made for them, UML's directory and the record. Their console log stays.
 */
export async function reapDeadNodes(): Promise<string[]> {
  const dir = join(runRoot, 'nodes');
  const reaped: string[] = [];
  for (const umid of await readdir(dir).catch(() => [] as string[])) {
    const text = await readFile(join(dir, umid, 'node.json'), 'utf8').catch(() => undefined);
    if (!text) continue;
    const record = JSON.parse(text) as NodeRecord;
    if (processAlive(record.pid)) continue;
    const ns = record.netns ? Netns.existing(record.netns) : undefined;
    if (ns && record.ownsNetns) await ns.delete();
    else for (const tap of record.taps ?? []) await ns?.deleteLink(tap);
    await rm(join(record.umlDir, umid), { recursive: true, force: true });
    await rm(join(dir, umid, 'node.json'), { force: true });
    await rm(join(dir, umid, 'pid'), { force: true });
    reaped.push(umid);
  }
  return reaped;
}

/** Nodes started by any batu process on this machine that are still alive (dead ones are reaped first). */
export async function listNodes(): Promise<RunningNode[]> {
  await reapDeadNodes();
  const dir = join(runRoot, 'nodes');
  const found: RunningNode[] = [];
  for (const umid of await readdir(dir).catch(() => [] as string[])) {
    const text = await readFile(join(dir, umid, 'node.json'), 'utf8').catch(() => undefined);
    if (!text) continue;
    const { pid, netns, spec, umlDir } = JSON.parse(text) as {
      pid: number;
      netns?: string;
      spec: NodeSpec;
      umlDir: string;
    };
    if (!processAlive(pid)) continue;
    found.push({
      umid,
      pid,
      spec,
      umlDir,
      netns: netns ? Netns.existing(netns) : undefined,
      serviceIp: spec.serviceIp?.split('/')[0],
      runDir: join(dir, umid),
    });
  }
  return found;
}
