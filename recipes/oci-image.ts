// batu's container image, the one `batu mesh manifests --image` runs: an OCI image layout
// (one gzip layer) holding the default kernel and guest image, the host helpers, batu
// compiled with its production node_modules, and the userland they need. The store paths
// keep their names under /batu/store; /batu/prebuilt.json (BATU_PREBUILT) names them, so
// the image never evaluates a recipe. Push it with skopeo (Debian's), e.g.
//   skopeo copy oci:$(npx tsx recipes/oci-image.ts) docker://registry.example/batu:0.1.0
import {
  SOURCE_DATE_EPOCH,
  derivation,
  repoFiles,
  runRecipe,
  storePath,
  type Prebuilt,
} from '../lib/derivations/index.ts';
import { runnerHelpers } from '../lib/runner/helpers.ts';
import { simHelpers } from '../lib/sim/helpers.ts';
import { batuApp } from './container/app.ts';
import { containerUserland } from './container/userland.ts';
import { image } from './image.ts';
import { linuxV15 } from './linux-v15.ts';

const layout = await repoFiles('batu-oci-layout', new URL('./container/oci', import.meta.url));
// The host helpers' derivations only (no runtime layer is loaded): the runner's and lib/sim's.
const helpers = [await runnerHelpers(), ...(await simHelpers())];
const helperInputs = Object.fromEntries(helpers.map((h, i) => [`helper${i}`, h]));
const store = '/batu/store';

/** The image config (OCI image-spec config.json); the layer's digest is filled in by the builder. */
const config = {
  architecture: 'amd64',
  os: 'linux',
  created: new Date(SOURCE_DATE_EPOCH * 1000).toISOString().replace('.000Z', 'Z'), // the layer's mtimes
  config: {
    User: '1000:1000',
    Env: ['PATH=/usr/bin:/bin', `BATU_STORE=${store}`, 'BATU_PREBUILT=/batu/prebuilt.json', 'HOME=/tmp'],
    Entrypoint: ['/usr/bin/batu'],
    WorkingDir: '/tmp',
    Labels: { 'org.opencontainers.image.title': 'batu', 'org.opencontainers.image.version': batuApp.version },
  },
  rootfs: { type: 'layers', diff_ids: ['sha256:@DIFF_ID@'] },
};

/** What the image runs (BATU_PREBUILT): the store paths it holds, where they land in it. */
const prebuilt = {
  kernel: await storePath(linuxV15, store),
  image: await storePath(image, store),
  helpers: Object.fromEntries(await Promise.all(helpers.map(async (h) => [h.name, await storePath(h, store)]))),
} satisfies Prebuilt;

export const ociImage = derivation({
  name: 'batu-oci-image',
  version: batuApp.version,
  inputs: { layout, userland: containerUserland, app: batuApp, kernel: linuxV15, image, ...helperInputs },
  env: {
    config: JSON.stringify(config),
    ref: batuApp.version,
    store,
    helpers: Object.keys(helperInputs).join(' '),
    prebuilt: JSON.stringify(prebuilt),
    batuJs: `${await storePath(batuApp, store)}/lib/batu/bin/batu.js`,
  },
  builder: `
    phase root
    # mount points a runtime fills (a read-only root cannot grow them): /proc, /sys, /dev, the topology
    mkdir -p root/batu/store root/etc/batu root/tmp root/proc root/sys root/dev
    cp -a "$userland"/. root/ && chmod -R u+w root
    for p in "$kernel" "$image" "$app"; do cp -a "$p" "root$store/"; done
    for h in $helpers; do cp -a "\${!h}" "root$store/"; done
    printf '%s\\n' "$prebuilt" > root/batu/prebuilt.json
    printf '#!/bin/sh\\nexec /usr/bin/node %s "$@"\\n' "$batuJs" > root/usr/bin/batu
    chmod 755 root/usr/bin/batu
    printf 'root:x:0:0::/root:/bin/sh\\nbatu:x:1000:1000::/tmp:/bin/sh\\n' > root/etc/passwd
    printf 'root:x:0:\\nbatu:x:1000:\\n' > root/etc/group
    printf 'hosts: files dns\\n' > root/etc/nsswitch.conf
    phase layer
    bash "$layout/oci-layout.sh" root "$out"
  `,
});

await runRecipe(import.meta, ociImage);
