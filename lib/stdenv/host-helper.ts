// Host programs a runtime layer needs (the runner's tapfd and fdwire, the simulator's
// calendar), built through the store on first use under a gc root (`store gc` between two
// meshes must not take them from under the next one), or taken from the prebuilt closure
// (BATU_PREBUILT, the container image) by derivation name.
import { join } from 'node:path';
import { prebuilt, realise, silentReporter, type Derivation, type Store } from '../derivations/index.ts';

const built = new Map<string, Promise<string>>();

/** The path of `file` inside the helper derivation `make()` makes, realised into `store` once per process. */
export async function helperFile(make: () => Promise<Derivation>, file: string, store: Store): Promise<string> {
  const drv = await make();
  const ready = prebuilt();
  if (ready) {
    const path = ready.helpers[drv.name];
    if (!path) throw new Error(`the helper ${file} is not in the prebuilt closure (BATU_PREBUILT has no ${drv.name})`);
    return join(path, file);
  }
  const key = `${store.dir}\0${drv.name}`;
  let path = built.get(key);
  if (!path) {
    path = realise(drv, { store, root: drv.name, report: silentReporter }).then((r) => r.path);
    built.set(key, path);
    path.catch(() => built.delete(key));
  }
  return join(await path, file);
}
