// Seed corpora for scripts/fuzz.sh: valid messages of each parser, so libFuzzer starts from
// what clients really send.  npx tsx scripts/fuzz-seeds.ts DIR  (writes DIR/cmdline, DIR/9p, DIR/batctl)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: fuzz-seeds.ts DIR');

// 9P2000.L: little-endian fields; a string is size[2] then its bytes.
const u = (bytes: number, v: number | bigint) => {
  const full = Buffer.alloc(8);
  full.writeBigUInt64LE(BigInt(v));
  return full.subarray(0, bytes);
};
const s = (text: string) => Buffer.concat([u(2, Buffer.byteLength(text)), Buffer.from(text)]);
let tag = 1;
const msg = (type: number, ...fields: Buffer[]) => {
  const body = Buffer.concat([u(1, type), u(2, tag++), ...fields]);
  return Buffer.concat([u(4, body.length + 4), body]);
};
const T = {
  version: 100,
  attach: 104,
  walk: 110,
  lopen: 12,
  lcreate: 14,
  read: 116,
  write: 118,
  clunk: 120,
  getattr: 24,
  setattr: 26,
  readdir: 40,
  mkdir: 72,
  symlink: 16,
  readlink: 22,
  renameat: 74,
  unlinkat: 76,
  link: 70,
  statfs: 8,
  fsync: 50,
  lock: 52,
  getlock: 54,
  rename: 20,
  remove: 122,
  flush: 108,
};
const start = [
  msg(T.version, u(4, 8192), s('9P2000.L')),
  msg(T.attach, u(4, 0), u(4, 0xffffffff), s('nobody'), s('/tmp/export')),
];
const sessions: Record<string, Buffer[]> = {
  create: [
    msg(T.walk, u(4, 0), u(4, 1), u(2, 0)),
    msg(T.lcreate, u(4, 1), s('file'), u(4, 0o2), u(4, 0o644), u(4, 0)),
    msg(T.write, u(4, 1), u(8, 0), u(4, 5), Buffer.from('hello')),
    msg(T.read, u(4, 1), u(8, 0), u(4, 64)),
    msg(T.getattr, u(4, 1), u(8, 0x3fff)),
    msg(T.setattr, u(4, 1), u(4, 8), u(4, 0), u(4, 0), u(4, 0), u(8, 2), u(8, 0), u(8, 0), u(8, 0), u(8, 0)),
    msg(T.fsync, u(4, 1), u(4, 0)),
    msg(T.clunk, u(4, 1)),
  ],
  tree: [
    msg(T.mkdir, u(4, 0), s('dir'), u(4, 0o755), u(4, 0)),
    msg(T.symlink, u(4, 0), s('link'), s('dir'), u(4, 0)),
    msg(T.walk, u(4, 0), u(4, 2), u(2, 1), s('link')),
    msg(T.readlink, u(4, 2)),
    msg(T.walk, u(4, 0), u(4, 3), u(2, 2), s('dir'), s('..')),
    msg(T.lopen, u(4, 3), u(4, 0o200000)),
    msg(T.readdir, u(4, 3), u(8, 0), u(4, 512)),
    msg(T.renameat, u(4, 0), s('dir'), u(4, 0), s('moved')),
    msg(T.link, u(4, 0), u(4, 2), s('hard')),
    msg(T.statfs, u(4, 0)),
    msg(T.unlinkat, u(4, 0), s('moved'), u(4, 0x200)),
    msg(T.rename, u(4, 2), u(4, 0), s('renamed')),
    msg(T.remove, u(4, 2)),
  ],
  locks: [
    msg(T.walk, u(4, 0), u(4, 4), u(2, 0)),
    msg(T.lock, u(4, 4), u(1, 1), u(4, 0), u(8, 0), u(8, 10), u(4, 1), s('client')),
    msg(T.getlock, u(4, 4), u(1, 1), u(8, 0), u(8, 10), u(4, 1), s('client')),
    msg(T.flush, u(2, 1)),
  ],
};
mkdirSync(join(dir, '9p'), { recursive: true });
for (const [name, session] of Object.entries(sessions))
  // The first byte: bit 7 picks read-only (-r); the rest of it is unused.
  for (const mode of [0, 0x80])
    writeFileSync(join(dir, '9p', `${name}-${mode ? 'ro' : 'rw'}`), Buffer.concat([u(1, mode), ...start, ...session]));

// The batctl service: NUL-terminated arguments and one more NUL; the first byte picks read-only.
const requests = [
  ['batctl', 'o'],
  ['batctl', 'meshif', 'bat0', 'neighbors_json'],
  ['batctl', 'gw_mode', 'server'],
  ['batctl', 'hardif', 'eth0', 'throughput_override', '10mbit'],
  ['tc', 'qdisc', 'show', 'dev', 'eth0'],
  ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', '10ms'],
  ['batadv-vis', '-f', 'json'],
  ['batctl-legacy', 'o'],
  ['unplug', 'vec2'],
];
mkdirSync(join(dir, 'batctl'), { recursive: true });
requests.forEach((args, i) => {
  for (const mode of [0, 1])
    writeFileSync(
      join(dir, 'batctl', `${i}-${mode}`),
      Buffer.concat([u(1, mode), Buffer.from(args.join('\0') + '\0\0')]),
    );
});

// The init's kernel command line: every parameter of the contract once.
mkdirSync(join(dir, 'cmdline'), { recursive: true });
writeFileSync(
  join(dir, 'cmdline', 'seed'),
  'eth0=tuntap,m eth1=tuntap,b,ca:fe:00:00:00:01 vec2:transport=tap,ifname=h mtu_eth2=1408 bat0_hwaddr=ca:fe:00:00:00:02 service_ip=10.0.0.2/24 run_alfred=master run_u9fs run_batctl_wrapper routing_algo=BATMAN_V /sys/class/net/bat0/mesh/gw_mode=server "/a/b=c d"\n',
);
