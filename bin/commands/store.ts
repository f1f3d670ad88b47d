// batu store …: look after the store (list, roots, verify, gc, repair, delete, add, export, import)
// and its binary caches (keygen, push, challenge, config).
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import {
  add,
  cacheSettings,
  challenge,
  deletePath,
  exportClosure,
  gc,
  generateKeyPair,
  importClosure,
  listPaths,
  listRoots,
  push,
  readSecretKey,
  readStoreConfig,
  referenceClosure,
  repair,
  splitList,
  stderrReporter,
  openStore,
  type Store,
  storeOf,
  verify,
  writeStoreConfig,
} from '../../lib/derivations/index.ts';
import { realiseRecipe } from './build.ts';
import { jsonOption, output, storeOption, type Register } from './common.ts';

const trustedKeysOption = () =>
  new Option(
    '--trusted-keys <keys>',
    'keys whose signatures count (NAME:base64 or .pub files; default: BATU_TRUSTED_KEYS, the store config)',
  );

/** Store paths as given, or recipes (batu's by name, or files) realised to theirs. */
async function pathsOrRecipes(
  items: string[],
  store: Store,
  realise: { substitute?: boolean } = {},
): Promise<string[]> {
  const paths: string[] = [];
  for (const item of items) {
    const path = resolve(item);
    paths.push(storeOf(path) ? path : await realiseRecipe(item, { store: store.dir, ...realise }));
  }
  return paths;
}

type Options = { json?: boolean; store?: string };
const command = (name: string, description: string) =>
  new Command(name).description(description).addOption(storeOption());

// Loaded when a repair needs them: lib/rootfs hashes its sources as it loads, work every other command can skip.
const builtins = async () => [(await import('../../lib/rootfs/index.ts')).initramfs];

export const register: Register = (program) =>
  program
    .command('store')
    .description('look after the store')
    .addCommand(
      command('ls', 'valid paths in the store')
        .addOption(jsonOption())
        .action(async (options: Options) => {
          const paths = await listPaths(openStore(options.store));
          output(options, paths, () => paths.join('\n'));
        }),
    )
    .addCommand(
      command('roots', 'gc roots (<store>/.roots)')
        .addOption(jsonOption())
        .action(async (options: Options) => {
          const roots = Object.fromEntries(await listRoots(openStore(options.store)));
          output(options, roots, () =>
            Object.entries(roots)
              .map(([n, p]) => `${n} -> ${p}`)
              .join('\n'),
          );
        }),
    )
    .addCommand(
      command('verify', 're-hash every path against its manifest (exit 1 on a mismatch)')
        .addOption(jsonOption())
        .action(async (options: Options) => {
          const bad = await verify({ store: openStore(options.store) });
          output(options, { ok: bad.length === 0, problems: bad }, () =>
            bad.length === 0
              ? 'all paths match their manifests'
              : bad.map((b) => `${b.path}:\n  ${b.problems.join('\n  ')}`).join('\n'),
          );
          if (bad.length) process.exitCode = 1;
        }),
    )
    .addCommand(
      command('gc', 'remove paths no root (nor running process) references')
        .addOption(jsonOption())
        .action(async (options: Options) => {
          const { removed, kept } = await gc({ store: openStore(options.store) });
          output(
            options,
            { removed, kept },
            () => `kept ${kept.length} paths, removed ${removed.length}${removed.map((p) => `\n  ${p}`).join('')}`,
          );
        }),
    )
    .addCommand(
      new Command('repair')
        .description('rebuild or re-fetch damaged paths (verify names them)')
        .argument('<path...>')
        .action(async (paths: string[]) => {
          for (const path of paths.map((p) => resolve(p))) {
            const { was } = await repair(path, { builtins: await builtins() });
            console.log(`repaired ${path} (was: ${was.slice(0, 5).join('; ') || 'intact'})`);
          }
        }),
    )
    .addCommand(
      new Command('delete')
        .description('remove paths nothing references')
        .argument('<path...>')
        .action(async (paths: string[]) => {
          for (const path of paths.map((p) => resolve(p))) {
            await deletePath(path);
            console.log(`deleted ${path}`);
          }
        }),
    )
    .addCommand(
      command('add', 'put a file (or a tree) into the store and print its sha256; a .deb lands where its pin looks')
        .argument('<file>', 'a file or directory')
        .option('--name <name>', 'its name in the store')
        .option('--unpack', 'unpack a tarball into a tree')
        .addOption(jsonOption())
        .action(async (file: string, options: Options & { name?: string; unpack?: boolean }) => {
          const added = await add(file, {
            store: openStore(options.store),
            name: options.name,
            unpack: options.unpack,
          });
          const { source } = added;
          const use =
            source.type === 'deb'
              ? `it satisfies the pin ${source.package} ${source.version} (${source.arch}) by its hash`
              : source.type === 'tree'
                ? `pin it in a recipe as: tree({ name: '${added.name}', sha256: '${added.sha256}' })`
                : `pin it in a recipe as: url({ url: '<where it came from>', name: '${added.name}', sha256: '${added.sha256}' })`;
          output(options, added, () => `${added.path}\nsha256 ${added.sha256}\n${use}`);
        }),
    )
    .addCommand(
      new Command('export')
        .description('write the closure of PATHs to stdout as a tar stream, signed with --key')
        .argument('<path...>')
        .option('--key <file>', 'a secret key (batu store keygen) to sign each path with')
        .action(async (paths: string[], options: { key?: string }) => {
          if (process.stdout.isTTY) throw new Error('store export writes a tar stream: redirect stdout to a file');
          const key = options.key ? readSecretKey(options.key) : undefined;
          const packed = await exportClosure(
            paths.map((p) => resolve(p)),
            process.stdout,
            { key },
          );
          process.stderr.write(`exported ${packed.length} paths${key ? `, signed by ${key.name}` : ' (unsigned)'}\n`);
        }),
    )
    .addCommand(
      command(
        'import',
        'read such a stream from stdin into the store: all of it, checked and signed by a trusted key, or nothing',
      )
        .addOption(trustedKeysOption())
        .option(
          '--unsigned',
          'accept paths no trusted key signed (their files are still checked against their manifests)',
        )
        .addOption(jsonOption())
        .action(async (options: Options & { trustedKeys?: string; unsigned?: boolean }) => {
          const store = openStore(options.store);
          const { trustedKeys } = await cacheSettings(store, { trustedKeys: options.trustedKeys });
          if (options.unsigned)
            process.stderr.write(
              'importing without checking signatures: anyone who could change the stream could change its paths\n',
            );
          const imported = await importClosure(process.stdin, { store, trustedKeys, unsigned: options.unsigned });
          output(options, imported, () => imported.join('\n'));
        }),
    )
    .addCommand(
      new Command('keygen')
        .description('make an ed25519 key pair for signing paths: PREFIX.sec (keep it secret) and PREFIX.pub')
        .argument('<name>', "the key's name, e.g. ci.example.org-1")
        .requiredOption('--out <prefix>', 'where to write the two files')
        .action(async (name: string, options: { out: string }) => {
          const pub = await generateKeyPair(name, resolve(options.out));
          process.stderr.write(
            `wrote ${resolve(options.out)}.sec and .pub; trust the public key with --trusted-keys or batu store config:\n`,
          );
          console.log(pub);
        }),
    )
    .addCommand(
      command('push', 'sign the closure of PATHs (or of RECIPEs, realised) and upload it to a binary cache')
        .argument('<cache>', 'file:///dir or http(s)://server/dir (written by HTTP PUT)')
        .argument('<path-or-recipe...>')
        .requiredOption('--key <file>', 'the secret key to sign with (batu store keygen)')
        .option(
          '--build-closure',
          'also push what built them: intermediate builds and sources (.debs), which outlive the archive then',
        )
        .option('--force', 'upload paths the cache has already')
        .addOption(jsonOption())
        .action(
          async (
            cache: string,
            items: string[],
            options: Options & { key: string; force?: boolean; buildClosure?: boolean },
          ) => {
            const key = readSecretKey(options.key);
            const paths = await pathsOrRecipes(items, openStore(options.store));
            const result = await push(cache, paths, {
              key,
              force: options.force,
              buildClosure: options.buildClosure,
              report: stderrReporter,
            });
            output(
              options,
              result,
              () => `pushed ${result.pushed.length} paths, ${result.present.length} were there already`,
            );
          },
        ),
    )
    .addCommand(
      command('challenge', "compare this machine's builds with a cache's, file by file (exit 1 when one differs)")
        .argument('<cache>')
        .argument(
          '[path-or-recipe...]',
          'store paths, or recipes built here without substitutes (default: every path here)',
        )
        .addOption(trustedKeysOption())
        .addOption(jsonOption())
        .action(async (cache: string, items: string[], options: Options & { trustedKeys?: string }) => {
          const store = openStore(options.store);
          const paths = items.length
            ? await referenceClosure(await pathsOrRecipes(items, store, { substitute: false }))
            : await listPaths(store);
          const { trustedKeys } = await cacheSettings(store, { trustedKeys: options.trustedKeys });
          const results = await challenge(cache, paths, { trustedKeys });
          output(options, results, () =>
            results
              .map(
                (r) =>
                  `${r.path}: ${r.verdict}${r.signature ? ` (${r.signature})` : ''}${r.differences.map((d) => `\n  ${d}`).join('')}`,
              )
              .join('\n'),
          );
          if (results.some((r) => r.verdict === 'differs')) process.exitCode = 1;
        }),
    )
    .addCommand(
      command('config', "show or set the store's binary caches and trusted keys")
        .option(
          '--substituters <urls>',
          'binary caches realise asks before building (space or comma separated; "" for none)',
        )
        .option('--trusted-keys <keys>', 'public keys (NAME:base64 or .pub files) whose signatures count')
        .addOption(jsonOption())
        .action(async (options: Options & { substituters?: string; trustedKeys?: string }) => {
          const store = openStore(options.store);
          const config =
            options.substituters === undefined && options.trustedKeys === undefined
              ? await readStoreConfig(store)
              : await writeStoreConfig(store, {
                  ...(options.substituters !== undefined && { substituters: splitList(options.substituters) }),
                  ...(options.trustedKeys !== undefined && { trustedKeys: splitList(options.trustedKeys) }),
                });
          output(options, config, () =>
            [
              `substituters: ${config.substituters.join(' ') || 'none'}`,
              `trusted keys: ${config.trustedKeys.join(' ') || 'none'}`,
            ].join('\n'),
          );
        }),
    );
