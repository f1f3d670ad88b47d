// What a process group has cost the host so far: a node's UML kernel and its guest processes
// are host processes of one group (the node's pid). Benches take two readings and divide.
import { readFile, readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface GroupUsage {
  /** User + system CPU, seconds. */
  cpuSeconds: number;
  /** Voluntary + involuntary context switches of every thread: how often the group woke up. */
  contextSwitches: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ: Linux reports /proc times in it on every architecture

/**
 * Every process whose process group is `pgid`, now: its command name and the fields of its
 * /proc/PID/stat after it (field 3 of stat is [0] here). A process that exits meanwhile is left out.
 */
export async function groupProcesses(pgid: number): Promise<{ pid: string; comm: string; stat: string[] }[]> {
  const found = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const end = stat.lastIndexOf(')');
    const fields = stat.slice(end + 2).split(' ');
    if (Number(fields[2]) === pgid) found.push({ pid, comm: stat.slice(stat.indexOf('(') + 1, end), stat: fields });
  }
  return found;
}

/** User + system CPU, seconds, of a process: its stat fields as groupProcesses gives them. */
export const cpuSecondsOf = (stat: string[]) => (Number(stat[11]) + Number(stat[12])) / TICKS_PER_SECOND;

/** The usage of every process of the group `pgid`, now. */
export async function groupUsage(pgid: number): Promise<GroupUsage> {
  const usage: GroupUsage = { cpuSeconds: 0, contextSwitches: 0 };
  for (const { pid, stat } of await groupProcesses(pgid)) {
    usage.cpuSeconds += cpuSecondsOf(stat);
    for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
      const status = await readFile(`/proc/${pid}/task/${tid}/status`, 'utf8').catch(() => '');
      for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm))
        usage.contextSwitches += Number(m[1]);
    }
  }
  return usage;
}

/** Per second between two readings of the same group. */
export function usageRate(before: GroupUsage, after: GroupUsage, seconds: number) {
  return {
    cpuPercent: (100 * (after.cpuSeconds - before.cpuSeconds)) / seconds,
    wakeupsPerSecond: (after.contextSwitches - before.contextSwitches) / seconds,
  };
}

/** Each group's usage per second over the next `seconds`: a reading of all of them before and after. */
export async function usageOver(pgids: number[], seconds: number) {
  const before = await Promise.all(pgids.map(groupUsage));
  await sleep(seconds * 1000);
  const after = await Promise.all(pgids.map(groupUsage));
  return pgids.map((_, i) => usageRate(before[i], after[i], seconds));
}

/** Busy CPU of the whole machine so far (every process, the kernel's softirqs), seconds. */
export async function machineBusySeconds(): Promise<number> {
  const [, ...ticks] = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks; // idle and iowait left out
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}
