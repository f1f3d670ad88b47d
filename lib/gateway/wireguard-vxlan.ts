// A WireGuard + VXLAN tunnel that ends inside a node, as Freifunk's Gluon routers and their
// gateways (wgkex) run it: a WireGuard interface whose link-local address derives from its
// public key (Gluon's rule; a gateway's is fe80::1, which every router points its VXLAN at),
// a VXLAN on it (UDP 4789, no UDP checksums, the domain's VNI) that batman-adv takes as a
// hard interface; on a gateway each peer is a WireGuard peer plus a VXLAN forwarding entry
// to its link-local address. Made with ip, wg, bridge and batctl through the node's batctl
// service; the private key goes in by 9P, never on a command line.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { guestCommand, guestQuiet, putGuestFile, type NodeRef } from '../runner/index.ts';

/** The address every gateway's WireGuard interface has, and routers' VXLANs send to. */
export const GATEWAY_LINK_LOCAL = 'fe80::1';
export const VXLAN_PORT = 4789;
/** What VXLAN over IPv6 adds to a frame: IPv6 40, UDP 8, VXLAN 8, the inner Ethernet header 14. */
export const VXLAN_OVERHEAD = 70;

/** Gluon's link-local address of a WireGuard interface: MD5 of the key's base64, 02 and 5 bytes as a MAC, in EUI-64 form as written (no bit flipped). */
export function wireguardLinkLocal(publicKey: string): string {
  const h = createHash('md5').update(publicKey).digest('hex');
  const m = ['02', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)];
  const groups = [`${m[0]}${m[1]}`, `${m[2]}ff`, `fe${m[3]}`, `${m[4]}${m[5]}`];
  return `fe80::${groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':')}`;
}

// X25519 keys as node:crypto reads them: the raw 32 bytes behind a fixed DER prefix.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The public key of a WireGuard private key (base64, as `wg pubkey` prints it). */
export function wireguardPublicKey(privateKey: string): string {
  const raw = Buffer.from(privateKey.trim(), 'base64');
  if (raw.length !== 32) throw new Error('a WireGuard private key is 32 bytes of base64');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
  return createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
}

/** A new WireGuard key pair (what `wg genkey | wg pubkey` gives). */
export function wireguardKeys(): { privateKey: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('x25519');
  const raw = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32).toString('base64');
  return { privateKey: raw, publicKey: wireguardPublicKey(raw) };
}

export interface WireguardPeerEnd {
  publicKey: string;
  /** Where to send first (a router's gateway); a gateway learns its routers' from their packets. */
  endpoint?: string;
}

/** The devices of one tunnel in the node. */
export interface TunnelDevices {
  wg: string;
  vxlan: string;
}

export interface WireguardVxlanEnd extends TunnelDevices {
  privateKey: string;
  /** The WireGuard UDP port (a gateway's; a router's is any). */
  listenPort?: number;
  /** A gateway (fe80::1; a forwarding entry per peer) or a router (its own link-local; VXLAN to fe80::1). */
  role: 'gateway' | 'router';
  vni: number;
  /** The VXLAN's MTU (batman-adv's hard interface); WireGuard's is this plus VXLAN_OVERHEAD. */
  mtu: number;
  /** The VXLAN's MAC (batman-adv's hard interface address, what the map joins links by). */
  mac: string;
  peers: WireguardPeerEnd[];
  /** batman-adv V's assumed throughput of the link. */
  throughputOverride?: string;
  meshIf?: string;
}

/** Make the tunnel in the node and give its VXLAN to batman-adv; then its peers. */
export async function wireguardVxlanUp(node: NodeRef, end: WireguardVxlanEnd): Promise<void> {
  const { wg, vxlan } = end;
  const own = end.role === 'gateway' ? GATEWAY_LINK_LOCAL : wireguardLinkLocal(wireguardPublicKey(end.privateKey));
  const keyFile = `/run/${wg}.key`;
  await guestQuiet(node, 'ip', ['link', 'add', wg, 'type', 'wireguard']);
  await putGuestFile(node, keyFile, Buffer.from(`${end.privateKey.trim()}\n`), '/', 0o600);
  try {
    await guestQuiet(node, 'wg', [
      'set',
      wg,
      'private-key',
      keyFile,
      ...(end.listenPort ? ['listen-port', String(end.listenPort)] : []),
    ]);
  } finally {
    await putGuestFile(node, keyFile, Buffer.alloc(0), '/', 0o600); // the key lives on in the kernel only
  }
  await guestQuiet(node, 'ip', ['link', 'set', wg, 'mtu', String(end.mtu + VXLAN_OVERHEAD), 'up']);
  await guestQuiet(node, 'ip', ['-6', 'addr', 'add', `${own}/64`, 'dev', wg, 'nodad']);
  await guestQuiet(node, 'ip', [
    ...['link', 'add', vxlan, 'type', 'vxlan', 'id', String(end.vni), 'local', own, 'dev', wg],
    ...['dstport', String(VXLAN_PORT), 'udp6zerocsumtx', 'udp6zerocsumrx'],
    ...(end.role === 'router' ? ['remote', GATEWAY_LINK_LOCAL] : []),
  ]);
  await guestQuiet(node, 'ip', ['link', 'set', vxlan, 'address', end.mac, 'mtu', String(end.mtu), 'up']);
  await guestQuiet(node, 'batctl', ['meshif', end.meshIf ?? 'bat0', 'interface', 'add', vxlan]);
  if (end.throughputOverride)
    await guestQuiet(node, 'batctl', ['hardif', vxlan, 'throughput_override', end.throughputOverride]);
  for (const peer of end.peers) await addWireguardPeer(node, end, peer);
}

/** A peer: WireGuard lets its link-local address through; a gateway's VXLAN floods to it too. */
export async function addWireguardPeer(
  node: NodeRef,
  end: TunnelDevices & { role: 'gateway' | 'router' },
  peer: WireguardPeerEnd,
): Promise<void> {
  const allowed = end.role === 'gateway' ? `${wireguardLinkLocal(peer.publicKey)}/128` : `${GATEWAY_LINK_LOCAL}/128`;
  await guestQuiet(node, 'wg', [
    ...['set', end.wg, 'peer', peer.publicKey, 'allowed-ips', allowed],
    // A router keeps its NAT mapping open, as Gluon's do.
    ...(peer.endpoint ? ['endpoint', peer.endpoint, 'persistent-keepalive', '25'] : []),
  ]);
  if (end.role === 'gateway')
    await guestQuiet(node, 'bridge', [
      ...['fdb', 'append', '00:00:00:00:00:00', 'dev', end.vxlan],
      ...['dst', wireguardLinkLocal(peer.publicKey), 'via', end.wg],
    ]);
}

/** A gateway's peer gone: its forwarding entry, then the WireGuard peer. */
export async function removeWireguardPeer(node: NodeRef, end: TunnelDevices, publicKey: string): Promise<void> {
  await guestQuiet(node, 'bridge', [
    ...['fdb', 'del', '00:00:00:00:00:00', 'dev', end.vxlan],
    ...['dst', wireguardLinkLocal(publicKey), 'via', end.wg],
  ]).catch(() => {}); // (not there: nothing to do)
  await guestQuiet(node, 'wg', ['set', end.wg, 'peer', publicKey, 'remove']);
}

export interface WireguardPeerState {
  publicKey: string;
  endpoint?: string;
  /** Seconds since the last handshake; undefined when there was none. */
  handshakeAgeSeconds?: number;
  rxBytes: number;
  txBytes: number;
}

/** A WireGuard interface's peers, from `wg show WG dump` (its first line is the interface's own). */
export async function wireguardPeers(node: NodeRef, wg: string, now = Date.now()): Promise<WireguardPeerState[]> {
  const out = await guestCommand(node, 'wg', ['show', wg, 'dump']);
  const lines = out.trim().split('\n');
  if (!lines[0] || lines[0].split('\t').length !== 4) throw new Error(`wg show ${wg} dump: ${out.trim() || 'nothing'}`);
  return lines.slice(1).map((line) => {
    const [publicKey, , endpoint, , handshake, rx, tx] = line.split('\t');
    const at = Number(handshake);
    return {
      publicKey,
      ...(endpoint && endpoint !== '(none)' ? { endpoint } : {}),
      ...(at > 0 ? { handshakeAgeSeconds: Math.max(0, Math.round(now / 1000 - at)) } : {}),
      rxBytes: Number(rx),
      txBytes: Number(tx),
    };
  });
}

/** Whether a peer counts as connected: a handshake within WireGuard's rekey window and its grace (180 s). */
export const connected = (peer: WireguardPeerState) =>
  peer.handshakeAgeSeconds !== undefined && peer.handshakeAgeSeconds < 180;
