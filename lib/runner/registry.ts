// The nodes running on this machine, whichever batu process started them: each has a record
// (<runRoot>/nodes/<umid>/node.json); dead ones are reaped (their taps, the namespace made
// for them, UML's directory) so the next start does not trip on them.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../derivations/index.ts';
import { z } from 'zod';
import { NodeSpec } from '../cmdline/index.ts';
import { RecordError, readRecord } from '../record.ts';
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

/** <runRoot>/nodes/<umid>/node.json: what a reap needs to clean up after a node, and its spec. */
export const NodeRecord = z.strictObject({
  umid: z.string(),
  pid: z.number().int().positive(),
  netns: z.string().optional(),
  ownsNetns: z.boolean().optional(),
  taps: z.array(z.string()).default([]),
  umlDir: z.string(),
  spec: NodeSpec,
});
export type NodeRecord = z.infer<typeof NodeRecord>;

/** Every node's record; one that cannot be read is reported (`onBad`) and left alone. */
async function nodeRecords(onBad: (error: RecordError) => void): Promise<NodeRecord[]> {
  const dir = join(runRoot, 'nodes');
  const records: NodeRecord[] = [];
  for (const umid of await readdir(dir).catch(() => [] as string[])) {
    const record = await readRecord(join(dir, umid, 'node.json'), NodeRecord).catch((e: unknown) => {
      if (e instanceof RecordError) return onBad(e);
      throw e;
    });
    if (record) records.push(record);
  }
  return records;
}

const warn = (e: RecordError): void => void process.stderr.write(`batu: skipping a node record: ${e.message}\n`);

/**
 * Remove what nodes whose process died (kill -9 of their runner) left behind: their taps,
 * the namespace made for them, UML's directory and the record. Their console log stays.
 */
export async function reapDeadNodes(onBad = warn): Promise<string[]> {
  const dir = join(runRoot, 'nodes');
  const reaped: string[] = [];
  for (const record of await nodeRecords(onBad)) {
    if (processAlive(record.pid)) continue;
    const { umid } = record;
    const ns = record.netns ? Netns.existing(record.netns) : undefined;
    if (ns && record.ownsNetns) await ns.delete();
    else for (const tap of record.taps) await ns?.deleteLink(tap);
    await rm(join(record.umlDir, umid), { recursive: true, force: true });
    await rm(join(dir, umid, 'node.json'), { force: true });
    await rm(join(dir, umid, 'pid'), { force: true });
    reaped.push(umid);
  }
  return reaped;
}

/** Nodes started by any batu process on this machine that are still alive (dead ones are reaped first). */
export async function listNodes(onBad = warn): Promise<RunningNode[]> {
  await reapDeadNodes(onBad);
  const dir = join(runRoot, 'nodes');
  return (await nodeRecords(() => {}))
    .filter((r) => processAlive(r.pid))
    .map(({ umid, pid, netns, spec, umlDir }) => ({
      umid,
      pid,
      spec,
      umlDir,
      netns: netns ? Netns.existing(netns) : undefined,
      serviceIp: spec.serviceIp?.split('/')[0],
      runDir: join(dir, umid),
    }));
}
