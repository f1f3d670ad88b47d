// batu batctl UMID ARGS…: batctl inside the node, through its batctl service.
import { batctl } from '../../lib/runner/index.ts';
import { findNode, type Register } from './common.ts';

export const register: Register = (program) =>
  program
    .command('batctl')
    .description('batctl inside the node (its run_batctl_wrapper service); arguments pass through as they are')
    .argument('<umid>')
    .argument('[args...]', "batctl's arguments, e.g. o, n, meshif bat0 gw_mode")
    .passThroughOptions()
    .allowUnknownOption()
    .helpOption(false)
    .action(async (umid: string, args: string[]) => {
      process.stdout.write(await batctl(await findNode(umid), args));
    });
