// batu gateway keys FILE: make the key files and peer directories the gateway file names
// that are missing (fastd --generate-key, wg genkey; mode 0600); what exists stays.
import { Command } from 'commander';
import { makeMissingKeys, readGateway } from '../../../lib/gateway/index.ts';

export const keysCommand = () =>
  new Command('keys')
    .description('make the key files and peer directories a gateway file names that are missing')
    .argument('<file>', 'the gateway file (YAML or JSON)')
    .action(async (file: string) => {
      const made = await makeMissingKeys((await readGateway(file)).gateway);
      process.stdout.write(made.length ? made.map((p) => `made ${p}\n`).join('') : 'nothing missing\n');
    });
