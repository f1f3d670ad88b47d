// What a node whose boot went silent is doing, for the error that gives up on it: where each
// of its host processes waits and what CPU it took meanwhile (a loop or a sleep), and the
// guest's init's stack and blocked tasks, which UML's kernel prints on the console when asked.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSecondsOf, groupProcesses } from '../process/index.ts';

/** How long the report watches the node (CPU taken over it), and at most how long it waits for the guest's answer. */
const WINDOW_MS = 1500;
const ANSWER_MS = 6000;
const GUEST_LINES = 60;

interface StuckNode {
  pid: number;
  consoleText: string;
  mconsoleSocket: string;
  mconsole(command: string): Promise<string>;
}

async function hostProcesses(pgid: number) {
  return Promise.all(
    (await groupProcesses(pgid)).map(async ({ pid, comm, stat }) => ({
      pid,
      comm,
      state: stat[0],
      wchan: (await readFile(`/proc/${pid}/wchan`, 'utf8').catch(() => '')) || '-',
      cpuSeconds: cpuSecondsOf(stat),
    })),
  );
}

/**
 * The init's stack and the blocked tasks, which UML prints on the console (`sysrq t` would show
 * every task, but 6.1's panics on a kworker's). uml_mconsole's exit status says nothing here:
 * `stack` fails even when it printed.
 */
async function askGuest(node: StuckNode): Promise<undefined> {
  for (const command of ['stack 1', 'sysrq w']) await node.mconsole(command).catch(() => {});
  return undefined;
}

/** Hex words of a stack dump: of no use in a report. */
const STACK_WORDS = /^(Stack:|\s*([0-9a-f]{8,16}\s*)+)$/;

/**
 * A few lines: the guest's answer first (where its init waits says most), then its host
 * processes, alike ones counted together.
 */
export async function stuckReport(node: StuckNode): Promise<string> {
  const before = await hostProcesses(node.pid);
  const since = node.consoleText.length;
  const asked = existsSync(node.mconsoleSocket)
    ? askGuest(node)
    : Promise.resolve('its management console is not open yet (the kernel stopped before it set it up)');
  const t0 = performance.now();
  await Promise.race([Promise.all([sleep(WINDOW_MS), asked]), sleep(ANSWER_MS)]);
  const seconds = (performance.now() - t0) / 1000;
  const after = new Map((await hostProcesses(node.pid)).map((p) => [p.pid, p]));
  const alike = new Map<string, { count: number; cpuSeconds: number }>();
  for (const p of before) {
    const now = after.get(p.pid);
    const key = now ? `${p.comm}: ${now.state} in ${now.wchan}` : `${p.comm}: gone`;
    const group = alike.get(key) ?? { count: 0, cpuSeconds: 0 };
    alike.set(key, {
      count: group.count + 1,
      cpuSeconds: group.cpuSeconds + (now ? now.cpuSeconds - p.cpuSeconds : 0),
    });
  }
  const host = [...alike].map(
    ([key, { count, cpuSeconds }]) =>
      `  ${count > 1 ? `${count} × ` : ''}${key}, ${((100 * cpuSeconds) / seconds).toFixed(0)} % CPU`,
  );
  const unanswered = await Promise.race([asked, sleep(0).then(() => 'no answer from its management console')]);
  const guest = node.consoleText
    .slice(since)
    .split('\n')
    .filter((line) => line.trim() && !STACK_WORDS.test(line))
    .slice(0, GUEST_LINES);
  return [
    "guest: its init's stack (mconsole stack 1), blocked tasks (sysrq w):",
    ...(guest.length ? guest.map((l) => `  ${l}`) : [`  ${unanswered ?? '(nothing printed)'}`]),
    `host processes over ${seconds.toFixed(1)} s:`,
    ...host,
  ].join('\n');
}
