// A private apt configuration under the store: the machine's repositories, with deb-src
// added, and lists and caches of its own, so fetching never touches the host's apt state.
import { existsSync } from 'node:fs';
import type { Store } from '../store/store.ts';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

const hostSources = '/etc/apt/sources.list.d';

async function aptRoot(store: Store): Promise<string> {
  const root = store.apt;
  const parts = join(root, 'sources.list.d');
  if (!existsSync(join(root, 'ready'))) {
    await mkdir(parts, { recursive: true });
    await mkdir(join(root, 'lists', 'partial'), { recursive: true });
    await mkdir(join(root, 'cache', 'archives', 'partial'), { recursive: true });
    for (const name of existsSync(hostSources) ? await readdir(hostSources) : []) {
      if (!name.endsWith('.sources')) continue;
      const text = await readFile(join(hostSources, name), 'utf8');
      await writeFile(join(parts, name), text.replace(/^Types:\s*deb\s*$/gm, 'Types: deb deb-src'));
    }
    if (existsSync('/etc/apt/sources.list')) await copyFile('/etc/apt/sources.list', join(root, 'sources.list'));
    else await writeFile(join(root, 'sources.list'), '');
    await writeFile(join(root, 'ready'), '');
  }
  return root;
}

function aptOptions(root: string): string[] {
  return [
    '-o',
    `Dir::Etc::sourcelist=${join(root, 'sources.list')}`,
    '-o',
    `Dir::Etc::sourceparts=${join(root, 'sources.list.d')}`,
    '-o',
    `Dir::State::Lists=${join(root, 'lists')}`,
    '-o',
    `Dir::Cache=${join(root, 'cache')}`,
    '-o',
    'Debug::NoLocking=1',
    '-o',
    'APT::Sandbox::User=root',
    '-o',
    'Acquire::Retries=2',
  ];
}

// apt-get update exits 0 when a mirror cannot be reached (it keeps old lists or none): what
// it failed to fetch is kept, so an empty answer later is not mistaken for "no longer served".
async function update(root: string): Promise<void> {
  const { all } = await execa('apt-get', [...aptOptions(root), '-q', 'update'], { all: true });
  const failed = (all ?? '').split('\n').filter((line) => /^[EW]: Failed to fetch /.test(line));
  await writeFile(join(root, 'unreached'), failed.join('\n'));
  await writeFile(join(root, 'updated'), new Date().toISOString());
}

/** What the last list update could not fetch (apt's lines), or undefined when it fetched all. */
export async function unreachedLists(store: Store): Promise<string | undefined> {
  const text = await readFile(join(store.apt, 'unreached'), 'utf8').catch(() => '');
  return text.trim() || undefined;
}

/** Fetch the archive's lists now, so queries see what it serves today. */
export async function refreshLists(store: Store): Promise<void> {
  await update(await aptRoot(store));
}

/** Run apt-cache against the private lists (fetched first if there are none yet). */
export async function aptCache(store: Store, args: string[]): Promise<string> {
  const root = await aptRoot(store);
  if (!existsSync(join(root, 'updated'))) await update(root);
  return (await execa('apt-cache', [...aptOptions(root), ...args], { reject: false })).stdout;
}

/**
 * Run an apt-get download command in `dir`. Lists are fetched on first use, and again
 * once when apt cannot find what is asked (the mirror may have moved on).
 */
export async function aptFetch(store: Store, dir: string, args: string[]): Promise<void> {
  const root = await aptRoot(store);
  if (!existsSync(join(root, 'updated'))) await update(root);
  const run = () => execa('apt-get', [...aptOptions(root), '-q', ...args], { cwd: dir, reject: false, all: true });
  let result = await run();
  if (result.exitCode !== 0) {
    await update(root);
    result = await run();
  }
  if (result.exitCode !== 0) throw new Error(`apt-get ${args.join(' ')} failed:\n${result.all?.trim()}`);
}
