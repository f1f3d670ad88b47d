// lib/rootfs: guest file trees from store paths, packed as a newc initramfs.
export { initramfs } from './builtin.ts';
export { packInitramfs } from './cpio.ts';
export { completeTree, baseEntries, type RootfsEntry } from './entries.ts';
export { entriesFromDirectory } from './tree.ts';
