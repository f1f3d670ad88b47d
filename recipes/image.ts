// The guest image: init, batctl, tc, ip + bridge + wg (tunnels in the node), alfred +
// batadv-vis, socat and the 9P server with their libraries, and a minimal /etc.
// `<path>/initramfs.cpio` boots with initrd=…; `<path>/root` is the same tree for a shared
// read-only hostfs root. guestImage({ modules }) adds kernel modules (/lib/modules/*.ko, loaded
// by the init before bat0 is made), { extras } more programs (each a tree laid over the root,
// e.g. usr/sbin/batctl-legacy).
import { defineRecipe, derivation, lazy, recipeMain, repoFiles, type Derivation } from '../lib/derivations/index.ts';
import { initramfs } from '../lib/rootfs/index.ts';
import { alfred } from './alfred.ts';
import { batctl } from './batctl.ts';
import { busybox } from './busybox.ts';
import { init } from './init.ts';
import { socat } from './socat.ts';
import { tc } from './tc.ts';
import { tunnelTools } from './tunnel-tools.ts';
import { u9fs } from './u9fs.ts';

const etc = lazy(() => repoFiles('batu-guest-etc', new URL('../guest/etc', import.meta.url)));

export async function guestImage({
  name = 'batu-image',
  modules = [] as Derivation[],
  extras = [] as Derivation[],
} = {}) {
  const moduleInputs = Object.fromEntries(modules.map((m, i) => [`module${i}`, m]));
  const extraInputs = Object.fromEntries(extras.map((e, i) => [`extra${i}`, e]));
  const tree = derivation({
    name: name === 'batu-image' ? 'batu-guest-tree' : `${name}-tree`,
    version: '1',
    inputs: {
      init: await init(),
      batctl: await batctl(),
      tc: await tc(),
      tunnelTools: await tunnelTools(),
      alfred: await alfred(),
      socat: await socat(),
      u9fs: await u9fs(),
      etc: await etc(),
      ...moduleInputs,
      ...extraInputs,
    },
    env: {
      ...(modules.length ? { moduleInputs: Object.keys(moduleInputs).join(' ') } : {}),
      ...(extras.length ? { extraInputs: Object.keys(extraInputs).join(' ') } : {}),
    },
    builder: `
      # Mount points must exist in the tree itself for the read-only hostfs root.
      mkdir -p "$out/root/etc" "$out/root/usr/sbin" "$out/root/root"
      for dir in dev proc sys tmp run mnt; do mkdir -p "$out/root/$dir"; done
      for part in "$batctl" "$tc" "$tunnelTools" "$alfred" "$socat" "$u9fs"; do
        cp -rT "$part" "$out/root" && chmod -R u+w "$out/root"
      done
      for e in \${extraInputs:-}; do
        cp -rT "\${!e}" "$out/root" && chmod -R u+w "$out/root"
      done
      for m in \${moduleInputs:-}; do
        mkdir -p "$out/root/lib/modules" && cp "\${!m}"/lib/modules/*.ko "$out/root/lib/modules/"
      done
      cp "$etc"/* "$out/root/etc/"
      install -m 755 "$init/bin/init" "$out/root/init"
    `,
  });
  return derivation({ name, version: '1', inputs: { tree }, builder: initramfs });
}

export const image = lazy(() => guestImage());
/** The image with a shell (recipes/busybox.ts): `mesh exec N sh -c …`, `mesh up --shell`. */
export const shellImage = lazy(async () => guestImage({ name: 'batu-image-shell', extras: [await busybox()] }));

export const recipe = defineRecipe({
  name: 'image',
  description: 'the guest image: initramfs.cpio, and root/ for a shared hostfs root',
  variants: { shell: 'the same with a shell: static busybox as /bin/sh' },
  make: (flags) => (flags.variant === 'shell' ? shellImage() : image()),
});

await recipeMain(import.meta, recipe);
