// Substitution: taking a path from a binary cache instead of building it. Every missing
// path is asked of every cache at once; an offer counts only when signed by a trusted key
// (or, for a fixed-output source, once its content matches the pin's hash); the archive is
// checked by its hash, then imported like any stream: checked whole, or nothing enters.
import { basename, join } from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { CacheError, checkCacheInfo, openCache, readPathInfo, type Cache, type PathInfo } from './cache.ts';
import { checkFixedOutput, fileSha256 } from '../sources/fetch.ts';
import { limiter } from '../store/manifest.ts';
import { stat } from 'node:fs/promises';
import type { Reporter } from '../build/progress.ts';
import type { Input } from '../model/schema.ts';
import type { CacheSettings } from './settings.ts';
import { checkSignatures, fingerprint } from './signing.ts';
import { isUsable, removeTree, scratchDir, type Store } from '../store/store.ts';
import { storePath } from '../model/evaluate.ts';
import { importClosure } from '../store/transfer.ts';

export interface Offer {
  cache: Cache;
  info: PathInfo;
}

/** How many metadata files are asked for at once. */
const asking = limiter(16);

/**
 * Ask every cache for every path (one batch: all requests issued together, 16 at a
 * time). Returns the first acceptable offer of each path; what is refused is reported
 * with the path, the cache and why.
 */
export async function querySubstitutes(
  wanted: { input: Input; path: string }[],
  settings: CacheSettings,
  report: Reporter,
): Promise<Map<string, Offer>> {
  const offers = new Map<string, Offer>();
  for (const url of settings.substituters) {
    const cache = openCache(url, { timeoutMs: settings.timeoutMs });
    try {
      await checkCacheInfo(cache);
    } catch (e) {
      report(`not using the cache ${url}: ${(e as Error).message}`);
      continue;
    }
    // A cache that stops answering is asked nothing more: one line, not one per path.
    let gone = false;
    const asked = wanted.filter(({ path }) => !offers.has(path));
    const answers = await Promise.all(
      asked.map(({ input, path }) =>
        asking(async () => {
          if (gone) return;
          const info = await readPathInfo(cache, basename(path)).catch((e: Error) => e);
          if (gone) return; // another ask found it gone meanwhile
          if (unreachable(info)) {
            gone = true;
            return report(`not using the cache ${url} for the rest of this run: ${info.message}`);
          }
          if (info instanceof Error) return report(`not substituting ${basename(path)} from ${url}: ${info.message}`);
          if (!info) return;
          if (input.type === 'derivation') {
            const verdict = checkSignatures(fingerprint(info), info.signatures, settings.trustedKeys);
            if (!verdict.ok) return report(`not substituting ${basename(path)} from ${url}: ${verdict.reason}`);
          }
          return { path, offer: { cache, info } };
        }),
      ),
    );
    for (const answer of answers) if (answer) offers.set(answer.path, answer.offer);
  }
  return offers;
}

const unreachable = (e: unknown): e is CacheError => e instanceof CacheError && e.unreachable;

export class SubstituteError extends Error {
  /** The cache stopped answering: take nothing more from it. */
  readonly unreachable: boolean;
  constructor(message: string, { unreachable = false } = {}) {
    super(message);
    this.unreachable = unreachable;
  }
}

/** How often a download says how far it got. */
const progressEveryMs = 10_000;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/**
 * Take `path` from the cache that offered it: download its archive into the store's
 * scratch space, check its size and sha256, then import it checked (manifest, signature
 * or pinned hash, references); the import takes the path's lock to move it in.
 */
export async function substitute(
  input: Input,
  path: string,
  offer: Offer,
  store: Store,
  settings: CacheSettings,
  report: Reporter = () => {},
): Promise<void> {
  const { cache, info } = offer;
  const name = basename(path);
  const scratch = await scratchDir(store, 'substitute');
  const fail = (why: string, e?: unknown) =>
    new SubstituteError(`${name} from ${cache.url}: ${why}`, { unreachable: unreachable(e) });
  try {
    const archive = join(scratch, 'archive.tar.zst');
    const started = performance.now();
    let said = started;
    const progress = (received: number) => {
      const now = performance.now();
      if (now - said < progressEveryMs) return;
      said = now;
      const rate = received / 2 ** 20 / ((now - started) / 1000);
      report(
        `substituting ${name.slice(33)}: ${mib(received)} of ${mib(info.archive.size)} MiB (${rate.toFixed(1)} MiB/s)`,
      );
    };
    const found = await cache.download(info.archive.file, archive, info.archive.size, progress).catch((e: Error) => {
      throw fail(e.message, e);
    });
    if (!found) throw fail(`its archive ${info.archive.file} is missing from the cache`);
    const [size, sha256] = [(await stat(archive)).size, await fileSha256(archive)];
    if (size !== info.archive.size || sha256 !== info.archive.sha256)
      throw fail(
        `its archive does not match its metadata (hash mismatch: sha256 ${sha256}, ${size} bytes; metadata says ${info.archive.sha256}, ${info.archive.size} bytes)`,
      );
    const zstd = spawn('zstd', ['-q', '-d', '-c', archive], { stdio: ['ignore', 'pipe', 'ignore'] });
    // Piped at once: node discards a child's unread output when the child exits.
    const tarStream = zstd.stdout.pipe(new PassThrough());
    const exited = new Promise((done) => zstd.once('close', done));
    try {
      await importClosure(tarStream, {
        store,
        expect: [name],
        trustedKeys: settings.trustedKeys,
        signatures: new Map([[name, info.signatures]]),
        contentChecks:
          input.type === 'derivation' ? undefined : new Map([[name, (dir: string) => checkFixedOutput(input, dir)]]),
      });
    } catch (e) {
      throw fail((e as Error).message);
    } finally {
      zstd.kill();
      await exited;
    }
  } catch (e) {
    throw e instanceof SubstituteError ? e : fail(String((e as Error).message ?? e));
  } finally {
    await removeTree(scratch);
  }
}

// Planning: which offers to take, and in which order.

/**
 * Take from the caches what they offer of the missing paths, top-down: a target a cache
 * has needs only its references, not its build inputs. A substitution that fails is
 * reported and the plan is made again without that offer: the path gets built instead.
 */
export async function substituteMissing(
  targets: Input[],
  missing: { input: Input; path: string }[],
  store: Store,
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
      report(`substituting ${basename(path).slice(33)} from ${offer.cache.url} (${mib(offer.info.archive.size)} MiB)`);
      try {
        await substitute(input, path, offer, store, settings, report);
        substituted.push(path);
      } catch (e) {
        report(`${(e as Error).message}\n  building it instead`);
        offers.delete(path);
        if (e instanceof SubstituteError && e.unreachable) {
          report(`not using the cache ${offer.cache.url} for the rest of this run`);
          for (const [other, { cache }] of offers) if (cache === offer.cache) offers.delete(other);
        }
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
  store: Store,
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
      let ok = await isUsable(store.path(name));
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
