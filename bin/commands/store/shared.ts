// What the store subcommands share: the store option on each, trusted keys, and naming
// paths by store path or by recipe.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { storeOf, type Store } from '../../../lib/derivations/index.ts';
import { realiseRecipe } from '../build.ts';
import { storeOption } from '../common.ts';

export type Options = { json?: boolean; store?: string };

/** A subcommand that works on one store (--store). */
export const command = (name: string, description: string) =>
  new Command(name).description(description).addOption(storeOption());

export const trustedKeysOption = () =>
  new Option(
    '--trusted-keys <keys>',
    'keys whose signatures count (NAME:base64 or .pub files; default: BATU_TRUSTED_KEYS, the store config)',
  );

/** Store paths as given, or recipes (batu's by name, or files) realised to theirs. */
export async function pathsOrRecipes(
  items: string[],
  store: Store,
  realise: { substitute?: boolean } = {},
): Promise<string[]> {
  const paths: string[] = [];
  for (const item of items) {
    const path = resolve(item);
    paths.push(storeOf(path) ? path : await realiseRecipe(item, { store, ...realise }));
  }
  return paths;
}

// Loaded when a repair needs them: lib/rootfs hashes its sources as it loads, work every other command can skip.
export const builtins = async () => [(await import('../../../lib/rootfs/index.ts')).initramfs];

/** A subcommand that does something to each store path it is given, and says what. */
export const pathsCommand = (name: string, description: string, each: (path: string) => Promise<string>) =>
  new Command(name)
    .description(description)
    .argument('<path...>')
    .action(async (paths: string[]) => {
      for (const path of paths.map((p) => resolve(p))) console.log(await each(path));
    });
