// The guest image: init, batctl, tc, alfred + batadv-vis, socat and the 9P server with their
// libraries, and a minimal /etc. `<path>/initramfs.cpio` boots with initrd=…; `<path>/root`
// is the same tree for a shared read-only hostfs root.
import { derivation, repoFiles, runRecipe } from '../lib/derivations/index.ts';
import '../lib/rootfs/index.ts';
import { alfred } from './alfred.ts';
import { batctl } from './batctl.ts';
import { init } from './init.ts';
import { socat } from './socat.ts';
import { tc } from './tc.ts';
import { u9fs } from './u9fs.ts';

export const guestTree = derivation({
  name: 'batu-guest-tree',
  version: '1',
  inputs: { init, batctl, tc, alfred, socat, u9fs, etc: await repoFiles('batu-guest-etc', new URL('../guest/etc', import.meta.url).pathname) },
  builder: `
    # Mount points must exist in the tree itself for the read-only hostfs root.
    mkdir -p "$out/root/etc" "$out/root/usr/sbin" "$out/root/root"
    for dir in dev proc sys tmp run mnt; do mkdir -p "$out/root/$dir"; done
    for part in "$batctl" "$tc" "$alfred" "$socat" "$u9fs"; do
      cp -rT "$part" "$out/root" && chmod -R u+w "$out/root"
    done
    cp "$etc"/* "$out/root/etc/"
    install -m 755 "$init/bin/init" "$out/root/init"
  `,
});

export const image = derivation({
  name: 'batu-image',
  version: '1',
  inputs: { tree: guestTree },
  builder: 'builtin:initramfs',
});

await runRecipe(import.meta, image);
