// batu gateway up FILE: run the gateway in the foreground (as root, in this namespace) until
// SIGTERM or ctrl-c, which withdraw the gateway announcement (--drain) and then take it down
// last part first; a part that fails to come up is named, and what was made goes again.
import { Command, Option } from 'commander';
import { openStore, stderrReporter } from '../../../lib/derivations/index.ts';
import { loadGateway, runGateway } from '../../../lib/gateway/index.ts';
import { kernelAndImage, secondsArg, storeOption } from '../common.ts';
import { runDirOption, stateDirOption } from './places.ts';

export const upCommand = () =>
  new Command('up')
    .description('run a gateway in the foreground until SIGTERM or ctrl-c (root; in this network namespace)')
    .argument('<file>', 'the gateway file (YAML or JSON)')
    .addOption(runDirOption('configurations, sockets and run-time files'))
    .addOption(stateDirOption())
    .addOption(drainOption())
    .addOption(storeOption())
    .action(async (file: string, options: { runDir: string; stateDir: string; drain?: number; store?: string }) => {
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
        drainMs: options.drain === undefined ? undefined : options.drain * 1000,
        onUp: (running) =>
          process.stdout.write(
            `gateway up: ${running.domains.map((d) => `${d.name} (${d.node?.spec.umid})`).join(', ')}` +
              `${running.metricsUrl ? `; metrics at ${running.metricsUrl}` : ''}\n`,
          ),
      });
      process.exit(0);
    });

/** Shared with `gateway node`: how long a stopping gateway lets the mesh move to another. */
export const drainOption = () =>
  new Option(
    '--drain <seconds>',
    'on SIGTERM, announce no gateway (gw_mode off) and wait this long before stopping, so clients move to another (default: 3 OGM intervals)',
  ).argParser(secondsArg);
