// batu gateway units FILE --out DIR: systemd units (and the daemons' configurations) for the
// gateway, laid out as installed under DIR (`cp -r DIR/etc /`, then `systemctl daemon-reload`
// and `systemctl enable --now batu-gateway.target`). The kernel and image are built now, as
// root, so the node's user only ever reads the store.
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { openStore, packageRoot } from '../../../lib/derivations/index.ts';
import { gatewayUnits, loadGateway, planOf } from '../../../lib/gateway/index.ts';
import { kernelAndImage, storeOption } from '../common.ts';
import { runDirOption, stateDirOption } from './places.ts';

export const unitsCommand = () =>
  new Command('units')
    .description('write systemd units for the gateway (Debian’s fastd@, kea and radvd units; batu’s for the rest)')
    .argument('<file>', 'the gateway file')
    .requiredOption('--out <dir>', 'where to write them, laid out as installed (DIR/etc/...)')
    .addOption(runDirOption('sockets and run-time files'))
    .addOption(stateDirOption())
    .option('--kea-user <user>', "the user Debian's kea unit runs kea as", '_kea')
    .addOption(storeOption())
    .action(
      async (
        file: string,
        options: { out: string; runDir: string; stateDir: string; keaUser: string; store?: string },
      ) => {
        const { gateway } = await loadGateway(file); // keys included: the fastd configs hold them
        const store = openStore(options.store);
        const { kernel, image } = await kernelAndImage(store);
        const files = await gatewayUnits(gateway, planOf(gateway), {
          file: resolve(file),
          batu: [process.execPath, ...process.execArgv, resolve(process.argv[1])],
          workingDirectory: packageRoot,
          store: store.dir,
          kernel,
          image,
          runDir: options.runDir,
          stateDir: options.stateDir,
          keaUser: options.keaUser,
        });
        for (const unitFile of files) {
          const path = join(options.out, unitFile.path);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, unitFile.content);
          await chmod(path, unitFile.mode); // the fastd configurations hold secrets: 0600
          console.log(path);
        }
      },
    );
