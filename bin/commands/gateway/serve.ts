// batu gateway serve FILE: respondd and the metrics alone, in the foreground (systemd's serve
// unit), asking the nodes and daemons that the other units run.
import { Command } from 'commander';
import { planOf, readGateway, serveGateway } from '../../../lib/gateway/index.ts';
import { runDirOption } from './places.ts';

export const serveCommand = () =>
  new Command('serve')
    .description('run respondd and the metrics in the foreground (systemd’s serve unit)')
    .argument('<file>', 'the gateway file')
    .addOption(runDirOption('the run directory the daemons use'))
    .option('--respondd-port <port>', 'respondd’s UDP port', (v) => Number(v), 1001)
    .action(async (file: string, options: { runDir: string; responddPort: number }) => {
      const { gateway } = await readGateway(file);
      const serving = await serveGateway(gateway, planOf(gateway), {
        runDir: options.runDir,
        responddPort: options.responddPort,
      });
      console.log(
        `gateway serve: respondd on UDP ${options.responddPort}${serving.metricsUrl ? `; metrics at ${serving.metricsUrl}` : ''}`,
      );
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      for (const action of serving.undo.reverse()) await action().catch(() => {});
      process.exit(0);
    });
