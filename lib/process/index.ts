// Process utilities: whether a process lives, locks between processes, what a group costs.
export { processAlive } from './alive.ts';
export { acquireLock, type Lock, type LockOptions } from './lock.ts';
export {
  cpuSecondsOf,
  groupProcesses,
  groupUsage,
  machineBusySeconds,
  usageOver,
  usageRate,
  type GroupUsage,
} from './usage.ts';
