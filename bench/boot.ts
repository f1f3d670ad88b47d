// bench/boot: exec → `batu-init: ready`, and → first batman-adv neighbour, for 1 node and
// for 10 started together; plus memory per idle node (PSS of all its host processes, so
// the 3 processes sharing one UML address space are not counted three times), also with
// free guest memory kept (physmem.give_back=0: as before uml-free-page-reporting.patch).
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Netns, UmlNode, batctlJson } from '../lib/runner/index.ts';
import { groupProcesses } from '../lib/process/index.ts';
import type { NodeSpecInput } from '../lib/cmdline/index.ts';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { image } from '../recipes/image.ts';
import { printResults } from './report.ts';

const ORIG_INTERVAL = 100; // ms; batman-adv's default is 1000

/** 'batctl': the batctl service only; 'all': also alfred (+ batadv-vis, socat) and the 9P server. */
type Services = 'batctl' | 'all' | 'no-9p';

function spec(
  paths: { kernel: string; image: string },
  k: number,
  mem: string,
  rootfs: 'initramfs' | 'hostfs',
  services: Services,
): NodeSpecInput {
  return {
    ...paths,
    umid: `bt-bench-${k}`,
    mem,
    rootfs,
    serviceIp: `192.168.254.${k}/24`,
    batctlWrapper: true,
    ...(services !== 'batctl' ? { alfred: 'slave' as const } : {}),
    ...(services === 'all' ? { u9fs: true } : {}),
    management: { driver: 'tuntap', tap: `btb${k}m` },
    bat0Tap: { driver: 'tuntap', tap: `btb${k}b` },
    hard: [
      {
        driver: 'vector',
        transport: 'tap',
        ifname: `btb${k}h`,
        mac: `02:ba:00:${k.toString(16).padStart(2, '0')}:02:00`,
      },
    ],
    mesh: { orig_interval: ORIG_INTERVAL },
  };
}

/**
 * PSS (MiB) of a node: every host process of its UML process group, each address space
 * once. UML's kernel runs as host processes that share one address space (CLONE_VM), and
 * each of them reports all of it; theirs have the very same /proc/PID/maps.
 */
export async function nodePss(node: { pid?: number }): Promise<number> {
  if (node.pid === undefined) return 0;
  const seen = new Set<string>();
  let kib = 0;
  for (const { pid } of await groupProcesses(node.pid)) {
    const maps = await readFile(`/proc/${pid}/maps`, 'utf8').catch(() => '');
    if (seen.has(maps)) continue;
    seen.add(maps);
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    kib += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
  }
  return kib / 1024;
}

/**
 * Where a node's guest memory went (MiB, from its /proc/meminfo through mconsole): what a
 * node touched stays resident, so these are the parts to shrink.
 */
async function guestMemory(node: UmlNode): Promise<Record<string, number>> {
  const meminfo = await node.mconsole('proc meminfo');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1] ?? NaN);
  return {
    slab: kib('Slab') / 1024,
    page_cache: kib('Cached') / 1024,
    kernel_stacks: kib('KernelStack') / 1024,
    anon: kib('AnonPages') / 1024,
    page_tables: kib('PageTables') / 1024,
    used: (kib('MemTotal') - kib('MemFree')) / 1024,
  };
}

const mean = (rows: Record<string, number>[]) =>
  Object.fromEntries(Object.keys(rows[0]).map((k) => [k, rows.reduce((a, r) => a + r[k], 0) / rows.length]));

async function bootRound(
  paths: { kernel: string; image: string },
  count: number,
  mem: string,
  rootfs: 'initramfs' | 'hostfs' = 'initramfs',
  services: Services = 'batctl',
  kernelArgs: string[] = [],
) {
  const ns = await Netns.create('bt');
  const nodes: UmlNode[] = [];
  try {
    await ns.addBridge('btmgmt', '192.168.254.254/24');
    await ns.addBridge('btmesh');
    const attach = (k: number) => ({ [`btb${k}m`]: 'btmgmt', [`btb${k}h`]: 'btmesh' });
    const t0 = performance.now();
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: count }, (_, i) =>
          UmlNode.start(spec(paths, i + 1, mem, rootfs, services), { netns: ns, attach: attach(i + 1), kernelArgs }),
        ),
      )),
    );
    const ready = nodes.map((n) => (n.timing.ready! - n.timing.spawned) / 1000);
    // First neighbour: every node has seen some other node's OGMs.
    const firstNeighbour = await Promise.all(
      nodes.map(async (n) => {
        // Bounded: a mesh that never forms fails the bench instead of hanging it.
        while (performance.now() - n.timing.spawned < 60_000) {
          if ((await batctlJson<unknown[]>(n, 'neighbors_json')).length > 0)
            return (performance.now() - n.timing.spawned) / 1000;
          await sleep(10);
        }
        throw new Error(`${n.spec.umid} saw no batman-adv neighbour within 60 s`);
      }),
    );
    // Idle, converged, and what boot freed given back (free page reporting runs 2 s after a free).
    await sleep(6000);
    const pss = await Promise.all(nodes.map(nodePss));
    const guest = mean(await Promise.all(nodes.map(guestMemory)));
    return {
      guest,
      ready_s: Math.max(...ready),
      first_neighbour_s: Math.max(...firstNeighbour),
      all_s: (performance.now() - t0) / 1000,
      pss_mib: pss.reduce((a, b) => a + b, 0) / count,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await ns.delete();
  }
}

export async function benchBoot(): Promise<Record<string, number | string>> {
  const {
    paths: [kernel, guest],
  } = await realiseAll([await linuxV15(), await image()], { report: silentReporter });
  const paths = { kernel, image: guest };
  // A neighbour needs a second node: the "1 node" round is a pair.
  const pair = await bootRound(paths, 2, '64M');
  const ten = await bootRound(paths, 10, '64M');
  // The smallest that works: a shared read-only hostfs root at mem=24M (16M is refused by
  // UML; an initramfs, unpacked into each node's memory, needs ~48M to boot quickly).
  const small = await bootRound(paths, 10, '24M', 'hostfs');
  const all = await bootRound(paths, 10, '24M', 'hostfs', 'all');
  const no9p = await bootRound(paths, 10, '24M', 'hostfs', 'no-9p');
  const kept = await bootRound(paths, 10, '24M', 'hostfs', 'all', ['physmem.give_back=0']);
  return {
    orig_interval_ms: ORIG_INTERVAL,
    ready_s: pair.ready_s,
    first_neighbour_s: pair.first_neighbour_s,
    ready_10_s: ten.ready_s,
    first_neighbour_10_s: ten.first_neighbour_s,
    pss_mib_per_node_initramfs_64M: ten.pss_mib,
    pss_mib_per_node_batctl_only: small.pss_mib,
    mem_smallest: 'hostfs 24M',
    // The goal's measure: every service on (batctl, alfred + batadv-vis + socat, the 9P server).
    pss_mib_per_node: all.pss_mib,
    pss_mib_per_node_without_9p: no9p.pss_mib,
    // …with what the guest freed kept in its memory file, as before the kernel gave it back.
    pss_mib_per_node_memory_kept: kept.pss_mib,
    // …of which the guest (all services): used, and its biggest parts.
    ...Object.fromEntries(Object.entries(all.guest).map(([k, v]) => [`guest_${k}_mib`, v])),
    ready_10_hostfs_s: small.ready_s,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printResults('boot', await benchBoot(), { ready_s: 0.3, first_neighbour_10_s: 1.5, pss_mib_per_node: 8 });
}
