// Mending a damaged store: `repair` rebuilds (or re-fetches) one path from the derivation
// recorded beside it (<path>.drv) and puts it back only if it comes out as recorded;
// `deletePath` removes one path when nothing references or holds it.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { builtinNamed, type Builtin } from '../model/builtins.ts';
import { fetchSource, recordedSource } from '../sources/fetch.ts';
import { computeManifest, diffManifests, type Manifest } from './manifest.ts';
import { listRoots, referenceClosure } from './maintain.ts';
import { BuildProgress, stderrReporter, type Reporter } from '../build/progress.ts';
import { runBuilder } from '../build/sandbox.ts';
import type { Derivation } from '../model/schema.ts';
import {
  DamagedPathError,
  commitPath,
  discardTree,
  hashPart,
  isUsable,
  isValid,
  listPaths,
  readManifest,
  removePath,
  scratchDir,
  sidecar,
  openStore,
  storeName,
} from './store.ts';
import { gcLock, liveTempRoots } from './temproots.ts';
import { resolveTools } from '../build/toolchain.ts';
import { toolsOf } from '../model/evaluate.ts';

export class RepairError extends Error {}

function checkStorePath(path: string): string {
  if (!storeName.test(basename(path)))
    throw new RepairError(`${path} is not a store path (<store>/<32-char hash>-<name>)`);
  return path;
}

/** Rebuild or re-fetch `path` from its .drv; the result replaces it only if it matches what was recorded. */
export interface RepairOptions {
  report?: Reporter;
  /** Builtins a path to repair may have been built by (a stored derivation names its builtin only). */
  builtins?: Builtin[];
}

export async function repair(path: string, options: RepairOptions = {}): Promise<{ path: string; was: string[] }> {
  const report = options.report ?? stderrReporter;
  const store = openStore(dirname(checkStorePath(path)));
  const drvText = await readFile(sidecar.drv(path), 'utf8').catch(() => {
    throw new RepairError(
      `${path} has no readable .drv beside it: nothing says how it was made (realise its recipe again after batu store delete ${path})`,
    );
  });
  const drv = JSON.parse(drvText) as Record<string, unknown>;
  if ('added' in drv) throw new RepairError(`${path} was put in with store add: add the same file again`);
  const recorded = await readManifest(path).catch((e) => {
    if (e instanceof DamagedPathError) return undefined;
    throw e;
  });
  const was = isValid(path)
    ? recorded
      ? await problemsOf(path, recorded)
      : ['its manifest is unreadable']
    : ['missing'];
  const lock = await store.lock(hashPart(path), { purpose: `repairing ${basename(path)}` });
  const scratch = await scratchDir(store, hashPart(path));
  try {
    let out = join(scratch, 'out');
    const label = basename(path).slice(33);
    let scan = new Map<string, string>();
    if (drv.type === 'derivation') {
      const inputs = drv.inputs as Record<string, string>;
      for (const [key, input] of Object.entries(inputs)) {
        if (!(await isUsable(input)))
          throw new RepairError(
            `${path} needs its input ${key} = ${input}, which is missing or damaged: repair that first`,
          );
      }
      scan = new Map((await referenceClosure(Object.values(inputs))).map((p) => [hashPart(p), basename(p)]));
      const { builder, env } = drv as unknown as Derivation;
      report(`repairing ${label}: building it again`);
      const progress = new BuildProgress(label, report);
      const builtin = builtinNamed(builder, options.builtins ?? []);
      if (builtin) await builtin.build({ inputs, env, out });
      else {
        out = await runBuilder({
          label,
          script: builder,
          scratch,
          progress,
          logFile: sidecar.log(path),
          env: { ...env, ...inputs },
          tools: await resolveTools(toolsOf(drv as unknown as Derivation)),
          visible: await referenceClosure(Object.values(inputs)),
        });
      }
    } else {
      const source = recordedSource(drvText);
      if (!source) throw new RepairError(`${sidecar.drv(path)} is neither a derivation nor a source`);
      report(`repairing ${label}: fetching it again`);
      await mkdir(out);
      await fetchSource(source, out, store);
    }
    const manifest = await computeManifest(out, { scan });
    if (recorded && manifest.treeHash !== recorded.treeHash) {
      throw new RepairError(
        `rebuilding ${path} gave other content than recorded (tree hash ${manifest.treeHash}, recorded ${recorded.treeHash}); left as it is`,
      );
    }
    await discardTree(store, path);
    await commitPath(path, out, drvText, manifest);
    return { path, was };
  } finally {
    await discardTree(store, scratch);
    await lock.release();
  }
}

async function problemsOf(path: string, recorded: Manifest): Promise<string[]> {
  return diffManifests(recorded, await computeManifest(path));
}

/** Remove `path` and its sidecars, unless a root, another path or a running process needs it. */
export async function deletePath(path: string): Promise<void> {
  const store = openStore(dirname(checkStorePath(path)));
  if (!existsSync(path) && !existsSync(sidecar.manifest(path))) throw new RepairError(`${path} is not in the store`);
  const lock = await gcLock(store, 'exclusive');
  try {
    const roots = [...(await listRoots(store))].filter(([, target]) => target === path).map(([name]) => name);
    if (roots.length)
      throw new RepairError(
        `${path} is a gc root (${roots.join(', ')} in ${store.roots}); remove the root first`,
      );
    if ((await liveTempRoots(store)).has(basename(path)))
      throw new RepairError(`${path} is held by a running process (it realised or imported it)`);
    const referrers: string[] = [];
    for (const other of await listPaths(store)) {
      if (other === path) continue;
      const refs = await readManifest(other).then(
        (m) => m.references,
        () => [] as string[],
      );
      if (refs.includes(basename(path))) referrers.push(other);
    }
    if (referrers.length) throw new RepairError(`${path} is referenced by ${referrers.join(', ')}; delete those first`);
    const pathLock = await store.lock(hashPart(path), { purpose: `deleting ${basename(path)}` });
    try {
      await removePath(path);
    } finally {
      await pathLock.release();
    }
  } finally {
    await lock.release();
  }
}
