// batu vis UMID: the mesh as batadv-vis sees it from that node.
import { Option } from 'commander';
import { visFormats, visualize, type VisFormat } from '../../lib/runner/index.ts';
import { findNode, type Register } from './common.ts';

export const formatOption = () => new Option('--format <format>', 'output format').choices(visFormats).default('dot');

export const register: Register = (program) =>
  program
    .command('vis')
    .description('the mesh as batadv-vis sees it from that node')
    .argument('<umid>')
    .addOption(formatOption())
    .action(async (umid: string, options: { format: VisFormat }) => {
      console.log(await visualize(await findNode(umid), options.format));
    });
