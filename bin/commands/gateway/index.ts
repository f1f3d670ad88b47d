// batu gateway …: a Freifunk gateway from one gateway file (lib/gateway).
import type { Register } from '../common.ts';
import { checkCommand } from './check.ts';
import { configsCommand } from './configs.ts';
import { keysCommand } from './keys.ts';
import { netCommand } from './net.ts';
import { nodeCommand } from './node.ts';
import { peerCommand } from './peer.ts';
import { serveCommand } from './serve.ts';
import { unitsCommand } from './units.ts';
import { statusCommand } from './status.ts';
import { upCommand } from './up.ts';

export const register: Register = (program) => {
  const gateway = program.command('gateway').description('a Freifunk gateway from a gateway file');
  for (const command of [
    checkCommand(),
    keysCommand(),
    configsCommand(),
    upCommand(),
    statusCommand(),
    peerCommand(),
    unitsCommand(),
    netCommand(),
    nodeCommand(),
    serveCommand(),
  ])
    gateway.addCommand(command);
};
