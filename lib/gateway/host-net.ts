// The gateway's host side, which everything else sits on: its run and state directories
// (fastd's and kea's own corners owned by their users), the nftables table, IP forwarding,
// and per domain its bridges (the client bridge with its fixed MAC and addresses). The node's
// taps are the runner's, made per start. `gateway up` and `gateway net up` use it;
// `hostNetworkDown` undoes it from the file alone (`gateway net down`, after a kill -9).
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { Netns } from '../runner/index.ts';
import { closedAncestor } from '../runner/reach.ts';
import { daemonDirs } from './configs.ts';
import { NFT_TABLE, nftablesRuleset } from './daemons/nftables.ts';
import type { GatewayFile } from './file.ts';
import { domainDevices } from './node.ts';
import { openDirs } from './open-dirs.ts';
import type { GatewayPlan } from './plan.ts';

export class GatewayError extends Error {
  override name = 'GatewayError';
}

export interface Ids {
  uid: number;
  gid: number;
}

/** What was made, to be undone last first. */
export type Undo = () => Promise<unknown>;

export interface HostNetworkOptions {
  runDir: string;
  stateDir: string;
  /** Who kea runs as (Debian's unit: _kea); it owns kea's corners. Default root. */
  keaUser?: string;
}

/** A user's uid and gid (getent: the system's own lookup). */
export async function userIds(user: string, what = "the gateway file's user"): Promise<Ids> {
  const { stdout } = await execa('getent', ['passwd', user], { reject: false });
  const [, , uid, gid] = stdout.split(':');
  if (uid === undefined) throw new GatewayError(`no user ${user} on this host (${what})`);
  return { uid: Number(uid), gid: Number(gid) };
}

/** `dir` open to `ids` (a daemon working as its own user once it has dropped root). */
export async function reachable(dir: string, ids: Ids, what: string): Promise<void> {
  const closed = await closedAncestor(join(dir, 'entry'), ids);
  if (closed)
    throw new GatewayError(
      `${what}, but ${closed.dir} (mode ${closed.mode.toString(8)}, owner ${closed.uid}:${closed.gid}) stops it: chmod o+rx it`,
    );
}

/** Run a step; its failure becomes one GatewayError that names it. */
export async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new GatewayError(`${what}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Make the host side; returns what undoes it, last first. On failure, what was made is undone. */
export async function hostNetworkUp(
  gateway: GatewayFile,
  plan: GatewayPlan,
  options: HostNetworkOptions,
): Promise<Undo[]> {
  const host = Netns.current();
  const undo: Undo[] = [];
  try {
    const ids = await userIds(gateway.user);
    const kea = options.keaUser ? await userIds(options.keaUser, "kea's user") : { uid: 0, gid: 0 };
    const dirs = daemonDirs(options);
    await openDirs(options.runDir);
    await openDirs(options.stateDir);
    for (const [dir, owner] of [
      [dirs.fastd, ids],
      [dirs.keaRun, kea],
      [dirs.keaState, kea],
    ] as const) {
      await mkdir(dir, { recursive: true, mode: 0o750 });
      await chown(dir, owner.uid, owner.gid);
    }
    await reachable(dirs.fastd, ids, `fastd makes its status socket in ${dirs.fastd} as ${gateway.user}`);
    for (const domain of gateway.domains)
      for (const tunnel of domain.tunnels)
        if (tunnel.kind === 'fastd' && 'directory' in tunnel.peers)
          await reachable(
            tunnel.peers.directory,
            ids,
            `fastd reads its peers from ${tunnel.peers.directory} as ${gateway.user}`,
          );

    await step('nftables', () => execa('nft', ['-f', '-'], { input: nftablesRuleset(gateway, plan) }));
    undo.push(() => execa('nft', ['delete', 'table', 'inet', NFT_TABLE], { reject: false }));
    await step('IP forwarding', () =>
      execa('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']),
    );

    for (const [index, domain] of gateway.domains.entries()) {
      const made = domainDevices(domain, plan.domains[index], index);
      for (const [bridge, { address, mac }] of Object.entries(made.bridges)) {
        await host.deleteLink(bridge); // a killed gateway's
        await step(`domain ${domain.name}: bridge ${bridge}`, () => host.addBridge(bridge, address, mac));
        undo.push(() => host.deleteLink(bridge));
      }
      if (domain.clients.ipv6)
        await step(`domain ${domain.name}: ${domain.clients.ipv6.address}`, () =>
          host.ip('-6', 'addr', 'add', domain.clients.ipv6!.address, 'dev', plan.domains[index].bridge, 'nodad'),
        );
    }
    return undo;
  } catch (error) {
    for (const action of undo.reverse()) await action().catch(() => {});
    throw error;
  }
}

/** Remove what hostNetworkUp makes, from the file alone; what is not there is skipped. */
export async function hostNetworkDown(gateway: GatewayFile, plan: GatewayPlan): Promise<void> {
  const host = Netns.current();
  for (const [index, domain] of [...gateway.domains.entries()].reverse()) {
    const made = domainDevices(domain, plan.domains[index], index);
    for (const tap of Object.keys(made.attach)) await host.deleteLink(tap);
    for (const bridge of Object.keys(made.bridges).reverse()) await host.deleteLink(bridge);
  }
  await execa('nft', ['delete', 'table', 'inet', NFT_TABLE], { reject: false });
}
