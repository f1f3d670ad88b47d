// Temporary roots (Nix's temproots): the paths a running process is realising, importing
// or holding as results are kept by gc while that process lives. Each process appends the
// names to <store>/.temproots/<pid>; gc reads the files of live processes, under the
// store's gc lock, so a path is either held before gc looks or gone before it is checked.
import { existsSync, rmSync } from 'node:fs';
import { appendFile, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { processAlive } from '../../process/alive.ts';
import type { Lock } from '../../process/lock.ts';
import { openStore, type Store, type StoreLike } from './store.ts';

/** This process's temproots files and the names already in each. */
const held = new Map<string, Set<string>>();

/** Keep `paths` from gc for as long as this process runs. */
export async function holdPaths(store: Store, paths: string[]): Promise<void> {
  const dir = store.tempRoots;
  const file = join(dir, String(process.pid));
  if (!held.has(file)) {
    held.set(file, new Set());
    process.once('exit', () => rmSync(file, { force: true }));
  }
  const names = held.get(file)!;
  const fresh = [...new Set(paths.map((p) => basename(p)))].filter((n) => !names.has(n));
  if (fresh.length === 0 && existsSync(file)) return;
  await mkdir(dir, { recursive: true });
  await appendFile(file, fresh.map((n) => `${n}\n`).join(''));
  fresh.forEach((n) => names.add(n));
}

/** Path names held by live processes; files of dead ones are removed. */
export async function liveTempRoots(store: Store): Promise<Set<string>> {
  const dir = store.tempRoots;
  const live = new Set<string>();
  for (const name of existsSync(dir) ? await readdir(dir) : []) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (!processAlive(pid)) {
      await rm(join(dir, name), { force: true });
      continue;
    }
    for (const line of (await readFile(join(dir, name), 'utf8').catch(() => '')).split('\n')) if (line) live.add(line);
  }
  return live;
}

/**
 * The store's gc lock: realise and import hold it shared while they register temporary
 * roots and check what is valid; gc holds it exclusively while it collects.
 */
export function gcLock(store: Store, mode: 'shared' | 'exclusive', onWait?: (holder: string) => void): Promise<Lock> {
  return store.lock('gc', {
    shared: mode === 'shared',
    purpose: 'collecting garbage',
    onWait: onWait ?? ((holder) => process.stderr.write(`batu: waiting for the store's gc lock, held by ${holder}\n`)),
  });
}

/** Stop holding what this process realised or imported into `store` (gc may take it now). */
export async function releaseHeldPaths(store: StoreLike): Promise<void> {
  const file = join(openStore(store).tempRoots, String(process.pid));
  held.get(file)?.clear();
  await rm(file, { force: true });
}
