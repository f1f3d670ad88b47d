// NodeSpec: one UML node, the single source of truth for its kernel command line
// (render ⇄ parse) and for what the runner sets up. Types are inferred from it.
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { limits } from './limits.ts';

export const Mac = z
  .string()
  .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'expected a lowercase MAC address like ca:fe:00:00:00:01')
  .refine((mac) => (parseInt(mac.slice(0, 2), 16) & 1) === 0, 'a multicast MAC address cannot name an interface');

/** Linux interface names: at most 15 characters (IFNAMSIZ - 1). */
export const DeviceName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,15}$/, 'expected a device name of at most 15 letters, digits, _ . -');

export const Mtu = z.number().int().min(576, 'MTU below 576').max(65534, 'MTU above 65534');

const common = { mac: Mac.optional(), mtu: Mtu.optional() };

/** UML's legacy tuntap driver: `ethN=tuntap,<tap>[,<mac>]` (MTU capped at 1500). */
const Tuntap = z.strictObject({
  driver: z.literal('tuntap'),
  tap: DeviceName,
  ...common,
  mtu: Mtu.max(1500, 'the legacy tuntap driver caps the MTU at 1500').optional(),
});

/** The vector driver on a host tap / raw socket: `vecN:transport=tap,ifname=<dev>,…`. */
const VectorDevice = z.strictObject({
  driver: z.literal('vector'),
  transport: z.enum(['tap', 'hybrid', 'raw']),
  ifname: DeviceName,
  ...common,
});

/** The vector driver on an inherited descriptor (a tap fd or a socketpair end): no privileges. */
const VectorFd = z.strictObject({
  driver: z.literal('vector'),
  transport: z.literal('fd'),
  fd: z.number().int().min(3).max(1023),
  /** A socket (socketpair end) takes batched recvmmsg/sendmmsg; a tap fd needs plain readv/writev (vec=0). */
  fdKind: z.enum(['socket', 'tap']).default('socket'),
  /**
   * virtio-net headers on the descriptor (`vnet=1,gro=1`): GSO frames and checksum offload
   * cross it whole. Needs a kernel with batu's UML patches (recipes/linux/patches/offload), the same
   * on the other end, and a tap opened with IFF_VNET_HDR (the runner's tapFds do that).
   */
  offload: z.boolean().default(false),
  /**
   * Receive ring slots (`depth=`, the driver's default 64). With virtio-net headers each slot is a
   * 64 KB buffer, so the ring is what a node's memory pays per link.
   */
  depth: z.number().int().min(1).max(1024).optional(),
  ...common,
});

const Ipv4 = z.string().refine((ip) => isIPv4(ip), 'expected an IPv4 address');

/** Tunnels between hosts: gre and l2tpv3 over IPv4 (UDP encapsulation for l2tpv3). */
const VectorTunnel = z.strictObject({
  driver: z.literal('vector'),
  transport: z.enum(['gre', 'l2tpv3']),
  src: Ipv4,
  dst: Ipv4,
  /** l2tpv3 over UDP: the ports; gre/raw l2tpv3: absent. */
  srcPort: z.number().int().min(1).max(65535).optional(),
  dstPort: z.number().int().min(1).max(65535).optional(),
  /** gre key / l2tpv3 session: both ends use the same. */
  key: z.number().int().min(0).max(0xffffffff).optional(),
  ...common,
});

export const Interface = z.union([Tuntap, VectorDevice, VectorFd, VectorTunnel]);
export type Interface = z.infer<typeof Interface>;

/** batman-adv mesh settings, named as the old sysfs files (/sys/class/net/bat0/mesh/<name>). */
const flag01 = z.union([z.literal(0), z.literal(1)]);
export const MeshSettings = z.strictObject({
  gw_mode: z.enum(['off', 'client', 'server']).optional(),
  gw_bandwidth: z
    .string()
    .regex(/^\d+(\.\d+)?([kKmM]bit)?(\/\d+(\.\d+)?([kKmM]bit)?)?$/i, 'expected down[/up], e.g. 1024MBit/1024MBit')
    .optional(),
  gw_sel_class: z.number().int().min(1).max(255).optional(),
  orig_interval: z.number().int().min(50).max(60_000).optional(),
  hop_penalty: z.number().int().min(0).max(255).optional(),
  bridge_loop_avoidance: flag01.optional(),
  distributed_arp_table: flag01.optional(),
  multicast_mode: flag01.optional(),
  network_coding: flag01.optional(),
  aggregated_ogms: flag01.optional(),
  ap_isolation: flag01.optional(),
  bonding: flag01.optional(),
  fragmentation: flag01.optional(),
  multicast_fanout: z
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .optional(),
  /** skb mark[/mask] that marks a client as isolated (ap_isolation), e.g. 0x10/0x10. */
  isolation_mark: z
    .string()
    .regex(/^(0x[0-9a-f]{1,8}|\d{1,10})(\/(0x[0-9a-f]{1,8}|\d{1,10}))?$/i, 'expected value[/mask], e.g. 0x10/0x10')
    .optional(),
});
export type MeshSettings = z.infer<typeof MeshSettings>;
/**
 * Knobs the guest init knows (guest/init/settings.c) that a spec does not offer: written as
 * they are through `writes` (`/sys/class/net/bat0/mesh/<knob>=value`).
 */
export const initOnlyMeshKnobs = {
  log_level: 'only a batman-adv built with CONFIG_BATMAN_ADV_DEBUG has it; batctl takes level names',
} as const;
export const meshKnobs = Object.keys(MeshSettings.shape) as (keyof MeshSettings)[];
export const meshPath = (knob: string) => `/sys/class/net/bat0/mesh/${knob}`;

const Write = z.strictObject({
  path: z
    .string()
    .regex(/^\/[^\s="]+$/, 'expected an absolute path without spaces, = or quotes')
    .max(limits.text - 1, `at most ${limits.text - 1} characters (the guest init's limit)`)
    .refine((p) => !p.split('/').includes('..'), 'a path may not contain ..')
    .refine(
      (p) => p !== '/proc/sysrq-trigger',
      'a write to /proc/sysrq-trigger would crash or halt the node (the init refuses it)',
    )
    .refine((p) => !meshKnobs.some((k) => p === meshPath(k)), 'set batman-adv settings through mesh.<name>'),
  value: z
    .string()
    .regex(/^[^\s"]*$/, 'expected a value without spaces or quotes')
    .max(limits.text - 1, `at most ${limits.text - 1} characters (the guest init's limit)`),
});

export const NodeSpec = z
  .strictObject({
    umid: z.string().regex(/^[A-Za-z0-9_.-]{1,30}$/, 'expected 1-30 letters, digits, _ . -'),
    /** Guest memory; unset: the runner's default. */
    mem: z
      .string()
      .regex(/^\d+[KMG]$/, 'expected a size like 64M')
      .optional(),
    /**
     * Where UML keeps the node's mconsole socket; unset: the runner's own directory. A
     * relative path is relative to UML's working directory (StartOptions.cwd).
     */
    umlDir: z
      .string()
      .regex(/^(\/|(?!\.\.?(\/|$)))[^\s=,]*$/, 'expected a path (absolute, or relative without leading ./ or ../)')
      .optional(),
    /** Store paths: the kernel (…/bin/linux inside) and the image (initramfs.cpio, root/). */
    kernel: z.string().optional(),
    image: z.string().optional(),
    /** initramfs: each node unpacks its own copy; hostfs: one read-only tree shared by all. */
    rootfs: z.enum(['initramfs', 'hostfs']).default('initramfs'),
    management: Interface.optional(),
    bat0Tap: Interface.optional(),
    hard: z.array(Interface).max(30).default([]),
    bat0Mac: Mac.optional(),
    /** address[/prefix] of eth0; the 9P, alfred and batctl services listen only here. */
    serviceIp: z
      .string()
      .regex(/^\d+\.\d+\.\d+\.\d+(\/([1-9]|[12]\d|3[0-2]))?$/, 'expected a.b.c.d[/prefix] (the prefix defaults to 24)')
      .refine((s) => isIPv4(s.split('/')[0]), 'expected an IPv4 address')
      .optional(),
    routingAlgo: z.enum(['BATMAN_IV', 'BATMAN_V']).optional(),
    alfred: z.enum(['off', 'slave', 'master']).default('off'),
    /** The 9P server on serviceIp:564; 'ro': read-only. A connection is confined to the directory it attaches. */
    u9fs: z.union([z.boolean(), z.literal('ro')]).default(false),
    /** batctl (and tc) over TCP serviceIp:12000; 'ro': only requests that read. */
    batctlWrapper: z.union([z.boolean(), z.literal('ro')]).default(false),
    /** batctl requests over the node's second console (UML con1, pipes to the runner): no network path needed. */
    batctlConsole: z.boolean().default(false),
    /**
     * A host file the node runs with /bin/sh once it is ready (its directory mounted read-only
     * through hostfs; the image needs the shell extra): the VM labs' test-init. Its output goes
     * to the console. The node's user must be able to read it.
     */
    runScript: z
      .string()
      .regex(/^\/[^\s]*[^/\s]$/, 'expected an absolute host path of a file, without spaces')
      .refine((p) => !p.split('/').includes('..'), 'expected a path without ..')
      .refine((p) => p.length < 200, 'expected a path under 200 characters')
      .optional(),
    mesh: MeshSettings.default({}),
    writes: z.array(Write).max(48).default([]),
  })
  .superRefine((spec, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    // Every MAC and host device once: [where it is in the spec, what it is].
    const interfaces: [(string | number)[], Interface | undefined][] = [
      [['management'], spec.management],
      [['bat0Tap'], spec.bat0Tap],
      ...spec.hard.map((h, i): [(string | number)[], Interface] => [['hard', i], h]),
    ];
    const owners = new Map<string, string>();
    const claim = (key: string, path: (string | number)[]) => {
      if (owners.has(key)) issue(path, `${key.replace(':', ' ')} is also used by ${owners.get(key)}`);
      else owners.set(key, path.join('.'));
    };
    for (const [path, iface] of interfaces) {
      if (iface?.mac) claim(`mac:${iface.mac}`, [...path, 'mac']);
      if (iface && 'tap' in iface) claim(`device:${iface.tap}`, [...path, 'tap']);
      if (iface && 'ifname' in iface) claim(`device:${iface.ifname}`, [...path, 'ifname']);
    }
    if (spec.bat0Mac) claim(`mac:${spec.bat0Mac}`, ['bat0Mac']);
    if (spec.bat0Tap && !spec.management) issue(['bat0Tap'], 'bat0Tap is eth1: management (eth0) must be given too');
    for (const service of ['u9fs', 'batctlWrapper'] as const) {
      if (spec[service] && !spec.serviceIp) issue([service], `${service} listens on serviceIp, which is not set`);
    }
    if (spec.serviceIp && !spec.management)
      issue(['serviceIp'], 'serviceIp is the address of eth0 (management), which is not given');
  });
export type NodeSpec = z.infer<typeof NodeSpec>;
export type NodeSpecInput = z.input<typeof NodeSpec>;
