// Pins: the Debian packages recipes build from, each binary and source package's version
// and sha256, in one data file (a lock file, like package-lock.json). The archive replaces
// versions (security updates), so `checkPins` says which pins it no longer serves and
// `updatePins` moves pins to what it serves now, within the same release.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { refreshLists } from './apt.ts';
import { describeServed, servedVersions, type PinKind, type Served } from './archive.ts';
import { RecipeError, debPackage, debSource, parse } from '../model/define.ts';
import { debVersion, pathName, sha256 } from '../model/schema.ts';
import { writeAtomic } from '../store/store.ts';
import { openStore, type StoreLike } from '../store/store.ts';

const BinaryPin = z.strictObject({ version: debVersion, arch: z.enum(['amd64', 'all']), sha256 });
const SourcePin = z.strictObject({ version: debVersion, sha256 });

export const PinFile = z.strictObject({
  $comment: z.string().optional(),
  /** The Debian release the pins follow; `update` stays within it. */
  release: z.string().regex(/^[a-z]+$/, 'expected a Debian release codename, e.g. bookworm'),
  binary: z.record(pathName, BinaryPin),
  /** Pinned by the sha256 of the .dsc, which pins every file of the source package. */
  source: z.record(pathName, SourcePin),
});
export type PinFile = z.infer<typeof PinFile>;

export function readPinFile(file: string): PinFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RecipeError(`cannot read the pin file ${file}: ${(e as Error).message}`);
  }
  return parse(PinFile, data, `the pin file ${file}`);
}

async function writePinFile(file: string, pins: PinFile): Promise<void> {
  const sorted = <T>(record: Record<string, T>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
  await writeAtomic(
    file,
    JSON.stringify({ ...pins, binary: sorted(pins.binary), source: sorted(pins.source) }, null, 2) + '\n',
  );
}

/** A pin file as recipes use it: inputs by package name. */
/** The pins of `file`, read on first use (so a recipe module that holds them reads nothing on import). */
export function pinned(file: string) {
  let read: PinFile | undefined;
  const load = () => (read ??= readPinFile(file));
  const missing = (kind: PinKind, name: string) =>
    new RecipeError(
      `no ${kind} pin for ${JSON.stringify(name)} in ${file}; add one with: batu pins add ${kind === 'source' ? '--source ' : ''}${name}`,
    );
  return {
    file,
    get release() {
      return load().release;
    },
    /** The pinned binary package `name` (a debPackage input). */
    deb(name: string) {
      const pin = load().binary[name];
      if (!pin) throw missing('binary', name);
      return debPackage({ package: name, ...pin });
    },
    /** The pinned source package `name` (a debSource input). */
    src(name: string) {
      const pin = load().source[name];
      if (!pin) throw missing('source', name);
      return debSource({ package: name, ...pin });
    },
  };
}

export interface PinStatus {
  kind: PinKind;
  name: string;
  version: string;
  ok: boolean;
  /** What the archive serves now, newest first. */
  served: Served[];
  problem?: string;
}

/** Whether the archive still serves every pin, exactly (version and sha256). Fetches fresh lists first. */
export async function checkPins(file: string, options: { store?: StoreLike }): Promise<PinStatus[]> {
  const pins = readPinFile(file);
  const store = openStore(options.store);
  await refreshLists(store);
  const statuses: PinStatus[] = [];
  for (const kind of ['binary', 'source'] as const) {
    const entries = Object.entries(pins[kind]);
    const served = await servedVersions(
      store,
      kind,
      entries.map(([name]) => name),
      pins.release,
    );
    for (const [name, pin] of entries) {
      const versions = served.get(name)!;
      const same = versions.find((v) => v.version === pin.version);
      const problem = !same
        ? `${pin.version} is not served; the archive has ${describeServed(versions, pins.release)}`
        : same.sha256 !== pin.sha256
          ? `the archive serves ${pin.version} with sha256 ${same.sha256}, the pin says ${pin.sha256}`
          : undefined;
      statuses.push({
        kind,
        name,
        version: pin.version,
        ok: !problem,
        served: versions,
        ...(problem ? { problem } : {}),
      });
    }
  }
  return statuses;
}

export interface PinChange {
  kind: PinKind;
  name: string;
  from?: string;
  to: string;
  sha256: string;
}

/**
 * Move pins (all, or those named) to the newest version the archive serves in the pin
 * file's release, with its sha256; `add` pins packages not pinned yet. Writes the file
 * and returns what changed.
 */
export async function updatePins(
  file: string,
  options: { store?: StoreLike; names?: string[]; add?: { kind: PinKind; name: string }[] },
): Promise<PinChange[]> {
  const pins = readPinFile(file);
  const store = openStore(options.store);
  const wanted: { kind: PinKind; name: string }[] = [...(options.add ?? [])];
  for (const name of options.names ?? []) {
    const kinds = (['binary', 'source'] as const).filter((k) => name in pins[k]);
    if (kinds.length === 0)
      throw new RecipeError(
        `no pin named ${JSON.stringify(name)} in ${file} (pinned: ${[...Object.keys(pins.binary), ...Object.keys(pins.source)].join(', ')}); batu pins add ${name} adds one`,
      );
    wanted.push(...kinds.map((kind) => ({ kind, name })));
  }
  if (!options.names?.length && !options.add?.length) {
    for (const kind of ['binary', 'source'] as const)
      wanted.push(...Object.keys(pins[kind]).map((name) => ({ kind, name })));
  }
  await refreshLists(store);
  const changes: PinChange[] = [];
  for (const kind of ['binary', 'source'] as const) {
    const names = wanted.filter((w) => w.kind === kind).map((w) => w.name);
    const served = await servedVersions(store, kind, names, pins.release);
    for (const name of names) {
      const [newest] = served.get(name)!;
      if (!newest)
        throw new RecipeError(
          `the archive serves no ${kind} package ${JSON.stringify(name)} in ${pins.release}; nothing was changed`,
        );
      const from = pins[kind][name];
      if (from?.version === newest.version && from.sha256 === newest.sha256) continue;
      if (kind === 'binary')
        pins.binary[name] = { version: newest.version, arch: newest.arch ?? 'amd64', sha256: newest.sha256 };
      else pins.source[name] = { version: newest.version, sha256: newest.sha256 };
      changes.push({ kind, name, ...(from ? { from: from.version } : {}), to: newest.version, sha256: newest.sha256 });
    }
  }
  if (changes.length) await writePinFile(file, pins);
  return changes;
}
