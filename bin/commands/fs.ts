// batu fs UMID ls|cat|get|put: the node's files over 9P (diod's userspace client, ours to write).
import { readFile, writeFile } from 'node:fs/promises';
import { buffer as text } from 'node:stream/consumers';
import { Command } from 'commander';
import { getGuestFile, listGuestDir, putGuestFile, readGuestFile } from '../../lib/runner/index.ts';
import { findNode, type Register } from './common.ts';

type Options = { aname?: string };
const command = (name: string, description: string) =>
  new Command(name)
    .description(description)
    .argument('<umid>')
    .option('--aname <tree>', 'the exported tree to attach (e.g. /sys)');

export const register: Register = (program) =>
  program
    .command('fs')
    .description("the node's files over 9P, e.g. batu fs cat gw1 devices/virtual/net/bat0/address --aname /sys")
    .addCommand(
      command('ls', 'list a guest directory')
        .argument('[path]', 'guest path', '/')
        .action(async (umid: string, path: string, options: Options) =>
          console.log((await listGuestDir(await findNode(umid), path, options.aname)).join('\n')),
        ),
    )
    .addCommand(
      command('cat', 'print a guest file')
        .argument('<path>')
        .action(async (umid: string, path: string, options: Options) => {
          process.stdout.write(await readGuestFile(await findNode(umid), path, options.aname));
        }),
    )
    .addCommand(
      command('get', 'copy a guest file out (to stdout without LOCAL)')
        .argument('<path>')
        .argument('[local]')
        .action(async (umid: string, path: string, local: string | undefined, options: Options) => {
          const data = await getGuestFile(await findNode(umid), path, options.aname);
          if (local && local !== '-') await writeFile(local, data);
          else process.stdout.write(data);
        }),
    )
    .addCommand(
      command('put', 'copy a local file (or - for stdin) into the guest')
        .argument('<local>')
        .argument('<path>')
        .action(async (umid: string, local: string, path: string, options: Options) => {
          const node = await findNode(umid);
          await putGuestFile(
            node,
            path,
            local === '-' ? await text(process.stdin) : await readFile(local),
            options.aname,
          );
          console.log(`wrote ${node.umid}:${path}`);
        }),
    );
