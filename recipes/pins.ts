// The Debian packages every recipe builds from, pinned in debian-pins.json beside this
// file (versions and sha256). `batu pins check` says whether the archive still serves
// them; `batu pins update [PKG…]` renews them.
import { fileURLToPath } from 'node:url';
import { pinned } from '../lib/derivations/index.ts';

export const pinFile = fileURLToPath(new URL('./debian-pins.json', import.meta.url));
export const pins = pinned(pinFile);

/** The upstream part of a Debian version: 6.12.117-1~deb12u1 → 6.12.117. */
export const upstream = (debianVersion: string) => debianVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
