// batu store keygen: a key pair for signing paths.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { generateKeyPair } from '../../../lib/derivations/index.ts';

export const keygenCommand = () =>
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
    });
