// lib/derivations: describe → hash → realise into the store.
export { derivation, debPackage, debSource, url, tree, repoFiles, isDerivation, RecipeError } from './define.ts';
export type { Derivation, Input, FixedSource } from './schema.ts';
export { canonical, sha256, base32 } from './hash.ts';
export { hashInput, storePath, closure, derivationIdentity } from './evaluate.ts';
export { realise, realiseAll, addRoot, type RealiseOptions, type RealiseResult } from './realise.ts';
export { verify, gc, add, listRoots, referenceClosure } from './maintain.ts';
export { exportClosure, importClosure } from './transfer.ts';
export { computeManifest, treeHash, type Manifest } from './manifest.ts';
export { storeDir, listPaths, isValid, sidecar, readManifest as readManifestOf } from './store.ts';
export { runRecipe } from './cli.ts';
export { BuildError } from './sandbox.ts';
export { FetchError } from './fetch.ts';
export { stderrReporter, silentReporter, type Reporter } from './progress.ts';
export { resolveTools, baseTools } from './toolchain.ts';
export { registerBuiltin, type Builtin } from './builtins.ts';
export { processAlive } from './lock.ts';
export { pinned, readPinFile, checkPins, updatePins, PinFile, type PinStatus, type PinChange } from './pins.ts';
export { servedVersions, type Served, type PinKind } from './archive.ts';
