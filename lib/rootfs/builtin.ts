// The initramfs builtin builder: packs <tree>/root (a realised guest tree) into
// $out/initramfs.cpio, and the same tree as $out/root for the shared hostfs mode.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Builtin } from '../derivations/index.ts';
import { packInitramfs } from './cpio.ts';
import { baseEntries } from './entries.ts';
import { entriesFromDirectory } from './tree.ts';

// What the output depends on: this folder's code and the cpio-stream version. An installed
// package has no .ts sources: its build (scripts/build-package.ts) wrote their digest here.
const sources = ['builtin.ts', 'cpio.ts', 'entries.ts', 'tree.ts'];
const digestFile = new URL('./sources.sha256', import.meta.url);

export function sourcesDigest(): string {
  const hash = createHash('sha256');
  for (const f of sources) hash.update(readFileSync(new URL(`./${f}`, import.meta.url)));
  return hash.digest('hex');
}

const cpioStream = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('cpio-stream/package.json'), 'utf8'),
) as { version: string };
const identity = createHash('sha256')
  .update(
    JSON.stringify({
      sources: existsSync(new URL('./builtin.ts', import.meta.url))
        ? sourcesDigest()
        : readFileSync(digestFile, 'utf8').trim(),
      cpioStream: cpioStream.version,
    }),
  )
  .digest('hex');

/** The `initramfs` builder: a derivation with `builder: initramfs` packs its `tree` input. */
export const initramfs: Builtin = {
  name: 'initramfs',
  identity,
  async build({ inputs, out }) {
    const tree = join(inputs.tree, 'root');
    const entries = await entriesFromDirectory(tree);
    const given = new Set(entries.map((e) => e.path));
    await mkdir(out);
    await packInitramfs([...baseEntries.filter((e) => !given.has(e.path)), ...entries], join(out, 'initramfs.cpio'));
    // A real directory, not a symlink: hostfs cannot take a symlink as its root. Hard
    // links into the tree cost no space.
    await execa('cp', ['-al', tree, join(out, 'root')]);
  },
};
