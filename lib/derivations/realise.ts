// Realising: walk the closure in dependency order, reuse valid paths, build the rest
// in scratch dirs inside the store and rename each in atomically once it is complete.
import { constants, existsSync } from 'node:fs';
import { access, chmod, mkdir, readdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { canonical } from './hash.ts';
import { closure, hashInput, storePath, toolsOf } from './evaluate.ts';
import { fetchSource } from './fetch.ts';
import { acquireLock } from './lock.ts';
import { gcLock, holdPaths } from './temproots.ts';
import { computeManifest } from './manifest.ts';
import { BuildProgress, stderrReporter, type Reporter } from './progress.ts';
import { runBuilder } from './sandbox.ts';
import type { Input } from './schema.ts';
import { commitPath, discardTree, hashPart, isUsable, removeTree, scratchDir, sidecar, storeDir } from './store.ts';
import { resolveTools } from './toolchain.ts';
import { referenceClosure } from './maintain.ts';
import { cacheSettings, type CacheOptions, type CacheSettings } from './settings.ts';
import { querySubstitutes, substitute, type Offer } from './substitute.ts';

/** Substituters and trusted keys (default: BATU_SUBSTITUTERS, BATU_TRUSTED_KEYS, the store's config). */
export interface RealiseOptions extends CacheOptions {
  store?: string;
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
  const store = storeDir(options.store);
  const report = options.report ?? stderrReporter;
  await mkdir(store, { recursive: true });
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
    const lock = await acquireLock(store, hashPart(path), {
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

/**
 * Take from the caches what they offer of the missing paths, top-down: a target a cache
 * has needs only its references, not its build inputs. A substitution that fails is
 * reported and the plan is made again without that offer: the path gets built instead.
 */
async function substituteMissing(
  targets: Input[],
  missing: { input: Input; path: string }[],
  store: string,
  settings: CacheSettings,
  report: Reporter,
): Promise<string[]> {
  if (!missing.length) return [];
  const offers = await querySubstitutes(missing, settings, report);
  const substituted: string[] = [];
  for (let failed = true; failed && offers.size;) {
    failed = false;
    for (const { input, path, offer } of await chooseSubstitutes(targets, missing, offers, store, report)) {
      if (await isUsable(path)) continue;
      const size = (offer.info.archive.size / 2 ** 20).toFixed(1);
      report(`substituting ${basename(path).slice(33)} from ${offer.cache.url} (${size} MiB)`);
      try {
        await substitute(input, path, offer, store, settings);
        substituted.push(path);
      } catch (e) {
        report(`${(e as Error).message}\n  building it instead`);
        offers.delete(path);
        failed = true;
        break;
      }
    }
  }
  return substituted;
}

/** The offers to take, each after the offers its references need; skips an offer whose references no one has. */
async function chooseSubstitutes(
  targets: Input[],
  missing: { input: Input; path: string }[],
  offers: Map<string, Offer>,
  store: string,
  report: Reporter,
): Promise<{ input: Input; path: string; offer: Offer }[]> {
  const byName = new Map(missing.map((m) => [basename(m.path), m]));
  const chosen: { input: Input; path: string; offer: Offer }[] = [];
  const available = new Map<string, boolean>();
  // A path can be had when it is in the store, or offered with references that can be had.
  const canHave = async (name: string): Promise<boolean> => {
    if (!available.has(name)) {
      available.set(name, false); // a reference cycle does not count
      const wanted = byName.get(name);
      const offer = wanted && offers.get(wanted.path);
      let ok = await isUsable(join(store, name));
      if (!ok && offer) {
        ok = true;
        for (const ref of offer.info.references.filter((r) => r !== name)) {
          if (await canHave(ref)) continue;
          report(
            `not substituting ${name} from ${offer.cache.url}: its reference ${ref} is in neither the store nor a cache`,
          );
          ok = false;
          break;
        }
      }
      available.set(name, ok);
    }
    return available.get(name)!;
  };
  const seen = new Set<string>();
  const take = (name: string) => {
    const wanted = byName.get(name);
    if (!wanted || seen.has(name) || !offers.has(wanted.path)) return;
    seen.add(name);
    for (const ref of offers.get(wanted.path)!.info.references) if (ref !== name) take(ref);
    chosen.push({ ...wanted, offer: offers.get(wanted.path)! });
  };
  const visit = async (input: Input): Promise<void> => {
    const path = await storePath(input, store);
    const name = basename(path);
    if (seen.has(name) || !byName.has(name)) return; // in the store already, or below a path that is
    if (offers.has(path) && (await canHave(name))) return take(name);
    seen.add(name);
    if (input.type === 'derivation') for (const dep of Object.values(input.inputs)) await visit(dep);
  };
  for (const target of targets) await visit(target);
  return chosen;
}

const writable = (store: string) =>
  access(store, constants.W_OK).then(
    () => true,
    () => false,
  );

/**
 * A store this process may not write (root's, used by an unprivileged mesh): what is there
 * can be used, without locks or temporary roots (gc by the owner may take it); nothing can be built.
 */
async function readOnly(
  targets: Input[],
  store: string,
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
async function openToBuilders(store: string): Promise<void> {
  const st = await stat(store);
  if (process.getuid?.() === 0 && st.uid === 0 && (st.mode & 0o005) !== 0o005) await chmod(store, 0o755);
}

/**
 * What realising `targets` takes: the inputs whose paths are missing, dependencies first.
 * Below a valid path nothing is needed (a kernel that exists needs no source fetched).
 */
async function plan(
  targets: Input[],
  store: string,
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
  store: string,
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
