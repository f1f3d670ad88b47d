// batu gateway up FILE: run the gateway in the foreground (as root, in this namespace) until
// SIGTERM or ctrl-c, which take it down last part first; a part that fails to come up is
// named, and what was made goes again.
import { Command } from 'commander';
import { openStore, stderrReporter } from '../../../lib/derivations/index.ts';
import { loadGateway, runGateway } from '../../../lib/gateway/index.ts';
import { kernelAndImage, storeOption } from '../common.ts';
import { runDirOption, stateDirOption } from './places.ts';

export const upCommand = () =>
  new Command('up')
    .description('run a gateway in the foreground until SIGTERM or ctrl-c (root; in this network namespace)')
    .argument('<file>', 'the gateway file (YAML or JSON)')
    .addOption(runDirOption('configurations, sockets and run-time files'))
    .addOption(stateDirOption())
    .addOption(storeOption())
    .action(async (file: string, options: { runDir: string; stateDir: string; store?: string }) => {
      const { gateway } = await loadGateway(file); // before anything is built or made
      const { kernel, image } = await kernelAndImage(openStore(options.store));
      const abort = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => abort.abort());
      await runGateway(gateway, {
        kernel,
        image,
        runDir: options.runDir,
        stateDir: options.stateDir,
        report: stderrReporter,
        signal: abort.signal,
        onUp: (running) =>
          process.stdout.write(
            `gateway up: ${running.domains.map((d) => `${d.name} (${d.node?.spec.umid})`).join(', ')}` +
              `${running.metricsUrl ? `; metrics at ${running.metricsUrl}` : ''}\n`,
          ),
      });
      process.exit(0);
    });
