// batu gateway status FILE: a running gateway, part by part (each domain's node, its fastd
// peers, kea's leases), asked in this namespace as `gateway up` left them; exit 1 when a
// part does not answer, so a monitor can run it as it is.
import { Command } from 'commander';
import { allAnswered, gatewayStatus, planOf, readGateway, statusText } from '../../../lib/gateway/index.ts';
import { jsonOption, output } from '../common.ts';
import { runDirOption } from './places.ts';

export const statusCommand = () =>
  new Command('status')
    .description("a running gateway: each domain's node, tunnel peers and DHCP leases (exit 1 if a part is down)")
    .argument('<file>', 'the gateway file gateway up runs')
    .addOption(runDirOption('the run directory gateway up was given'))
    .addOption(jsonOption())
    .action(async (file: string, options: { runDir: string; json?: boolean }) => {
      const { gateway } = await readGateway(file);
      const domains = await gatewayStatus(gateway, planOf(gateway), { runDir: options.runDir });
      output(options, { domains }, () => statusText(domains));
      if (!allAnswered(domains)) process.exitCode = 1;
    });
