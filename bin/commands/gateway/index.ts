// batu gateway …: a Freifunk gateway from one gateway file (lib/gateway).
import type { Register } from '../common.ts';
import { checkCommand } from './check.ts';
import { configsCommand } from './configs.ts';
import { keysCommand } from './keys.ts';
import { peerCommand } from './peer.ts';
import { statusCommand } from './status.ts';
import { upCommand } from './up.ts';

export const register: Register = (program) => {
  const gateway = program.command('gateway').description('a Freifunk gateway from a gateway file');
  for (const command of [checkCommand(), keysCommand(), configsCommand(), upCommand(), statusCommand(), peerCommand()])
    gateway.addCommand(command);
};
