// The `builtin:initramfs` builder: packs <tree>/root (a realised guest tree) into
// $out/initramfs.cpio, and the same tree as $out/root for the shared hostfs mode.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { registerBuiltin } from '../derivations/index.ts';
import { packInitramfs } from './cpio.ts';
import { baseEntries } from './entries.ts';
import { entriesFromDirectory } from './tree.ts';

// What the output depends on: this folder's code and the cpio-stream version.
const implementation = ['builtin.ts', 'cpio.ts', 'entries.ts', 'tree.ts']
  .map((f) => readFileSync(new URL(`./${f}`, import.meta.url)))
  .concat(readFileSync(new URL('../../node_modules/cpio-stream/package.json', import.meta.url)));
const identity = createHash('sha256').update(Buffer.concat(implementation)).digest('hex');

registerBuiltin('initramfs', {
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
});
