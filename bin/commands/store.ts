// batu store …: look after the store (list, roots, verify, gc, repair, delete, add, export, import).
import { resolve } from 'node:path';
import { Command } from 'commander';
import {
  add,
  deletePath,
  exportClosure,
  gc,
  importClosure,
  listPaths,
  listRoots,
  repair,
  verify,
  storeDir,
} from '../../lib/derivations/index.ts';
import { jsonOption, output, storeOption, type Register } from './common.ts';

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
          const paths = await listPaths(storeDir(options.store));
          output(options, paths, () => paths.join('\n'));
        }),
    )
    .addCommand(
      command('roots', 'gc roots (<store>/.roots)')
        .addOption(jsonOption())
        .action(async (options: Options) => {
          const roots = Object.fromEntries(await listRoots(storeDir(options.store)));
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
          const bad = await verify({ store: storeDir(options.store) });
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
          const { removed, kept } = await gc({ store: storeDir(options.store) });
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
          const added = await add(file, { store: storeDir(options.store), name: options.name, unpack: options.unpack });
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
        .description('write the closure of PATHs to stdout as a tar stream')
        .argument('<path...>')
        .action(async (paths: string[]) => {
          if (process.stdout.isTTY) throw new Error('store export writes a tar stream: redirect stdout to a file');
          const packed = await exportClosure(
            paths.map((p) => resolve(p)),
            process.stdout,
          );
          process.stderr.write(`exported ${packed.length} paths\n`);
        }),
    )
    .addCommand(
      command('import', 'read such a stream from stdin into the store (all of it, checked, or nothing)')
        .addOption(jsonOption())
        .action(async (options: Options) => {
          const imported = await importClosure(process.stdin, { store: storeDir(options.store) });
          output(options, imported, () => imported.join('\n'));
        }),
    );
