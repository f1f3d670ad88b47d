// batu's container image, the one `batu mesh manifests --image` runs: an OCI image layout
// (one gzip layer) holding the default kernel and guest image, the host helpers, batu
// compiled with its production node_modules, and the userland they need. The store paths
// keep their names under /batu/store; /batu/prebuilt.json (BATU_PREBUILT) names them, so
// the image never evaluates a recipe. Push it with skopeo (Debian's), e.g.
//   skopeo copy oci:$(npx tsx recipes/oci-image.ts) docker://registry.example/batu:0.1.0
import { defineRecipe, derivation, lazy, recipeMain, repoFiles, storePath } from '../lib/derivations/index.ts';
import { runnerHelpers } from '../lib/runner/helpers.ts';
import { simHelpers } from '../lib/sim/helpers.ts';
import { batuApp } from './container/app.ts';
import { imageConfig, imageStore, prebuiltOf } from './container/layout.ts';
import { containerUserland } from './container/userland.ts';
import { image } from './image.ts';
import { linuxV15 } from './linux-v15.ts';

export const ociImage = lazy(async () => {
  const [app, kernel, guest] = [await batuApp(), await linuxV15(), await image()];
  // The host helpers' derivations only (no runtime layer is loaded): the runner's and lib/sim's.
  const helpers = [await runnerHelpers(), ...(await simHelpers())];
  const helperInputs = Object.fromEntries(helpers.map((h, i) => [`helper${i}`, h]));
  return derivation({
    name: 'batu-oci-image',
    version: app.version,
    inputs: {
      layout: await repoFiles('batu-oci-layout', new URL('./container/oci', import.meta.url)),
      userland: await containerUserland(),
      ...{ app, kernel, image: guest, ...helperInputs },
    },
    env: {
      config: JSON.stringify(imageConfig(app.version)),
      ref: app.version,
      store: imageStore,
      helpers: Object.keys(helperInputs).join(' '),
      prebuilt: JSON.stringify(await prebuiltOf(kernel, guest, helpers)),
      batuJs: `${await storePath(app, imageStore)}/lib/batu/bin/batu.js`,
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
});

export const recipe = defineRecipe({
  name: 'oci-image',
  description: "batu's container image (an OCI image layout), run from a prebuilt closure",
  make: ociImage,
});

await recipeMain(import.meta, recipe);
