// batu alfred UMID ARGS…: the host's alfred client against the node's alfred (over socat).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { alfredBridge } from '../../lib/runner/index.ts';
import { findNode, type Register } from './common.ts';

export const register: Register = (program) =>
  program
    .command('alfred')
    .description("the host's alfred client against the node's alfred; arguments pass through")
    .argument('<umid>')
    .argument('[args...]', "alfred's arguments, e.g. -r 64")
    .passThroughOptions()
    .allowUnknownOption()
    .helpOption(false)
    .action(async (umid: string, args: string[]) => {
      const node = await findNode(umid);
      const dir = await mkdtemp(join(tmpdir(), 'batu-alfred-'));
      const bridge = await alfredBridge(node, join(dir, 'alfred.sock'));
      try {
        const r = await execa('alfred', [...args, '-u', bridge.socket], { stdin: 'inherit', reject: false });
        process.stdout.write(r.stdout);
        if (r.stderr) process.stderr.write(`${r.stderr}\n`);
        process.exitCode = r.exitCode;
      } finally {
        await bridge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
