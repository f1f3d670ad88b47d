// batu pins …: are the Debian pins still served, and moving them when they are not.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { checkPins, updatePins, openStore } from '../../lib/derivations/index.ts';
import { jsonOption, output, storeOption, type Register } from './common.ts';

type Options = { json?: boolean; store?: string; pins?: string };
const pinsOption = () => new Option('--pins <file>', "another pin file than batu's recipes/debian-pins.json");
const command = (name: string, description: string) =>
  new Command(name).description(description).addOption(pinsOption()).addOption(storeOption()).addOption(jsonOption());
// batu's own pin file, read (by recipes/pins.ts) only when a pins command runs.
const fileOf = async (options: Options) =>
  options.pins ? resolve(options.pins) : (await import('../../recipes/pins.ts')).pinFile;

export const register: Register = (program) =>
  program
    .command('pins')
    .description('check and renew the Debian pins')
    .addCommand(
      command('check', 'does the archive still serve every pin exactly? (exit 1 if not)').action(
        async (options: Options) => {
          const file = await fileOf(options);
          const statuses = await checkPins(file, { store: openStore(options.store) });
          const bad = statuses.filter((s) => !s.ok);
          output(options, { ok: bad.length === 0, pins: statuses }, () =>
            [
              ...statuses.map(
                (s) =>
                  `${s.ok ? 'ok  ' : 'FAIL'} ${s.kind === 'source' ? 'source ' : ''}${s.name} ${s.version}${s.problem ? `: ${s.problem}` : ''}`,
              ),
              bad.length === 0
                ? `all ${statuses.length} pins in ${file} are served`
                : `${bad.length} of ${statuses.length} pins are not served as pinned: ${bad.map((s) => s.name).join(', ')}\n` +
                  `renew them with: batu pins update ${bad.map((s) => s.name).join(' ')}`,
            ].join('\n'),
          );
          if (bad.length) process.exitCode = 1;
        },
      ),
    )
    .addCommand(
      command('update', 'move pins (all, or the PKGs named) to what the archive serves now, same release')
        .argument('[pkg...]')
        .action(async (names: string[], options: Options) => {
          await report(options, await updatePins(await fileOf(options), { store: openStore(options.store), names }));
        }),
    )
    .addCommand(
      command('add', 'pin packages not pinned yet (their newest version)')
        .argument('<pkg...>')
        .option('--source', 'pin source packages')
        .action(async (names: string[], options: Options & { source?: boolean }) => {
          const kind = options.source ? ('source' as const) : ('binary' as const);
          await report(
            options,
            await updatePins(await fileOf(options), {
              store: openStore(options.store),
              add: names.map((name) => ({ kind, name })),
            }),
          );
        }),
    );

async function report(options: Options, changes: Awaited<ReturnType<typeof updatePins>>): Promise<void> {
  const file = await fileOf(options);
  output(options, changes, () =>
    changes.length === 0
      ? 'no pin changed: each is at the newest version served'
      : `${changes.map((c) => `${c.kind === 'source' ? 'source ' : ''}${c.name}: ${c.from ?? '(new)'} -> ${c.to} (sha256 ${c.sha256})`).join('\n')}\nwrote ${file}; what uses these pins rebuilds`,
  );
}
