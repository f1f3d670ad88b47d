// Realising: walk the closure in dependency order, reuse valid paths, build the rest
// in scratch dirs inside the store and rename each in atomically once it is complete.
import { constants, existsSync } from 'node:fs';
import { access, chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { canonical } from '../model/hash.ts';
import { closure, hashInput, storePath, toolsOf } from '../model/evaluate.ts';
import { fetchSource } from '../sources/fetch.ts';
import { gcLock, holdPaths } from '../store/temproots.ts';
import { computeManifest } from '../store/manifest.ts';
import { BuildProgress, stderrReporter, type Reporter } from './progress.ts';
import { runBuilder } from './sandbox.ts';
import { DiskFullError, diskFullError, saysNoSpace } from './disk.ts';
import type { Input } from '../model/schema.ts';
import {
  commitPath,
  discardTree,
  hashPart,
  isUsable,
  openStore,
  removeTree,
  scratchDir,
  sidecar,
  type Store,
  type StoreLike,
} from '../store/store.ts';
import { resolveTools } from './toolchain.ts';
import { addRoot, referenceClosure } from '../store/maintain.ts';
import { cacheSettings, type CacheOptions } from '../cache/settings.ts';
import { substituteMissing } from '../cache/substitute.ts';

/** Substituters and trusted keys (default: BATU_SUBSTITUTERS, BATU_TRUSTED_KEYS, the store's config). */
export interface RealiseOptions extends CacheOptions {
  store?: StoreLike;
  report?: Reporter;
  /** Register the result as a gc root under this name (<store>/.roots/<name>). */
  root?: string;
  /** Host paths builders may write besides their scratch (tests that watch a build); not hashed. */
  sandboxPaths?: string[];
}

export interface RealiseResult {
  path: string;
  built: string[];
  reused: string[];
  /** Taken from a binary cache. */
  substituted: string[];
}

export async function realise(target: Input, options: RealiseOptions = {}): Promise<RealiseResult> {
  const {
    paths: [path],
    ...rest
  } = await realiseAll([target], options);
  return { path, ...rest };
}

/**
 * Realise several targets as one closure: every fixed-output source any of them still
 * needs is fetched before the first build starts, so a source that can no longer be had
 * fails in seconds, not after a kernel build. `root` roots the first target.
 */
export async function realiseAll(
  targets: Input[],
  options: RealiseOptions = {},
): Promise<{ paths: string[]; built: string[]; reused: string[]; substituted: string[] }> {
  const store = openStore(options.store);
  const report = options.report ?? stderrReporter;
  await mkdir(store.dir, { recursive: true });
  if (!(await writable(store))) return readOnly(targets, store);
  await openToBuilders(store);
  // Held before validity is checked, under the gc lock: gc cannot take what this plan counts on.
  const lock = await gcLock(store, 'shared', (holder) => report(`waiting for the store's gc lock, held by ${holder}`));
  let planned: Awaited<ReturnType<typeof plan>>;
  try {
    await holdPaths(
      store,
      await Promise.all([...new Set(targets.flatMap((t) => closure(t)))].map((i) => storePath(i, store))),
    );
    planned = await plan(targets, store);
  } finally {
    await lock.release();
  }
  let { missing } = planned;
  const { reused } = planned;
  const settings = await cacheSettings(store, options);
  const substituted = settings.substituters.length
    ? await substituteMissing(targets, missing, store, settings, report)
    : [];
  if (substituted.length) ({ missing } = await plan(targets, store)); // what still needs building
  const built: string[] = [];
  for (const { input, path } of [
    ...missing.filter((m) => m.input.type !== 'derivation'),
    ...missing.filter((m) => m.input.type === 'derivation'),
  ]) {
    const lock = await store.lock(hashPart(path), {
      purpose: `realising ${basename(path)}`,
      onWait: (holder) => report(`${basename(path)}: waiting for its lock, held by ${holder}`),
    });
    try {
      if (await isUsable(path)) reused.push(path);
      else {
        await realiseOne(input, path, store, report, options.sandboxPaths);
        built.push(path);
      }
    } finally {
      await lock.release();
    }
  }
  const paths = await Promise.all(targets.map((t) => storePath(t, store)));
  if (options.root && paths[0]) await addRoot(store, options.root, paths[0]);
  return { paths, built, reused, substituted };
}

const writable = (store: Store) =>
  access(store.dir, constants.W_OK).then(
    () => true,
    () => false,
  );

/**
 * A store this process may not write (root's, used by an unprivileged mesh): what is there
 * can be used, without locks or temporary roots (gc by the owner may take it); nothing can be built.
 */
async function readOnly(
  targets: Input[],
  store: Store,
): Promise<{ paths: string[]; built: string[]; reused: string[]; substituted: string[] }> {
  const { missing, reused } = await plan(targets, store);
  if (missing.length) {
    throw new Error(
      `the store ${store} is read-only for this user (uid ${process.getuid?.()}) and lacks ${missing.length} path(s), e.g. ${missing[0].path}: realise them as the store's owner first`,
    );
  }
  return { paths: await Promise.all(targets.map((t) => storePath(t, store))), built: [], reused, substituted: [] };
}

/** Builders run as an unprivileged user: the store must let it in (a mkdtemp'd store is 0700). */
async function openToBuilders(store: Store): Promise<void> {
  const st = await stat(store.dir);
  if (process.getuid?.() === 0 && st.uid === 0 && (st.mode & 0o005) !== 0o005) await chmod(store.dir, 0o755);
}

/**
 * What realising `targets` takes: the inputs whose paths are missing, dependencies first.
 * Below a valid path nothing is needed (a kernel that exists needs no source fetched).
 */
async function plan(
  targets: Input[],
  store: Store,
): Promise<{ missing: { input: Input; path: string }[]; reused: string[] }> {
  const missing: { input: Input; path: string }[] = [];
  const reused: string[] = [];
  const seen = new Set<Input>();
  const visit = async (input: Input): Promise<void> => {
    if (seen.has(input)) return;
    seen.add(input);
    const path = await storePath(input, store);
    if (await isUsable(path)) {
      reused.push(path);
      return;
    }
    if (input.type === 'derivation') for (const dep of Object.values(input.inputs)) await visit(dep);
    missing.push({ input, path });
  };
  for (const target of targets) await visit(target);
  return { missing, reused };
}

async function realiseOne(
  input: Input,
  path: string,
  store: Store,
  report: Reporter,
  sandboxPaths?: string[],
): Promise<void> {
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
      if (input.builtin) await input.builtin.build({ inputs: inputPaths, env: input.env, out });
      else {
        out = await runBuilder({
          label,
          script: input.builder,
          scratch,
          progress,
          logFile: sidecar.log(path),
          env: { ...input.env, ...inputPaths },
          tools: await resolveTools(toolsOf(input)),
          visible: await referenceClosure(Object.values(inputPaths)),
          sandboxPaths,
        });
      }
      if (!existsSync(out))
        throw new Error(`building ${label}: the builder did not create $out (log: ${sidecar.log(path)})`);
      progress.done();
    } else {
      report(`fetching ${label}`);
      await mkdir(out);
      await fetchSource(input, out, store);
    }
    const manifest = await computeManifest(out, { scan: await referenceCandidates(input, store) });
    await commitPath(
      path,
      out,
      canonical({ ...input, inputs: inputPaths, hash: await hashInput(input) }) + '\n',
      manifest,
    );
  } catch (e) {
    // A full disk gets its space back now, not when a detached remover gets to it.
    if (!saysNoSpace(e) || e instanceof DiskFullError) throw e;
    await removeTree(scratch);
    throw await diskFullError(`building ${label}`, store.dir);
  } finally {
    await discardTree(store, scratch);
  }
}

/** Under the lock, anything left for this path is from a realiser that died. */
async function removeStale(store: Store, path: string): Promise<void> {
  const { tmp } = store;
  for (const name of existsSync(tmp) ? await readdir(tmp) : []) {
    if (name.startsWith(`${hashPart(path)}.`)) await removeTree(join(tmp, name));
  }
}

/** The build-time closure's paths, by the hash string that would reveal a reference. */
async function referenceCandidates(input: Input, store: Store): Promise<Map<string, string>> {
  const scan = new Map<string, string>();
  if (input.type !== 'derivation') return scan;
  for (const dep of closure(input)) {
    if (dep === input) continue;
    const path = await storePath(dep, store);
    scan.set(hashPart(path), basename(path));
  }
  return scan;
}
