// batu run SPEC.json: one node in the foreground; ctrl-c stops it cleanly.
import { readFile } from 'node:fs/promises';
import { parseSpec, type NodeSpecInput } from '../../lib/cmdline/index.ts';
import { openStore } from '../../lib/derivations/index.ts';
import { runNode } from '../../lib/runner/index.ts';
import { kernelAndImage, storeOption, type Register } from './common.ts';

export interface RunOptions {
  netns?: string;
  store?: string;
}

export const register: Register = (program) =>
  program
    .command('run')
    .description(
      'start a node in the foreground (ctrl-c stops it); kernel and image default to the linux-v15 and image recipes',
    )
    .argument('<spec>', 'a node spec (JSON)')
    .option('--netns <name>', 'an existing network namespace to run in (default: a new one, removed after)')
    .addOption(storeOption())
    .action(run);

/** Validate the spec first (before anything is built or made). */
export async function readSpec(file: string): Promise<NodeSpecInput> {
  const input = JSON.parse(await readFile(file, 'utf8')) as NodeSpecInput;
  parseSpec(input);
  return input;
}

async function run(file: string, options: RunOptions): Promise<void> {
  const input = await readSpec(file);
  const store = openStore(options.store);
  const { kernel, image } = await kernelAndImage(store, input);
  const abort = new AbortController();
  process.on('SIGINT', () => abort.abort());
  process.on('SIGTERM', () => abort.abort());
  await runNode(
    { ...input, kernel, image },
    { netns: options.netns, store, signal: abort.signal, onReady: (info) => console.log(JSON.stringify(info)) },
  );
  process.exit(0);
}
