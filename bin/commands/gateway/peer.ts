// batu gateway peer add|remove FILE DOMAIN NAME: a fastd peer into or out of a domain's
// peer directory, and the running fastd told (SIGHUP); the node is not restarted.
import { Command } from 'commander';
import { addPeer, readGateway, removePeer, type PeerChange } from '../../../lib/gateway/index.ts';
import { runDirOption } from './places.ts';

const said = (what: string, change: PeerChange) =>
  `${what} ${change.file}; ${change.reloaded ? `fastd (pid ${change.reloaded}) reloads its peers` : `fastd not told (${change.notRunning}): it reads the directory when it starts`}`;

const common = (command: Command) =>
  command
    .argument('<file>', 'the gateway file')
    .argument('<domain>', 'the domain the peer belongs to')
    .argument('<name>', "the peer's name (its file's name in the peer directory)")
    .option('--tunnel <device>', "the domain's fastd tunnel, where it has several (fastd-DOMAIN2 …)")
    .addOption(runDirOption('the run directory gateway up was given'));

type Options = { tunnel?: string; runDir: string };

export const peerCommand = () => {
  const peer = new Command('peer').description("add or remove a fastd peer of a running gateway's domain");
  peer.addCommand(
    common(new Command('add'))
      .description('add a peer (its public key) and have fastd reload its peers')
      .requiredOption('--key <hex>', "the peer's fastd public key (64 hex characters)")
      .action(async (file: string, domain: string, name: string, options: Options & { key: string }) => {
        const { gateway } = await readGateway(file);
        console.log(said('added', await addPeer(gateway, { domain, name, ...options })));
      }),
  );
  peer.addCommand(
    common(new Command('remove'))
      .description('remove a peer and have fastd reload its peers (its connection ends)')
      .action(async (file: string, domain: string, name: string, options: Options) => {
        const { gateway } = await readGateway(file);
        console.log(said('removed', await removePeer(gateway, { domain, name, ...options })));
      }),
  );
  return peer;
};
