// What a node whose boot went silent is doing, for the error that gives up on it: where each
// of its host processes waits and what CPU it took meanwhile (a loop or a sleep), and the
// guest's blocked tasks, which UML's kernel prints on the console when asked (sysrq w).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupProcesses } from '../process/index.ts';

const TICKS_PER_SECOND = 100; // USER_HZ
/** How long the report watches the node: CPU taken over it, and the guest's answer on the console. */
const WINDOW_MS = 1500;
const GUEST_LINES = 40;

interface StuckNode {
  pid: number;
  consoleText: string;
  mconsoleSocket: string;
  mconsole(command: string): Promise<string>;
}

async function hostProcesses(pgid: number) {
  return Promise.all(
    (await groupProcesses(pgid)).map(async ({ pid, stat }) => ({
      pid,
      comm: (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim(),
      state: stat[0],
      wchan: (await readFile(`/proc/${pid}/wchan`, 'utf8').catch(() => '')) || '-',
      ticks: Number(stat[11]) + Number(stat[12]),
    })),
  );
}

/** A few lines: the host's view first (it needs nothing from the guest), then the guest's. */
export async function stuckReport(node: StuckNode): Promise<string> {
  const before = await hostProcesses(node.pid);
  const since = node.consoleText.length;
  const asked = existsSync(node.mconsoleSocket)
    ? node.mconsole('sysrq w').then(
        () => undefined,
        (error: Error) => `the kernel did not answer its management console (${error.message.split('\n')[0]})`,
      )
    : Promise.resolve('its management console is not open yet (the kernel stopped before it set it up)');
  await sleep(WINDOW_MS);
  const after = new Map((await hostProcesses(node.pid)).map((p) => [p.pid, p]));
  const host = before.map((p) => {
    const now = after.get(p.pid);
    const cpu = now
      ? `${(((now.ticks - p.ticks) / TICKS_PER_SECOND / WINDOW_MS) * 1000 * 100).toFixed(0)} % CPU`
      : 'gone';
    return `  ${p.pid} ${p.comm}: ${now?.state ?? p.state} in ${now?.wchan ?? p.wchan}, ${cpu}`;
  });
  const unanswered = await Promise.race([asked, sleep(100).then(() => 'no answer from its management console yet')]);
  const guest = node.consoleText.slice(since).trimEnd().split('\n').filter(Boolean).slice(0, GUEST_LINES);
  return [
    `host processes over ${WINDOW_MS / 1000} s:`,
    ...host,
    'guest, blocked tasks (sysrq w):',
    ...(unanswered ? [`  ${unanswered}`] : guest.length ? guest.map((l) => `  ${l}`) : ['  (nothing printed)']),
  ].join('\n');
}
