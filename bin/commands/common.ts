// What several commands share: the store option, JSON-or-text output, finding a running
// node, realising the default kernel and image, and starting batu itself in the background.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { prebuilt, realiseAll, type Store } from '../../lib/derivations/index.ts';
import { shown } from '../../lib/issues.ts';
import { listNodes, type RunningNode } from '../../lib/runner/index.ts';
import type { BatmanAdvSource, Topology } from '../../lib/mesh/index.ts';
import { batmanAdvNode } from '../../recipes/batman-adv.ts';
import { image } from '../../recipes/image.ts';
import { linuxV15, linuxV15Debug, linuxV15Stock } from '../../recipes/linux-v15.ts';

export const storeOption = () =>
  new Option('--store <dir>', "the store (default: BATU_STORE, else batu's default store)");
export const jsonOption = () => new Option('--json', 'one JSON document instead of text');

/** An option's value in seconds (0 to a day), or an error naming the bad value. */
export function secondsArg(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n > 86_400)
    throw new InvalidArgumentError(`expected seconds from 0 to 86400, got ${shown(value)}`);
  return n;
}

/** Print `data` as JSON with --json, else the text. */
export function output(options: { json?: boolean }, data: unknown, text: () => string): void {
  console.log(options.json ? JSON.stringify(data) : text());
}

export async function findNode(umid: string): Promise<RunningNode> {
  const nodes = await listNodes();
  const node = nodes.find((n) => n.umid === umid);
  if (!node)
    throw new Error(
      `no running node ${JSON.stringify(umid)} (running: ${nodes.map((n) => n.umid).join(', ') || 'none'})`,
    );
  return node;
}

/** Guest memory of a debug kernel's node: its image alone is ~76 MB of UML's physical memory (lockdep's tables, KASAN). */
export const debugMem = '192M';

/**
 * The kernel and image a node or mesh boots: given store paths, the prebuilt closure's
 * (BATU_PREBUILT, in batu's container image; its kernel is batu's batman-adv), or the
 * linux-v15 (or, for stock batman-adv, linux-v15 --variant stock; with `debug`, --variant debug)
 * and image recipes realised as one closure (every source fetched before the first build starts).
 */
export async function kernelAndImage(
  store: Store,
  given: { kernel?: string; image?: string } = {},
  batmanAdv: 'batu' | 'stock' = 'batu',
  { debug = false } = {},
): Promise<{ kernel: string; image: string }> {
  if (debug && batmanAdv === 'stock')
    throw new Error(
      "--debug and stock batman-adv: the debug kernel has batu's batman-adv (or a release's: --batman-adv 2026.2)",
    );
  const ready = prebuilt();
  if (ready && batmanAdv === 'batu' && !debug)
    return { kernel: given.kernel ?? ready.kernel, image: given.image ?? ready.image };
  const kernel = debug ? linuxV15Debug : batmanAdv === 'stock' ? linuxV15Stock : linuxV15;
  const wanted = [...(given.kernel ? [] : [await kernel()]), ...(given.image ? [] : [await image()])];
  const { paths } = await realiseAll(wanted, { store }).catch((e: Error) => {
    throw new Error(`building the default kernel and image: ${e.message}`);
  });
  return { kernel: given.kernel ?? paths.shift()!, image: given.image ?? paths.shift()! };
}

/**
 * Per-node kernels and images for nodes of another batman-adv than the kernel's own (a node's
 * `batmanAdv`, else the mesh's when it names a release, tarball or tree): each distinct choice
 * built once, all in one closure; `shell`: images with the shell extra; `debug`: the debug
 * module kernel and modules built for it.
 */
export async function batmanAdvNodes(
  store: Store,
  { shell = false, debug = false }: { shell?: boolean; debug?: boolean },
  topology: { nodes: { name: string; batmanAdv?: BatmanAdvSource }[]; batmanAdv: Topology['batmanAdv'] },
): Promise<{ kernels: Record<string, string>; images: Record<string, string> }> {
  const meshChoice =
    typeof topology.batmanAdv === 'object' || /^\d/.test(topology.batmanAdv) ? topology.batmanAdv : undefined;
  const choices = new Map<string, BatmanAdvSource>();
  const keyOf: Record<string, string> = {};
  for (const node of topology.nodes) {
    const choice = node.batmanAdv ?? meshChoice;
    if (choice === undefined) continue;
    keyOf[node.name] = JSON.stringify(choice);
    choices.set(keyOf[node.name], choice as BatmanAdvSource);
  }
  const kernels: Record<string, string> = {};
  const images: Record<string, string> = {};
  if (!choices.size) return { kernels, images };
  const keys = [...choices.keys()];
  const made = await Promise.all(keys.map((k) => batmanAdvNode(choices.get(k)!, undefined, { shell, debug })));
  const { paths } = await realiseAll(
    made.flatMap((m) => [m.kernel, m.image]),
    { store },
  ).catch((e: Error) => {
    throw new Error(`building batman-adv ${keys.join(', ')}: ${e.message}`);
  });
  for (const [name, key] of Object.entries(keyOf)) {
    const i = keys.indexOf(key);
    [kernels[name], images[name]] = [paths[2 * i], paths[2 * i + 1]];
  }
  return { kernels, images };
}

/**
 * Run `batu ARGS…` detached, its output in `log`; resolves with the log's text once a line
 * matches `ready`, throws with the log if the process ends first or `timeoutMs` passes.
 */
export async function startDetached(
  args: string[],
  log: string,
  ready: RegExp,
  timeoutMs: number,
  env: Record<string, string> = {},
): Promise<string> {
  const out = openSync(log, 'w');
  // The same node and loader flags (tsx in a checkout), the same batu entry point.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...env },
  });
  child.unref();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  // A signal to this process (ctrl-c, a TERM) goes on to the child, which stops what it started.
  let stopping: NodeJS.Signals | undefined;
  const forward = (signal: NodeJS.Signals) => {
    stopping = signal;
    child.kill('SIGTERM');
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const stopChild = async (why: string) => {
    if (!exited) child.kill('SIGTERM');
    for (const end = Date.now() + 60_000; !exited && Date.now() < end;) await sleep(100);
    if (!exited) child.kill('SIGKILL');
    throw new Error(`batu ${args.slice(0, 2).join(' ')} ${why}; it stopped what it had started (log: ${log})`);
  };
  try {
    for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(100)) {
      // A child that stopped cleanly before it was ready took its log with it.
      const text = await readFile(log, 'utf8').catch(() => '');
      if (stopping) return await stopChild(`was stopped by ${stopping} while starting`);
      if (ready.test(text)) return text;
      if (exited || /^batu: error:/m.test(text)) {
        await rm(log, { force: true }); // all it says is in the error
        throw new Error(
          `batu ${args.slice(0, 2).join(' ')} did not start:\n${text.trim() || '(it stopped without a word)'}`,
        );
      }
    }
    return await stopChild(`was not ready within ${timeoutMs / 1000} s`);
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

export type Register = (program: Command) => void;
