// lib/rootfs: guest file trees from store paths, packed as a newc initramfs.
export { packInitramfs } from './cpio.ts';
export { completeTree, baseEntries, type RootfsEntry } from './entries.ts';
