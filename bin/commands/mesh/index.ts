// batu mesh …: whole meshes from the command line. `up` starts one (in the foreground, or
// --detach) and serves it under a name; the other subcommands reach it by that name, from
// any shell. The operations on a running mesh come from lib/mesh's table (operation.ts).
import { operations, type OperationName } from '../../../lib/mesh/index.ts';
import type { Register } from '../common.ts';
import { captureCommand } from './capture.ts';
import { downCommand } from './down.ts';
import { lsCommand } from './ls.ts';
import { manifestsCommand } from './manifests.ts';
import { operationCommand } from './operation.ts';
import { partitionCommand } from './partition.ts';
import { statusCommand } from './status.ts';
import { upCommand } from './up.ts';
import { webCommand } from './web.ts';

export const register: Register = (program) => {
  const mesh = program.command('mesh').description('start, watch and change whole meshes');
  for (const command of [upCommand(), partitionCommand(), manifestsCommand(), lsCommand(), statusCommand()])
    mesh.addCommand(command);
  for (const op of Object.keys(operations) as OperationName[]) {
    const command = operationCommand(op);
    if (command) mesh.addCommand(command);
  }
  mesh.addCommand(captureCommand());
  mesh.addCommand(webCommand());
  mesh.addCommand(downCommand());
};
