// Process utilities: whether a process lives, and locks between processes.
export { processAlive } from './alive.ts';
export { acquireLock, type Lock, type LockOptions } from './lock.ts';
