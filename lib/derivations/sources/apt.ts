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

async function update(root: string): Promise<void> {
  await execa('apt-get', [...aptOptions(root), '-q', 'update']);
  await writeFile(join(root, 'updated'), new Date().toISOString());
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
