// Powering a node off, the same way for a node this process runs (UmlNode.stop) and one
// another process runs (`batu stop`): ctrl-alt-del (the init powers off cleanly), then
// mconsole halt, then SIGTERM, each given a while; SIGKILL if it is still there.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../derivations/index.ts';
import { mconsole, mconsoleSocket } from './mconsole.ts';
import type { RunningNode } from './registry.ts';

export interface PowerControl {
  mconsole(command: string): Promise<unknown>;
  signal(sig: NodeJS.Signals): void;
  /** True once the node's process is gone, false if it is still there after `ms`. */
  waitGone(ms: number): Promise<boolean>;
}

export const powerOffSteps: [string, number][] = [
  ['cad', 5000],
  ['halt', 3000],
  ['SIGTERM', 2000],
];

/** How it went: 'powered off' (a step sufficed) or 'killed' (SIGKILL in the end). */
export async function powerOff(node: PowerControl): Promise<'powered off' | 'killed'> {
  for (const [step, ms] of powerOffSteps) {
    if (step === 'SIGTERM') node.signal('SIGTERM');
    else await node.mconsole(step).catch(() => {});
    if (await node.waitGone(ms)) return 'powered off';
  }
  node.signal('SIGKILL');
  return 'killed';
}

/** powerOff for a node found by listNodes(): its pid and mconsole socket are all there is. */
/** Left in a node's run directory by `batu stop`, so that the process running it sees a stop asked for, not a crash. */
const stopMark = (runDir: string) => join(runDir, 'stop-requested');
export const stopRequested = (runDir: string) => existsSync(stopMark(runDir));

export async function powerOffRunning(node: RunningNode): Promise<'powered off' | 'killed'> {
  await writeFile(stopMark(node.runDir), '').catch(() => {}); // a run directory already gone: nobody to tell
  return powerOff({
    mconsole: (command) =>
      mconsole(mconsoleSocket(node.umlDir, node.umid), command, { netnsPrefix: node.netns?.prefix }),
    signal: (sig) => {
      try {
        process.kill(-node.pid, sig);
      } catch {
        /* already gone */
      }
    },
    waitGone: async (ms) => {
      for (const end = Date.now() + ms; processAlive(node.pid) && Date.now() < end;) await sleep(100);
      return !processAlive(node.pid);
    },
  });
}
