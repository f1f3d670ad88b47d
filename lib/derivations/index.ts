// batu/derivations: describe → hash → realise into the store, Nix-style. The public surface
// only; the layers live in folders: model/ (what a derivation is, its hash and path),
// store/ (the store on disk: paths, manifests, roots, gc, repair, import/export),
// build/ (realising: the sandboxed builder, progress, a recipe's main), sources/ (fetching
// fixed-output sources: Debian, npm, URLs; pins), cache/ (binary caches: push, substitute,
// signing). The build constructors (staticC, kernelModule, …) sit above, in lib/stdenv.
export { derivation, debPackage, debSource, url, tree, repoFiles, isDerivation, RecipeError } from './model/define.ts';
export type { Derivation, Input, FixedSource } from './model/schema.ts';
export { canonical, sha256, base32 } from './model/hash.ts';
export { hashInput, storePath, closure, derivationIdentity } from './model/evaluate.ts';
export { isBuiltin, type Builtin } from './model/builtins.ts';

export {
  Store,
  openStore,
  storeOf,
  listPaths,
  isValid,
  isUsable,
  sidecar,
  readManifest,
  DamagedPathError,
  SOURCE_DATE_EPOCH,
  packageRoot,
  type StoreLike,
} from './store/store.ts';
export { verify, gc, add, addRoot, listRoots, referenceClosure } from './store/maintain.ts';
export { exportClosure, importClosure, ImportError, type ImportOptions } from './store/transfer.ts';
export { repair, deletePath, RepairError, type RepairOptions } from './store/repair.ts';
export { computeManifest, treeHash, type Manifest } from './store/manifest.ts';
export { holdPaths, releaseHeldPaths, liveTempRoots } from './store/temproots.ts';
export { prebuilt, Prebuilt } from './store/prebuilt.ts';

export { realise, realiseAll, type RealiseOptions, type RealiseResult } from './build/realise.ts';
export {
  defineRecipe,
  lazy,
  buildRecipe,
  recipeMain,
  recipeHelp,
  type Recipe,
  type RecipeFlags,
  type BuildOptions,
  type BuildResult,
} from './build/recipe.ts';
export { BuildError } from './build/sandbox.ts';
export { DiskFullError } from './build/disk.ts';
export { stderrReporter, silentReporter, type Reporter } from './build/progress.ts';
export { resolveTools, baseTools } from './build/toolchain.ts';

export { npmPackage, lockedPackages, type LockOptions } from './sources/npm.ts';
export { FetchError } from './sources/fetch.ts';
export { pinned, readPinFile, checkPins, updatePins, PinFile, type PinStatus, type PinChange } from './sources/pins.ts';
export { servedVersions, type Served, type PinKind } from './sources/archive.ts';

export {
  generateKeyPair,
  readSecretKey,
  parsePublicKey,
  KeyError,
  type PublicKey,
  type SecretKey,
} from './cache/signing.ts';
export {
  cacheSettings,
  parsePublicKeys,
  splitList,
  readStoreConfig,
  writeStoreConfig,
  type CacheOptions,
  type CacheSettings,
} from './cache/settings.ts';
export { openCache, readPathInfo, CacheError, type Cache, type PathInfo } from './cache/cache.ts';
export { push, type PushOptions, type PushResult } from './cache/push.ts';
export { challenge, type Challenged } from './cache/challenge.ts';
export { SubstituteError } from './cache/substitute.ts';

export { processAlive } from '../process/alive.ts';
export { acquireLock, type Lock } from '../process/lock.ts';
