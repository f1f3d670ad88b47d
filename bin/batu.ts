#!/usr/bin/env -S npx tsx
// batu: a thin command line over lib/. Errors are one line and a non-zero exit.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { add, exportClosure, gc, importClosure, listPaths, listRoots, storeDir, verify } from '../lib/derivations/index.ts';

const usage = `usage: batu <command> …
  build <recipe> [--variant V] [--dry-run] [--json] [--store DIR]   realise recipes/<recipe>.ts, print its path
  store ls [--json]                    valid paths in the store
  store roots [--json]                 gc roots (<store>/.roots)
  store verify [--json]                re-hash every path against its manifest
  store gc [--json]                    remove paths no root references
  store add FILE|DIR [--name N] [--unpack]   put a file (or a tree) into the store, print its sha256
  store export PATH… > closure.tar     write the closure of PATHs as a tar stream
  store import < closure.tar           read such a stream into the store
The store is ./store unless BATU_STORE or --store says otherwise.`;

const recipesDir = new URL('../recipes/', import.meta.url).pathname;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      json: { type: 'boolean' }, store: { type: 'string' }, name: { type: 'string' },
      unpack: { type: 'boolean' }, variant: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, ...rest] = positionals;
  const store = storeDir(values.store);
  const print = (data: unknown, text: () => string) => console.log(values.json ? JSON.stringify(data) : text());
  if (values.help || !command) return console.log(usage);

  if (command === 'build') {
    if (!sub) throw new Error('build needs a recipe name, e.g. batu build linux-v15');
    const file = existsSync(sub) ? resolve(sub) : `${recipesDir}${sub}.ts`;
    if (!existsSync(file)) throw new Error(`no recipe ${JSON.stringify(sub)} (looked for ${file})`);
    const args = ['--store', store, ...(values.variant ? ['--variant', values.variant] : []),
      ...(values.json ? ['--json'] : []), ...(values['dry-run'] ? ['--dry-run'] : [])];
    const run = await execa(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit', reject: false });
    process.exitCode = run.exitCode ?? 1;
    return;
  }
  if (command !== 'store') throw new Error(`unknown command ${JSON.stringify(command)} (batu --help lists them)`);
  switch (sub) {
    case 'ls': { const paths = await listPaths(store); return print(paths, () => paths.join('\n')); }
    case 'roots': {
      const roots = Object.fromEntries(await listRoots(store));
      return print(roots, () => Object.entries(roots).map(([n, p]) => `${n} -> ${p}`).join('\n'));
    }
    case 'verify': {
      const bad = await verify({ store });
      print({ ok: bad.length === 0, problems: bad }, () => bad.length === 0 ? 'all paths match their manifests'
        : bad.map((b) => `${b.path}:\n  ${b.problems.join('\n  ')}`).join('\n'));
      if (bad.length) process.exitCode = 1;
      return;
    }
    case 'gc': {
      const { removed, kept } = await gc({ store });
      return print({ removed, kept }, () => `kept ${kept.length} paths, removed ${removed.length}${removed.map((p) => `\n  ${p}`).join('')}`);
    }
    case 'add': {
      if (!rest[0]) throw new Error('store add needs a file or directory');
      const added = await add(rest[0], { store, name: values.name, unpack: values.unpack });
      const kind = added.source.type === 'tree' ? `tree({ name: '${added.name}', sha256: '${added.sha256}' })`
        : `url({ url: '<where it came from>', name: '${added.name}', sha256: '${added.sha256}' })`;
      return print(added, () => `${added.path}\nsha256 ${added.sha256}\npin it in a recipe as: ${kind}`);
    }
    case 'export': {
      if (rest.length === 0) throw new Error('store export needs store paths');
      if (process.stdout.isTTY) throw new Error('store export writes a tar stream: redirect stdout to a file');
      const packed = await exportClosure(rest.map((p) => resolve(p)), process.stdout);
      process.stderr.write(`exported ${packed.length} paths\n`);
      return;
    }
    case 'import': {
      const imported = await importClosure(process.stdin, { store });
      return print(imported, () => imported.join('\n'));
    }
    default: throw new Error(`unknown store command ${JSON.stringify(sub)} (batu --help lists them)`);
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`batu: error: ${error.message}\n`);
  process.exitCode = 1;
});
