// What goes into batu's OCI image besides the store paths: its config (OCI image-spec
// config.json, the layer's digest filled in by the builder) and the prebuilt closure
// (BATU_PREBUILT) naming the store paths where they land in it.
import { SOURCE_DATE_EPOCH, storePath, type Derivation, type Prebuilt } from '../../lib/derivations/index.ts';

/** Where the image keeps its store. */
export const imageStore = '/batu/store';

export function imageConfig(version: string) {
  return {
    architecture: 'amd64',
    os: 'linux',
    created: new Date(SOURCE_DATE_EPOCH * 1000).toISOString().replace('.000Z', 'Z'), // the layer's mtimes
    config: {
      User: '1000:1000',
      Env: ['PATH=/usr/bin:/bin', `BATU_STORE=${imageStore}`, 'BATU_PREBUILT=/batu/prebuilt.json', 'HOME=/tmp'],
      Entrypoint: ['/usr/bin/batu'],
      WorkingDir: '/tmp',
      Labels: { 'org.opencontainers.image.title': 'batu', 'org.opencontainers.image.version': version },
    },
    rootfs: { type: 'layers', diff_ids: ['sha256:@DIFF_ID@'] },
  };
}

/** The prebuilt closure the image runs from: kernel, guest image and helpers by derivation name. */
export async function prebuiltOf(kernel: Derivation, image: Derivation, helpers: Derivation[]): Promise<Prebuilt> {
  return {
    kernel: await storePath(kernel, imageStore),
    image: await storePath(image, imageStore),
    helpers: Object.fromEntries(await Promise.all(helpers.map(async (h) => [h.name, await storePath(h, imageStore)]))),
  };
}
