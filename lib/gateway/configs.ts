// Every configuration a gateway's Debian daemons read, from the gateway file: fastd's per
// tunnel, kea's, radvd's and the nftables ruleset. batu writes their configurations, never
// their jobs. Paths the daemons use at run time (status sockets, the lease file) are under
// the directories given.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fastdConfig } from './daemons/fastd.ts';
import { keaConfig } from './daemons/kea.ts';
import { nftablesRuleset } from './daemons/nftables.ts';
import { radvdConfig } from './daemons/radvd.ts';
import type { GatewayFile } from './file.ts';
import { fastdBridge, type GatewayPlan } from './plan.ts';

export interface DaemonConfig {
  /** The file's name in the configuration directory. */
  name: string;
  /** Which program reads it. */
  daemon: 'fastd' | 'kea-dhcp4' | 'radvd' | 'nft';
  content: string;
  /** 0600 where it holds a secret. */
  mode: number;
}

export interface ConfigPlaces {
  /** Sockets and other run-time files (e.g. /run/batu-gateway; fastd's in fastd/, which its user owns). */
  runDir: string;
  /** What outlives a restart: kea's leases (e.g. /var/lib/batu-gateway). */
  stateDir: string;
}

/** Where gateway up and the units keep run-time files and state, unless told otherwise. */
export const DEFAULT_RUN_DIR = '/run/batu-gateway';
export const DEFAULT_STATE_DIR = '/var/lib/batu-gateway';

/** The daemons' own corners of the run and state directories, each owned by its daemon's user. */
export const daemonDirs = ({ runDir, stateDir }: { runDir: string; stateDir: string }) => ({
  fastd: join(runDir, 'fastd'),
  keaRun: join(runDir, 'kea'),
  keaState: join(stateDir, 'kea'),
});

/** Where the daemons listen, under the run directory: `gateway status` and the metrics ask there. */
export const daemonSockets = (runDir: string) => ({
  fastd: (device: string) => join(runDir, 'fastd', `${device}.sock`),
  fastdPid: (device: string) => join(runDir, 'fastd', `${device}.pid`),
  kea: join(runDir, 'kea', 'kea4.sock'),
});

export async function daemonConfigs(
  gateway: GatewayFile,
  plan: GatewayPlan,
  places: ConfigPlaces,
): Promise<DaemonConfig[]> {
  const configs: DaemonConfig[] = [];
  for (const [d, domain] of gateway.domains.entries())
    for (const [t, tunnel] of domain.tunnels.entries()) {
      if (tunnel.kind !== 'fastd') continue;
      const { device } = plan.domains[d].tunnels[t];
      const secret = (await readFile(tunnel.secretKeyFile, 'utf8')).trim();
      configs.push({
        name: `${device}.conf`,
        daemon: 'fastd',
        content: fastdConfig({
          device,
          tunnel,
          secret,
          statusSocket: daemonSockets(places.runDir).fastd(device),
          bridge: fastdBridge(device),
          user: gateway.user,
        }),
        mode: 0o600,
      });
    }
  if (gateway.domains.some((d) => d.clients.ipv4.dhcp))
    configs.push({
      name: 'kea-dhcp4.conf',
      daemon: 'kea-dhcp4',
      content: keaConfig(gateway, plan, {
        leases: join(daemonDirs(places).keaState, 'leases4.csv'),
        control: daemonSockets(places.runDir).kea,
      }),
      mode: 0o644,
    });
  if (gateway.domains.some((d) => d.clients.ipv6))
    configs.push({ name: 'radvd.conf', daemon: 'radvd', content: radvdConfig(gateway, plan), mode: 0o644 });
  configs.push({ name: 'nftables.conf', daemon: 'nft', content: nftablesRuleset(gateway, plan), mode: 0o644 });
  return configs;
}
