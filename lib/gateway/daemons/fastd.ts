// fastd's configuration for one fastd tunnel of a domain (Debian's fastd 22 runs it): a tap
// named after the domain, the methods in the file's order, the secret from its key file,
// peers from a directory or an on-verify command, a status socket for `gateway status`, and
// its tap put into its bridge as it comes up (so Debian's fastd@ unit needs nothing else).
// It holds the secret: written mode 0600.
import type { FastdTunnel } from '../file.ts';
import type { z } from 'zod';

export interface FastdConfig {
  /** The tap fastd makes (the plan's device name). */
  device: string;
  tunnel: z.infer<typeof FastdTunnel>;
  /** The secret, as its key file holds it. */
  secret: string;
  statusSocket: string;
  /** The bridge fastd's tap joins once made (with the node's tap in it). */
  bridge: string;
  /** The user fastd runs as once its tap is made. */
  user: string;
}

const quoted = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

export function fastdConfig({ device, tunnel, secret, statusSocket, bridge, user }: FastdConfig): string {
  return [
    `# batu gateway: ${device} (generated from the gateway file; change that instead)`,
    `interface ${quoted(device)};`,
    'mode tap;',
    ...tunnel.methods.map((m) => `method ${quoted(m)};`),
    `bind any port ${tunnel.port};`,
    `secret ${quoted(secret)};`,
    `mtu ${tunnel.mtu};`,
    `peer limit ${tunnel.peerLimit};`,
    'directory' in tunnel.peers
      ? `include peers from ${quoted(tunnel.peers.directory)};`
      : `on verify ${quoted(tunnel.peers.onVerify)};`,
    `status socket ${quoted(statusSocket)};`,
    // Run as root, before fastd drops to its user: its tap up and into the bridge with the node's.
    `on up ${quoted(`ip link set dev "$INTERFACE" up && ip link set dev "$INTERFACE" master ${bridge}`)};`,
    `user ${quoted(user)};`,
    'log to stderr level info;',
    '',
  ].join('\n');
}
