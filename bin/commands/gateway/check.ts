// batu gateway check FILE: the gateway file checked whole (schema, then the files it names),
// and the plan `gateway up` would follow; nothing is started or written.
import { Command } from 'commander';
import { describePlan, loadGateway, planOf } from '../../../lib/gateway/index.ts';
import { jsonOption, output } from '../common.ts';

export const checkCommand = () =>
  new Command('check')
    .description('check a gateway file and print what gateway up would make of it (nothing is started)')
    .argument('<file>', 'the gateway file (YAML or JSON)')
    .addOption(jsonOption())
    .action(async (file: string, options: { json?: boolean }) => {
      const { gateway } = await loadGateway(file);
      const plan = planOf(gateway);
      output(options, plan, () => `${describePlan(plan)}\n${file}: ok`);
    });
