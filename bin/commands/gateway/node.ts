// batu gateway node FILE DOMAIN: one domain's node in the foreground (systemd's node unit):
// its taps made and handed over, UML run as the gateway's user; it exits non-zero when the
// node dies, so systemd starts it again, and stops the node on SIGTERM.
import { Command } from 'commander';
import { openStore } from '../../../lib/derivations/index.ts';
import { defaultDrainMs, planOf, readGateway, startDomainNode, withdrawGateway } from '../../../lib/gateway/index.ts';
import { kernelAndImage, storeOption } from '../common.ts';
import { drainOption } from './up.ts';

export const nodeCommand = () =>
  new Command('node')
    .description("run one domain's node in the foreground (systemd's node unit; root, UML as the file's user)")
    .argument('<file>', 'the gateway file')
    .argument('<domain>', 'the domain whose node it is')
    .option('--kernel <path>', 'the kernel (store path; default: built now)')
    .option('--image <path>', 'the image (store path; default: built now)')
    .addOption(drainOption())
    .addOption(storeOption())
    .action(
      async (
        file: string,
        domain: string,
        options: { kernel?: string; image?: string; drain?: number; store?: string },
      ) => {
        const { gateway } = await readGateway(file);
        const index = gateway.domains.findIndex((d) => d.name === domain);
        if (index < 0)
          throw new Error(
            `no domain ${JSON.stringify(domain)} in ${file} (domains: ${gateway.domains.map((d) => d.name).join(', ')})`,
          );
        const paths = await kernelAndImage(openStore(options.store), options);
        const node = await startDomainNode(gateway, planOf(gateway), index, {
          ...paths,
          report: (line) => console.error(`batu: ${line}`),
        });
        let stopping = false;
        for (const signal of ['SIGINT', 'SIGTERM'] as const)
          process.on(signal, () => {
            if (stopping) return;
            stopping = true;
            const ms = options.drain === undefined ? defaultDrainMs(gateway) : options.drain * 1000;
            void withdrawGateway([{ umid: node.spec.umid, node }], ms, (line) => console.error(`batu: ${line}`))
              .then(() => node.stop())
              .then(() => process.exit(0));
          });
        console.log(`node ${node.spec.umid} up`);
        await node.exited;
        if (!stopping) {
          console.error(`batu: node ${node.spec.umid} ended:\n${node.tail(10)}`);
          process.exit(1);
        }
      },
    );
