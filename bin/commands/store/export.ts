// batu store export: a closure as a (signed) tar stream on stdout.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { exportClosure, readSecretKey } from '../../../lib/derivations/index.ts';

export const exportCommand = () =>
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
    });
