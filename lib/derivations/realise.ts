// Realising: walk the closure in dependency order, reuse valid paths, build the rest
// in scratch dirs inside the store and rename each in atomically once it is complete.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { builtinOf } from './builtins.ts';
import { canonical } from './hash.ts';
import { closure, hashInput, storePath, toolsOf } from './evaluate.ts';
import { fetchSource } from './fetch.ts';
import { acquireLock } from './lock.ts';
import { computeManifest } from './manifest.ts';
import { BuildProgress, stderrReporter, type Reporter } from './progress.ts';
import { runBuilder } from './sandbox.ts';
import type { Input } from './schema.ts';
import { commitPath, discardTree, hashPart, isValid, removeTree, scratchDir, sidecar, storeDir } from './store.ts';
import { resolveTools } from './toolchain.ts';

export interface RealiseOptions {
  store?: string;
  report?: Reporter;
  /** Register the result as a gc root under this name (<store>/.roots/<name>). */
  root?: string;
}

export interface RealiseResult { path: string; built: string[]; reused: string[] }

export async function realise(target: Input, options: RealiseOptions = {}): Promise<RealiseResult> {
  const store = storeDir(options.store);
  const report = options.report ?? stderrReporter;
  await mkdir(store, { recursive: true });
  const result: RealiseResult = { path: '', built: [], reused: [] };
  // Fixed-output sources first: one that must be `store add`ed fails before long builds.
  const order = closure(target);
  for (const input of [...order.filter((i) => i.type !== 'derivation'), ...order.filter((i) => i.type === 'derivation')]) {
    const path = await storePath(input, store);
    if (isValid(path)) { result.reused.push(path); continue; }
    const lock = await acquireLock(store, hashPart(path), (pid) =>
      report(`${basename(path)}: waiting for process ${pid}, which is realising it`));
    try {
      if (isValid(path)) result.reused.push(path);
      else { await realiseOne(input, path, store, report); result.built.push(path); }
    } finally {
      await lock.release();
    }
  }
  result.path = await storePath(target, store);
  if (options.root) await addRoot(store, options.root, result.path);
  return result;
}

async function realiseOne(input: Input, path: string, store: string, report: Reporter): Promise<void> {
  const label = basename(path).slice(33);
  await removeStale(store, path);
  const scratch = await scratchDir(store, hashPart(path));
  try {
    const inputPaths: Record<string, string> = {};
    let out = join(scratch, 'out');
    if (input.type === 'derivation') {
      for (const [key, dep] of Object.entries(input.inputs)) inputPaths[key] = await storePath(dep, store);
      report(`building ${label}`);
      const progress = new BuildProgress(label, report, input.meta.progress);
      const builtin = builtinOf(input.builder);
      if (builtin) await builtin.build({ inputs: inputPaths, env: input.env, out });
      else {
        out = await runBuilder({
          label, script: input.builder, scratch, progress, logFile: sidecar.log(path),
          env: { ...input.env, ...inputPaths },
          tools: await resolveTools(toolsOf(input)),
        });
      }
      if (!existsSync(out)) throw new Error(`building ${label}: the builder did not create $out (log: ${sidecar.log(path)})`);
      progress.done();
    } else {
      report(`fetching ${label}`);
      await mkdir(out);
      await fetchSource(input, out, store);
    }
    const manifest = await computeManifest(out, { scan: await referenceCandidates(input, store) });
    await commitPath(path, out, canonical({ ...input, inputs: inputPaths, hash: await hashInput(input) }) + '\n', manifest);
  } finally {
    await discardTree(store, scratch);
  }
}

/** Under the lock, anything left for this path is from a realiser that died. */
async function removeStale(store: string, path: string): Promise<void> {
  const tmp = join(store, '.tmp');
  for (const name of existsSync(tmp) ? await readdir(tmp) : []) {
    if (name.startsWith(`${hashPart(path)}.`)) await removeTree(join(tmp, name));
  }
}

/** The build-time closure's paths, by the hash string that would reveal a reference. */
async function referenceCandidates(input: Input, store: string): Promise<Map<string, string>> {
  const scan = new Map<string, string>();
  if (input.type !== 'derivation') return scan;
  for (const dep of closure(input)) {
    if (dep === input) continue;
    const path = await storePath(dep, store);
    scan.set(hashPart(path), basename(path));
  }
  return scan;
}

export async function addRoot(store: string, name: string, path: string): Promise<void> {
  const roots = join(store, '.roots');
  await mkdir(roots, { recursive: true });
  const tmp = join(roots, `.${name}.${process.pid}`);
  await rm(tmp, { force: true });
  await symlink(join('..', basename(path)), tmp); // relative: the store may move
  await rename(tmp, join(roots, name));
}
