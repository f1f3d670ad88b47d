// The host's side of a node's management link: an address in the node's service subnet, so
// batctl, alfred and fs on the host reach its services.

const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

/**
 * The host address for a node whose service address is `serviceIp` (a.b.c.d[/len]): the
 * subnet's first address that is not the node's; undefined where the subnet has no room
 * (/31, /32) or `served` (addresses already in the namespace, a.b.c.d/len) covers it.
 */
export function hostAddressFor(serviceIp: string, served: string[] = []): string | undefined {
  const [ip, len = '24'] = serviceIp.split('/');
  const prefix = Number(len);
  if (prefix > 30) return undefined;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const network = (toInt(ip) & mask) >>> 0;
  if (served.some((a) => (toInt(a.split('/')[0]) & mask) >>> 0 === network)) return undefined;
  const host = toIp(network + 1) === ip ? toIp(network + 2) : toIp(network + 1);
  return `${host}/${prefix}`;
}
