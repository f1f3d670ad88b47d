// lib/derivations: describe → hash → realise into the store.
export { derivation, debPackage, debSource, url, tree, repoFiles, isDerivation, RecipeError } from './define.ts';
export type { Derivation, Input, FixedSource } from './schema.ts';
export { staticC, hostC, type CProgramOptions } from './stdenv.ts';
export { npmPackage, lockedPackages, nodeModules, type LockOptions } from './npm.ts';
export { kernelBuild, kernelModule, type KernelBuildOptions, type KernelModuleOptions } from './kbuild.ts';
export { canonical, sha256, base32 } from './hash.ts';
export { hashInput, storePath, closure, derivationIdentity } from './evaluate.ts';
export { realise, realiseAll, addRoot, type RealiseOptions, type RealiseResult } from './realise.ts';
export { verify, gc, add, listRoots, referenceClosure } from './maintain.ts';
export { exportClosure, importClosure, ImportError, type ImportOptions } from './transfer.ts';
export { generateKeyPair, readSecretKey, parsePublicKey, KeyError, type PublicKey, type SecretKey } from './signing.ts';
export {
  cacheSettings,
  parsePublicKeys,
  splitList,
  readStoreConfig,
  writeStoreConfig,
  type CacheOptions,
  type CacheSettings,
} from './settings.ts';
export { openCache, readPathInfo, CacheError, type Cache, type PathInfo } from './cache.ts';
export { push, type PushOptions, type PushResult } from './push.ts';
export { challenge, type Challenged } from './challenge.ts';
export { SubstituteError } from './substitute.ts';
export { repair, deletePath, RepairError, type RepairOptions } from './repair.ts';
export { computeManifest, treeHash, type Manifest } from './manifest.ts';
export {
  storeDir,
  storeOf,
  listPaths,
  isValid,
  isUsable,
  sidecar,
  readManifest as readManifestOf,
  DamagedPathError,
  SOURCE_DATE_EPOCH,
} from './store.ts';
export { runRecipe } from './cli.ts';
export { prebuilt, Prebuilt } from './prebuilt.ts';
export { BuildError } from './sandbox.ts';
export { FetchError } from './fetch.ts';
export { stderrReporter, silentReporter, type Reporter } from './progress.ts';
export { resolveTools, baseTools } from './toolchain.ts';
export { isBuiltin, type Builtin } from './builtins.ts';
export { processAlive, acquireLock, type Lock } from './lock.ts';
export { holdPaths, releaseHeldPaths, liveTempRoots } from './temproots.ts';
export { pinned, readPinFile, checkPins, updatePins, PinFile, type PinStatus, type PinChange } from './pins.ts';
export { servedVersions, type Served, type PinKind } from './archive.ts';
