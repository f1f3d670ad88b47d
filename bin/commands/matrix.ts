// batu matrix: batman-adv against kernels and its own options, as a CI pipeline runs it. Every
// cell (kernel × batman-adv × options) is a module build; each kernel × batman-adv with every
// option on also boots a 3-node line on it and times its convergence. A table (or --json) says
// per cell: built (or why not), the compiler's warnings, converged. Builds come from a binary
// cache where one is configured (BATU_SUBSTITUTERS), so a pipeline builds each cell once.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { BuildError, openStore, realise, sidecar, type Store } from '../../lib/derivations/index.ts';
import { shown } from '../../lib/issues.ts';
import { Mesh, converged, line, observe } from '../../lib/mesh/index.ts';
import { batmanAdvOf } from '../../recipes/batman-adv.ts';
import { guestImage } from '../../recipes/image.ts';
import { kernelSeries, moduleKernel, type KernelSeries } from '../../recipes/linux/kernel.ts';
import { releasedVersions, type SourceChoice } from '../../recipes/open-mesh/sources.ts';
import { jsonOption, output, storeOption, type Register } from './common.ts';

interface MatrixFlags {
  kernels: string;
  batmanAdv: string;
  config?: string;
  converge: boolean;
  store?: string;
  json?: boolean;
}

export interface Cell {
  kernel: KernelSeries;
  batmanAdv: string;
  /** The options' settings: `all on`, `all off`, or `-NAME` (that one off). */
  config: string;
  built: boolean;
  /** Why not, in one line. */
  error?: string;
  /** The module's and the kernel's store paths (to push to a cache). */
  path?: string;
  kernelPath?: string;
  seconds?: number;
  /** Compiler warnings in the build's log (undefined: taken from a cache, no log). */
  warnings?: number;
  /** Seconds until a 3-node line had every route (the `all on` cell of each kernel × batman-adv). */
  converged?: number | false;
}

const convergeWithinS = 90;

/** A --batman-adv item: a pinned release, or a tree (a path). */
function choiceOf(item: string): SourceChoice {
  if (/^\d{4}\.\d+$/.test(item)) {
    if (!releasedVersions.includes(item))
      throw new Error(`--batman-adv ${shown(item)}: not a release pinned here (${releasedVersions.join(', ')})`);
    return item;
  }
  if (item.includes('/') || item.startsWith('.')) return { src: resolve(item) };
  throw new Error(`--batman-adv ${shown(item)}: expected a release (e.g. 2026.2) or a tree's path (./batman-adv)`);
}

const list = (flag: string, value: string) => {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((i) => !i)) throw new Error(`${flag} ${shown(value)}: an empty item`);
  return [...new Set(items)];
};

/** The options' settings to build: all on, all off, and each one off alone. */
export function configVariants(names: string[]): { label: string; config?: Record<string, boolean> }[] {
  if (!names.length) return [{ label: 'default' }];
  const all = (on: boolean) => Object.fromEntries(names.map((n) => [n, on]));
  return [
    { label: 'all on', config: all(true) },
    ...(names.length > 1 ? names.map((n) => ({ label: `-${n}`, config: { ...all(true), [n]: false } })) : []),
    { label: 'all off', config: all(false) },
  ];
}

async function warningsOf(path: string): Promise<number | undefined> {
  const log = await readFile(sidecar.log(path), 'utf8').catch(() => undefined);
  return log === undefined ? undefined : (log.match(/\bwarning:/g) ?? []).length;
}

/** Seconds until a 3-node line on this kernel and module has every route, or false. */
async function convergence(store: Store, kernel: string, moduleImage: string): Promise<number | false> {
  const started = performance.now();
  const mesh = await Mesh.start(
    { ...line(3), origInterval: 500 },
    { store, kernel, image: moduleImage, backend: 'socketpair' },
  );
  try {
    while (performance.now() - started < convergeWithinS * 1000) {
      if (converged(await observe(mesh))) return Math.round((performance.now() - started) / 100) / 10;
      await new Promise((r) => setTimeout(r, 500));
    }
    return false;
  } finally {
    await mesh.stop();
  }
}

export async function runMatrix(
  store: Store,
  {
    kernels,
    choices,
    options,
    converge,
  }: { kernels: KernelSeries[]; choices: [string, SourceChoice][]; options: string[]; converge: boolean },
  progress: (line: string) => void,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  const variants = configVariants(options);
  for (const series of kernels) {
    // The kernel is every cell's input: built (or pulled) once, its failure every cell's.
    const kernel = await realise(await moduleKernel(series), { store }).then(
      (r) => r.path,
      (e: Error) => e,
    );
    for (const [label, choice] of choices) {
      for (const variant of variants) {
        const cell: Cell = { kernel: series, batmanAdv: label, config: variant.label, built: false };
        cells.push(cell);
        if (kernel instanceof Error) {
          cell.error = `kernel ${series}: ${kernel.message.split('\n')[0]}`;
          continue;
        }
        const started = performance.now();
        try {
          const module = await batmanAdvOf(choice, { series, config: variant.config });
          const { path } = await realise(module, { store });
          Object.assign(cell, {
            built: true,
            seconds: Math.round(performance.now() - started) / 1000,
            path,
            kernelPath: kernel,
          });
          cell.warnings = await warningsOf(path);
          if (converge && variant === variants[0]) {
            const image = await realise(
              await guestImage({ name: `batu-image-matrix-${module.version}`, modules: [module] }),
              {
                store,
              },
            );
            cell.converged = await convergence(store, kernel, image.path);
          }
        } catch (e) {
          // The compiler's error can be far above the message's last lines (make -j goes on).
          const log = e instanceof BuildError ? await readFile(e.logFile, 'utf8').catch(() => '') : '';
          cell.error = cellError(`${log}\n${(e as Error).message}`);
        }
        progress(`matrix: ${describeCell(cell)}`);
      }
    }
  }
  return cells;
}

/**
 * A failed cell's reason in one line: the compiler's first error (its file relative to the
 * source, not the build's temporary directory), else a missing option, else any error line.
 */
export function cellError(message: string): string {
  const lines = message.split('\n');
  const line =
    lines.find((l) => /: (fatal )?error: /.test(l)) ??
    lines.find((l) => /no option/.test(l)) ??
    lines.find((l) => /error/i.test(l)) ??
    lines[0];
  return line.replace(/\S*\/\.tmp\/\S*?\/src\//g, '').trim();
}

function describeCell(c: Cell): string {
  const built = c.built ? `built in ${c.seconds} s, ${c.warnings ?? '?'} warning(s)` : `FAILED: ${c.error}`;
  const conv =
    c.converged === undefined ? '' : c.converged === false ? ', NOT converged' : `, converged in ${c.converged} s`;
  return `${c.kernel} × ${c.batmanAdv} × ${c.config}: ${built}${conv}`;
}

/** The table: one row per cell. */
export function describeMatrix(cells: Cell[]): string {
  const rows = [
    ['kernel', 'batman-adv', 'options', 'built', 'warnings', 'converged'],
    ...cells.map((c) => [
      c.kernel,
      c.batmanAdv,
      c.config,
      c.built ? `yes (${c.seconds} s)` : `NO: ${c.error}`,
      c.built ? String(c.warnings ?? '? (cached)') : '',
      c.converged === undefined ? '' : c.converged === false ? `NO (${convergeWithinS} s)` : `${c.converged} s`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((v, i) => v.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const register: Register = (program) =>
  program
    .command('matrix')
    .description('build batman-adv against kernels and option sets, run a short mesh on each; a table of the cells')
    .addOption(new Option('--kernels <list>', `kernel series: ${kernelSeries.join(',')}`).default('6.12'))
    .requiredOption('--batman-adv <list>', 'releases (2026.2) and trees (./batman-adv), comma-separated')
    .option('--config <list>', "batman-adv's options to turn off one at a time, e.g. BLA,DAT,MCAST,BATMAN_V,DEBUG")
    .option('--no-converge', 'build only: boot no mesh')
    .addOption(storeOption())
    .addOption(jsonOption())
    .action(async (flags: MatrixFlags) => {
      const kernels = list('--kernels', flags.kernels).map((k) => {
        if (!(kernelSeries as string[]).includes(k))
          throw new Error(`--kernels: ${shown(k)} is not a kernel series batu builds (${kernelSeries.join(', ')})`);
        return k as KernelSeries;
      });
      const choices = list('--batman-adv', flags.batmanAdv).map((i) => [i, choiceOf(i)] as [string, SourceChoice]);
      const options = flags.config ? list('--config', flags.config.toUpperCase()) : [];
      for (const o of options)
        if (!/^[A-Z][A-Z0-9_]*$/.test(o)) throw new Error(`--config: ${shown(o)} is not an option name (BLA, DAT…)`);
      const store = openStore(flags.store);
      const cells = await runMatrix(store, { kernels, choices, options, converge: flags.converge }, (l) =>
        process.stderr.write(`batu: ${l}\n`),
      );
      output(flags, cells, () => describeMatrix(cells));
      if (cells.some((c) => !c.built || c.converged === false)) process.exitCode = 1;
    });
