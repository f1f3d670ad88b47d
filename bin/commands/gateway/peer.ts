// batu gateway peer add|remove FILE DOMAIN NAME: a peer into or out of a tunnel's peer
// directory, and the running fastd told (SIGHUP), or for WireGuard the running node (its
// WireGuard peer and VXLAN entry); the node is not restarted.
import { Command } from 'commander';
import { addPeer, readGateway, removePeer, type PeerChange } from '../../../lib/gateway/index.ts';
import { runDirOption } from './places.ts';

const said = (what: string, change: PeerChange) => `${what} ${change.file}; ${change.told ?? change.notTold}`;

const common = (command: Command) =>
  command
    .argument('<file>', 'the gateway file')
    .argument('<domain>', 'the domain the peer belongs to')
    .argument('<name>', "the peer's name (its file's name in the peer directory)")
    .option('--tunnel <device>', "the domain's tunnel, where it has several (fastd-DOMAIN, vx-DOMAIN …)")
    .addOption(runDirOption('the run directory gateway up was given'));

type Options = { tunnel?: string; runDir: string };

export const peerCommand = () => {
  const peer = new Command('peer').description(
    "add or remove a peer (fastd or WireGuard) of a running gateway's domain",
  );
  peer.addCommand(
    common(new Command('add'))
      .description('add a peer (its public key): fastd reloads its peers, or the node takes a WireGuard peer')
      .requiredOption('--key <key>', "the peer's public key: fastd's (64 hex characters) or WireGuard's (base64)")
      .action(async (file: string, domain: string, name: string, options: Options & { key: string }) => {
        const { gateway } = await readGateway(file);
        console.log(said('added', await addPeer(gateway, { domain, name, ...options })));
      }),
  );
  peer.addCommand(
    common(new Command('remove'))
      .description('remove a peer: fastd reloads its peers, or the node drops the WireGuard peer (its connection ends)')
      .action(async (file: string, domain: string, name: string, options: Options) => {
        const { gateway } = await readGateway(file);
        console.log(said('removed', await removePeer(gateway, { domain, name, ...options })));
      }),
  );
  return peer;
};
