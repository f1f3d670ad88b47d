// A gateway file: what an operator writes (YAML or JSON) to run a Freifunk gateway with batu.
// One node per domain (batman-adv with the community's settings, gw_mode server), its
// tunnels (fastd on the host, WireGuard + VXLAN in the node), its clients' network (served by
// kea and radvd), its exit (NAT or routed) and its map data (respondd). The whole file is
// checked before anything starts; each error names the field it is about.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/** A name that becomes part of interface names (`fastd-<domain>`, `br-<domain>`: at most 15 characters). */
const DomainName = z.string().regex(/^[a-z][a-z0-9]{0,7}$/, 'expected a short name: a-z then a-z0-9, at most 8');
const Port = z.number().int().min(1).max(65535);
/** A file of the gateway's (a key): absolute, or relative to the gateway file. */
const FilePath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[^\0]+$/, 'expected a path');
/** A bandwidth as batman-adv and tc write it: 1000mbit, 100kbit, 1gbit. */
const Bandwidth = z.string().regex(/^\d{1,7}(\.\d{1,3})?[kmg]?bit$/i, 'expected a bandwidth such as 100mbit or 1gbit');

const ipv4 = (what: string) =>
  z.string().refine((s) => ipaddr.IPv4.isValidFourPartDecimal(s), `expected an IPv4 address (${what})`);
const ip = z.string().refine((s) => ipaddr.isValid(s), 'expected an IPv4 or IPv6 address');
/** An address with its prefix length: the gateway's own address in its clients' network. */
const cidr = (kind: 'ipv4' | 'ipv6', max: number) =>
  z.string().refine(
    (s) => {
      try {
        const [address, length] = ipaddr.parseCIDR(s);
        return address.kind() === kind && length <= max && length >= 8;
      } catch {
        return false;
      }
    },
    `expected an ${kind === 'ipv4' ? 'IPv4' : 'IPv6'} address with its prefix length (/8 to /${max}), e.g. ${kind === 'ipv4' ? '10.10.0.1/20' : 'fd00:10::1/64'}`,
  );

/** fastd's methods; YAML reads an unquoted `null` as nothing, which here can only mean fastd's "null". */
const FastdMethod = z.preprocess(
  (v) => (v === null ? 'null' : v),
  z.enum(['null', 'null@l2tp', 'salsa2012+umac', 'salsa2012+gmac', 'aes128-ctr+umac']),
);

export const FastdTunnel = z.strictObject({
  kind: z.literal('fastd'),
  /** UDP port fastd listens on (one instance per domain: 10000 + domain is common). */
  port: Port,
  /** fastd's secret key (`fastd --generate-key`). */
  secretKeyFile: FilePath,
  /** Offered in this order; `null` first lets routers that allow it skip encryption. */
  methods: z.array(FastdMethod).min(1).default(['null', 'salsa2012+umac']),
  mtu: z.number().int().min(1280).max(1500).default(1406),
  peerLimit: z.number().int().min(1).max(10_000).default(150),
  /** Who may connect: a directory of peer files (fastd's `include peers from`), or a command fastd asks. */
  peers: z.union([z.strictObject({ directory: FilePath }), z.strictObject({ onVerify: z.string().min(1) })]),
  /** What batman-adv V assumes of the link (hard interface throughput_override). */
  throughputOverride: Bandwidth.optional(),
});

/** fastd's secret key (as `fastd --generate-key --machine-readable` prints it) and a WireGuard key. */
export const FASTD_SECRET = /^[0-9a-f]{64}$/;
export const WIREGUARD_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

const WireguardKey = z.string().regex(WIREGUARD_KEY, 'expected a WireGuard key (44 characters of base64)');

export const WireguardPeer = z.strictObject({
  /** A name for status and `gateway peer remove`. */
  name: z.string().regex(/^[\w.-]{1,64}$/, 'expected a name of letters, digits, ".", "_" and "-"'),
  publicKey: WireguardKey,
});

export const WireguardVxlanTunnel = z.strictObject({
  kind: z.literal('wireguard-vxlan'),
  /** UDP port of the WireGuard interface (in the node; the host forwards it). */
  port: Port,
  /** The WireGuard private key (`wg genkey`). */
  privateKeyFile: FilePath,
  /** The VXLAN's network identifier: one per domain, as the routers have it. */
  vni: z.number().int().min(1).max(16_777_215),
  /** The VXLAN interface's MTU (batman-adv's hard interface): clients' 1280 + batman-adv's 32. */
  mtu: z.number().int().min(1280).max(1500).default(1312),
  /** Who may connect: listed here, or a directory of peer files (each named after its peer, holding its public key: `gateway peer add`). */
  peers: z.union([z.array(WireguardPeer), z.strictObject({ directory: FilePath })]).default([]),
  throughputOverride: Bandwidth.optional(),
});

export const Tunnel = z.discriminatedUnion('kind', [FastdTunnel, WireguardVxlanTunnel]);

export const Clients = z.strictObject({
  /** The gateway's address and prefix on its clients' network, e.g. 10.10.0.1/20; kea serves DHCP. */
  ipv4: z.strictObject({
    address: cidr('ipv4', 30),
    dhcp: z
      .strictObject({
        from: ipv4('the first leased'),
        to: ipv4('the last leased'),
        leaseSeconds: z.number().int().min(60).max(86_400).default(600),
      })
      .optional(),
  }),
  /** The gateway's address in a /64 radvd announces (SLAAC), and the link MTU it announces. */
  ipv6: z
    .strictObject({ address: cidr('ipv6', 64), mtu: z.number().int().min(1280).max(1500).default(1280) })
    .optional(),
  /** Resolvers handed to clients (DHCP, RDNSS); default: the gateway's own addresses. */
  dns: z.array(ip).max(3).optional(),
});

export const Exit = z.discriminatedUnion('kind', [
  /** Clients' IPv4 masqueraded to the uplink (nftables); IPv6 routed. */
  z.strictObject({ kind: z.literal('nat'), uplink: z.string().regex(/^[\w.-]{1,15}$/, 'expected an interface name') }),
  /** Routed as it is (a backbone announces the prefixes). */
  z.strictObject({ kind: z.literal('routed') }),
]);

export const Respondd = z.strictObject({
  hostname: z.string().regex(/^[\w.-]{1,63}$/, 'expected a host name'),
  siteCode: z.string().regex(/^[\w-]{1,32}$/, 'expected a site code such as ffxx'),
  domainCode: z
    .string()
    .regex(/^[\w-]{1,32}$/, 'expected a domain code')
    .optional(),
  location: z
    .strictObject({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) })
    .optional(),
  contact: z.string().max(256).optional(),
});

export const Domain = z.strictObject({
  name: DomainName,
  routingAlgo: z.enum(['BATMAN_IV', 'BATMAN_V']).default('BATMAN_V'),
  originatorIntervalMs: z.number().int().min(100).max(60_000).default(5000),
  hopPenalty: z.number().int().min(0).max(255).default(30),
  /** What the gateway announces (gw_mode server): its bandwidth down and up. */
  gateway: z.strictObject({ down: Bandwidth, up: Bandwidth }),
  tunnels: z.array(Tunnel).min(1),
  clients: Clients,
  exit: Exit,
  respondd: Respondd,
});

export const GatewayFile = z
  .strictObject({
    /** The unprivileged user the nodes run as. */
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a user name')
      .default('nobody'),
    domains: z.array(Domain).min(1).max(64),
    /** Prometheus text at http://ADDRESS:PORT/metrics. */
    metrics: z.strictObject({ address: ip.default('127.0.0.1'), port: Port.default(9101) }).optional(),
  })
  .superRefine(crossChecks);

export type GatewayFile = z.infer<typeof GatewayFile>;
export type GatewayFileInput = z.input<typeof GatewayFile>;
export type Domain = GatewayFile['domains'][number];
export type Tunnel = Domain['tunnels'][number];

type Issue = { path: (string | number)[]; message: string };

/** What no single field shows: names, host names, ports, VNIs and prefixes used twice; addresses outside their prefix. */
function crossChecks(file: { domains: z.infer<typeof Domain>[] }, ctx: z.RefinementCtx): void {
  for (const issue of conflicts(file.domains)) ctx.addIssue({ code: 'custom', ...issue });
}

function conflicts(domains: z.infer<typeof Domain>[]): Issue[] {
  const issues: Issue[] = [];
  /** The first place each value was seen; a second place is an issue. */
  const once = () => {
    const seen = new Map<string, string>();
    return (key: string, path: (string | number)[], what: string) => {
      const first = seen.get(key);
      if (first) issues.push({ path, message: `${what} is used already by ${first}` });
      else seen.set(key, path.join('.'));
    };
  };
  const name = once();
  const port = once();
  const vni = once();
  const keys = once();
  const hostname = once(); // a domain's MACs derive from it (node.ts)
  domains.forEach((domain, d) => {
    name(domain.name, ['domains', d, 'name'], `domain name ${domain.name}`);
    hostname(domain.respondd.hostname, ['domains', d, 'respondd', 'hostname'], `host name ${domain.respondd.hostname}`);
    domain.tunnels.forEach((tunnel, t) => {
      const at = ['domains', d, 'tunnels', t];
      port(String(tunnel.port), [...at, 'port'], `UDP port ${tunnel.port}`);
      if (tunnel.kind === 'wireguard-vxlan') {
        vni(String(tunnel.vni), [...at, 'vni'], `VNI ${tunnel.vni}`);
        (Array.isArray(tunnel.peers) ? tunnel.peers : []).forEach((peer, p) => {
          keys(peer.publicKey, [...at, 'peers', p, 'publicKey'], `public key of peer ${peer.name}`);
        });
      }
    });
    issues.push(...clientNetwork(domain.clients, ['domains', d, 'clients']));
  });
  issues.push(...overlaps(domains));
  return issues;
}

/** The DHCP range lies in the prefix, in order, without the gateway's own address. */
function clientNetwork(clients: z.infer<typeof Clients>, at: (string | number)[]): Issue[] {
  const { dhcp } = clients.ipv4;
  const prefix = prefixOf(clients.ipv4.address);
  // Each field's own check has named what does not parse.
  const valid = (a: string) => ipaddr.IPv4.isValidFourPartDecimal(a);
  if (!dhcp || prefix?.[0].kind() !== 'ipv4' || !valid(dhcp.from) || !valid(dhcp.to)) return [];
  const net = prefix as [ipaddr.IPv4, number];
  const own = net[0];
  const from = ipaddr.IPv4.parse(dhcp.from);
  const to = ipaddr.IPv4.parse(dhcp.to);
  const n = (a: ipaddr.IPv4) => a.toByteArray().reduce((v, b) => v * 256 + b, 0);
  const path = [...at, 'ipv4', 'dhcp'];
  if (!from.match(net))
    return [{ path: [...path, 'from'], message: `${dhcp.from} is outside ${clients.ipv4.address}` }];
  if (!to.match(net)) return [{ path: [...path, 'to'], message: `${dhcp.to} is outside ${clients.ipv4.address}` }];
  if (n(from) > n(to)) return [{ path, message: `the range ${dhcp.from}–${dhcp.to} is empty (from is after to)` }];
  if (n(own) >= n(from) && n(own) <= n(to))
    return [{ path, message: `the range ${dhcp.from}–${dhcp.to} holds the gateway's own address ${own}` }];
  return [];
}

/** Client prefixes of different domains that overlap (IPv4 and IPv6 alike). */
function overlaps(domains: z.infer<typeof Domain>[]): Issue[] {
  const issues: Issue[] = [];
  const prefixes = domains.flatMap((domain, d) =>
    (['ipv4', 'ipv6'] as const).flatMap((family) => {
      const prefix = prefixOf(domain.clients[family]?.address);
      return prefix ? [{ prefix, path: ['domains', d, 'clients', family, 'address'] }] : [];
    }),
  );
  prefixes.forEach((a, i) =>
    prefixes.slice(0, i).forEach((b) => {
      if (a.prefix[0].kind() !== b.prefix[0].kind()) return; // (a field of the wrong family is named by its own check)
      const [shorter, longer] = a.prefix[1] <= b.prefix[1] ? [a, b] : [b, a];
      if ((longer.prefix[0] as ipaddr.IPv4).match(shorter.prefix as [ipaddr.IPv4, number]))
        issues.push({ path: a.path, message: `its prefix overlaps ${b.path.join('.')} (${network(b.prefix)})` });
    }),
  );
  return issues;
}

/** An address with its prefix length, parsed; undefined where it does not parse. */
function prefixOf(cidr: string | undefined): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    return cidr ? ipaddr.parseCIDR(cidr) : undefined;
  } catch {
    return undefined;
  }
}

/** A prefix as a network: 10.10.0.0/20. */
export function network([address, length]: [ipaddr.IPv4 | ipaddr.IPv6, number]): string {
  const bytes = address.toByteArray().map((b, i) => {
    const keep = Math.max(0, Math.min(8, length - 8 * i));
    return b & (0xff << (8 - keep)) & 0xff;
  });
  return `${ipaddr.fromByteArray(bytes).toString()}/${length}`;
}
